/**
 * The 'trl' stack: TRL 1.16's SFTTrainer with loss_type "nll" — what the exported train.py runs — scores the loss
 * through its fused LM head (trl/trainer/utils.py add_fused_lm_head, trl/kernels/chunked_logprob.py
 * ChunkedLogProbFunction). Known answers from that source's own allocations: tiles of 4,096 tokens × 32,768 vocabulary
 * entries, the gathered hidden saved for backward, an fp32 gradient accumulator, no logits tensor, no KV cache.
 */
import { describe, expect, it } from 'vitest';
import { CATALOG_MODELS } from '../../../shared/catalog/models';
import type { PlanInput } from '../../../shared/domain/plan';
import { estimatePlan } from '../../../shared/estimate/estimate';

const llama = CATALOG_MODELS.find((m) => m.spec.hfId === 'meta-llama/Llama-3.2-3B')!;
const V = 128_256;
const h = 3072;
const L = 28;
const kvW = 8 * 128; // 8 key/value heads × head size 128

function est(training: PlanInput['training'], technique: PlanInput['techniques'] = [{ kind: 'lora' }]) {
  return estimatePlan({
    name: 't',
    model: { source: 'catalog', id: llama.id },
    techniques: technique,
    training: { precision: 'pure_bf16', microBatch: 2, seqLen: 1024, packing: true, ...training },
    hardware: { gpu: { source: 'catalog', id: 'a100-80gb-sxm' } },
  }).techniques[0]!;
}
const phases = (r: ReturnType<typeof est>) => {
  const f = r.explain.find((e) => e.key === 'memory.peak')!.substituted;
  return f;
};

describe('TRL fused LM head (stack "trl")', () => {
  const t = 2 * 1024; // b·s
  const n = 2 * 1023; // b·(s − 1): the labels are shifted by one
  const tile = Math.min(n, 4096) * 32_768 * 2;
  const forward = t * h * 2 + n * (h * 2 + 36) + tile;
  const backward = n * h * (2 * 2 + 4) + n * 20 + tile;

  it('LoRA: the loss backward holds n·h·(2a + 4) + 20n + one tile, no logits and no KV cache', () => {
    const trl = est({ stack: 'trl' });
    expect(trl.memory.peakPhase).toBe('backward');
    expect(trl.memory.parts.logits).toBe(backward);
    // The forward end differs from transformers' by exactly the logits (10 B per token per vocabulary entry: bf16 +
    // fp32 upcast + fp32 log-softmax) and the KV cache, replaced by the fused head's tensors.
    const tf = est({ stack: 'transformers' });
    const fwd = (r: ReturnType<typeof est>) => Number(/forward ([\d.]+) GiB/.exec(phases(r))![1]);
    const kv = t * L * 2 * kvW * 2;
    expect((fwd(tf) - fwd(trl)) * 2 ** 30).toBeCloseTo(t * V * 10 + kv - forward, -7); // GiB shown with 2 decimals
    expect(trl.memory.allocatedBytes).toBeLessThan(tf.memory.allocatedBytes - t * V * 8);
  });

  it('lossKernel "chunked" runs the same head (TRL turns Liger’s fused CE off), and the explanation says so', () => {
    const standard = est({ stack: 'trl', lossKernel: 'standard' });
    const chunked = est({ stack: 'trl', lossKernel: 'chunked' });
    expect(chunked.memory.parts.logits).toBe(standard.memory.parts.logits);
    // use_liger_kernel also applies Liger's layer kernels (kernels.ts ligerFlagForChunkedLoss): fewer saved tensors.
    expect(chunked.memory.parts.activations).toBeLessThan(standard.memory.parts.activations);
    const note = (r: ReturnType<typeof est>) => r.explain.find((e) => e.key === 'memory.logits')!.note!;
    expect(note(chunked)).toMatch(/switches Liger’s fused linear cross-entropy off/);
    expect(note(standard)).toMatch(/"standard" cannot be expressed with TRL 1\.16/);
    expect(standard.explain.find((e) => e.key === 'memory.logits')!.sources).toEqual(['trlFusedHead']);
  });

  it('full fine-tuning: the fp32 head-gradient accumulator V·h·4 joins the loss backward', () => {
    const full = est({ stack: 'trl' }, [{ kind: 'full' }]);
    expect(phases(full)).toMatch(/backward [\d.]+ GiB \(at the loss backward\)/);
    // One micro-batch per step: no gradient persists through the forward, and the loss backward adds the head's
    // gradient (V·h·2, counted with the gradients), so backward − forward = logits backward − logits forward + V·h·2.
    const gib = (phase: string) => Number(new RegExp(`${phase} ([\\d.]+) GiB`).exec(phases(full))![1]) * 2 ** 30;
    // two figures rounded to 0.01 GiB;
    expect(gib('backward') - gib('forward')).toBeCloseTo(backward + V * h * 4 - forward + V * h * 2, -8);
  });

  it('adaption prompt is exported with the model’s own loss: full logits even on the trl stack', () => {
    const ap = est({ stack: 'trl' }, [{ kind: 'adaption_prompt' }]);
    const apTf = est({ stack: 'transformers' }, [{ kind: 'adaption_prompt' }]);
    expect(ap.memory.allocatedBytes).toBe(apTf.memory.allocatedBytes);
  });
});
