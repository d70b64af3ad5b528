/**
 * What the Data section shows and what it puts in the plan, from one DataStats: pure functions, so the
 * figures are tested without a DOM. A plan edit (sequence length, micro-batch) or the truncate/drop choice
 * recomputes the batching from the saved lengths (shared/data/batching.ts lengthsFromStats: the 101 quantiles
 * plus the 256 longest examples), without reading the file again.
 */
import { batchingFromLengths, lengthsFromStats } from '../../../shared/data/batching';
import type { BatchingStats, DataStats } from '../../../shared/domain/data-stats';
import type { Draft } from '../../state/draft';

export interface BatchingChoice {
  seqLen: number;
  microBatch: number;
  overflow: 'truncate' | 'drop';
}

/** The batching for these choices: the worker's own figures when they match, else recomputed from the lengths. */
export function batchingFor(stats: DataStats, choice: BatchingChoice): BatchingStats {
  const b = stats.batching;
  if (b.seqLen === choice.seqLen && b.microBatch === choice.microBatch && b.overflow === choice.overflow) return b;
  const { lengths, weight } = lengthsFromStats(stats.lengths, stats.examples);
  const next = batchingFromLengths(
    lengths,
    { ...choice, sequencesPerExample: stats.lengths.sequencesPerExample },
    weight,
  );
  // A quick pass's range scales with the point figure (the per-example error does not depend on the cut).
  const ratio = b.tokensPerEpoch > 0 ? next.tokensPerEpoch / b.tokensPerEpoch : 1;
  next.tokensPerEpochRange = stats.pass.exact
    ? [next.tokensPerEpoch, next.tokensPerEpoch]
    : [b.tokensPerEpochRange[0] * ratio, b.tokensPerEpochRange[1] * ratio];
  return next;
}

export interface HistogramRow {
  /** Bin [start, end) in tokens, its middle (where the bar stands) and the examples in it. */
  start: number;
  end: number;
  mid: number;
  count: number;
}

export function histogramRows(stats: DataStats): HistogramRow[] {
  const { edges, counts } = stats.lengths.histogram;
  return counts.map((count, i) => {
    const start = edges[i]!;
    const end = edges[i + 1]!;
    return { start, end, mid: (start + end) / 2, count };
  });
}

/**
 * The x-axis extent: the bins, stretched to show the sequence length when it is at most 4× the longest bin
 * edge (further out the bars would shrink to slivers; the caption then says where it is).
 */
export function histogramDomain(rows: HistogramRow[], seqLen: number): { max: number; showsSeqLen: boolean } {
  const last = rows.length ? rows[rows.length - 1]!.end : 1;
  if (seqLen <= last) return { max: last, showsSeqLen: true };
  if (seqLen <= 4 * last) return { max: Math.ceil(seqLen * 1.02), showsSeqLen: true };
  return { max: last, showsSeqLen: false };
}

/**
 * The bins as drawn: when the axis stretches to the sequence length, neighbouring bins merge so about 40 bars
 * span the axis (the data's bins are multiples of one width, so merged edges stay on round numbers).
 */
export function displayRows(rows: HistogramRow[], axisMax: number): HistogramRow[] {
  if (rows.length === 0) return rows;
  const width = rows[0]!.end - rows[0]!.start;
  const k = Math.max(1, Math.ceil(axisMax / 40 / width));
  if (k === 1) return rows;
  const out: HistogramRow[] = [];
  for (let i = 0; i < rows.length; i += k) {
    const group = rows.slice(i, i + k);
    const start = group[0]!.start;
    const end = start + k * width;
    out.push({ start, end, mid: (start + end) / 2, count: group.reduce((a, r) => a + r.count, 0) });
  }
  return out;
}

/** Round ticks (steps of 1, 2 or 5 × a power of ten, about five of them) from 0 up to `max`. */
export function axisTicks(max: number): number[] {
  if (!(max > 0)) return [0];
  const raw = max / 5;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((w) => w >= raw)!;
  const out: number[] = [];
  for (let t = 0; t <= max + 1e-9; t += step) out.push(Math.round(t * 1e6) / 1e6);
  return out;
}

/** Examples that train: all of them when long ones are truncated; the rest when they are dropped. */
export function keptExamples(stats: DataStats, batching: BatchingStats): number {
  return Math.max(0, stats.examples - (batching.overflow === 'drop' ? batching.overSeqLen : 0));
}

/** The longest example that trains, in tokens (after truncation, or the longest under the cut when dropping). */
export function longestKept(stats: DataStats, batching: BatchingStats): number {
  const { seqLen, overflow } = batching;
  if (overflow === 'truncate') return Math.min(stats.lengths.max, seqLen);
  const under = [...stats.lengths.longest, ...stats.lengths.quantiles].filter((l) => l <= seqLen);
  return under.length ? Math.max(...under) : 0;
}

/** Computed tokens per epoch (real tokens plus padding) for a padding fraction. */
export function computedTokens(realTokens: number, padding: number): number {
  return padding < 1 ? realTokens / (1 - padding) : realTokens;
}

/**
 * The statistics as the plan stores them (`data.stats`, plan format 3): the batching for the user's choices (the
 * estimator reads the truncate/drop choice from it), and the file's base name only when the user asked to keep it.
 */
export function statsForPlan(stats: DataStats, batching: BatchingStats, name: string | null): DataStats {
  const { name: _dropped, ...source } = stats.source;
  return {
    ...stats,
    source: name ? { ...source, name: name.split(/[\\/]/).pop()!.slice(0, 300) } : source,
    batching,
  };
}

/**
 * The plan with the statistics: `data.stats`, which the estimator sizes the peak, the time and the padding from
 * (shared/estimate/data-batches.ts), and the plain fields kept in step with it — the examples that train, their mean
 * tokens (all sequences of an example: both of a preference pair), the longest one and the real tokens per epoch —
 * so the Data section, older readers and a plan whose statistics are later removed say the same. Null when no
 * example trains.
 */
export function planWithStats(draft: Draft, stats: DataStats): Draft | null {
  const batching = stats.batching;
  const examples = keptExamples(stats, batching);
  const longest = longestKept(stats, batching);
  if (examples < 1 || longest < 1 || batching.tokensPerEpoch <= 0) return null;
  const mean = Math.max(1, Math.round((batching.tokensPerEpoch / examples) * 10) / 10);
  return {
    ...draft,
    data: {
      ...draft.data,
      mode: 'examples',
      examples,
      meanTokensPerExample: mean,
      maxTokensPerExample: Math.ceil(longest),
      totalTokens: Math.max(1, Math.round(batching.tokensPerEpoch)),
      stats,
    },
  };
}

/** The plan without statistics; its plain data fields stay as they were set. */
export function planWithoutStats(draft: Draft): Draft {
  const { stats: _removed, ...data } = draft.data;
  return { ...draft, data };
}

/** Whether the plan already holds exactly these statistics and the fields they set. */
export function planHolds(draft: Draft, next: Draft | null): boolean {
  if (!next || !draft.data.stats) return false;
  const a = draft.data;
  const b = next.data;
  return (
    a.mode === b.mode &&
    a.examples === b.examples &&
    a.meanTokensPerExample === b.meanTokensPerExample &&
    a.maxTokensPerExample === b.maxTokensPerExample &&
    JSON.stringify(a.stats) === JSON.stringify(b.stats)
  );
}
