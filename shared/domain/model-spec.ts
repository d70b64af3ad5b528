/**
 * A model's architecture: everything the estimator needs, nothing it doesn't.
 * Field names follow Hugging Face `config.json` meanings (see shared/catalog/hf-config.ts for the mapping).
 */
import { z } from 'zod';

const posInt = (max: number) =>
  z.number().int('must be a whole number').min(1, 'must be at least 1').max(max, `must be at most ${max}`);

export const MODEL_TYPES = [
  'llama',
  'mistral',
  'mixtral',
  'phi3',
  'phi3small',
  'phimoe',
  'qwen2',
  'gemma2',
  // Issue 16: current decoder families (shapes read by shared/catalog/hf-config.ts, counted by
  // shared/estimate/architecture.ts; each checked against the real transformers class in tests/python).
  'gemma',
  'gemma3_text',
  'qwen3',
  'qwen3_moe',
  'qwen2_moe',
  'deepseek_v2',
  'deepseek_v3',
  'olmo2',
  'cohere',
  'starcoder2',
  'phi',
  'gpt2',
  'gpt_neox',
  'gptj',
  'falcon',
  'bloom',
  'opt',
  /** Hub-only remote code (THUDM/chatglm3-6b, THUDM/glm-4-9b-chat modeling_chatglm.py). */
  'chatglm',
  /** transformers' GLM ports: models/glm (THUDM/glm-4-9b-chat-hf), models/glm4 (THUDM/GLM-4-9B-0414). */
  'glm',
  'glm4',
  // Issue 16: encoder-decoder and encoder-only families (the layout is in ModelSpec.encoder).
  't5',
  'mt5',
  'bart',
  'bert',
  'roberta',
  'deberta-v2',
  'generic',
] as const;

export const MoeSchema = z.object({
  numExperts: posInt(1024),
  topK: posInt(64),
  /** Width of one routed expert when it differs from intermediateSize (Qwen MoE / DeepSeek `moe_intermediate_size`). */
  expertIntermediateSize: posInt(4_000_000).optional(),
  /**
   * Always-on shared expert MLP width (Qwen2-MoE `shared_expert_intermediate_size`; DeepSeek n_shared × moe width); 0:
   * none.
   */
  sharedIntermediateSize: z.number().int().min(0).max(4_000_000).default(0),
  /** Qwen2-MoE: a sigmoid gate Linear(h → 1) on the shared expert. */
  sharedExpertGate: z.boolean().default(false),
  /**
   * Layers with a dense MLP (intermediateSize) instead of experts: DeepSeek `first_k_dense_replace`, Qwen
   * `mlp_only_layers` / `decoder_sparse_step`.
   */
  denseLayers: z.number().int().min(0).max(10_000).default(0),
});

/**
 * DeepSeek-V2/V3 multi-head latent attention (transformers models/deepseek_v3/modeling_deepseek_v3.py
 * DeepseekV3Attention): q through a low-rank `q_lora_rank` (null: one q_proj, V2-Lite), keys and values
 * through a shared `kv_lora_rank` latent plus a decoupled rope key.
 */
export const MlaSchema = z.object({
  qLoraRank: posInt(1_000_000).nullable(),
  kvLoraRank: posInt(1_000_000),
  qkNopeHeadDim: posInt(100_000),
  qkRopeHeadDim: posInt(100_000),
  vHeadDim: posInt(100_000),
});

/** The multimodal model types whose vision tower, projector and language model Tuneplan counts (issue 16). */
export const VISION_MODEL_TYPES = [
  'llava',
  'qwen2_vl',
  'qwen2_5_vl',
  'mllama',
  'idefics3',
  'gemma3',
  /** Hub-only remote code (microsoft/Phi-3.5-vision-instruct modeling_phi3_v.py): CLIP ViT-L/14-336 with HD crops. */
  'phi3_v',
  /**
   * transformers models/phi4_multimodal (microsoft/Phi-4-multimodal-instruct): SigLIP tower with dynamic HD crops, and
   * an audio encoder counted as frozen weights (VisionSpec.audioParams). Hub `phi4mm` files are read through
   * transformers' convert_phi4_multimodal_weights_to_hf.py mapping.
   */
  'phi4_multimodal',
] as const;

/**
 * A vision-language model's image side: the vision tower's shapes, the projector into the language model,
 * and what the multimodal class adds to the language model (mllama's cross-attention layers). The language
 * model itself is the rest of the ModelSpec (its modelType is the text family: llama, qwen2, gemma3_text).
 * Counted by shared/estimate/architecture.ts visionParams; each layout checked against the transformers
 * class in tests/python/test_param_counts.py.
 */
export const VisionSchema = z.object({
  /** The config.json's own model_type (llava, qwen2_vl, ...). */
  modelType: z.enum(VISION_MODEL_TYPES),
  /**
   * The tower's module layout: CLIPVisionModel (class token, pre- and post-LayerNorm), SiglipVisionModel
   * (also Idefics3's), Qwen2-VL / Qwen2.5-VL's windowed ViT (Conv3d patches, fused qkv), Mllama's tiled ViT.
   */
  tower: z.enum(['clip', 'siglip', 'qwen2_vl', 'qwen2_5_vl', 'mllama']),
  hiddenSize: posInt(1_000_000),
  intermediateSize: posInt(4_000_000),
  numLayers: posInt(10_000),
  numHeads: posInt(10_000),
  patchSize: posInt(10_000),
  numChannels: posInt(16).default(3),
  /** Square input side in pixels; null for Qwen's dynamic resolution (tokens follow the image's size). */
  imageSize: posInt(100_000).nullable(),
  /** Qwen: frames per Conv3d patch. */
  temporalPatchSize: posInt(64).default(1),
  /** Qwen spatial_merge_size / Idefics3 scale_factor: patches merged per side into one token. */
  mergeSize: posInt(64).default(1),
  /** SigLIP `vision_use_head`: the attention-pooling head (built, unused by the multimodal model). */
  poolingHead: z.boolean().default(false),
  /**
   * Mllama: global layers after the local ones, tiles per image, aspect-ratio ids (supported_aspect_ratios). Phi-3-V:
   * maxNumTiles is the processor's num_crops (the most 336-px crops of one image; not in config.json).
   * Phi-4-multimodal: maxNumTiles is Phi4MultimodalImageProcessor's dynamic_hd (the most crops of one image, default
   * 36).
   */
  globalLayers: z.number().int().min(0).max(10_000).default(0),
  maxNumTiles: posInt(64).default(1),
  aspectRatios: z.number().int().min(0).max(1_000).default(0),
  /**
   * The projector from the tower into the language model: llava's two-layer MLP, Qwen's patch merger
   * (LayerNorm/RMSNorm + two-layer MLP), one Linear (mllama with bias, idefics3 without), Gemma 3's
   * RMSNorm + projection matrix, Phi-3-V's two-layer MLP over 2×2-merged patches plus its glb_GN / sub_GN separators,
   * Phi-4-multimodal's two-layer MLP over 2×2-pooled patches plus its global / sub-image separators.
   */
  projector: z.enum(['mlp2', 'merger', 'linear', 'gemma3', 'phi3_v', 'phi4_multimodal']),
  /**
   * Width into the projector (llava: hidden × feature layers; idefics3: hidden × scale²; mllama: vision_output_dim).
   */
  projectorInSize: posInt(100_000_000),
  /** Width out of the projector (the language model's hidden size; Qwen's out_hidden_size). */
  projectorOutSize: posInt(1_000_000),
  projectorBias: z.boolean().default(true),
  /** Mllama: how many of the language model's numLayers are cross-attention layers. */
  crossAttentionLayers: z.number().int().min(0).max(10_000).default(0),
  /** Mllama: embedding rows beyond vocabSize (the text model embeds vocab_size + 8). */
  extraEmbeddings: z.number().int().min(0).max(1_000_000).default(0),
  /**
   * Tokens one image adds to the language model's sequence; null where it depends on the image (Qwen, mllama tiles).
   */
  imageTokensPerImage: posInt(1_000_000).nullable(),
  /** The vision tower is frozen while fine-tuning (the usual recipe); the projector trains with full fine-tuning. */
  freezeTower: z.boolean().default(true),
  /**
   * Phi-4-multimodal: the audio encoder and its two projections (Phi4MultimodalAudioEmbedding), exact from
   * audio_config (shared/estimate/architecture.ts phi4AudioParams). Counted with the tower's frozen weights: only
   * images are planned as inputs, so no audio runs and nothing of it trains.
   */
  audioParams: z.number().int().min(0).max(1e12).default(0),
});
export type VisionSpec = z.infer<typeof VisionSchema>;

/**
 * An MLP activation by what its backward keeps, as transformers applies it (src/transformers/activations.py ACT2FN):
 * `silu` (nn.SiLU), `gelu` (GELUActivation: F.gelu) and `gelu_pytorch_tanh` (F.gelu with approximate="tanh") keep
 * their input; `relu` (nn.ReLU) its output; `gelu_new` (NewGELUActivation: the tanh formula written as Python ops, as
 * GPT-2, GPT-J, Phi-2 and T5 v1.1 use it) keeps four tensors as wide as its input (tests/python/test_saved_tensors.py).
 */
export const MLP_ACTIVATIONS = ['silu', 'gelu', 'gelu_pytorch_tanh', 'relu', 'gelu_new'] as const;
export type MlpActivation = (typeof MLP_ACTIVATIONS)[number];

/** The encoder-only and encoder-decoder model types Tuneplan counts (issue 16): ModelSpec.encoder describes them. */
export const ENCODER_MODEL_TYPES = ['t5', 'mt5', 'bart', 'bert', 'roberta', 'deberta-v2'] as const;

/**
 * An encoder-decoder (T5, mT5, BART: fine-tuned as *ForConditionalGeneration, sequence to sequence) or encoder-only
 * model (BERT, RoBERTa, DeBERTa-v2: fine-tuned as *ForSequenceClassification). The ModelSpec's own fields hold the
 * shapes every layer shares (hiddenSize, numHeads, headDim, intermediateSize of the encoder, vocabSize, norm, biases);
 * numLayers is encoderLayers + decoderLayers, so the per-layer memory and FLOPs cover both stacks. Counted by
 * shared/estimate/architecture.ts encoderArchitecture; each layout checked against the transformers class in
 * tests/python/test_param_counts.py (test_encoder_params).
 */
export const EncoderSchema = z.object({
  modelType: z.enum(ENCODER_MODEL_TYPES),
  /** `seq2seq`: encoder + decoder with cross-attention + LM head; `classification`: encoder + a num_labels head. */
  task: z.enum(['seq2seq', 'classification']),
  encoderLayers: posInt(10_000),
  /** Decoder layers (self-attention, cross-attention over the encoder's output, MLP); 0 for an encoder-only model. */
  decoderLayers: z.number().int().min(0).max(10_000).default(0),
  /** BART decoder_ffn_dim when it differs from encoder_ffn_dim (intermediateSize); null: the same. */
  decoderIntermediateSize: posInt(4_000_000).nullable().default(null),
  /**
   * Rows of the relative-position table: T5 relative_attention_num_buckets (one bias per head, in the first layer of
   * each stack); DeBERTa-v2 2 × position_buckets (one hidden-size row each, shared by every layer); 0: none.
   */
  relativePositions: z.number().int().min(0).max(100_000_000).default(0),
  /** BERT / RoBERTa / DeBERTa token_type_embeddings rows (type_vocab_size); 0: none. */
  tokenTypes: z.number().int().min(0).max(1_000_000).default(0),
  /** DeBERTa-v2 without share_att_key: pos_key_proj (c2p) and pos_query_proj (p2c) per layer. */
  positionProjections: z.number().int().min(0).max(2).default(0),
  /** DeBERTa-v2 norm_rel_ebd "layer_norm": a LayerNorm over the relative embeddings. */
  relativeEmbeddingNorm: z.boolean().default(false),
  /** Classification: labels (len(id2label), or num_labels; transformers' default 2); null for seq2seq. */
  numLabels: posInt(1_000_000).nullable().default(null),
  /** Classification: width of the dense layer before the classifier (BERT pooler, RoBERTa head, DeBERTa pooler). */
  poolerSize: z.number().int().min(0).max(1_000_000).default(0),
});
export type EncoderSpec = z.infer<typeof EncoderSchema>;

export const ModelSpecSchema = z
  .object({
    name: z.string().trim().min(1, 'needs a name').max(200),
    hfId: z.string().max(200).optional(),
    modelType: z.enum(MODEL_TYPES),
    hiddenSize: posInt(1_000_000),
    intermediateSize: posInt(4_000_000),
    numLayers: posInt(10_000),
    numHeads: posInt(10_000),
    numKvHeads: posInt(10_000),
    headDim: posInt(100_000),
    vocabSize: posInt(10_000_000),
    maxPositionEmbeddings: posInt(100_000_000),
    tieWordEmbeddings: z.boolean(),
    /**
     * Which linear layers carry a bias: none, q/k/v only (Qwen2), attention q/k/v/o (PhiMoE), MLP only (GPT-J), every
     * linear (Phi-3-small).
     */
    linearBias: z.enum(['none', 'qkv', 'attention', 'mlp', 'all']).default('none'),
    lmHeadBias: z.boolean().default(false),
    /** `layernorm-nobias`: Cohere's LayerNorm has a weight and no bias. */
    norm: z.enum(['rmsnorm', 'layernorm', 'layernorm-nobias']).default('rmsnorm'),
    normsPerLayer: z.number().int().min(1).max(8).default(2),
    /** Phi-3: q,k,v in one `qkv_proj`; gate and up in one `gate_up_proj`. */
    fusedQkv: z.boolean().default(false),
    fusedGateUp: z.boolean().default(false),
    moe: MoeSchema.nullable().default(null),
    /**
     * Gated (SwiGLU/GeGLU: gate, up, down) or plain (up, act, down: GPT-2, GPT-NeoX, Falcon, BLOOM, OPT, Phi-2,
     * StarCoder2).
     */
    mlp: z.enum(['gated', 'plain']).default('gated'),
    /**
     * Per-head q/k norms (Qwen3, Gemma 3: head_dim each), or over the whole projection (OLMo 2, Cohere:
     * heads·head_dim).
     */
    qkNorm: z.enum(['none', 'head', 'full']).default('none'),
    /**
     * The MLP activation (config.json hidden_act, hidden_activation, activation_function or activation, read by
     * shared/catalog/hf-config.ts). Absent (specs written before it): the model type's transformers default
     * (mlpActivation).
     */
    activation: z.enum(MLP_ACTIVATIONS).optional(),
    /**
     * The layer's two norms read the same input, so autograd keeps it once (GPT-NeoX use_parallel_residual, Falcon's
     * ln_attn / ln_mlp). Absent: false.
     */
    sharedNormInput: z.boolean().optional(),
    /**
     * The model's own dropout probabilities (config.json: resid_pdrop, hidden_dropout(_prob), dropout(_rate),
     * attention(_probs)_dropout, attn_pdrop, activation_dropout; read by shared/catalog/hf-config.ts). In training each
     * nn.Dropout with p > 0 keeps a one-byte mask per element for its backward. Absent: none above 0.
     */
    dropout: z
      .object({
        /** After the attention output and after the MLP (residual / hidden dropout). */
        hidden: z.number().min(0).max(1).default(0),
        /** On the attention probabilities. */
        attention: z.number().min(0).max(1).default(0),
        /** On the MLP's activation output (T5 dropout_rate, BART / OPT activation_dropout). */
        activation: z.number().min(0).max(1).default(0),
      })
      .optional(),
    /**
     * Learned absolute position embeddings (GPT-2 n_positions, OPT max_position_embeddings + 2); 0 with rotary/ALiBi.
     */
    learnedPositions: z.number().int().min(0).max(100_000_000).default(0),
    /** BLOOM's LayerNorm right after the word embeddings. */
    embeddingNorm: z.boolean().default(false),
    mla: MlaSchema.nullable().default(null),
    /**
     * DeepSeek-V3 multi-token-prediction layers (`num_nextn_predict_layers`): in the checkpoint, not in the
     * transformers class; counted apart.
     */
    mtpLayers: z.number().int().min(0).max(16).default(0),
    /**
     * Sliding-window attention span and how many layers use it (Gemma 2/3 `layer_types`, Mistral `sliding_window`);
     * null: every layer attends to all tokens.
     */
    slidingWindow: posInt(100_000_000).nullable().default(null),
    slidingWindowLayers: z.number().int().min(0).max(10_000).default(0),
    /** Vision-language models: the vision tower and projector (null for a text-only model). */
    vision: VisionSchema.nullable().default(null),
    /**
     * Encoder-only and encoder-decoder models: the stacks, heads and position tables (null or absent for a decoder-only
     * model; optional so that specs written before it, in saved plans and code, stay valid).
     */
    encoder: EncoderSchema.nullable().optional(),
  })
  .superRefine((m, ctx) => {
    if (m.numHeads % m.numKvHeads !== 0) {
      ctx.addIssue({ code: 'custom', path: ['numKvHeads'], message: `must divide numHeads (${m.numHeads}) evenly` });
    }
    if (m.moe && m.moe.topK > m.moe.numExperts) {
      ctx.addIssue({
        code: 'custom',
        path: ['moe', 'topK'],
        message: `must be at most numExperts (${m.moe.numExperts})`,
      });
    }
  });
export type ModelSpec = z.infer<typeof ModelSpecSchema>;
export type ModelSpecInput = z.input<typeof ModelSpecSchema>;

/**
 * The transformers default activation of each family's MLP, where it is not SiLU (each configuration class's
 * default; Gemma's `hidden_activation`; T5 v1.0 `feed_forward_proj` "relu", mT5 "gated-gelu", whose gelu is
 * gelu_new; BLOOM's BloomGelu keeps its input like F.gelu).
 */
const DEFAULT_ACTIVATION: Partial<Record<ModelSpec['modelType'], MlpActivation>> = {
  gemma: 'gelu_pytorch_tanh',
  gemma2: 'gelu_pytorch_tanh',
  gemma3_text: 'gelu_pytorch_tanh',
  starcoder2: 'gelu_pytorch_tanh',
  phi: 'gelu_new',
  gpt2: 'gelu_new',
  gptj: 'gelu_new',
  gpt_neox: 'gelu',
  falcon: 'gelu',
  bloom: 'gelu',
  opt: 'relu',
  t5: 'relu',
  mt5: 'gelu_new',
  bart: 'gelu',
  bert: 'gelu',
  roberta: 'gelu',
  'deberta-v2': 'gelu',
};

/** The spec's MLP activation: the one its config.json named, else its family's transformers default. */
export function mlpActivation(m: Pick<ModelSpec, 'activation' | 'modelType'>): MlpActivation {
  return m.activation ?? DEFAULT_ACTIVATION[m.modelType] ?? 'silu';
}

/**
 * ACT2FN names Tuneplan keeps apart by what their backward saves; names it does not list (gelu_fast, quick_gelu,
 * gelu_python, ...) are read as gelu_new, the most any listed one keeps (a warning says so).
 */
export function activationFromConfigName(name: string): MlpActivation | null {
  switch (name) {
    case 'silu':
    case 'swish':
    case 'swiglu':
      return 'silu';
    case 'gelu':
      return 'gelu';
    case 'gelu_pytorch_tanh':
      return 'gelu_pytorch_tanh';
    case 'relu':
      return 'relu';
    case 'gelu_new':
      return 'gelu_new';
    default:
      return null;
  }
}
