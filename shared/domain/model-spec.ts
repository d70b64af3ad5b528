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
