/**
 * CPU and NVMe offload (issue 15 §1–2): where DeepSpeed ZeRO-Offload / ZeRO-Infinity and FSDP's CPU offload put the
 * offloaded states — host RAM (pinned or pageable) and NVMe, per node — and the bytes each step moves over the GPU's
 * host link. Every part names the allocation in the library that makes it. memory.ts sums the parts into
 * `hostBytes` / `nvmeBytes`; time.ts prices the traffic; explain.ts lists the parts.
 *
 * Versions read: DeepSpeed 0.19.8, torch 2.13, accelerate 1.15, transformers 5.24 (the project's Python venv).
 */
import type { Distribution, Training } from '../domain/plan';
import { STRATEGY_TRAITS } from '../domain/strategies';
import type { Architecture } from './architecture';
import { deepSpeedElementBytes, DS_EXPORTED_ZERO, shardGroupSize, type DistributedPart } from './distributed';

/** deepspeed/runtime/zero/offload_config.py defaults (the plan's export writes none of these fields). */
export const DS_OFFLOAD_DEFAULTS = {
  /** DeepSpeedZeroOffloadParamConfig.buffer_count: parameter swap buffers (NVMe). */
  paramBufferCount: 5,
  /** DeepSpeedZeroOffloadParamConfig.buffer_size: elements per parameter swap buffer. */
  paramBufferSize: 1e8,
  /** DeepSpeedZeroOffloadParamConfig.max_in_cpu: trainable partition elements kept in host RAM with NVMe params. */
  maxInCpu: 1e9,
  /** DeepSpeedZeroOffloadOptimizerConfig.buffer_count: optimizer swap buffers (NVMe). */
  optimizerBufferCount: 4,
} as const;

/**
 * DeepSpeed's async I/O defaults: deepspeed/runtime/swap_tensor/constants.py AIO_BLOCK_SIZE_DEFAULT (1 MiB) and
 * AIO_QUEUE_DEPTH_DEFAULT (8); swap buffers are aligned to AIO_ALIGNED_BYTES (1024, swap_tensor/utils.py) ×
 * intra_op_parallelism (default 1).
 */
export const DS_AIO = { blockSize: 1048576, queueDepth: 8, alignedBytes: 1024 } as const;

/** `_io_aligned_numel` (swap_tensor/optimizer_utils.py, partitioned_param_swapper.py): elements rounded up. */
export function aioAlignedNumel(numel: number, elementBytes: number): number {
  const align = DS_AIO.alignedBytes / elementBytes;
  const r = numel % align;
  return r === 0 ? numel : numel + align - r;
}

/**
 * The FSDP the plan's stack runs. transformers/TRL go through accelerate, whose FullyShardedDataParallelPlugin
 * defaults to fsdp_version 1 (accelerate/utils/dataclasses.py `__post_init__`: FSDP_VERSION env, default "1"; the
 * accelerate export writes no fsdp_version); torchtune's recipes shard with FSDP2 `fully_shard`.
 */
export function fsdpVersion(training: Pick<Training, 'stack'>): 1 | 2 {
  return training.stack === 'torchtune' ? 2 : 1;
}

/**
 * FSDP's one offload switch: FSDP1 CPUOffload(offload_params=True) / FSDP2 CPUOffloadPolicy move the sharded
 * parameters, their gradients and the optimizer step to the host together (torch/distributed/fsdp/api.py
 * CPUOffload). Every export writes it from the plan's parameter offload (accelerate fsdp_offload_params, torchtune
 * fsdp_cpu_offload); an optimizer-only offload has no FSDP equivalent and is not counted.
 */
export function fsdpCpuOffload(d: Pick<Distribution, 'strategy' | 'offloadParams'>): boolean {
  return STRATEGY_TRAITS[d.strategy].family === 'fsdp' && d.offloadParams === 'cpu';
}

export interface OffloadPart {
  key: string;
  label: string;
  /** host: RAM per node; nvme: disk per node; gpu: bytes on each GPU (alive in every phase). */
  where: 'host' | 'nvme' | 'gpu';
  /** Page-locked (pinned) host memory: cannot be swapped out; counts against `ulimit -l`. */
  pinned: boolean;
  bytes: number;
  formula: string;
  substituted: string;
  source: string;
}

export interface OffloadInput {
  training: Training;
  distribution: Distribution;
  /** Every parameter of the model with its adapters. */
  totalParams: number;
  trainableParams: number;
  /** The frozen base as stored (quantized where QLoRA), whole model. */
  frozenBytes: number;
  /** Bytes of one trainable parameter as FSDP stores its sharded copy (fp32 for mixed-precision full fine-tuning). */
  trainableStoredBytes: number;
  /** Optimizer states of the whole model without any master copy (Adam: exp_avg + exp_avg_sq). */
  stateBytes: number;
  largestTrainableTensor: number;
  /** FSDP1 use_orig_params: frozen parameters sharing a FlatParameter with trainable ones (their gradient exists). */
  frozenInMixedUnits: number;
}

export interface OffloadProfile {
  parts: OffloadPart[];
  /** Which optimizer runs on the host: DeepSpeed's CPU Adam, PyTorch's optimizer (FSDP), or none. */
  hostOptimizer: 'deepspeed' | 'torch' | null;
  /** FSDP offload: bytes each GPU copies host → GPU and GPU → host per micro-batch. */
  h2dBytesPerMicroStep: number;
  d2hBytesPerMicroStep: number;
  /** Parameters the host optimizer steps per node per step. */
  hostStepParamsPerNode: number;
  notes: string[];
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const gb = (x: number) => `${(x / 2 ** 30).toFixed(2)} GiB`;

/** The offload parts of a plan (empty when nothing is offloaded). */
export function offloadProfile(x: OffloadInput): OffloadProfile {
  const d = x.distribution;
  const traits = STRATEGY_TRAITS[d.strategy];
  const out: OffloadProfile = {
    parts: [],
    hostOptimizer: null,
    h2dBytesPerMicroStep: 0,
    d2hBytesPerMicroStep: 0,
    hostStepParamsPerNode: 0,
    notes: [],
  };
  const G = d.gpusPerNode;
  const N = d.gpusPerNode * d.nodes;
  const T = x.trainableParams;
  const P = x.totalParams;
  const push = (p: OffloadPart) => {
    if (p.bytes > 0) out.parts.push(p);
  };

  if (traits.family === 'fsdp') {
    if (!fsdpCpuOffload(d)) {
      if (d.offloadOptimizer !== 'none')
        out.notes.push(
          'FSDP has no optimizer-only offload: its CPU offload (FSDP1 CPUOffload(offload_params=True), FSDP2 ' +
            'CPUOffloadPolicy) moves parameters, gradients and the optimizer step together, and the exports write ' +
            'it from parameter offload. Estimated without offload; set parameter offload to CPU as well.',
        );
      return out;
    }
    const S = shardGroupSize(d);
    const v = fsdpVersion(x.training);
    const share = G / S; // the node's G ranks each hold 1/S of every sharded tensor
    const shardBytes = (x.frozenBytes + T * x.trainableStoredBytes) * share;
    push({
      key: 'fsdp.hostParams',
      label: 'FSDP sharded parameters in host RAM',
      where: 'host',
      pinned: true,
      bytes: shardBytes,
      formula: '(frozen base + trainable × stored bytes) × GPUs per node ÷ shard group',
      substituted: `(${gb(x.frozenBytes)} + ${n(T)} × ${x.trainableStoredBytes} B) × ${G} ÷ ${S} = ${gb(shardBytes)}`,
      source:
        v === 1
          ? 'torch/distributed/fsdp/_flat_param.py FlatParamHandle.init_flat_param_attributes ' +
            '(_local_shard.pin_memory())'
          : 'torch/distributed/fsdp/_fully_shard/_fsdp_param.py FSDPParam._init_sharded_param (pin_memory)',
    });
    // FSDP1 pre-allocates a pinned sharded gradient for every FlatParameter, frozen or not; FSDP2 receives gradients
    // for the parameters that require them.
    const gradBytes = v === 1 ? shardBytes : T * x.trainableStoredBytes * share;
    push({
      key: 'fsdp.hostGrads',
      label: 'FSDP sharded gradients in host RAM',
      where: 'host',
      pinned: true,
      bytes: gradBytes,
      formula:
        v === 1
          ? '_cpu_grad = zeros_like(_local_shard) for every FlatParameter, frozen ones included'
          : 'trainable parameters × stored bytes × GPUs per node ÷ shard group (copied to the host after reduce)',
      substituted: gb(gradBytes),
      source:
        v === 1
          ? 'torch/distributed/fsdp/_flat_param.py FlatParamHandle.init_flat_param_attributes (_cpu_grad)'
          : 'torch/distributed/fsdp/_fully_shard/_fsdp_collectives.py foreach_reduce (offload_to_cpu: ' +
            'new_sharded_grad.to("cpu", non_blocking=True))',
    });
    const states = x.stateBytes * share;
    push({
      key: 'fsdp.hostStates',
      label: 'Optimizer states in host RAM (PyTorch optimizer on the CPU)',
      where: 'host',
      pinned: false,
      bytes: states,
      formula: 'optimizer states × GPUs per node ÷ shard group (created beside the CPU parameters)',
      substituted: `${gb(x.stateBytes)} × ${G} ÷ ${S} = ${gb(states)}`,
      source: 'torch/optim/adamw.py _init_group (torch.zeros_like(p) on the parameter’s device)',
    });
    // Per micro-batch: every unit's shard is copied to the GPU for its forward all-gather and again for its backward
    // one (FULL_SHARD reshards after forward); each gradient shard goes back once.
    const storedShard = (x.frozenBytes + T * x.trainableStoredBytes) / S;
    const reshards = traits.fsdpShardingStrategy === 'SHARD_GRAD_OP' ? 1 : 2;
    out.h2dBytesPerMicroStep = reshards * storedShard;
    out.d2hBytesPerMicroStep = ((T + (v === 1 ? x.frozenInMixedUnits : 0)) * x.trainableStoredBytes) / S;
    out.hostOptimizer = 'torch';
    out.hostStepParamsPerNode = T * share;
    out.notes.push(
      `FSDP${v} CPU offload: sharded parameters, gradients and optimizer states live in host RAM ` +
        `(${gb(shardBytes + gradBytes + states)} per node); the GPU holds only the units being gathered, and ` +
        'PyTorch’s optimizer steps on the CPU.',
    );
    return out;
  }

  if (traits.family !== 'deepspeed') return out;
  const e = deepSpeedElementBytes(x.training);
  const stage = traits.zeroStage;
  const perNode = 1 / d.nodes; // a node's G ranks hold G/N of every partition
  const partition = T / N;
  if (d.offloadOptimizer !== 'none') {
    out.hostOptimizer = 'deepspeed';
    out.hostStepParamsPerNode = T * perNode;
    const master = 4 * T * perNode;
    const grads = 4 * T * perNode;
    const states = x.stateBytes * perNode;
    const nvme = d.offloadOptimizer === 'nvme';
    if (stage === 1 || stage === 2) {
      push({
        key: 'ds.master',
        label: 'fp32 master partition (pinned)',
        where: 'host',
        pinned: true,
        bytes: master,
        formula: '4 B × trainable ÷ nodes',
        substituted: `4 × ${n(T)} ÷ ${d.nodes} = ${gb(master)}`,
        source: 'deepspeed/runtime/zero/stage_1_and_2.py __init__ (single_partition_of_fp32_groups, pin_memory)',
      });
      const bit16 = e * T * perNode;
      push({
        key: 'ds.bit16Buffer',
        label: '16-bit parameter copy-back buffer (pinned)',
        where: 'host',
        pinned: true,
        bytes: bit16,
        formula: `${e} B × trainable ÷ nodes`,
        substituted: gb(bit16),
        source: 'deepspeed/runtime/zero/stage_1_and_2.py __init__ (param_buffer_of_bit16_for_cpu_offload_groups)',
      });
      push({
        key: 'ds.gradPartition',
        label: 'fp32 gradient partition (pinned)',
        where: 'host',
        pinned: true,
        bytes: grads,
        formula: '4 B × trainable ÷ nodes',
        substituted: gb(grads),
        source: 'deepspeed/runtime/zero/stage_1_and_2.py initialize_optimizer_states (single_grad_partition)',
      });
      if (x.training.gradAccum > 1) {
        const acc = e * T * perNode;
        push({
          key: 'ds.accumulatedGrads',
          label: 'Gradient accumulation buffers (pinned)',
          where: 'host',
          pinned: true,
          bytes: acc,
          formula: `${e} B × trainable ÷ nodes (gradient accumulation > 1)`,
          substituted: gb(acc),
          source:
            'deepspeed/runtime/zero/stage_1_and_2.py async_accumulate_grad_in_cpu_via_gpu ' +
            '(accumulated_grads_in_cpu)',
        });
      }
      const temp = e * x.largestTrainableTensor;
      push({
        key: 'ds.tempGradHost',
        label: 'Gradient staging buffer (pinned)',
        where: 'host',
        pinned: true,
        bytes: temp * G,
        formula: `largest trainable tensor × ${e} B × GPUs per node`,
        substituted: `${n(x.largestTrainableTensor)} × ${e} B × ${G} = ${gb(temp * G)}`,
        source: 'deepspeed/runtime/zero/stage_1_and_2.py __init__ (temp_grad_buffer_for_cpu_offload)',
      });
      push({
        key: 'ds.tempGradGpu',
        label: 'ZeRO-Offload gradient staging buffer on the GPU',
        where: 'gpu',
        pinned: false,
        bytes: temp,
        formula: `largest trainable tensor × ${e} B`,
        substituted: `${n(x.largestTrainableTensor)} × ${e} B = ${gb(temp)}`,
        source: 'deepspeed/runtime/zero/stage_1_and_2.py __init__ (temp_grad_buffer_for_gpu_offload)',
      });
    } else {
      // ZeRO-3: fp32 partitions per sub-group, their fp32 gradients and the gradient accumulation buffer.
      const accumulation = e * T * perNode;
      push({
        key: 'ds.gradAccumBuffer',
        label: 'Gradient partitions at the accumulation dtype (pinned)',
        where: 'host',
        pinned: true,
        bytes: accumulation,
        formula: `${e} B (grad_accum_dtype = model dtype) × trainable ÷ nodes`,
        substituted: gb(accumulation),
        source:
          'deepspeed/runtime/zero/stage3.py __init__ (grad_partitions_flat_buffer on the offload device, pinned); ' +
          'runtime/engine.py get_data_types',
      });
      if (!nvme) {
        push({
          key: 'ds.master',
          label: 'fp32 master partitions',
          where: 'host',
          pinned: false,
          bytes: master,
          formula: '4 B × trainable ÷ nodes',
          substituted: gb(master),
          source: 'deepspeed/runtime/zero/stage3.py _create_fp32_partitions (converted.clone() on the CPU)',
        });
        push({
          key: 'ds.gradPartition',
          label: 'fp32 gradient per sub-group (pinned)',
          where: 'host',
          pinned: true,
          bytes: grads,
          formula: '4 B × trainable ÷ nodes',
          substituted: gb(grads),
          source: 'deepspeed/runtime/zero/stage3.py initialize_optimizer_states (subgroup_gradient_buffer)',
        });
      } else {
        const largest = aioAlignedNumel(Math.min(DS_EXPORTED_ZERO.subGroupSize, Math.ceil(partition)), 4);
        const swap = DS_OFFLOAD_DEFAULTS.optimizerBufferCount * largest * 4 * G;
        push({
          key: 'ds.optimizerSwapBuffers',
          label: 'Optimizer swap buffers (pinned)',
          where: 'host',
          pinned: true,
          bytes: swap,
          formula: 'offload_optimizer.buffer_count × aligned largest sub-group × 4 B × GPUs per node',
          substituted:
            `${DS_OFFLOAD_DEFAULTS.optimizerBufferCount} × ${n(largest)} × 4 B × ${G} = ${gb(swap)}` +
            ' (largest sub-group ≈ min(sub_group_size, partition))',
          source:
            'deepspeed/runtime/swap_tensor/optimizer_utils.py OptimizerSwapper.__init__ (SwapBufferManager, ' +
            'new_cpu_locked_tensor); offload_config.py buffer_count 4',
        });
        const gradBuf = largest * 4 * G;
        push({
          key: 'ds.swapGradient',
          label: 'fp32 gradient of the sub-group being stepped',
          where: 'host',
          pinned: false,
          bytes: gradBuf,
          formula: 'largest sub-group × 4 B × GPUs per node',
          substituted: gb(gradBuf),
          source: 'deepspeed/runtime/zero/stage3.py initialize_optimizer_states (gradient_buffer)',
        });
        const disk = master + grads + states;
        push({
          key: 'ds.nvmeOptimizer',
          label: 'Optimizer states, fp32 master and gradients on NVMe',
          where: 'nvme',
          pinned: false,
          bytes: disk,
          formula: '(4 B master + 4 B gradient) × trainable + optimizer states, ÷ nodes',
          substituted: gb(disk),
          source:
            'deepspeed/runtime/zero/stage3.py _optimizer_states_and_gradient_swap_out; ' +
            'swap_tensor/partitioned_optimizer_swapper.py',
        });
      }
    }
    if (!nvme)
      push({
        key: 'ds.states',
        label: 'Optimizer states (DeepSpeed CPU Adam)',
        where: 'host',
        pinned: false,
        bytes: states,
        formula: 'optimizer states ÷ nodes',
        substituted: gb(states),
        source: 'deepspeed/ops/adam/cpu_adam.py DeepSpeedCPUAdam.step (state zeros_like on the CPU)',
      });
  }
  if (stage === 3 && d.offloadParams === 'cpu') {
    const params = e * P * perNode;
    push({
      key: 'ds.paramPartitions',
      label: 'Parameter partitions (pinned)',
      where: 'host',
      pinned: true,
      bytes: params,
      formula: `${e} B × every parameter ÷ nodes`,
      substituted: `${e} × ${n(P)} ÷ ${d.nodes} = ${gb(params)}`,
      source:
        'deepspeed/runtime/zero/partition_parameters.py _partition_param (remote_device cpu, pin_memory); ' +
        'stage3.py _create_param_groups_fp16_flat_cpu_memory',
    });
  }
  if (stage === 3 && d.offloadParams === 'nvme') {
    const aligned = aioAlignedNumel(DS_OFFLOAD_DEFAULTS.paramBufferSize, e);
    const buffers = DS_OFFLOAD_DEFAULTS.paramBufferCount * aligned * e * G;
    push({
      key: 'ds.paramSwapBuffers',
      label: 'Parameter swap buffers (pinned)',
      where: 'host',
      pinned: true,
      bytes: buffers,
      formula: 'offload_param.buffer_count × aligned buffer_size × bytes per element × GPUs per node',
      substituted: `${DS_OFFLOAD_DEFAULTS.paramBufferCount} × ${n(aligned)} × ${e} B × ${G} = ${gb(buffers)}`,
      source:
        'deepspeed/runtime/swap_tensor/partitioned_param_swapper.py AsyncPartitionedParameterSwapper._configure_aio ' +
        '(buffers, new_cpu_locked_tensor); offload_config.py buffer_count 5, buffer_size 1e8',
    });
    const inCpu = Math.min(partition, DS_OFFLOAD_DEFAULTS.maxInCpu) * e * G;
    push({
      key: 'ds.paramsInCpu',
      label: 'Trainable parameter partitions kept in host RAM (pinned)',
      where: 'host',
      pinned: true,
      bytes: inCpu,
      formula: `min(trainable ÷ GPUs, offload_param.max_in_cpu) × ${e} B × GPUs per node`,
      substituted: gb(inCpu),
      source: 'deepspeed/runtime/zero/stage3.py _create_param_groups_fp16_flat_cpu_memory (params_in_nvme_and_cpu)',
    });
    const disk = e * P * perNode;
    push({
      key: 'ds.nvmeParams',
      label: 'Parameter partitions on NVMe',
      where: 'nvme',
      pinned: false,
      bytes: disk,
      formula: `${e} B × every parameter ÷ nodes`,
      substituted: gb(disk),
      source: 'deepspeed/runtime/swap_tensor/partitioned_param_swapper.py swap_out_and_release',
    });
  }
  if (d.offloadOptimizer === 'nvme' || d.offloadParams === 'nvme')
    out.notes.push(
      `NVMe swapping reads and writes through DeepSpeed's async I/O (aio block_size ${DS_AIO.blockSize / 2 ** 20} ` +
        `MiB, queue_depth ${DS_AIO.queueDepth}: swap_tensor/constants.py) into the pinned swap buffers counted in ` +
        'host RAM.' +
        (d.offloadOptimizer === 'nvme'
          ? ' The optimizer swap buffers are sized by the largest sub-group (sub_group_size, 1e9 by default and not ' +
            'written by the export): a smaller sub_group_size shrinks them.'
          : ''),
    );
  return out;
}

/** Sum of the parts at one place. */
export function offloadBytes(p: OffloadProfile, where: OffloadPart['where']): number {
  return p.parts.filter((x) => x.where === where).reduce((s, x) => s + x.bytes, 0);
}

/**
 * FSDP1 copies of a unit's shard on the GPU while it is gathered (the two units in flight, distributed.ts
 * fsdp.unsharded). With MixedPrecision(param_dtype=bf16) over fp32 shards — accelerate's policy for
 * `mixed_precision: bf16` (accelerate/utils/dataclasses.py FullyShardedDataParallelPlugin.set_mixed_precision:
 * param_dtype = reduce_dtype = bf16), over the fp32 weights a mixed-precision full fine-tune loads — the low-precision
 * shard `_mp_shard` is allocated for the all-gather; with CPU offload the stored shard is first copied to the GPU
 * (`_local_shard.to(device)` / `flat_param_to(device)`). Both are freed after the all-gather (post_unshard).
 */
export function fsdp1ShardStagingPart(
  arch: Architecture,
  training: Training,
  d: Distribution,
  /** Parameter mixed precision applies: bf16 compute over fp32 stored shards. */
  paramMixedPrecision: boolean,
  storedBytes: number,
): DistributedPart | null {
  if (STRATEGY_TRAITS[d.strategy].family !== 'fsdp' || fsdpVersion(training) !== 1) return null;
  const S = shardGroupSize(d);
  if (S <= 1 || !STRATEGY_TRAITS[d.strategy].shards.parameters) return null;
  const offload = fsdpCpuOffload(d);
  const perElement = (paramMixedPrecision ? 2 : 0) + (offload ? storedBytes : 0);
  if (perElement === 0) return null;
  const units = Math.min(2, arch.spec.numLayers);
  const bytes = (units * arch.layerParams * perElement) / S;
  return {
    key: 'fsdp.shardStaging',
    label: 'FSDP1 shard copies for the all-gather (low-precision shard, offloaded shard)',
    bytes,
    phases: { forward: true, backward: true, optimizer: false },
    formula:
      '2 units × layer parameters ÷ shard group × (' +
      [paramMixedPrecision ? '2 B _mp_shard' : '', offload ? `${storedBytes} B shard copied from the host` : '']
        .filter(Boolean)
        .join(' + ') +
      ')',
    substituted: `${units} × ${n(arch.layerParams)} ÷ ${S} × ${perElement} B = ${gb(bytes)}`,
    source:
      'torch/distributed/fsdp/_flat_param.py FlatParamHandle.pre_unshard → _use_low_precision_shard ' +
      '(_mp_shard.copy_(_local_shard.to(device))) / flat_param_to(device); post_unshard frees it',
  };
}
