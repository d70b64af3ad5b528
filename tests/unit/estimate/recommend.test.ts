/**
 * Recommendation sweep (issue 14 item 3): the plan's global batch is kept exactly, techniques are never
 * swapped, options are ranked (cost, time, within a budget or deadline), and the user's own hardware is
 * always considered — ranked by time when it has no price, never ranked on placeholder figures.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PlanSchema, type PlanInput } from '../../../shared/domain/plan';
import { readStoredPlan } from '../../../shared/domain/plan-migrations';
import { estimatePlan } from '../../../shared/estimate/estimate';
import { recommend } from '../../../shared/estimate/recommend';

const root = path.resolve(__dirname, '../../..');
const phi3 = readStoredPlan(
  JSON.parse(fs.readFileSync(path.join(root, 'tests/fixtures/plans/phi3-mini-every-technique-a100.json'), 'utf8')),
);

/** Phi-3-mini LoRA on one RTX 4090 with gradient checkpointing: a plan a 4090 owner would write (global batch 16). */
const rtx4090Plan: PlanInput = {
  ...phi3,
  name: 'LoRA on my RTX 4090',
  techniques: [{ kind: 'lora', rank: 16, alpha: 32, targets: 'all-linear' }],
  training: { ...phi3.training, microBatch: 2, gradAccum: 8, gradientCheckpointing: true },
  hardware: { gpu: { source: 'catalog', id: 'rtx-4090' }, mfu: null, headroomPct: 10 },
};

describe('recommend keeps the global batch', () => {
  it('every option (ranked or rejected for time or money) multiplies out to the plan’s global batch', () => {
    // Before issue 14 the sweep rounded gradient accumulation: 3 GPUs × 4 × round(16 / 12) = 12, not 16.
    const rec = recommend(phi3);
    expect(rec.globalBatch).toBe(16);
    expect(rec.ranked.length).toBeGreaterThan(0);
    for (const o of rec.ranked) expect(o.gpus * o.microBatch * o.gradAccum, `${o.gpuId} × ${o.gpus}`).toBe(16);
    // GPU counts that cannot keep 16 are skipped and said so.
    expect(rec.skippedGpuCounts.map((s) => s.gpus)).toEqual([3, 5, 6, 7]);
    expect(rec.ranked.some((o) => o.gpus === 3)).toBe(false);
  });

  it('never changes which techniques are compared: each option points at the plan’s own technique', () => {
    const plan = PlanSchema.parse(phi3);
    const rec = recommend(plan);
    for (const o of rec.ranked) expect(plan.techniques[o.techniqueIndex]?.kind).toBe(o.techniqueKind);
    expect(new Set(rec.ranked.map((o) => o.techniqueIndex)).size).toBeGreaterThan(1);
  });

  it('the option for the plan’s own GPU and split gives exactly the estimator’s figures', () => {
    // Micro-batch 16 × 1 is the largest split of 16, and it fits one A100 80GB for LoRA with checkpointing.
    const plan: PlanInput = {
      ...phi3,
      techniques: [{ kind: 'lora' }],
      training: { ...phi3.training, microBatch: 16, gradAccum: 1, gradientCheckpointing: true },
    };
    const [t] = estimatePlan(plan).techniques;
    const own = recommend(plan).ranked.find((o) => o.owned && o.gpus === 1);
    expect(own).toMatchObject({ gpuId: 'a100-80gb-sxm', microBatch: 16, gradAccum: 1 });
    expect(own!.reservedBytes).toBeCloseTo(t!.memory.reservedBytes, 0);
    expect(own!.nvidiaSmiBytes).toBeCloseTo(t!.memory.nvidiaSmiBytes, 0);
    expect(own!.wallSeconds).toBeCloseTo(t!.wallSeconds, 6);
  });
});

describe('recommend ranks the user’s own hardware', () => {
  it('an RTX 4090 owner is shown the 4090 first, as "your hardware" without a price', () => {
    // Before issue 14 only a priced rental could be "cheapest": the 4090 owner was told to rent an H100.
    const rec = recommend(rtx4090Plan);
    const first = rec.ranked[0]!;
    expect(first).toMatchObject({ gpuId: 'rtx-4090', owned: true, costUsd: null, priceSource: null });
    // Owned options without a price are ranked among themselves by time.
    const owned = rec.ranked.filter((o) => o.owned);
    expect(owned.map((o) => o.wallSeconds)).toEqual([...owned.map((o) => o.wallSeconds)].sort((a, b) => a - b));
  });

  it('owned hardware with the user’s price is costed at that price', () => {
    const rec = recommend({ ...rtx4090Plan, pricing: { mode: 'platform', usdPerGpuHour: 0.5 } });
    const own = rec.ranked.find((o) => o.owned)!;
    expect(own.costUsd).toBeCloseTo((own.wallSeconds / 3600) * own.gpus * 0.5, 9);
    expect(own.priceSource).toBe('your price per GPU-hour');
  });
});
