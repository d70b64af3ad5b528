/** Padding, packing, the worst batch and the budget risk, on distributions small enough to check by hand. */
import { describe, expect, it } from 'vitest';
import {
  batchingFromLengths,
  bestFitDecreasingBins,
  budgetRisk,
  expectedMaxOf,
  histogram,
  lengthsFromStats,
  percentile,
} from '../../../shared/data/batching';
import type { LengthStats } from '../../../shared/domain/data-stats';

const opts = { microBatch: 2, seqLen: 4, overflow: 'truncate' as const, sequencesPerExample: 1 as const };

describe('batching from lengths', () => {
  it('random batches: E[max of 2 draws from {1,1,1,3}] = 1·9/16 + 3·7/16, so padding = 1 − 1.5/1.875', () => {
    expect(expectedMaxOf(Float64Array.from([1, 1, 1, 3]), 2)).toBeCloseTo(1.875);
    const b = batchingFromLengths([1, 3, 1, 1], opts);
    expect(b.paddingRandom).toBeCloseTo(0.2);
    expect(b.expectedBatchTokensRandom).toBeCloseTo(3.75);
    expect(b.peakBatchTokensPadded).toBe(6); // 2 × the longest (3)
    expect(b.peakBatchTokensUnpadded).toBe(4); // 3 + 1
    expect(b.tokensPerEpoch).toBe(6);
    expect(b.stepsPerEpochRandom).toBe(2);
  });
  it('packing: best-fit decreasing of {3,1,1,1} into 4-token sequences fills two bins of 3: 25% waste', () => {
    expect(bestFitDecreasingBins(Float64Array.from([1, 3, 1, 1]), 4)).toBe(2);
    expect(batchingFromLengths([1, 3, 1, 1], opts).paddingPacked).toBeCloseTo(1 - 6 / 8);
    expect(bestFitDecreasingBins(Float64Array.from([2, 2, 2, 2, 3, 1]), 4)).toBe(3);
  });
  it('length-grouped batches pad less than random ones on a spread distribution', () => {
    const lengths = Array.from({ length: 10_000 }, (_, i) => 10 + ((i * 7919) % 2000));
    const b = batchingFromLengths(lengths, { ...opts, microBatch: 8, seqLen: 4096 });
    expect(b.paddingGrouped).toBeLessThan(b.paddingRandom / 5);
    expect(b.paddingPacked).toBeLessThan(0.02);
  });
  it('over the sequence length: truncated tokens are cut, or dropped examples removed', () => {
    const t = batchingFromLengths([2, 6, 3], { ...opts, seqLen: 4 });
    expect([t.overSeqLen, t.overSeqLenTokens, t.tokensPerEpoch, t.peakBatchTokensPadded]).toEqual([1, 2, 9, 8]);
    const d = batchingFromLengths([2, 6, 3], { ...opts, seqLen: 4, overflow: 'drop' });
    expect([d.overSeqLen, d.overSeqLenTokens, d.tokensPerEpoch, d.peakBatchTokensPadded]).toEqual([1, 6, 5, 6]);
  });
  it('preference data: two sequences per example double the batch', () => {
    const b = batchingFromLengths([1, 3, 1, 1], { ...opts, sequencesPerExample: 2 });
    expect(b.peakBatchTokensPadded).toBe(12);
    expect(b.tokensPerEpoch).toBe(12);
  });
});

describe('statistics helpers', () => {
  it('nearest-rank percentiles and 1-2-5 histogram bins', () => {
    const s = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect([percentile(s, 0), percentile(s, 50), percentile(s, 95), percentile(s, 100)]).toEqual([1, 5, 10, 10]);
    const h = histogram(Float64Array.from([0, 5, 99, 100, 1999]), 40);
    expect(h.edges[1]).toBe(50);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(5);
    expect(h.counts[0]).toBe(2);
  });
});

describe('the budget risk of shuffled padded batches', () => {
  const stats = (longest: number[], quantiles: number[]): LengthStats => ({
    sequencesPerExample: 1,
    mean: 0,
    p50: 0,
    p95: 0,
    p99: 0,
    max: longest[0] ?? 0,
    p50Range: [0, 0],
    p95Range: [0, 0],
    maxRange: [0, 0],
    quantiles,
    longest,
    histogram: { edges: [0, 1], counts: [0] },
  });
  it('one over-long example among 1,000: certain each epoch, and within k steps with probability k·b/N', () => {
    const s = stats([5000, 600, 600], new Array<number>(101).fill(500));
    const r = budgetRisk(s, 1000, { ...opts, seqLen: 8192, microBatch: 4 }, 4 * 1000);
    expect(r.longestThatFits).toBe(1000);
    expect(r.examplesOver).toBe(1);
    expect(r.probabilityPerEpoch).toBe(1);
    expect(r.probabilityWithinSteps(125)).toBeCloseTo(0.5);
    expect(r.probabilityWithinSteps(250)).toBe(1);
    expect(r.expectedFirstStep).toBe(126); // (1000 + 1) / 2 examples → step ⌈500.5 / 4⌉
  });
  it('truncation at the sequence length caps the risk', () => {
    const s = stats([5000], new Array<number>(101).fill(500));
    expect(budgetRisk(s, 1000, { ...opts, seqLen: 1000, microBatch: 4 }, 4000).examplesOver).toBe(0);
  });
  it('rebuilds a sample from saved quantiles with the real longest examples on top', () => {
    const q = Array.from({ length: 101 }, (_, p) => 100 + p * 10);
    const { lengths, weight } = lengthsFromStats(stats([9000, 8000], q), 100_000, 1000);
    expect(weight).toBe(100);
    expect(Math.max(...lengths)).toBe(9000);
    expect(percentile(Float64Array.from(lengths).sort(), 50)).toBeCloseTo(600, -1);
  });
});
