/**
 * Properties of the recommendation (issue 14 item 3) over random plans: every option keeps the plan's global batch
 * exactly and points at one of the plan's own techniques; owned hardware with unknown figures is never ranked;
 * and applying an option to the plan and estimating it gives the option's own figures.
 */
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseNvidiaSmi } from '../../../electron/services/probes/parsers';
import { PlanSchema, STRATEGIES, type Plan, type PlanInput } from '../../../shared/domain/plan';
import { estimatePlan } from '../../../shared/estimate/estimate';
import { ownedFromProbe } from '../../../shared/estimate/owned-hardware';
import { recommend, type RecommendedOption } from '../../../shared/estimate/recommend';
import { FAKE_PROBE } from '../../helpers/fake-probe';

// Small and mid-size catalog models keep 30 sweeps within the test's time.
const MODELS = ['Phi-3-mini-4k-instruct', 'Qwen2.5-0.5B', 'Qwen2.5-7B', 'Llama-3.1-8B'];
const KINDS = ['full', 'lora', 'qlora', 'dora', 'ia3', 'prompt_tuning', 'prefix_tuning', 'vera', 'lora_fa'] as const;

const planArb = fc
  .record({
    model: fc.constantFrom(...MODELS),
    kinds: fc.uniqueArray(fc.constantFrom(...KINDS), { minLength: 1, maxLength: 3 }),
    microBatch: fc.integer({ min: 1, max: 16 }),
    gradAccum: fc.integer({ min: 1, max: 12 }),
    gpus: fc.integer({ min: 1, max: 4 }),
    seqLen: fc.constantFrom(256, 1024, 4096),
    checkpointing: fc.boolean(),
    strategy: fc.constantFrom(...STRATEGIES),
    gpu: fc.constantFrom('rtx-4090', 'a100-80gb-sxm', 'l4', 'h100-sxm'),
    maxGpus: fc.integer({ min: 1, max: 8 }),
    mfu: fc.option(fc.double({ min: 0.1, max: 0.6, noNaN: true }), { nil: null }),
    maxTokens: fc.option(fc.integer({ min: 32, max: 4096 }), { nil: null }),
  })
  .map((r): PlanInput => ({
    name: 'property',
    model: { source: 'catalog', id: r.model },
    techniques: r.kinds.map((kind) => ({ kind })),
    training: {
      microBatch: r.microBatch,
      gradAccum: r.gradAccum,
      seqLen: r.seqLen,
      gradientCheckpointing: r.checkpointing,
    },
    data: { mode: 'examples', examples: 2000, meanTokensPerExample: 200, maxTokensPerExample: r.maxTokens },
    distribution: { gpusPerNode: r.gpus, nodes: 1, strategy: r.strategy },
    hardware: { gpu: { source: 'catalog', id: r.gpu }, mfu: r.mfu },
    goals: { maxGpus: r.maxGpus },
  }));

/** A DGX Spark from the real nvidia-smi output (memory.total "[N/A]"): figures unknown. */
const spark = (() => {
  const parsed = parseNvidiaSmi(
    fs.readFileSync(path.resolve(__dirname, '../../fixtures/probes/nvidia-smi-gb10-dgx-spark.txt'), 'utf8'),
  );
  if (!('gpus' in parsed)) throw new Error(parsed.reason);
  return ownedFromProbe(
    { ...FAKE_PROBE, gpus: parsed.gpus },
    { id: 'profile:spark', origin: 'profile', name: 'Spark' },
  );
})();
const cpuOnly = ownedFromProbe({ ...FAKE_PROBE, gpus: [] }, { id: 'machine', origin: 'machine', name: 'this machine' });

/** The plan with the option applied, as the UI's "apply" and a user editing the plan file would. */
function apply(plan: Plan, o: RecommendedOption): Plan {
  return PlanSchema.parse({
    ...plan,
    training: { ...plan.training, microBatch: o.microBatch, gradAccum: o.gradAccum },
    distribution: { ...plan.distribution, gpusPerNode: o.gpus, nodes: 1 },
    hardware: { ...plan.hardware, gpu: o.gpuRef, mfu: o.ownedId === 'plan' ? plan.hardware.mfu : null },
  });
}

describe('recommendation properties', () => {
  it('keeps the global batch, never changes techniques, never ranks unknown owned hardware', () => {
    fc.assert(
      fc.property(planArb, (input) => {
        const plan = PlanSchema.parse(input);
        const global = plan.training.microBatch * plan.training.gradAccum * plan.distribution.gpusPerNode;
        const rec = recommend(plan, { owned: [spark, cpuOnly] });
        expect(rec.globalBatch).toBe(global);
        for (const o of rec.ranked) {
          expect(o.gpus * o.microBatch * o.gradAccum).toBe(global);
          expect(Number.isInteger(o.gradAccum) && o.gradAccum >= 1).toBe(true);
          expect(o.gpus).toBeLessThanOrEqual(plan.goals.maxGpus);
          expect(plan.techniques[o.techniqueIndex]?.kind).toBe(o.techniqueKind);
          expect(o.ownedId === 'profile:spark' || o.ownedId === 'machine').toBe(false);
        }
        for (const r of rec.rejected) expect(global % r.gpus).toBe(0);
        expect(rec.needsFigures.map((n) => n.ownedId)).toEqual(['profile:spark', 'machine']);
        expect(rec.skippedGpuCounts.every((s) => global % s.gpus !== 0)).toBe(true);
      }),
      { numRuns: 30, seed: 14_3 },
    );
  });

  it('applying an option and estimating gives the option’s memory, fit and time', () => {
    fc.assert(
      fc.property(planArb, fc.nat(), (input, pick) => {
        const plan = PlanSchema.parse(input);
        const rec = recommend(plan);
        if (rec.ranked.length === 0) return;
        // The first, the last and one picked at random.
        const options = [rec.ranked[0]!, rec.ranked[rec.ranked.length - 1]!, rec.ranked[pick % rec.ranked.length]!];
        for (const o of options) {
          const t = estimatePlan(apply(plan, o)).techniques[o.techniqueIndex]!;
          expect(t.technique).toBe(o.techniqueKind);
          expect(t.memory.reservedBytes).toBeCloseTo(o.reservedBytes, 0);
          expect(t.memory.nvidiaSmiBytes).toBeCloseTo(o.nvidiaSmiBytes, 0);
          expect(t.fits).toBe(true);
          expect(t.wallSeconds / o.wallSeconds).toBeCloseTo(1, 9);
          if (o.costUsd !== null && o.ownedId !== 'plan') expect(t.costUsd! / o.costUsd).toBeCloseTo(1, 9);
        }
      }),
      { numRuns: 20, seed: 14_4 },
    );
  });
});
