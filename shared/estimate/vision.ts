/**
 * Images in a vision-language plan (issue 16): how many tokens each image becomes, where they go, and what the vision
 * tower, the projector and (mllama) the cross-attention layers cost in memory and FLOPs.
 *
 * Tokens per image, each from the transformers 5.24 processor that builds the model's inputs:
 * - llava: (image_size / patch_size)² patches (+ CLIP's class token, dropped by vision_feature_select_strategy
 *   "default": models/llava/modeling_llava.py get_image_features `selected_image_feature[:, 1:]`); the
 *   processor expands each `<image>` into that many tokens. Computed in shared/catalog/hf-config.ts readVisionTower.
 * - gemma3: the SigLIP tower runs over (image_size / patch_size)² patches and Gemma3MultiModalProjector average-pools
 *   them to mm_tokens_per_image (models/gemma3/modeling_gemma3.py `avg_pool`); Gemma3Processor writes
 *   `\n\n<boi>` + image_token × image_seq_length + `<eoi>\n\n` (processing_gemma3.py full_image_sequence). Pan-and-scan
 *   crops (off by default) are not modelled.
 * - mllama: MllamaImageProcessor pads every image to max_image_tiles tiles; MllamaVisionModel runs each tile's
 *   (image_size / patch_size)² patches + a class token, padded to a multiple of 8 (modeling_mllama.py
 *   `num_padding_patches`), with attention across all tiles of an image; the cross-attention layers attend to
 *   tiles × (patches + 1) vision states. The text holds one `<|image|>` token per image.
 * - idefics3: Idefics3ImageProcessor resizes the longest edge to size.longest_edge (4 × 364 by default), splits the
 *   image into ceil(h / 364) × ceil(w / 364) tiles of max_image_size 364 plus one global view (1 tile when it is not
 *   larger than a tile: image_processing_idefics3.py get_number_of_image_patches); each tile is its own SigLIP image
 *   and becomes image_seq_len = (image_size / patch_size)² / scale_factor² tokens (processing_idefics3.py). The
 *   default sizes are 4 × and 1 × the tower's image_size (364 for Idefics3-8B, where they coincide).
 * - qwen2_vl / qwen2_5_vl: Qwen2VLImageProcessor smart_resize (image_processing_qwen2_vl.py) rounds height and width
 *   to multiples of patch_size × merge_size (Python round, half to even) and scales the image into
 *   [min_pixels, max_pixels] (defaults 56·56 and 28·28·1280); the tower runs over (h / p)·(w / p) patches, and
 *   Qwen2VLProcessor writes grid_thw.prod() / merge_size² `<|image_pad|>` tokens (processing_qwen2_vl.py
 *   replace_image_token).
 * - phi3_v (Hub-only code, microsoft/Phi-3.5-vision-instruct): Phi3VImageProcessor's HD transform
 *   (image_processing_phi3_v.py calc_hd_transform_size) scales the longer side to `scale` crops of 336 px, the
 *   largest scale with scale · ceil(scale / aspect) ≤ num_crops, and pads the shorter side to a multiple of 336; each
 *   crop's 24 × 24 CLIP patches are merged 2 × 2 into 12 × 12, every row ends in a sub_GN separator, and the global
 *   view (12 × 13) follows a glb_GN token: (h/336 · w/336 + 1) · 144 + 1 + (h/336 + 1) · 12 tokens
 *   (calc_num_image_tokens_from_image_size; modeling_phi3_v.py hd_feature_transform). The tower runs over the global
 *   view and num_crops crops, unused ones zero-padded (pad_to_max_num_crops_tensor), 577 tokens each (class token
 *   kept in the tower, dropped after). num_crops is a processor argument, not in config.json: the model card asks
 *   for 4 with several images or frames and 16 for one image; vLLM's tests/models/multimodal/processing/
 *   test_phi3v.py: "the default num_crops of phi-3.5-vision is 4".
 * - phi4_multimodal: Phi4MultimodalImageProcessor (transformers 5.24 models/phi4_multimodal/
 *   image_processing_phi4_multimodal.py) dynamic_preprocess (lines 79-137) cuts the image into ceil(w / 448) ×
 *   ceil(h / 448) crops of 448 px — or, past dynamic_hd crops (36 by default, a processor argument not in config.json),
 *   the columns × rows grid within dynamic_hd closest to the image's aspect ratio (find_closest_aspect_ratio, lines
 *   64-77) — resizes it to fit and pads the rest; its attention mask drops the padded patches. _preprocess (lines
 *   203-222) writes 256 + 1 + (kept 2 × 2-pooled patches) + (their rows, a sub-image separator each) + 16 image tokens
 *   (the 16 × 16 global view, its 16 separators, one global separator; modeling_phi4_multimodal.py
 *   Phi4MultimodalImageEmbedding.forward, lines 516-555). The tower runs over the global view and every crop,
 *   (image_size / patch_size)² patches each.
 *
 * The image tokens are positions of the language model's sequence: the processor expands them in input_ids before
 * truncation, so training.seqLen and the data's tokens per example already count them; the language model's memory
 * and FLOPs at that length cover them, and a sequence shorter than an example's image tokens cannot be trained
 * (transformers raises "Image features and image tokens do not match").
 *
 * What is saved for backward: transformers runs the tower without torch.no_grad, but when every tower parameter is
 * frozen and pixel_values do not require grad, no operation's output requires grad, so autograd records nothing and
 * saves no activation (PyTorch autograd mechanics, "Excluding subgraphs from backward": in a frozen base "no
 * intermediate buffers will be saved"). A frozen tower costs only its forward's working set, at the start of the
 * forward, and no backward. A trained tower (full fine-tuning with VisionSpec.freezeTower false) saves each layer's
 * tensors like a decoder layer (Korthikanti et al. 2022 §4, without dropout) and runs a backward; gradient
 * checkpointing keeps only layer inputs.
 */
import type { VisionSpec } from '../domain/model-spec';
import type { Data, Technique, Training } from '../domain/plan';
import type { Architecture } from './architecture';

/** Qwen2VLImageProcessor size defaults (transformers 5.24 image_processing_qwen2_vl.py shortest/longest_edge). */
export const QWEN_VL_MIN_PIXELS = 56 * 56;
export const QWEN_VL_MAX_PIXELS = 28 * 28 * 1280;
/** Idefics3ImageProcessor: size.longest_edge = 4 × max_image_size.longest_edge (4 × 364); MAX_IMAGE_SIZE 4096. */
export const IDEFICS3_LONGEST_EDGE_TILES = 4;
export const IDEFICS3_MAX_IMAGE_SIZE = 4096;

export interface ImageTokens {
  /** Tokens one image adds to the language model's sequence (its image tokens in input_ids). */
  lmTokens: number;
  /** Tokens the vision tower runs over for one image (patches, class tokens, tiles, padding). */
  towerTokens: number;
  /** The tower's attention groups per image and tokens per group (attention is within a group). */
  attentionGroups: number;
  groupTokens: number;
  /** Tokens the projector runs over for one image. */
  projectorTokens: number;
  /** mllama: vision states each cross-attention layer attends to per image (0 for the others). */
  crossTokens: number;
  /** The processed image size (Qwen smart_resize, Idefics3 resize), null when the model has a fixed input. */
  resized: { width: number; height: number } | null;
  /** How the count follows from the config and the plan, for explanations. */
  formula: string;
  substituted: string;
}

/** Python 3's round(): half to even. */
function pyRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** transformers models/qwen2_vl/image_processing_qwen2_vl.py smart_resize, line for line. */
export function qwenSmartResize(
  height: number,
  width: number,
  factor: number,
  minPixels = QWEN_VL_MIN_PIXELS,
  maxPixels = QWEN_VL_MAX_PIXELS,
): { height: number; width: number } {
  if (Math.max(height, width) / Math.min(height, width) > 200)
    throw new RangeError('absolute aspect ratio must be smaller than 200 (Qwen2VLImageProcessor smart_resize)');
  let h = pyRound(height / factor) * factor;
  let w = pyRound(width / factor) * factor;
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    h = Math.max(factor, Math.floor(height / beta / factor) * factor);
    w = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (h * w < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    h = Math.ceil((height * beta) / factor) * factor;
    w = Math.ceil((width * beta) / factor) * factor;
  }
  return { height: h, width: w };
}

/**
 * Phi3VImageProcessor's HD transform size (Hub microsoft/Phi-3.5-vision-instruct image_processing_phi3_v.py
 * calc_hd_transform_size and calc_padded_size, line for line): width × height → the padded size the crops are cut
 * from. `crop` is the CLIP input side (336).
 */
export function phi3vHdSize(
  width: number,
  height: number,
  numCrops: number,
  crop = 336,
): { width: number; height: number } {
  let w = width;
  let h = height;
  const transposed = w < h;
  if (transposed) [w, h] = [h, w];
  const ratio = w / h;
  let scale = 1;
  while (scale * Math.ceil(scale / ratio) <= numCrops) scale += 1;
  scale -= 1;
  const newWidth = Math.trunc(scale * crop);
  const newHeight = Math.trunc(newWidth / ratio);
  // calc_padded_size: the height padded (top and bottom) up to int(ceil(height / 336) * 336), the width unchanged.
  const paddedHeight = Math.ceil(newHeight / crop) * crop;
  return transposed ? { width: paddedHeight, height: newWidth } : { width: newWidth, height: paddedHeight };
}

/** Phi4MultimodalImageProcessor's default dynamic_hd (image_processing_phi4_multimodal.py line 48). */
export const PHI4_MULTIMODAL_DYNAMIC_HD = 36;

/**
 * Phi4MultimodalImageProcessor's crop grid and image tokens (transformers 5.24 image_processing_phi4_multimodal.py
 * find_closest_aspect_ratio and dynamic_preprocess, lines 64-137, and the count in _preprocess, lines 174-222, line
 * for line): width × height → the resized-and-padded size, the columns × rows of `size`-px crops, and the image
 * tokens. `patch` is the processor's patch_size (14), `size` its square size (448).
 */
export function phi4Crops(
  width: number,
  height: number,
  maxNum = PHI4_MULTIMODAL_DYNAMIC_HD,
  size = 448,
  patch = 14,
): { width: number; height: number; cols: number; rows: number; tokens: number } {
  const minNum = 1;
  const maskSize = Math.floor(size / patch);
  const wCropNum = Math.ceil(width / size);
  const hCropNum = Math.ceil(height / size);
  let ratio: [number, number];
  if (wCropNum * hCropNum > maxNum) {
    const aspect = width / height;
    // target_ratios: a set of (i, j) with min_num ≤ i·j ≤ max_num, sorted by i·j (a stable sort). Within one product
    // Python iterates the set in its own hash order, which only matters when two ratios of the same product are
    // exactly equally far from the aspect ratio; here they come i-major, j ascending.
    const seen = new Set<string>();
    const targets: Array<[number, number]> = [];
    for (let n = minNum; n <= maxNum; n++)
      for (let i = 1; i <= n; i++)
        for (let j = 1; j <= n; j++)
          if (i * j <= maxNum && i * j >= minNum && !seen.has(`${i},${j}`)) {
            seen.add(`${i},${j}`);
            targets.push([i, j]);
          }
    targets.sort((a, b) => a[0] * a[1] - b[0] * b[1]);
    let bestDiff = Infinity;
    ratio = [1, 1];
    const area = width * height;
    for (const r of targets) {
      const diff = Math.abs(aspect - r[0] / r[1]);
      if (diff < bestDiff) {
        bestDiff = diff;
        ratio = r;
      } else if (diff === bestDiff && area > 0.5 * size * size * r[0] * r[1]) {
        ratio = r;
      }
    }
  } else {
    ratio = [wCropNum, hCropNum];
  }
  const targetWidth = size * ratio[0];
  const targetHeight = size * ratio[1];
  const ratioWidth = targetWidth / width;
  const ratioHeight = targetHeight / height;
  let paddingWidth: number;
  let paddingHeight: number;
  if (ratioWidth < ratioHeight) {
    paddingWidth = 0;
    paddingHeight = targetHeight - Math.trunc(height * ratioWidth);
  } else {
    paddingWidth = targetWidth - Math.trunc(width * ratioHeight);
    paddingHeight = 0;
  }
  // The attention mask: maskSize · rows × maskSize · cols ones, its last floor(padding / patch) columns and rows zero.
  const maskCols = maskSize * ratio[0] - (paddingWidth >= patch ? Math.floor(paddingWidth / patch) : 0);
  const maskRows = maskSize * ratio[1] - (paddingHeight >= patch ? Math.floor(paddingHeight / patch) : 0);
  // downsample_attention_mask: every crop's [0::2, 0::2] entries, crops laid back side by side.
  const kept = (cropsAlong: number, keptFull: number) => {
    let k = 0;
    for (let c = 0; c < cropsAlong; c++) for (let i = 0; i < maskSize; i += 2) if (c * maskSize + i < keptFull) k += 1;
    return k;
  };
  const keptRows = kept(ratio[1], maskRows);
  const keptCols = kept(ratio[0], maskCols);
  const tokens = 256 + 1 + keptRows * keptCols + (keptCols > 0 ? keptRows : 0) + 16;
  return { width: targetWidth, height: targetHeight, cols: ratio[0], rows: ratio[1], tokens };
}

/** Idefics3ImageProcessor.get_number_of_image_patches (tiles + the global view; 0 tiles when the image is one tile). */
export function idefics3Tiles(
  height: number,
  width: number,
  tile: number,
  longestEdge = IDEFICS3_LONGEST_EDGE_TILES * tile,
): { tiles: number; rows: number; cols: number } {
  // _resize_output_size_rescale_to_max_len (min_len 1): the longest side becomes longestEdge, the other even.
  let h = height;
  let w = width;
  const aspect = w / h;
  if (w >= h) {
    w = longestEdge;
    h = Math.trunc(w / aspect);
    if (h % 2 !== 0) h += 1;
  } else {
    h = longestEdge;
    w = Math.trunc(h * aspect);
    if (w % 2 !== 0) w += 1;
  }
  h = Math.max(h, 1);
  w = Math.max(w, 1);
  // _resize_output_size_scale_below_upper_bound(max_len = MAX_IMAGE_SIZE)
  const aspect2 = w / h;
  if (w >= h && w > IDEFICS3_MAX_IMAGE_SIZE) {
    w = IDEFICS3_MAX_IMAGE_SIZE;
    h = Math.trunc(w / aspect2);
  } else if (h > w && h > IDEFICS3_MAX_IMAGE_SIZE) {
    h = IDEFICS3_MAX_IMAGE_SIZE;
    w = Math.trunc(h * aspect2);
  }
  h = Math.max(h, 1);
  w = Math.max(w, 1);
  const rh = Math.ceil(h / tile) * tile;
  const rw = Math.ceil(w / tile) * tile;
  if (rh > tile || rw > tile) {
    const rows = Math.ceil(rh / tile);
    const cols = Math.ceil(rw / tile);
    return { tiles: rows * cols + 1, rows, cols };
  }
  return { tiles: 0, rows: 0, cols: 0 };
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

/**
 * Tokens of one image for this model, at the plan's image size (width × height in pixels; null: the processor's
 * largest image for models whose count follows the size — Qwen at max_pixels as a square, Idefics3 a square image,
 * 4 × 4 tiles + the global view).
 */
export function imageTokens(v: VisionSpec, width: number | null = null, height: number | null = null): ImageTokens {
  const n = v.imageSize === null ? 0 : Math.floor(v.imageSize / v.patchSize) ** 2;
  const sized = width !== null && height !== null;
  switch (v.modelType) {
    case 'llava': {
      const clsToken = v.tower === 'clip' ? 1 : 0;
      const lm = v.imageTokensPerImage ?? n;
      return {
        lmTokens: lm,
        towerTokens: n + clsToken,
        attentionGroups: 1,
        groupTokens: n + clsToken,
        projectorTokens: lm,
        crossTokens: 0,
        resized: null,
        formula: `(image_size / patch_size)²${clsToken ? ' (+ class token, dropped by "default" selection)' : ''}`,
        substituted: `(${v.imageSize} / ${v.patchSize})² = ${fmt(n)} → ${fmt(lm)} image tokens`,
      };
    }
    case 'gemma3': {
      const lm = v.imageTokensPerImage ?? 256;
      return {
        lmTokens: lm,
        towerTokens: n,
        attentionGroups: 1,
        groupTokens: n,
        projectorTokens: lm,
        crossTokens: 0,
        resized: null,
        formula: 'mm_tokens_per_image (the tower’s (image_size / patch_size)² patches average-pooled)',
        substituted: `(${v.imageSize} / ${v.patchSize})² = ${fmt(n)} patches pooled to ${fmt(lm)} image tokens`,
      };
    }
    case 'mllama': {
      const perTile = n + 1;
      const pad = (8 - (perTile % 8)) % 8;
      const tiles = v.maxNumTiles;
      return {
        lmTokens: 1,
        towerTokens: tiles * (perTile + pad),
        attentionGroups: 1,
        groupTokens: tiles * (perTile + pad),
        projectorTokens: tiles * perTile,
        crossTokens: tiles * perTile,
        resized: null,
        formula: 'one <|image|> token; the tower and cross-attention: max_num_tiles × ((image_size / patch_size)² + 1)',
        substituted:
          `1 token; ${tiles} tiles × ((${v.imageSize} / ${v.patchSize})² + 1) = ${fmt(tiles * perTile)} vision ` +
          `states (the tower pads each tile to ${perTile + pad})`,
      };
    }
    case 'idefics3': {
      const side = v.imageSize ?? 0;
      const split = idefics3Tiles(sized ? height : side * 4, sized ? width : side * 4, side);
      const tiles = Math.max(1, split.tiles);
      const perTile = Math.floor(n / (v.mergeSize * v.mergeSize));
      return {
        lmTokens: tiles * perTile,
        towerTokens: tiles * n,
        attentionGroups: tiles,
        groupTokens: n,
        projectorTokens: tiles * perTile,
        crossTokens: 0,
        resized: null,
        formula: 'tiles × (image_size / patch_size)² / scale_factor² (tiles: rows × columns of the resized image + 1)',
        substituted:
          `${split.tiles > 0 ? `${split.rows} × ${split.cols} + 1` : '1'} tiles × (${side} / ${v.patchSize})² / ` +
          `${v.mergeSize}² = ${fmt(tiles * perTile)} image tokens` +
          (sized ? '' : ' (no image size in the plan: a square image, the processor’s most tiles)'),
      };
    }
    case 'phi3_v': {
      const crop = v.imageSize ?? 336;
      const crops = v.maxNumTiles;
      // The 24 × 24 patches of a crop merged 2 × 2 (reshape_hd_patches_2x2merge): 12 tokens a side.
      const s = Math.floor(crop / v.patchSize) / 2;
      // No size in the plan: a square image (any square gives the same crops).
      const r = phi3vHdSize(sized ? width : crop, sized ? height : crop, crops, crop);
      const rows = Math.floor(r.height / crop);
      const cols = Math.floor(r.width / crop);
      const lm = (rows * cols + 1) * s * s + 1 + (rows + 1) * s;
      return {
        lmTokens: lm,
        towerTokens: (crops + 1) * (n + 1),
        attentionGroups: crops + 1,
        groupTokens: n + 1,
        projectorTokens: lm,
        crossTokens: 0,
        resized: { width: r.width, height: r.height },
        formula:
          '(h/336 · w/336 + 1) · 144 + 1 + (h/336 + 1) · 12, h and w from the HD transform (num_crops); ' +
          'the tower runs over num_crops + 1 crops of (image_size / patch_size)² + 1 tokens',
        substituted:
          `${sized ? `${width} × ${height}` : 'no image size in the plan: a square image'} → ${r.width} × ` +
          `${r.height} px, ${rows} × ${cols} crops (num_crops ${crops}); (${rows * cols} + 1) · ${s * s} + 1 + ` +
          `(${rows} + 1) · ${s} = ${fmt(lm)} image tokens; the tower: ${crops + 1} × ${n + 1} = ` +
          `${fmt((crops + 1) * (n + 1))} tokens`,
      };
    }
    case 'phi4_multimodal': {
      const crop = v.imageSize ?? 448;
      // No size in the plan: the processor's largest image, a square of the most crops dynamic_hd allows.
      const side = crop * Math.floor(Math.sqrt(v.maxNumTiles));
      const r = phi4Crops(sized ? width : side, sized ? height : side, v.maxNumTiles, crop, v.patchSize);
      const crops = r.cols * r.rows + 1;
      return {
        lmTokens: r.tokens,
        towerTokens: crops * n,
        attentionGroups: crops,
        groupTokens: n,
        projectorTokens: r.tokens,
        crossTokens: 0,
        resized: { width: r.width, height: r.height },
        formula:
          '256 + 1 + kept pooled patches + their rows + 16 (a 16 × 16 global view, separators), over a grid of ' +
          `448-px crops within dynamic_hd; the tower runs over the crops and the global view, (image_size / ` +
          `patch_size)² patches each`,
        substituted:
          `${sized ? `${width} × ${height}` : 'no image size in the plan: the largest square'} → ${r.width} × ` +
          `${r.height} px, ${r.cols} × ${r.rows} crops (dynamic_hd ${v.maxNumTiles}) = ${fmt(r.tokens)} image ` +
          `tokens; the tower: ${crops} × ${n} = ${fmt(crops * n)} tokens`,
      };
    }
    case 'qwen2_vl':
    case 'qwen2_5_vl': {
      const factor = v.patchSize * v.mergeSize;
      // No size in the plan: the largest image the processor lets through (max_pixels, square).
      const side = Math.floor(Math.sqrt(QWEN_VL_MAX_PIXELS));
      const r = qwenSmartResize(sized ? height : side, sized ? width : side, factor);
      const patches = (r.height / v.patchSize) * (r.width / v.patchSize);
      const lm = patches / (v.mergeSize * v.mergeSize);
      return {
        lmTokens: lm,
        towerTokens: patches,
        attentionGroups: 1,
        groupTokens: patches,
        projectorTokens: lm,
        crossTokens: 0,
        resized: { width: r.width, height: r.height },
        formula: '(h / patch_size) · (w / patch_size) / merge_size², h and w from smart_resize (min/max_pixels)',
        substituted:
          `${sized ? `${width} × ${height}` : `no image size in the plan: max_pixels ${fmt(QWEN_VL_MAX_PIXELS)}`} → ` +
          `${r.width} × ${r.height} px; ${r.width / v.patchSize} × ${r.height / v.patchSize} = ${fmt(patches)} ` +
          `patches / ${v.mergeSize}² = ${fmt(lm)} image tokens`,
      };
    }
  }
}

/** The image side of one plan: images per sequence and each image's tokens; null for text only or a text model. */
export interface ImageLoad {
  imagesPerSequence: number;
  tokens: ImageTokens;
  /** Full fine-tuning with VisionSpec.freezeTower false: the tower's activations are saved and it runs a backward. */
  towerTrains: boolean;
  /** The projector trains with full fine-tuning (techniques.ts: only the tower is frozen). */
  projectorTrains: boolean;
}

export function imageLoad(
  arch: Architecture,
  technique: Pick<Technique, 'kind'>,
  data: Partial<Pick<Data, 'imagesPerExample' | 'imageWidth' | 'imageHeight'>> | undefined,
): ImageLoad | null {
  const v = arch.spec.vision;
  const images = data?.imagesPerExample ?? 0;
  if (!v || images <= 0) return null;
  const full = technique.kind === 'full';
  return {
    imagesPerSequence: images,
    tokens: imageTokens(v, data?.imageWidth ?? null, data?.imageHeight ?? null),
    towerTrains: full && v.freezeTower === false,
    projectorTrains: full,
  };
}

/** Linear parameters per tower token of one tower layer (q, k, v, o and the MLP) and of the patch embedding. */
function towerLinear(v: VisionSpec): { perLayer: number; patch: number; layers: number } {
  const H = v.hiddenSize;
  const I = v.intermediateSize;
  const mlp = v.tower === 'qwen2_5_vl' ? 3 * H * I : 2 * H * I;
  return {
    perLayer: 4 * H * H + mlp,
    patch: v.numChannels * v.temporalPatchSize * v.patchSize * v.patchSize * H,
    layers: v.numLayers + v.globalLayers,
  };
}

/** Bytes one tower layer saves for backward per token (trained tower), `a` bytes per activation element. */
export function towerSavedBytesPerToken(v: VisionSpec, a: number, eager: boolean, groupTokens: number): number {
  const H = v.hiddenSize;
  const I = v.intermediateSize;
  // LayerNorm keeps its input and fp32 mean/rstd; Qwen2.5-VL's RMSNorm keeps the fp32 upcast (as HF RMSNorm does).
  const norms = v.tower === 'qwen2_5_vl' ? 2 * (4 * H + 4) : 2 * (a * H + 8);
  const attention =
    a * H + // q/k/v input (the normed hidden state)
    3 * a * H + // q, k, v saved by attention
    (eager ? v.numHeads * (4 + a) * groupTokens : a * H + 4 * v.numHeads) + // scores or output + log-sum-exp
    a * H; // out_proj input
  const mlp = v.tower === 'qwen2_5_vl' ? a * H + 3 * a * I : a * H + 2 * a * I; // fc1 input, act input, fc2 input
  return norms + attention + mlp;
}

export interface VisionMemory {
  /** Saved for backward: a trained tower's layers, a trained projector's inputs, mllama's cross-attention k and v. */
  savedBytes: number;
  /** The tower's forward working set at the start of the forward (one layer's intermediates over every patch). */
  forwardBytes: number;
  images: number;
}

/**
 * Memory of the image side for `sequences` sequences in a micro-batch. The language model's share of the image
 * tokens is already in its sequence (see the header).
 */
export function visionMemory(
  arch: Architecture,
  load: ImageLoad | null,
  sequences: number,
  a: number,
  training: Pick<Training, 'gradientCheckpointing' | 'attention'>,
): VisionMemory {
  const v = arch.spec.vision;
  if (!v || !load) return { savedBytes: 0, forwardBytes: 0, images: 0 };
  const images = sequences * load.imagesPerSequence;
  const t = load.tokens;
  const H = v.hiddenSize;
  const eager = training.attention === 'eager';
  const { layers } = towerLinear(v);
  // One layer's intermediates: hidden state, its normed copy, fc1 output and activation (+ eager scores).
  const scores = eager ? v.numHeads * (4 + a) * t.groupTokens : 0;
  const workingPerToken = a * (3 * H + 2 * v.intermediateSize) + scores;
  const forwardBytes = images * t.towerTokens * workingPerToken;
  let saved = 0;
  if (load.towerTrains) {
    saved += training.gradientCheckpointing
      ? images * t.towerTokens * layers * a * H
      : images * t.towerTokens * layers * towerSavedBytesPerToken(v, a, eager, t.groupTokens);
  }
  if (load.projectorTrains) {
    // The projector's input and its hidden activations (two-layer MLP: K, out, out wide).
    saved += images * t.projectorTokens * a * (v.projectorInSize + 2 * v.projectorOutSize);
  }
  if (v.crossAttentionLayers > 0) {
    // mllama: the projected vision states (one tensor, h wide) and, per cross-attention layer, the k and v SDPA saves.
    const perLayer = training.gradientCheckpointing ? 0 : v.crossAttentionLayers * 2 * arch.kvWidth * a;
    saved += images * t.crossTokens * (a * arch.spec.hiddenSize + perLayer);
  }
  return { savedBytes: saved, forwardBytes, images };
}

export interface VisionFlops {
  /** Per sequence: the tower's forward, the projector's, mllama's cross-attention, and the total with backward. */
  towerForward: number;
  projectorForward: number;
  crossForward: number;
  total: number;
}

/**
 * FLOPs of the image side per sequence of `seqLen` tokens: tower forward 2·(linear parameters per token)·tokens plus
 * attention 4·layers·H·tokens² per group (non-causal; Qwen2.5-VL's windowed layers counted as full: an upper bound);
 * projector 2·params·tokens; mllama's k/v projections 2·2·h·kv per vision state per cross layer and attention
 * 4·qWidth·vision states per text token. Backward: 2 × forward where weights train, 1 × where only input gradients
 * flow, none for a frozen tower (nothing recorded); checkpointing re-runs the forward of what trains.
 */
export function visionFlopsPerSequence(
  arch: Architecture,
  load: ImageLoad | null,
  seqLen: number,
  technique: Pick<Technique, 'kind'>,
  training: Pick<Training, 'gradientCheckpointing'>,
): VisionFlops {
  const v = arch.spec.vision;
  if (!v || !load || !arch.vision) return { towerForward: 0, projectorForward: 0, crossForward: 0, total: 0 };
  const t = load.tokens;
  const lin = towerLinear(v);
  const towerPerImage =
    2 * t.towerTokens * (lin.layers * lin.perLayer + lin.patch) +
    4 * lin.layers * v.hiddenSize * t.attentionGroups * t.groupTokens * t.groupTokens;
  const towerForward = load.imagesPerSequence * towerPerImage;
  // Phi-3-V's glb_GN / sub_GN separators (Phi-4-multimodal's feature extensors) are parameters of the projector's
  // module but no matmul.
  const separators = v.projector === 'phi3_v' || v.projector === 'phi4_multimodal' ? 2 * v.projectorInSize : 0;
  const projectorMatmul = arch.vision.projectorParams - separators;
  const projectorForward = load.imagesPerSequence * 2 * t.projectorTokens * projectorMatmul;
  const cross =
    v.crossAttentionLayers *
    load.imagesPerSequence *
    t.crossTokens *
    (4 * arch.spec.hiddenSize * arch.kvWidth + 4 * arch.qWidth * seqLen);
  const ckpt = training.gradientCheckpointing ? 1 : 0;
  const towerBackward = load.towerTrains ? (2 + ckpt) * towerForward : 0;
  const projectorBackward = load.projectorTrains
    ? (2 + ckpt) * projectorForward
    : load.towerTrains
      ? projectorForward
      : 0;
  // The language model always trains something, so the cross-attention's queries need gradients; k/v weights train
  // with full fine-tuning only.
  const crossBackward = (technique.kind === 'full' ? 2 : 1) * cross + ckpt * cross;
  return {
    towerForward,
    projectorForward,
    crossForward: cross,
    total: towerForward + towerBackward + projectorForward + projectorBackward + cross + crossBackward,
  };
}

/** Notes for the estimate: images the model cannot take, or image tokens that do not fit the sequence. */
export function imageNotes(
  arch: Architecture,
  load: ImageLoad | null,
  imagesPerExample: number,
  seqLen: number,
): string[] {
  if (!arch.spec.vision)
    return imagesPerExample > 0
      ? [`${imagesPerExample} images per example are ignored: ${arch.spec.name} has no vision tower.`]
      : [];
  if (!load) return [];
  const tokens = load.imagesPerSequence * load.tokens.lmTokens;
  if (tokens < seqLen) return [];
  return [
    `${load.imagesPerSequence} image(s) × ${fmt(load.tokens.lmTokens)} image tokens = ${fmt(tokens)} tokens, ` +
      'not fewer ' +
      `than the sequence length ${fmt(seqLen)}: image tokens are positions of the sequence, and truncating them ` +
      'makes transformers raise "Image features and image tokens do not match". Raise the sequence length or use ' +
      'smaller images.',
  ];
}
