/**
 * PEFT `adapter_config.json` (written by `PeftModel.save_pretrained`, peft/config.py PeftConfigMixin.save_pretrained)
 * → technique facts and the base model's Hub id. Sample (tests/fixtures/import-configs/generated/peft-lora, PEFT
 * 0.21.2):
 *
 *     "base_model_name_or_path": "meta-llama/Llama-3.2-1B", "peft_type": "LORA", "r": 8, "lora_alpha": 16,
 *     "lora_dropout": 0.1, "target_modules": ["v_proj", "q_proj"], "use_dora": false, "task_type": "CAUSAL_LM"
 *
 * The adapter file does not record how the base was quantized (QLoRA): that is in the quantized base's config.json
 * (`quantization_config`, read by hf-config.ts) or in the trainer's config; import it together to get QLoRA.
 */
import type { TechniqueKind } from '../../domain/plan';
import { ConfigImportError, finite, isObject, posInt, Reading, str, type ConfigReading, type Json } from './facts';

export const looksLikePeftAdapter = (j: Json) => typeof j.peft_type === 'string';

/** peft/utils/peft_types.py PeftType values Tuneplan plans → technique kind (LORA is refined by use_dora). */
const PEFT_TYPES: Record<string, TechniqueKind> = {
  LORA: 'lora',
  LOHA: 'loha',
  VERA: 'vera',
  IA3: 'ia3',
  PROMPT_TUNING: 'prompt_tuning',
  PREFIX_TUNING: 'prefix_tuning',
  P_TUNING: 'p_tuning',
  LN_TUNING: 'ln_tuning',
  ADAPTION_PROMPT: 'adaption_prompt',
};

function targets(r: Reading, v: unknown, key: string): void {
  if (v === 'all-linear') r.set('technique.targets', { allLinear: true }, key);
  else if (Array.isArray(v) && v.every((x) => typeof x === 'string') && v.length > 0)
    r.set('technique.targets', { names: v }, key);
  else if (typeof v === 'string')
    r.leave(
      'technique.targets',
      key,
      `target_modules is the regular expression ${JSON.stringify(v)}; list the module names in the plan`,
    );
}

export function readPeftAdapterConfig(json: unknown, file: string): ConfigReading {
  if (!isObject(json)) throw new ConfigImportError(`${file}: adapter_config.json is one JSON object.`);
  const r = new Reading(file, 'peft');
  const type = String(json.peft_type);
  const kind = PEFT_TYPES[type];
  if (!kind)
    throw new ConfigImportError(
      `${file}: peft_type "${type}" is not a technique Tuneplan plans (it plans ` +
        `${Object.keys(PEFT_TYPES).join(', ')}).`,
    );
  if (json.task_type !== undefined && json.task_type !== null && json.task_type !== 'CAUSAL_LM')
    r.note(
      `task_type is ${JSON.stringify(json.task_type)}; Tuneplan plans causal language-model fine-tuning (CAUSAL_LM).`,
    );
  const base = str(json.base_model_name_or_path);
  if (base) r.set('model', { kind: 'hub', id: base }, 'base_model_name_or_path');
  else
    r.leave(
      'model',
      'base_model_name_or_path',
      'the adapter does not name its base model; import the base config.json too',
    );
  if (type === 'LORA') {
    r.set(
      'technique.kind',
      json.use_dora === true ? 'dora' : 'lora',
      json.use_dora === true ? 'use_dora' : 'peft_type',
    );
    r.set('technique.rank', posInt(json.r), 'r');
    r.set('technique.alpha', finite(json.lora_alpha), 'lora_alpha');
    r.set('technique.dropout', finite(json.lora_dropout), 'lora_dropout');
    targets(r, json.target_modules, 'target_modules');
    if (json.use_rslora === true)
      r.note('use_rslora: rank-stabilized scaling (alpha/√r) changes no memory or time; kept out of the plan.');
  } else {
    r.set('technique.kind', kind, 'peft_type');
    if (type === 'LOHA') {
      r.set('technique.rank', posInt(json.r), 'r');
      r.set('technique.alpha', finite(json.alpha), 'alpha');
      r.set('technique.dropout', finite(json.rank_dropout), 'rank_dropout');
      targets(r, json.target_modules, 'target_modules');
    } else if (type === 'VERA') {
      r.set('technique.rank', posInt(json.r), 'r');
      r.set('technique.dropout', finite(json.vera_dropout), 'vera_dropout');
      targets(r, json.target_modules, 'target_modules');
    } else if (type === 'IA3') {
      targets(r, json.target_modules, 'target_modules');
    } else if (type === 'PROMPT_TUNING' || type === 'PREFIX_TUNING' || type === 'P_TUNING') {
      r.set('technique.virtualTokens', posInt(json.num_virtual_tokens), 'num_virtual_tokens');
    } else if (type === 'ADAPTION_PROMPT') {
      r.set('technique.virtualTokens', posInt(json.adapter_len), 'adapter_len');
    }
  }
  return r.done();
}
