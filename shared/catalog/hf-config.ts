/**
 * A Hugging Face `config.json` → ModelSpec. Known model types: llama, mistral, mixtral, phi3,
 * phi3small, phimoe, qwen2, gemma2; any other decoder with the standard fields is read as a generic
 * Llama-style model. Missing fields are named in the error.
 */
import { ModelSpecSchema, type ModelSpec } from '../domain/model-spec';
import { describeArchitecture } from '../estimate/architecture';
import { modelNameFromConfig, type ConfigNameHints } from '../naming';
import { stripBom } from '../text';

export const KNOWN_MODEL_TYPES = [
  'llama',
  'mistral',
  'mixtral',
  'phi3',
  'phi3small',
  'phimoe',
  'qwen2',
  'gemma2',
] as const;

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
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ConfigImportError('config.json must be a JSON object.');
  const c = raw as Json;
  const modelType = typeof c.model_type === 'string' ? c.model_type : '';
  const known = (KNOWN_MODEL_TYPES as readonly string[]).includes(modelType);
  const intermediateKey = modelType === 'phi3small' ? 'ff_intermediate_size' : 'intermediate_size';
  const required = ['hidden_size', intermediateKey, 'num_hidden_layers', 'num_attention_heads', 'vocab_size'];
  const missing = required.filter((k) => !isPosInt(c[k]));
  if (modelType === 'mixtral' || modelType === 'phimoe') {
    for (const k of ['num_local_experts', 'num_experts_per_tok']) if (!isPosInt(c[k])) missing.push(k);
  }
  if (missing.length > 0) {
    const lead = known
      ? `This ${modelType} config.json`
      : modelType
        ? `model_type "${modelType}" is not one Tuneplan knows (${KNOWN_MODEL_TYPES.join(', ')}), and to read it as a generic decoder the config.json`
        : 'The config.json has no model_type, and to read it as a generic decoder it';
    throw new ConfigImportError(`${lead} is missing ${missing.join(', ')} (each a positive whole number).`, missing);
  }
  const h = c.hidden_size as number;
  const heads = c.num_attention_heads as number;
  const kvHeads = isPosInt(c.num_key_value_heads) ? c.num_key_value_heads : heads;
  const headDim = isPosInt(c.head_dim) ? c.head_dim : h / heads;
  if (!Number.isInteger(headDim))
    throw new ConfigImportError(
      `hidden_size (${h}) is not divisible by num_attention_heads (${heads}) and head_dim is not given.`,
      ['head_dim'],
    );
  const tieDefault = modelType === 'gemma2' || modelType === 'phi3small';
  const bias: ModelSpec['linearBias'] =
    modelType === 'qwen2'
      ? 'qkv'
      : modelType === 'phi3small'
        ? 'all'
        : c.attention_bias === true
          ? c.mlp_bias === true
            ? 'all'
            : 'attention'
          : c.mlp_bias === true
            ? 'all'
            : 'none';
  const layerNorm = modelType === 'phi3small' || modelType === 'phimoe';
  const spec = {
    // Named below, once the size is known (the last-resort name carries it).
    name: typeof name === 'string' ? name : 'unnamed',
    modelType: known ? modelType : 'generic',
    hiddenSize: h,
    intermediateSize: c[intermediateKey] as number,
    numLayers: c.num_hidden_layers as number,
    numHeads: heads,
    numKvHeads: kvHeads,
    headDim,
    vocabSize: c.vocab_size as number,
    maxPositionEmbeddings: isPosInt(c.max_position_embeddings) ? c.max_position_embeddings : 4096,
    tieWordEmbeddings: typeof c.tie_word_embeddings === 'boolean' ? c.tie_word_embeddings : tieDefault,
    linearBias: bias,
    lmHeadBias: c.lm_head_bias === true,
    norm: layerNorm ? 'layernorm' : 'rmsnorm',
    normsPerLayer: modelType === 'gemma2' ? 4 : 2,
    fusedQkv: modelType === 'phi3' || modelType === 'phi3small',
    fusedGateUp: modelType === 'phi3' || modelType === 'phi3small',
    moe:
      isPosInt(c.num_local_experts) && isPosInt(c.num_experts_per_tok)
        ? { numExperts: c.num_local_experts, topK: c.num_experts_per_tok }
        : null,
  };
  const parsed = ModelSpecSchema.safeParse(spec);
  if (!parsed.success) {
    throw new ConfigImportError(
      `The config.json describes an impossible model: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`,
    );
  }
  if (typeof name === 'string') return parsed.data;
  const totalParams = describeArchitecture(parsed.data).totalParams;
  return { ...parsed.data, name: modelNameFromConfig(c, { ...name, totalParams }) };
}
