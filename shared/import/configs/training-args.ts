/**
 * transformers `TrainingArguments` / TRL `SFTConfig` as JSON (`args.to_json_string()`, transformers/training_args.py)
 * → training facts. Sample (tests/fixtures/import-configs/generated/trainer/training_args.json, transformers 5.24):
 *
 *     "per_device_train_batch_size": 4, "num_train_epochs": 2, "learning_rate": 0.0001, "optim": "paged_adamw_8bit",
 *     "gradient_accumulation_steps": 8, "bf16": true, "gradient_checkpointing": true, "deepspeed": null, ...
 *
 * `training_args.bin` (what Trainer.save_model writes) is a pickle (`torch.save(self.args, ...)`): reading it would
 * run Python code from the file, so it is refused with a request for the JSON (detect.ts).
 */
import { AUTOCAST_PRECISION_OPEN } from './accelerate';
import {
  bool,
  ConfigImportError,
  finite,
  isObject,
  posInt,
  readOptim,
  readSampling,
  Reading,
  str,
  type ConfigReading,
  type Json,
} from './facts';

export const looksLikeTrainingArgs = (j: Json) =>
  'per_device_train_batch_size' in j || ('output_dir' in j && 'learning_rate' in j && 'optim' in j);

export function readTrainingArgs(json: unknown, file: string): ConfigReading {
  if (!isObject(json)) throw new ConfigImportError(`${file}: TrainingArguments JSON is one object.`);
  const r = new Reading(file, 'training-args');
  r.set('training.microBatch', posInt(json.per_device_train_batch_size), 'per_device_train_batch_size');
  r.set('training.gradAccum', posInt(json.gradient_accumulation_steps), 'gradient_accumulation_steps');
  const maxSteps = json.max_steps;
  if (typeof maxSteps === 'number' && maxSteps > 0)
    r.leave(
      'training.epochs',
      'max_steps',
      `max_steps=${maxSteps} overrides num_train_epochs; set the epochs (or the data size) in the plan`,
    );
  else r.set('training.epochs', finite(json.num_train_epochs), 'num_train_epochs');
  r.set('training.learningRate', finite(json.learning_rate), 'learning_rate');
  readOptim(r, json.optim, 'optim');
  const gc = bool(json.gradient_checkpointing) ?? bool(json.activation_checkpointing);
  r.set('training.gradientCheckpointing', gc, 'gradient_checkpointing');
  const flags = `bf16=${String(json.bf16)}, fp16=${String(json.fp16)}`;
  r.leave('training.precision', 'bf16 / fp16', `${flags} ${AUTOCAST_PRECISION_OPEN}`);
  if (json.use_liger_kernel === true) r.set('training.lossKernel', 'chunked', 'use_liger_kernel');
  r.set('training.compile', bool(json.torch_compile), 'torch_compile');
  readSampling(r, json);
  // TRL's SFTConfig (trl/trainer/sft_config.py): max_length and packing.
  if ('max_length' in json) {
    if (json.max_length === null)
      r.leave(
        'training.seqLen',
        'max_length',
        'max_length is null: no truncation; set the sequence length in the plan',
      );
    else r.set('training.seqLen', posInt(json.max_length), 'max_length');
  }
  r.set('training.packing', bool(json.packing), 'packing');
  const ds = json.deepspeed;
  if (typeof ds === 'string')
    r.note(`deepspeed: ${ds}: import that file with this one for the ZeRO stage and offload.`);
  else if (isObject(ds)) r.note('deepspeed is an inline dict: save it as ds_config.json and import it with this file.');
  const fsdp = json.fsdp;
  const fsdpText = Array.isArray(fsdp) ? fsdp.join(' ') : typeof fsdp === 'string' ? fsdp : '';
  // TrainingArguments.fsdp options (transformers/trainer_utils.py FSDPOption): full_shard, shard_grad_op, offload, ...
  if (/full_shard/.test(fsdpText)) r.set('distribution.strategy', 'fsdp_full', 'fsdp');
  else if (/shard_grad_op/.test(fsdpText)) r.set('distribution.strategy', 'fsdp_grad_op', 'fsdp');
  if (/offload/.test(fsdpText)) {
    r.set('distribution.offloadParams', 'cpu', 'fsdp');
    r.set('distribution.offloadOptimizer', 'cpu', 'fsdp');
  }
  readTrlObjective(r, json);
  const model = isObject(json.model_init_kwargs) ? str(json.model_init_kwargs.attn_implementation) : undefined;
  if (model === 'sdpa' || model === 'eager')
    r.set('training.attention', model, 'model_init_kwargs.attn_implementation');
  r.note(
    'TrainingArguments do not name the model, the technique or the GPU count: import the adapter_config.json ' +
      '/ config.json and the launcher config with them.',
  );
  return r.done();
}

/**
 * A TRL config's own keys → the plan's objective (trl 1.16; real files in
 * tests/fixtures/import-configs/generated/trainer/{dpo,grpo,kto}_config*.json, written by
 * tests/python/fixtures_gen/save_trl_objective_configs.py): GRPOConfig has num_generations and max_completion_length
 * (trl/trainer/grpo_config.py), KTOConfig desirable_weight (kto_config.py), DPOConfig a loss_type list
 * (["sigmoid"] by default, ["ipo"] for IPO) and precompute_ref_log_probs (dpo_config.py), CPOConfig loss_type "simpo"
 * with simpo_gamma (experimental/cpo/cpo_config.py). SFTConfig has dataset_text_field. Plain TrainingArguments say
 * nothing about the objective.
 */
function readTrlObjective(r: Reading, json: Json): void {
  const beta = finite(json.beta);
  if ('num_generations' in json && 'max_completion_length' in json) {
    r.set('objective.kind', 'grpo', 'num_generations');
    r.set('objective.beta', beta, 'beta');
    r.set('objective.numGenerations', posInt(json.num_generations), 'num_generations');
    r.set('objective.completionTokens', posInt(json.max_completion_length), 'max_completion_length');
    if (json.use_vllm === true)
      r.note(
        `use_vllm with vllm_mode ${str(json.vllm_mode) ?? 'server'}: set the plan's generation engine and its ` +
          'vLLM settings (vllm_gpu_memory_utilization, vllm_enable_sleep_mode) to match.',
      );
    return;
  }
  if ('desirable_weight' in json) {
    r.set('objective.kind', 'kto', 'desirable_weight (KTOConfig)');
    r.set('objective.beta', beta, 'beta');
    return;
  }
  if (json.loss_type === 'simpo' && 'simpo_gamma' in json) {
    r.set('objective.kind', 'simpo', 'loss_type');
    r.set('objective.beta', beta, 'beta');
    return;
  }
  if (Array.isArray(json.loss_type) && 'precompute_ref_log_probs' in json) {
    const losses = json.loss_type.filter((l): l is string => typeof l === 'string');
    const kind = losses.length === 1 ? ({ sigmoid: 'dpo', ipo: 'ipo' } as const)[losses[0] as 'sigmoid'] : undefined;
    if (kind) r.set('objective.kind', kind, 'loss_type');
    else
      r.leave(
        'objective.kind',
        'loss_type',
        `loss_type ${JSON.stringify(losses)} has no Tuneplan objective (it plans ["sigmoid"] as dpo and ["ipo"] as ` +
          'ipo); pick one in the plan',
      );
    r.set('objective.beta', beta, 'beta');
    // Whether the reference is a copy or the adapter-disabled base depends on the PEFT config, not on these args.
    if (json.precompute_ref_log_probs === true) r.set('objective.reference', 'precomputed', 'precompute_ref_log_probs');
    return;
  }
  if ('dataset_text_field' in json) r.set('objective.kind', 'sft', 'dataset_text_field (SFTConfig)');
}
