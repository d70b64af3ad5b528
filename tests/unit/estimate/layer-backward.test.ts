/**
 * The layer's backward working set (shared/estimate/memory.ts layerBackwardBytesPerToken): the gradient tensors one
 * decoder layer's own backward holds together at its largest moment, net of the saved tensors released by then.
 * Known answers from the op order of transformers' LlamaMLP / LlamaRMSNorm (modeling_llama.py:164, :63–67), autograd's
 * engine (a node's outputs are made while its input gradient is held; its saved tensors are freed after it ran) and
 * Inductor's in-place reuse of a dying buffer (the generated backward of torch 2.13).
 */
import { describe, expect, it } from 'vitest';
import { findCatalogModel } from '../../../shared/catalog/models';
import { DistributionSchema, TechniqueSchema, TrainingSchema, type PlanInput } from '../../../shared/domain/plan';
import { describeArchitecture } from '../../../shared/estimate/architecture';
import { estimatePlan } from '../../../shared/estimate/estimate';
import { layerBackwardBytesPerToken, memoryAt, memoryProfile } from '../../../shared/estimate/memory';
import { techniqueParams } from '../../../shared/estimate/techniques';

const llama = findCatalogModel('Llama-3.2-3B')!.spec;

/** A small Llama-style layer: h = 256, I = 1024 (or as given), bf16 activations (a = 2). */
function profileFor(
  technique: 'full' | 'lora',
  training: Record<string, unknown> = {},
  widths: { h: number; I: number } = { h: 256, I: 1024 },
) {
  const arch = describeArchitecture({ ...llama, hiddenSize: widths.h, intermediateSize: widths.I });
  const t = TechniqueSchema.parse({ kind: technique });
  return memoryProfile(
    arch,
    techniqueParams(arch, t),
    t,
    TrainingSchema.parse({ precision: 'pure_bf16', ...training }),
    DistributionSchema.parse({}),
  );
}

describe('layer backward working set, per token (a = 2 B, h = 256, I = 1024)', () => {
  const a = 2;
  const h = 256;
  const I = 1024;

  it('eager, frozen base (LoRA): the MLP product’s backward holds g, its gradient, those of act(gate) and up', () => {
    // a·(h + 3·I): the layer's output gradient, the product's gradient, and MulBackward0's two outputs.
    const w = layerBackwardBytesPerToken(profileFor('lora'));
    expect(w).toEqual({ bytes: a * (h + 3 * I), stage: 'mlp' });
    expect(w.bytes).toBe(6656);
  });

  it('eager, full fine-tuning: down_proj’s saved input (a·I) is released before the product’s backward', () => {
    expect(layerBackwardBytesPerToken(profileFor('full')).bytes).toBe(a * (h + 3 * I) - a * I); // 4,608
  });

  it('compiled: Inductor writes one of the two gradients into the dying up output, a·(h + 2·I)', () => {
    expect(layerBackwardBytesPerToken(profileFor('lora', { compile: true })).bytes).toBe(a * (h + 2 * I)); // 4,608
    expect(layerBackwardBytesPerToken(profileFor('full', { compile: true })).bytes).toBe(a * (h + I)); // 2,560
  });

  it('Liger’s swiglu_backward writes both into the saved gate and up: only the product’s gradient is new', () => {
    expect(layerBackwardBytesPerToken(profileFor('lora', { kernels: 'liger' })).bytes).toBe(a * (h + I));
  });

  it('eager RMSNorm sets it when I is small: a·h + 20·h fp32, less the MLP’s released 3·a·I', () => {
    // h = I = 512: norm 1,024 + 10,240 − 3,072 = 8,192 > MLP 2·(512 + 1,536) = 4,096. (torch 2.13 on the CPU, one
    // HF LlamaDecoderLayer, frozen: 7,164 B per token above the backward's start, which holds g (a·h = 1,024) and
    // frees the 4-byte rsqrt: 8,188.)
    const w = layerBackwardBytesPerToken(profileFor('lora', {}, { h: 512, I: 512 }));
    expect(w).toEqual({ bytes: 512 * a + 20 * 512 - 3 * a * 512, stage: 'norm' });
  });
});

describe('the moments that hold it', () => {
  // Liger's fused linear cross-entropy leaves only its t·h input gradient behind (memory.ts logitsBackward), so the
  // layer moments set the backward's peak.
  const liger = { kernels: 'liger', stack: 'transformers' };
  const tokens = 2 * 1024;
  const L = llama.numLayers;
  const w = 2 * (256 + 1024); // a·(h + I), Liger

  // Liger's fused RMSNorm replaces the final norm too (liger_kernel monkey_patch.py `_patch_rms_norm_module(
  // base_model.norm)`): it keeps the 16-bit input, not the fp32 upcast.
  it('first recomputed layer: every layer input + the final norm’s 16-bit input + one layer + its working set', () => {
    const mem = memoryAt(profileFor('lora', { gradientCheckpointing: true, ...liger }), 2, 1024, true);
    const layer = mem.perTokenLayer.reduce((s, r) => s + r.bytes, 0);
    expect(mem.backwardMoment).toBe('recompute');
    expect(mem.parts.activations).toBe(tokens * (L * 2 * 256 + 2 * 256) + tokens * (layer + 2 * 256) + tokens * w);
  });

  it('without checkpointing, the first layer’s backward: every layer’s saved tensors + its working set', () => {
    const p = profileFor('lora', liger);
    const mem = memoryAt(p, 2, 1024, true);
    const layer = mem.perTokenLayer.reduce((s, r) => s + r.bytes, 0);
    expect(mem.backwardMoment).toBe('layer');
    // The forward end (use_cache's KV cache) stays the overall peak here: read the backward's own figure.
    const states = p.frozenWeights + p.trainableWeights + p.optimizerStates + p.communication + p.firstGradients;
    expect(mem.phases.backward - states).toBe(tokens * (L * layer + 2 * 256) + tokens * w);
  });

  it('torchtune act-ckpt row: the end moment holds one recomputed layer, its input, the compiled working set', () => {
    const est = (training: PlanInput['training']) =>
      estimatePlan({
        name: 't',
        model: { source: 'catalog', id: 'Llama-3.2-3B' },
        techniques: [{ kind: 'full' }],
        training: {
          precision: 'pure_bf16',
          microBatch: 2,
          seqLen: 4096,
          packing: true,
          stack: 'torchtune',
          ...training,
        },
        hardware: { gpu: { source: 'catalog', id: 'a100-80gb-sxm' } },
      }).techniques[0]!;
    const t = est({
      compile: true,
      lossKernel: 'chunked',
      gradientCheckpointing: true,
      optimizer: 'adamw_torch_fused',
    });
    const plain = est({ compile: true, lossKernel: 'chunked', optimizer: 'adamw_torch_fused' });
    const tokens = 2 * 4096;
    const h = 3072;
    const I = 8192;
    const L = 28;
    const layer = (plain.memory.parts.activations - tokens * 4 * h) / L;
    // Compiled full fine-tuning: a·(h + 2·I) − a·I (down_proj's saved input) = 2·(3,072 + 8,192) = 22,528 B per token.
    expect(t.memory.parts.activations).toBeCloseTo(layer + tokens * h * 2 + tokens * 2 * (h + I), -3);
  });
});
