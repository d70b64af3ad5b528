import { describe, expect, it } from 'vitest';
import { CATALOG_MODELS, findCatalogModel } from '../../../shared/catalog/models';
import type { ModelSpec } from '../../../shared/domain/model-spec';
import { TechniqueSchema, type TechniqueInput } from '../../../shared/domain/plan';
import { describeArchitecture } from '../../../shared/estimate/architecture';
import { techniqueParams } from '../../../shared/estimate/techniques';

const spec = (id: string) => findCatalogModel(id)!.spec;
const trainable = (s: ModelSpec, t: TechniqueInput) =>
  techniqueParams(describeArchitecture(s), TechniqueSchema.parse(t));

const generic = (over: Partial<ModelSpec>): ModelSpec => ({
  name: 'test',
  modelType: 'generic',
  hiddenSize: 1024,
  intermediateSize: 4096,
  numLayers: 24,
  numHeads: 16,
  numKvHeads: 16,
  headDim: 64,
  vocabSize: 32000,
  maxPositionEmbeddings: 2048,
  tieWordEmbeddings: false,
  linearBias: 'none',
  lmHeadBias: false,
  norm: 'rmsnorm',
  normsPerLayer: 2,
  fusedQkv: false,
  fusedGateUp: false,
  moe: null,
  mlp: 'gated',
  qkNorm: 'none',
  learnedPositions: 0,
  embeddingNorm: false,
  mla: null,
  mtpLayers: 0,
  slidingWindow: null,
  slidingWindowLayers: 0,
  vision: null,
  ...over,
});

describe('exact parameter counts', () => {
  it('Phi-3-mini has 3,821,079,552 parameters', () => {
    expect(describeArchitecture(spec('Phi-3-mini-4k-instruct')).totalParams).toBe(3_821_079_552);
  });

  it('Llama-3.2-3B has 3,212,749,824 parameters (tied head)', () => {
    expect(describeArchitecture(spec('Llama-3.2-3B')).totalParams).toBe(3_212_749_824);
  });

  it.each(CATALOG_MODELS.map((m) => [m.id, m.catalogComputedTotal] as const))(
    '%s matches the catalog arithmetic (%i)',
    (id, expected) => {
      expect(describeArchitecture(spec(id)).totalParams).toBe(expected);
    },
  );

  it('Phi-3.5-MoE counts 6.64 B active of 41.87 B (top-2 of 16 experts)', () => {
    const arch = describeArchitecture(spec('Phi-3.5-MoE-instruct'));
    expect(arch.totalParams).toBe(41_873_153_344);
    expect(arch.activeParams).toBe(6_640_999_744);
  });
});

describe('trainable parameters per technique', () => {
  it('Phi-3-mini LoRA r=16 all-linear: 25,165,824 of 3,846,245,376', () => {
    const p = trainable(spec('Phi-3-mini-4k-instruct'), { kind: 'lora', rank: 16, targets: 'all-linear' });
    expect(p.trainableParams).toBe(25_165_824);
    expect(p.totalParams).toBe(3_846_245_376);
  });

  it('Phi-3 fused modules: the cookbook list matches only o_proj and down_proj (8,912,896)', () => {
    const p = trainable(spec('Phi-3-mini-4k-instruct'), {
      kind: 'qlora',
      rank: 16,
      targets: 'custom',
      customModules: ['k_proj', 'q_proj', 'v_proj', 'o_proj', 'gate_proj', 'down_proj', 'up_proj'],
    });
    expect(p.trainableParams).toBe(8_912_896);
    expect(p.adapted.map((a) => a.module.name)).toEqual(['o_proj', 'down_proj']);
    expect(p.notes.join(' ')).toMatch(/fuses them into qkv_proj, gate_up_proj/);
  });

  it('GPT-3 175B LoRA on q and v: r=1 4,718,592 and r=8 37,748,736 (LoRA paper)', () => {
    const gpt3 = generic({
      hiddenSize: 12288,
      numLayers: 96,
      numHeads: 96,
      numKvHeads: 96,
      headDim: 128,
      intermediateSize: 49152,
      vocabSize: 50257,
    });
    expect(trainable(gpt3, { kind: 'lora', rank: 1, targets: 'qv' }).trainableParams).toBe(4_718_592);
    expect(trainable(gpt3, { kind: 'lora', rank: 8, targets: 'qv' }).trainableParams).toBe(37_748_736);
  });

  it('Llama-3.2-3B: LoRA r=32 q,v 9,175,040; DoRA 9,289,728; IA3 286,720; prompt 614,400; prefix 11,468,800', () => {
    const llama = spec('Llama-3.2-3B');
    expect(trainable(llama, { kind: 'lora', rank: 32, targets: 'qv' }).trainableParams).toBe(9_175_040);
    expect(trainable(llama, { kind: 'dora', rank: 32, targets: 'qv' }).trainableParams).toBe(9_289_728);
    expect(trainable(llama, { kind: 'ia3' }).trainableParams).toBe(286_720);
    expect(trainable(llama, { kind: 'prompt_tuning', virtualTokens: 200 }).trainableParams).toBe(614_400);
    expect(trainable(llama, { kind: 'prefix_tuning', virtualTokens: 200 }).trainableParams).toBe(11_468_800);
    expect(trainable(llama, { kind: 'full' }).trainableParams).toBe(3_212_749_824);
  });

  it('Llama-3.2-3B other PEFT methods match the PEFT benchmark counts', () => {
    const llama = spec('Llama-3.2-3B');
    expect(trainable(llama, { kind: 'lora', rank: 10, targets: 'mlp' }).trainableParams).toBe(9_461_760);
    expect(trainable(llama, { kind: 'vera', rank: 256, targets: 'qv' }).trainableParams).toBe(129_024);
    expect(trainable(llama, { kind: 'loha', rank: 32, targets: 'qv' }).trainableParams).toBe(18_350_080);
    expect(trainable(llama, { kind: 'lora_fa', rank: 32, targets: 'qv' }).trainableParams).toBe(3_670_016);
    expect(trainable(llama, { kind: 'ln_tuning' }).trainableParams).toBe(175_104);
    expect(trainable(llama, { kind: 'p_tuning', virtualTokens: 20 }).trainableParams).toBe(28_382_208);
    expect(trainable(llama, { kind: 'adaption_prompt', virtualTokens: 100 }).trainableParams).toBe(8_601_628);
    expect(trainable(llama, { kind: 'lora', rank: 32, targets: 'qv' }).totalParams).toBe(3_221_924_864);
  });

  it('other published print_trainable_parameters outputs', () => {
    const qwen3b = generic({
      modelType: 'qwen2',
      hiddenSize: 2048,
      numLayers: 36,
      numHeads: 16,
      numKvHeads: 2,
      headDim: 128,
      intermediateSize: 11008,
      vocabSize: 151936,
      tieWordEmbeddings: true,
      linearBias: 'qkv',
    });
    const q = trainable(qwen3b, { kind: 'lora', rank: 16, targets: 'qv' });
    expect([q.trainableParams, q.totalParams]).toEqual([3_686_400, 3_089_625_088]);
    const l1 = trainable(spec('Llama-3.2-1B'), { kind: 'lora', rank: 8, targets: 'custom', customModules: ['q_proj'] });
    expect([l1.trainableParams, l1.totalParams]).toEqual([524_288, 1_236_338_688]);
    const llama2 = generic({
      modelType: 'llama',
      hiddenSize: 4096,
      numLayers: 32,
      numHeads: 32,
      numKvHeads: 32,
      headDim: 128,
      intermediateSize: 11008,
      vocabSize: 32000,
    });
    const l2 = trainable(llama2, { kind: 'lora', rank: 8, targets: 'qv' });
    expect([l2.trainableParams, l2.totalParams]).toEqual([4_194_304, 6_742_609_920]);
    const bloom = generic({ hiddenSize: 1024, numLayers: 24, numHeads: 16, numKvHeads: 16, headDim: 64 });
    expect(trainable(bloom, { kind: 'prompt_tuning', virtualTokens: 8 }).trainableParams).toBe(8192);
    expect(trainable(bloom, { kind: 'prefix_tuning', virtualTokens: 20 }).trainableParams).toBe(983_040);
  });

  it('q+v on a fused model adapts the fused qkv_proj and says so', () => {
    const p = trainable(spec('Phi-3-mini-4k-instruct'), { kind: 'lora', rank: 8, targets: 'qv' });
    expect(p.adapted.map((a) => a.module.name)).toEqual(['qkv_proj']);
    expect(p.trainableParams).toBe(32 * 8 * (3072 + 9216));
    expect(p.notes[0]).toMatch(/fuses q, k and v/);
  });

  it('a custom list with no module of this model is an error naming the field', () => {
    expect(() =>
      trainable(spec('Llama-3.2-3B'), { kind: 'lora', targets: 'custom', customModules: ['qkv_proj'] }),
    ).toThrow(/techniques\[0\]\.customModules: none of qkv_proj exists/);
  });
});

// Measured on the real classes (transformers 5.24, peft 0.21.2, meta device): tests/python/test_param_counts.py.
describe('LayerNorm tuning and LLaMA-Adapter follow what PEFT builds', () => {
  it('LN tuning adds a trainable copy of each norm beside the frozen one (PEFT LNTuningLayer deep-copies it)', () => {
    const llama = spec('Llama-3.2-3B');
    const p = trainable(llama, { kind: 'ln_tuning' });
    const base = describeArchitecture(llama).totalParams;
    expect(p.trainableParams).toBe(175_104);
    expect(p.addedParams).toBe(175_104);
    expect(p.totalParams).toBe(base + 175_104);
    expect(p.frozenBaseParams).toBe(base);
  });

  it("LN tuning on Qwen2 trains only post_attention_layernorm, PEFT's default target for qwen2", () => {
    const qwen = spec('Qwen2.5-0.5B');
    const p = trainable(qwen, { kind: 'ln_tuning' });
    expect(p.trainableParams).toBe(24 * 896);
    expect(p.notes.join(' ')).toMatch(/post_attention_layernorm/);
  });

  it('LN tuning on a model type PEFT has no default targets for says which to pass', () => {
    const p = trainable(spec('Phi-3-mini-4k-instruct'), { kind: 'ln_tuning' });
    expect(p.trainableParams).toBe(32 * 2 * 3072 + 3072);
    expect(p.notes.join(' ')).toMatch(/no default LN-tuning targets for phi3.*target_modules/);
  });

  it('LLaMA-Adapter on a model type PEFT does not support says so', () => {
    expect(trainable(spec('Llama-3.2-3B'), { kind: 'adaption_prompt' }).notes).toEqual([]);
    expect(trainable(spec('gemma-2-2b'), { kind: 'adaption_prompt' }).notes.join(' ')).toMatch(
      /only llama, mistral and gpt2.*gemma2/,
    );
  });
});
