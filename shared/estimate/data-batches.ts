/**
 * What the micro-batches of a plan hold: rows per epoch, real and processed (padded) tokens per row, and the
 * longest batch the peak is sized at — from the user's data statistics when the plan has them (`data.stats`,
 * issue 17), otherwise from the plan's examples, mean and longest tokens (issue 15 §5, unchanged since format 2).
 *
 * With statistics (shared/data/batching.ts recomputes them for the plan's micro-batch and sequence length):
 *  - padded batches (no packing): each micro-batch is padded to its longest example. The order is the one the exports
 *    write (domain/export-capabilities.ts groupsByLength): at random (transformers' RandomSampler), a row costs the
 *    expected longest of b draws (`expectedBatchTokensRandom`); grouped by length (training.samplingStrategy
 *    'group_by_length' where the trainer takes LengthGroupedSampler), a row costs its real tokens over the grouped
 *    batches' simulated fill (`paddingGrouped`). Either way the peak is the worst batch the sampler can form: b rows
 *    as long as the longest kept example (`peakBatchTokensPadded`; the grouped sampler puts that batch first);
 *  - packed batches: rows of seqLen tokens (`packedSequences`, best-fit decreasing bins: at most a few rows more than
 *    the TRL export's packing_strategy "wrapped" makes, which cuts examples instead), the peak is seqLen × micro-batch;
 *  - tokens per epoch are the real tokens after truncation or dropping (`tokensPerEpoch`).
 * Preference data trains two sequences per example (chosen and rejected): a micro-batch of b examples holds 2b rows.
 *
 * Without statistics, unpacked rows cost the mean example × PADDING_FACTOR (time.ts): the engineering assumption for
 * length-grouped batches, the only padding figure the plan's mean and longest lengths give. A random-order plan keeps
 * it too (nothing computes random padding from a mean and a longest example alone), and `lengthGrouped` lets the
 * time model name the order it assumed (time.ts 'paddingFactor' / 'paddingFactorRandom').
 */
import { batchingFromLengths, lengthsFromStats } from '../data/batching';
import type { BatchingStats, DataStats } from '../domain/data-stats';
import { groupsByLength } from '../domain/export-capabilities';
import type { Objective, Plan } from '../domain/plan';
import { isPaired } from './objective';
import { PADDING_FACTOR } from './time';

export interface PeakSequence {
  /** The sequence length the expected peak is sized at. */
  expected: number;
  low: number;
  high: number;
  /** False when the longest example is unknown and the expected figure falls back to the full sequence length. */
  known: boolean;
}

export interface DataBatches {
  /** 'stats': from the user's data statistics; 'plan': from the plan's examples, mean and longest tokens. */
  source: 'stats' | 'plan';
  /** Micro-batch rows one epoch trains (examples kept, packed sequences, or token-budget sequences). */
  rowsPerEpoch: number;
  /** Sequences in one row of the micro-batch (2 for preference data). */
  sequencesPerRow: 1 | 2;
  /** Real (non-padding) tokens per row, on average. */
  realTokensPerRow: number;
  /** Tokens computed per row, padding included. */
  processedTokensPerRow: number;
  /** The length of one processed sequence (attention spans it). */
  attentionSeq: number;
  /** Real tokens of one epoch. */
  tokensPerEpoch: number;
  /** Share of computed tokens that are padding (0..1). */
  paddingShare: number;
  /** True when the padding is the engineering assumption PADDING_FACTOR (no statistics, unpacked). */
  paddingAssumed: boolean;
  /** True when the batches are drawn grouped by length (domain/export-capabilities.ts groupsByLength). */
  lengthGrouped: boolean;
  peak: PeakSequence;
  /** The statistics' batching recomputed for this micro-batch and sequence length (null without statistics). */
  batching: BatchingStats | null;
}

/**
 * Batching of saved statistics for one micro-batch and sequence length: the statistics' own figures when they were
 * computed for these (exact over the whole file), otherwise recomputed from their quantiles and longest examples.
 * Cached per statistics object: sweeps (levers, recommendations) ask for the same few shapes many times.
 */
const batchingCache = new WeakMap<DataStats, Map<string, BatchingStats>>();
export function batchingFor(stats: DataStats, microBatch: number, seqLen: number): BatchingStats {
  const own = stats.batching;
  if (own.microBatch === microBatch && own.seqLen === seqLen) return own;
  let cache = batchingCache.get(stats);
  if (!cache) batchingCache.set(stats, (cache = new Map<string, BatchingStats>()));
  const key = `${microBatch}/${seqLen}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const { lengths, weight } = lengthsFromStats(stats.lengths, stats.examples);
  const b = batchingFromLengths(
    lengths,
    { microBatch, seqLen, overflow: own.overflow, sequencesPerExample: stats.lengths.sequencesPerExample },
    weight,
  );
  if (cache.size > 64) cache.clear();
  cache.set(key, b);
  return b;
}

/**
 * Issue 19, the objective's rows: GRPO trains on completions — every prompt (data.examples) sampled numGenerations
 * times, each prompt + completion tokens long (completions padded to the longest of the batch; the worst case, every
 * completion at max_completion_length, is assumed). Paired objectives without statistics: each example is a pair, two
 * sequences of the plan's mean length (the statistics of preference data already count two).
 */
export function dataBatches(
  plan: Pick<Plan, 'training' | 'data'> & { objective?: Objective },
  microBatch = plan.training.microBatch,
): DataBatches {
  const o = plan.objective;
  if (o?.kind === 'grpo') {
    const seq = o.promptTokens + o.completionTokens;
    const prompts =
      plan.data.mode === 'tokens' ? Math.max(1, Math.ceil(plan.data.totalTokens / seq)) : plan.data.examples;
    const rows = prompts * o.numGenerations;
    return {
      source: 'plan',
      rowsPerEpoch: rows,
      sequencesPerRow: 1,
      realTokensPerRow: seq,
      processedTokensPerRow: seq,
      attentionSeq: seq,
      tokensPerEpoch: rows * seq,
      paddingShare: 0,
      paddingAssumed: false,
      lengthGrouped: false,
      peak: { expected: seq, low: seq, high: seq, known: true },
      batching: null,
    };
  }
  const grouped = o ? groupsByLength({ training: plan.training, objective: o }) : false;
  const batches = sftBatches(plan, microBatch, grouped);
  if (o && isPaired(o.kind) && batches.sequencesPerRow === 1 && !plan.data.stats)
    return {
      ...batches,
      sequencesPerRow: 2,
      realTokensPerRow: 2 * batches.realTokensPerRow,
      processedTokensPerRow: 2 * batches.processedTokensPerRow,
      tokensPerEpoch: 2 * batches.tokensPerEpoch,
    };
  return batches;
}

function sftBatches(plan: Pick<Plan, 'training' | 'data'>, microBatch: number, grouped: boolean): DataBatches {
  const t = plan.training;
  const d = plan.data;
  const stats = d.stats;
  if (stats) {
    const spe = stats.lengths.sequencesPerExample;
    const b = batchingFor(stats, microBatch, t.seqLen);
    const kept = Math.max(0, stats.examples - (b.overflow === 'drop' ? b.overSeqLen : 0));
    const clip = (l: number) => Math.max(1, Math.min(t.seqLen, Math.ceil(l)));
    if (t.packing) {
      const rows = Math.max(1, b.packedSequences);
      return {
        source: 'stats',
        rowsPerEpoch: rows,
        sequencesPerRow: 1,
        realTokensPerRow: b.tokensPerEpoch / rows,
        processedTokensPerRow: t.seqLen,
        attentionSeq: t.seqLen,
        tokensPerEpoch: b.tokensPerEpoch,
        paddingShare: b.paddingPacked,
        paddingAssumed: false,
        lengthGrouped: false,
        peak: { expected: t.seqLen, low: t.seqLen, high: t.seqLen, known: true },
        batching: b,
      };
    }
    const rows = Math.max(1, kept);
    // The longest kept example: the worst batch the sampler can form is b of them (b × spe sequences).
    const longest = clip(b.peakBatchTokensPadded / (microBatch * spe));
    const [maxLow, maxHigh] = stats.lengths.maxRange;
    const real = b.tokensPerEpoch / rows;
    // Grouped: the simulated LengthGroupedSampler batches' fill (data/batching.ts groupedPadding) scales the real
    // tokens up to the padded ones; random: the expected longest of b draws.
    const processed =
      grouped && b.paddingGrouped < 1 ? real / (1 - b.paddingGrouped) : b.expectedBatchTokensRandom / microBatch;
    return {
      source: 'stats',
      rowsPerEpoch: rows,
      sequencesPerRow: spe,
      realTokensPerRow: real,
      processedTokensPerRow: processed,
      attentionSeq: processed / spe,
      tokensPerEpoch: b.tokensPerEpoch,
      paddingShare: grouped ? b.paddingGrouped : b.paddingRandom,
      paddingAssumed: false,
      lengthGrouped: grouped,
      // A quick pass extrapolates the longest example: its range spreads the peak (dropping keeps it ≤ seqLen anyway).
      peak: {
        expected: longest,
        low: Math.min(longest, clip(maxLow)),
        high: Math.max(longest, clip(maxHigh)),
        known: true,
      },
      batching: b,
    };
  }
  if (d.mode === 'tokens') {
    // A token budget is trained as packed sequences of the plan's length.
    const rows = Math.max(1, Math.ceil(d.totalTokens / t.seqLen));
    return {
      source: 'plan',
      rowsPerEpoch: rows,
      sequencesPerRow: 1,
      realTokensPerRow: t.seqLen,
      processedTokensPerRow: t.seqLen,
      attentionSeq: t.seqLen,
      tokensPerEpoch: d.totalTokens,
      paddingShare: 0,
      paddingAssumed: false,
      lengthGrouped: false,
      peak: { expected: t.seqLen, low: t.seqLen, high: t.seqLen, known: true },
      batching: null,
    };
  }
  const meanTokens = Math.min(t.seqLen, d.meanTokensPerExample);
  const processed = t.packing ? t.seqLen : Math.min(t.seqLen, meanTokens * PADDING_FACTOR);
  const real = t.packing ? t.seqLen : meanTokens;
  let peak: PeakSequence;
  if (t.packing) peak = { expected: t.seqLen, low: t.seqLen, high: t.seqLen, known: true };
  else if (d.maxTokensPerExample !== null) {
    const longest = Math.min(t.seqLen, Math.ceil(d.maxTokensPerExample));
    peak = { expected: longest, low: longest, high: longest, known: true };
  } else {
    // Longest example unknown: the expected figure keeps format 1's full length, the low end the mean example.
    peak = {
      expected: t.seqLen,
      low: Math.min(t.seqLen, Math.ceil(d.meanTokensPerExample)),
      high: t.seqLen,
      known: false,
    };
  }
  return {
    source: 'plan',
    rowsPerEpoch: d.examples,
    sequencesPerRow: 1,
    realTokensPerRow: real,
    processedTokensPerRow: processed,
    attentionSeq: processed,
    tokensPerEpoch: d.examples * meanTokens,
    paddingShare: processed > 0 ? Math.max(0, 1 - real / processed) : 0,
    paddingAssumed: !t.packing && meanTokens * PADDING_FACTOR < t.seqLen,
    lengthGrouped: grouped && !t.packing,
    peak,
    batching: null,
  };
}
