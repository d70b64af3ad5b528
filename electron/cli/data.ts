/**
 * `tuneplan data FILE --tokenizer DIR [--json]`: the length distribution, padding and packing of a
 * training data file as the trainer will tokenize it (issue 17). Only statistics are printed; nothing is
 * stored. Exit 0 with the statistics, 2 for input the user can fix (named), 1 otherwise.
 */
import { parseArgs } from 'node:util';
import { analyzeData, DataCancelled, type DataProgress } from '../../shared/data/analyze';
import { UnknownShapeError } from '../../shared/data/shapes';
import { budgetRisk } from '../../shared/data/batching';
import { byteEstimateCounter, tokenizerCounter, TokenizerLoadError } from '../../shared/data/token-count';
import { DataAnalysisOptionsSchema, type DataStats } from '../../shared/domain/data-stats';
import { count } from '../../shared/format';
import { issuesFromZod } from '../../shared/result';
import { dataSource, loadTokenizerFiles } from '../services/data/file-source';

export const DATA_USAGE =
  '  tuneplan data FILE [--tokenizer DIR] [--json] [--full] [--seq-len N] [--micro-batch N] [--drop]\n' +
  `                [--sample N] [--budget TOKENS] [--text F | --messages F | --prompt F --completion F]
                                                          token lengths, padding and packing of a data file
                                                          (.jsonl .json .csv .parquet .arrow or a save_to_disk folder)`;

const pct = (f: number) => `${(f * 100).toFixed(1)} %`;
const span = (v: number, [lo, hi]: [number, number]) =>
  lo === hi ? count(v) : `${count(v)} (${count(lo)}–${count(hi)})`;

export function formatDataStats(s: DataStats, budget?: number): string {
  const b = s.batching;
  const l = s.lengths;
  const bar = (n: number, max: number) => '█'.repeat(Math.round((n / Math.max(1, max)) * 40));
  const maxCount = Math.max(...l.histogram.counts);
  const lines = [
    `${s.source.format} file, ${s.source.shape} shape: ` +
      `${count(s.examples)} examples of ${count(s.source.records)} records` +
      (s.lengths.sequencesPerExample === 2 ? ' (preference: 2 sequences each)' : ''),
    'tokenizer: ' +
      (s.tokenizer.kind === 'tokenizer'
        ? `${s.tokenizer.name}${s.tokenizer.chatTemplate ? ', with its chat template' : ''}`
        : 'none (estimated from bytes)'),
    s.pass.note,
    '',
    `tokens per example   p50 ${span(l.p50, l.p50Range)}   p95 ${span(l.p95, l.p95Range)}   ` +
      `max ${span(l.max, l.maxRange)}   mean ${l.mean.toFixed(1)}`,
    `tokens in the file   ${span(s.totalTokens, s.totalTokensRange)}`,
    '',
    ...l.histogram.counts
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => c > 0)
      .map(
        ({ c, i }) =>
          `${String(l.histogram.edges[i]).padStart(8)}–${String(l.histogram.edges[i + 1]).padEnd(8)} ` +
          `${String(c).padStart(8)} ${bar(c, maxCount)}` +
          (l.histogram.edges[i]! <= b.seqLen && b.seqLen < l.histogram.edges[i + 1]! ? '  ← sequence length' : ''),
      ),
    '',
    `sequence length ${b.seqLen}: ${count(b.overSeqLen)} examples longer ` +
      `(${b.overflow === 'drop' ? 'dropped' : 'truncated'}, ${count(b.overSeqLenTokens)} tokens lost)`,
    `tokens per epoch     ${span(b.tokensPerEpoch, b.tokensPerEpochRange)}`,
    `micro-batch ${b.microBatch}: padding ${pct(b.paddingRandom)} random, ${pct(b.paddingGrouped)} length-grouped, ` +
      `${pct(b.paddingPacked)} packed (${count(b.packedSequences)} packed sequences)`,
    `worst batch          ${count(b.peakBatchTokensPadded)} tokens padded (micro-batch × longest), ` +
      `${count(b.peakBatchTokensUnpadded)} without padding; expected ${count(b.expectedBatchTokensRandom)}`,
  ];
  if (budget !== undefined) {
    const r = budgetRisk(l, s.examples, { ...b, sequencesPerExample: l.sequencesPerExample }, budget);
    lines.push(
      r.examplesOver === 0
        ? `budget ${count(budget)} tokens per micro-batch: no padded batch exceeds it`
        : `budget ${count(budget)} tokens per micro-batch: ${count(r.examplesOver)} examples are longer than ` +
            `${count(r.longestThatFits)} tokens, so every epoch has a step over it; ` +
            `the first comes around step ${count(r.expectedFirstStep ?? 0)} ` +
            `(within 100 steps: ${pct(r.probabilityWithinSteps(100))})`,
    );
  }
  if (s.warnings.length) lines.push('', ...s.warnings.map((w) => `warning: ${w}`));
  if (s.malformed.first.length)
    lines.push(...s.malformed.first.slice(0, 5).map((i) => `  line ${i.line}: ${i.message}`));
  return lines.join('\n');
}

export async function runDataCommand(
  args: string[],
  out: (s: string) => void,
  err: (s: string) => void,
  progress: (p: DataProgress) => void = () => {},
): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  let positionals: string[];
  function parse() {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        tokenizer: { type: 'string' },
        json: { type: 'boolean' },
        full: { type: 'boolean' },
        drop: { type: 'boolean' },
        'keep-name': { type: 'boolean' },
        'seq-len': { type: 'string' },
        'micro-batch': { type: 'string' },
        sample: { type: 'string' },
        budget: { type: 'string' },
        text: { type: 'string' },
        messages: { type: 'string' },
        prompt: { type: 'string' },
        completion: { type: 'string' },
      },
    });
  }
  try {
    ({ values, positionals } = parse());
  } catch (error) {
    err(`${(error as Error).message}\nUsage:\n${DATA_USAGE}`);
    return 2;
  }
  const file = positionals[0];
  if (!file) {
    err(`data needs a file: tuneplan data FILE --tokenizer MODEL_DIR\nUsage:\n${DATA_USAGE}`);
    return 2;
  }
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const mapping =
    values.text || values.messages || values.prompt || values.completion
      ? { text: values.text, messages: values.messages, prompt: values.prompt, completion: values.completion }
      : undefined;
  const parsed = DataAnalysisOptionsSchema.safeParse({
    pass: values.full ? 'full' : 'quick',
    seqLen: num(values['seq-len']),
    microBatch: num(values['micro-batch']),
    sampleSize: num(values.sample),
    overflow: values.drop ? 'drop' : 'truncate',
    keepName: values['keep-name'] ?? false,
    mapping,
  });
  if (!parsed.success) {
    const flag: Record<string, string> = { seqLen: '--seq-len', microBatch: '--micro-batch', sampleSize: '--sample' };
    err(
      `Invalid options:\n${issuesFromZod(parsed.error)
        .map((i) => `  ${flag[i.path.split('.')[0]!] ?? i.path}: ${i.message}`)
        .join('\n')}`,
    );
    return 2;
  }
  const budget = num(values.budget);
  if (budget !== undefined && !(budget > 0)) {
    err('--budget must be a positive number of tokens per micro-batch');
    return 2;
  }
  let source;
  let counter;
  try {
    source = dataSource(file);
    counter = values.tokenizer ? tokenizerCounter(loadTokenizerFiles(values.tokenizer)) : byteEstimateCounter();
  } catch (error) {
    err(`Cannot open the data or the tokenizer: ${(error as Error).message}`);
    return 2;
  }
  try {
    const stats = await analyzeData({ source, counter, options: parsed.data, onProgress: progress });
    out(values.json === true ? JSON.stringify(stats, null, 2) : formatDataStats(stats, budget));
    return 0;
  } catch (error) {
    if (error instanceof UnknownShapeError || error instanceof TokenizerLoadError) {
      err(error.message);
      return 2;
    }
    if (error instanceof DataCancelled) {
      err(error.message);
      return 1;
    }
    err(`tuneplan data failed: ${(error as Error).message}`);
    return 1;
  }
}

/** Progress on stderr for a terminal, at most once a second. */
export function terminalProgress(write: (s: string) => void): (p: DataProgress) => void {
  let last = 0;
  return (p) => {
    const t = Date.now();
    if (t - last < 1000) return;
    last = t;
    write(
      p.phase === 'scan'
        ? `reading… ${Math.round((p.bytesRead / Math.max(1, p.bytesTotal)) * 100)} % (${count(p.examples)} examples)`
        : `counting tokens… ${count(p.counted)}${p.toCount ? ` of ${count(p.toCount)}` : ''} examples`,
    );
  };
}
