/**
 * From a length distribution to what batches cost: padding with random batches, with length-grouped
 * batches, and with packing; the worst batch the sampler can form; and whether a step can exceed a
 * token budget. Pure functions over token lengths (one per example, after the chat template).
 *
 * - Random batches (transformers' RandomSampler + DataCollatorWithPadding / TRL's collator padding to the
 *   longest in the batch): a batch of b costs b × its longest example. The expected longest of b draws
 *   from the empirical distribution is Σ_i s_(i) · ((i/N)^b − ((i−1)/N)^b) (order statistics, draws with
 *   replacement — exact enough for N ≫ b).
 * - Length-grouped (TrainingArguments.group_by_length → LengthGroupedSampler,
 *   transformers/trainer_pt_utils.py get_length_grouped_indices): shuffle, cut into mega-batches of
 *   min(N // (4b), 50) × b, sort each by length descending, cut into batches. Simulated with a fixed seed.
 * - Packing (TRL SFTConfig packing=True, packing_strategy="bfd": best-fit decreasing into sequences of
 *   seqLen tokens, trl/data_utils.py pack_dataset): waste is the unfilled tail of each packed sequence.
 */
import type { BatchingStats, LengthStats } from '../domain/data-stats';

export interface BatchingOptions {
  microBatch: number;
  seqLen: number;
  overflow: 'truncate' | 'drop';
  sequencesPerExample: 1 | 2;
}

/** Deterministic PRNG (mulberry32) so the grouped-batch simulation gives the same figure every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled(values: Float64Array, seed: number): Float64Array {
  const out = values.slice();
  const r = rng(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

/** Expected longest of b draws from sorted ascending values. */
export function expectedMaxOf(sortedAsc: Float64Array, b: number): number {
  const n = sortedAsc.length;
  if (n === 0) return 0;
  let e = 0;
  let prev = 0;
  for (let i = 1; i <= n; i++) {
    const cur = Math.pow(i / n, b);
    e += sortedAsc[i - 1]! * (cur - prev);
    prev = cur;
  }
  return e;
}

/**
 * Best-fit decreasing into bins of `capacity`: the number of bins. A segment tree over remaining capacity finds the
 * best fit in O(log C).
 */
export function bestFitDecreasingBins(lengths: Float64Array, capacity: number): number {
  const sorted = lengths.slice().sort().reverse();
  const size = 1 << Math.ceil(Math.log2(capacity + 1));
  const tree = new Int32Array(2 * size); // count of bins with each remaining capacity
  const add = (cap: number, delta: number) => {
    let i = cap + size;
    tree[i]! += delta;
    for (i >>= 1; i >= 1; i >>= 1) tree[i] = tree[2 * i]! + tree[2 * i + 1]!;
  };
  // The smallest remaining capacity ≥ need, or -1.
  const find = (need: number): number => {
    const go = (node: number, lo: number, hi: number): number => {
      if (hi < need || tree[node] === 0) return -1;
      if (lo === hi) return lo;
      const mid = (lo + hi) >> 1;
      const left = go(2 * node, lo, mid);
      return left >= 0 ? left : go(2 * node + 1, mid + 1, hi);
    };
    return go(1, 0, size - 1);
  };
  let bins = 0;
  for (const raw of sorted) {
    const len = Math.min(Math.max(Math.round(raw), 0), capacity);
    const cap = find(len);
    if (cap >= 0) {
      add(cap, -1);
      add(cap - len, 1);
    } else {
      bins++;
      add(capacity - len, 1);
    }
  }
  return bins;
}

/** Padding of length-grouped batches (LengthGroupedSampler), simulated once with a fixed seed. */
function groupedPadding(kept: Float64Array, b: number): { real: number; padded: number } {
  const n = kept.length;
  const megaMult = Math.max(1, Math.min(Math.floor(n / (b * 4)), 50));
  const mega = megaMult * b;
  const order = shuffled(kept, 42);
  let real = 0;
  let padded = 0;
  for (let s = 0; s < n; s += mega) {
    const group = order
      .subarray(s, Math.min(n, s + mega))
      .slice()
      .sort()
      .reverse();
    for (let i = 0; i < group.length; i += b) {
      const batch = group.subarray(i, Math.min(group.length, i + b));
      padded += batch[0]! * batch.length;
      for (const v of batch) real += v;
    }
  }
  return { real, padded };
}

export function batchingFromLengths(lengths: ArrayLike<number>, opts: BatchingOptions, weight = 1): BatchingStats {
  const { microBatch: b, seqLen, overflow, sequencesPerExample: spe } = opts;
  const keptList: number[] = [];
  let over = 0;
  let overTokens = 0;
  for (let i = 0; i < lengths.length; i++) {
    const l = lengths[i]!;
    if (l > seqLen) {
      over++;
      overTokens += overflow === 'drop' ? l : l - seqLen;
      if (overflow === 'drop') continue;
    }
    keptList.push(Math.min(l, seqLen));
  }
  const kept = Float64Array.from(keptList).sort();
  const n = kept.length;
  const sum = kept.reduce((a, v) => a + v, 0);
  const mean = n ? sum / n : 0;
  const eMax = expectedMaxOf(kept, Math.min(b, Math.max(n, 1)));
  const grouped = n ? groupedPadding(kept, b) : { real: 0, padded: 0 };
  const bins = n ? bestFitDecreasingBins(kept, seqLen) : 0;
  let top = 0;
  for (let i = 0; i < Math.min(b, n); i++) top += kept[n - 1 - i]!;
  const tokensPerEpoch = sum * spe * weight;
  return {
    microBatch: b,
    seqLen,
    overflow,
    overSeqLen: Math.round(over * weight),
    overSeqLenTokens: overTokens * spe * weight,
    tokensPerEpoch,
    tokensPerEpochRange: [tokensPerEpoch, tokensPerEpoch],
    paddingRandom: eMax > 0 ? Math.max(0, 1 - mean / eMax) : 0,
    paddingGrouped: grouped.padded > 0 ? Math.max(0, 1 - grouped.real / grouped.padded) : 0,
    paddingPacked: bins > 0 ? Math.max(0, 1 - sum / (bins * seqLen)) : 0,
    expectedBatchTokensRandom: b * spe * eMax,
    peakBatchTokensPadded: n ? b * spe * kept[n - 1]! : 0,
    peakBatchTokensUnpadded: top * spe,
    stepsPerEpochRandom: Math.ceil((n * weight) / b),
    packedSequences: Math.round(bins * weight),
  };
}

/**
 * A synthetic length sample rebuilt from saved statistics (101 quantiles + the longest examples), so a
 * plan edit (micro-batch, sequence length) recomputes batching without reading the file again.
 */
export function lengthsFromStats(
  stats: LengthStats,
  examples: number,
  points = 10_000,
): { lengths: Float64Array; weight: number } {
  const n = Math.max(1, Math.min(examples, points));
  const q = stats.quantiles;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = ((i + 0.5) / n) * 100;
    const lo = Math.floor(p);
    const f = p - lo;
    out[i] = q[lo]! + (q[Math.min(100, lo + 1)]! - q[lo]!) * f;
  }
  // The real longest examples replace the top of the sample (a batch's peak is set by them).
  const k = Math.min(stats.longest.length, n);
  for (let i = 0; i < k; i++) out[n - 1 - i] = stats.longest[i]!;
  return { lengths: out, weight: examples / n };
}

export interface BudgetRisk {
  /** Longest example (tokens, after truncation) a micro-batch of b can hold within the budget when padded. */
  longestThatFits: number;
  /** Examples longer than that: each one lands in some step every epoch, so the epoch is over budget. */
  examplesOver: number;
  /** Probability that some step of an epoch with shuffled padded batches exceeds the budget. */
  probabilityPerEpoch: number;
  /** Probability that one of the first `steps` steps does (sampling without replacement). */
  probabilityWithinSteps: (steps: number) => number;
  /** The expected step (1-based) of the first one over budget, or null when none is. */
  expectedFirstStep: number | null;
}

/**
 * For shuffled, padded micro-batches of b examples (each padded to its longest): a step is over a token
 * budget when its longest example exceeds budget / (b × sequences per example). Every example is drawn
 * once per epoch, so one such example makes the epoch's probability 1; when it happens is uniform — the
 * first of m over-long examples lands, on average, at example (N + 1) / (m + 1), i.e. step ⌈that / b⌉.
 */
export function budgetRisk(
  stats: LengthStats,
  examples: number,
  opts: BatchingOptions,
  budgetTokens: number,
): BudgetRisk {
  const { microBatch: b, seqLen, sequencesPerExample: spe } = opts;
  const longestThatFits = Math.floor(budgetTokens / (b * spe));
  const clip = (l: number) => Math.min(l, seqLen);
  let m = stats.longest.filter((l) => clip(l) > longestThatFits).length;
  if (m === stats.longest.length && m < examples) {
    // More over-long examples than the exact list holds: count the rest from the quantiles.
    const fractionOver = stats.quantiles.filter((q) => clip(q) > longestThatFits).length / 101;
    m = Math.max(m, Math.round(fractionOver * examples));
  }
  const n = examples;
  const within = (steps: number) => {
    const drawn = Math.min(n, steps * b);
    if (m === 0) return 0;
    if (drawn >= n - m + 1) return 1;
    // 1 − C(n − m, drawn) / C(n, drawn) = 1 − Π_{i<m} (n − drawn − i) / (n − i)
    let none = 1;
    for (let i = 0; i < m && none > 1e-12; i++) none *= (n - drawn - i) / (n - i);
    return 1 - none;
  };
  return {
    longestThatFits,
    examplesOver: m,
    probabilityPerEpoch: m > 0 ? 1 : 0,
    probabilityWithinSteps: within,
    expectedFirstStep: m > 0 ? Math.max(1, Math.ceil((n + 1) / (m + 1) / b)) : null,
  };
}

/** Nearest-rank percentile of sorted ascending values. */
export function percentile(sortedAsc: ArrayLike<number>, p: number): number {
  const n = sortedAsc.length;
  if (n === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sortedAsc[Math.min(n, rank) - 1]!;
}

/** A 1-2-5 bin width giving about `bins` bins up to max. */
export function histogram(sortedAsc: ArrayLike<number>, bins = 40): { edges: number[]; counts: number[] } {
  const n = sortedAsc.length;
  const max = n ? sortedAsc[n - 1]! : 0;
  const raw = Math.max(1, max / bins);
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const width = [1, 2, 5, 10].map((m) => m * mag).find((w) => w >= raw)!;
  const count = Math.max(1, Math.floor(max / width) + 1);
  const edges = Array.from({ length: count + 1 }, (_, i) => i * width);
  const counts = new Array<number>(count).fill(0);
  for (let i = 0; i < n; i++) counts[Math.min(count - 1, Math.floor(sortedAsc[i]! / width))]!++;
  return { edges, counts };
}
