/**
 * Issue 15 §3: allocator settings a plan asks for that its device or trainer does not take are named at their field
 * (shared/estimate/warnings.ts), and the estimate does not assume grouped batches where no export can write them.
 */
import { describe, expect, it } from 'vitest';
import type { PlanInput } from '../../../shared/domain/plan';
import { estimatePlan } from '../../../shared/estimate/estimate';

const plan = (over: Partial<PlanInput> & { training?: PlanInput['training'] }): PlanInput => ({
  name: 'w',
  model: { source: 'catalog', id: 'Llama-3.2-3B' },
  techniques: [{ kind: 'lora' }],
  ...over,
  training: { microBatch: 4, seqLen: 2048, ...over.training },
});
const codes = (p: PlanInput) => estimatePlan(p).warnings.map((w) => [w.code, w.field]);

describe('allocator warnings', () => {
  it('expandable segments on Apple silicon or a CPU: a CUDA allocator setting, said at its field', () => {
    const apple = plan({
      training: { expandableSegments: true },
      hardware: {
        gpu: {
          source: 'custom',
          name: 'Apple M3 Max (40-core GPU)',
          memoryGiB: 128,
          bf16Tflops: 28,
          bandwidthGBs: 400,
        },
      },
    });
    expect(codes(apple)).toContainEqual(['expandable-segments-not-cuda', 'training.expandableSegments']);
    expect(codes(plan({ training: { expandableSegments: true } }))).not.toContainEqual(
      expect.arrayContaining(['expandable-segments-not-cuda']),
    );
  });

  it('grouping asked for where the trainer cannot take it: not applied, and the estimate uses random order', () => {
    for (const p of [
      plan({ training: { samplingStrategy: 'group_by_length' }, objective: { kind: 'dpo' } }),
      plan({ training: { samplingStrategy: 'group_by_length', stack: 'torchtune' } }),
    ]) {
      expect(codes(p)).toContainEqual(['length-grouping-not-applied', 'training.samplingStrategy']);
      const t = estimatePlan(p).techniques[0]!;
      const random = estimatePlan({ ...p, training: { ...p.training, samplingStrategy: 'random' } }).techniques[0]!;
      expect(t.memory.cachedSpareBytes).toBe(random.memory.cachedSpareBytes);
      expect(t.wallSeconds).toBe(random.wallSeconds);
    }
    expect(codes(plan({ training: { samplingStrategy: 'group_by_length' } }))).not.toContainEqual(
      expect.arrayContaining(['length-grouping-not-applied']),
    );
  });
});
