/**
 * `tuneplan model CONFIG.json [--json] [--technique JSON]...`: what Tuneplan reads from a Hugging Face
 * config.json (the ModelSpec's own field names) and the parameter counts it derives from it — total,
 * active (MoE: top-k experts) and trainable per technique. The Python tier
 * (tests/python/test_param_counts.py) compares these numbers with the real transformers classes.
 */
import { ConfigImportError, KNOWN_MODEL_TYPES, parseHfConfig } from '../../shared/catalog/hf-config';
import type { ModelSpec } from '../../shared/domain/model-spec';
import { TECHNIQUE_KINDS, TechniqueSchema, type Technique, type TechniqueKind } from '../../shared/domain/plan';
import { describeArchitecture } from '../../shared/estimate/architecture';
import { EstimateInputError, techniqueParams } from '../../shared/estimate/techniques';
import { count } from '../../shared/format';
import { issuesFromZod } from '../../shared/result';
import { parseJsonText } from '../../shared/text';

/** A config.json Tuneplan cannot read: the CLI prints the message and exits 2. */
export class ModelFileError extends Error {}

export interface ModelTechniqueCount {
  technique: Technique;
  trainableParams: number;
  /** Parameters the technique adds to the model (trainable or frozen). */
  addedParams: number;
  /** Base plus added: what PEFT's get_nb_trainable_parameters() calls "all params". */
  totalParams: number;
  /** The module names the technique adapts (what Tuneplan's exports pass to PEFT as target_modules). */
  targetModules: string[];
  notes: string[];
}

export type ModelReport = ModelSpec & {
  totalParams: number;
  activeParams: number;
  warnings: string[];
  /** Trainable parameters per technique kind (the last technique of a kind wins when several are given). */
  trainable: Partial<Record<TechniqueKind, number>>;
  techniques: ModelTechniqueCount[];
};

const isPosInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;

/** Fields Tuneplan filled in itself, because the file leaves them out — said so rather than assumed silently. */
function readWarnings(raw: Record<string, unknown>, spec: ModelSpec): string[] {
  const warnings: string[] = [];
  const modelType = typeof raw.model_type === 'string' ? raw.model_type : '';
  if (!(KNOWN_MODEL_TYPES as readonly string[]).includes(modelType))
    warnings.push(
      `${modelType ? `model_type "${modelType}"` : 'No model_type'}: read as a generic Llama-style decoder (separate q/k/v/o, gated MLP, RMSNorm); check the counts against the model's own modelling code.`,
    );
  if (!isPosInt(raw.num_key_value_heads))
    warnings.push(
      `num_key_value_heads is absent: assumed ${spec.numHeads} (num_attention_heads, no grouped-query attention).`,
    );
  if (!isPosInt(raw.max_position_embeddings))
    warnings.push(`max_position_embeddings is absent: assumed ${spec.maxPositionEmbeddings}.`);
  if (typeof raw.tie_word_embeddings !== 'boolean')
    warnings.push(`tie_word_embeddings is absent: assumed ${spec.tieWordEmbeddings} (the ${spec.modelType} default).`);
  return warnings;
}

export function parseTechniqueArg(text: string, index: number): Technique {
  let raw: unknown;
  try {
    raw = parseJsonText(text);
  } catch (error) {
    throw new ModelFileError(`--technique ${index + 1} is not valid JSON (${(error as Error).message}): ${text}`);
  }
  const parsed = TechniqueSchema.safeParse(raw);
  if (!parsed.success)
    throw new ModelFileError(
      `--technique ${index + 1} is not a valid technique: ${issuesFromZod(parsed.error)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ')}`,
    );
  return parsed.data;
}

/** Reads config.json text; `techniques` defaults to every kind with its default settings. */
export function describeModelConfig(text: string, file: string, techniques?: Technique[]): ModelReport {
  let raw: unknown;
  try {
    raw = parseJsonText(text);
  } catch (error) {
    throw new ModelFileError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  let spec: ModelSpec;
  try {
    spec = parseHfConfig(raw);
  } catch (error) {
    if (error instanceof ConfigImportError) throw new ModelFileError(`Cannot read ${file}: ${error.message}`);
    throw error;
  }
  const arch = describeArchitecture(spec);
  const list = techniques ?? TECHNIQUE_KINDS.map((kind) => TechniqueSchema.parse({ kind }));
  const counts: ModelTechniqueCount[] = list.map((t, i) => {
    try {
      const p = techniqueParams(arch, t, i);
      return {
        technique: t,
        trainableParams: p.trainableParams,
        addedParams: p.addedParams,
        totalParams: p.totalParams,
        targetModules: [...new Set(p.adapted.map((a) => a.module.name))],
        notes: p.notes,
      };
    } catch (error) {
      if (error instanceof EstimateInputError) throw new ModelFileError(`--technique ${i + 1}: ${error.message}`);
      throw error;
    }
  });
  return {
    ...spec,
    totalParams: arch.totalParams,
    activeParams: arch.activeParams,
    warnings: readWarnings(raw as Record<string, unknown>, spec),
    trainable: Object.fromEntries(counts.map((c) => [c.technique.kind, c.trainableParams])),
    techniques: counts,
  };
}

export function formatModelReport(r: ModelReport): string {
  const moe = r.moe ? `, ${r.moe.numExperts} experts (top ${r.moe.topK})` : '';
  const lines = [
    `${r.name} (${r.modelType}): ${r.numLayers} layers, hidden ${r.hiddenSize}, intermediate ${r.intermediateSize}, ${r.numHeads} heads (${r.numKvHeads} kv) × ${r.headDim}, vocab ${r.vocabSize}${moe}`,
    `total params  ${count(r.totalParams)} (${r.totalParams.toLocaleString('en-US')})`,
    `active params ${count(r.activeParams)} (${r.activeParams.toLocaleString('en-US')})`,
    'trainable:',
    ...r.techniques.map((t) => `  ${t.technique.kind.padEnd(16)} ${t.trainableParams.toLocaleString('en-US')}`),
    ...r.warnings.map((w) => `warning: ${w}`),
  ];
  return lines.join('\n');
}
