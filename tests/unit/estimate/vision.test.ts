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

describe('refusals name the field and what to do', () => {
  it('phi3_v and phi4mm: Hub-only vision code, with the text-only way out', () => {
    for (const t of ['phi3_v', 'phi4mm']) {
      const msg = refusal({ model_type: t, embd_layer: { embedding_cls: 'image' }, hidden_size: 3072 });
      expect(msg).toMatch(/exists only as Hub modelling code/);
      expect(msg).toMatch(/save its text_config .*as its own config.json/);
    }
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
