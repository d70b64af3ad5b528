/**
 * `tuneplan estimate plan.json --data FILE [--tokenizer DIR] [--full]` (issue 17): analyse the data file as the
 * trainer will tokenize it, for the plan's own micro-batch and sequence length, and estimate the plan with those
 * statistics in `data.stats` (the estimate then takes the peak batch, the real tokens and the padding from them).
 * The file is streamed and only statistics are kept; its name is not put in the plan.
 */
import { analyzeData, type DataProgress } from '../../shared/data/analyze';
import { UnknownShapeError } from '../../shared/data/shapes';
import { byteEstimateCounter, tokenizerCounter, TokenizerLoadError } from '../../shared/data/token-count';
import { DataAnalysisOptionsSchema, type DataStats } from '../../shared/domain/data-stats';
import { dataSource, loadTokenizerFiles } from '../services/data/file-source';

/** A problem the user can fix (a missing file, an unknown data shape, a folder without tokenizer.json). */
export class DataInputError extends Error {}

export interface PlanDataOptions {
  file: string;
  tokenizer?: string;
  /** Count every example exactly (slower) instead of a quick pass over an evenly spaced sample. */
  full?: boolean;
  onProgress?: (p: DataProgress) => void;
}

/** The plan's training shape, read leniently: the schema checks the plan itself afterwards. */
function trainingShape(plan: unknown): { seqLen?: number; microBatch?: number } {
  const training = (plan as { training?: unknown } | null)?.training;
  if (typeof training !== 'object' || training === null) return {};
  const { seqLen, microBatch } = training as Record<string, unknown>;
  return {
    ...(typeof seqLen === 'number' && Number.isInteger(seqLen) && seqLen > 0 ? { seqLen } : {}),
    ...(typeof microBatch === 'number' && Number.isInteger(microBatch) && microBatch > 0 ? { microBatch } : {}),
  };
}

export async function statsForPlan(plan: unknown, opts: PlanDataOptions): Promise<DataStats> {
  let source;
  let counter;
  try {
    source = dataSource(opts.file);
    counter = opts.tokenizer ? tokenizerCounter(loadTokenizerFiles(opts.tokenizer)) : byteEstimateCounter();
  } catch (error) {
    throw new DataInputError(
      `--data / --tokenizer: cannot open the data or the tokenizer: ${(error as Error).message}`,
    );
  }
  try {
    return await analyzeData({
      source,
      counter,
      // TRL's SFTTrainer truncates at max_length (the plan's seqLen): over-long examples are truncated, not dropped.
      options: DataAnalysisOptionsSchema.parse({
        pass: opts.full ? 'full' : 'quick',
        overflow: 'truncate',
        ...trainingShape(plan),
      }),
      onProgress: opts.onProgress,
    });
  } catch (error) {
    if (error instanceof UnknownShapeError || error instanceof TokenizerLoadError)
      throw new DataInputError(`--data: ${error.message}`);
    throw error;
  }
}

/** The plan document with the statistics in `data.stats` (any earlier statistics replaced). */
export function withStats(plan: unknown, stats: DataStats): unknown {
  if (typeof plan !== 'object' || plan === null || Array.isArray(plan)) return plan;
  const doc = plan as Record<string, unknown>;
  const data = doc.data;
  return {
    ...doc,
    data: { ...(typeof data === 'object' && data !== null && !Array.isArray(data) ? data : {}), stats },
  };
}
