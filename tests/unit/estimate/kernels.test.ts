/**
 * Issue 15 §4 and §6: Liger and Unsloth kernels, GPTQ/AWQ int4 bases, bitsandbytes paged optimizers and the host RAM
 * of loading — known answers from the upstream files cited in shared/estimate/kernels.ts.
 */
import { describe, expect, it } from 'vitest';
import { CATALOG_MODELS } from '../../../shared/catalog/models';
import { int4BaseRefusal, unsupportedSwitches } from '../../../shared/domain/export-capabilities';
import { PlanSchema, type PlanInput } from '../../../shared/domain/plan';
import { estimatePlan, type EstimateOptions } from '../../../shared/estimate/estimate';
import {
  int4PackedBytes,
  kernelsFor,
  ligerChunkTokens,
  pagedStateShare,
  unslothChunks,
} from '../../../shared/estimate/kernels';
import { fitStateFor } from '../../../shared/estimate/ranges';
import { exportFiles } from '../../../shared/exporters/training';
import { describeArchitecture } from '../../../shared/estimate/architecture';
import { techniqueParams } from '../../../shared/estimate/techniques';

const llama = CATALOG_MODELS.find((m) => m.spec.hfId === 'meta-llama/Llama-3.2-3B')!;
const h = 3072;
const I = 8192;
const L = 28;
const V = 128_256;

function est(
  training: PlanInput['training'],
  technique: PlanInput['techniques'] = [{ kind: 'lora' }],
  options: EstimateOptions = {},
) {
  return estimatePlan(
    {
      name: 't',
      model: { source: 'catalog', id: llama.id },
      techniques: technique,
      training: { precision: 'pure_bf16', microBatch: 2, seqLen: 2048, packing: true, ...training },
      hardware: { gpu: { source: 'catalog', id: 'a100-80gb-sxm' } },
    },
    options,
  ).techniques[0]!;
}

describe('GPTQ / AWQ int4 packing (gptqmodel PackableQuantLinear, AutoAWQ WQLinear_GEMM layouts)', () => {
  it('Llama-3.2-3B q_proj (3072 × 3072), group 128: qweight + qzeros + fp16 scales (+ int32 g_idx for GPTQ)', () => {
    const qweight = (3072 / 8) * 3072 * 4; // int32 [in/8, out]
    const qzeros = 24 * (3072 / 8) * 4; // int32 [in/128, out/8]
    const scales = 24 * 3072 * 2; // fp16 [in/128, out]
    const gIdx = 3072 * 4; // int32 [in]
    expect(int4PackedBytes({ in: 3072, out: 3072, bias: false }, 128, true)).toBe(qweight + qzeros + scales + gIdx);
    expect(int4PackedBytes({ in: 3072, out: 3072, bias: false }, 128, false)).toBe(qweight + qzeros + scales);
    expect(qweight + qzeros + scales + gIdx).toBe(4_915_200);
    // group_size -1: one group per column.
    expect(int4PackedBytes({ in: 3072, out: 3072, bias: false }, -1, false)).toBe(qweight + 384 * 4 + 3072 * 2);
  });

  it('the frozen base of a GPTQ plan holds ≈ 4.17 bits per linear weight, below 16 and above NF4 with DQ', () => {
    const gptq = est({}, [{ kind: 'qlora', quantType: 'gptq' }]);
    const nf4 = est({}, [{ kind: 'qlora', quantType: 'nf4' }]);
    expect(gptq.memory.parts.frozenWeights).toBeGreaterThan(nf4.memory.parts.frozenWeights);
    expect(gptq.notes.join(' ')).toMatch(/4\.1\d\d bits per weight/);
  });

  it('keeps every layer’s dequantized 16-bit weights for the backward without checkpointing, one layer with it', () => {
    const perLayer = (2 * h * h + 2 * h * 1024 + 3 * h * I) * 2;
    // Run as LLaMA-Factory runs it, where both keep PEFT's fp32 adapters (TRL casts only a bitsandbytes model's to
    // bf16: forward-dtypes.ts), so the bases are the only difference.
    const lf = { runner: 'llama-factory' } as const;
    const gptq = est({ gradientCheckpointing: false }, [{ kind: 'qlora', quantType: 'gptq' }], lf);
    const nf4 = est({ gradientCheckpointing: false }, [{ kind: 'qlora', quantType: 'nf4' }], lf);
    const diffActs = gptq.memory.allocatedBytes - nf4.memory.allocatedBytes;
    const diffWeights = gptq.memory.parts.frozenWeights - nf4.memory.parts.frozenWeights;
    expect(diffActs - diffWeights).toBeCloseTo(L * perLayer, -3);
    const ckpt = est({ gradientCheckpointing: true }, [{ kind: 'qlora', quantType: 'awq' }], lf);
    const ckptNf4 = est({ gradientCheckpointing: true }, [{ kind: 'qlora', quantType: 'nf4' }], lf);
    expect(ckpt.memory.allocatedBytes - ckptNf4.memory.allocatedBytes).toBeLessThan(2 * perLayer);
  });

  it('every export target but the plan file refuses a GPTQ/AWQ base, naming what the run needs', () => {
    expect(int4BaseRefusal({ kind: 'qlora', quantType: 'gptq', quantGroupSize: 128 }, 'json')).toBeNull();
    expect(int4BaseRefusal({ kind: 'qlora', quantType: 'nf4', quantGroupSize: 128 }, 'hf')).toBeNull();
    expect(int4BaseRefusal({ kind: 'qlora', quantType: 'gptq', quantGroupSize: 128 }, 'hf')).toMatch(
      /gptqmodel>=1\.4\.3 and optimum>=1\.24\.0/,
    );
    const plan = PlanSchema.parse({
      name: 'g',
      model: { source: 'catalog', id: llama.id },
      techniques: [{ kind: 'qlora', quantType: 'awq' }],
    });
    for (const format of ['hf', 'deepspeed', 'axolotl', 'torchtune'] as const) {
      const files = exportFiles(plan, format, 0, 't');
      expect(files.map((f) => f.path)).toEqual(['README.md']);
      expect(files[0]!.content).toMatch(/AWQ int4 base/);
    }
  });
});

describe('Liger kernels (linkedin/Liger-Kernel ops/*.py, transformers integrations/liger.py)', () => {
  it('fused linear cross-entropy chunks next_pow2(ceil(BT / ceil(V / H))) tokens', () => {
    // inc_factor = ceil(128256 / 3072) = 42; ceil(8192 / 42) = 196 → 256
    expect(ligerChunkTokens(8192, V, h)).toBe(256);
    expect(ligerChunkTokens(10, V, h)).toBe(1);
  });

  it('applies only to the model types in MODEL_TYPE_TO_APPLY_LIGER_FN', () => {
    const arch = describeArchitecture(llama.spec);
    expect(kernelsFor(arch, { kernels: 'liger' })).toBe('liger');
    expect(kernelsFor({ ...arch, spec: { ...arch.spec, modelType: 'gpt2' } }, { kernels: 'liger' })).toBe('none');
  });

  // RMSNorm keeps a·h + 4 B per norm, and the MLP keeps gate and up.
  it('Liger saves 2·(4h − 2h) + 2·I fewer bytes per token per layer', () => {
    const stock = est({ stack: 'trl' }, [{ kind: 'full' }]);
    const liger = est({ stack: 'trl', kernels: 'liger' }, [{ kind: 'full' }]);
    expect(est({ stack: 'torchtune', kernels: 'liger' }).notes.join(' ')).toMatch(/never applies Liger/);
    const per = (t: typeof stock) =>
      t.explain
        .find((e) => e.key === 'memory.activations')!
        .substituted.match(/× ([\d,]+) B \[/)![1]!
        .replace(/,/g, '');
    // Full fine-tuning keeps the normalized outputs for the norm weight's gradient in the stock module (2 × 2h);
    // Liger computes it from X and rstd.
    expect(Number(per(stock)) - Number(per(liger))).toBe(2 * (4 * h - 2 * h) + 2 * 2 * h + 2 * I);
  });

  // Far below the 16-bit logits + fp32 loss copies.
  it('transformers stack: no logits tensor with Liger; TRL keeps its own head', () => {
    const stock = est({ stack: 'transformers' });
    const liger = est({ stack: 'transformers', kernels: 'liger' });
    const tokens = 2 * 2048;
    expect(stock.memory.parts.logits).toBeGreaterThan(tokens * V * 4);
    expect(liger.memory.parts.logits).toBeLessThan(tokens * h * 2 * 2 + 256 * V * 2 + tokens * 4 + 1);
    const trl = est({ stack: 'trl' });
    const trlLiger = est({ stack: 'trl', kernels: 'liger' });
    expect(trlLiger.memory.parts.logits).toBe(trl.memory.parts.logits);
  });

  it('the chunked loss turns Liger on for SFT, and with it Liger’s layer kernels (not in axolotl or torchtune)', () => {
    // The TRL script writes use_liger_kernel=True for the chunked loss (exporters/training.ts); transformers' Trainer
    // then calls _apply_liger_kernel_to_instance with the config TRL leaves (sft_trainer.py:1140 turns only
    // fused_linear_cross_entropy off), whose apply_liger_kernel_to_llama defaults rope, rms_norm and swiglu to True
    // (Liger-Kernel monkey_patch.py at ead96b6, lines 221–227). LLaMA-Factory's enable_liger_kernel passes the
    // defaults too (model/model_utils/liger_kernel.py); axolotl's chunked_cross_entropy is its own loss.
    const arch = describeArchitecture(llama.spec);
    const chunked = { kernels: 'none' as const, lossKernel: 'chunked' as const, stack: 'trl' as const };
    expect(kernelsFor(arch, chunked)).toBe('liger');
    expect(kernelsFor(arch, chunked, 'dpo')).toBe('none'); // the TRL script writes the flag for SFT only
    // LLaMA-Factory writes enable_liger_kernel for every stage; axolotl's chunked loss is its own.
    for (const objective of ['sft', 'dpo'] as const)
      expect(kernelsFor(arch, chunked, objective, 'llama-factory')).toBe('liger');
    expect(kernelsFor(arch, chunked, 'sft', 'axolotl')).toBe('none');
    expect(kernelsFor(arch, { ...chunked, stack: 'torchtune' })).toBe('none');
    expect(kernelsFor(arch, { ...chunked, lossKernel: 'standard' })).toBe('none');
    // The estimate: the chunked plan keeps what the Liger plan keeps per layer, and says why.
    const per = (t: ReturnType<typeof est>) =>
      t.explain.find((e) => e.key === 'memory.activations')!.substituted.match(/× ([\d,]+) B \[/)![1];
    const viaLoss = est({ stack: 'trl', lossKernel: 'chunked' });
    expect(per(viaLoss)).toBe(per(est({ stack: 'trl', kernels: 'liger' })));
    expect(per(viaLoss)).not.toBe(per(est({ stack: 'trl' })));
    expect(viaLoss.notes.join(' ')).toContain('The chunked loss turns Liger on');
  });

  it('the TRL export writes use_liger_kernel and requires liger-kernel; frameworks that cannot name it say so', () => {
    const plan = PlanSchema.parse({
      name: 'l',
      model: { source: 'catalog', id: llama.id },
      training: { kernels: 'liger' },
    });
    const files = exportFiles(plan, 'hf', 0, 't');
    expect(files.find((f) => f.path === 'train.py')!.content).toMatch(/use_liger_kernel=use_liger/);
    expect(files.find((f) => f.path === 'requirements.txt')!.content).toMatch(/liger-kernel/);
    expect(unsupportedSwitches(plan, 'hf')).toEqual([]);
    expect(unsupportedSwitches(plan, 'axolotl')).toEqual(['ligerKernels']);
  });
});

describe('Unsloth (unsloth_zoo gradient_checkpointing.py, fused_losses/cross_entropy_loss.py)', () => {
  it('fused CE chunks: fp32 logits ≤ 4 GiB per chunk, the count rounded up to a multiple of 4', () => {
    expect(unslothChunks(8192, V)).toBe(1); // 8192 × 128256 × 4 B = 3.91 GiB
    expect(unslothChunks(16_384, V)).toBe(4); // 7.83 GiB → ceil(1.96 / 4) × 4
  });

  it('offloaded checkpointing moves L − 1 layer inputs to pinned host RAM and keeps two GPU buffers', () => {
    const stock = est({ gradientCheckpointing: true, stack: 'transformers' });
    const unsloth = est({ gradientCheckpointing: true, stack: 'transformers', kernels: 'unsloth' });
    const layerInput = 2 * 2048 * h * 2;
    expect(unsloth.memory.hostBytes).toBeGreaterThanOrEqual((L - 1) * layerInput);
    expect(stock.memory.allocatedBytes).toBeGreaterThan(unsloth.memory.allocatedBytes);
    const plan = PlanSchema.parse({
      name: 'u',
      model: { source: 'catalog', id: llama.id },
      training: { kernels: 'unsloth' },
    });
    expect(unsupportedSwitches(plan, 'hf')).toEqual(['unslothKernels']);
    expect(exportFiles(plan, 'hf', 0, 't').find((f) => f.path === 'train.py')!.content).toMatch(
      /NOT EXPRESSED: Unsloth's kernels/,
    );
  });
});

describe('bitsandbytes paged optimizers (optim/optimizer.py get_state_buffer: paged when numel ≥ 1e5)', () => {
  it('LoRA r=16 all-linear on Llama-3.2-3B: only down_proj A and gate/up B reach 1e5 elements', () => {
    const arch = describeArchitecture(llama.spec);
    const technique = PlanSchema.parse({ name: 'p', model: { source: 'catalog', id: llama.id } }).techniques[0]!;
    const params = techniqueParams(arch, technique);
    // per layer: 16·8192 (down A) + 16·8192 × 2 (gate, up B) of 16·Σ(in + out) = 868,352
    expect(pagedStateShare(arch, params, technique)).toBeCloseTo(393_216 / 868_352, 10);
  });

  it('paged states are in nvidia-smi but not in allocated; over the memory by them only is "may not fit"', () => {
    const plain = est({ optimizer: 'adamw' }, [{ kind: 'full' }]);
    const paged = est({ optimizer: 'paged_adamw' }, [{ kind: 'full' }]);
    const moved = plain.memory.allocatedBytes - paged.memory.allocatedBytes;
    expect(moved).toBeGreaterThan(0.95 * 3.2e9 * 2 * 2);
    // Managed memory is outside the caching allocator: nvidia-smi is reserved + context + the paged states, and
    // bitsandbytes' 32-bit states are fp32 whatever the parameter dtype (8 B per parameter, bnb-states.ts).
    const pagedBytes = paged.memory.nvidiaSmiBytes - paged.memory.reservedBytes - paged.memory.parts.cudaContext;
    expect(pagedBytes).toBeGreaterThan(0.95 * 3.2e9 * 8);
    expect(pagedBytes).toBeLessThanOrEqual(paged.memory.parts.optimizerStates);
    expect(fitStateFor(100, 100, 90, 20)).toBe('may-not-fit');
    expect(fitStateFor(100, 100, 90, 5)).toBe('does-not-fit');
    expect(fitStateFor(100, 100, 90)).toBe('does-not-fit');
  });
});

describe('QLoRA load-and-quantize host peak (transformers 5.24 core_model_loading.py)', () => {
  it('bitsandbytes loads one 16-bit tensor at a time: the largest (the embedding) × 2 B of host RAM', () => {
    const q = est({}, [{ kind: 'qlora' }]);
    expect(q.memory.hostBytes).toBe(V * h * 2);
    const gptq = est({}, [{ kind: 'qlora', quantType: 'gptq' }]);
    expect(gptq.memory.hostBytes).toBe(4 * V * h * 2);
    expect(est({}, [{ kind: 'lora' }]).memory.hostBytes).toBe(0);
  });
});
