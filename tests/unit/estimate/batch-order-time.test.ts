/**
 * The time estimate follows the batch order the exports write (domain/export-capabilities.ts groupsByLength): a plan
 * whose batches come grouped by length is timed with the grouped padding of its data statistics
 * (data/batching.ts paddingGrouped), a random one with the expected longest of b draws; without statistics both take
 * the padding factor, and its basis names the order it stands for. The speed goal offers "grouped by length" when its
 * re-estimate is faster, with the padding waste before and after read from the two estimates.
 */
import { describe, expect, it } from 'vitest';
import { CATALOG_MODELS } from '../../../shared/catalog/models';
import { batchingFromLengths, histogram, percentile } from '../../../shared/data/batching';
import { DataStatsSchema, type DataStats } from '../../../shared/domain/data-stats';
import { PlanSchema, type PlanInput } from '../../../shared/domain/plan';
import { isFitting } from '../../../shared/estimate/advice';
import { dataBatches } from '../../../shared/estimate/data-batches';
import { estimatePlan, type TechniqueEstimate } from '../../../shared/estimate/estimate';
import { leversFor } from '../../../shared/estimate/levers';
import { applyMergePatch } from '../../../shared/merge-patch';

const llama = CATALOG_MODELS.find((m) => m.spec.hfId === 'meta-llama/Llama-3.2-3B')!;

type Training = NonNullable<PlanInput['training']>;

function plan(training: Training, data: PlanInput['data'] = {}, over: Partial<PlanInput> = {}): PlanInput {
  return {
    name: 'batch order',
    model: { source: 'catalog', id: llama.id },
    techniques: [{ kind: 'lora' }],
    training: {
      precision: 'pure_bf16',
      microBatch: 8,
      gradAccum: 2,
      seqLen: 2048,
      packing: false,
      gradientCheckpointing: true,
      ...training,
    },
    data,
    hardware: { gpu: { source: 'catalog', id: 'a100-80gb-sxm' } },
    ...over,
  };
}

/** DataStats as the analysis writes them, for an exact list of lengths (a full pass). */
function statsOf(lengths: number[], microBatch: number, seqLen: number): DataStats {
  const sorted = [...lengths].sort((a, b) => a - b);
  const q = (p: number) => percentile(sorted, p);
  const total = lengths.reduce((a, v) => a + v, 0);
  const max = sorted[sorted.length - 1]!;
  return DataStatsSchema.parse({
    version: 1,
    source: { format: 'jsonl', shape: 'messages', fileBytes: 1, records: lengths.length },
    tokenizer: { kind: 'tokenizer', name: 'test', chatTemplate: true },
    pass: { kind: 'full', counted: lengths.length, exact: true, note: '' },
    examples: lengths.length,
    malformed: { count: 0, first: [] },
    skipped: { count: 0, first: [] },
    warnings: [],
    totalTokens: total,
    totalTokensRange: [total, total],
    lengths: {
      sequencesPerExample: 1,
      mean: total / lengths.length,
      p50: q(50),
      p95: q(95),
      p99: q(99),
      max,
      p50Range: [q(50), q(50)],
      p95Range: [q(95), q(95)],
      maxRange: [max, max],
      quantiles: Array.from({ length: 101 }, (_, p) => (p === 0 ? sorted[0]! : q(p))),
      longest: sorted.slice(-256).reverse(),
      histogram: histogram(sorted),
    },
    batching: batchingFromLengths(lengths, { microBatch, seqLen, overflow: 'truncate', sequencesPerExample: 1 }),
    seconds: 0,
  });
}

// 4,000 examples spread evenly from 64 to 2,000 tokens: random batches of 8 pad to near the top, grouped ones do not.
const LENGTHS = Array.from({ length: 4000 }, (_, i) => 64 + Math.round((i * 1936) / 3999));
const STATS = statsOf(LENGTHS, 8, 2048);

const one = (p: PlanInput): TechniqueEstimate => estimatePlan(p).techniques[0]!;
const explainedAssumptions = (p: PlanInput) =>
  one(p)
    .explain.find((e) => e.key === 'time.tokensPerSecond')!
    .assumptions!.join('\n');

describe('the time estimate follows the batch order', () => {
  it('with data statistics, grouped batches are timed with the grouped padding: less waste, less wall time', () => {
    const random = one(plan({ samplingStrategy: 'random' }, { stats: STATS }));
    const grouped = one(plan({ samplingStrategy: 'group_by_length' }, { stats: STATS }));
    const b = STATS.batching;
    expect(b.paddingGrouped).toBeLessThan(b.paddingRandom);
    // The estimate's waste is the statistics' own figure for each order (no extra tokens for a text model).
    expect(random.paddingWastePercent).toBeCloseTo(100 * b.paddingRandom, 6);
    expect(grouped.paddingWastePercent).toBeCloseTo(100 * b.paddingGrouped, 6);
    expect(grouped.paddingWastePercent).toBeLessThan(random.paddingWastePercent - 10);
    expect(grouped.wallSeconds).toBeLessThan(random.wallSeconds);
    // Same real tokens either way: only the padding moves.
    expect(grouped.trainingTokens).toBe(random.trainingTokens);
    // The peak batch is the same worst batch (the grouped sampler puts it first).
    expect(grouped.memory.nvidiaSmiBytes).toBeLessThanOrEqual(random.memory.nvidiaSmiBytes);
  });

  it('an order the trainer cannot take stays random: DPO asked to group is timed like DPO at random', () => {
    const over = { objective: { kind: 'dpo' as const, reference: 'copy' as const } };
    const random = PlanSchema.parse(plan({ samplingStrategy: 'random' }, { stats: STATS }, over));
    const asked = PlanSchema.parse(plan({ samplingStrategy: 'group_by_length' }, { stats: STATS }, over));
    expect(dataBatches(asked).lengthGrouped).toBe(false);
    expect(dataBatches(asked).paddingShare).toBe(dataBatches(random).paddingShare);
    // torchtune's recipes draw with their own sampler: an SFT plan on it asked to group is timed at random too.
    const tt = (o: Training['samplingStrategy']) =>
      one(plan({ samplingStrategy: o, stack: 'torchtune' }, { stats: STATS }));
    expect(tt('group_by_length').wallSeconds).toBe(tt('random').wallSeconds);
    expect(tt('group_by_length').paddingWastePercent).toBeCloseTo(100 * STATS.batching.paddingRandom, 6);
  });

  it('without statistics, the padding factor names the order it stands for; the figure is the same', () => {
    const random = plan({ samplingStrategy: 'random' }, { examples: 4000, meanTokensPerExample: 500 });
    const grouped = plan({ samplingStrategy: 'group_by_length' }, { examples: 4000, meanTokensPerExample: 500 });
    const randomText = explainedAssumptions(random);
    const groupedText = explainedAssumptions(grouped);
    expect(randomText).toMatch(/padding factor: 1.25 .*random order \(RandomSampler\)/);
    expect(randomText).not.toMatch(/LengthGroupedSampler/);
    expect(groupedText).toMatch(/padding factor: 1.25 .*grouped by length \(LengthGroupedSampler\)/);
    expect(groupedText).not.toMatch(/RandomSampler/);
    // No statistics, no order-specific figure: the one assumption for both.
    expect(one(grouped).wallSeconds).toBe(one(random).wallSeconds);
    // Packed batches carry no padding assumption whatever the order.
    expect(explainedAssumptions(plan({ samplingStrategy: 'random', packing: true }, {}))).not.toMatch(/padding/);
  });
});

describe('the speed goal offers batches grouped by length', () => {
  it('a fitting SFT plan at random gets the lever, with the patched plan’s own figures', () => {
    const p = plan({ samplingStrategy: 'random' }, { stats: STATS });
    const base = one(p);
    expect(isFitting(base)).toBe(true);
    const levers = leversFor(p, 0);
    const grouping = levers.filter((l) => l.id === 'group-by-length');
    expect(grouping).toHaveLength(1);
    const lever = grouping[0]!;
    expect(lever.patch).toEqual({ training: { samplingStrategy: 'group_by_length' } });
    const after = one(applyMergePatch(p, lever.patch) as PlanInput);
    expect(lever.wallSecondsAfter).toBe(after.wallSeconds);
    expect(lever.nvidiaSmiBytesAfter).toBe(after.memory.nvidiaSmiBytes);
    expect(lever.wallSecondsAfter).toBeLessThan(base.wallSeconds);
    expect(lever.label).toContain(
      `padding waste ${base.paddingWastePercent.toFixed(1)} % → ${after.paddingWastePercent.toFixed(1)} %`,
    );
    // Every lever id at most once.
    expect(new Set(levers.map((l) => l.id)).size).toBe(levers.length);
  });

  it('not offered where it cannot help or cannot be written: DPO, packed, already grouped, no statistics', () => {
    const offered = (p: PlanInput) => leversFor(p, 0).some((l) => l.id === 'group-by-length');
    const dpo = { objective: { kind: 'dpo' as const, reference: 'copy' as const } };
    const dpoPlan = plan({ samplingStrategy: 'random' }, { stats: STATS }, dpo);
    expect(isFitting(one(dpoPlan))).toBe(true);
    expect(offered(dpoPlan)).toBe(false);
    expect(offered(plan({ samplingStrategy: 'random', packing: true }, { stats: STATS }))).toBe(false);
    const torchtune = plan({ samplingStrategy: 'random', stack: 'torchtune' }, { stats: STATS });
    expect(isFitting(one(torchtune))).toBe(true);
    expect(offered(torchtune)).toBe(false);
    expect(offered(plan({ samplingStrategy: 'group_by_length' }, { stats: STATS }))).toBe(false);
    // Without statistics both orders take the same padding factor: no faster re-estimate, no lever.
    expect(offered(plan({ samplingStrategy: 'random' }, { examples: 4000, meanTokensPerExample: 500 }))).toBe(false);
  });
});
