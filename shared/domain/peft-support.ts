/**
 * Which model types PEFT can apply a technique to without the user naming modules. One table, read by the
 * exporters (they refuse instead of writing a script that stops in get_peft_model) and open to the advice
 * and the UI.
 *
 * Source: PEFT 0.21.2 (the version tests/python/requirements.txt pins and the Python tier runs).
 * - LN tuning is not limited: `LNTuningConfig()` with no target_modules looks the model type up in
 *   peft/utils/constants.py TRANSFORMERS_MODELS_TO_LNTUNING_TARGET_MODULES_MAPPING and raises
 *   "Please specify `target_modules` in `peft_config`" when it is missing, so the exporter names the norms
 *   (shared/estimate/techniques.ts lnTuningTargets) for every other model type.
 * - Adaption prompt (LLaMA-Adapter): peft/tuners/adaption_prompt/config.py TRANSFORMERS_MODEL_CONFIG; its
 *   prepare_config raises "Unsupported model type for adaption prompt" for any other type (gpt2 is there too,
 *   not a Tuneplan model type).
 * Every other technique Tuneplan exports names its target modules (or uses "all-linear", or needs none),
 * so PEFT's per-type mappings do not limit it.
 */
import type { ModelSpec } from './model-spec';
import type { TechniqueKind } from './plan';

export const PEFT_VERSION_CHECKED = '0.21.2';

/** Model types PEFT supports the technique on; techniques absent here work on every type Tuneplan knows. */
export const PEFT_MODEL_TYPES: Partial<Record<TechniqueKind, readonly ModelSpec['modelType'][]>> = {
  adaption_prompt: ['llama', 'mistral'],
};

/** null when PEFT can apply the technique to this model type; otherwise why not, naming what is supported. */
export function peftUnsupportedReason(
  kind: TechniqueKind,
  modelType: ModelSpec['modelType'],
  label: string = kind,
): string | null {
  const supported = PEFT_MODEL_TYPES[kind];
  if (!supported || supported.includes(modelType)) return null;
  const what =
    modelType === 'generic' ? 'a generic decoder (a model_type Tuneplan does not know)' : `model_type "${modelType}"`;
  return (
    `${label} is not supported by PEFT ${PEFT_VERSION_CHECKED} on ${what}: PEFT supports it on ` +
    `${supported.join(', ')} only. Pick one of those models, or another technique (LoRA works on ` +
    `every architecture here).`
  );
}
