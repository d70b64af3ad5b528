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
  const model = isObject(json.model_init_kwargs) ? str(json.model_init_kwargs.attn_implementation) : undefined;
  if (model === 'sdpa' || model === 'eager')
    r.set('training.attention', model, 'model_init_kwargs.attn_implementation');
  r.note(
    'TrainingArguments do not name the model, the technique or the GPU count: import the adapter_config.json ' +
      '/ config.json and the launcher config with them.',
  );
  return r.done();
}
