/**
 * `tuneplan model CONFIG.json [--json] [--technique JSON]...`: what Tuneplan reads from a Hugging Face
 * config.json (the ModelSpec's own field names) and the parameter counts it derives from it — total,
 * active (MoE: top-k experts) and trainable per technique. The Python tier
 * (tests/python/test_param_counts.py) compares these numbers with the real transformers classes.
 */
import { ConfigImportError, readHfConfig } from '../../shared/catalog/hf-config';
import { mlpActivation, type EncoderSpec, type ModelSpec, type VisionSpec } from '../../shared/domain/model-spec';
import { TECHNIQUE_KINDS, TechniqueSchema, type Technique, type TechniqueKind } from '../../shared/domain/plan';
import { describeArchitecture, type EncoderParams, type VisionParams } from '../../shared/estimate/architecture';
import { EstimateInputError, ia3TargetNames, resolveTargets, techniqueParams } from '../../shared/estimate/techniques';
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
  /** IA3's feedforward_modules (scaled on their input). */
  feedforwardModules?: string[];
  notes: string[];
}

export type ModelReport = ModelSpec & {
  totalParams: number;
  activeParams: number;
  /** Routed and shared experts, dense layers and the active count per token; null for a dense model. */
  experts: {
    routed: number;
    perToken: number;
    /** Shared-expert MLP width (0: none). */
    shared: number;
    expertIntermediateSize: number;
    denseLayers: number;
    moeLayers: number;
  } | null;
  /**
   * Vision-language models: the ModelSpec's vision shapes plus the exact parameters of the tower, the projector and
   * what the multimodal class adds to the language model (mllama); all included in totalParams. Null for a text model.
   */
  vision: (VisionSpec & VisionParams) | null;
  /**
   * Encoder-only and encoder-decoder models: the ModelSpec's encoder description plus the exact parameters of each
   * stack, the embeddings and the task head (all included in totalParams). Null for a decoder-only model.
   */
  encoder: (EncoderSpec & EncoderParams) | null;
  /** DeepSeek-V3 multi-token-prediction parameters in the checkpoint, not in totalParams (0 for other models). */
  mtpParams: number;
  /** Unknown model_type read as a Llama-style decoder: the keys used; null when the family is known. */
  approximatedFrom: string[] | null;
  warnings: string[];
  /** Trainable parameters per technique kind (the last technique of a kind wins when several are given). */
  trainable: Partial<Record<TechniqueKind, number>>;
  techniques: ModelTechniqueCount[];
};

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

/** The names Tuneplan's export passes to PEFT (IA3: target_modules; LoRA family: the resolved list). */
function targetNames(arch: ReturnType<typeof describeArchitecture>, t: Technique, i: number): string[] {
  if (t.kind === 'ia3') return ia3TargetNames(arch).targetModules;
  if (['lora', 'qlora', 'dora', 'vera', 'loha', 'lora_fa'].includes(t.kind)) return resolveTargets(arch, t, i).names;
  return [];
}

/** Reads config.json text; `techniques` defaults to every kind with its default settings. */
export function describeModelConfig(text: string, file: string, techniques?: Technique[]): ModelReport {
  let raw: unknown;
  try {
    raw = parseJsonText(text);
  } catch (error) {
    throw new ModelFileError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  let reading: ReturnType<typeof readHfConfig>;
  try {
    reading = readHfConfig(raw);
  } catch (error) {
    if (error instanceof ConfigImportError) throw new ModelFileError(`Cannot read ${file}: ${error.message}`);
    throw error;
  }
  const spec: ModelSpec = reading.spec;
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
        targetModules: targetNames(arch, t, i),
        ...(t.kind === 'ia3' ? { feedforwardModules: ia3TargetNames(arch).feedforwardModules } : {}),
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
    experts: spec.moe
      ? {
          routed: spec.moe.numExperts,
          perToken: spec.moe.topK,
          shared: spec.moe.sharedIntermediateSize,
          expertIntermediateSize: spec.moe.expertIntermediateSize ?? spec.intermediateSize,
          denseLayers: spec.moe.denseLayers,
          moeLayers: spec.numLayers - spec.moe.denseLayers,
        }
      : null,
    vision: spec.vision && arch.vision ? { ...spec.vision, ...arch.vision } : null,
    encoder: spec.encoder && arch.encoder ? { ...spec.encoder, ...arch.encoder } : null,
    mtpParams: arch.mtpParams,
    approximatedFrom: reading.approximatedFrom,
    warnings: reading.warnings,
    trainable: Object.fromEntries(counts.map((c) => [c.technique.kind, c.trainableParams])),
    techniques: counts,
  };
}

export function formatModelReport(r: ModelReport): string {
  const moe = r.experts
    ? `, ${r.experts.routed} experts (top ${r.experts.perToken}` +
      (r.experts.shared ? `, shared width ${r.experts.shared}` : '') +
      (r.experts.denseLayers ? `, ${r.experts.denseLayers} dense layers` : '') +
      ')'
    : '';
  // towerParams counts an audio encoder with the vision tower (architecture.ts VisionParams): said apart here.
  const visionOnly = r.vision ? r.vision.towerParams - r.vision.audioParams : 0;
  const lines = [
    `${r.name} (${r.modelType}): ${r.numLayers} layers, hidden ${r.hiddenSize}, ` +
      `intermediate ${r.intermediateSize}, ${r.numHeads} heads (${r.numKvHeads} kv) × ${r.headDim}, ` +
      `vocab ${r.vocabSize}${moe}`,
    `total params  ${count(r.totalParams)} (${r.totalParams.toLocaleString('en-US')})`,
    // What the memory estimate reads besides the shapes (shared/estimate/memory.ts savedBytesPerTokenPerLayer).
    `MLP           ${r.mlp}, activation ${mlpActivation(r)}${r.activation ? '' : ' (the family default)'}` +
      (r.dropout
        ? `; dropout ${(['hidden', 'attention', 'activation'] as const)
            .filter((k) => r.dropout![k] > 0)
            .map((k) => `${k} ${r.dropout![k]}`)
            .join(', ')} (one-byte masks in training; attention's under eager attention only)`
        : '; no dropout'),
    `active params ${count(r.activeParams)} (${r.activeParams.toLocaleString('en-US')})`,
    ...(r.vision
      ? [
          `vision tower  ${count(visionOnly)} (${visionOnly.toLocaleString('en-US')}, ` +
            `${r.vision.modelType} ${r.vision.tower}: ${r.vision.numLayers} layers, hidden ${r.vision.hiddenSize}` +
            `${r.vision.freezeTower ? ', frozen' : ''}), projector ${r.vision.projectorParams.toLocaleString('en-US')}`,
          ...(r.vision.audioParams > 0
            ? [
                `audio encoder ${count(r.vision.audioParams)} (${r.vision.audioParams.toLocaleString('en-US')}, ` +
                  'frozen: only image inputs are planned)',
              ]
            : []),
        ]
      : []),
    ...(r.encoder
      ? [
          `encoder       ${r.encoder.encoderLayers} layers, ` +
            `${r.encoder.encoderStackParams.toLocaleString('en-US')} params` +
            (r.encoder.decoderLayers
              ? `; decoder ${r.encoder.decoderLayers} layers (with cross-attention), ` +
                `${r.encoder.decoderStackParams.toLocaleString('en-US')} params`
              : ''),
          `task head     ${
            r.encoder.task === 'classification'
              ? `classification, ${r.encoder.numLabels} labels`
              : 'sequence-to-sequence LM head'
          }` +
            ` ${r.encoder.headParams.toLocaleString('en-US')} params` +
            (r.encoder.headParams === 0 ? ' (tied to the embedding)' : ''),
        ]
      : []),
    ...(r.mtpParams
      ? [
          `MTP params   ${count(r.mtpParams)} ` +
            `(${r.mtpParams.toLocaleString('en-US')}, in the checkpoint, not counted above)`,
        ]
      : []),
    'trainable:',
    ...r.techniques.map((t) => `  ${t.technique.kind.padEnd(16)} ${t.trainableParams.toLocaleString('en-US')}`),
    ...r.warnings.map((w) => `warning: ${w}`),
  ];
  return lines.join('\n');
}
