/**
 * Issue 16: images in a vision-language plan — tokens per image from each model's processor (vision.ts), and what
 * images per example add to memory and time. Qwen2-VL's smart_resize and Idefics3's tiling are checked against
 * transformers' own functions: tests/fixtures/vision/image-tokens.json is written and verified by
 * tests/python/test_image_tokens.py.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHfConfig } from '../../../shared/catalog/hf-config';
import type { ModelSpec } from '../../../shared/domain/model-spec';
import { PlanSchema, type PlanInput } from '../../../shared/domain/plan';
import { describeArchitecture } from '../../../shared/estimate/architecture';
import { estimatePlan } from '../../../shared/estimate/estimate';
import {
  idefics3Tiles,
  imageTokens,
  phi3vHdSize,
  phi4Crops,
  qwenSmartResize,
  visionFlopsPerSequence,
  imageLoad,
} from '../../../shared/estimate/vision';

const fixtures = path.join(__dirname, '../../fixtures');
const llava = readHfConfig(
  JSON.parse(fs.readFileSync(path.join(fixtures, 'configs/vision/llava-1.5-7b-hf-config.json'), 'utf8')),
).spec;
const table = JSON.parse(fs.readFileSync(path.join(fixtures, 'vision/image-tokens.json'), 'utf8')) as {
  qwen2_vl: Array<{ width: number; height: number; resizedWidth: number; resizedHeight: number; tokens: number }>;
  idefics3: Array<{ width: number; height: number; tiles: number; rows: number; cols: number }>;
  phi4_multimodal: Array<{
    width: number;
    height: number;
    dynamicHd: number;
    resizedWidth: number;
    resizedHeight: number;
    crops: number;
    tokens: number;
  }>;
  phi3_v: Array<{
    width: number;
    height: number;
    numCrops: number;
    resizedWidth: number;
    resizedHeight: number;
    tokens: number;
  }>;
};

// Test inputs (the shapes under test, not catalog claims): a Gemma 3 tower at 896 px / 14, an Idefics3 tower at
// 364 px / 14 with scale_factor 2 (Idefics3ProcessorKwargs' image_seq_len 169 is this count), a Qwen2-VL text model.
const gemma3 = readHfConfig({
  model_type: 'gemma3',
  mm_tokens_per_image: 256,
  vision_config: { image_size: 896, patch_size: 14, hidden_size: 1152, intermediate_size: 4304 },
}).spec;
const idefics3 = readHfConfig({
  model_type: 'idefics3',
  scale_factor: 2,
  vision_config: { image_size: 364, patch_size: 14, hidden_size: 1152, intermediate_size: 4304 },
}).spec;
const qwen2vl = readHfConfig({
  model_type: 'qwen2_vl',
  hidden_size: 3584,
  intermediate_size: 18944,
  num_hidden_layers: 28,
  num_attention_heads: 28,
  num_key_value_heads: 4,
  vocab_size: 152064,
  max_position_embeddings: 32768,
}).spec;
const mllama = readHfConfig({ model_type: 'mllama' }).spec;

const phi3v = readHfConfig(
  JSON.parse(fs.readFileSync(path.join(fixtures, 'configs/remote-vision/phi-3.5-vision-instruct-config.json'), 'utf8')),
).spec;

// The Hub phi4mm config.json as TensorRT-LLM's test copies it (tests/fixtures/configs/README.md, remote-vision/).
const phi4 = readHfConfig(
  JSON.parse(
    fs.readFileSync(path.join(fixtures, 'configs/remote-vision/phi-4-multimodal-instruct-trtllm-config.json'), 'utf8'),
  ),
).spec;

describe('image tokens per image (the processors of transformers 5.24)', () => {
  it("Phi-4-multimodal: the processor's crops and num_img_tokens for every row (dynamic_hd 36, 16, 4)", () => {
    expect(table.phi4_multimodal.length).toBeGreaterThan(40);
    // Rows past dynamic_hd, where the closest-aspect-ratio grid (and its tie rule for squares) decides.
    expect(table.phi4_multimodal.some((r) => Math.ceil(r.width / 448) * Math.ceil(r.height / 448) > r.dynamicHd)).toBe(
      true,
    );
    for (const row of table.phi4_multimodal) {
      const r = phi4Crops(row.width, row.height, row.dynamicHd);
      expect({ ...r, crops: r.cols * r.rows + 1 }).toMatchObject({
        width: row.resizedWidth,
        height: row.resizedHeight,
        crops: row.crops,
        tokens: row.tokens,
      });
      const t = imageTokens({ ...phi4.vision!, maxNumTiles: row.dynamicHd }, row.width, row.height);
      expect(t.lmTokens).toBe(row.tokens);
      // The tower runs over the global view and every crop, (448 / 14)² = 1024 patches each (no class token).
      expect(t).toMatchObject({ towerTokens: row.crops * 1024, attentionGroups: row.crops, groupTokens: 1024 });
    }
    // 1024 × 1024: 3 × 3 crops, nothing padded: 256 + 1 + 48 · 48 + 48 + 16.
    expect(imageTokens(phi4.vision!, 1024, 1024).lmTokens).toBe(256 + 1 + 48 * 48 + 48 + 16);
    // No size in the plan: the largest square dynamic_hd 36 allows, 6 × 6 crops of 448 px.
    expect(imageTokens(phi4.vision!).lmTokens).toBe(256 + 1 + 96 * 96 + 96 + 16);
  });

  it("Phi-3.5-vision: the Hub processor's HD size and tokens for every size in the table (num_crops 4, 16)", () => {
    expect(table.phi3_v.length).toBeGreaterThan(10);
    for (const row of table.phi3_v) {
      expect(phi3vHdSize(row.width, row.height, row.numCrops)).toEqual({
        width: row.resizedWidth,
        height: row.resizedHeight,
      });
      const t = imageTokens({ ...phi3v.vision!, maxNumTiles: row.numCrops }, row.width, row.height);
      expect(t.lmTokens).toBe(row.tokens);
      // The tower runs over the global view and num_crops crops (unused ones zero-padded), 577 tokens each.
      expect(t).toMatchObject({ towerTokens: (row.numCrops + 1) * 577, attentionGroups: row.numCrops + 1 });
    }
    // 640 × 480 at num_crops 16: 1344 × 1008 → 3 × 4 crops; (12 + 1) · 144 + 1 + (3 + 1) · 12 = 1921, the count vLLM's
    // tests/models/multimodal/processing/test_phi3v.py expects of its test image at num_crops 16 (757 at 4: 2 × 2).
    expect(imageTokens({ ...phi3v.vision!, maxNumTiles: 16 }, 640, 480).lmTokens).toBe(13 * 144 + 1 + 4 * 12);
    // No size in the plan: a square image, 2 × 2 crops at the default num_crops 4.
    expect(imageTokens(phi3v.vision!).lmTokens).toBe(5 * 144 + 1 + 3 * 12);
  });

  it('llava-1.5 at 336 px / 14: 576 image tokens; the CLIP tower runs over 577 (class token dropped after)', () => {
    const t = imageTokens(llava.vision!);
    expect(t.lmTokens).toBe((336 / 14) ** 2);
    expect(t.lmTokens).toBe(576);
    expect(t.towerTokens).toBe(577);
  });

  it('gemma3: mm_tokens_per_image 256, pooled from (896 / 14)² = 4096 tower patches', () => {
    const t = imageTokens(gemma3.vision!);
    expect(t).toMatchObject({ lmTokens: 256, towerTokens: 4096, projectorTokens: 256 });
  });

  it('mllama: one <|image|> token; 4 tiles × (32² + 1) = 4100 vision states, 4 × 1032 through the tower', () => {
    const t = imageTokens(mllama.vision!);
    expect(t).toMatchObject({ lmTokens: 1, crossTokens: 4 * 1025, towerTokens: 4 * 1032 });
  });

  it('idefics3: 169 tokens per tile; a square image is 4 × 4 tiles + the global view', () => {
    expect(imageTokens(idefics3.vision!).lmTokens).toBe(17 * 169);
    expect(imageTokens(idefics3.vision!, 640, 480).lmTokens).toBe(13 * 169);
    for (const { width, height, ...tiles } of table.idefics3) expect(idefics3Tiles(height, width, 364)).toEqual(tiles);
  });

  it("Qwen2-VL: smart_resize equals transformers' for every size in the table, tokens = patches / 2²", () => {
    for (const row of table.qwen2_vl) {
      const r = qwenSmartResize(row.height, row.width, 28);
      expect({ w: r.width, h: r.height }).toEqual({ w: row.resizedWidth, h: row.resizedHeight });
      expect(imageTokens(qwen2vl.vision!, row.width, row.height).lmTokens).toBe(row.tokens);
    }
    // Without an image size: the processor's largest image (max_pixels 28·28·1280) as a square.
    expect(imageTokens(qwen2vl.vision!).lmTokens).toBe(1225);
    expect(() => qwenSmartResize(10, 2500, 28)).toThrow(/aspect ratio/);
  });
});

const plan = (spec: ModelSpec, images: number, technique: PlanInput['techniques'], extra: Partial<PlanInput> = {}) =>
  PlanSchema.parse({
    name: 'vision',
    model: { source: 'custom', spec },
    techniques: technique,
    training: { microBatch: 2, seqLen: 2048 },
    data: { imagesPerExample: images, imageWidth: 640, imageHeight: 480 },
    hardware: { gpu: { source: 'catalog', id: 'a100-80gb-sxm' } },
    ...extra,
  });

describe('images per example in memory and time', () => {
  const unfrozen: ModelSpec = { ...qwen2vl, vision: { ...qwen2vl.vision!, freezeTower: false } };

  it('no images: the estimate is the text model’s (format-3 plans read as 0 images)', () => {
    const zero = estimatePlan(plan(qwen2vl, 0, [{ kind: 'lora' }])).techniques[0]!;
    expect(zero.explain.find((e) => e.key.startsWith('vision.'))).toBeUndefined();
  });

  it('memory and time grow with images per example (property), more when the tower trains', () => {
    for (const [spec, kind] of [
      [qwen2vl, 'full'],
      [unfrozen, 'full'],
      [llava, 'full'],
      [mllama, 'lora'],
    ] as const) {
      const runs = [0, 1, 2, 4].map((n) => estimatePlan(plan(spec, n, [{ kind }])).techniques[0]!);
      for (let i = 1; i < runs.length; i++) {
        expect(runs[i]!.memory.allocatedBytes).toBeGreaterThan(runs[i - 1]!.memory.allocatedBytes);
        expect(runs[i]!.stepSeconds).toBeGreaterThan(runs[i - 1]!.stepSeconds);
      }
    }
    const frozen = estimatePlan(plan(qwen2vl, 4, [{ kind: 'full' }])).techniques[0]!;
    const trained = estimatePlan(plan(unfrozen, 4, [{ kind: 'full' }])).techniques[0]!;
    expect(trained.memory.parts.activations).toBeGreaterThan(frozen.memory.parts.activations);
  });

  it('a frozen tower under LoRA saves nothing for backward and runs no backward: forward FLOPs only', () => {
    const arch = describeArchitecture(qwen2vl);
    const load = imageLoad(arch, { kind: 'lora' }, { imagesPerExample: 2, imageWidth: 640, imageHeight: 480 })!;
    expect(load).toMatchObject({ towerTrains: false, projectorTrains: false, imagesPerSequence: 2 });
    const f = visionFlopsPerSequence(arch, load, 2048, { kind: 'lora' }, { gradientCheckpointing: false });
    expect(f.total).toBe(f.towerForward + f.projectorForward);
    // Tower forward: 2·(layers·(4H² + 2HI) + C·t·p²·H)·patches + 4·layers·H·patches² (one attention group).
    const v = qwen2vl.vision!;
    const patches = 1564;
    const H = v.hiddenSize;
    const perToken = v.numLayers * (4 * H * H + 2 * H * v.intermediateSize) + 3 * 2 * 14 * 14 * H;
    expect(f.towerForward).toBe(2 * (2 * patches * perToken + 4 * v.numLayers * H * patches * patches));
    const lora = estimatePlan(plan(qwen2vl, 2, [{ kind: 'lora' }])).techniques[0]!;
    const line = lora.explain.find((e) => e.key === 'vision.activations')!;
    expect(line.value).toBe(0);
    expect(lora.explain.find((e) => e.key === 'vision.imageTokens')!.value).toBe(391);
  });

  it('says when the image tokens do not fit the sequence, and when the model has no vision tower', () => {
    const short = estimatePlan(plan(llava, 4, [{ kind: 'lora' }], { training: { seqLen: 2048 } })).techniques[0]!;
    expect(short.notes.join(' ')).toMatch(/2,304 tokens, not fewer than the sequence length 2,048/);
    const text = estimatePlan({
      ...plan(llava, 1, [{ kind: 'lora' }]),
      model: { source: 'catalog', id: 'Llama-3.2-3B' },
    }).techniques[0]!;
    expect(text.notes.join(' ')).toMatch(/ignored: .* has no vision tower/);
  });
});
