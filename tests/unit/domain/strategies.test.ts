import { describe, expect, it } from 'vitest';
import { DistributionSchema, STRATEGIES } from '../../../shared/domain/plan';
import { STRATEGY_TRAITS, strategyForZeroStage } from '../../../shared/domain/strategies';
import { estimatePlan } from '../../../shared/estimate/estimate';

describe('strategy traits: one table read by validation and the estimator', () => {
  it('has a row for every strategy, and ZeRO stages/FSDP strategies are consistent with the family', () => {
    expect(Object.keys(STRATEGY_TRAITS).sort()).toEqual([...STRATEGIES].sort());
    for (const s of STRATEGIES) {
      const t = STRATEGY_TRAITS[s];
      expect(t.zeroStage !== null).toBe(t.family === 'deepspeed');
      expect(t.fsdpShardingStrategy !== null).toBe(t.family === 'fsdp');
      // ZeRO paper §5: each stage shards a superset of the previous one's states.
      if (t.shards.parameters) expect(t.shards.gradients).toBe(true);
      if (t.shards.gradients) expect(t.shards.optimizer).toBe(true);
    }
    expect(strategyForZeroStage(2)).toBe('zero2');
    expect(strategyForZeroStage(0)).toBe('ddp');
    expect(strategyForZeroStage(null)).toBe('ddp');
  });

  it('plan validation accepts exactly the offloads the table allows', () => {
    for (const strategy of STRATEGIES) {
      for (const where of ['cpu', 'nvme'] as const) {
        const opt = DistributionSchema.safeParse({ strategy, gpusPerNode: 2, offloadOptimizer: where });
        expect(opt.success, `${strategy} optimizer → ${where}`).toBe(
          STRATEGY_TRAITS[strategy].optimizerOffload.includes(where),
        );
        const par = DistributionSchema.safeParse({
          strategy,
          gpusPerNode: 2,
          offloadParams: where,
          offloadOptimizer: where,
        });
        const allowed =
          STRATEGY_TRAITS[strategy].paramOffload.includes(where) &&
          STRATEGY_TRAITS[strategy].optimizerOffload.includes(where);
        expect(par.success, `${strategy} params → ${where}`).toBe(allowed);
      }
    }
  });

  it('the estimator shards each state exactly when the table says so', () => {
    for (const strategy of STRATEGIES) {
      const at = (gpus: number) =>
        estimatePlan({
          name: 's',
          model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
          techniques: [{ kind: 'full' }],
          training: { precision: 'mixed', microBatch: 1, seqLen: 256 },
          distribution: { strategy, gpusPerNode: gpus },
        }).techniques[0]!.memory.parts;
      const one = at(1);
      const four = at(4);
      const shards = STRATEGY_TRAITS[strategy].shards;
      expect(four.optimizerStates < one.optimizerStates, `${strategy} optimizer`).toBe(shards.optimizer);
      expect(four.trainableWeights < one.trainableWeights, `${strategy} parameters`).toBe(shards.parameters);
    }
  });
});
