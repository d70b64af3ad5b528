/**
 * One analysis of a picked file, as the data worker runs it (data-worker.ts) and as component tests run it
 * in-process: the same function, so the tests drive the code the worker runs. Only statistics come back.
 */
import { analyzeData, DataCancelled, type DataProgress } from '../../../shared/data/analyze';
import { UnknownShapeError } from '../../../shared/data/shapes';
import { byteEstimateCounter, tokenizerCounter } from '../../../shared/data/token-count';
import {
  DataAnalysisOptionsSchema,
  type DataAnalysisOptionsInput,
  type DataStats,
} from '../../../shared/domain/data-stats';
import { fileByteSource, readTokenizer, type TokenizerPick } from './file-source';

export interface AnalysisRequest {
  file: File;
  tokenizer?: TokenizerPick | undefined;
  options: DataAnalysisOptionsInput;
}

/** Why an analysis did not finish: cancelled by the user, an unknown shape (with its fields), or a message. */
export class AnalysisError extends Error {
  constructor(
    message: string,
    readonly cancelled = false,
    /** The fields of the first record when its shape is not recognised: the mapping form lists them. */
    readonly fields: string[] | null = null,
  ) {
    super(message);
  }
}

/** Runs an analysis somewhere off the UI thread (the Web Worker), or in-process in tests. */
export type AnalysisRunner = (
  request: AnalysisRequest,
  onProgress: (p: DataProgress) => void,
  signal: AbortSignal,
) => Promise<DataStats>;

export function toAnalysisError(error: unknown): AnalysisError {
  if (error instanceof AnalysisError) return error;
  if (error instanceof DataCancelled) return new AnalysisError(error.message, true);
  if (error instanceof UnknownShapeError) return new AnalysisError(error.message, false, error.fields);
  return new AnalysisError(error instanceof Error ? error.message : String(error));
}

/** The analysis itself; throws AnalysisError. The data worker's body, and the in-process runner of tests. */
export async function analyzeFile(
  request: AnalysisRequest,
  onProgress: (p: DataProgress) => void,
  signal: AbortSignal,
): Promise<DataStats> {
  try {
    const counter = request.tokenizer
      ? tokenizerCounter(await readTokenizer(request.tokenizer))
      : byteEstimateCounter();
    return await analyzeData({
      source: fileByteSource(request.file),
      counter,
      options: DataAnalysisOptionsSchema.parse(request.options),
      signal,
      onProgress,
    });
  } catch (error) {
    throw toAnalysisError(error);
  }
}
