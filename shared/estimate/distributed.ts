/**
 * Distributed-training memory internals per GPU (issue 15 §1–3), each a named part with its formula and the upstream
 * source line that allocates it. memory.ts adds the parts to the phases they live in; explain.ts lists them.
 *
 * Versions read: DeepSpeed 0.19.8, torch 2.13, transformers 5.24, accelerate 1.15 (the project's Python venv).
 */
import type { Distribution, Training } from '../domain/plan';
import { STRATEGY_TRAITS } from '../domain/strategies';
import { headWidth, type Architecture } from './architecture';

export type DistPhase = 'forward' | 'backward' | 'optimizer';

export interface DistributedPart {
  key: string;
  label: string;
  bytes: number;
  /** The phases of a step in which the buffer is allocated (through PyTorch's caching allocator). */
  phases: Record<DistPhase, boolean>;
  formula: string;
  substituted: string;
  source: string;
}

/** DeepSpeed's own defaults (deepspeed/runtime/zero/config.py, DeepSpeedZeroConfig fields; line numbers of 0.19.8). */
export const DS_ZERO_DEFAULTS = {
  reduceBucketSize: 5e8, // config.py:113 reduce_bucket_size
  allgatherBucketSize: 5e8, // config.py:132 allgather_bucket_size
  subGroupSize: 1e9, // config.py:182 sub_group_size
  prefetchBucketSize: 5e7, // config.py:222 stage3_prefetch_bucket_size
  paramPersistenceThreshold: 1e5, // config.py:228 stage3_param_persistence_threshold
  maxLiveParameters: 1e9, // config.py:245 stage3_max_live_parameters
  maxReuseDistance: 1e9, // config.py:251 stage3_max_reuse_distance
} as const;

export interface ZeroConfig {
  overlapComm: boolean;
  contiguousGradients: boolean;
  reduceBucketSize: number;
  allgatherBucketSize: number;
  subGroupSize: number;
  prefetchBucketSize: number;
  paramPersistenceThreshold: number;
  maxLiveParameters: number;
  maxReuseDistance: number;
}

/**
 * The zero_optimization block the plan's own DeepSpeed export writes (shared/exporters/training.ts `dsConfig`):
 * overlap_comm and contiguous_gradients on, 5e8-element buckets, stage-3 prefetch 5e8, persistence 1e6, live and
 * reuse 1e9; sub_group_size is not written, so DeepSpeed's 1e9 applies. A test holds the two together.
 */
export const DS_EXPORTED_ZERO: ZeroConfig = {
  overlapComm: true,
  contiguousGradients: true,
  reduceBucketSize: 5e8,
  allgatherBucketSize: 5e8,
  subGroupSize: DS_ZERO_DEFAULTS.subGroupSize,
  prefetchBucketSize: 5e8,
  paramPersistenceThreshold: 1e6,
  maxLiveParameters: 1e9,
  maxReuseDistance: 1e9,
};

/**
 * What transformers fills in for "auto" (the LLaMA-Factory and axolotl style configs, shared/exporters/
 * framework-context.ts): transformers/integrations/deepspeed.py `trainer_config_finalize`, lines 232–240:
 * reduce_bucket_size = h², stage3_prefetch_bucket_size = int(0.9·h²), stage3_param_persistence_threshold = 10·h.
 */
export function hfAutoZero(
  hiddenSize: number,
): Pick<ZeroConfig, 'reduceBucketSize' | 'prefetchBucketSize' | 'paramPersistenceThreshold'> {
  return {
    reduceBucketSize: hiddenSize * hiddenSize,
    prefetchBucketSize: Math.trunc(0.9 * hiddenSize * hiddenSize),
    paramPersistenceThreshold: 10 * hiddenSize,
  };
}

/**
 * The zero_optimization block the LLaMA-Factory and axolotl exports write (exporters/framework-context.ts
 * frameworkDsConfig, after their examples/deepspeed and deepspeed_configs files): overlap_comm false, contiguous
 * gradients, the bucket sizes and persistence threshold "auto" (hfAutoZero), everything else DeepSpeed's default.
 */
export function frameworkZero(hiddenSize: number): ZeroConfig {
  return { ...DS_ZERO_DEFAULTS, ...hfAutoZero(hiddenSize), overlapComm: false, contiguousGradients: true };
}

/** GPUs a sharded state is split over: the whole data-parallel group, or one node for hybrid sharding. */
export function shardGroupSize(d: Pick<Distribution, 'strategy' | 'gpusPerNode' | 'nodes'>): number {
  return STRATEGY_TRAITS[d.strategy].shardWithinNode ? d.gpusPerNode : d.gpusPerNode * d.nodes;
}

/**
 * DeepSpeed casts the module's parameters to its bf16/fp16 dtype (deepspeed/runtime/engine.py
 * `_configure_distributed_model` → `_cast_module_mixed_precision`), so its gradient buffers are 2 B unless fp32.
 */
export function deepSpeedElementBytes(training: Pick<Training, 'precision'>): number {
  return training.precision === 'fp32' ? 4 : 2;
}

/** Parameters of one layer at or below ZeRO-3's persistence threshold: each norm weight/bias, each bias vector. */
export function persistentParamsPerLayer(arch: Architecture, threshold: number): number {
  let n = 0;
  // Norm weights (and LayerNorm biases) are h-sized vectors; normParamsPerLayer sums them.
  const normsPerLayer = Math.max(1, arch.spec.normsPerLayer);
  const normSize = arch.normParamsPerLayer / normsPerLayer;
  if (normSize <= threshold) n += arch.normParamsPerLayer;
  for (const m of arch.modules) {
    if (m.bias && m.out <= threshold) n += m.out * m.count;
    if (m.in * m.out <= threshold) n += m.in * m.out * m.count;
  }
  return n;
}

export interface Zero3Live {
  /** Parameters kept whole on every GPU (numel ≤ stage3_param_persistence_threshold). */
  persistentParams: number;
  /** Gathered non-persistent parameters at the forward/backward turnaround. */
  gatheredParams: number;
  /** Trailing decoder layers still gathered at the turnaround because their reuse comes within max_reuse_distance. */
  retainedLayers: number;
  prefetchParams: number;
  headParams: number;
}

/**
 * ZeRO-3's gathered parameters at the forward/backward turnaround (the forward end and the loss's backward, where
 * the activations peak). deepspeed/runtime/zero/partitioned_param_coordinator.py:
 *  - `__params_to_release` (l.634): a module's parameters are not released after use when they recur in the trace
 *    within `max_reuse_distance` elements; the trace after a decoder layer's forward is the later layers' forward,
 *    the head's forward and backward, and the later layers' backward, so layer L−1−j recurs after ≈ (2j + 1)·layer +
 *    2·head elements;
 *  - `fetch_sub_module` (l.452): prefetch up to min(prefetch_bucket_size, max_live_parameters − available);
 *  - parameters with numel ≤ param_persistence_threshold are `ds_persist` and never partitioned
 *    (partition_parameters.py `_convert_to_zero_parameters` / parameter_offload.py `mark_persistent_parameters`).
 * The head (V·h; the tied embedding when tied) is in use at the turnaround: its forward then its backward.
 */
export function zero3LiveParams(arch: Architecture, cfg: ZeroConfig): Zero3Live {
  const L = arch.spec.numLayers;
  const h = arch.spec.hiddenSize;
  const perLayerPersistent = persistentParamsPerLayer(arch, cfg.paramPersistenceThreshold);
  const finalNorm = arch.finalNormParams <= cfg.paramPersistenceThreshold ? arch.finalNormParams : 0;
  const persistentParams = L * perLayerPersistent + finalNorm;
  const layer = Math.max(0, arch.layerParams - perLayerPersistent);
  const headParams = headWidth(arch) * h;
  const window = cfg.maxReuseDistance - 2 * headParams - layer;
  const retainedLayers = window > 0 && layer > 0 ? Math.min(L, Math.ceil(window / (2 * layer))) : 0;
  const available = headParams + retainedLayers * layer;
  const remaining = (L - retainedLayers) * layer;
  const prefetchParams = Math.max(0, Math.min(cfg.prefetchBucketSize, cfg.maxLiveParameters - available, remaining));
  return { persistentParams, gatheredParams: available + prefetchParams, retainedLayers, prefetchParams, headParams };
}

/**
 * ZeRO-3 steps the optimizer one sub-group at a time (stage3.py `step` → `_prepare_sub_group` →
 * `_prepare_fp32_grad_for_sub_group` l.2683: the fp32 gradient of one sub-group, released by `_release_sub_group`);
 * sub-groups hold up to sub_group_size partition elements (`_create_fp16_sub_groups` l.1210). The step's temporaries
 * are therefore bounded by the sub-group, not the whole partition.
 */
export function zero3StepElements(localTrainable: number, cfg: ZeroConfig = DS_EXPORTED_ZERO): number {
  return Math.min(localTrainable, cfg.subGroupSize);
}

/** NCCL_BUFFSIZE default: 4 MiB per connection buffer (NCCL env docs, "NCCL_BUFFSIZE ... Default 4194304"). */
export const NCCL_BUFFSIZE = 4 * 2 ** 20;
/**
 * NCCL channels per communicator: not fixed (NCCL picks them from the topology, NCCL_MIN_NCHANNELS /
 * NCCL_MAX_NCHANNELS). Low, expected and high are engineering assumptions (PCIe rings use few, NVSwitch many).
 */
export const NCCL_CHANNELS = { low: 2, expected: 8, high: 32 } as const;

/**
 * NCCL's own buffers: every channel of a ring has a send and a receive connection, each with an NCCL_BUFFSIZE
 * buffer. NCCL allocates them with cudaMalloc, outside PyTorch's caching allocator: nvidia-smi sees them,
 * torch.cuda.max_memory_allocated/reserved do not.
 */
export function ncclBufferBytes(communicators: number, channels: number): number {
  return communicators * channels * 2 * NCCL_BUFFSIZE;
}

/** Process groups whose communicators carry the step's collectives (HSDP: the shard group and the replicate group). */
export function ncclCommunicators(d: Pick<Distribution, 'strategy' | 'gpusPerNode' | 'nodes'>): number {
  const N = d.gpusPerNode * d.nodes;
  if (N <= 1) return 0;
  return STRATEGY_TRAITS[d.strategy].shardWithinNode && d.nodes > 1 && d.gpusPerNode > 1 ? 2 : 1;
}

const ALL = { forward: true, backward: true, optimizer: true };
const FWD_BWD = { forward: true, backward: true, optimizer: false };
const BWD = { forward: false, backward: true, optimizer: false };
const n = (x: number) => Math.round(x).toLocaleString('en-US');
const gb = (x: number) => `${(x / 2 ** 30).toFixed(2)} GiB`;

export interface DistributedInput {
  arch: Architecture;
  training: Training;
  distribution: Distribution;
  /** Trainable parameters of the whole model. */
  trainableParams: number;
  fullFineTune: boolean;
  /** Bytes of one base weight / one gradient element in the plan's compute dtype. */
  weightBytes: number;
  gradientBytes: number;
  /** The largest trainable tensor (elements): the first full gradient made before its reduce-scatter. */
  largestTrainableTensor: number;
  /** The all-gradient DDP bucket bytes (PyTorch Reducer). */
  fullGradientBytes: number;
  /**
   * FSDP: parameters of the root unit whose gradient exists unsharded from the head's backward to the backward's end:
   * the head (the tied embedding when tied) and the final norm; 0 when the root is frozen. The embedding's own
   * gradient, made last, is memory.ts MemoryProfile.rootEndGradient. Optional: callers outside FSDP leave it out.
   */
  rootGradientParams?: number;
  zero?: ZeroConfig;
}

/**
 * The named communication parts of one GPU for the plan's strategy. Model states (weights, gradients, optimizer
 * states and their sharding) stay in memory.ts; these are the buffers the strategy adds around them.
 */
export function distributedParts(x: DistributedInput): DistributedPart[] {
  const { arch, distribution: d } = x;
  const traits = STRATEGY_TRAITS[d.strategy];
  const N = d.gpusPerNode * d.nodes;
  const parts: DistributedPart[] = [];
  const L = arch.spec.numLayers;
  if (traits.family === 'ddp') {
    if (N > 1)
      parts.push({
        key: 'ddp.buckets',
        label: 'DDP gradient buckets',
        bytes: x.fullGradientBytes,
        phases: ALL,
        formula: 'every gradient copied into the Reducer buckets (gradient_as_bucket_view=False)',
        substituted: gb(x.fullGradientBytes),
        source: 'torch/nn/parallel/distributed.py DistributedDataParallel(gradient_as_bucket_view=False)',
      });
    return parts;
  }
  if (traits.family === 'deepspeed') {
    const cfg = x.zero ?? DS_EXPORTED_ZERO;
    const e = deepSpeedElementBytes(x.training);
    if (traits.zeroStage !== 3) {
      // stage_1_and_2.py `setup_buckets` (l.3255): buf_0 of reduce_bucket_size elements, and buf_1 with
      // overlap_comm; full size whatever the model's size; freed by `_release_ipg_buffers` at the backward's end.
      const buffers = cfg.contiguousGradients ? (cfg.overlapComm ? 2 : 1) : 0;
      const bytes = buffers * cfg.reduceBucketSize * e;
      parts.push({
        key: 'zero.ipgBuckets',
        label: 'ZeRO-1/2 contiguous gradient buckets',
        bytes,
        phases: BWD,
        formula: '(overlap_comm ? 2 : 1) × reduce_bucket_size × bytes per gradient (backward only)',
        substituted: `${buffers} × ${n(cfg.reduceBucketSize)} × ${e} B = ${gb(bytes)}`,
        source:
          'deepspeed/runtime/zero/stage_1_and_2.py setup_buckets (buf_0, buf_1), _release_ipg_buffers; the ' +
          'allgather of updated partitions writes in place (runtime/utils.py all_gather_dp_groups → ' +
          'all_gather_into_tensor), so allgather_bucket_size adds no buffer',
      });
      return parts;
    }
    // ZeRO-3.
    const bucket = cfg.contiguousGradients ? cfg.reduceBucketSize * e : 0;
    parts.push({
      key: 'zero3.ipgBucket',
      label: 'ZeRO-3 reduce bucket',
      bytes: bucket,
      phases: ALL,
      formula: 'reduce_bucket_size × bytes per gradient (allocated once at init)',
      substituted: `${n(cfg.reduceBucketSize)} × ${e} B = ${gb(bucket)}`,
      source: 'deepspeed/runtime/zero/stage3.py __init__ l.780 (bucket.buffer = torch.empty(reduce_bucket_size))',
    });
    const live = zero3LiveParams(arch, cfg);
    // The sharded 1/N is already in the weights (memory.ts) unless parameters are offloaded, when all of it is here.
    const share = d.offloadParams === 'none' ? (N - 1) / N : 1;
    const persistent = live.persistentParams * x.weightBytes * share;
    parts.push({
      key: 'zero3.persistent',
      label: 'ZeRO-3 persistent small parameters',
      bytes: persistent,
      phases: ALL,
      formula: 'parameters with numel ≤ stage3_param_persistence_threshold, kept whole on every GPU (beyond the 1/N)',
      substituted: `${n(live.persistentParams)} × ${x.weightBytes} B × ${share.toFixed(3)} = ${gb(persistent)}`,
      source: 'deepspeed/runtime/zero/parameter_offload.py mark_persistent_parameters (ds_persist)',
    });
    {
      // Offloaded parameters are gathered onto the GPU the same way (from pinned host memory).
      const gathered = live.gatheredParams * x.weightBytes;
      parts.push({
        key: 'zero3.live',
        label: 'ZeRO-3 gathered parameters (live)',
        bytes: gathered,
        phases: FWD_BWD,
        formula:
          'head (V·h) + trailing layers recurring within stage3_max_reuse_distance + prefetch ' +
          'min(prefetch_bucket, max_live − available)',
        substituted:
          `(${n(live.headParams)} + ${live.retainedLayers} layers + ${n(live.prefetchParams)} prefetched) × ` +
          `${x.weightBytes} B = ${gb(gathered)}`,
        source:
          'deepspeed/runtime/zero/partitioned_param_coordinator.py __params_to_release (l.634), fetch_sub_module ' +
          'prefetch (l.452)',
      });
    }
    const grad = x.largestTrainableTensor * e;
    parts.push({
      key: 'zero3.moduleGradient',
      label: 'ZeRO-3 unsharded gradient before reduce-scatter',
      bytes: grad,
      phases: BWD,
      formula: 'largest trainable tensor × bytes per gradient (its full gradient exists until reduced)',
      substituted: `${n(x.largestTrainableTensor)} × ${e} B = ${gb(grad)}`,
      source: 'deepspeed/runtime/zero/stage3.py reduce_independent_p_g_buckets_and_remove_grads',
    });
    return parts;
  }
  // FSDP (1 and 2).
  const S = shardGroupSize(d);
  const rootParams = arch.embeddingParams + arch.positionParams + arch.finalNormParams + arch.lmHeadParams;
  const trainableLayer = x.fullFineTune ? arch.layerParams : Math.min(arch.layerParams, x.trainableParams / L);
  // With CPU offload the GPU holds no parameter between uses, even on one GPU: every unit is copied in when gathered.
  if (traits.shards.parameters && (S > 1 || d.offloadParams === 'cpu')) {
    const root = rootParams * x.weightBytes;
    parts.push({
      key: 'fsdp.root',
      label: 'FSDP root unit kept unsharded (embeddings, final norm, head)',
      bytes: root,
      phases: FWD_BWD,
      formula: '(embedding + final norm + head) × bytes per weight: the root is not resharded after forward',
      substituted: `${n(rootParams)} × ${x.weightBytes} B = ${gb(root)}`,
      source:
        'torch/distributed/fsdp/_runtime_utils.py _post_forward_reshard (not state._is_root); FSDP2 ' +
        '_fully_shard/_fsdp_state.py _lazy_init (root post_forward_mesh_info = None)',
    });
    const units = Math.min(2, L);
    const inflight = units * arch.layerParams * x.weightBytes;
    parts.push({
      key: 'fsdp.unsharded',
      label: 'FSDP unsharded layers in flight (current + prefetched)',
      bytes: inflight,
      phases: FWD_BWD,
      formula: '2 × layer parameters × bytes per weight (limit_all_gathers: at most 2 all-gathers in flight)',
      substituted: `${units} × ${n(arch.layerParams)} × ${x.weightBytes} B = ${gb(inflight)}`,
      source:
        'torch/distributed/fsdp/_limiter_utils.py _FreeEventQueue (_max_num_inflight_all_gathers = 2); ' +
        'backward_prefetch BACKWARD_PRE (the accelerate export)',
    });
  }
  if (S > 1 || N > 1) {
    const rs = trainableLayer * x.gradientBytes;
    parts.push({
      key: 'fsdp.reduceScatter',
      label: 'FSDP reduce-scatter gradient of one unit',
      bytes: rs,
      phases: BWD,
      formula: "one layer's unsharded gradient before its reduce-scatter",
      substituted: `${n(trainableLayer)} × ${x.gradientBytes} B = ${gb(rs)}`,
      source: 'torch/distributed/fsdp/_runtime_utils.py _post_backward_hook → _reduce_grad (padded unsharded grad)',
    });
    // The root unit reduces last: its head gradient is made first in the backward and its embedding gradient last, so
    // its unsharded gradients stay until the backward ends (FSDP1: the FlatParameter's post-accumulate-grad hook runs
    // once its whole gradient is made; FSDP2: the root group's post-backward runs from the final callback, because
    // the root's forward inputs, the token ids, need no gradient). The head's and the final norm's are here, in every
    // moment of the backward; the embedding's, made last, only at its end (memory.ts rootEndGradient). FSDP1 also
    // concatenates the views' gradients into the FlatParameter's at that end (one more root-sized gradient for a
    // moment): not counted.
    const rootGrad = (x.rootGradientParams ?? 0) * x.gradientBytes;
    if (rootGrad > 0)
      parts.push({
        key: 'fsdp.rootGradient',
        label: "FSDP root unit's unsharded head and final-norm gradient until the backward ends",
        bytes: rootGrad,
        phases: BWD,
        formula: '(head + final norm) × bytes per gradient: the root reduce-scatters after every layer',
        substituted: `${n(x.rootGradientParams ?? 0)} × ${x.gradientBytes} B = ${gb(rootGrad)}`,
        source:
          'torch/distributed/fsdp/_runtime_utils.py _register_post_backward_hook (register_post_accumulate_grad_hook ' +
          'on the FlatParameter); _fully_shard/_fsdp_state.py _root_post_backward_final_callback',
      });
  }
  return parts;
}

/** Bytes of the parts alive in each phase. */
export function partsByPhase(parts: DistributedPart[]): Record<DistPhase, number> {
  const out = { forward: 0, backward: 0, optimizer: 0 };
  for (const p of parts)
    for (const ph of ['forward', 'backward', 'optimizer'] as const) if (p.phases[ph]) out[ph] += p.bytes;
  return out;
}
