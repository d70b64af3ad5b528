/**
 * Issue 15, which step a figure is: optimizers create their moments in their first step (torch/optim/adam.py
 * `_init_group` "Lazy state initialization"; bitsandbytes init_state; DeepSpeed's initialize_optimizer_states leaves
 * the moments to the first step and builds only the fp32 master partitions), so the first step's forward and backward
 * run without them. Known answers from the phases memory.ts computes.
 */
import { describe, expect, it } from 'vitest';
import { CATALOG_MODELS } from '../../../shared/catalog/models';
import type { PlanInput } from '../../../shared/domain/plan';
import { estimatePlan } from '../../../shared/estimate/estimate';

const llama = CATALOG_MODELS.find((m) => m.spec.hfId === 'meta-llama/Llama-3.2-3B')!;
const P = 3_212_749_824;

function plan(
  training: PlanInput['training'],
  techniques: PlanInput['techniques'] = [{ kind: 'full' }],
  distribution?: PlanInput['distribution'],
): PlanInput {
  return {
    name: 't',
    model: { source: 'catalog', id: llama.id },
    techniques,
    training: { precision: 'pure_bf16', microBatch: 2, seqLen: 4096, packing: true, stack: 'torchtune', ...training },
    ...(distribution ? { distribution } : {}),
    hardware: { gpu: { source: 'catalog', id: 'a100-80gb-sxm' } },
  };
}
const est = (p: PlanInput) => estimatePlan(p).techniques[0]!;

describe('the first step, before the optimizer has created its state', () => {
  it('peaks lower by the moments when the peak is in the forward or backward (bf16 AdamW: 2 × 2 B a param)', () => {
    const t = est(plan({ optimizer: 'adamw_torch_fused' }));
    expect(t.memory.peakPhase).not.toBe('optimizer');
    expect(t.memory.parts.optimizerStates).toBe(4 * P);
    // Packed 2 × 4,096 tokens: the activations dwarf the step, so the first step is the same moment without states.
    expect(t.memory.activeBytes - t.memory.firstStepActiveBytes).toBe(4 * P);
    expect(t.memory.low.firstStepActiveBytes).toBeLessThanOrEqual(t.memory.firstStepActiveBytes);
    expect(t.memory.high.firstStepActiveBytes).toBeGreaterThanOrEqual(t.memory.firstStepActiveBytes);
  });

  it('never peaks below the optimizer step itself, which holds the new states and every gradient', () => {
    // Short padded batches: the forward holds little, so the first step's peak is its optimizer moment (weights,
    // gradients and the states just made: 2 + 2 + 4 B a parameter).
    const t = est(plan({ optimizer: 'adamw_torch_fused', packing: false, seqLen: 64 }));
    expect(t.memory.firstStepActiveBytes).toBeGreaterThanOrEqual(8 * P);
    expect(t.memory.firstStepActiveBytes).toBeLessThanOrEqual(t.memory.activeBytes);
  });

  it('keeps mixed precision’s fp32 master weights, which exist before training', () => {
    // Eight packed rows: the forward's activations dwarf the optimizer step, so the first step is the same moment
    // without the moments (AdamW: 2 × 4 B a parameter) while the master copy (4 B) stays.
    const mixed = est(
      plan({ precision: 'mixed', optimizer: 'adamw_torch_fused', stack: 'transformers', microBatch: 8 }),
    );
    const moments = mixed.memory.parts.optimizerStates - 4 * P;
    expect(moments).toBe(8 * P);
    expect(mixed.memory.activeBytes - mixed.memory.firstStepActiveBytes).toBe(moments);
  });

  it('pages only the moments of a bitsandbytes paged optimizer: the fp32 master copy is an ordinary tensor', () => {
    for (const optimizer of ['paged_adamw', 'paged_adamw_8bit'] as const) {
      const t = est(plan({ precision: 'mixed', optimizer, stack: 'transformers' }));
      // nvidia-smi counts the paged states, PyTorch's active does not; the master copy (4 B a parameter) is active.
      expect(t.memory.activeBytes).toBeGreaterThan(4 * P + 2 * P);
      expect(t.memory.firstStepActiveBytes).toBeLessThanOrEqual(t.memory.activeBytes);
    }
  });

  it('is the steady peak when the states are offloaded (nothing lazily made on the GPU)', () => {
    const t = est(
      plan({ precision: 'mixed', stack: 'transformers' }, [{ kind: 'full' }], {
        strategy: 'zero2',
        gpusPerNode: 2,
        offloadOptimizer: 'cpu',
      }),
    );
    expect(t.memory.parts.optimizerStates).toBe(0);
    expect(t.memory.firstStepActiveBytes).toBe(t.memory.activeBytes);
  });

  it('says so in the optimizer states’ explanation, with both figures', () => {
    const row = est(plan({ optimizer: 'adamw_torch_fused' })).explain.find((r) => r.key === 'memory.optimizerStates')!;
    expect(row.note).toMatch(/first step peaks at [\d.]+ GiB allocated and every later one at [\d.]+ GiB/);
    // A LoRA plan's states are a few MiB of 8 GiB: under 1 %, not said.
    const lora = est(plan({}, [{ kind: 'lora', rank: 8 }])).explain.find((r) => r.key === 'memory.optimizerStates')!;
    expect(lora.note ?? '').not.toMatch(/first step/);
  });
});
