/**
 * A Hugging Face `config.json` → ModelSpec, exact to the parameter for every family in KNOWN_MODEL_TYPES
 * (each checked against the real transformers class, or the Hub modelling file for chatglm / phi3small /
 * Falcon's RW layout / phi3_v, in tests/python/test_param_counts.py). Hub `phi4mm` files (Phi-4-multimodal's remote
 * code) are read as the native phi4_multimodal config transformers' conversion script makes of them (phi4mmToNative).
 *
 * Never silently wrong (issue 16): a config with experts, latent attention, a vision tower or an encoder
 * that Tuneplan cannot lay out is refused with the model type, what is missing and the equivalent keys the
 * file has. An unknown model_type is read as a generic Llama-style decoder only when every shape maps
 * from the standard keys; the reading then says "approximated" and names the keys it used.
 *
 * Defaults for keys a file leaves out are the transformers config class defaults (5.x), so a minimal
 * save_pretrained file reads the way the library builds it.
 */
import {
  ENCODER_MODEL_TYPES,
  MODEL_TYPES,
  ModelSpecSchema,
  activationFromConfigName,
  mlpActivation,
  type MlpActivation,
  VISION_MODEL_TYPES,
  type EncoderSpec,
  type ModelSpec,
  type VisionSpec,
} from '../domain/model-spec';
import { describeArchitecture, phi4AudioParams, visionParams } from '../estimate/architecture';
import { PHI4_MULTIMODAL_DYNAMIC_HD } from '../estimate/vision';
import { modelNameFromConfig, type ConfigNameHints } from '../naming';
import { stripBom } from '../text';

/** The model types read exactly: every ModelSpec model type except the generic reading (one list: model-spec.ts). */
/** The one stated approximation of encoder-decoder plans (t5, mt5, bart): said once, wherever one is read. */
const SEQ2SEQ_APPROXIMATION =
  "Sequence-to-sequence: memory and time take the plan's sequence length as both the source (encoder) and the " +
  'target (decoder, with cross-attention over the source) length. Encoder and decoder layers are counted apart, ' +
  "but T5's attention with its relative-position bias is counted as scaled_dot_product_attention's (q, k, v, output).";

export const KNOWN_MODEL_TYPES = MODEL_TYPES.filter(
  (t): t is Exclude<(typeof MODEL_TYPES)[number], 'generic'> => t !== 'generic',
);

/** model_type spellings of families Tuneplan reads under another name. */
const ALIASES: Record<string, (typeof KNOWN_MODEL_TYPES)[number]> = {
  // Falcon's original Hub layout (tiiuae/falcon-7b, -40b before the transformers port; modelling_RW.py).
  RefinedWebModel: 'falcon',
  RefinedWeb: 'falcon',
  glm4_chatglm: 'chatglm',
};

/**
 * Encoder-only and encoder-decoder families Tuneplan does not lay out (it reads ENCODER_MODEL_TYPES: t5, mt5, bart,
 * bert, roberta, deberta-v2); refused with the reason.
 */
const ENCODER_TYPES = ['xlm-roberta', 'deberta', 'distilbert', 'electra', 'albert', 'modernbert'];
const SEQ2SEQ_TYPES = ['umt5', 'mbart', 'pegasus', 'marian', 'led', 'longt5', 'flan-t5'];
/** Keys that mean a vision tower or image pipeline (llava, qwen2_vl, mllama, idefics3, gemma3, phi3_v, phi4mm). */
const VISION_KEYS = [
  'vision_config',
  'vision_tower',
  'mm_vision_tower',
  'visual',
  'img_processor',
  'embd_layer',
  'vision_lora',
  'image_token_index',
  'image_token_id',
];
/**
 * Vision-language families whose image side exists only as Hub remote code (no transformers class, and no modelling
 * file Tuneplan's tests can build offline): refused with the reason. None at present: phi3_v is rebuilt from its Hub
 * file, and phi4mm is read through transformers' conversion to phi4_multimodal (phi4mmToNative).
 */
const REMOTE_VISION_TYPES: Record<string, string> = {};

const isEncoderModelType = (t: string): t is EncoderSpec['modelType'] =>
  (ENCODER_MODEL_TYPES as readonly string[]).includes(t);

const isVisionModelType = (t: string): t is VisionSpec['modelType'] =>
  (VISION_MODEL_TYPES as readonly string[]).includes(t);

/** Keys that mean experts or latent attention in a family Tuneplan has no layout for. */
const MOE_KEYS = [
  'num_local_experts',
  'num_experts',
  'n_routed_experts',
  'moe_num_experts',
  'num_experts_per_tok',
  'moe_intermediate_size',
  'n_shared_experts',
];
const MLA_KEYS = ['kv_lora_rank', 'q_lora_rank', 'qk_rope_head_dim'];

export class ConfigImportError extends Error {
  constructor(
    message: string,
    readonly missing: string[] = [],
  ) {
    super(message);
    this.name = 'ConfigImportError';
  }
}

type Json = Record<string, unknown>;

const isPosInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
const isNonNegInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

export interface ConfigReading {
  spec: ModelSpec;
  /** The file's own model_type (before aliases such as RefinedWebModel → falcon). */
  rawModelType: string;
  /** Values the file leaves out that Tuneplan filled in, approximations, and layout notes. */
  warnings: string[];
  /** Unknown model_type read as a Llama-style decoder: the keys it was read from; null when the family is known. */
  approximatedFrom: string[] | null;
}

/**
 * A config.json's text → ModelSpec. A UTF-8 BOM (Windows editors write one) is not an error;
 * invalid JSON is named with the file.
 */
export function readHfConfigText(text: string, hints: ConfigNameHints = {}): ModelSpec {
  let json: unknown;
  try {
    json = JSON.parse(stripBom(text));
  } catch (e) {
    throw new ConfigImportError(
      `${hints.fileName ?? 'The file'} is not valid JSON (${(e as Error).message}); a config.json is one JSON object.`,
    );
  }
  return parseHfConfig(json, hints);
}

/**
 * `name`: the name to give the model; or hints (file name, folder) from which modelNameFromConfig
 * names it from the config's content (shared/naming.ts).
 */
export function parseHfConfig(raw: unknown, name?: string | ConfigNameHints): ModelSpec {
  return readHfConfig(raw, name).spec;
}

/** Present keys of `keys` with their values, for messages ("n_embd = 768"). */
function present(c: Json, keys: readonly string[]): string[] {
  return keys.filter((k) => c[k] !== undefined && c[k] !== null).map((k) => `${k} = ${JSON.stringify(c[k])}`);
}

function refuseUnsupportedShapes(c: Json, modelType: string): void {
  const label = modelType ? `model_type "${modelType}"` : 'This config.json (no model_type)';
  const vision = present(c, VISION_KEYS);
  if (vision.length > 0 && !isVisionModelType(modelType)) {
    const keys = vision.map((v) => v.split(' = ')[0]).join(', ');
    const remote = REMOTE_VISION_TYPES[modelType];
    throw new ConfigImportError(
      `${label} is a vision-language model (${keys}) ` +
        (remote
          ? `whose vision tower exists only as Hub modelling code (${remote}), which Tuneplan cannot check against ` +
            `a class it can build, so it does not count it. `
          : `whose vision tower Tuneplan does not know how to count (it reads ${VISION_MODEL_TYPES.join(', ')}). `) +
        `Reading only its language model would silently leave the vision tower out of memory and time. To plan ` +
        `text-only fine-tuning of the language model, save its text_config (or, for a flat file, its text keys) ` +
        `as its own config.json with the text model's model_type and import that.`,
    );
  }
  if (isEncoderModelType(modelType)) return;
  if (ENCODER_TYPES.includes(modelType) || SEQ2SEQ_TYPES.includes(modelType) || c.is_encoder_decoder === true) {
    const kind =
      SEQ2SEQ_TYPES.includes(modelType) || c.is_encoder_decoder === true ? 'an encoder-decoder' : 'an encoder-only';
    throw new ConfigImportError(
      `${label} is ${kind} model whose layout Tuneplan does not count: it reads the encoder and ` +
        `encoder-decoder families ${ENCODER_MODEL_TYPES.join(', ')} and decoder-only models. Pick one of those, or ` +
        `estimate this one by hand.`,
    );
  }
}

export function readHfConfig(raw: unknown, name?: string | ConfigNameHints): ConfigReading {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ConfigImportError('config.json must be a JSON object.');
  const warnings: string[] = [];
  const rawModelType = typeof (raw as Json).model_type === 'string' ? ((raw as Json).model_type as string) : '';
  // Phi-4-multimodal's Hub file (remote code): read as the native config transformers' conversion script makes of it.
  const c = rawModelType === 'phi4mm' ? phi4mmToNative(raw as Json, warnings) : (raw as Json);
  const ownType = typeof c.model_type === 'string' ? c.model_type : '';
  refuseUnsupportedShapes(c, ownType);
  const aliased = ALIASES[ownType];
  const modelType = aliased ?? ownType;
  const known = (KNOWN_MODEL_TYPES as readonly string[]).includes(modelType) || isVisionModelType(modelType);
  if (aliased)
    warnings.push(
      `model_type "${rawModelType}" is ${aliased}'s original Hub layout; read with the same shapes as ` +
        `transformers' ${aliased} class.`,
    );
  const spec = isVisionModelType(modelType)
    ? readVision(c, modelType, warnings)
    : known
      ? readKnown(c, modelType as (typeof KNOWN_MODEL_TYPES)[number], rawModelType, warnings)
      : readGeneric(c, modelType, warnings);
  // A vision-language model's text family (the spec readVision returns) names the keys its language model reads.
  const lm = isVisionModelType(modelType) ? textConfigOf(c) : c;
  const activation = readActivation(lm, spec.modelType, warnings);
  const dropout = readDropout(lm, spec.modelType);
  const parsed = ModelSpecSchema.safeParse({
    ...spec,
    ...(activation ? { activation } : {}),
    ...(dropout ? { dropout } : {}),
    name: typeof name === 'string' ? name : 'unnamed',
  });
  if (!parsed.success) {
    throw new ConfigImportError(
      `The config.json describes an impossible model: ` +
        `${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`,
    );
  }
  const approximatedFrom = known ? null : GENERIC_KEYS.filter((k) => c[k] !== undefined);
  const result = (s: ModelSpec): ConfigReading => ({ spec: s, rawModelType, warnings, approximatedFrom });
  if (typeof name === 'string') return result(parsed.data);
  const totalParams = describeArchitecture(parsed.data).totalParams;
  return result({ ...parsed.data, name: modelNameFromConfig(c, { ...name, totalParams }) });
}

/** A vision-language config's language-model keys: its `text_config` when it nests one. */
function textConfigOf(c: Json): Json {
  return typeof c.text_config === 'object' && c.text_config !== null && !Array.isArray(c.text_config)
    ? (c.text_config as Json)
    : c;
}

/** Where a family's configuration class reads its MLP activation, if not `hidden_act` (null: no key is read). */
const ACTIVATION_KEY: Record<string, string | null> = {
  gemma2: 'hidden_activation',
  gemma3_text: 'hidden_activation',
  gemma3: 'hidden_activation',
  gpt2: 'activation_function',
  gptj: 'activation_function',
  opt: 'activation_function',
  bart: 'activation_function',
  falcon: 'activation',
  t5: 'feed_forward_proj',
  mt5: 'feed_forward_proj',
  bloom: null, // BloomGelu, whatever the file says
  chatglm: null, // swiglu in the Hub modelling code
};

/**
 * The MLP activation the config names, under the key its family's configuration class reads: Gemma 2/3's
 * `hidden_activation`, GPT-2 / GPT-J / OPT / BART `activation_function`, Falcon `activation`, T5 `feed_forward_proj`
 * (models/t5/configuration_t5.py: "gated-gelu" means gelu_new), the others `hidden_act`. Undefined when the file names
 * none (the family default applies: model-spec.ts mlpActivation); an unknown name is read as gelu_new, with a warning.
 */
function readActivation(c: Json, modelType: string, warnings: string[]): MlpActivation | undefined {
  const key = ACTIVATION_KEY[modelType] === undefined ? 'hidden_act' : ACTIVATION_KEY[modelType];
  const value = key ? c[key] : undefined;
  if (typeof value !== 'string') return undefined;
  // GemmaConfig (models/gemma/configuration_gemma.py) reads an old "gelu" as gelu_pytorch_tanh.
  const name =
    key === 'feed_forward_proj'
      ? value === 'gated-gelu'
        ? 'gelu_new'
        : value.split('-').at(-1)!
      : modelType === 'gemma' && value === 'gelu'
        ? 'gelu_pytorch_tanh'
        : value;
  const known = activationFromConfigName(name);
  // The family's default is left implicit, so specs stay as they were read before the field existed.
  if (known) return known === mlpActivation({ modelType: modelType as ModelSpec['modelType'] }) ? undefined : known;
  warnings.push(
    `${key} "${value}": Tuneplan does not know what this activation keeps for its backward; memory counts it as ` +
      `gelu_new's four tensors per MLP element, the most of the activations it knows (an upper bound).`,
  );
  return 'gelu_new';
}

/**
 * Each family's dropout keys, with its configuration class's default when the file leaves one out: [hidden, attention,
 * activation] as [key, default] (transformers 5 configuration_*.py).
 */
const DROPOUT_KEYS: Record<string, Array<[string, number] | null>> = {
  gpt2: [['resid_pdrop', 0.1], ['attn_pdrop', 0.1], null],
  gptj: [['resid_pdrop', 0], ['attn_pdrop', 0], null],
  opt: [
    ['dropout', 0.1],
    ['attention_dropout', 0],
    ['activation_dropout', 0],
  ],
  phi: [['resid_pdrop', 0], ['attention_dropout', 0], null],
  phi3: [['resid_pdrop', 0], ['attention_dropout', 0], null],
  starcoder2: [['residual_dropout', 0], ['attention_dropout', 0], null],
  falcon: [['hidden_dropout', 0], ['attention_dropout', 0], null],
  bloom: [['hidden_dropout', 0], ['attention_dropout', 0], null],
  gpt_neox: [['hidden_dropout', 0], ['attention_dropout', 0], null],
  bert: [['hidden_dropout_prob', 0.1], ['attention_probs_dropout_prob', 0.1], null],
  roberta: [['hidden_dropout_prob', 0.1], ['attention_probs_dropout_prob', 0.1], null],
  'deberta-v2': [['hidden_dropout_prob', 0.1], ['attention_probs_dropout_prob', 0.1], null],
  t5: [
    ['dropout_rate', 0.1],
    ['dropout_rate', 0.1],
    ['dropout_rate', 0.1],
  ],
  mt5: [
    ['dropout_rate', 0.1],
    ['dropout_rate', 0.1],
    ['dropout_rate', 0.1],
  ],
  bart: [
    ['dropout', 0.1],
    ['attention_dropout', 0],
    ['activation_dropout', 0],
  ],
};

/** The model's dropout probabilities (ModelSpec.dropout), or undefined when none is above 0. */
function readDropout(c: Json, modelType: string): ModelSpec['dropout'] | undefined {
  const keys = DROPOUT_KEYS[modelType] ?? [null, ['attention_dropout', 0], null];
  const [hidden, attention, activation] = keys.map((k) => {
    if (!k) return 0;
    const v = c[k[0]];
    return typeof v === 'number' && v >= 0 && v <= 1 ? v : k[1];
  }) as [number, number, number];
  return hidden > 0 || attention > 0 || activation > 0 ? { hidden, attention, activation } : undefined;
}

const GENERIC_KEYS = [
  'hidden_size',
  'intermediate_size',
  'num_hidden_layers',
  'num_attention_heads',
  'num_key_value_heads',
  'head_dim',
  'vocab_size',
  'max_position_embeddings',
  'tie_word_embeddings',
  'attention_bias',
  'mlp_bias',
];

/** Keys of other layouts, named in refusals so the user sees what the file has instead. */
const EQUIVALENTS: Record<string, string[]> = {
  hidden_size: ['n_embd', 'n_embed', 'd_model', 'dim', 'model_dim', 'emb_size'],
  intermediate_size: ['n_inner', 'ffn_hidden_size', 'ffn_dim', 'd_ff', 'ffn_dim_multiplier', 'multiple_of'],
  num_hidden_layers: ['n_layer', 'n_layers', 'num_layers', 'encoder_layers', 'decoder_layers'],
  num_attention_heads: ['n_head', 'n_heads', 'num_heads', 'encoder_attention_heads'],
  vocab_size: ['padded_vocab_size', 'n_vocab'],
};

type Shape = Omit<ModelSpec, 'name' | 'hfId'>;

function readGeneric(c: Json, modelType: string, warnings: string[]): Shape {
  const required = ['hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'vocab_size'];
  const missing = required.filter((k) => !isPosInt(c[k]));
  const label = modelType
    ? `model_type "${modelType}" is not one Tuneplan knows (${KNOWN_MODEL_TYPES.join(', ')})`
    : 'The config.json has no model_type';
  if (missing.length > 0) {
    const equivalents = missing.flatMap((k) => present(c, EQUIVALENTS[k] ?? []));
    throw new ConfigImportError(
      `${label}, and to read it as a generic decoder it is missing ${missing.join(', ')} ` +
        `(each a positive whole number)${
          equivalents.length
            ? `; the file has ${equivalents.join(', ')}, but Tuneplan cannot tell how this family lays those out`
            : ''
        }.`,
      missing,
    );
  }
  const unmapped = [...present(c, MOE_KEYS), ...present(c, MLA_KEYS)];
  if (unmapped.length > 0)
    throw new ConfigImportError(
      `${label}, and it has ${unmapped.join(', ')}: experts or latent attention whose layout Tuneplan does not know. ` +
        `Reading it as a dense Llama-style decoder would undercount it, so it is refused.`,
      [],
    );
  warnings.push(
    `Approximated: ${modelType ? `model_type "${modelType}"` : 'a config without model_type'} read as a generic ` +
      `Llama-style decoder (separate q/k/v/o, gated MLP, RMSNorm) from ` +
      `${GENERIC_KEYS.filter((k) => c[k] !== undefined).join(', ')}; check the counts against the ` +
      `model's own modelling code.`,
  );
  return llamaLike(c, 'generic', warnings);
}

/** The fields every Llama-shaped family shares. */
function llamaLike(
  c: Json,
  modelType: ModelSpec['modelType'],
  warnings: string[],
  d: { headDim?: number; tie?: boolean; maxPos?: number; intermediateKey?: string } = {},
): Shape {
  const missing = [
    'hidden_size',
    d.intermediateKey ?? 'intermediate_size',
    'num_hidden_layers',
    'num_attention_heads',
    'vocab_size',
  ].filter((k) => !isPosInt(c[k]));
  if (missing.length > 0)
    throw new ConfigImportError(
      `This ${modelType} config.json is missing ${missing.join(', ')} (each a positive whole number).`,
      missing,
    );
  const h = c.hidden_size as number;
  const heads = c.num_attention_heads as number;
  const kvHeads = isPosInt(c.num_key_value_heads) ? c.num_key_value_heads : heads;
  if (!isPosInt(c.num_key_value_heads) && !('num_key_value_heads' in c && c.num_key_value_heads === undefined))
    warnings.push(`num_key_value_heads is absent: assumed ${heads} (num_attention_heads, no grouped-query attention).`);
  const headDim = isPosInt(c.head_dim) ? c.head_dim : (d.headDim ?? h / heads);
  if (!Number.isInteger(headDim))
    throw new ConfigImportError(
      `hidden_size (${h}) is not divisible by num_attention_heads (${heads}) and head_dim is not given.`,
      ['head_dim'],
    );
  if (!isPosInt(c.head_dim) && d.headDim !== undefined)
    warnings.push(`head_dim is absent: assumed ${d.headDim} (the transformers ${modelType} default).`);
  return {
    modelType,
    hiddenSize: h,
    intermediateSize: c[d.intermediateKey ?? 'intermediate_size'] as number,
    numLayers: c.num_hidden_layers as number,
    numHeads: heads,
    numKvHeads: kvHeads,
    headDim,
    vocabSize: c.vocab_size as number,
    maxPositionEmbeddings: maxPositions(c, ['max_position_embeddings'], d.maxPos ?? 4096, warnings),
    tieWordEmbeddings: tie(c, d.tie ?? false, modelType, warnings),
    linearBias:
      c.attention_bias === true ? (c.mlp_bias === true ? 'all' : 'attention') : c.mlp_bias === true ? 'mlp' : 'none',
    lmHeadBias: c.lm_head_bias === true,
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
    ...slidingWindow(c, c.num_hidden_layers as number, modelType),
    vision: null,
    encoder: null,
  };
}

function tie(c: Json, dflt: boolean, modelType: string, warnings: string[]): boolean {
  if (typeof c.tie_word_embeddings === 'boolean') return c.tie_word_embeddings;
  warnings.push(`tie_word_embeddings is absent: assumed ${dflt} (the transformers ${modelType} default).`);
  return dflt;
}

/**
 * The context the model supports: max_position_embeddings (or the family's key), raised by a rope scaling
 * that stretches it (`rope_scaling` in transformers 4 files with `type` or `rope_type`; `rope_parameters`
 * in transformers 5): linear / dynamic / yarn with `factor` over `original_max_position_embeddings`
 * (Qwen2.5 model cards: YaRN factor 4 over 32,768 → 131,072).
 */
function maxPositions(c: Json, keys: string[], dflt: number, warnings: string[]): number {
  const key = keys.find((k) => isPosInt(c[k]));
  let n = key ? (c[key] as number) : dflt;
  if (!key) warnings.push(`${keys[0]} is absent: assumed ${dflt} positions.`);
  const rope = (c.rope_scaling ?? c.rope_parameters) as Json | null | undefined;
  if (rope && typeof rope === 'object') {
    const kind = rope.rope_type ?? rope.type;
    const factor = rope.factor;
    if ((kind === 'yarn' || kind === 'linear' || kind === 'dynamic') && typeof factor === 'number' && factor > 1) {
      const original = isPosInt(rope.original_max_position_embeddings) ? rope.original_max_position_embeddings : n;
      const stretched = Math.round(original * factor);
      if (stretched > n) {
        warnings.push(
          `Context ${stretched.toLocaleString('en-US')} tokens: rope scaling "${String(kind)}" × ${factor} over ` +
            `${original.toLocaleString('en-US')} (${key ?? 'default'} says ${n.toLocaleString('en-US')}).`,
        );
        n = stretched;
      }
    }
  }
  return n;
}

/**
 * Sliding-window layers, for attention memory and FLOPs (parameters are unaffected): `layer_types`
 * (transformers ≥ 4.53 save_pretrained lists one per layer), else the family rule — Gemma 2 every other
 * layer from the first, Gemma 3 all but every `sliding_window_pattern`-th, Mistral every layer,
 * Qwen2 / Qwen3 only with `use_sliding_window` (layers from `max_window_layers` on).
 */
function slidingWindow(
  c: Json,
  L: number,
  modelType: string,
): Pick<ModelSpec, 'slidingWindow' | 'slidingWindowLayers'> {
  const w = isPosInt(c.sliding_window) ? c.sliding_window : null;
  if (w === null) return { slidingWindow: null, slidingWindowLayers: 0 };
  if (Array.isArray(c.layer_types)) {
    const n = c.layer_types.slice(0, L).filter((t) => t === 'sliding_attention').length;
    return { slidingWindow: n > 0 ? w : null, slidingWindowLayers: n };
  }
  if (modelType === 'gemma2') return { slidingWindow: w, slidingWindowLayers: Math.ceil(L / 2) };
  if (modelType === 'gemma3_text') {
    const p = isPosInt(c.sliding_window_pattern) ? c.sliding_window_pattern : 6;
    return { slidingWindow: w, slidingWindowLayers: L - Math.floor(L / p) };
  }
  if (modelType === 'qwen2' || modelType === 'qwen3' || modelType === 'qwen2_moe' || modelType === 'qwen3_moe') {
    if (c.use_sliding_window !== true) return { slidingWindow: null, slidingWindowLayers: 0 };
    const from = isNonNegInt(c.max_window_layers) ? Math.min(c.max_window_layers, L) : 0;
    return { slidingWindow: w, slidingWindowLayers: L - from };
  }
  if (modelType === 'mistral' || modelType === 'mixtral' || modelType === 'starcoder2' || modelType === 'phi3')
    return { slidingWindow: w, slidingWindowLayers: L };
  return { slidingWindow: null, slidingWindowLayers: 0 };
}

/**
 * Number of dense-MLP layers in a MoE model (Qwen MoE: mlp_only_layers and decoder_sparse_step; DeepSeek:
 * first_k_dense_replace).
 */
function denseLayerCount(c: Json, L: number, modelType: string): number {
  if (modelType === 'deepseek_v2' || modelType === 'deepseek_v3') {
    const k = isNonNegInt(c.first_k_dense_replace) ? c.first_k_dense_replace : modelType === 'deepseek_v3' ? 3 : 0;
    if (isPosInt(c.moe_layer_freq) && c.moe_layer_freq !== 1)
      throw new ConfigImportError(
        `moe_layer_freq = ${c.moe_layer_freq}: transformers' ${modelType} puts experts in every layer from ` +
          `first_k_dense_replace on and ignores it; Tuneplan cannot tell which layout this checkpoint's code uses.`,
        ['moe_layer_freq'],
      );
    return Math.min(k, L);
  }
  // transformers models/qwen2_moe/modeling_qwen2_moe.py Qwen2MoeDecoderLayer.
  const only = Array.isArray(c.mlp_only_layers) ? new Set(c.mlp_only_layers as unknown[]) : new Set();
  const step = isPosInt(c.decoder_sparse_step) ? c.decoder_sparse_step : 1;
  let dense = 0;
  for (let i = 0; i < L; i++) if (only.has(i) || (i + 1) % step !== 0) dense++;
  return dense;
}

function need(c: Json, modelType: string, keys: string[]): void {
  const missing = keys.filter((k) => !isPosInt(c[k]));
  if (missing.length > 0)
    throw new ConfigImportError(
      `This ${modelType} config.json is missing ${missing.join(', ')} (each a positive whole number).`,
      missing,
    );
}

function readKnown(
  c0: Json,
  modelType: (typeof KNOWN_MODEL_TYPES)[number],
  rawModelType: string,
  warnings: string[],
): Shape {
  let c = c0;
  switch (modelType) {
    case 'llama':
    case 'mistral':
      return llamaLike(c, modelType, warnings);
    case 'qwen2':
      return { ...llamaLike(c, modelType, warnings), linearBias: 'qkv' };
    case 'gemma2':
      return { ...llamaLike(c, modelType, warnings, { tie: true }), normsPerLayer: 4 };
    case 'gemma':
      return llamaLike(c, modelType, warnings, { tie: true, headDim: 256, maxPos: 8192 });
    case 'gemma3_text':
      // models/gemma3 Gemma3DecoderLayer: input, post_attention, pre_feedforward, post_feedforward norms; q/k norms of
      // head_dim.
      return {
        ...llamaLike(c, modelType, warnings, { tie: true, headDim: 256, maxPos: 131072 }),
        normsPerLayer: 4,
        qkNorm: 'head',
      };
    case 'qwen3':
      return { ...llamaLike(c, modelType, warnings, { headDim: 128, maxPos: 32768 }), qkNorm: 'head' };
    case 'olmo2':
      // models/olmo2 Olmo2Attention: q_norm over heads·head_dim, k_norm over kv_heads·head_dim; post-attention and
      // post-feedforward norms.
      return { ...llamaLike(c, modelType, warnings, { maxPos: 2048 }), qkNorm: 'full' };
    case 'cohere':
      // models/cohere: one CohereLayerNorm (weight, no bias) per layer, parallel attention and MLP; optional q/k norms
      // of (heads, head_dim).
      return {
        ...llamaLike(c, modelType, warnings, { tie: true, maxPos: 8192 }),
        norm: 'layernorm-nobias',
        normsPerLayer: 1,
        qkNorm: c.use_qk_norm === true ? 'full' : 'none',
      };
    case 'phi3': {
      const s = llamaLike(c, modelType, warnings);
      return { ...s, fusedQkv: true, fusedGateUp: true };
    }
    case 'phi3small': {
      // Hub microsoft/Phi-3-small-8k-instruct modeling_phi3_small.py: LayerNorm, biases everywhere, tied head.
      const s = llamaLike(c, modelType, warnings, { tie: true, intermediateKey: 'ff_intermediate_size' });
      return { ...s, linearBias: 'all', norm: 'layernorm', fusedQkv: true, fusedGateUp: true };
    }
    case 'mixtral':
    case 'phimoe': {
      need(c, modelType, ['num_local_experts', 'num_experts_per_tok']);
      const s = llamaLike(c, modelType, warnings);
      return {
        ...s,
        norm: modelType === 'phimoe' ? 'layernorm' : 'rmsnorm',
        moe: moe(c.num_local_experts as number, c.num_experts_per_tok as number),
      };
    }
    case 'qwen3_moe':
    case 'qwen2_moe': {
      // transformers 5 saves Qwen3-MoE's expert count as num_local_experts (Hub files: num_experts).
      c = mapped(c, { num_experts: ['num_local_experts'] });
      need(c, modelType, ['num_experts', 'num_experts_per_tok', 'moe_intermediate_size']);
      const s = llamaLike(c, modelType, warnings, modelType === 'qwen3_moe' ? { maxPos: 32768 } : { maxPos: 32768 });
      const L = s.numLayers;
      const shared = modelType === 'qwen2_moe';
      if (shared) need(c, modelType, ['shared_expert_intermediate_size']);
      return {
        ...s,
        linearBias: shared ? 'qkv' : s.linearBias,
        qkNorm: shared ? 'none' : 'head',
        headDim: shared ? s.headDim : isPosInt(c.head_dim) ? c.head_dim : s.headDim,
        moe: {
          ...moe(c.num_experts as number, c.num_experts_per_tok as number),
          expertIntermediateSize: c.moe_intermediate_size as number,
          sharedIntermediateSize: shared ? (c.shared_expert_intermediate_size as number) : 0,
          sharedExpertGate: shared,
          denseLayers: denseLayerCount(c, L, modelType),
        },
      };
    }
    case 'deepseek_v2':
    case 'deepseek_v3': {
      need(c, modelType, [
        'n_routed_experts',
        'num_experts_per_tok',
        'moe_intermediate_size',
        'kv_lora_rank',
        'qk_nope_head_dim',
        'qk_rope_head_dim',
        'v_head_dim',
      ]);
      const s = llamaLike(c, modelType, warnings, { maxPos: modelType === 'deepseek_v3' ? 4096 : 2048 });
      const nShared = isNonNegInt(c.n_shared_experts) ? c.n_shared_experts : modelType === 'deepseek_v3' ? 1 : 2;
      const I = c.moe_intermediate_size as number;
      const mtp =
        modelType === 'deepseek_v3' && isNonNegInt(c.num_nextn_predict_layers) ? c.num_nextn_predict_layers : 0;
      if (mtp > 0)
        warnings.push(
          `num_nextn_predict_layers = ${mtp}: the checkpoint's multi-token-prediction layer is counted apart ` +
            `(mtpParams); transformers' ${modelType} class does not build it and fine-tuning leaves it out.`,
        );
      return {
        ...s,
        numKvHeads: s.numHeads, // MLA expands keys and values to every head (kv_b_proj)
        headDim: (c.qk_nope_head_dim as number) + (c.qk_rope_head_dim as number),
        linearBias: c.attention_bias === true ? 'attention' : 'none',
        mla: {
          qLoraRank: isPosInt(c.q_lora_rank) ? c.q_lora_rank : null,
          kvLoraRank: c.kv_lora_rank as number,
          qkNopeHeadDim: c.qk_nope_head_dim as number,
          qkRopeHeadDim: c.qk_rope_head_dim as number,
          vHeadDim: c.v_head_dim as number,
        },
        moe: {
          ...moe(c.n_routed_experts as number, c.num_experts_per_tok as number),
          expertIntermediateSize: I,
          sharedIntermediateSize: nShared * I,
          sharedExpertGate: false,
          denseLayers: denseLayerCount(c, s.numLayers, modelType),
        },
        mtpLayers: mtp,
      };
    }
    case 'starcoder2':
      // models/starcoder2: LayerNorm with bias, `use_bias` on every linear, plain MLP c_fc → c_proj.
      return {
        ...llamaLike(c, modelType, warnings, { tie: true }),
        linearBias: c.use_bias === false ? 'none' : 'all',
        norm: 'layernorm',
        mlp: 'plain',
      };
    case 'phi':
      // models/phi: one LayerNorm per layer (parallel attention and MLP), biases everywhere, lm_head with bias.
      return {
        ...llamaLike(c, modelType, warnings, { maxPos: 2048 }),
        linearBias: 'all',
        lmHeadBias: true,
        norm: 'layernorm',
        normsPerLayer: 1,
        mlp: 'plain',
        qkNorm: c.qk_layernorm === true ? 'head' : 'none',
      };
    case 'gpt_neox':
      // models/gpt_neox: fused query_key_value, dense; dense_h_to_4h / dense_4h_to_h (always biased); untied embed_out.
      return {
        ...llamaLike({ ...c, num_key_value_heads: undefined }, modelType, warnings, { maxPos: 2048 }),
        linearBias: c.attention_bias === false ? 'mlp' : 'all',
        norm: 'layernorm',
        mlp: 'plain',
        // GPTNeoXLayer with use_parallel_residual (default true): attention(input_layernorm(x)) and
        // mlp(post_attention_layernorm(x)) read the same x.
        ...(c.use_parallel_residual === false ? {} : { sharedNormInput: true }),
      };
    case 'gpt2':
    case 'gptj':
      return readGpt(c, modelType, warnings);
    case 'falcon':
      return readFalcon(c, rawModelType, warnings);
    case 'bloom':
      return readBloom(c, warnings);
    case 'opt':
      return readOpt(c, warnings);
    case 'chatglm':
      return readChatglm(c, warnings);
    case 'glm':
    case 'glm4': {
      // models/glm GlmConfig / models/glm4 Glm4Config: attention_bias (default true) on q/k/v only, o_proj without;
      // fused gate_up_proj; untied lm_head; Glm4DecoderLayer adds post_self_attn_layernorm and post_mlp_layernorm.
      const s = llamaLike(c, modelType, warnings, { headDim: 128, maxPos: 131072 });
      return {
        ...s,
        linearBias: c.attention_bias === false ? 'none' : 'qkv',
        fusedGateUp: true,
        normsPerLayer: modelType === 'glm4' ? 4 : 2,
      };
    }
    case 't5':
    case 'mt5':
    case 'bart':
    case 'bert':
    case 'roberta':
    case 'deberta-v2':
      return readEncoder(c, modelType, warnings);
  }
}

/**
 * transformers 5 config-class defaults of the encoder families, for keys a hand-written file leaves out
 * (save_pretrained writes them all): models/t5 T5Config, models/mt5 MT5Config, models/bart BartConfig,
 * models/bert BertConfig, models/roberta RobertaConfig, models/deberta_v2 DebertaV2Config.
 */
const ENCODER_DEFAULTS: Record<EncoderSpec['modelType'], Json> = {
  t5: {
    vocab_size: 32128,
    d_model: 512,
    d_kv: 64,
    d_ff: 2048,
    num_layers: 6,
    num_heads: 8,
    relative_attention_num_buckets: 32,
    feed_forward_proj: 'relu',
  },
  mt5: {
    vocab_size: 250112,
    d_model: 512,
    d_kv: 64,
    d_ff: 1024,
    num_layers: 8,
    num_heads: 6,
    relative_attention_num_buckets: 32,
    feed_forward_proj: 'gated-gelu',
  },
  bart: {
    vocab_size: 50265,
    max_position_embeddings: 1024,
    d_model: 1024,
    encoder_layers: 12,
    decoder_layers: 12,
    encoder_ffn_dim: 4096,
    decoder_ffn_dim: 4096,
    encoder_attention_heads: 16,
    decoder_attention_heads: 16,
  },
  bert: {
    vocab_size: 30522,
    hidden_size: 768,
    num_hidden_layers: 12,
    num_attention_heads: 12,
    intermediate_size: 3072,
    max_position_embeddings: 512,
    type_vocab_size: 2,
  },
  roberta: {
    vocab_size: 50265,
    hidden_size: 768,
    num_hidden_layers: 12,
    num_attention_heads: 12,
    intermediate_size: 3072,
    max_position_embeddings: 512,
    type_vocab_size: 2,
  },
  'deberta-v2': {
    vocab_size: 128100,
    hidden_size: 1536,
    num_hidden_layers: 24,
    num_attention_heads: 24,
    intermediate_size: 6144,
    max_position_embeddings: 512,
    type_vocab_size: 0,
  },
};

/** transformers' PreTrainedConfig: num_labels is len(id2label) when the file has one, else num_labels, else 2. */
function labelCount(c: Json): number {
  const id2label = asObject(c.id2label);
  if (id2label && Object.keys(id2label).length > 0) return Object.keys(id2label).length;
  return isPosInt(c.num_labels) ? c.num_labels : 2;
}

/**
 * An encoder-decoder (t5, mt5, bart: fine-tuned as *ForConditionalGeneration) or encoder-only config (bert, roberta,
 * deberta-v2: fine-tuned as *ForSequenceClassification with the file's labels), counted by
 * shared/estimate/architecture.ts encoderArchitecture.
 */
function readEncoder(c0: Json, modelType: EncoderSpec['modelType'], warnings: string[]): Shape {
  const c = filled(c0, ENCODER_DEFAULTS[modelType], 'The config.json', `${modelType} config`, warnings);
  const where = modelType;
  const common = {
    modelType,
    numKvHeads: 0,
    linearBias: 'all' as const,
    lmHeadBias: false,
    norm: 'layernorm' as const,
    normsPerLayer: 2,
    fusedQkv: false,
    fusedGateUp: false,
    moe: null,
    mlp: 'plain' as const,
    qkNorm: 'none' as const,
    learnedPositions: 0,
    embeddingNorm: false,
    mla: null,
    mtpLayers: 0,
    slidingWindow: null,
    slidingWindowLayers: 0,
    vision: null,
  };
  const encoder = (e: Partial<EncoderSpec> & Pick<EncoderSpec, 'task' | 'encoderLayers'>): EncoderSpec => ({
    modelType,
    decoderLayers: 0,
    decoderIntermediateSize: null,
    relativePositions: 0,
    tokenTypes: 0,
    positionProjections: 0,
    relativeEmbeddingNorm: false,
    numLabels: null,
    poolerSize: 0,
    ...e,
  });
  if (modelType === 't5' || modelType === 'mt5') {
    const d = int(c, 'd_model', where);
    const heads = int(c, 'num_heads', where);
    const enc = int(c, 'num_layers', where);
    const dec = isNonNegInt(c.num_decoder_layers) ? c.num_decoder_layers : enc;
    const proj = typeof c.feed_forward_proj === 'string' ? c.feed_forward_proj : 'relu';
    const vocab = int(c, 'vocab_size', where);
    // models/t5 T5Config.__post_init__ (and MT5Config): "we tie weights always" — transformers 5 builds lm_head tied to
    // `shared` whatever the file says; tie_word_embeddings false only turns off the decoder-output scaling.
    if (c0.tie_word_embeddings === false)
      warnings.push(
        `tie_word_embeddings = false (T5 v1.1 / mT5): transformers 5 ties lm_head to the shared embedding anyway ` +
          `(T5Config.__post_init__), so the class has no separate ${(vocab * d).toLocaleString('en-US')}-parameter ` +
          `head; the checkpoint's own lm_head is not counted.`,
      );
    warnings.push(SEQ2SEQ_APPROXIMATION);
    return {
      ...common,
      hiddenSize: d,
      intermediateSize: int(c, 'd_ff', where),
      numLayers: enc + dec,
      numHeads: heads,
      numKvHeads: heads,
      headDim: int(c, 'd_kv', where),
      vocabSize: vocab,
      maxPositionEmbeddings: isPosInt(c.n_positions) ? c.n_positions : 512,
      tieWordEmbeddings: true,
      linearBias: 'none',
      norm: 'rmsnorm',
      mlp: proj.startsWith('gated-') ? 'gated' : 'plain',
      encoder: encoder({
        task: 'seq2seq',
        encoderLayers: enc,
        decoderLayers: dec,
        relativePositions: int(c, 'relative_attention_num_buckets', where),
      }),
    };
  }
  if (modelType === 'bart') {
    const d = int(c, 'd_model', where);
    const heads = int(c, 'encoder_attention_heads', where);
    if (d % heads !== 0)
      throw new ConfigImportError(
        `bart: d_model (${d}) must be divisible by encoder_attention_heads (${heads}); fix it in the config.json.`,
        ['encoder_attention_heads'],
      );
    const enc = int(c, 'encoder_layers', where);
    const dec = int(c, 'decoder_layers', where);
    const encFfn = int(c, 'encoder_ffn_dim', where);
    const decFfn = int(c, 'decoder_ffn_dim', where);
    const maxPos = int(c, 'max_position_embeddings', where);
    warnings.push(SEQ2SEQ_APPROXIMATION);
    return {
      ...common,
      hiddenSize: d,
      intermediateSize: encFfn,
      numLayers: enc + dec,
      numHeads: heads,
      numKvHeads: heads,
      headDim: d / heads,
      vocabSize: int(c, 'vocab_size', where),
      maxPositionEmbeddings: maxPos,
      tieWordEmbeddings: c.tie_word_embeddings !== false,
      // models/bart BartLearnedPositionalEmbedding: max_position_embeddings + 2 rows (the fairseq offset).
      learnedPositions: maxPos + 2,
      embeddingNorm: true,
      encoder: encoder({
        task: 'seq2seq',
        encoderLayers: enc,
        decoderLayers: dec,
        decoderIntermediateSize: decFfn === encFfn ? null : decFfn,
      }),
    };
  }
  // bert, roberta, deberta-v2: *ForSequenceClassification.
  const h = int(c, 'hidden_size', where);
  const heads = int(c, 'num_attention_heads', where);
  if (h % heads !== 0)
    throw new ConfigImportError(
      `${modelType}: hidden_size (${h}) must be divisible by num_attention_heads (${heads}); ` +
        'fix it in the config.json.',
      ['num_attention_heads'],
    );
  const layers = int(c, 'num_hidden_layers', where);
  const maxPos = int(c, 'max_position_embeddings', where);
  const tokenTypes = isNonNegInt(c.type_vocab_size) ? c.type_vocab_size : 0;
  const numLabels = labelCount(c);
  let positions = maxPos;
  let relativePositions = 0;
  let positionProjections = 0;
  let relativeEmbeddingNorm = false;
  let poolerSize = h;
  if (modelType === 'deberta-v2') {
    // models/deberta_v2 DebertaV2Embeddings / DebertaV2Encoder / DisentangledSelfAttention / ContextPooler.
    if (isPosInt(c.embedding_size) && c.embedding_size !== h)
      throw new ConfigImportError(
        `deberta-v2: embedding_size (${c.embedding_size}) differs from hidden_size (${h}): the embed_proj layout is ` +
          `not one Tuneplan counts.`,
        ['embedding_size'],
      );
    if (isPosInt(c.conv_kernel_size))
      throw new ConfigImportError(
        `deberta-v2: conv_kernel_size = ${c.conv_kernel_size} (deberta-v2-xlarge's convolution layer) is not a ` +
          `layout Tuneplan counts.`,
        ['conv_kernel_size'],
      );
    if (c.position_biased_input === false) positions = 0;
    if (c.relative_attention === true) {
      const maxRel =
        typeof c.max_relative_positions === 'number' && c.max_relative_positions >= 1
          ? c.max_relative_positions
          : maxPos;
      const buckets = typeof c.position_buckets === 'number' && c.position_buckets > 0 ? c.position_buckets : 0;
      relativePositions = 2 * (buckets || maxRel);
      const posAtt =
        typeof c.pos_att_type === 'string'
          ? c.pos_att_type
              .toLowerCase()
              .split('|')
              .map((x) => x.trim())
          : Array.isArray(c.pos_att_type)
            ? c.pos_att_type
            : [];
      if (c.share_att_key !== true)
        positionProjections = (posAtt.includes('c2p') ? 1 : 0) + (posAtt.includes('p2c') ? 1 : 0);
      if (positionProjections === 1 && !posAtt.includes('c2p'))
        throw new ConfigImportError(
          'deberta-v2: pos_att_type has "p2c" without "c2p" and share_att_key is false: Tuneplan lays out ' +
            'pos_key_proj before pos_query_proj; add "c2p" or set share_att_key to true.',
          ['pos_att_type'],
        );
    }
    relativeEmbeddingNorm =
      typeof c.norm_rel_ebd === 'string' &&
      c.norm_rel_ebd
        .toLowerCase()
        .split('|')
        .map((x) => x.trim())
        .includes('layer_norm') &&
      c.relative_attention === true;
    poolerSize = isPosInt(c.pooler_hidden_size) ? c.pooler_hidden_size : h;
  }
  warnings.push(
    `Sequence classification (${numLabels} labels${asObject(c.id2label) ? ', from id2label' : ''}): the head is ` +
      `counted and trained; memory and time have no vocabulary logits, only ${numLabels} per sequence.`,
  );
  return {
    ...common,
    hiddenSize: h,
    intermediateSize: int(c, 'intermediate_size', where),
    numLayers: layers,
    numHeads: heads,
    numKvHeads: heads,
    headDim: h / heads,
    vocabSize: int(c, 'vocab_size', where),
    // RoBERTa's max_position_embeddings (514) includes its padding_idx offset of 2: 512 usable positions.
    maxPositionEmbeddings: modelType === 'roberta' ? Math.max(1, maxPos - 2) : maxPos,
    tieWordEmbeddings: true,
    learnedPositions: positions,
    embeddingNorm: true,
    encoder: encoder({
      task: 'classification',
      encoderLayers: layers,
      relativePositions,
      tokenTypes,
      positionProjections,
      relativeEmbeddingNorm,
      numLabels,
      poolerSize,
    }),
  };
}

const moe = (numExperts: number, topK: number): NonNullable<ModelSpec['moe']> => ({
  numExperts,
  topK,
  sharedIntermediateSize: 0,
  sharedExpertGate: false,
  denseLayers: 0,
});

/** Map a family's own keys onto the standard ones, then read it as a Llama-like base. */
function mapped(c: Json, map: Record<string, string[]>): Json {
  const out: Json = { ...c };
  for (const [std, alts] of Object.entries(map)) {
    if (out[std] !== undefined) continue;
    const k = alts.find((a) => c[a] !== undefined && c[a] !== null);
    if (k) out[std] = c[k];
  }
  return out;
}

function readGpt(c0: Json, modelType: 'gpt2' | 'gptj', warnings: string[]): Shape {
  // models/gpt2 and models/gptj configuration attribute_map: n_embd, n_layer, n_head, n_positions; n_inner null → 4h.
  const c = mapped(c0, {
    hidden_size: ['n_embd'],
    num_hidden_layers: ['n_layer'],
    num_attention_heads: ['n_head'],
    max_position_embeddings: ['n_positions'],
  });
  if (isPosInt(c.hidden_size) && !isPosInt(c.n_inner)) c.intermediate_size = 4 * c.hidden_size;
  else c.intermediate_size = c.n_inner;
  if (c0.add_cross_attention === true)
    throw new ConfigImportError(
      'add_cross_attention = true: this GPT-2 is the decoder of an encoder-decoder model, ' +
        'which Tuneplan does not plan.',
    );
  delete c.num_key_value_heads;
  const s = llamaLike(c, modelType, [], { tie: modelType === 'gpt2', maxPos: modelType === 'gpt2' ? 1024 : 2048 });
  warnings.push(
    ...(typeof c.tie_word_embeddings === 'boolean'
      ? []
      : [`tie_word_embeddings is absent: assumed ${s.tieWordEmbeddings} (the transformers ${modelType} default).`]),
  );
  return modelType === 'gpt2'
    ? { ...s, linearBias: 'all', norm: 'layernorm', mlp: 'plain', learnedPositions: s.maxPositionEmbeddings }
    : // GPT-J: parallel attention and MLP under one ln_1; attention without biases; lm_head with a bias.
      { ...s, linearBias: 'mlp', lmHeadBias: true, norm: 'layernorm', normsPerLayer: 1, mlp: 'plain' };
}

function readFalcon(c0: Json, rawModelType: string, warnings: string[]): Shape {
  // transformers models/falcon FalconConfig / FalconDecoderLayer; the RW layout's keys (n_head, n_head_kv,
  // n_layer) as in tiiuae's modelling_RW.py: RefinedWebModel = multi-query, parallel (falcon-7b);
  // RefinedWeb = grouped kv heads with ln_attn / ln_mlp (falcon-40b), transformers' new_decoder_architecture.
  const c = mapped(c0, {
    num_hidden_layers: ['n_layer'],
    num_attention_heads: ['n_head'],
    num_kv_heads: ['n_head_kv'],
  });
  const rw = rawModelType === 'RefinedWeb' || rawModelType === 'RefinedWebModel';
  const newArch = rw ? rawModelType === 'RefinedWeb' : c.new_decoder_architecture === true;
  const multiQuery = rw ? rawModelType === 'RefinedWebModel' && c.multi_query !== false : c.multi_query !== false;
  const parallel = c.parallel_attn !== false;
  if (!parallel)
    throw new ConfigImportError(
      'parallel_attn = false: no released Falcon uses the serial layout, and Tuneplan does not lay it out (set ' +
        'parallel_attn to true if this is a mistake).',
      ['parallel_attn'],
    );
  need(c, 'falcon', ['hidden_size', 'num_hidden_layers', 'num_attention_heads', 'vocab_size']);
  const h = c.hidden_size as number;
  const heads = c.num_attention_heads as number;
  const kvConfigured = isPosInt(c.num_kv_heads) ? c.num_kv_heads : heads;
  const kv = newArch || !multiQuery ? kvConfigured : 1;
  const ffn = isPosInt(c.ffn_hidden_size) ? c.ffn_hidden_size : 4 * h;
  const lnPar = isPosInt(c.num_ln_in_parallel_attn) ? c.num_ln_in_parallel_attn : newArch ? 2 : 1;
  const norms = !parallel ? 2 : newArch && lnPar === 2 ? 2 : 1;
  const base = llamaLike({ ...c, num_key_value_heads: kv, intermediate_size: ffn }, 'falcon', [], {
    tie: true,
    maxPos: 2048,
  });
  if (typeof c.tie_word_embeddings !== 'boolean')
    warnings.push('tie_word_embeddings is absent: assumed true (the transformers falcon default).');
  return {
    ...base,
    linearBias: c.bias === true ? 'all' : 'none',
    norm: 'layernorm',
    normsPerLayer: norms,
    mlp: 'plain',
    // FalconDecoderLayer with two parallel norms: ln_attn(x) and ln_mlp(x) read the same x.
    ...(norms === 2 ? { sharedNormInput: true } : {}),
  };
}

function readBloom(c0: Json, warnings: string[]): Shape {
  // models/bloom: n_layer, n_head (attribute_map), n_embed (older files); ALiBi (no position parameters),
  // word_embeddings_layernorm, biases everywhere, MLP 4h, tied head.
  const c = mapped(c0, { hidden_size: ['n_embed'], num_hidden_layers: ['n_layer'], num_attention_heads: ['n_head'] });
  need(c, 'bloom', ['hidden_size', 'num_hidden_layers', 'num_attention_heads', 'vocab_size']);
  const s = llamaLike(
    { ...c, intermediate_size: 4 * (c.hidden_size as number), num_key_value_heads: undefined },
    'bloom',
    [],
    {
      tie: true,
      maxPos: 2048,
    },
  );
  warnings.push(
    `BLOOM uses ALiBi and has no max_position_embeddings; context ` +
      `${isPosInt(c.seq_length) ? `${c.seq_length} (seq_length)` : '2048 assumed (its training length)'}.`,
  );
  return {
    ...s,
    maxPositionEmbeddings: isPosInt(c.seq_length) ? c.seq_length : 2048,
    linearBias: 'all',
    norm: 'layernorm',
    mlp: 'plain',
    embeddingNorm: true,
  };
}

function readOpt(c: Json, warnings: string[]): Shape {
  // models/opt: q/k/v/out_proj and fc1/fc2 with `enable_bias`, LayerNorms, learned positions with an offset of 2.
  need(c, 'opt', ['hidden_size', 'ffn_dim', 'num_hidden_layers', 'num_attention_heads', 'vocab_size']);
  const h = c.hidden_size as number;
  if (isPosInt(c.word_embed_proj_dim) && c.word_embed_proj_dim !== h)
    throw new ConfigImportError(
      `word_embed_proj_dim (${c.word_embed_proj_dim}) differs from hidden_size (${h}): this OPT (opt-350m's layout) ` +
        `projects its embeddings in and out, which Tuneplan does not count.`,
      ['word_embed_proj_dim'],
    );
  if (c.do_layer_norm_before === false || c.layer_norm_elementwise_affine === false)
    throw new ConfigImportError(
      'do_layer_norm_before = false or layer_norm_elementwise_affine = false: this OPT layout (opt-350m, post-norm) ' +
        'is not one Tuneplan counts.',
      ['do_layer_norm_before'],
    );
  const s = llamaLike({ ...c, intermediate_size: c.ffn_dim, num_key_value_heads: undefined }, 'opt', warnings, {
    tie: true,
    maxPos: 2048,
  });
  return {
    ...s,
    linearBias: c.enable_bias === false ? 'none' : 'all',
    norm: 'layernorm',
    mlp: 'plain',
    learnedPositions: s.maxPositionEmbeddings + 2,
  };
}

function readChatglm(c: Json, warnings: string[]): Shape {
  // Hub THUDM/chatglm3-6b and THUDM/glm-4-9b-chat modeling_chatglm.py (ChatGLMConfig): num_layers,
  // kv_channels, multi_query_group_num, ffn_hidden_size (SwiGLU, dense_h_to_4h h → 2·ffn),
  // padded_vocab_size, add_qkv_bias, add_bias_linear, rmsnorm, post_layer_norm; untied output_layer.
  need(c, 'chatglm', ['hidden_size', 'num_layers', 'num_attention_heads', 'ffn_hidden_size', 'padded_vocab_size']);
  if (c.post_layer_norm === false)
    throw new ConfigImportError(
      'post_layer_norm = false: a ChatGLM without its final norm is not one Tuneplan counts.',
      ['post_layer_norm'],
    );
  const heads = c.num_attention_heads as number;
  const h = c.hidden_size as number;
  const headDim = isPosInt(c.kv_channels) ? c.kv_channels : h / heads;
  const kv = c.multi_query_attention === true && isPosInt(c.multi_query_group_num) ? c.multi_query_group_num : heads;
  const s = llamaLike(
    {
      ...c,
      num_hidden_layers: c.num_layers,
      intermediate_size: c.ffn_hidden_size,
      vocab_size: c.padded_vocab_size,
      head_dim: headDim,
      num_key_value_heads: kv,
      max_position_embeddings: c.seq_length,
      tie_word_embeddings: c.tie_word_embeddings === true,
    },
    'chatglm',
    warnings,
    { maxPos: 2048 },
  );
  const linear = c.add_bias_linear === true;
  const qkv = c.add_qkv_bias === true || linear;
  return {
    ...s,
    linearBias: linear ? 'all' : qkv ? 'qkv' : 'none',
    norm: c.rmsnorm === false ? 'layernorm' : 'rmsnorm',
  };
}

/**
 * transformers 5 config-class defaults of the language models the multimodal classes build, for keys a
 * text_config leaves out (llava-hf/llava-1.5-7b-hf's text_config names only vocab_size and
 * max_position_embeddings; google/gemma-3-4b-it's leaves out the head counts). From models/llama
 * LlamaConfig, models/qwen2_vl Qwen2VLTextConfig, models/qwen2_5_vl Qwen2_5_VLTextConfig, models/mllama
 * MllamaTextConfig and models/gemma3 Gemma3TextConfig.
 */
const TEXT_DEFAULTS: Record<string, Json> = {
  llama: {
    vocab_size: 32000,
    hidden_size: 4096,
    intermediate_size: 11008,
    num_hidden_layers: 32,
    num_attention_heads: 32,
    max_position_embeddings: 2048,
  },
  qwen2_vl_text: {
    vocab_size: 152064,
    hidden_size: 8192,
    intermediate_size: 29568,
    num_hidden_layers: 80,
    num_attention_heads: 64,
    num_key_value_heads: 8,
    max_position_embeddings: 32768,
  },
  mllama_text_model: {
    vocab_size: 128256,
    hidden_size: 4096,
    intermediate_size: 14336,
    num_hidden_layers: 40,
    num_attention_heads: 32,
    num_key_value_heads: 8,
    max_position_embeddings: 131072,
    cross_attention_layers: [3, 8, 13, 18, 23, 28, 33, 38],
  },
  gemma3_text: {
    vocab_size: 262208,
    hidden_size: 2304,
    intermediate_size: 9216,
    num_hidden_layers: 26,
    num_attention_heads: 8,
    num_key_value_heads: 4,
    head_dim: 256,
    max_position_embeddings: 131072,
    sliding_window: 4096,
  },
};
TEXT_DEFAULTS.qwen2_5_vl_text = TEXT_DEFAULTS.qwen2_vl_text!;
// models/phi4_multimodal Phi4MultimodalConfig (configuration_phi4_multimodal.py lines 183-190; num_key_value_heads
// None means num_attention_heads, __post_init__).
TEXT_DEFAULTS.phi4_multimodal = {
  vocab_size: 200064,
  hidden_size: 3072,
  intermediate_size: 8192,
  num_hidden_layers: 32,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  max_position_embeddings: 131072,
};

/**
 * Vision config-class defaults (transformers 5): models/clip CLIPVisionConfig (LlavaConfig's own defaults when
 * the file has no vision_config at all), models/siglip SiglipVisionConfig, models/idefics3 Idefics3VisionConfig,
 * models/qwen2_vl Qwen2VLVisionConfig, models/qwen2_5_vl Qwen2_5_VLVisionConfig, models/mllama MllamaVisionConfig.
 */
/**
 * CLIP ViT-L/14 at 336 px (openai/clip-vit-large-patch14-336): the tower LLaVA 1.5 configs name and the one Phi-3-V's
 * Hub code hard-codes (PHI3V_CLIP).
 */
const CLIP_VIT_L14_336: Json = {
  hidden_size: 1024,
  intermediate_size: 4096,
  num_hidden_layers: 24,
  num_attention_heads: 16,
  num_channels: 3,
  image_size: 336,
  patch_size: 14,
};

const VISION_DEFAULTS: Record<string, Json> = {
  clip_vision_model: {
    hidden_size: 768,
    intermediate_size: 3072,
    num_hidden_layers: 12,
    num_attention_heads: 12,
    num_channels: 3,
    image_size: 224,
    patch_size: 32,
  },
  llava_clip: CLIP_VIT_L14_336,
  siglip_vision_model: {
    hidden_size: 768,
    intermediate_size: 3072,
    num_hidden_layers: 12,
    num_attention_heads: 12,
    num_channels: 3,
    image_size: 224,
    patch_size: 16,
    vision_use_head: true,
  },
  idefics3_vision: {
    hidden_size: 1152,
    intermediate_size: 3072,
    num_hidden_layers: 12,
    num_attention_heads: 16,
    num_channels: 3,
    image_size: 224,
    patch_size: 32,
  },
  qwen2_vl_vision: {
    depth: 32,
    embed_dim: 1280,
    hidden_size: 3584,
    mlp_ratio: 4,
    num_heads: 16,
    in_channels: 3,
    patch_size: 14,
    spatial_merge_size: 2,
    temporal_patch_size: 2,
  },
  qwen2_5_vl_vision: {
    depth: 32,
    hidden_size: 3584,
    intermediate_size: 3420,
    num_heads: 16,
    in_channels: 3,
    patch_size: 14,
    spatial_merge_size: 2,
    temporal_patch_size: 2,
    out_hidden_size: 3584,
  },
  mllama_vision_model: {
    hidden_size: 1280,
    intermediate_size: 5120,
    num_hidden_layers: 32,
    num_global_layers: 8,
    attention_heads: 16,
    num_channels: 3,
    vision_output_dim: 7680,
    image_size: 448,
    patch_size: 14,
    max_num_tiles: 4,
    supported_aspect_ratios: [
      [1, 1],
      [1, 2],
      [1, 3],
      [1, 4],
      [2, 1],
      [2, 2],
      [3, 1],
      [4, 1],
    ],
  },
};

// models/phi4_multimodal Phi4MultimodalVisionConfig and Phi4MultimodalAudioConfig (configuration_phi4_multimodal.py
// lines 44-56 and 111-134): the fields that shape their weights.
VISION_DEFAULTS.phi4_multimodal_vision = {
  hidden_size: 1152,
  intermediate_size: 4304,
  num_hidden_layers: 27,
  num_attention_heads: 16,
  num_channels: 3,
  image_size: 448,
  patch_size: 14,
  crop_size: 448,
};
const PHI4_AUDIO_DEFAULTS: Json = {
  hidden_size: 1024,
  intermediate_size: 1536,
  num_blocks: 24,
  num_attention_heads: 16,
  ext_pw_out_channel: 1024,
  depthwise_separable_out_channel: 1024,
  depthwise_multiplier: 1,
  kernel_size: 3,
  input_size: 80,
  time_reduction: 8,
  bias_max_distance: 1000,
  bias_symmetric: false,
  nemo_conv_channels: 1024,
  downsample_rate: 1,
};

/** `obj` with `defaults` filled in for absent (or null) keys; the filled keys are named in a warning. */
function filled(obj: Json, defaults: Json, where: string, source: string, warnings: string[]): Json {
  const out: Json = { ...obj };
  const added: string[] = [];
  for (const [k, v] of Object.entries(defaults)) {
    if (out[k] === undefined || out[k] === null) {
      out[k] = v;
      added.push(`${k} = ${JSON.stringify(v)}`);
    }
  }
  if (added.length > 0) warnings.push(`${where} leaves out ${added.join(', ')}: the transformers ${source} defaults.`);
  return out;
}

function int(obj: Json, key: string, where: string): number {
  const v = obj[key];
  if (!isPosInt(v))
    throw new ConfigImportError(
      `${where}.${key} must be a positive whole number (it is ${JSON.stringify(v)}); fix it in the config.json.`,
      [`${where}.${key}`],
    );
  return v;
}

const asObject = (v: unknown): Json | null =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : null;

/**
 * A vision-language config.json (issue 16): the language model read as its text family, plus the vision tower
 * and projector (VisionSpec), each from the file's own nesting — text_config / vision_config (llava, mllama,
 * idefics3, gemma3, transformers ≥ 4.5x saves of Qwen), or the text keys at the top level (Qwen/Qwen2-VL and
 * Qwen2.5-VL Hub files: Qwen2VLConfig.__post_init__ builds text_config from them).
 */
function readVision(c: Json, vt: VisionSpec['modelType'], warnings: string[]): Shape {
  // Qwen's Hub files, Phi-3-V's (Phi3VConfig is a Phi3Config plus img_processor / embd_layer) and Phi-4-multimodal's
  // (Phi4MultimodalConfig holds the text keys itself, beside vision_config / audio_config) keep the text keys at the
  // top level.
  const flat = vt === 'qwen2_vl' || vt === 'qwen2_5_vl' || vt === 'phi3_v' || vt === 'phi4_multimodal';
  const textRaw = asObject(c.text_config) ?? (flat ? c : {});
  // The sub-config class each multimodal config builds (configuration_*.py sub_configs_defaults): llava and
  // idefics3 resolve text_config.model_type through AutoConfig (default llama); the others use a fixed class,
  // whatever model_type the file's text_config says (meta-llama/Llama-3.2-11B-Vision writes "mllama").
  const textType: string =
    vt === 'llava' || vt === 'idefics3'
      ? typeof textRaw.model_type === 'string'
        ? textRaw.model_type
        : 'llama'
      : {
          qwen2_vl: 'qwen2_vl_text',
          qwen2_5_vl: 'qwen2_5_vl_text',
          mllama: 'mllama_text_model',
          gemma3: 'gemma3_text',
          phi3_v: 'phi3',
          phi4_multimodal: 'phi4_multimodal',
        }[vt];
  // Phi4MultimodalDecoderLayer (modeling_phi4_multimodal.py lines 1217-1291) has Phi-3's modules: fused qkv_proj and
  // gate_up_proj, no biases, two RMSNorms.
  const family =
    (
      {
        qwen2_vl_text: 'qwen2',
        qwen2_5_vl_text: 'qwen2',
        mllama_text_model: 'llama',
        phi4_multimodal: 'phi3',
      } as Record<string, string>
    )[textType] ?? textType;
  if (
    !(KNOWN_MODEL_TYPES as readonly string[]).includes(family) ||
    family === 'chatglm' ||
    family === 'phi3small' ||
    isEncoderModelType(family)
  )
    throw new ConfigImportError(
      `model_type "${vt}" has a text_config with model_type "${textType}", a language model Tuneplan does not read ` +
        `inside a vision-language model (it reads ${KNOWN_MODEL_TYPES.filter(
          (t) => t !== 'chatglm' && t !== 'phi3small' && !isEncoderModelType(t),
        ).join(', ')}).`,
      ['text_config.model_type'],
    );
  const textWarnings: string[] = [];
  const defaults = TEXT_DEFAULTS[textType];
  const text = defaults ? filled(textRaw, defaults, 'text_config', textType, textWarnings) : { ...textRaw };
  text.model_type = family;
  // The multimodal classes build the lm_head from the outer config's tie_word_embeddings: llava and Qwen also take
  // a text_config that says true (LlavaConfig / Qwen2VLConfig __post_init__), Gemma 3 defaults to tied, and
  // MllamaForConditionalGeneration never ties (its embedding has vocab_size + 8 rows).
  const tieDefault = vt === 'gemma3';
  const tie =
    vt === 'mllama'
      ? false
      : vt === 'llava' || vt === 'qwen2_vl' || vt === 'qwen2_5_vl'
        ? c.tie_word_embeddings === true || textRaw.tie_word_embeddings === true
        : typeof c.tie_word_embeddings === 'boolean'
          ? c.tie_word_embeddings
          : tieDefault;
  text.tie_word_embeddings = tie;
  let lm = readKnown(text, family as (typeof KNOWN_MODEL_TYPES)[number], family, textWarnings);
  if (family === 'qwen2' || vt === 'mllama' || vt === 'phi4_multimodal') {
    // Qwen2VLTextConfig has no attention_bias (q/k/v always biased, as Qwen2); MllamaTextSelfAttention and its
    // cross-attention have no biases, nor have Phi4MultimodalAttention / Phi4MultimodalMLP and its lm_head (whatever
    // attention_bias, mlp_bias or lm_head_bias a phi4mm file says).
    lm = {
      ...lm,
      linearBias: family === 'qwen2' ? 'qkv' : 'none',
      lmHeadBias: vt === 'phi4_multimodal' ? false : lm.lmHeadBias,
    };
  }
  warnings.push(...textWarnings.filter((w) => !w.startsWith('tie_word_embeddings')).map((w) => `text_config: ${w}`));
  if (typeof c.tie_word_embeddings !== 'boolean' && vt !== 'mllama')
    warnings.push(`tie_word_embeddings is absent: assumed ${tie} (the transformers ${vt} rule).`);
  const vision = readVisionTower(c, vt, lm, text, warnings);
  warnings.push(
    `Vision-language model: the vision tower (${billions(vision.towerParamsHint - vision.spec.audioParams)} ` +
      'parameters) ' +
      'is counted as frozen weights and ' +
      `LoRA-family counts cover the language model's modules only. PEFT matches target_modules by name in the vision ` +
      `tower too (q_proj, fc1, ...) and "all-linear" adapts it: target the language model by a regex on its ` +
      `module path.`,
  );
  return { ...lm, vision: vision.spec };
}

const billions = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} B` : `${(n / 1e6).toFixed(1)} M`);

function readVisionTower(
  c: Json,
  vt: VisionSpec['modelType'],
  lm: Shape,
  text: Json,
  warnings: string[],
): { spec: VisionSpec; towerParamsHint: number } {
  const raw = asObject(c.vision_config);
  const w = 'vision_config';
  let spec: VisionSpec;
  switch (vt) {
    case 'llava': {
      const vmt = typeof raw?.model_type === 'string' ? raw.model_type : 'clip_vision_model';
      if (vmt !== 'clip_vision_model' && vmt !== 'siglip_vision_model')
        throw new ConfigImportError(
          `llava's vision_config.model_type is "${vmt}"; Tuneplan counts clip_vision_model and siglip_vision_model ` +
            `towers inside llava.`,
          ['vision_config.model_type'],
        );
      const v = raw
        ? filled(raw, VISION_DEFAULTS[vmt]!, w, vmt, warnings)
        : filled({}, VISION_DEFAULTS.llava_clip!, w, 'LlavaConfig vision_config', warnings);
      const clip = vmt === 'clip_vision_model';
      const H = int(v, 'hidden_size', w);
      const layers = Array.isArray(c.vision_feature_layer) ? c.vision_feature_layer.length : 1;
      const n = Math.floor(int(v, 'image_size', w) / int(v, 'patch_size', w)) ** 2;
      // LlavaModel.get_image_features: "default" drops the first token (CLIP's class token), "full" keeps all.
      const tokens = (clip ? n + 1 : n) - (c.vision_feature_select_strategy === 'full' ? 0 : 1);
      spec = {
        ...towerCommon(v, w, 'num_hidden_layers', 'num_attention_heads', 'num_channels'),
        modelType: vt,
        tower: clip ? 'clip' : 'siglip',
        poolingHead: !clip && v.vision_use_head !== false,
        projector: 'mlp2',
        projectorInSize: H * layers,
        projectorOutSize: lm.hiddenSize,
        projectorBias: c.multimodal_projector_bias !== false,
        imageTokensPerImage: tokens,
      };
      break;
    }
    case 'qwen2_vl':
    case 'qwen2_5_vl': {
      const q2 = vt === 'qwen2_vl';
      const v = filled(raw ?? {}, VISION_DEFAULTS[`${vt}_vision`]!, w, `${vt}_vision`, warnings);
      const H = int(v, q2 ? 'embed_dim' : 'hidden_size', w);
      if (q2 && !(typeof v.mlp_ratio === 'number' && v.mlp_ratio > 0))
        throw new ConfigImportError('vision_config.mlp_ratio must be a positive number.', ['vision_config.mlp_ratio']);
      const merge = int(v, 'spatial_merge_size', w);
      spec = {
        modelType: vt,
        tower: vt,
        hiddenSize: H,
        // models/qwen2_vl VisionMlp: hidden_features = int(embed_dim * mlp_ratio)
        intermediateSize: q2 ? Math.trunc(H * (v.mlp_ratio as number)) : int(v, 'intermediate_size', w),
        numLayers: int(v, 'depth', w),
        numHeads: int(v, 'num_heads', w),
        patchSize: int(v, 'patch_size', w),
        numChannels: int(v, 'in_channels', w),
        imageSize: null,
        temporalPatchSize: int(v, 'temporal_patch_size', w),
        mergeSize: merge,
        poolingHead: false,
        globalLayers: 0,
        maxNumTiles: 1,
        aspectRatios: 0,
        projector: 'merger',
        projectorInSize: H * merge * merge,
        projectorOutSize: int(v, q2 ? 'hidden_size' : 'out_hidden_size', w),
        projectorBias: true,
        crossAttentionLayers: 0,
        extraEmbeddings: 0,
        imageTokensPerImage: null,
        freezeTower: true,
        audioParams: 0,
      };
      break;
    }
    case 'mllama': {
      const v = filled(raw ?? {}, VISION_DEFAULTS.mllama_vision_model!, w, 'mllama_vision_model', warnings);
      const ratios = v.supported_aspect_ratios;
      if (!Array.isArray(ratios))
        throw new ConfigImportError('vision_config.supported_aspect_ratios must be a list of [rows, columns].', [
          'vision_config.supported_aspect_ratios',
        ]);
      const cross = Array.isArray(text.cross_attention_layers) ? (text.cross_attention_layers as unknown[]) : [];
      const crossLayers = new Set(cross.filter((i) => isNonNegInt(i) && i < lm.numLayers)).size;
      spec = {
        ...towerCommon(v, w, 'num_hidden_layers', 'attention_heads', 'num_channels'),
        modelType: vt,
        tower: 'mllama',
        globalLayers: isNonNegInt(v.num_global_layers) ? v.num_global_layers : int(v, 'num_global_layers', w),
        maxNumTiles: int(v, 'max_num_tiles', w),
        aspectRatios: ratios.length,
        projector: 'linear',
        projectorInSize: int(v, 'vision_output_dim', w),
        projectorOutSize: lm.hiddenSize,
        projectorBias: true,
        crossAttentionLayers: crossLayers,
        extraEmbeddings: 8,
        // Images reach the language model through cross-attention, not as tokens in its sequence.
        imageTokensPerImage: null,
      };
      break;
    }
    case 'idefics3': {
      const v = filled(raw ?? {}, VISION_DEFAULTS.idefics3_vision!, w, 'idefics3_vision', warnings);
      const scale = isPosInt(c.scale_factor) ? c.scale_factor : 2;
      const H = int(v, 'hidden_size', w);
      spec = {
        ...towerCommon(v, w, 'num_hidden_layers', 'num_attention_heads', 'num_channels'),
        modelType: vt,
        tower: 'siglip',
        mergeSize: scale,
        projector: 'linear',
        projectorInSize: H * scale * scale,
        projectorOutSize: lm.hiddenSize,
        projectorBias: false,
        // The processor splits an image into tiles plus a global view; the count depends on the image.
        imageTokensPerImage: null,
      };
      break;
    }
    case 'phi3_v':
      spec = readPhi3vTower(c, lm, warnings);
      break;
    case 'phi4_multimodal':
      spec = readPhi4Tower(c, lm, warnings);
      break;
    case 'gemma3': {
      const v = filled(raw ?? {}, VISION_DEFAULTS.siglip_vision_model!, w, 'siglip_vision_model', warnings);
      spec = {
        ...towerCommon(v, w, 'num_hidden_layers', 'num_attention_heads', 'num_channels'),
        modelType: vt,
        tower: 'siglip',
        poolingHead: v.vision_use_head !== false,
        projector: 'gemma3',
        projectorInSize: int(v, 'hidden_size', w),
        projectorOutSize: lm.hiddenSize,
        projectorBias: false,
        imageTokensPerImage: isPosInt(c.mm_tokens_per_image) ? c.mm_tokens_per_image : 256,
      };
      break;
    }
  }
  return { spec, towerParamsHint: visionParams(spec, { ...lm, name: vt }).towerParams };
}

/**
 * The CLIP tower Phi-3-V's Hub code builds, whatever config.json says beyond its name:
 * CLIP_VIT_LARGE_PATCH14_336_CONFIG (microsoft/Phi-3.5-vision-instruct modeling_phi3_v.py with
 * image_embedding_phi3_v.py inlined, as copied in sdpython/experimental-experiment@5747758a
 * experimental_experiment/torch_models/fromhub/modeling_phi3_v.py lines 67-82; line 162 builds
 * CLIPVisionModel(clip_config), all 24 layers).
 */
const PHI3V_CLIP: Json = CLIP_VIT_L14_336;
/** Phi3VProcessor num_crops Tuneplan plans when none is given (see shared/estimate/vision.ts, phi3_v). */
export const PHI3V_DEFAULT_NUM_CROPS = 4;

/**
 * Phi-3-V's image side (Hub Phi3ImageEmbedding, the copy cited at PHI3V_CLIP, lines 129-226): only the layout
 * Microsoft's checkpoints use is read — the HD transform with learnable separators (glb_GN, sub_GN), "sub_glb" order
 * (hd_feature_transform asserts it) and the two-layer "mlp" projection over 2×2-merged features (4·image_dim_out
 * wide; a "linear" projection would not take them). Anything else is refused with the field.
 */
function readPhi3vTower(c: Json, lm: Shape, warnings: string[]): VisionSpec {
  const ip = asObject(c.img_processor);
  const el = asObject(c.embd_layer);
  if (!el)
    throw new ConfigImportError(
      'model_type "phi3_v" without an embd_layer object builds no image embedding (Phi3VModel: vision_embed_tokens = ' +
        'None). Add the embd_layer of the checkpoint, or set model_type to "phi3" to plan the language model alone.',
      ['embd_layer'],
    );
  if (!ip)
    throw new ConfigImportError(
      'model_type "phi3_v" needs an img_processor object ({"name": "clip_vision_model", "model_name": ' +
        '"openai/clip-vit-large-patch14-336", "image_dim_out": 1024, "num_img_tokens": 144} in ' +
        'microsoft/Phi-3.5-vision-instruct); fix it in the config.json.',
      ['img_processor'],
    );
  const expect = (obj: Json, where: string, key: string, value: unknown, why: string) => {
    if (obj[key] !== value)
      throw new ConfigImportError(
        `${where}.${key} is ${JSON.stringify(obj[key])}; Tuneplan reads Phi-3-V's checkpoint layout, which has ` +
          `${JSON.stringify(value)} (${why}). Set ${where}.${key} to ${JSON.stringify(value)}, or estimate this ` +
          `variant by hand.`,
        [`${where}.${key}`],
      );
  };
  const code = 'modeling_phi3_v.py Phi3ImageEmbedding';
  expect(ip, 'img_processor', 'name', 'clip_vision_model', `${code} builds only a CLIPVisionModel`);
  expect(ip, 'img_processor', 'model_name', 'openai/clip-vit-large-patch14-336', `${code} asserts it`);
  expect(ip, 'img_processor', 'image_dim_out', 1024, 'reshape_hd_patches_2x2merge asserts 1024-wide CLIP features');
  if (!isPosInt(ip.num_img_tokens))
    throw new ConfigImportError(
      `img_processor.num_img_tokens must be a positive whole number (it is ${JSON.stringify(ip.num_img_tokens)}; ` +
        `${code} asserts it is given; the Hub file has 144).`,
      ['img_processor.num_img_tokens'],
    );
  if (ip.type_feature !== undefined)
    expect(ip, 'img_processor', 'type_feature', 'patch', `get_img_features raises NotImplementedError otherwise`);
  expect(el, 'embd_layer', 'use_hd_transform', true, 'images go through the HD transform only');
  expect(el, 'embd_layer', 'with_learnable_separator', true, `${code} asserts it equals use_hd_transform`);
  expect(el, 'embd_layer', 'hd_transform_order', 'sub_glb', 'hd_feature_transform asserts it');
  expect(el, 'embd_layer', 'projection_cls', 'mlp', 'the HD features are 4·image_dim_out wide');
  warnings.push(
    'img_processor names openai/clip-vit-large-patch14-336: the Hub code builds that CLIP tower from its own fixed ' +
      'config (24 layers, hidden 1024, 336 px / 14 patches), not from config.json.',
    `Image tokens follow Phi3VProcessor's num_crops, which config.json does not hold: planned with ` +
      `${PHI3V_DEFAULT_NUM_CROPS} (the processor's default for microsoft/Phi-3.5-vision-instruct; the model card ` +
      `asks for 4 with several images or frames and 16 for a single image, which gives more tokens per image).`,
  );
  return {
    ...towerCommon(PHI3V_CLIP, 'img_processor', 'num_hidden_layers', 'num_attention_heads', 'num_channels'),
    modelType: 'phi3_v',
    tower: 'clip',
    maxNumTiles: PHI3V_DEFAULT_NUM_CROPS,
    projector: 'phi3_v',
    projectorInSize: 4 * (ip.image_dim_out as number),
    projectorOutSize: lm.hiddenSize,
    projectorBias: true,
    imageTokensPerImage: null,
  };
}

/**
 * Phi-4-multimodal's image and audio sides (transformers 5.24 models/phi4_multimodal): Phi4MultimodalVisionModel (a
 * SigLIP tower with its pooling head, built always: modeling_phi4_multimodal.py lines 387-398) from vision_config, the
 * projection and separators (lines 473-477), and the audio encoder from audio_config, counted exactly
 * (phi4AudioParams) as frozen weights: Tuneplan plans images as the only non-text inputs.
 */
function readPhi4Tower(c: Json, lm: Shape, warnings: string[]): VisionSpec {
  const w = 'vision_config';
  const v = filled(
    asObject(c.vision_config) ?? {},
    VISION_DEFAULTS.phi4_multimodal_vision!,
    w,
    'phi4_multimodal_vision',
    warnings,
  );
  const aw = 'audio_config';
  const a = filled(asObject(c.audio_config) ?? {}, PHI4_AUDIO_DEFAULTS, aw, 'phi4_multimodal_audio', warnings);
  const tr = int(a, 'time_reduction', aw);
  // Phi4MultimodalAudioConfig.validate_architecture; NemoConvSubsampling stacks log2(time_reduction) stride-2 convs.
  if (tr % 2 !== 0)
    throw new ConfigImportError(`audio_config.time_reduction is ${tr}; transformers requires a multiple of 2.`, [
      'audio_config.time_reduction',
    ]);
  const audioParams = phi4AudioParams(
    {
      hiddenSize: int(a, 'hidden_size', aw),
      intermediateSize: int(a, 'intermediate_size', aw),
      numBlocks: int(a, 'num_blocks', aw),
      numHeads: int(a, 'num_attention_heads', aw),
      inputSize: int(a, 'input_size', aw),
      timeReduction: tr,
      nemoConvChannels: int(a, 'nemo_conv_channels', aw),
      extPwOutChannel: int(a, 'ext_pw_out_channel', aw),
      depthwiseSeparableOutChannel: int(a, 'depthwise_separable_out_channel', aw),
      depthwiseMultiplier: int(a, 'depthwise_multiplier', aw),
      kernelSize: int(a, 'kernel_size', aw),
      biasMaxDistance: int(a, 'bias_max_distance', aw),
      biasSymmetric: a.bias_symmetric === true,
      downsampleRate: int(a, 'downsample_rate', aw),
    },
    lm.hiddenSize,
  );
  warnings.push(
    `Phi-4-multimodal's audio encoder and its projections (${billions(audioParams)} parameters) are counted as ` +
      'frozen weights: Tuneplan plans images as the only non-text inputs, so no audio runs through them and none of ' +
      'them trains (only images are planned; speech data is not).',
    `Image tokens follow Phi4MultimodalImageProcessor's dynamic_hd, which config.json does not hold: planned with ` +
      `${PHI4_MULTIMODAL_DYNAMIC_HD} (the processor's default), the most 448-px crops of one image.`,
  );
  return {
    ...towerCommon(v, w, 'num_hidden_layers', 'num_attention_heads', 'num_channels'),
    modelType: 'phi4_multimodal',
    tower: 'siglip',
    poolingHead: true,
    maxNumTiles: PHI4_MULTIMODAL_DYNAMIC_HD,
    projector: 'phi4_multimodal',
    projectorInSize: int(v, 'hidden_size', w),
    projectorOutSize: lm.hiddenSize,
    projectorBias: true,
    imageTokensPerImage: null,
    audioParams,
  };
}

/** The Hub checkpoint keys convert_phi4_multimodal_weights_to_hf.py convert_config pops before building the config. */
const PHI4MM_DROPPED = [
  '_name_or_path',
  'architectures',
  'auto_map',
  'vision_lora',
  'speech_lora',
  'transformers_version',
  '_attn_implementation',
  'embd_layer',
  'audio_processor',
];

/**
 * A Hub `phi4mm` config.json (microsoft/Phi-4-multimodal-instruct's remote code) → the native phi4_multimodal config,
 * as transformers' src/transformers/models/phi4_multimodal/convert_phi4_multimodal_weights_to_hf.py convert_config
 * builds it (huggingface/transformers@089c232c): the text keys kept as they are; vision_config = only
 * embd_layer.image_embd_layer.crop_size (every other vision field is Phi4MultimodalVisionConfig's default, the SigLIP
 * tower the Hub code builds); audio_config = audio_processor.config with attention_dim → hidden_size,
 * attention_heads → num_attention_heads, linear_units → intermediate_size, nemo_conv_settings.conv_channels →
 * nemo_conv_channels, relative_attention_bias_args.t5_bias_max_distance → bias_max_distance, plus
 * embd_layer.audio_embd_layer.downsample_rate. The script then loads the checkpoint's base weights into
 * Phi4MultimodalForCausalLM and raises on any missing key but the tied lm_head or any unexpected key, so the native
 * model holds exactly the checkpoint's base weights. Its LoRA weights are not base weights: the script drops them
 * (map_old_key_to_new returns None for "lora" keys) and saves them as PEFT adapters (extract_adapters_data:
 * vision-lora/ r=256, speech-lora/ r=320 on qkv_proj, o_proj, gate_up_proj and down_proj of every layer).
 * Fields the Hub code reads but the native classes hard-code are checked, so a file they would not fit is refused
 * with the field.
 */
function phi4mmToNative(raw: Json, warnings: string[]): Json {
  const obj = (v: unknown, path: string): Json => {
    const o = asObject(v);
    if (!o)
      throw new ConfigImportError(
        `model_type "phi4mm" needs ${path} (an object) to be read as transformers' phi4_multimodal; ` +
          `convert_phi4_multimodal_weights_to_hf.py reads it. Fix the config.json, or save the converted model's ` +
          `config.json (model_type "phi4_multimodal") and import that.`,
        [path],
      );
    return o;
  };
  const embd = obj(raw.embd_layer, 'embd_layer');
  const image = obj(embd.image_embd_layer, 'embd_layer.image_embd_layer');
  const audioEmbd = obj(embd.audio_embd_layer, 'embd_layer.audio_embd_layer');
  const audio = obj(obj(raw.audio_processor, 'audio_processor').config, 'audio_processor.config');
  const expect = (o: Json, where: string, key: string, value: unknown) => {
    if (o[key] !== undefined && o[key] !== value)
      throw new ConfigImportError(
        `${where}.${key} is ${JSON.stringify(o[key])}; transformers' phi4_multimodal classes (which Tuneplan counts, ` +
          `through convert_phi4_multimodal_weights_to_hf.py) build only ${JSON.stringify(value)}. Estimate this ` +
          `variant by hand.`,
        [`${where}.${key}`],
      );
  };
  const ie = 'embd_layer.image_embd_layer';
  expect(image, ie, 'use_hd_transform', true);
  expect(image, ie, 'with_learnable_separator', true);
  expect(image, ie, 'hd_transform_order', 'sub_glb');
  expect(image, ie, 'projection_cls', 'mlp');
  expect(image, ie, 'image_token_compression_cls', 'avg_pool_2d');
  const ae = 'embd_layer.audio_embd_layer';
  expect(audioEmbd, ae, 'projection_cls', 'mlp');
  expect(audioEmbd, ae, 'use_qformer', false);
  expect(audioEmbd, ae, 'use_conv_downsample', false);
  const ac = 'audio_processor.config';
  expect(audio, ac, 'input_layer', 'nemo_conv');
  expect(audio, ac, 'batch_norm', false);
  expect(audio, ac, 'bias_in_glu', true);
  expect(audio, ac, 'ext_pw_kernel_size', 1);
  // The Hub key's own spelling: the script drops it, so the native default (1024) must be what the checkpoint has.
  expect(audio, ac, 'depthwise_seperable_out_channel', 1024);
  const renamed: Array<[string, string]> = [
    ['attention_dim', 'hidden_size'],
    ['attention_heads', 'num_attention_heads'],
    ['linear_units', 'intermediate_size'],
  ];
  const audioConfig: Json = { ...audio };
  for (const k of [
    'activation_checkpointing',
    'cnn_layer_norm',
    'input_layer',
    'batch_norm',
    'encoder_embedding_config',
    'ext_pw_kernel_size',
    'bias_in_glu',
    'causal',
    'depthwise_seperable_out_channel',
  ])
    delete audioConfig[k];
  for (const [from, to] of renamed) {
    if (audio[from] === undefined) obj(undefined, `${ac}.${from}`);
    audioConfig[to] = audio[from];
    delete audioConfig[from];
  }
  const nemo = obj(audio.nemo_conv_settings, `${ac}.nemo_conv_settings`);
  const bias = obj(audio.relative_attention_bias_args, `${ac}.relative_attention_bias_args`);
  expect(bias, `${ac}.relative_attention_bias_args`, 'type', 't5');
  audioConfig.nemo_conv_channels = nemo.conv_channels;
  audioConfig.bias_max_distance = bias.t5_bias_max_distance;
  delete audioConfig.nemo_conv_settings;
  delete audioConfig.relative_attention_bias_args;
  audioConfig.downsample_rate = audioEmbd.downsample_rate;
  const native: Json = {};
  for (const [k, v] of Object.entries(raw)) if (!PHI4MM_DROPPED.includes(k)) native[k] = v;
  native.model_type = 'phi4_multimodal';
  native.vision_config = image.crop_size === undefined ? {} : { crop_size: image.crop_size };
  native.audio_config = audioConfig;
  const lora = (key: string) => {
    const l = asObject(raw[key]);
    return l && isPosInt(l.r) ? ` r=${l.r}` : '';
  };
  warnings.push(
    'model_type "phi4mm" (microsoft/Phi-4-multimodal-instruct\'s Hub remote code) is read as the native ' +
      "phi4_multimodal config that transformers' convert_phi4_multimodal_weights_to_hf.py makes of it: the same base " +
      "weights, the SigLIP tower from Phi4MultimodalVisionConfig's defaults (what the Hub code builds).",
    `The checkpoint's vision_lora${lora('vision_lora')} and speech_lora${lora('speech_lora')} weights are not ` +
      'counted: the conversion script saves them as PEFT adapters (vision-lora/, speech-lora/) beside the base ' +
      "model, which is what Tuneplan plans (the Hub page's parameter total includes them). To train an adapter " +
      'of that shape, plan a LoRA of its rank.',
  );
  return native;
}

/** The fields every ViT-style tower (CLIP, SigLIP, Idefics3, Mllama) reads from its own key names. */
function towerCommon(
  v: Json,
  w: string,
  layersKey: string,
  headsKey: string,
  channelsKey: string,
): Omit<
  VisionSpec,
  'modelType' | 'tower' | 'projector' | 'projectorInSize' | 'projectorOutSize' | 'imageTokensPerImage'
> {
  return {
    hiddenSize: int(v, 'hidden_size', w),
    intermediateSize: int(v, 'intermediate_size', w),
    numLayers: int(v, layersKey, w),
    numHeads: int(v, headsKey, w),
    patchSize: int(v, 'patch_size', w),
    numChannels: int(v, channelsKey, w),
    imageSize: int(v, 'image_size', w),
    temporalPatchSize: 1,
    mergeSize: 1,
    poolingHead: false,
    globalLayers: 0,
    maxNumTiles: 1,
    aspectRatios: 0,
    projectorBias: true,
    crossAttentionLayers: 0,
    extraEmbeddings: 0,
    freezeTower: true,
    audioParams: 0,
  };
}
