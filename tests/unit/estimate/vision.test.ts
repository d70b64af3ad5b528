/**
 * Issue 16: vision-language models read with their vision tower and projector. Exact counts for every layout
 * against the real transformers classes are in tests/python/test_param_counts.py (test_vision_language_params);
 * here: the published llava-1.5-7b-hf file with the formula written out, frozen-tower accounting, properties,
 * and the refusals.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigImportError, readHfConfig } from '../../../shared/catalog/hf-config';
import { TechniqueSchema } from '../../../shared/domain/plan';
import { describeArchitecture } from '../../../shared/estimate/architecture';
import { techniqueParams } from '../../../shared/estimate/techniques';

const fixture = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/configs/vision', name), 'utf8')) as Record<
    string,
    unknown
  >;

const refusal = (config: unknown): string => {
  try {
    readHfConfig(config);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigImportError);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('llava-hf/llava-1.5-7b-hf (CLIP ViT-L/14-336, two-layer projector, Vicuna-7B)', () => {
  const reading = readHfConfig(fixture('llava-1.5-7b-hf-config.json'));
  const arch = describeArchitecture(reading.spec);
  // CLIPVisionModel: class token H, patch Conv2d 3·14²·H (no bias), 577 positions, pre/post LayerNorm, 24 layers of
  // q/k/v/out (H² + H each), fc1/fc2 (H·I + I, I·H + H), two LayerNorms.
  const H = 1024;
  const I = 4096;
  const tower = H + 3 * 14 * 14 * H + 577 * H + 2 * (2 * H) + 24 * (4 * (H * H + H) + H * I + I + I * H + H + 4 * H);
  // LlavaMultiModalProjector: linear_1 (1024 → 4096) and linear_2 (4096 → 4096), both biased.
  const h = 4096;
  const projector = H * h + h + h * h + h;
  // Llama-7B defaults (LlamaConfig) with vocab 32064: embeddings, untied head, 32 layers, final norm.
  const V = 32064;
  const lm = 2 * V * h + 32 * (4 * h * h + 3 * h * 11008 + 2 * h) + h;

  it('reads the text_config with LlamaConfig defaults and names the defaulted keys', () => {
    expect(reading.spec).toMatchObject({ modelType: 'llama', hiddenSize: h, numLayers: 32, vocabSize: V });
    expect(reading.spec.vision).toMatchObject({
      modelType: 'llava',
      tower: 'clip',
      hiddenSize: H,
      numLayers: 24,
      imageSize: 336,
      patchSize: 14,
      imageTokensPerImage: 576,
      freezeTower: true,
    });
    expect(reading.warnings.join(' ')).toMatch(/text_config leaves out .*hidden_size = 4096/);
  });

  it('counts 7.06 B parameters exactly (the Hub model page says 7.06B)', () => {
    expect(arch.vision).toEqual({ towerParams: tower, projectorParams: projector, languageExtraParams: 0 });
    expect(arch.totalParams).toBe(lm + tower + projector);
    expect(arch.totalParams).toBe(7_063_427_072);
    expect(arch.activeParams).toBe(arch.totalParams);
  });

  it('keeps the vision tower frozen: full fine-tuning trains the rest, LoRA leaves every base weight frozen', () => {
    const full = techniqueParams(arch, TechniqueSchema.parse({ kind: 'full' }));
    expect(full.trainableParams).toBe(arch.totalParams - tower);
    expect(full.frozenBaseParams).toBe(tower);
    const lora = techniqueParams(arch, TechniqueSchema.parse({ kind: 'lora' }));
    expect(lora.frozenBaseParams).toBe(arch.totalParams);
    // LoRA adapts the language model's 32 layers only (the tower's q_proj/v_proj are not counted).
    expect(lora.adapted.every((a) => a.layers === 32)).toBe(true);
    expect(reading.warnings.join(' ')).toMatch(/target the language model by a regex/);
  });

  it('a deeper or wider tower adds exactly one layer / the width terms (property)', () => {
    const deeper = readHfConfig({
      ...fixture('llava-1.5-7b-hf-config.json'),
      vision_config: { ...(fixture('llava-1.5-7b-hf-config.json').vision_config as object), num_hidden_layers: 25 },
    });
    const layer = 4 * (H * H + H) + 2 * H * I + I + H + 4 * H;
    expect(describeArchitecture(deeper.spec).totalParams - arch.totalParams).toBe(layer);
    const twoFeatureLayers = readHfConfig({
      ...fixture('llava-1.5-7b-hf-config.json'),
      vision_feature_layer: [-2, -1],
    });
    expect(describeArchitecture(twoFeatureLayers.spec).totalParams - arch.totalParams).toBe(H * h);
  });
});

describe('other vision-language layouts read from their own nesting', () => {
  it('Qwen2-VL flat file: text keys at the top level, merger counted as the projector', () => {
    const r = readHfConfig({
      model_type: 'qwen2_vl',
      hidden_size: 64,
      intermediate_size: 96,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      vocab_size: 1000,
      tie_word_embeddings: true,
      vision_config: { depth: 2, embed_dim: 48, hidden_size: 64, mlp_ratio: 4, num_heads: 4, patch_size: 4 },
    });
    expect(r.spec).toMatchObject({ modelType: 'qwen2', linearBias: 'qkv', tieWordEmbeddings: true });
    const v = describeArchitecture(r.spec).vision!;
    // PatchMerger: ln_q LayerNorm(48), Linear(48·4 → 48·4), Linear(48·4 → 64), biased.
    const K = 48 * 4;
    expect(v.projectorParams).toBe(2 * 48 + K * K + K + K * 64 + 64);
    // Conv3d 3·2·4²·48 + 2 blocks of (2 LayerNorms, qkv + proj, fc1/fc2 with width 192).
    const block = 4 * 48 + 3 * 48 * 48 + 3 * 48 + 48 * 48 + 48 + 2 * 48 * 192 + 192 + 48;
    expect(v.towerParams).toBe(3 * 2 * 16 * 48 + 2 * block);
  });

  it('mllama: cross-attention layers add q/k norms and two gates each, and 8 embedding rows', () => {
    const r = readHfConfig({
      model_type: 'mllama',
      text_config: {
        hidden_size: 64,
        intermediate_size: 96,
        num_hidden_layers: 4,
        num_attention_heads: 4,
        num_key_value_heads: 2,
        vocab_size: 1000,
        cross_attention_layers: [1, 3],
      },
      vision_config: {},
    });
    expect(r.spec.vision).toMatchObject({ modelType: 'mllama', crossAttentionLayers: 2, extraEmbeddings: 8 });
    const a = describeArchitecture(r.spec);
    expect(a.vision!.languageExtraParams).toBe(2 * (2 * 16 + 2));
    expect(a.embeddingParams).toBe(1008 * 64);
    expect(r.warnings.join(' ')).toMatch(/vision_config leaves out .*hidden_size = 1280/);
  });
});

describe('microsoft/Phi-3.5-vision-instruct (Hub phi3_v: CLIP ViT-L/14-336, HD crops, Phi-3-mini)', () => {
  // The Hub config.json (tests/fixtures/configs/README.md, remote-vision/): Phi3VConfig's text keys at the top level,
  // img_processor and embd_layer for the image side.
  const config = JSON.parse(
    fs.readFileSync(
      path.join(__dirname, '../../fixtures/configs/remote-vision/phi-3.5-vision-instruct-config.json'),
      'utf8',
    ),
  ) as Record<string, unknown>;
  const reading = readHfConfig(config);
  const arch = describeArchitecture(reading.spec);
  // Hub modeling_phi3_v.py (the copy cited in shared/catalog/hf-config.ts PHI3V_CLIP): CLIPVisionModel built whole
  // from CLIP_VIT_LARGE_PATCH14_336_CONFIG — class token, patch Conv2d 3·14²·1024 (no bias), 577 positions,
  // pre/post LayerNorm, 24 layers (q/k/v/out H² + H each, fc1/fc2, two LayerNorms).
  const H = 1024;
  const I = 4096;
  const tower = H + 3 * 14 * 14 * H + 577 * H + 2 * (2 * H) + 24 * (4 * (H * H + H) + H * I + I + I * H + H + 4 * H);
  // glb_GN and sub_GN (4·1024 each), img_projection Linear(4096 → 3072), GELU, Linear(3072 → 3072), biased.
  const h = 3072;
  const K = 4 * H;
  const projector = 2 * K + K * h + h + h * h + h;
  // Phi-3-mini: embed_tokens and an untied lm_head (32064 × 3072), 32 layers of qkv_proj (3·3072 wide: 32 kv heads),
  // o_proj, gate_up_proj (2·8192), down_proj and two RMSNorms, the final norm.
  const V = 32064;
  const lm = 2 * V * h + 32 * (h * 3 * h + h * h + h * 2 * 8192 + 8192 * h + 2 * h) + h;

  it('reads the text keys as Phi-3 (fused qkv and gate_up) and the image side from img_processor / embd_layer', () => {
    expect(reading.spec).toMatchObject({
      modelType: 'phi3',
      hiddenSize: h,
      numLayers: 32,
      vocabSize: V,
      fusedQkv: true,
      fusedGateUp: true,
      tieWordEmbeddings: false,
    });
    expect(reading.spec.vision).toMatchObject({
      modelType: 'phi3_v',
      tower: 'clip',
      hiddenSize: H,
      numLayers: 24,
      imageSize: 336,
      patchSize: 14,
      projector: 'phi3_v',
      projectorInSize: K,
      projectorOutSize: h,
      maxNumTiles: 4,
      imageTokensPerImage: null,
      freezeTower: true,
    });
    expect(reading.warnings.join(' ')).toMatch(/num_crops, which config.json does not hold: planned with 4/);
    expect(reading.warnings.join(' ')).toMatch(/builds that CLIP tower from its own fixed config/);
  });

  it('counts 4,146,621,440 parameters exactly (model card: "4.2B parameters"; Hub page: 4.15B)', () => {
    expect(tower).toBe(303_507_456);
    expect(projector).toBe(22_034_432);
    expect(lm).toBe(3_821_079_552); // the catalog's Phi-3.5-mini-instruct: the same language model
    expect(arch.vision).toEqual({ towerParams: tower, projectorParams: projector, languageExtraParams: 0 });
    expect(arch.totalParams).toBe(lm + tower + projector);
    expect(arch.totalParams).toBe(4_146_621_440);
    expect(Math.round(arch.totalParams / 1e7) / 100).toBe(4.15);
  });

  it('full fine-tuning trains all but the CLIP tower; LoRA adapts the 32 Phi-3 layers only', () => {
    const full = techniqueParams(arch, TechniqueSchema.parse({ kind: 'full' }));
    expect(full.trainableParams).toBe(arch.totalParams - tower);
    const lora = techniqueParams(arch, TechniqueSchema.parse({ kind: 'lora' }));
    expect(lora.frozenBaseParams).toBe(arch.totalParams);
    expect(lora.adapted.every((a) => a.layers === 32)).toBe(true);
  });

  it('refuses a layout the Hub code does not build, naming the field', () => {
    const embd = config.embd_layer as Record<string, unknown>;
    const img = config.img_processor as Record<string, unknown>;
    expect(refusal({ ...config, embd_layer: { ...embd, projection_cls: 'linear' } })).toMatch(
      /embd_layer.projection_cls is "linear".*has "mlp".*Set embd_layer.projection_cls to "mlp"/,
    );
    expect(refusal({ ...config, img_processor: { ...img, image_dim_out: 768 } })).toMatch(
      /img_processor.image_dim_out is 768.*1024-wide CLIP features/,
    );
    expect(refusal({ ...config, img_processor: { ...img, model_name: 'openai/clip-vit-base-patch16' } })).toMatch(
      /img_processor.model_name is "openai\/clip-vit-base-patch16"/,
    );
    expect(refusal({ ...config, embd_layer: { ...embd, hd_transform_order: 'glb_sub' } })).toMatch(
      /embd_layer.hd_transform_order.*hd_feature_transform asserts it/,
    );
    const noEmbd: Record<string, unknown> = { ...config };
    delete noEmbd.embd_layer;
    expect(refusal(noEmbd)).toMatch(/without an embd_layer object builds no image embedding.*"phi3"/);
  });
});

describe('refusals name the field and what to do', () => {
  it('phi4mm: Hub-only vision and audio code, with the text-only way out', () => {
    const msg = refusal({ model_type: 'phi4mm', embd_layer: { embedding_cls: 'image_audio' }, hidden_size: 3072 });
    expect(msg).toMatch(/exists only as Hub modelling code/);
    expect(msg).toMatch(/save its text_config .*as its own config.json/);
  });

  it('a llava tower type it has no layout for, and a bad vision_config value', () => {
    expect(refusal({ model_type: 'llava', vision_config: { model_type: 'dinov2' } })).toMatch(
      /vision_config.model_type is "dinov2"/,
    );
    expect(refusal({ model_type: 'gemma3', vision_config: { hidden_size: 'big' } })).toMatch(
      /vision_config.hidden_size must be a positive whole number \(it is "big"\)/,
    );
    expect(refusal({ model_type: 'llava', text_config: { model_type: 't5' } })).toMatch(
      /text_config with model_type "t5"/,
    );
  });
});

describe('export', () => {
  it('says plainly that vision-language exports are not written yet', async () => {
    const { exportSupport } = await import('../../../shared/domain/export-support');
    const s = exportSupport(readHfConfig(fixture('llava-1.5-7b-hf-config.json'), 'LLaVA').spec);
    expect(s).toMatchObject({ supported: false, modelClass: null });
    expect(s.notes.join(' ')).toMatch(/Vision-language models need the model's processor/);
  });
});
