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
import { forwardDtypes, type Runner } from '../../../shared/estimate/forward-dtypes';
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
    expect(full).toMatchObject({ autocast: true, residual: 4, castsPerProjection: true, adapter: null });
    // DeepSpeed: no autocast, the engine's bf16 weights.
    const ds = forwardDtypes(tech('full'), training({ precision: 'mixed' }), dist({ strategy: 'zero2' }));
    expect(ds).toMatchObject({ autocast: false, residual: 2, castsPerProjection: false });
    // FSDP's MixedPrecision(param_dtype=bf16) hands the forward bf16 copies: autocast over a bf16 stream.
    const fsdp = forwardDtypes(tech('full'), training({ precision: 'mixed' }), dist({ strategy: 'fsdp_full' }));
    expect(fsdp).toMatchObject({ autocast: true, residual: 2, castsPerProjection: false });
    // pure 16-bit and fp32: one dtype, no autocast.
    expect(forwardDtypes(tech('full'), training({ precision: 'pure_fp16' }), dist())).toMatchObject({
      autocast: false,
      compute: 'fp16',
      residual: 2,
    });
    expect(forwardDtypes(tech('full'), training({ precision: 'fp32' }), dist())).toMatchObject({ residual: 4 });
  });

  const adapters = (
    t: Record<string, unknown>,
    o: { d?: Record<string, unknown>; runner?: Runner; kind?: string; quantType?: string; objective?: string } = {},
  ) =>
    forwardDtypes(
      tech((o.kind ?? 'lora') as Technique['kind'], o.quantType ? { quantType: o.quantType } : {}),
      training(t),
      dist(o.d ?? {}),
      o.runner,
      (o.objective ?? 'sft') as 'sft',
    );

  it('adapters: PEFT’s fp32, run in 16 bits under DeepSpeed (engine.py cast) and FSDP’s mixed precision', () => {
    expect(adapters({ precision: 'pure_bf16' })).toMatchObject({ adapter: 'fp32', adapterStored: 'fp32' });
    expect(adapters({ precision: 'mixed' })).toMatchObject({ autocast: true, adapter: 'fp32' });
    // deepspeed/runtime/engine.py _cast_module_mixed_precision: every parameter to bf16 / fp16 (the fp32 copy is the
    // ZeRO optimizer's, which the ZeRO accounting counts).
    const ds = adapters({ precision: 'pure_fp16' }, { d: { strategy: 'zero2', gpusPerNode: 2 } });
    expect(ds).toMatchObject({ autocast: false, adapter: 'fp16', adapterStored: 'fp32' });
    expect(ds.adapterNote).toContain('DeepSpeed');
    expect(adapters({ precision: 'mixed' }, { d: { strategy: 'fsdp_full', gpusPerNode: 2 } })).toMatchObject({
      adapter: 'bf16',
    });
    // torchtune builds its adapters in the recipe's dtype.
    expect(adapters({ precision: 'pure_bf16', stack: 'torchtune' })).toMatchObject({ adapterStored: 'bf16' });
  });

  it('QLoRA adapters are bf16 where a TRL trainer casts a bitsandbytes model’s, fp32 everywhere else', () => {
    const stored = (o: Parameters<typeof adapters>[1]) =>
      adapters({ precision: 'mixed' }, { kind: 'qlora', ...o }).adapterStored;
    // trl/trainer/sft_trainer.py, dpo_trainer.py, kto_trainer.py, reward_trainer.py, grpo_trainer.py.
    for (const objective of ['sft', 'dpo', 'ipo', 'kto', 'reward', 'grpo']) expect(stored({ objective })).toBe('bf16');
    // ORPO / CPO (SimPO) are trl.experimental: peft_module_casting_to_bf16 leaves the LoRA weights alone.
    for (const objective of ['orpo', 'simpo']) expect(stored({ objective })).toBe('fp32');
    // The cast checks is_loaded_in_4bit / 8bit, which only the bitsandbytes quantizers set.
    expect(stored({ quantType: 'int8' })).toBe('bf16');
    expect(stored({ quantType: 'gptq' })).toBe('fp32');
    expect(stored({ quantType: 'awq' })).toBe('fp32');
    // LLaMA-Factory: get_peft_model with PEFT's default, then its own fp32 upcast (model/adapter.py), and its
    // preference trainers skip TRL's __init__ (train/dpo/trainer.py line 87). axolotl: transformers' Trainer for SFT,
    // TRL 1.8's trainers for DPO / KTO / GRPO / reward.
    for (const objective of ['sft', 'dpo']) expect(stored({ runner: 'llama-factory', objective })).toBe('fp32');
    expect(stored({ runner: 'axolotl', objective: 'sft' })).toBe('fp32');
    expect(stored({ runner: 'axolotl', objective: 'dpo' })).toBe('bf16');
    // A plain LoRA keeps PEFT's fp32 adapters whatever the trainer.
    expect(adapters({ precision: 'mixed' }).adapterStored).toBe('fp32');
  });

  it('bf16 QLoRA adapters store 2 B weights and gradients and bf16 AdamW moments; 32-bit bnb states stay fp32', () => {
    // torch/optim/adam.py _init_group: exp_avg = zeros_like(p), so the moments follow the bf16 parameter.
    const q = tech('qlora');
    const t = training({ precision: 'mixed', optimizer: 'adamw' });
    expect(bytesFor(q, t, dist())).toMatchObject({ trainableWeight: 2, gradient: 2, stateElement: 2 });
    const lf = forwardDtypes(q, t, dist(), 'llama-factory');
    expect(bytesFor(q, t, dist(), lf)).toMatchObject({ trainableWeight: 4, stateElement: 4 });
    expect(bytesFor(q, training({ precision: 'mixed', optimizer: 'paged_adamw' }), dist()).optimizerPerParam).toBe(8);
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

describe('which input an adapter keeps (peft tuners/lora/layer.py, bnb.py, awq.py `_cast_input_dtype`)', () => {
  const h = llama.hiddenSize;
  const r = 8;
  const qlora = (precision: string, quantType = 'nf4', runner: Runner = 'trl') => {
    const arch = describeArchitecture(llama);
    const t = tech('qlora', { quantType, rank: r, targets: 'custom', customModules: ['q_proj', 'v_proj'], dropout: 0 });
    const tr = training({ precision, packing: true });
    const p = memoryProfile(arch, techniqueParams(arch, t), t, tr, dist(), undefined, 0, undefined, runner);
    return perLayer(p);
  };
  // Each adapted module's row: its input (when it keeps one) and A·x (2·r in bf16 here).
  const inputs = (p: ReturnType<typeof qlora>) => p.rows.filter((row) => /^[qv]_proj:/.test(row.tensor));

  it('pure fp16 with TRL’s bf16 adapters: PEFT casts the fp16 input to bf16, a copy per module', () => {
    const rows = inputs(qlora('pure_fp16'));
    expect(rows.map((row) => row.bytes)).toEqual([2 * h + 2 * r, 2 * h + 2 * r]);
    expect(rows[0]!.tensor).toContain('input cast to bf16');
  });

  it('a bitsandbytes base under autocast skips the cast: fp32 adapters keep the bf16 norm output, once', () => {
    // LLaMA-Factory's mixed QLoRA: fp32 adapters, autocast on; peft bnb.py `requires_conversion = not
    // torch.is_autocast_enabled()`, and autocast casts only the weight (a cached leaf cast).
    const rows = inputs(qlora('mixed', 'nf4', 'llama-factory'));
    expect(rows.map((row) => row.bytes)).toEqual([2 * h + 2 * r, 2 * r]);
    expect(rows[0]!.tensor).toContain('kept once');
    // GPTQ's LoRA layer casts whatever the autocast state (peft tuners/lora/gptq.py), so autocast copies it again.
    expect(inputs(qlora('mixed', 'gptq', 'llama-factory')).map((row) => row.bytes)).toEqual([
      2 * h + 2 * r,
      2 * h + 2 * r,
    ]);
  });

  it('a shared input is shared within one group of layers (DeepSeek’s dense and MoE layers), not across them', () => {
    const arch = describeArchitecture(findCatalogModel('DeepSeek-V3')!.spec);
    const t = tech('lora', { targets: 'all-linear', dropout: 0 });
    const p = memoryProfile(
      arch,
      techniqueParams(arch, t),
      t,
      training({ packing: true }),
      dist({ strategy: 'zero3' }),
    );
    const rows = perLayer(p).rows.filter((row) => row.tensor.includes('attention norm output, kept once'));
    // q_a_proj reads the attention norm's output in the 3 dense layers and in the 58 MoE layers.
    expect(rows.map((row) => row.tensor.match(/\((\d+) of 61 layers\)/)?.[1]).sort()).toEqual(['3', '58']);
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

describe('gelu_new under CUDA autocast (GPT-2, Phi-2: NewGELUActivation’s Python ops)', () => {
  it('pow runs in fp32 (AT_FORALL_FP32) and promotes the rest: 4 + 4 + 2 + 4 B per element, not 4 × 2 B', () => {
    // The CPU's autocast lists no pow, so the Python tier cannot see this; the rule is the CUDA list's.
    const spec = { ...llama, mlp: 'plain' as const, activation: 'gelu_new' as const };
    const row = (precision: string) =>
      perLayer(profile('lora', { precision, packing: true }, {}, spec)).rows.find((r) => r.tensor.startsWith('MLP'))!;
    expect(row('pure_bf16').bytes).toBe(4 * 2 * llama.intermediateSize);
    expect(row('mixed').bytes).toBe(14 * llama.intermediateSize);
    expect(row('mixed').tensor).toContain('fp32 under autocast');
  });
});

describe('the adapter rows are built once per profile, never shared between profiles', () => {
  it('two profiles of one technique’s params (the recommendation sweep reuses them) keep their own rows', () => {
    // memory.ts adapterRowsOf caches by params and checks the forward dtypes' identity.
    const arch = describeArchitecture(llama);
    const t = tech('lora', { targets: 'custom', customModules: ['q_proj', 'v_proj'], dropout: 0 });
    const params = techniqueParams(arch, t);
    const at = (precision: string) =>
      savedBytesPerTokenPerLayer(memoryProfile(arch, params, t, training({ precision, packing: true }), dist()), 1, 1);
    const bf16 = at('pure_bf16');
    const mixed = at('mixed');
    expect(bf16).not.toBe(mixed);
    expect(at('pure_bf16')).toBe(bf16);
    expect(at('mixed')).toBe(mixed);
  });
});
