/**
 * A model's linear layers and exact parameter count, from its architecture (ESTIMATOR.md §1).
 * Embedding V·h; output head V·h unless tied (+V with a bias); per layer the attention and gated-MLP
 * projections (Phi-3 fuses qkv and gate_up), biases where the architecture has them, norms; MoE:
 * E experts of 3·h·I plus a router h·E.
 */
import type { ModelSpec } from '../domain/model-spec';

export interface LinearModule {
  /** The name PEFT matches (suffix of the module path). */
  name: string;
  in: number;
  out: number;
  bias: boolean;
  part: 'attention' | 'mlp' | 'router';
  /** How many of this module each layer has (MoE experts), and how many each token passes through. */
  count: number;
  activeCount: number;
}

export interface Architecture {
  spec: ModelSpec;
  modules: LinearModule[];
  /** Per-layer parameters, including biases and norms. */
  layerParams: number;
  layerActiveParams: number;
  embeddingParams: number;
  lmHeadParams: number;
  finalNormParams: number;
  normParamsPerLayer: number;
  totalParams: number;
  activeParams: number;
  /** Parameters that are matrix multiplies per token (everything but the embedding lookup and norms), active experts only. */
  matmulParamsPerToken: number;
  qWidth: number;
  kvWidth: number;
}

export function linearModules(m: ModelSpec): LinearModule[] {
  const h = m.hiddenSize;
  const qWidth = m.numHeads * m.headDim;
  const kvWidth = m.numKvHeads * m.headDim;
  const I = m.intermediateSize;
  const attnBias = (which: 'qkv' | 'o') =>
    m.linearBias === 'all' || m.linearBias === 'attention' || (which === 'qkv' && m.linearBias === 'qkv');
  const mlpBias = m.linearBias === 'all';
  const lin = (
    name: string,
    inF: number,
    outF: number,
    bias: boolean,
    part: LinearModule['part'],
    count = 1,
    activeCount = count,
  ): LinearModule => ({ name, in: inF, out: outF, bias, part, count, activeCount });

  const attention: LinearModule[] =
    m.modelType === 'phi3small'
      ? [
          lin('query_key_value', h, qWidth + 2 * kvWidth, attnBias('qkv'), 'attention'),
          lin('dense', qWidth, h, attnBias('o'), 'attention'),
        ]
      : m.fusedQkv
        ? [
            lin('qkv_proj', h, qWidth + 2 * kvWidth, attnBias('qkv'), 'attention'),
            lin('o_proj', qWidth, h, attnBias('o'), 'attention'),
          ]
        : [
            lin('q_proj', h, qWidth, attnBias('qkv'), 'attention'),
            lin('k_proj', h, kvWidth, attnBias('qkv'), 'attention'),
            lin('v_proj', h, kvWidth, attnBias('qkv'), 'attention'),
            lin('o_proj', qWidth, h, attnBias('o'), 'attention'),
          ];

  let mlp: LinearModule[];
  if (m.moe) {
    const { numExperts: E, topK } = m.moe;
    // Mixtral / PhiMoE experts: w1 (gate), w3 (up), w2 (down); router `gate` h → E without bias.
    mlp = [
      lin('w1', h, I, false, 'mlp', E, topK),
      lin('w3', h, I, false, 'mlp', E, topK),
      lin('w2', I, h, false, 'mlp', E, topK),
      lin('gate', h, E, false, 'router'),
    ];
  } else if (m.modelType === 'phi3small') {
    mlp = [lin('up_proj', h, 2 * I, mlpBias, 'mlp'), lin('down_proj', I, h, mlpBias, 'mlp')];
  } else if (m.fusedGateUp) {
    mlp = [lin('gate_up_proj', h, 2 * I, mlpBias, 'mlp'), lin('down_proj', I, h, mlpBias, 'mlp')];
  } else {
    mlp = [
      lin('gate_proj', h, I, mlpBias, 'mlp'),
      lin('up_proj', h, I, mlpBias, 'mlp'),
      lin('down_proj', I, h, mlpBias, 'mlp'),
    ];
  }
  return [...attention, ...mlp];
}

export function moduleParams(mod: LinearModule, active = false): number {
  return (mod.in * mod.out + (mod.bias ? mod.out : 0)) * (active ? mod.activeCount : mod.count);
}

export function describeArchitecture(m: ModelSpec): Architecture {
  const modules = linearModules(m);
  const h = m.hiddenSize;
  const normSize = m.norm === 'layernorm' ? 2 * h : h; // LayerNorm has weight and bias
  const normParamsPerLayer = m.normsPerLayer * normSize;
  const linear = modules.reduce((sum, mod) => sum + moduleParams(mod), 0);
  const linearActive = modules.reduce((sum, mod) => sum + moduleParams(mod, true), 0);
  const layerParams = linear + normParamsPerLayer;
  const layerActiveParams = linearActive + normParamsPerLayer;
  const embeddingParams = m.vocabSize * h;
  const lmHeadParams = m.tieWordEmbeddings ? 0 : m.vocabSize * h + (m.lmHeadBias ? m.vocabSize : 0);
  const finalNormParams = normSize;
  const outside = embeddingParams + lmHeadParams + finalNormParams;
  return {
    spec: m,
    modules,
    layerParams,
    layerActiveParams,
    embeddingParams,
    lmHeadParams,
    finalNormParams,
    normParamsPerLayer,
    totalParams: m.numLayers * layerParams + outside,
    activeParams: m.numLayers * layerActiveParams + outside,
    matmulParamsPerToken: m.numLayers * linearActive + m.vocabSize * h,
    qWidth: m.numHeads * m.headDim,
    kvWidth: m.numKvHeads * m.headDim,
  };
}
