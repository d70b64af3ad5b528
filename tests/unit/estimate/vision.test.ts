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
    expect(arch.vision).toEqual({
      towerParams: tower,
      audioParams: 0,
      projectorParams: projector,
      languageExtraParams: 0,
    });
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
    expect(arch.vision).toEqual({
      towerParams: tower,
      audioParams: 0,
      projectorParams: projector,
      languageExtraParams: 0,
    });
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

describe('Phi-4-multimodal-instruct (phi4mm → phi4_multimodal: SigLIP, audio encoder, Phi-4-mini)', () => {
  // The Hub phi4mm config.json as TensorRT-LLM's test copies it (tests/fixtures/configs/README.md, remote-vision/): 2
  // decoder layers and 2 audio blocks (its comments: "original: 32", "original: 24"), every other key the Hub file's.
  const hub = JSON.parse(
    fs.readFileSync(
      path.join(__dirname, '../../fixtures/configs/remote-vision/phi-4-multimodal-instruct-trtllm-config.json'),
      'utf8',
    ),
  ) as Record<string, unknown>;
  const audioCfg = (hub.audio_processor as { config: Record<string, unknown> }).config;
  const full = {
    ...hub,
    num_hidden_layers: 32,
    audio_processor: { name: 'cascades', config: { ...audioCfg, num_blocks: 24 } },
  };
  // modeling_phi4_multimodal.py Phi4MultimodalVisionModel (lines 387-398) from Phi4MultimodalVisionConfig's defaults:
  // patch Conv2d 3·14²·H + H, 1024 positions, 27 layers (q/k/v/out and fc1/fc2 biased, two LayerNorms), post_layernorm,
  // the pooling head (probe, MultiheadAttention in/out projections, LayerNorm, MLP).
  const H = 1152;
  const I = 4304;
  const layer = 4 * (H * H + H) + H * I + I + I * H + H + 4 * H;
  const head = H + (3 * H * H + 3 * H) + (H * H + H) + 2 * H + (H * I + I + I * H + H);
  const tower = 3 * 14 * 14 * H + H + 1024 * H + 27 * layer + 2 * H + head;
  // Phi4MultimodalImageEmbedding (lines 473-477): img_projection_up (1152 → 3072), _down (3072 → 3072), biased; the
  // global and sub-image separators, 1152 each.
  const h = 3072;
  const projector = H * h + h + h * h + h + 2 * H;
  // Phi4MultimodalAudioEmbedding (lines 1044-1059) for the Hub audio_processor.config (attention_dim 1024, 16 heads,
  // linear_units 1536, 1024 conv channels, time_reduction 8, t5_bias_max_distance 500): NeMo subsampling (Conv2d 1 → C,
  // two depthwise + pointwise pairs, out Linear(C·10 → A)), the relative bias Embedding(1000, 16), per block two
  // feed-forwards, q/k/v/o, the conv module and two LayerNorms, then four projections into the language model.
  const A = 1024;
  const AI = 1536;
  const C = 1024;
  const subsampling = 10 * C + 2 * (10 * C + C * C + C) + C * 10 * A + A;
  const ffn = 2 * A + A * 2 * AI + 2 * AI + AI * A + A;
  const conv = 2 * A + (A * 2 * A + 2 * A) + 2 * A + (A * 3 + A) + (A * A + A) + (A * A + A);
  const block = 2 * ffn + 4 * (A * A + A) + conv + 4 * A;
  const audio = (blocks: number) => subsampling + 1000 * 16 + blocks * block + 2 * (A * h + h) + 2 * (h * h + h);
  // Phi-4-mini: 200064 × 3072 embedding tied to the head, layers of qkv_proj (24 + 2·8 heads of 128), o_proj,
  // gate_up_proj (2·8192), down_proj and two RMSNorms, the final norm.
  const V = 200064;
  const lm = (layers: number) => V * h + layers * (h * 40 * 128 + h * h + h * 2 * 8192 + 8192 * h + 2 * h) + h;

  it('reads the Hub file via the conversion script: Phi-3-shaped text, native SigLIP tower, audio encoder', () => {
    const reading = readHfConfig(hub);
    expect(reading.rawModelType).toBe('phi4mm');
    expect(reading.spec).toMatchObject({
      modelType: 'phi3',
      hiddenSize: h,
      numLayers: 2,
      numHeads: 24,
      numKvHeads: 8,
      headDim: 128,
      vocabSize: V,
      fusedQkv: true,
      fusedGateUp: true,
      tieWordEmbeddings: true,
      linearBias: 'none',
      lmHeadBias: false,
    });
    expect(reading.spec.vision).toMatchObject({
      modelType: 'phi4_multimodal',
      tower: 'siglip',
      hiddenSize: H,
      intermediateSize: I,
      numLayers: 27,
      imageSize: 448,
      patchSize: 14,
      poolingHead: true,
      projector: 'phi4_multimodal',
      projectorInSize: H,
      projectorOutSize: h,
      maxNumTiles: 36,
      audioParams: audio(2),
      freezeTower: true,
    });
    const warnings = reading.warnings.join(' ');
    expect(warnings).toMatch(/read as the native phi4_multimodal config .*convert_phi4_multimodal_weights_to_hf.py/);
    expect(warnings).toMatch(/vision_lora and speech_lora weights are not counted: .*PEFT adapters/);
    expect(warnings).toMatch(/audio encoder and its projections \(73.5 M parameters\) are counted as frozen weights/);
    expect(warnings).toMatch(/dynamic_hd, which config.json does not hold: planned with 36/);
  });

  it('counts 1,331,016,512 (the copy) and 4,743,988,032 (32 layers, 24 blocks): the Hub 5.57B less LoRA', () => {
    expect(tower).toBe(428_565_440);
    expect(projector).toBe(12_984_576);
    expect(audio(2)).toBe(73_527_936);
    expect(audio(24)).toBe(466_416_256);
    const small = describeArchitecture(readHfConfig(hub).spec);
    expect(small.vision).toEqual({
      towerParams: tower + audio(2),
      audioParams: audio(2),
      projectorParams: projector,
      languageExtraParams: 0,
    });
    expect(small.totalParams).toBe(lm(2) + tower + audio(2) + projector);
    expect(small.totalParams).toBe(1_331_016_512);
    const big = describeArchitecture(readHfConfig(full).spec);
    expect(big.totalParams).toBe(lm(32) + tower + audio(24) + projector);
    expect(big.totalParams).toBe(4_743_988_032);
    // The checkpoint's adapters (the conversion script's LoraConfig: r 256 and 320 on qkv_proj, o_proj, gate_up_proj
    // and down_proj of the 32 layers) make up the rest of the Hub page's 5.57B.
    const perRank = 32 * (h + 5120 + (h + h) + (h + 2 * 8192) + (8192 + h));
    expect(Math.round((big.totalParams + (256 + 320) * perRank) / 1e7) / 100).toBe(5.57);
  });

  it('full fine-tuning freezes the SigLIP tower and the audio encoder; LoRA adapts the decoder layers only', () => {
    const arch = describeArchitecture(readHfConfig(full).spec);
    const fullFt = techniqueParams(arch, TechniqueSchema.parse({ kind: 'full' }));
    expect(fullFt.trainableParams).toBe(arch.totalParams - tower - audio(24));
    const lora = techniqueParams(arch, TechniqueSchema.parse({ kind: 'lora' }));
    expect(lora.adapted.every((a) => a.layers === 32)).toBe(true);
    // With the tower trained, the audio encoder still stays frozen: only image inputs are planned.
    const spec = readHfConfig(full).spec;
    const trained = describeArchitecture({ ...spec, vision: { ...spec.vision!, freezeTower: false } });
    const towerToo = techniqueParams(trained, TechniqueSchema.parse({ kind: 'full' }));
    expect(towerToo.frozenBaseParams).toBe(audio(24));
    expect(towerToo.trainableParams).toBe(arch.totalParams - audio(24));
    // Each is named for what it is: the audio encoder alone, or the tower and the encoder together.
    expect(towerToo.notes.join(' ')).toMatch(/^The audio encoder's [\d,]+ parameters are frozen/);
    expect(fullFt.notes.join(' ')).toMatch(/^The vision tower and audio encoder's [\d,]+ parameters are frozen/);
  });

  it('a native phi4_multimodal config.json reads the same model', () => {
    // What the conversion writes: the text keys, vision_config {crop_size}, audio_config renamed.
    const native = {
      ...Object.fromEntries(
        Object.entries(full).filter(
          ([k]) => !['embd_layer', 'audio_processor', 'auto_map', 'architectures'].includes(k),
        ),
      ),
      model_type: 'phi4_multimodal',
      vision_config: { crop_size: 448 },
      audio_config: {
        hidden_size: 1024,
        num_attention_heads: 16,
        intermediate_size: 1536,
        num_blocks: 24,
        nemo_conv_channels: 1024,
        bias_max_distance: 500,
        downsample_rate: 1,
      },
    };
    const arch = describeArchitecture(readHfConfig(native).spec);
    expect(arch.totalParams).toBe(4_743_988_032);
    // Phi4MultimodalConfig's own defaults: 32 heads (not the checkpoint's 24), untied head, bias_max_distance 1000.
    const defaults = describeArchitecture(readHfConfig({ model_type: 'phi4_multimodal' }).spec);
    expect(defaults.spec).toMatchObject({ numHeads: 32, numKvHeads: 8, tieWordEmbeddings: false, vocabSize: V });
    // Embedding(2 · 1000, 16) for the default bias_max_distance, not Embedding(2 · 500, 16).
    expect(defaults.vision!.audioParams).toBe(audio(24) + 1000 * 16);
  });

  it('refuses a phi4mm layout the native classes do not build, naming the field', () => {
    const embd = hub.embd_layer as Record<string, Record<string, unknown>>;
    expect(
      refusal({
        ...hub,
        embd_layer: { ...embd, image_embd_layer: { ...embd.image_embd_layer, projection_cls: 'linear' } },
      }),
    ).toMatch(/embd_layer.image_embd_layer.projection_cls is "linear".*build only "mlp"/);
    expect(
      refusal({
        ...hub,
        audio_processor: { name: 'cascades', config: { ...audioCfg, depthwise_seperable_out_channel: 512 } },
      }),
    ).toMatch(/audio_processor.config.depthwise_seperable_out_channel is 512/);
    const noAudio: Record<string, unknown> = { ...hub };
    delete noAudio.audio_processor;
    expect(refusal(noAudio)).toMatch(/needs audio_processor \(an object\)/);
    expect(refusal({ model_type: 'phi4_multimodal', audio_config: { time_reduction: 3 } })).toMatch(
      /time_reduction is 3; transformers requires a multiple of 2/,
    );
  });
});

describe('refusals name the field and what to do', () => {
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
