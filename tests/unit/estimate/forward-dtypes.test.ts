/**
 * Issue 15: the dtypes a forward runs in (shared/estimate/forward-dtypes.ts) and what they change in the estimate.
 * Each rule is read from the library that decides it (cited per test); the tensors themselves are checked on the real
 * transformers / PEFT classes in tests/python/test_saved_tensors_precision.py.
 */
import { describe, expect, it } from 'vitest';
import { findCatalogModel } from '../../../shared/catalog/models';
import {
  DistributionSchema,
  TechniqueSchema,
  TrainingSchema,
  type PlanInput,
  type Technique,
} from '../../../shared/domain/plan';
import { describeArchitecture } from '../../../shared/estimate/architecture';
import { estimatePlan } from '../../../shared/estimate/estimate';
import { forwardDtypes, type AdapterBuilder } from '../../../shared/estimate/forward-dtypes';
import { bytesFor, memoryAt, memoryProfile, savedBytesPerTokenPerLayer } from '../../../shared/estimate/memory';
import { techniqueParams } from '../../../shared/estimate/techniques';

const llama = findCatalogModel('Llama-3.2-3B')!.spec;
const tech = (kind: Technique['kind'], extra: Record<string, unknown> = {}) =>
  TechniqueSchema.parse({ kind, ...extra });
const training = (t: Record<string, unknown>) => TrainingSchema.parse(t);
const dist = (d: Record<string, unknown> = {}) => DistributionSchema.parse(d);

describe('which dtypes the forward runs in', () => {
  it('mixed precision outside DeepSpeed runs under autocast; a full fine-tune keeps an fp32 residual stream', () => {
    // accelerate/accelerator.py Accelerator.__init__: native_amp for bf16 unless DEEPSPEED; exporters/training.ts
    // loadDtype loads fp32 weights for a mixed full fine-tune outside DeepSpeed.
    const full = forwardDtypes(tech('full'), training({ precision: 'mixed' }), dist());
    expect(full).toMatchObject({ autocast: true, residual: 4, castsPerProjection: true, adapter: 0 });
    // DeepSpeed: no autocast, the engine's bf16 weights.
    const ds = forwardDtypes(tech('full'), training({ precision: 'mixed' }), dist({ strategy: 'zero2' }));
    expect(ds).toMatchObject({ autocast: false, residual: 2, castsPerProjection: false });
    // FSDP's MixedPrecision(param_dtype=bf16) hands the forward bf16 copies: autocast over a bf16 stream.
    const fsdp = forwardDtypes(tech('full'), training({ precision: 'mixed' }), dist({ strategy: 'fsdp_full' }));
    expect(fsdp).toMatchObject({ autocast: true, residual: 2, castsPerProjection: false });
    // pure bf16 and fp32: one dtype, no autocast.
    expect(forwardDtypes(tech('full'), training({ precision: 'pure_bf16' }), dist())).toMatchObject({
      autocast: false,
      residual: 2,
    });
    expect(forwardDtypes(tech('full'), training({ precision: 'fp32' }), dist())).toMatchObject({ residual: 4 });
  });

  it('adapters: fp32 by PEFT, bf16 where DeepSpeed, FSDP, TRL (QLoRA) or LLaMA-Factory (pure_bf16) make it', () => {
    const lora = (t: Record<string, unknown>, d: Record<string, unknown> = {}, b: AdapterBuilder = 'trl', k = 'lora') =>
      forwardDtypes(tech(k as Technique['kind']), training(t), dist(d), b);
    expect(lora({ precision: 'pure_bf16' })).toMatchObject({ adapter: 4, adapterStored: 4, adapterNote: null });
    expect(lora({ precision: 'mixed' })).toMatchObject({ autocast: true, adapter: 4, adapterStored: 4 });
    // deepspeed/runtime/engine.py _cast_module_mixed_precision: every parameter to bf16 (stored fp32 master kept by
    // the ZeRO optimizer, which the ZeRO accounting counts).
    const ds = lora({ precision: 'pure_bf16' }, { strategy: 'zero2', gpusPerNode: 2 });
    expect(ds).toMatchObject({ autocast: false, adapter: 2, adapterStored: 4 });
    expect(ds.adapterNote).toContain('DeepSpeed');
    expect(lora({ precision: 'mixed' }, { strategy: 'fsdp_full', gpusPerNode: 2 })).toMatchObject({ adapter: 2 });
    // trl/trainer/sft_trainer.py: a quantized model's trainable parameters to bf16.
    expect(lora({ precision: 'mixed' }, {}, 'trl', 'qlora')).toMatchObject({ adapter: 2, adapterStored: 2 });
    // LLaMA-Factory model/adapter.py init_adapter: QLoRA upcast to fp32 unless pure_bf16; pure_bf16 keeps bf16.
    expect(lora({ precision: 'mixed' }, {}, 'llama-factory', 'qlora')).toMatchObject({ adapterStored: 4 });
    expect(lora({ precision: 'pure_bf16' }, {}, 'llama-factory')).toMatchObject({ adapter: 2, adapterStored: 2 });
    // axolotl leaves PEFT's default.
    expect(lora({ precision: 'pure_bf16' }, {}, 'axolotl', 'qlora')).toMatchObject({ adapterStored: 4 });
    // torchtune builds its adapters in the recipe's dtype.
    expect(lora({ precision: 'pure_bf16', stack: 'torchtune' })).toMatchObject({ adapter: 2, adapterStored: 2 });
  });

  it('QLoRA through TRL stores bf16 adapters: 2 B weights and gradients, and bf16 AdamW moments', () => {
    // torch/optim/adam.py _init_group: exp_avg = zeros_like(p), so the moments follow the bf16 parameter.
    const q = tech('qlora');
    const t = training({ precision: 'mixed', optimizer: 'adamw' });
    expect(bytesFor(q, t, dist())).toMatchObject({ trainableWeight: 2, gradient: 2, stateElement: 2 });
    expect(bytesFor(q, t, dist(), 'llama-factory')).toMatchObject({ trainableWeight: 4, stateElement: 4 });
    // bitsandbytes' 32-bit paged AdamW keeps fp32 states whatever the parameter's dtype.
    expect(bytesFor(q, training({ precision: 'mixed', optimizer: 'paged_adamw' }), dist()).optimizerPerParam).toBe(8);
    // LoRA keeps PEFT's fp32 adapters.
    expect(bytesFor(tech('lora'), t, dist())).toMatchObject({ trainableWeight: 4, stateElement: 4 });
  });
});

/** Llama-3.2-3B's layer with an override, h = 3,072; one LoRA or full technique. */
function profile(kind: 'full' | 'lora', t: Record<string, unknown>, d: Record<string, unknown> = {}, spec = {}) {
  const arch = describeArchitecture({ ...llama, ...spec });
  const technique = tech(
    kind,
    kind === 'lora' ? { targets: 'custom', customModules: ['q_proj', 'v_proj'], dropout: 0 } : {},
  );
  return memoryProfile(arch, techniqueParams(arch, technique), technique, training(t), dist(d));
}
const perLayer = (p: ReturnType<typeof profile>) => {
  const rows: Array<{ tensor: string; bytes: number }> = [];
  return { total: savedBytesPerTokenPerLayer(p, 1, 1, rows), rows };
};

describe('what the forward dtypes change in one layer’s saved tensors', () => {
  const h = llama.hiddenSize;

  it('fp32 weights under autocast: 10·h more per layer on Llama (fp32 normalized copies, 5 projection casts)', () => {
    // Measured on the real LlamaForCausalLM (test_saved_tensors_precision.py): 2 norms' weight-gradient copies fp32
    // (+2·h each), q/k/v and gate/up each keep a bf16 copy (+2·2·h for attention, +2·h for the MLP).
    const mixed = perLayer(profile('full', { precision: 'mixed', packing: true }));
    const bf16 = perLayer(profile('full', { precision: 'pure_bf16', packing: true }));
    expect(mixed.total - bf16.total).toBe(10 * h);
    expect(mixed.rows.some((r) => r.tensor.startsWith('attention input: 3 bf16 copies'))).toBe(true);
  });

  it('checkpointing keeps fp32 layer inputs when the residual stream is fp32', () => {
    // Long enough that the peak is in the backward, where the stored layer inputs are.
    const tokens = 8 * 65_536;
    const at = (precision: string) =>
      memoryAt(profile('full', { precision, packing: true, gradientCheckpointing: true }), 8, 65_536);
    expect(at('mixed').phase).toBe('backward');
    // Stored through the forward: L × tokens × h × (4 vs 2) B.
    const L = llama.numLayers;
    expect(at('mixed').parts.activations - at('pure_bf16').parts.activations).toBeGreaterThanOrEqual(
      (L - 1) * tokens * h * 2,
    );
  });

  it('adapters under autocast keep a bf16 copy of their input and a bf16 A·x, instead of fp32 casts', () => {
    const r = 16;
    const mixed = perLayer(profile('lora', { precision: 'mixed', packing: true }));
    const bf16 = perLayer(profile('lora', { precision: 'pure_bf16', packing: true }));
    // q_proj and v_proj both read h-wide inputs: (4·h + 4·r) → (2·h + 2·r) each.
    expect(bf16.total - mixed.total).toBe(2 * (2 * h + 2 * r));
  });

  it('16-bit adapters (DeepSpeed) keep the very norm output both projections read, once', () => {
    const r = 16;
    const ds = perLayer(profile('lora', { precision: 'pure_bf16', packing: true }, { strategy: 'zero2' }));
    const bf16 = perLayer(profile('lora', { precision: 'pure_bf16', packing: true }));
    expect(bf16.total - ds.total).toBe(2 * (4 * h + 4 * r) - (2 * h + 2 * 2 * r));
    expect(ds.rows.filter((row) => row.tensor.includes('kept once'))).toHaveLength(1);
  });

  it('nn.LayerNorm under CUDA autocast keeps an fp32 copy of its input (ATen autocast_mode.h AT_FORALL_FP32)', () => {
    const ln = { norm: 'layernorm' as const };
    const mixed = perLayer(profile('lora', { precision: 'mixed', packing: true }, {}, ln));
    const bf16 = perLayer(profile('lora', { precision: 'pure_bf16', packing: true }, {}, ln));
    const norms = (p: typeof mixed) => p.rows.find((row) => row.tensor.includes('LayerNorm input'))!;
    expect(norms(mixed).tensor).toContain('fp32 under autocast');
    expect(norms(mixed).bytes - norms(bf16).bytes).toBe(llama.normsPerLayer * 2 * h);
  });
});

describe('LoHa keeps each module’s whole delta weight for its backward', () => {
  const plan = (training: PlanInput['training']): PlanInput => ({
    name: 'loha',
    model: { source: 'catalog', id: 'Llama-3.2-3B' },
    techniques: [{ kind: 'loha', rank: 8, targets: 'custom', customModules: ['q_proj', 'v_proj'] }],
    training: { precision: 'pure_bf16', microBatch: 1, seqLen: 512, packing: true, ...training },
    hardware: { gpu: { source: 'catalog', id: 'a100-80gb-sxm' } },
  });

  it('out × in × 4 B per module per layer (fp32 delta), every layer without checkpointing, one with it', () => {
    // peft tuners/loha/layer.py: F.linear(x, ΔW) keeps ΔW for the input's gradient. q_proj 3,072 × 3,072 and v_proj
    // 1,024 × 3,072 on Llama-3.2-3B.
    const delta = (3072 * 3072 + 1024 * 3072) * 4;
    const note = (p: PlanInput) =>
      estimatePlan(p).techniques[0]!.explain.find((e) => e.key === 'memory.activations')!.note ?? '';
    expect(note(plan({}))).toContain(`${delta.toLocaleString('en-US')} B per layer (Σ out·in × 4 B) × 28 layers`);
    // Under autocast the delta is built in bf16.
    expect(note(plan({ precision: 'mixed' }))).toContain(`${(delta / 2).toLocaleString('en-US')} B per layer`);
    const acts = (p: PlanInput) => estimatePlan(p).techniques[0]!.memory.parts.activations;
    const without = acts(plan({}));
    const withGc = acts(plan({ gradientCheckpointing: true }));
    expect(without - withGc).toBeGreaterThan(27 * delta);
  });
});

describe('a technique the strategy’s dtypes stop at its first forward', () => {
  const plan = (strategy: string, precision: string): PlanInput => ({
    name: 'vera',
    model: { source: 'catalog', id: 'Llama-3.2-3B' },
    techniques: [{ kind: 'lora' }, { kind: 'vera' }],
    training: { precision: precision as 'pure_bf16' },
    distribution: { strategy: strategy as 'zero2', gpusPerNode: 2 },
  });
  const warning = (p: PlanInput) => estimatePlan(p).warnings.find((w) => w.code === 'vera-deepspeed-dtype');

  it('VeRA under DeepSpeed bf16: λ cast to bf16, the shared A and B buffers left fp32 (engine.py, layer.py)', () => {
    // Reproduced on the real classes in tests/python/test_saved_tensors_precision.py (the skipped VeRA/DeepSpeed case
    // states the RuntimeError).
    expect(warning(plan('zero2', 'pure_bf16'))).toMatchObject({ field: 'distribution.strategy', technique: 1 });
    expect(warning(plan('zero3', 'mixed'))?.message).toContain('Train VeRA with DDP or FSDP');
    expect(warning(plan('zero2', 'fp32'))).toBeUndefined();
    expect(warning(plan('ddp', 'pure_bf16'))).toBeUndefined();
  });
});
