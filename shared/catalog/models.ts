/**
 * Built-in model architectures, loaded from shared/catalog/data/models.json (copied from the
 * project's reference catalog; each entry cites the config.json it was read from and when).
 */
import raw from './data/models.json';
import { ModelSpecSchema, type ModelSpec } from '../domain/model-spec';
import { parseHfConfig } from './hf-config';

/** Flat shape fields of the original catalog entries; issue 16 entries carry `config` instead. */
interface RawShape {
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim: number;
  vocab_size: number;
  max_position_embeddings: number;
  tie_word_embeddings: boolean;
  attention_bias?: boolean;
  lm_head_bias?: boolean;
  norm: string;
  fused_qkv: boolean;
  fused_gate_up: boolean;
  lora_target_modules: string[];
  moe: { num_local_experts: number; num_experts_per_tok: number } | null;
}

type RawModel = {
  name: string;
  hf_id: string;
  family: string;
  model_type: string;
  params: { computed_total: number; computed_active?: number; published: string };
  source: { url: string; verified_via?: string[]; date_added?: string; config_partial?: boolean };
  verified: boolean;
} & (
  | (RawShape & { config?: undefined })
  | {
      /**
       * Issue 16 entries: the model's config.json keys verbatim (`source.config_partial`: only the keys that set
       * the shapes); the spec is read from it by parseHfConfig, like an import, and counted by describeArchitecture.
       */
      config: Record<string, unknown>;
    }
);

export interface CatalogModel {
  id: string;
  spec: ModelSpec;
  family: string;
  /** The count the catalog's compiler computed from the config, for cross-checking ours. */
  publishedParams: string;
  /**
   * The catalog's own count (issue 16 entries: the real transformers class's count, tests/python/test_param_counts.py).
   */
  catalogComputedTotal: number;
  /** The config.json keys the entry was read from (issue 16 entries), for the Python tier and the CLI. */
  config: Record<string, unknown> | null;
  source: { url: string; verifiedVia: string[]; compiled: string; dateAdded?: string; configPartial?: boolean };
}

function linearBias(m: RawShape & { model_type: string }): ModelSpec['linearBias'] {
  if (m.model_type === 'qwen2') return 'qkv'; // Qwen2: q/k/v have bias, o and MLP do not
  if (m.model_type === 'phi3small') return 'all'; // every nn.Linear keeps its default bias
  if (m.attention_bias) return 'attention'; // PhiMoE: q, k, v, o
  return 'none';
}

function toSpec(m: RawModel): ModelSpec {
  // Entries added for issue 16 carry the model's config.json keys verbatim and are read like an import.
  if (m.config) return { ...parseHfConfig(m.config, m.name), hfId: m.hf_id };
  return shapeSpec(m);
}

function shapeSpec(m: RawModel & RawShape): ModelSpec {
  const modelType =
    (['llama', 'mistral', 'mixtral', 'phi3', 'phi3small', 'phimoe', 'qwen2', 'gemma2'] as const).find(
      (t) => t === m.model_type,
    ) ?? 'generic';
  return ModelSpecSchema.parse({
    name: m.name,
    hfId: m.hf_id,
    modelType,
    hiddenSize: m.hidden_size,
    intermediateSize: m.intermediate_size,
    numLayers: m.num_hidden_layers,
    numHeads: m.num_attention_heads,
    numKvHeads: m.num_key_value_heads,
    headDim: m.head_dim,
    vocabSize: m.vocab_size,
    maxPositionEmbeddings: m.max_position_embeddings,
    tieWordEmbeddings: m.tie_word_embeddings,
    linearBias: linearBias(m),
    lmHeadBias: m.lm_head_bias === true,
    norm: /layernorm/i.test(m.norm) ? 'layernorm' : 'rmsnorm',
    normsPerLayer: m.model_type === 'gemma2' ? 4 : 2,
    fusedQkv: m.fused_qkv,
    fusedGateUp: m.fused_gate_up,
    moe: m.moe ? { numExperts: m.moe.num_local_experts, topK: m.moe.num_experts_per_tok } : null,
  });
}

const models = (raw as unknown as { models: RawModel[]; compiled: string }).models;
const compiled = (raw as unknown as { compiled: string }).compiled;

export const CATALOG_MODELS: readonly CatalogModel[] = models.map((m) => ({
  id: m.name,
  spec: toSpec(m),
  family: m.family,
  publishedParams: m.params.published,
  catalogComputedTotal: m.params.computed_total,
  config: m.config ?? null,
  source: {
    url: m.source.url,
    verifiedVia: m.source.verified_via ?? [],
    compiled,
    ...(m.source.date_added ? { dateAdded: m.source.date_added } : {}),
    ...(m.source.config_partial ? { configPartial: true } : {}),
  },
}));

export function findCatalogModel(id: string): CatalogModel | undefined {
  return CATALOG_MODELS.find((m) => m.id === id);
}
