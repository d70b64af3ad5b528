/**
 * DeepSpeed `ds_config.json` → plan facts. Keys as DeepSpeed documents them
 * (https://www.deepspeed.ai/docs/config-json/: train_batch_size, train_micro_batch_size_per_gpu,
 * gradient_accumulation_steps, fp16/bf16 `enabled`, zero_optimization.stage, offload_optimizer/offload_param `device`).
 * `"auto"` is the HF integration's placeholder that the Trainer fills from TrainingArguments
 * (transformers/integrations/deepspeed.py, HfTrainerDeepSpeedConfig.trainer_config_process): it stays open.
 * A sample (LLaMA-Factory examples/deepspeed/ds_z3_offload_config.json):
 *
 *     "train_micro_batch_size_per_gpu": "auto",
 *     "bf16": { "enabled": "auto" },
 *     "zero_optimization": { "stage": 3, "offload_optimizer": { "device": "cpu", "pin_memory": true }, ...
 */
import type { Distribution } from '../../domain/plan';
import { ConfigImportError, isObject, posInt, Reading, type ConfigReading, type Json } from './facts';

const AUTO = (v: unknown) => v === 'auto';
const OPEN_AUTO = (key: string) =>
  `${key} is "auto": the Trainer fills it from TrainingArguments; import the TrainingArguments JSON or the ` +
  `trainer's YAML with it, or set it in the plan`;

export const looksLikeDeepSpeed = (j: Json) =>
  isObject(j.zero_optimization) || 'train_micro_batch_size_per_gpu' in j || 'train_batch_size' in j;

function offloadDevice(v: unknown): Distribution['offloadOptimizer'] | undefined {
  if (!isObject(v)) return undefined;
  const d = v.device;
  return d === 'cpu' ? 'cpu' : d === 'nvme' ? 'nvme' : d === 'none' ? 'none' : undefined;
}

export function readDeepSpeedConfig(json: unknown, file: string): ConfigReading {
  if (!isObject(json)) throw new ConfigImportError(`${file}: a DeepSpeed config is one JSON object.`);
  const r = new Reading(file, 'deepspeed');
  const micro = json.train_micro_batch_size_per_gpu;
  const accum = json.gradient_accumulation_steps;
  if (AUTO(micro))
    r.leave('training.microBatch', 'train_micro_batch_size_per_gpu', OPEN_AUTO('train_micro_batch_size_per_gpu'));
  else r.set('training.microBatch', posInt(micro), 'train_micro_batch_size_per_gpu');
  if (AUTO(accum))
    r.leave('training.gradAccum', 'gradient_accumulation_steps', OPEN_AUTO('gradient_accumulation_steps'));
  else r.set('training.gradAccum', posInt(accum), 'gradient_accumulation_steps');
  const total = posInt(json.train_batch_size);
  if (total !== undefined && posInt(micro) && posInt(accum)) {
    // DeepSpeed checks train_batch_size = micro × accumulation × world size (deepspeed/runtime/config.py
    // _batch_assertion): the GPU count follows, but not how it splits into nodes.
    const world = total / (posInt(micro)! * posInt(accum)!);
    if (Number.isInteger(world))
      r.note(`train_batch_size ${total} = ${posInt(micro)} × ${posInt(accum)} × ${world} GPUs (world size).`);
    else
      r.note(
        `train_batch_size ${total} is not micro-batch × accumulation × GPUs: DeepSpeed will refuse it ` +
          `(deepspeed/runtime/config.py _batch_assertion).`,
      );
  }
  const bf16 = isObject(json.bf16) ? json.bf16.enabled : undefined;
  const fp16 = isObject(json.fp16) ? json.fp16.enabled : undefined;
  if (AUTO(bf16) || AUTO(fp16))
    r.leave('training.precision', 'bf16.enabled / fp16.enabled', OPEN_AUTO('bf16.enabled / fp16.enabled'));
  else if (bf16 === true) r.set('training.precision', 'pure_bf16', 'bf16.enabled');
  else if (fp16 === true) r.set('training.precision', 'pure_fp16', 'fp16.enabled');
  else if (bf16 === false || fp16 === false) r.set('training.precision', 'fp32', 'bf16.enabled / fp16.enabled');
  const zero = isObject(json.zero_optimization) ? json.zero_optimization : undefined;
  if (zero) {
    const stage = zero.stage;
    const strategy = ({ 0: 'ddp', 1: 'zero1', 2: 'zero2', 3: 'zero3' } as const)[stage as 0 | 1 | 2 | 3];
    if (strategy) r.set('distribution.strategy', strategy, 'zero_optimization.stage');
    else if (stage !== undefined)
      throw new ConfigImportError(
        `${file}: zero_optimization.stage must be 0, 1, 2 or 3 (it is ${JSON.stringify(stage)}).`,
      );
    r.set(
      'distribution.offloadOptimizer',
      offloadDevice(zero.offload_optimizer) ?? 'none',
      'zero_optimization.offload_optimizer.device',
    );
    r.set(
      'distribution.offloadParams',
      offloadDevice(zero.offload_param) ?? 'none',
      'zero_optimization.offload_param.device',
    );
    const buckets = Object.entries(zero)
      .filter(([k]) => /bucket|threshold|live_parameters|reuse_distance|sub_group/.test(k))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    if (buckets.length)
      r.note(
        `Communication buckets and ZeRO-3 thresholds (${buckets.join(', ')}) are read but not planned: ` +
          `Tuneplan's memory model does not size DeepSpeed's buckets.`,
      );
  } else r.set('distribution.strategy', 'ddp', 'zero_optimization (absent)');
  return r.done();
}
