/**
 * A model's linear layers and exact parameter count, from its architecture (ESTIMATOR.md §1).
 * Embedding V·h (+ learned positions, + BLOOM's embedding LayerNorm); output head V·h unless tied (+V with
 * a bias); per layer the attention and MLP projections with the module names of the family's transformers
 * class (or Hub modelling file for chatglm / phi3small), biases where the architecture has them, norms;
 * MoE: E experts plus a router h·E, shared experts, and dense layers where the config puts them.
 *
 * Each family's layout is checked against the real class on the meta device in
 * tests/python/test_param_counts.py; the sources are named beside each branch below.
 */
import type { EncoderSpec, ModelSpec, VisionSpec } from '../domain/model-spec';

export type ModuleRole =
  | 'q'
  | 'k'
  | 'v'
  | 'qkv'
  | 'o'
  | 'q_a'
  | 'q_b'
  | 'kv_a'
  | 'kv_b'
  | 'gate'
  | 'up'
  | 'gate_up'
  | 'down'
  | 'router'
  | 'shared_gate';

export interface LinearModule {
  /**
   * The name PEFT matches (suffix of the module path). MoE experts keep transformers 4's names (w1/w2/w3, gate_proj/…),
   * which PEFT maps onto the fused parameters.
   */
  name: string;
  in: number;
  out: number;
  bias: boolean;
  part: 'attention' | 'mlp' | 'router';
  /** How many of this module each layer has (MoE experts), and how many each token passes through. */
  count: number;
  activeCount: number;
  /** What the module computes; presets, fused-q/k/v handling and IA3 read this rather than the name. */
  role: ModuleRole;
  /**
   * How transformers 5 stores it: `linear` an nn.Linear / Conv1D that PEFT wraps by name; `experts` one
   * slice of the fused 3-D expert parameters (`experts.gate_up_proj` [E, 2I, h], `experts.down_proj`
   * [E, h, I]); `router` the 2-D weight of a custom top-k router module (not an nn.Linear).
   */
  storage: 'linear' | 'experts' | 'router';
  /** `shared`: the always-on shared expert of a MoE layer; `dense`: the MLP of a dense layer in a MoE model. */
  scope?: 'shared' | 'dense';
}

/** Layers with the same modules: one group for a dense model; DeepSeek / Qwen MoE: dense layers, then MoE layers. */
export interface LayerGroup {
  kind: 'dense' | 'moe';
  layers: number;
  modules: LinearModule[];
  params: number;
  activeParams: number;
  normParams: number;
}

export interface Architecture {
  spec: ModelSpec;
  /** The modules of the most common layer (the MoE layers of a MoE model); layerGroups has every kind. */
  modules: LinearModule[];
  layerGroups: LayerGroup[];
  /** Per-layer parameters of the largest layer, including biases and norms. */
  layerParams: number;
  layerActiveParams: number;
  embeddingParams: number;
  /** Learned absolute positions and BLOOM's embedding LayerNorm (0 for rotary models). */
  positionParams: number;
  lmHeadParams: number;
  finalNormParams: number;
  /** Norm parameters of the most common layer (q/k norms and MLA's latent norms included). */
  normParamsPerLayer: number;
  totalParams: number;
  activeParams: number;
  /**
   * DeepSeek-V3 multi-token-prediction layers: in the released checkpoint, not in transformers' class nor in
   * totalParams.
   */
  mtpParams: number;
  /**
   * Parameters that are matrix multiplies per token (everything but the embedding lookup and norms), active experts
   * only.
   */
  matmulParamsPerToken: number;
  /**
   * Vision-language models: the vision tower, the projector into the language model, and what the multimodal
   * class adds to the language model (mllama's cross-attention q/k norms and gates); all in totalParams. Null
   * for a text-only model.
   */
  vision: VisionParams | null;
  /**
   * Encoder-only and encoder-decoder models: the parameters of each stack and of the task head (all in totalParams);
   * absent or null for a decoder-only model.
   */
  encoder?: EncoderParams | null;
  /**
   * The output head's width: the vocabulary (absent), or 1 for a reward model's score head (rewardArchitecture). What
   * the head's matmul, gradient and saved tensors scale with.
   */
  headOut?: number;
  /** Query width for attention-score FLOPs (MLA: heads × (nope + rope) head dims). */
  qWidth: number;
  /**
   * Per-token key/value width for the KV cache (MLA as transformers caches it: the mean of the expanded k and v
   * widths).
   */
  kvWidth: number;
}

type Lin = Omit<LinearModule, 'count' | 'activeCount'> & Partial<Pick<LinearModule, 'count' | 'activeCount'>>;
const mk = (m: Lin): LinearModule => ({ count: 1, activeCount: m.count ?? 1, ...m });

export function normSize(m: ModelSpec, width = m.hiddenSize): number {
  // LayerNorm has weight and bias; RMSNorm / Cohere's LayerNorm weight only
  return m.norm === 'layernorm' ? 2 * width : width;
}

/** Attention module names of each family's transformers class (Hub file for chatglm, phi3small). */
function attentionModules(m: ModelSpec): LinearModule[] {
  const h = m.hiddenSize;
  const qW = m.numHeads * m.headDim;
  const kvW = m.numKvHeads * m.headDim;
  const qkvBias = m.linearBias === 'all' || m.linearBias === 'attention' || m.linearBias === 'qkv';
  const oBias = m.linearBias === 'all' || m.linearBias === 'attention';
  const part = 'attention' as const;
  const storage = 'linear' as const;
  if (m.mla) {
    // transformers models/deepseek_v3/modeling_deepseek_v3.py DeepseekV3Attention: attention_bias on
    // q_a_proj, kv_a_proj_with_mqa and o_proj only.
    const { qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim, vHeadDim } = m.mla;
    const qHead = m.numHeads * (qkNopeHeadDim + qkRopeHeadDim);
    const b = m.linearBias === 'attention' || m.linearBias === 'all';
    const q =
      qLoraRank === null
        ? [mk({ name: 'q_proj', in: h, out: qHead, bias: false, part, role: 'q', storage })]
        : [
            mk({ name: 'q_a_proj', in: h, out: qLoraRank, bias: b, part, role: 'q_a', storage }),
            mk({ name: 'q_b_proj', in: qLoraRank, out: qHead, bias: false, part, role: 'q_b', storage }),
          ];
    return [
      ...q,
      mk({ name: 'kv_a_proj_with_mqa', in: h, out: kvLoraRank + qkRopeHeadDim, bias: b, part, role: 'kv_a', storage }),
      mk({
        name: 'kv_b_proj',
        in: kvLoraRank,
        out: m.numHeads * (qkNopeHeadDim + vHeadDim),
        bias: false,
        part,
        role: 'kv_b',
        storage,
      }),
      mk({ name: 'o_proj', in: m.numHeads * vHeadDim, out: h, bias: b, part, role: 'o', storage }),
    ];
  }
  const fused = (qkvName: string, oName: string) => [
    mk({ name: qkvName, in: h, out: qW + 2 * kvW, bias: qkvBias, part, role: 'qkv', storage }),
    mk({ name: oName, in: qW, out: h, bias: oBias, part, role: 'o', storage }),
  ];
  const split = (oName: string) => [
    mk({ name: 'q_proj', in: h, out: qW, bias: qkvBias, part, role: 'q', storage }),
    mk({ name: 'k_proj', in: h, out: kvW, bias: qkvBias, part, role: 'k', storage }),
    mk({ name: 'v_proj', in: h, out: kvW, bias: qkvBias, part, role: 'v', storage }),
    mk({ name: oName, in: qW, out: h, bias: oBias, part, role: 'o', storage }),
  ];
  switch (m.modelType) {
    case 'phi3small':
      return fused('query_key_value', 'dense');
    case 'phi3':
      return fused('qkv_proj', 'o_proj');
    case 'gpt2': // models/gpt2 GPT2Attention: Conv1D c_attn (h → 3h), c_proj
      return fused('c_attn', 'c_proj');
    case 'gpt_neox': // models/gpt_neox GPTNeoXAttention
    case 'falcon': // models/falcon FalconAttention (h → (heads + 2·kv)·d)
    case 'bloom': // models/bloom BloomAttention
    case 'chatglm': // THUDM modeling_chatglm.py SelfAttention
      return fused('query_key_value', 'dense');
    case 'gptj': // models/gptj GPTJAttention
    case 'opt': // models/opt OPTAttention
      return split('out_proj');
    case 'phi': // models/phi PhiAttention
      return split('dense');
    default:
      return m.fusedQkv ? fused('qkv_proj', 'o_proj') : split('o_proj');
  }
}

/** A dense MLP of width I with the family's module names. */
function mlpModules(m: ModelSpec, I: number, scope?: 'shared' | 'dense'): LinearModule[] {
  const h = m.hiddenSize;
  const bias = m.linearBias === 'all' || m.linearBias === 'mlp';
  const part = 'mlp' as const;
  const storage = 'linear' as const;
  const s = scope ? { scope } : {};
  const plain = (up: string, down: string) => [
    mk({ name: up, in: h, out: I, bias, part, role: 'up', storage, ...s }),
    mk({ name: down, in: I, out: h, bias, part, role: 'down', storage, ...s }),
  ];
  switch (m.modelType) {
    case 'phi3small': // Hub modeling_phi3_small.py: up_proj h → 2I (gegelu), down_proj
      return [
        mk({ name: 'up_proj', in: h, out: 2 * I, bias, part, role: 'gate_up', storage, ...s }),
        mk({ name: 'down_proj', in: I, out: h, bias, part, role: 'down', storage, ...s }),
      ];
    case 'chatglm': // THUDM modeling_chatglm.py MLP: dense_h_to_4h h → 2·ffn (swiglu), dense_4h_to_h
      return [
        mk({ name: 'dense_h_to_4h', in: h, out: 2 * I, bias, part, role: 'gate_up', storage, ...s }),
        mk({ name: 'dense_4h_to_h', in: I, out: h, bias, part, role: 'down', storage, ...s }),
      ];
    case 'gpt2':
      return plain('c_fc', 'c_proj');
    case 'starcoder2':
      return plain('c_fc', 'c_proj');
    case 'gpt_neox':
    case 'falcon':
    case 'bloom':
      return plain('dense_h_to_4h', 'dense_4h_to_h');
    case 'gptj':
      return plain('fc_in', 'fc_out');
    case 'opt':
    case 'phi':
      return plain('fc1', 'fc2');
    default:
      if (m.mlp === 'plain') return plain('up_proj', 'down_proj');
      if (m.fusedGateUp)
        return [
          mk({ name: 'gate_up_proj', in: h, out: 2 * I, bias, part, role: 'gate_up', storage, ...s }),
          mk({ name: 'down_proj', in: I, out: h, bias, part, role: 'down', storage, ...s }),
        ];
      return [
        mk({ name: 'gate_proj', in: h, out: I, bias, part, role: 'gate', storage, ...s }),
        mk({ name: 'up_proj', in: h, out: I, bias, part, role: 'up', storage, ...s }),
        mk({ name: 'down_proj', in: I, out: h, bias, part, role: 'down', storage, ...s }),
      ];
  }
}

/**
 * A MoE layer's MLP. transformers 5 stores the routed experts fused (MixtralExperts / Qwen2MoeExperts /
 * DeepseekV3Experts: gate_up_proj [E, 2I, h], down_proj [E, h, I], no biases) and the router as a custom
 * module with a 2-D weight [E, h]; the names here are transformers 4's, which PEFT 0.21.2 maps onto them
 * (peft/utils/transformers_weight_conversion.py _MOE_TARGET_MODULE_MAPPING).
 */
function moeModules(m: ModelSpec): LinearModule[] {
  const moe = m.moe!;
  const h = m.hiddenSize;
  const E = moe.numExperts;
  const k = moe.topK;
  const I = moe.expertIntermediateSize ?? m.intermediateSize;
  const mixtralNames = m.modelType === 'mixtral' || m.modelType === 'phimoe';
  const [g, u, d] = mixtralNames ? ['w1', 'w3', 'w2'] : ['gate_proj', 'up_proj', 'down_proj'];
  const ex = (name: string, inF: number, outF: number, role: ModuleRole) =>
    mk({ name, in: inF, out: outF, bias: false, part: 'mlp', role, storage: 'experts', count: E, activeCount: k });
  const out: LinearModule[] = [
    ex(g, h, I, 'gate'),
    ex(u, h, I, 'up'),
    ex(d, I, h, 'down'),
    // PhiMoE keeps its router an nn.Linear named `router` (models/phimoe PhimoeSparseMoeBlock); the others a custom
    // `gate`.
    m.modelType === 'phimoe'
      ? mk({ name: 'router', in: h, out: E, bias: false, part: 'router', role: 'router', storage: 'linear' })
      : mk({ name: 'gate', in: h, out: E, bias: false, part: 'router', role: 'router', storage: 'router' }),
  ];
  if (moe.sharedIntermediateSize > 0) out.push(...mlpModules(m, moe.sharedIntermediateSize, 'shared'));
  if (moe.sharedExpertGate)
    out.push(
      mk({
        name: 'shared_expert_gate',
        in: h,
        out: 1,
        bias: false,
        part: 'router',
        role: 'shared_gate',
        storage: 'linear',
      }),
    );
  return out;
}

/** The modules of one layer: `moe` picks the expert MLP in a MoE model, the dense MLP otherwise. */
export function layerModules(m: ModelSpec, moe = m.moe !== null): LinearModule[] {
  return [
    ...attentionModules(m),
    ...(moe && m.moe ? moeModules(m) : mlpModules(m, m.intermediateSize, m.moe ? 'dense' : undefined)),
  ];
}

/** The modules of the most common layer (kept for callers written before layer groups). */
export function linearModules(m: ModelSpec): LinearModule[] {
  return layerModules(m, m.moe !== null && m.moe.denseLayers < m.numLayers - m.moe.denseLayers);
}

export function moduleParams(mod: LinearModule, active = false): number {
  return (mod.in * mod.out + (mod.bias ? mod.out : 0)) * (active ? mod.activeCount : mod.count);
}

/** Norm parameters in one layer: the per-layer norms, q/k norms, and MLA's latent norms. */
export function layerNormParams(m: ModelSpec): number {
  let n = m.normsPerLayer * normSize(m);
  if (m.qkNorm === 'head') n += 2 * normSize(m, m.headDim);
  if (m.qkNorm === 'full') n += normSize(m, m.numHeads * m.headDim) + normSize(m, m.numKvHeads * m.headDim);
  if (m.mla) n += (m.mla.qLoraRank === null ? 0 : normSize(m, m.mla.qLoraRank)) + normSize(m, m.mla.kvLoraRank);
  return n;
}

/**
 * Norm module names per layer and of the final norm, as each family's class names them (PEFT's LN tuning
 * matches these by name). q/k and MLA latent norms are listed apart: no PEFT default targets them.
 */
export function normLayout(m: ModelSpec): {
  perLayer: { name: string; size: number }[];
  attentionNorms: { name: string; size: number }[];
  final: { name: string; size: number };
} {
  const n = normSize(m);
  const per = (...names: string[]) => names.map((name) => ({ name, size: n }));
  const finalName: Record<string, string> = {
    phi: 'final_layernorm',
    phi3small: 'final_layernorm',
    chatglm: 'final_layernorm',
    gpt2: 'ln_f',
    gptj: 'ln_f',
    falcon: 'ln_f',
    bloom: 'ln_f',
    gpt_neox: 'final_layer_norm',
    opt: 'final_layer_norm',
  };
  let perLayer: { name: string; size: number }[];
  switch (m.modelType) {
    case 'gemma2':
    case 'gemma3_text':
      perLayer = per(
        'input_layernorm',
        'post_attention_layernorm',
        'pre_feedforward_layernorm',
        'post_feedforward_layernorm',
      );
      break;
    case 'olmo2':
      perLayer = per('post_attention_layernorm', 'post_feedforward_layernorm');
      break;
    case 'glm4': // models/glm4 Glm4DecoderLayer
      perLayer = per('input_layernorm', 'post_self_attn_layernorm', 'post_attention_layernorm', 'post_mlp_layernorm');
      break;
    case 'gpt2':
      perLayer = per('ln_1', 'ln_2');
      break;
    case 'gptj':
      perLayer = per('ln_1');
      break;
    case 'opt':
      perLayer = per('self_attn_layer_norm', 'final_layer_norm');
      break;
    case 'falcon':
      // refined below for the serial layout
      perLayer = m.normsPerLayer === 1 ? per('input_layernorm') : per('ln_attn', 'ln_mlp');
      break;
    default:
      perLayer = m.normsPerLayer === 1 ? per('input_layernorm') : per('input_layernorm', 'post_attention_layernorm');
  }
  const attentionNorms: { name: string; size: number }[] = [];
  const qk = m.modelType === 'phi' ? ['q_layernorm', 'k_layernorm'] : ['q_norm', 'k_norm'];
  if (m.qkNorm === 'head') attentionNorms.push(...qk.map((name) => ({ name, size: normSize(m, m.headDim) })));
  if (m.qkNorm === 'full')
    attentionNorms.push(
      { name: qk[0]!, size: normSize(m, m.numHeads * m.headDim) },
      { name: qk[1]!, size: normSize(m, m.numKvHeads * m.headDim) },
    );
  if (m.mla) {
    if (m.mla.qLoraRank !== null) attentionNorms.push({ name: 'q_a_layernorm', size: normSize(m, m.mla.qLoraRank) });
    attentionNorms.push({ name: 'kv_a_layernorm', size: normSize(m, m.mla.kvLoraRank) });
  }
  return { perLayer, attentionNorms, final: { name: finalName[m.modelType] ?? 'norm', size: n } };
}

export interface VisionParams {
  /**
   * The frozen encoders: the vision tower and, for Phi-4-multimodal, the audio encoder and its projections
   * (audioParams of them), which only audio inputs use.
   */
  towerParams: number;
  /** Phi-4-multimodal: the audio side's share of towerParams (0 for the others). */
  audioParams: number;
  projectorParams: number;
  /**
   * Parameters of the multimodal language model beyond its text family's layout (mllama's cross-attention norms and
   * gates), counted in totalParams.
   */
  languageExtraParams: number;
}

/**
 * Exact parameters of a vision-language model's image side, module by module as transformers 5 builds it
 * (each layout checked against the real class in tests/python/test_param_counts.py):
 * - clip: models/clip CLIPVisionModel — class_embedding H, patch Conv2d C·p²·H (no bias), position Embedding
 *   (n + 1)·H, pre_layrnorm and post_layernorm, CLIPEncoderLayer (q/k/v/out_proj and fc1/fc2 with biases,
 *   layer_norm1/2). Phi-3-V's Hub code builds the whole CLIPVisionModel (all 24 layers and post_layernorm, though it
 *   reads hidden_states[-2]), so its checkpoint and the model users fine-tune hold them all.
 * - siglip: models/siglip SiglipVisionModel (and models/idefics3 Idefics3VisionTransformer, the same modules) —
 *   patch Conv2d with bias, n positions, no class token nor pre-norm, post_layernorm; with vision_use_head the
 *   SiglipMultiheadAttentionPoolingHead (probe, nn.MultiheadAttention, LayerNorm, MLP). models/phi4_multimodal
 *   Phi4MultimodalVisionModel (modeling_phi4_multimodal.py lines 387-398) builds the same modules, the head always.
 * - qwen2_vl / qwen2_5_vl: models/qwen2_vl Qwen2VisionTransformerPretrainedModel, models/qwen2_5_vl
 *   Qwen2_5_VisionTransformerPretrainedModel — Conv3d patches C·t·p²·H (no bias), blocks with fused qkv and proj
 *   (biased), LayerNorm fc1/fc2 MLP (Qwen2-VL) or RMSNorm gated MLP with biases (Qwen2.5-VL).
 * - mllama: models/mllama MllamaVisionModel — class token, patch Conv2d, gated position embedding with a tile
 *   embedding (aspect ratios + 1) × tiles·(n + 1)·H, pre/post tile embeddings, layernorm_pre/post, local layers
 *   (q/k/v/o without bias, fc1/fc2 with), global layers with two scalar gates each.
 */
export function visionParams(v: VisionSpec, m: ModelSpec): VisionParams {
  const H = v.hiddenSize;
  const I = v.intermediateSize;
  const p2 = v.patchSize * v.patchSize;
  const n = v.imageSize === null ? 0 : Math.floor(v.imageSize / v.patchSize) ** 2;
  const ln = 2 * H; // LayerNorm weight + bias
  // CLIP / SigLIP / Idefics3 / Mllama encoder layer: q, k, v, out (H² each, biased except mllama), fc1, fc2, 2 norms.
  const vitLayer = (attnBias: boolean) => 4 * H * H + (attnBias ? 4 * H : 0) + 2 * H * I + I + H + 2 * ln;
  let tower: number;
  switch (v.tower) {
    case 'clip':
      tower = H + v.numChannels * p2 * H + (n + 1) * H + ln + v.numLayers * vitLayer(true) + ln;
      break;
    case 'siglip': {
      const head = v.poolingHead ? H + (3 * H * H + 3 * H) + (H * H + H) + ln + (2 * H * I + I + H) : 0;
      tower = v.numChannels * p2 * H + H + n * H + v.numLayers * vitLayer(true) + ln + head;
      break;
    }
    case 'qwen2_vl':
    case 'qwen2_5_vl': {
      const patch = v.numChannels * v.temporalPatchSize * p2 * H;
      const attn = 3 * H * H + 3 * H + H * H + H;
      const block =
        v.tower === 'qwen2_vl'
          ? 2 * ln + attn + (2 * H * I + I + H) // norm1/norm2 LayerNorm, fc1/fc2
          : 2 * H + attn + (3 * H * I + 2 * I + H); // norm1/norm2 RMSNorm, gate/up/down with biases
      tower = patch + v.numLayers * block;
      break;
    }
    case 'mllama': {
      const positions = n + 1;
      const ratios = v.aspectRatios + 1; // nn.Embedding(max_aspect_ratio_id + 1, ...)
      const gatedPositions = 1 + positions * H + ratios * v.maxNumTiles * positions * H;
      const tileEmbeddings = 2 * (1 + ratios * v.maxNumTiles * H); // pre- and post-tile, each with a gate
      tower =
        H +
        v.numChannels * p2 * H +
        gatedPositions +
        tileEmbeddings +
        2 * ln +
        v.numLayers * vitLayer(false) +
        v.globalLayers * (vitLayer(false) + 2);
      break;
    }
  }
  const K = v.projectorInSize;
  const out = v.projectorOutSize;
  const b = v.projectorBias;
  let projector: number;
  switch (v.projector) {
    case 'mlp2': // models/llava LlavaMultiModalProjector: linear_1 (K → out), act, linear_2 (out → out)
      projector = K * out + (b ? out : 0) + out * out + (b ? out : 0);
      break;
    case 'merger': // Qwen PatchMerger: ln_q over H, Linear(K → K), GELU, Linear(K → out); K = H·merge²
      projector = (v.tower === 'qwen2_vl' ? ln : H) + K * K + K + K * out + out;
      break;
    case 'linear': // mllama multi_modal_projector (bias), Idefics3SimpleMLP proj (no bias)
      projector = K * out + (b ? out : 0);
      break;
    case 'gemma3': // models/gemma3 Gemma3MultiModalProjector: mm_input_projection_weight [K, out], mm_soft_emb_norm (K)
      projector = K * out + K;
      break;
    case 'phi3_v':
    case 'phi4_multimodal':
      // Two biased linears K → out → out and two learned separators of K (a global and a sub-image one):
      // - Hub microsoft/Phi-3.5-vision-instruct Phi3ImageEmbedding (modeling_phi3_v.py with
      //   image_embedding_phi3_v.py inlined, as copied in sdpython/experimental-experiment@5747758a
      //   experimental_experiment/torch_models/fromhub/modeling_phi3_v.py lines 191-192 and 202-207): glb_GN [1, 1, K]
      //   and sub_GN [1, 1, 1, K] (K = image_dim_out·4), img_projection = Linear(K → out), GELU, Linear(out → out);
      // - models/phi4_multimodal/modeling_phi4_multimodal.py Phi4MultimodalImageEmbedding (lines 473-477): the
      //   AvgPool2d has no weights; img_projection_up Linear(K → out), img_projection_down Linear(out → out);
      //   global_img_feature_extensor [1, 1, K] and sub_img_feature_extensor [1, 1, 1, K] (K = the tower's hidden
      //   size).
      projector = 2 * K + K * out + out + out * out + out;
      break;
  }
  // models/mllama MllamaCrossAttentionDecoderLayer: the self-attention layer's modules (the same names and shapes)
  // plus q_norm and k_norm (RMSNorm of head_dim) and two scalar gates. (MllamaTextModel's 8 extra embedding rows
  // are in embeddingParams.)
  const languageExtraParams = v.crossAttentionLayers * (2 * m.headDim + 2);
  const audioParams = v.audioParams ?? 0;
  return { towerParams: tower + audioParams, audioParams, projectorParams: projector, languageExtraParams };
}

/** Phi4MultimodalAudioConfig's fields that shape its weights (transformers 5.24 configuration_phi4_multimodal.py). */
export interface Phi4AudioShape {
  hiddenSize: number;
  intermediateSize: number;
  numBlocks: number;
  numHeads: number;
  inputSize: number;
  timeReduction: number;
  nemoConvChannels: number;
  extPwOutChannel: number;
  depthwiseSeparableOutChannel: number;
  depthwiseMultiplier: number;
  kernelSize: number;
  biasMaxDistance: number;
  biasSymmetric: boolean;
  downsampleRate: number;
}

/**
 * Exact parameters of Phi-4-multimodal's audio side (Phi4MultimodalAudioEmbedding), module by module from
 * transformers 5.24 models/phi4_multimodal/modeling_phi4_multimodal.py (checked against the class in
 * tests/python/test_param_counts.py test_phi4_multimodal_params); `h` is the language model's hidden size.
 * - encoder_embedding (Phi4MultimodalAudioMeanVarianceNormLayer, lines 831-839): buffers only.
 * - embed (Phi4MultimodalAudioNemoConvSubsampling, lines 753-776): Conv2d(1, C, 3), then log2(time_reduction) − 1 ×
 *   [depthwise Conv2d(C, C, 3, groups=C), Conv2d(C, C, 1)], all biased; out Linear(C · f → H) with f the input size
 *   halved log2(time_reduction) times (Phi4MultimodalAudioConfig.__post_init__ nemo_final_size).
 * - relative_attention_bias_layer (lines 798-807): Embedding(max_distance · (symmetric ? 1 : 2), heads).
 * - encoders × num_blocks (Phi4MultimodalAudioConformerEncoderLayer, lines 725-734): feed_forward_in and _out
 *   (LayerNorm, gate_up Linear(H → 2I), down Linear(I → H), biased; lines 591-598), self_attn q/k/v/o biased
 *   (lines 612-624), conv (lines 699-710: LayerNorm; glu Conv1d(H → 2E, 1) + b1, b2 [E]; depthwise Conv1d(H → H·m, k,
 *   groups=H) and pointwise Conv1d(H·m → D, 1); ext_pw_conv_1d Conv1d(H → E, 1); all biased), layer_norm_att,
 *   layer_norm.
 * - up_proj_for_speech / up_proj_for_vision_speech Linear(H · downsample_rate → h) and down_proj_for_speech /
 *   down_proj_for_vision_speech Linear(h → h), biased (lines 1052-1059).
 */
export function phi4AudioParams(a: Phi4AudioShape, h: number): number {
  const H = a.hiddenSize;
  const I = a.intermediateSize;
  const C = a.nemoConvChannels;
  const E = a.extPwOutChannel;
  const D = a.depthwiseSeparableOutChannel;
  const Hm = H * a.depthwiseMultiplier;
  const steps = Math.trunc(Math.log2(a.timeReduction));
  let f = a.inputSize;
  for (let i = 0; i < steps; i++) f = Math.floor((f - 1) / 2 + 1);
  const embed = 9 * C + C + (steps - 1) * (9 * C + C + C * C + C) + C * f * H + H;
  const bias = (a.biasSymmetric ? 1 : 2) * a.biasMaxDistance * a.numHeads;
  const headDim = Math.floor(H / a.numHeads);
  const qkvo = a.numHeads * headDim;
  const ffn = 2 * H + H * 2 * I + 2 * I + I * H + H;
  const attn = 3 * (H * qkvo + qkvo) + qkvo * H + H;
  const conv = 2 * H + (H * 2 * E + 2 * E) + 2 * E + (Hm * a.kernelSize + Hm) + (Hm * D + D) + (H * E + E);
  const block = 2 * ffn + attn + conv + 2 * (2 * H);
  const projections = 2 * (H * a.downsampleRate * h + h) + 2 * (h * h + h);
  return embed + bias + a.numBlocks * block + projections;
}

/** Fills the issue-16 fields that specs built before them (saved plans, hand-written test specs) leave out. */
export function withShapeDefaults(spec: ModelSpec): ModelSpec {
  return {
    ...spec,
    mlp: spec.mlp ?? 'gated',
    qkNorm: spec.qkNorm ?? 'none',
    learnedPositions: spec.learnedPositions ?? 0,
    embeddingNorm: spec.embeddingNorm ?? false,
    mla: spec.mla ?? null,
    mtpLayers: spec.mtpLayers ?? 0,
    slidingWindow: spec.slidingWindow ?? null,
    slidingWindowLayers: spec.slidingWindowLayers ?? 0,
    vision: spec.vision ?? null,
    encoder: spec.encoder ?? null,
    moe: spec.moe
      ? {
          ...spec.moe,
          sharedIntermediateSize: spec.moe.sharedIntermediateSize ?? 0,
          sharedExpertGate: spec.moe.sharedExpertGate ?? false,
          denseLayers: spec.moe.denseLayers ?? 0,
        }
      : null,
  };
}

export function describeArchitecture(spec: ModelSpec): Architecture {
  const m = withShapeDefaults(spec);
  if (m.encoder) return encoderArchitecture(m, m.encoder);
  const h = m.hiddenSize;
  const norms = layerNormParams(m);
  const group = (kind: LayerGroup['kind'], layers: number, modules: LinearModule[]): LayerGroup => ({
    kind,
    layers,
    modules,
    normParams: norms,
    params: modules.reduce((s, mod) => s + moduleParams(mod), 0) + norms,
    activeParams: modules.reduce((s, mod) => s + moduleParams(mod, true), 0) + norms,
  });
  const layerGroups: LayerGroup[] = m.moe
    ? [
        group('dense', Math.min(m.moe.denseLayers, m.numLayers), layerModules(m, false)),
        group('moe', Math.max(0, m.numLayers - m.moe.denseLayers), layerModules(m, true)),
      ].filter((g) => g.layers > 0)
    : [group('dense', m.numLayers, layerModules(m, false))];
  const main = layerGroups.reduce((a, b) => (b.layers > a.layers ? b : a));
  const embeddingParams = (m.vocabSize + (m.vision?.extraEmbeddings ?? 0)) * h;
  const positionParams = m.learnedPositions * h + (m.embeddingNorm ? normSize(m) : 0);
  const lmHeadParams = m.tieWordEmbeddings ? 0 : m.vocabSize * h + (m.lmHeadBias ? m.vocabSize : 0);
  const finalNormParams = normSize(m);
  const vision = m.vision ? visionParams(m.vision, m) : null;
  const visionTotal = vision ? vision.towerParams + vision.projectorParams + vision.languageExtraParams : 0;
  const outside = embeddingParams + positionParams + lmHeadParams + finalNormParams + visionTotal;
  const sum = (f: (g: LayerGroup) => number) => layerGroups.reduce((s, g) => s + g.layers * f(g), 0);
  const linearActive = (g: LayerGroup) => g.activeParams - g.normParams;
  const moeGroup = layerGroups.find((g) => g.kind === 'moe');
  // DeepSeek-V3 multi-token prediction (deepseek-ai/DeepSeek-V3 README_WEIGHTS.md: "11.5B unique parameters
  // (excluding the shared 0.9B Embedding and 0.9B output Head)"): per depth enorm, hnorm and shared_head.norm
  // (h each), eh_proj Linear(2h → h, no bias) and one MoE decoder layer; embedding and head are shared.
  // transformers' class does not build it, so it stays out of totalParams.
  const mtpParams = m.mtpLayers * (3 * h + 2 * h * h + (moeGroup ?? main).params);
  const qWidth = m.mla ? m.numHeads * (m.mla.qkNopeHeadDim + m.mla.qkRopeHeadDim) : m.numHeads * m.headDim;
  const kvWidth = m.mla
    ? (m.numHeads * (m.mla.qkNopeHeadDim + m.mla.qkRopeHeadDim + m.mla.vHeadDim)) / 2
    : m.numKvHeads * m.headDim;
  return {
    spec: m,
    modules: main.modules,
    layerGroups,
    layerParams: Math.max(...layerGroups.map((g) => g.params)),
    layerActiveParams: main.activeParams,
    embeddingParams,
    positionParams,
    lmHeadParams,
    finalNormParams,
    normParamsPerLayer: main.normParams,
    totalParams: sum((g) => g.params) + outside,
    activeParams: sum((g) => g.activeParams) + outside,
    mtpParams,
    vision,
    matmulParamsPerToken: sum(linearActive) + m.vocabSize * h,
    qWidth,
    kvWidth,
  };
}

export interface EncoderParams {
  /** The encoder stack: its layers, relative-position table and final norm (embeddings apart). */
  encoderStackParams: number;
  /**
   * The decoder stack (self-attention, cross-attention, MLP per layer, its position table and final norm); 0 without
   * one.
   */
  decoderStackParams: number;
  /** Word, position and token-type embeddings and the embedding LayerNorm(s). */
  embeddingParams: number;
  /** The task head: the LM head when untied (seq2seq), or pooler/dense + classifier (classification). */
  headParams: number;
}

/** The layer modules of an encoder or decoder stack, with the module names of the family's transformers class. */
export function encoderLayerModules(m: ModelSpec, e: EncoderSpec, decoder: boolean): LinearModule[] {
  const h = m.hiddenSize;
  const inner = m.numHeads * m.headDim;
  const I = decoder && e.decoderIntermediateSize !== null ? e.decoderIntermediateSize : m.intermediateSize;
  const part = 'attention' as const;
  const storage = 'linear' as const;
  const lin = (name: string, inF: number, outF: number, bias: boolean, p: 'attention' | 'mlp', role: ModuleRole) =>
    mk({ name, in: inF, out: outF, bias, part: p, role, storage });
  switch (e.modelType) {
    case 't5':
    case 'mt5': {
      // models/t5 T5Attention: q, k, v (d_model → heads·d_kv) and o, no biases; the decoder's EncDecAttention has the
      // same names. T5DenseActDense wi → wo, T5DenseGatedActDense (feed_forward_proj "gated-*") wi_0, wi_1 → wo.
      const attn = [
        lin('q', h, inner, false, part, 'q'),
        lin('k', h, inner, false, part, 'k'),
        lin('v', h, inner, false, part, 'v'),
        lin('o', inner, h, false, part, 'o'),
      ];
      const mlp =
        m.mlp === 'gated'
          ? [
              lin('wi_0', h, I, false, 'mlp', 'gate'),
              lin('wi_1', h, I, false, 'mlp', 'up'),
              lin('wo', I, h, false, 'mlp', 'down'),
            ]
          : [lin('wi', h, I, false, 'mlp', 'up'), lin('wo', I, h, false, 'mlp', 'down')];
      return decoder ? [...attn, ...attn, ...mlp] : [...attn, ...mlp];
    }
    case 'bart': {
      // models/bart BartAttention q/k/v/out_proj with biases (self_attn; encoder_attn in the decoder), fc1 → fc2.
      const attn = [
        lin('q_proj', h, h, true, part, 'q'),
        lin('k_proj', h, h, true, part, 'k'),
        lin('v_proj', h, h, true, part, 'v'),
        lin('out_proj', h, h, true, part, 'o'),
      ];
      const mlp = [lin('fc1', h, I, true, 'mlp', 'up'), lin('fc2', I, h, true, 'mlp', 'down')];
      return decoder ? [...attn, ...attn, ...mlp] : [...attn, ...mlp];
    }
    case 'bert':
    case 'roberta':
    case 'deberta-v2': {
      // models/bert BertSelfAttention query/key/value, BertSelfOutput dense, BertIntermediate dense, BertOutput dense
      // (RoBERTa the same); models/deberta_v2 DisentangledSelfAttention query_proj/key_proj/value_proj and, without
      // share_att_key, pos_key_proj (c2p) / pos_query_proj (p2c). PEFT matches by suffix: "output.dense" also matches
      // attention.output.dense.
      const deberta = e.modelType === 'deberta-v2';
      const [q, k, v] = deberta ? ['query_proj', 'key_proj', 'value_proj'] : ['query', 'key', 'value'];
      const pos = [lin('pos_key_proj', h, h, true, part, 'k'), lin('pos_query_proj', h, h, true, part, 'q')].slice(
        0,
        e.positionProjections,
      );
      return [
        lin(q, h, h, true, part, 'q'),
        lin(k, h, h, true, part, 'k'),
        lin(v, h, h, true, part, 'v'),
        ...pos,
        lin('attention.output.dense', h, h, true, part, 'o'),
        lin('intermediate.dense', h, I, true, 'mlp', 'up'),
        lin('output.dense', I, h, true, 'mlp', 'down'),
      ];
    }
  }
}

/**
 * Exact parameters of an encoder-only or encoder-decoder model as the fine-tuning class builds it (each layout checked
 * against transformers 5 on the meta device in tests/python/test_param_counts.py test_encoder_params):
 * - t5 / mt5: models/t5 T5ForConditionalGeneration — `shared` V·d; each stack's T5Blocks (T5LayerNorm weight only: 2
 *   per encoder block, 3 per decoder block), relative_attention_bias Embedding(buckets, heads) in the first block of
 *   each stack only, final_layer_norm d per stack; lm_head V·d unless tie_word_embeddings.
 * - bart: models/bart BartForConditionalGeneration — `shared` V·d (untied: also each stack's embed_tokens); per stack
 *   BartLearnedPositionalEmbedding
 *   (max_position_embeddings + 2 offset)·d and layernorm_embedding; LayerNorms with bias; lm_head tied
 *   (final_logits_bias is a buffer, not a parameter).
 * - bert / roberta: models/bert BertForSequenceClassification — embeddings (word, position, token_type, LayerNorm),
 *   layers, pooler dense h², classifier h·n; models/roberta RobertaForSequenceClassification — no pooler
 *   (add_pooling_layer=False) but RobertaClassificationHead dense h² + out_proj h·n: the same count. RoBERTa's
 *   max_position_embeddings already includes its padding_idx offset (514 for 512 tokens).
 * - deberta-v2: models/deberta_v2 DebertaV2ForSequenceClassification — word embeddings, positions only with
 *   position_biased_input, token types when type_vocab_size > 0, LayerNorm; encoder rel_embeddings (2 × position
 *   buckets)·h and its LayerNorm (norm_rel_ebd "layer_norm"); ContextPooler dense h → pooler_hidden_size, classifier.
 */
export function encoderArchitecture(m: ModelSpec, e: EncoderSpec): Architecture {
  const h = m.hiddenSize;
  const ln = normSize(m); // T5LayerNorm: weight only (norm 'rmsnorm'); the others LayerNorm weight + bias
  const t5 = e.modelType === 't5' || e.modelType === 'mt5';
  const bart = e.modelType === 'bart';
  const group = (layers: number, decoder: boolean): LayerGroup => {
    const modules = encoderLayerModules(m, e, decoder);
    const normParams = (decoder ? 3 : 2) * ln;
    const params = modules.reduce((s, mod) => s + moduleParams(mod), 0) + normParams;
    return { kind: 'dense', layers, modules, normParams, params, activeParams: params };
  };
  const layerGroups = [group(e.encoderLayers, false), group(e.decoderLayers, true)].filter((g) => g.layers > 0);
  const encoderLayers = layerGroups[0]!;
  const decoderLayers = layerGroups[1];
  const V = m.vocabSize;
  const stacks = decoderLayers ? 2 : 1;
  // Relative-position tables: T5's bias (buckets × heads) in the first block of each stack; DeBERTa's rel_embeddings
  // (2 × buckets rows of h, shared by every layer) and their LayerNorm.
  const relativeParams = t5
    ? stacks * e.relativePositions * m.numHeads
    : e.relativePositions * h + (e.relativeEmbeddingNorm ? ln : 0);
  // Learned positions, token types and the embedding LayerNorm: BART's embed_positions + layernorm_embedding in each
  // stack; BERT/RoBERTa/DeBERTa's embeddings module once; T5 has none.
  const absoluteParams = bart
    ? 2 * (m.learnedPositions * h + ln)
    : t5
      ? 0
      : m.learnedPositions * h + e.tokenTypes * h + ln;
  const finalNormParams = t5 ? stacks * ln : 0;
  // transformers 5 BartForConditionalGeneration ties encoder.embed_tokens, decoder.embed_tokens and lm_head to `shared`
  // only with tie_word_embeddings (_tied_weights_keys): untied, each stack has its own V·d copy.
  const embeddingParams = bart && !m.tieWordEmbeddings ? 3 * V * h : V * h;
  const numLabels = e.numLabels ?? 2;
  const headParams =
    e.task === 'classification'
      ? (e.poolerSize > 0 ? e.poolerSize * h + e.poolerSize : 0) + (e.poolerSize || h) * numLabels + numLabels
      : m.tieWordEmbeddings
        ? 0
        : V * h;
  const layersOf = (g: LayerGroup | undefined) => (g ? g.layers * g.params : 0);
  const totalParams =
    embeddingParams +
    absoluteParams +
    relativeParams +
    layersOf(encoderLayers) +
    layersOf(decoderLayers) +
    finalNormParams +
    headParams;
  const linear = layerGroups.reduce((s, g) => s + g.layers * (g.params - g.normParams), 0);
  const main = decoderLayers ?? encoderLayers;
  const perStack = (g: LayerGroup | undefined, first: boolean) =>
    g ? layersOf(g) + (t5 ? e.relativePositions * m.numHeads + ln : first ? relativeParams : 0) : 0;
  return {
    spec: m,
    // The largest layer (the decoder's, with cross-attention): what per-layer memory terms read.
    modules: main.modules,
    layerGroups,
    layerParams: Math.max(...layerGroups.map((g) => g.params)),
    layerActiveParams: main.params,
    embeddingParams,
    positionParams: absoluteParams + relativeParams,
    lmHeadParams: headParams,
    finalNormParams,
    normParamsPerLayer: main.normParams,
    totalParams,
    activeParams: totalParams,
    mtpParams: 0,
    vision: null,
    encoder: {
      encoderStackParams: perStack(encoderLayers, true),
      decoderStackParams: perStack(decoderLayers, false),
      embeddingParams: embeddingParams + absoluteParams,
      headParams,
    },
    // Seq2seq: encoder and decoder layers per (source, target) token pair plus the LM head over the target; the
    // classifier runs once per sequence (negligible per token).
    matmulParamsPerToken: linear + (e.task === 'seq2seq' ? V * h : 0),
    qWidth: m.numHeads * m.headDim,
    kvWidth: m.numHeads * m.headDim,
  };
}

/** The output head's width: the vocabulary, or the reward model's single score (Architecture.headOut). */
export function headWidth(arch: Architecture): number {
  return arch.headOut ?? arch.spec.vocabSize;
}

/**
 * Issue 19, reward modelling: TRL's RewardTrainer loads AutoModelForSequenceClassification with num_labels=1
 * (trl/trainer/reward_trainer.py), whose class has no lm_head: a score head `nn.Linear(hidden_size, num_labels,
 * bias=False)` (transformers/modeling_layers.py:138 GenericForSequenceClassification) applied to every token's hidden
 * state (`logits = self.score(hidden_states)`, :167) and read at the last non-pad token. So the untied LM head's V·h
 * (and its bias) leave the parameters, tied embeddings keep their V·h (the embedding stays) but no longer multiply
 * every token, and h × 1 joins both. Decoder-only models only (an encoder spec already has its task head).
 */
export function rewardArchitecture(arch: Architecture): Architecture {
  if (arch.encoder) return arch;
  const h = arch.spec.hiddenSize;
  const score = h;
  const removed = arch.lmHeadParams;
  return {
    ...arch,
    lmHeadParams: score,
    totalParams: arch.totalParams - removed + score,
    activeParams: arch.activeParams - removed + score,
    matmulParamsPerToken: arch.matmulParamsPerToken - arch.spec.vocabSize * h + score,
    headOut: 1,
  };
}
