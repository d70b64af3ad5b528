/**
 * What a reader of a foreign training config (DeepSpeed, PEFT, accelerate, TrainingArguments, LLaMA-Factory, axolotl,
 * torchtune, config.json) hands to the combiner: plan fields the file determines, each with the key it was read from,
 * and the fields it names but leaves open (`"auto"`, a path to another file, a value Tuneplan cannot represent).
 * Downstream code (shared/import/configs/combine.ts) sees only these facts, never the foreign format.
 */
import type { ModelSpec } from '../../domain/model-spec';
import type { Distribution, Objective, TechniqueKind, Technique, Training } from '../../domain/plan';

export class ConfigImportError extends Error {}

export const CONFIG_FORMATS = [
  'deepspeed',
  'peft',
  'accelerate',
  'training-args',
  'llama-factory',
  'axolotl',
  'torchtune',
  'hf-config',
] as const;
export type ConfigFormat = (typeof CONFIG_FORMATS)[number];

export const CONFIG_FORMAT_LABELS: Record<ConfigFormat, string> = {
  deepspeed: 'DeepSpeed ds_config.json',
  peft: 'PEFT adapter_config.json',
  accelerate: 'accelerate config YAML',
  'training-args': 'TrainingArguments / TRL config JSON',
  'llama-factory': 'LLaMA-Factory YAML',
  axolotl: 'axolotl YAML',
  torchtune: 'torchtune recipe YAML',
  'hf-config': 'model config.json',
};

/** The model as a file names it: a Hub id (or local folder), the shape from a config.json, or a catalog entry. */
export type ModelFact =
  { kind: 'hub'; id: string } | { kind: 'spec'; spec: ModelSpec } | { kind: 'catalog'; id: string };

/** Adapter targets as the file lists them; the combiner maps them onto a preset once the model is known. */
export type TargetsFact = { allLinear: true } | { names: string[] } | { preset: 'attention' | 'mlp' | 'qv' };

export interface FieldValues {
  model: ModelFact;
  'technique.kind': TechniqueKind;
  'technique.rank': number;
  'technique.alpha': number;
  'technique.dropout': number;
  'technique.targets': TargetsFact;
  'technique.quantType': Technique['quantType'];
  'technique.doubleQuant': boolean;
  'technique.virtualTokens': number;
  'training.precision': Training['precision'];
  'training.optimizer': Training['optimizer'];
  'training.microBatch': number;
  'training.gradAccum': number;
  'training.seqLen': number;
  'training.packing': boolean;
  'training.gradientCheckpointing': boolean;
  'training.attention': Training['attention'];
  'training.lossKernel': Training['lossKernel'];
  'training.stack': Training['stack'];
  'training.compile': boolean;
  'training.optimizerInBackward': boolean;
  'training.activationOffload': boolean;
  'training.samplingStrategy': Training['samplingStrategy'];
  'training.epochs': number;
  'training.learningRate': number;
  'distribution.gpusPerNode': number;
  'distribution.nodes': number;
  'distribution.strategy': Distribution['strategy'];
  'distribution.offloadOptimizer': Distribution['offloadOptimizer'];
  'distribution.offloadParams': Distribution['offloadParams'];
  /** The training objective (issue 19): LLaMA-Factory stage / pref_loss, axolotl rl, a TRL config's loss_type. */
  'objective.kind': Objective['kind'];
  'objective.beta': number;
  'objective.reference': Objective['reference'];
  'objective.numGenerations': number;
  'objective.completionTokens': number;
}
export type ImportField = keyof FieldValues;

/** Every field an import can set, in the order reports list them. */
export const IMPORT_FIELDS: readonly ImportField[] = [
  'model',
  'technique.kind',
  'technique.rank',
  'technique.alpha',
  'technique.dropout',
  'technique.targets',
  'technique.quantType',
  'technique.doubleQuant',
  'technique.virtualTokens',
  'training.precision',
  'training.optimizer',
  'training.microBatch',
  'training.gradAccum',
  'training.seqLen',
  'training.packing',
  'training.gradientCheckpointing',
  'training.attention',
  'training.lossKernel',
  'training.stack',
  'training.compile',
  'training.optimizerInBackward',
  'training.activationOffload',
  'training.samplingStrategy',
  'training.epochs',
  'training.learningRate',
  'distribution.gpusPerNode',
  'distribution.nodes',
  'distribution.strategy',
  'distribution.offloadOptimizer',
  'distribution.offloadParams',
  'objective.kind',
  'objective.beta',
  'objective.reference',
  'objective.numGenerations',
  'objective.completionTokens',
];

export interface Fact<F extends ImportField = ImportField> {
  field: F;
  value: FieldValues[F];
  /** The file and the key inside it (dotted) the value was read from. */
  file: string;
  key: string;
}

export interface OpenField {
  field: ImportField;
  file: string;
  key: string;
  /** Why the file does not settle it, and how to settle it. */
  reason: string;
}

export interface ConfigReading {
  file: string;
  format: ConfigFormat;
  facts: Fact[];
  open: OpenField[];
  /** What the file holds that a plan has no field for (buckets, schedulers, paths), and approximations made. */
  notes: string[];
}

/** Collects one file's facts; `set` ignores undefined so readers can pass optional keys straight through. */
export class Reading {
  readonly facts: Fact[] = [];
  readonly open: OpenField[] = [];
  readonly notes: string[] = [];
  constructor(
    readonly file: string,
    readonly format: ConfigFormat,
  ) {}
  set<F extends ImportField>(field: F, value: FieldValues[F] | undefined, key: string): this {
    if (value !== undefined) this.facts.push({ field, value, file: this.file, key });
    return this;
  }
  leave(field: ImportField, key: string, reason: string): this {
    this.open.push({ field, file: this.file, key, reason });
    return this;
  }
  note(text: string): this {
    this.notes.push(text);
    return this;
  }
  has(field: ImportField): boolean {
    return this.facts.some((f) => f.field === field);
  }
  done(): ConfigReading {
    return { file: this.file, format: this.format, facts: this.facts, open: this.open, notes: this.notes };
  }
}

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const posInt = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
export const finite = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  // YAML 1.2 reads `2e-5` as a string in some writers' output (axolotl's schema coerces it: learning_rate: str |
  // float).
  if (typeof v === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v.trim())) return Number(v);
  return undefined;
};
export const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
export const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;

/**
 * transformers' `optim` names (transformers/training_args.py `OptimizerNames`, 5.24) → the plan's optimizer. The same
 * names serve TrainingArguments JSON, LLaMA-Factory (its TrainingArguments subclass) and axolotl (`optimizer`, passed
 * to TrainingArguments.optim: axolotl/utils/schemas/training.py).
 */
export const HF_OPTIM_TO_PLAN: Record<string, Training['optimizer']> = {
  adamw_torch: 'adamw',
  adamw_torch_fused: 'adamw_torch_fused',
  adamw_bnb_8bit: 'adamw_8bit',
  adamw_8bit: 'adamw_8bit',
  paged_adamw_32bit: 'paged_adamw',
  paged_adamw: 'paged_adamw',
  paged_adamw_8bit: 'paged_adamw_8bit',
  adafactor: 'adafactor',
  sgd: 'sgd_momentum',
  lion_32bit: 'lion',
  paged_lion_32bit: 'lion',
};

/** The plan's optimizer → the `optim` name the exporters write (the inverse of HF_OPTIM_TO_PLAN's first names). */
export const PLAN_TO_HF_OPTIM: Record<Training['optimizer'], string> = {
  adamw: 'adamw_torch',
  adamw_torch_fused: 'adamw_torch_fused',
  adamw_8bit: 'adamw_bnb_8bit',
  paged_adamw: 'paged_adamw_32bit',
  paged_adamw_8bit: 'paged_adamw_8bit',
  adafactor: 'adafactor',
  sgd_momentum: 'sgd',
  lion: 'lion_32bit',
};

/**
 * The batch order of a TrainingArguments-shaped config: `train_sampling_strategy` (transformers >= 5.2,
 * training_args.py: random | sequential | group_by_length | batch_rebalance) or the older boolean `group_by_length`
 * (axolotl keeps that name). Orders the plan has no value for are left to the user, named.
 */
export function readSampling(r: Reading, doc: Record<string, unknown>): void {
  const strategy = str(doc.train_sampling_strategy);
  if (strategy === 'random' || strategy === 'group_by_length')
    r.set('training.samplingStrategy', strategy, 'train_sampling_strategy');
  // Dataset order (KTOConfig's default): lengths come unsorted, as shuffled ones do for the allocator.
  else if (strategy === 'sequential') r.set('training.samplingStrategy', 'random', 'train_sampling_strategy');
  else if (strategy !== undefined)
    r.leave(
      'training.samplingStrategy',
      'train_sampling_strategy',
      `"${strategy}" has no plan value (random or group_by_length); the estimate assumes shuffled batches`,
    );
  else if (typeof doc.group_by_length === 'boolean')
    r.set('training.samplingStrategy', doc.group_by_length ? 'group_by_length' : 'random', 'group_by_length');
}

export function readOptim(r: Reading, value: unknown, key: string): void {
  const name = str(value);
  if (name === undefined) return;
  const plan = HF_OPTIM_TO_PLAN[name];
  if (plan) r.set('training.optimizer', plan, key);
  else
    r.leave(
      'training.optimizer',
      key,
      `optimizer "${name}" has no Tuneplan equivalent (Tuneplan plans ` +
        `${Object.keys(HF_OPTIM_TO_PLAN).join(', ')}); pick the closest in the plan`,
    );
}
