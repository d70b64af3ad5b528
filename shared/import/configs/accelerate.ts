/**
 * accelerate config YAML (`accelerate config` / `ClusterConfig.to_yaml_file`,
 * accelerate/commands/config/config_args.py)
 * → distribution facts. Sample (tests/fixtures/import-configs/generated/accelerate/deepspeed_zero2.yaml, accelerate
 * 1.15):
 *
 *     deepspeed_config:
 *       gradient_accumulation_steps: 4
 *       offload_optimizer_device: cpu
 *       zero_stage: 2
 *     distributed_type: DEEPSPEED
 *     mixed_precision: bf16
 *     num_machines: 1
 *     num_processes: 8
 *
 * `num_processes` is the total over all machines (accelerate/commands/launch.py passes it as the world size).
 */
import type { Distribution } from '../../domain/plan';
import { bool, ConfigImportError, isObject, posInt, Reading, str, type ConfigReading, type Json } from './facts';

export const looksLikeAccelerate = (j: Json) => typeof j.distributed_type === 'string' && 'compute_environment' in j;

export const AUTOCAST_PRECISION_OPEN =
  "is autocast only: the weights' dtype is how the script loads the model (loaded in bf16, transformers 5's " +
  'default dtype="auto" for bf16 checkpoints → pure bf16; loaded in float32 → mixed). Set precision in the plan';

const offload = (v: unknown): Distribution['offloadOptimizer'] | undefined =>
  v === 'cpu' ? 'cpu' : v === 'nvme' ? 'nvme' : v === 'none' ? 'none' : undefined;

export function readAccelerateConfig(doc: unknown, file: string): ConfigReading {
  if (!isObject(doc)) throw new ConfigImportError(`${file}: an accelerate config is one YAML mapping.`);
  const r = new Reading(file, 'accelerate');
  const type = str(doc.distributed_type);
  const processes = posInt(doc.num_processes);
  const machines = posInt(doc.num_machines) ?? 1;
  r.set('distribution.nodes', machines, 'num_machines');
  if (processes !== undefined) {
    if (processes % machines === 0)
      r.set('distribution.gpusPerNode', processes / machines, 'num_processes / num_machines');
    else
      r.leave(
        'distribution.gpusPerNode',
        'num_processes',
        `num_processes ${processes} is not a multiple of num_machines ${machines}; set GPUs per node in the plan`,
      );
  } else if (type === 'NO') r.set('distribution.gpusPerNode', 1, 'distributed_type');
  const ds = isObject(doc.deepspeed_config) ? doc.deepspeed_config : undefined;
  const dsFile = ds ? str(ds.deepspeed_config_file) : undefined;
  if (type === 'DEEPSPEED' && ds) {
    if (dsFile) {
      r.note(
        `deepspeed_config_file ${dsFile}: the stage, offload and batch sizes are in that file; import it with ` +
          `this one.`,
      );
      if (doc.mixed_precision !== undefined && doc.mixed_precision !== 'no')
        r.note(
          'mixed_precision next to deepspeed_config_file: accelerate takes precision from the DeepSpeed file ' +
            '(accelerate/utils/dataclasses.py DeepSpeedPlugin), so it is not read here.',
        );
    } else {
      const stage = ds.zero_stage;
      const strategy = ({ 0: 'ddp', 1: 'zero1', 2: 'zero2', 3: 'zero3' } as const)[stage as 0 | 1 | 2 | 3];
      r.set('distribution.strategy', strategy, 'deepspeed_config.zero_stage');
      r.set(
        'distribution.offloadOptimizer',
        offload(ds.offload_optimizer_device),
        'deepspeed_config.offload_optimizer_device',
      );
      r.set('distribution.offloadParams', offload(ds.offload_param_device), 'deepspeed_config.offload_param_device');
      r.set(
        'training.gradAccum',
        posInt(ds.gradient_accumulation_steps),
        'deepspeed_config.gradient_accumulation_steps',
      );
    }
  } else if (type === 'FSDP') {
    const f = isObject(doc.fsdp_config) ? doc.fsdp_config : {};
    // FSDP1 names the strategy (FULL_SHARD, SHARD_GRAD_OP, or 1/2 in older files); FSDP2 says whether to reshard
    // after forward (accelerate/utils/dataclasses.py FullyShardedDataParallelPlugin: reshard_after_forward).
    const s = f.fsdp_sharding_strategy;
    const reshard = bool(f.fsdp_reshard_after_forward);
    const strategy =
      s === 'FULL_SHARD' || s === 1 || reshard === true
        ? 'fsdp_full'
        : s === 'SHARD_GRAD_OP' || s === 2 || reshard === false
          ? 'fsdp_grad_op'
          : // accelerate/utils/constants.py FSDP_SHARDING_STRATEGY: HYBRID_SHARD is the 4th name (index + 1 = 4).
            s === 'HYBRID_SHARD' || s === 4
            ? 'fsdp_hybrid'
            : undefined;
    if (strategy) r.set('distribution.strategy', strategy, 'fsdp_config.fsdp_sharding_strategy');
    else
      r.leave(
        'distribution.strategy',
        'fsdp_config.fsdp_sharding_strategy',
        `FSDP sharding ${JSON.stringify(s ?? null)} is not one Tuneplan plans ` +
          '(FULL_SHARD, SHARD_GRAD_OP or HYBRID_SHARD); ' +
          `pick the strategy in the plan`,
      );
    const off = bool(f.fsdp_offload_params);
    if (off !== undefined) {
      // FSDP's CPUOffload moves parameters, gradients and optimizer states together.
      r.set('distribution.offloadParams', off ? 'cpu' : 'none', 'fsdp_config.fsdp_offload_params');
      r.set('distribution.offloadOptimizer', off ? 'cpu' : 'none', 'fsdp_config.fsdp_offload_params');
    }
    if (bool(f.fsdp_activation_checkpointing) === true)
      r.set('training.gradientCheckpointing', true, 'fsdp_config.fsdp_activation_checkpointing');
  } else if (type === 'MULTI_GPU' || type === 'NO' || type === 'MULTI_CPU') {
    r.set('distribution.strategy', 'ddp', 'distributed_type');
  } else if (type)
    r.leave('distribution.strategy', 'distributed_type', `distributed_type ${type} is not a strategy Tuneplan plans`);
  const mp = doc.mixed_precision;
  if (!(type === 'DEEPSPEED' && dsFile) && typeof mp === 'string')
    r.leave('training.precision', 'mixed_precision', `mixed_precision: ${mp} ${AUTOCAST_PRECISION_OPEN}`);
  if (isObject(doc.dynamo_config) && str(doc.dynamo_config.dynamo_backend) && doc.dynamo_config.dynamo_backend !== 'NO')
    r.set('training.compile', true, 'dynamo_config.dynamo_backend');
  return r.done();
}
