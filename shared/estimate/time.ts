/**
 * Compute, throughput and wall time (ESTIMATOR.md §7). FLOPs per token: forward 2·P (matrix
 * multiplies, active experts only) plus causal attention 2·L·s·(a·d); backward doubles the forward
 * for full fine-tuning (6·P in all, "Transformer Math 101"); a frozen base skips its weight
 * gradients (≈ 4·P); checkpointing adds a forward.
 */
import type { Data, Distribution, Technique, Training } from '../domain/plan';
import {
  BUS_FACTOR,
  COLLECTIVE_EFFICIENCY,
  DEFAULT_INTERCONNECT,
  resolveInterconnect,
  type Interconnect,
  type InterconnectChoice,
} from './interconnect';
import { publishedMfu } from './mfu';
import { STRATEGY_TRAITS } from '../domain/strategies';
import type { Architecture } from './architecture';
import type { ResolvedGpu } from './hardware';
import { dataBatches } from './data-batches';
import { effectivePrecision, type MemoryProfile } from './memory';
import { isInt4Base } from './kernels';
import { generationBatchPerGpu } from './objective';
import { visionFlopsPerSequence, type VisionFlops } from './vision';

/** Best MFU a well-fed kernel mix reaches, by GPU class (large micro-batches; PEFT benchmark, Megatron reports). */
export const MFU_CEILING: Record<ResolvedGpu['tier'], number> = {
  datacenter: 0.5,
  workstation: 0.45,
  consumer: 0.45,
  apple: 0.3,
  custom: 0.45,
};
/**
 * Engineering assumptions of the time model: values no published source pins down for a general plan.
 * Each is named, says what it stands for and what it rests on, and every explanation that uses one lists
 * it as an assumption (never as a sourced fact). Recorded runs calibrate them away (shared/estimate/calibration.ts).
 */
export interface TimeAssumption {
  label: string;
  value: number;
  unit: string;
  basis: string;
}
/** The padding factor's one value (assumptions 'paddingFactor' and 'paddingFactorRandom' below). */
const PADDING_FACTOR_VALUE = 1.25;
export const TIME_ASSUMPTIONS = {
  mfuHalfTokens: {
    label: 'MFU half-fill point',
    value: 1024,
    unit: 'tokens per micro-batch',
    basis: 'small GEMMs cannot fill the GPU; MFU reaches half its ceiling at this many tokens per micro-batch',
  },
  paddingFactor: {
    label: 'padding factor',
    value: PADDING_FACTOR_VALUE,
    unit: '× mean tokens',
    basis:
      'batches grouped by length (LengthGroupedSampler); unpacked batches run to their longest example, assumed 25 % ' +
      'above the mean with length grouping',
  },
  // The same figure for a plan that samples at random: nothing derives random-order padding from the plan's mean and
  // longest example alone (data statistics do: data/batching.ts expectedMaxOf), so the grouped figure stands in and
  // says so. One value for both (data-batches.ts pads by PADDING_FACTOR whatever the order).
  paddingFactorRandom: {
    label: 'padding factor',
    value: PADDING_FACTOR_VALUE,
    unit: '× mean tokens',
    basis:
      'batches in random order (RandomSampler); unpacked batches run to their longest example, and without data ' +
      'statistics the length-grouped figure, 25 % above the mean, is assumed: random batches pad more than that',
  },
  collectiveEfficiency: {
    label: 'link efficiency (NVLink, PCIe, inter-node network)',
    value: COLLECTIVE_EFFICIENCY,
    unit: "share of a link's one-direction rate",
    basis:
      'ring collectives (nccl-tests bus bandwidth) and host copies stay below the datasheet rate; no source pins the ' +
      'share for a given system (interconnect.ts)',
  },
  commOverlap: {
    label: 'communication overlap',
    value: 0.5,
    unit: 'share of the traffic hidden behind compute (at most the compute time)',
    basis:
      "DDP's bucketed all-reduce runs during the backward and ZeRO-3/FSDP prefetch the next layer's all-gather " +
      "during this layer's compute, but the first and last buckets, the optimizer's all-gather and SM contention " +
      'stay exposed; half assumed, and the range spans none to all of it',
  },
  cpuAdamParamsPerS: {
    label: 'CPU Adam speed',
    value: 1e9,
    unit: 'parameters/s per node',
    basis: 'DeepSpeed CPU Adam (AVX) on a multi-core host',
  },
  torchCpuAdamParamsPerS: {
    label: 'PyTorch CPU optimizer speed',
    value: 1e9 / 6,
    unit: 'parameters/s per node',
    basis:
      "FSDP CPU offload steps torch.optim on the host; DeepSpeed's ZeRO-Offload tutorial (deepspeed.ai/tutorials/" +
      'zero-offload) reports DeepSpeedCPUAdam 5×–7× faster than the standard PyTorch implementation: the CPU Adam ' +
      'speed ÷ 6',
  },
  nvmeGBs: {
    label: 'NVMe bandwidth',
    value: 3,
    unit: 'GB/s',
    basis: 'one PCIe 3.0 x4 NVMe drive (3.9 GB/s link limit)',
  },
  bandwidthEfficiency: {
    label: 'optimizer-step bandwidth efficiency',
    value: 0.7,
    unit: 'share of peak memory bandwidth',
    basis: 'elementwise kernels reach well below the datasheet bandwidth',
  },
  decodeBandwidthEfficiency: {
    label: 'vLLM decode bandwidth efficiency',
    value: 0.6,
    unit: 'share of peak memory bandwidth',
    basis:
      'a decode step reads every weight and the KV cache once (memory-bound); the share of the datasheet bandwidth ' +
      'it reaches is model bandwidth utilisation (MBU, Databricks "LLM Inference Performance Engineering", 2023); ' +
      'no source pins it for a given plan',
  },
  generateBandwidthEfficiency: {
    label: 'transformers generate() bandwidth efficiency',
    value: 0.3,
    unit: 'share of peak memory bandwidth',
    basis:
      'generate() runs eagerly, without paged attention, continuous batching or CUDA graphs: kernel launches and ' +
      'padding waste take a larger share than in vLLM; assumed half of the vLLM figure',
  },
} as const satisfies Record<string, TimeAssumption>;
export type TimeAssumptionId = keyof typeof TIME_ASSUMPTIONS;

/** One line per assumption, for explanations. */
export function describeAssumption(id: TimeAssumptionId): string {
  const a: TimeAssumption = TIME_ASSUMPTIONS[id];
  return `${a.label}: ${a.value.toLocaleString('en-US')} ${a.unit} (assumption: ${a.basis})`;
}

/** Tokens per micro-batch at which MFU reaches half its ceiling: small GEMMs cannot fill the GPU. */
export const MFU_HALF_TOKENS = TIME_ASSUMPTIONS.mfuHalfTokens.value;
/**
 * Extra work per technique that FLOP counts miss: dequantizing NF4 weights, DoRA's weight norm, LoHa's delta weights.
 */
export const TECHNIQUE_EFFICIENCY: Partial<Record<Technique['kind'], { factor: number; why: string }>> = {
  qlora: { factor: 0.7, why: 'every weight is dequantized from 4 bits in each forward and backward pass' },
  dora: {
    factor: 0.85,
    why: 'the weight norm ‖W + BA‖ is recomputed every step (PEFT benchmark: DoRA −17 % tokens/s vs LoRA)',
  },
  loha: { factor: 0.7, why: 'the Hadamard delta weight is rebuilt and multiplied in every forward' },
};
/**
 * Padding without data statistics: without packing, each micro-batch runs to its longest example; with length
 * grouping, about 25 % above the mean. Random-order plans use it too (assumption 'paddingFactorRandom' says so).
 */
export const PADDING_FACTOR = TIME_ASSUMPTIONS.paddingFactor.value;
/** Share of gradient/parameter communication hidden behind compute (bucketed all-reduce, prefetch). */
export const COMM_OVERLAP = TIME_ASSUMPTIONS.commOverlap.value;
export const CPU_ADAM_PARAMS_PER_S = TIME_ASSUMPTIONS.cpuAdamParamsPerS.value;
export const NVME_GBS = TIME_ASSUMPTIONS.nvmeGBs.value;
export const TORCH_CPU_ADAM_PARAMS_PER_S = TIME_ASSUMPTIONS.torchCpuAdamParamsPerS.value;
/** Share of peak memory bandwidth an elementwise optimizer kernel reaches. */
export const BANDWIDTH_EFFICIENCY = TIME_ASSUMPTIONS.bandwidthEfficiency.value;

export interface TimeEstimate {
  flopsPerToken: number;
  mfu: number;
  mfuDefault: number;
  mfuFromPlan: boolean;
  tokensPerMicroBatch: number;
  processedTokensPerSecond: number;
  tokensPerSecond: number;
  stepSeconds: number;
  computeSeconds: number;
  optimizerSeconds: number;
  /** Exposed communication per step: the collectives' time less what overlaps compute (communication below). */
  communicationSeconds: number;
  /** Issue 15 §7: the links used, each collective of the step, and the time hidden behind compute. */
  communication: CommunicationTime & { hiddenSeconds: number };
  offloadSeconds: number;
  steps: number;
  trainingTokens: number;
  wallSeconds: number;
  gpuHours: number;
  /** The engineering assumptions this plan's step time rests on (shown as such in the explanation). */
  assumptions: TimeAssumptionId[];
  /** Issue 19: the whole run's generation (GRPO) and reference-model seconds; both inside wallSeconds. */
  generationSeconds: number;
  referenceSeconds: number;
  /** GPUs the run keeps busy (and pays for): the training GPUs plus GRPO's vLLM server GPUs. */
  billedGpus: number;
  objective: ObjectiveTime;
  /** Issue 16: the image side's FLOPs per sequence and per micro-batch (vision.ts); absent or 0 for text only. */
  vision?: VisionFlops & { perMicroBatch: number };
}

/** The objective's time terms (issue 19), per optimizer step unless named otherwise; explained in explain.ts. */
export interface ObjectiveTime {
  /** Reference forwards (DPO/IPO/KTO with a live reference, GRPO with β > 0) per step. */
  referenceStepSeconds: number;
  /** Forwards the policy runs without gradient: KTO's KL term, GRPO's old log-probs (vLLM importance sampling). */
  extraForwardStepSeconds: number;
  /** 'precomputed' reference: the one-off pass over the data before training (whole run). */
  precomputeSeconds: number;
  generation: GenerationTime | null;
}

export interface GenerationTime {
  engine: 'vllm_colocate' | 'vllm_server' | 'transformers';
  /** Sequences generated per optimizer step by one engine (a training GPU's, or one server replica's). */
  sequences: number;
  /** Sequences decoded together (the KV cache may hold fewer than asked for) and the rounds that takes. */
  concurrent: number;
  waves: number;
  /** KV-cache capacity of the engine in tokens (null: generate() allocates what it needs). */
  kvCapacityTokens: number | null;
  weightBytesPerGpu: number;
  /**
   * 16-bit weight bytes written and read per decode step when bitsandbytes dequantizes a 4-bit base for a batched
   * matmul (0 otherwise).
   */
  dequantBytesPerStepPerGpu: number;
  kvBytesPerStepPerGpu: number;
  decodeStepSeconds: number;
  decodeSeconds: number;
  prefillSeconds: number;
  syncSeconds: number;
  stepSeconds: number;
  efficiency: TimeAssumptionId;
}

export function dataTokens(
  data: Data,
  training: Training,
): { examples: number; meanTokens: number; trainingTokens: number } {
  if (data.mode === 'tokens') {
    // A token budget is trained as packed sequences of the plan's length.
    return {
      examples: Math.max(1, Math.ceil(data.totalTokens / training.seqLen)),
      meanTokens: training.seqLen,
      trainingTokens: data.totalTokens * training.epochs,
    };
  }
  const meanTokens = Math.min(training.seqLen, data.meanTokensPerExample);
  return { examples: data.examples, meanTokens, trainingTokens: data.examples * meanTokens * training.epochs };
}

export function flopsPerToken(
  arch: Architecture,
  technique: Technique,
  training: Training,
  seqForAttention: number,
): { total: number; forward: number; matmul: number; attention: number } {
  const matmul = 2 * arch.matmulParamsPerToken;
  const causal = training.attention === 'eager' ? 1 : 0.5; // FlashAttention-style kernels skip masked blocks
  const attention = 4 * arch.spec.numLayers * arch.qWidth * seqForAttention * causal;
  const forward = matmul + attention;
  // frozen weights: no weight-gradient GEMMs
  const backward = technique.kind === 'full' ? 2 * forward : matmul + 2 * attention;
  const recompute = training.gradientCheckpointing ? forward : 0;
  return { total: forward + backward + recompute, forward, matmul, attention };
}

/**
 * Default MFU: the GPU generation's published MFU (mfu.ts) scaled by the fill curve from the published run's tokens per
 * micro-batch to the plan's; generations without a published figure take the class ceiling at full fill. `which`
 * picks the published run's low or high end (ranges).
 */
export function defaultMfu(
  gpu: ResolvedGpu,
  technique: Technique,
  tokensPerMicroBatch: number,
  distribution: Distribution,
  which: 'low' | 'mfu' | 'high' = 'mfu',
): number {
  const fill = (tokens: number) => tokens / (tokens + MFU_HALF_TOKENS);
  const published = publishedMfu(gpu);
  const base = published
    ? (published[which] * fill(tokensPerMicroBatch)) / fill(published.tokens)
    : MFU_CEILING[gpu.tier] * fill(tokensPerMicroBatch);
  const tech = TECHNIQUE_EFFICIENCY[technique.kind]?.factor ?? 1;
  return Math.min(1, base * tech * (distribution.offloadParams !== 'none' ? 0.8 : 1));
}

/** One collective of a training step (per GPU), priced as ring bus traffic over its group's link. */
export interface Collective {
  label: string;
  op: 'all-reduce' | 'reduce-scatter' | 'all-gather';
  /** The GPUs it spans: all of them, one node's (hybrid sharding), or one GPU per node (hybrid's cross-node step). */
  group: 'all' | 'node' | 'across-nodes';
  ranks: number;
  /** Payload S of one call (bytes, the whole array as nccl-tests counts it) and calls per optimizer step. */
  bytes: number;
  callsPerStep: number;
  /** S × bus factor × calls: what crosses each GPU's bottleneck link per step. */
  busBytes: number;
  busGBs: number;
  seconds: number;
  source: string;
}

export interface CommunicationTime {
  interconnect: Interconnect;
  collectives: Collective[];
  /** All collectives back to back, before overlap with compute. */
  seconds: number;
}

const DS_SOURCE = 'DeepSpeed stage_1_and_2.py / stage3.py: gradients reduced in every backward (micro-batch)';
/**
 * The step's collectives (issue 15 §7). Per micro-batch unless said: DDP all-reduces the gradients once per step
 * (no_sync during accumulation: accelerate `Accelerator.accumulate`); DeepSpeed ZeRO-2 and ZeRO-3 reduce
 * (reduce-scatter) in every backward, ZeRO-1 once per step, and ZeRO-1/2 all-gather the updated weights after the
 * step; ZeRO-3 and FSDP full shard all-gather the weights in the forward and again in the backward (resharded after
 * forward) and reduce-scatter the gradients — two all-gathers and one reduce-scatter (FSDP in every micro-batch: the
 * exports set sync_each_batch, domain/export-capabilities.ts syncsEachBatch); FSDP SHARD_GRAD_OP gathers once (kept
 * through the backward); hybrid sharding does that inside a node and all-reduces its shard of the gradients across
 * nodes. Ring volumes: nccl-tests doc/PERFORMANCE.md.
 */
export function communication(profile: MemoryProfile, ic: Interconnect, gradAccum: number): CommunicationTime {
  const N = profile.gpus;
  const collectives: Collective[] = [];
  if (N > 1) {
    const d = profile.distribution;
    const traits = STRATEGY_TRAITS[d.strategy];
    const b = profile.bytes;
    const gradBytes = profile.params.trainableParams * b.gradient;
    const paramBytes = profile.params.totalParams * b.baseWeight;
    const S = profile.shardGpus;
    const shardGroup: Collective['group'] = S === N ? 'all' : 'node';
    const bw: Record<Collective['group'], number> = {
      all: ic.inter?.busGBs ?? ic.intra.busGBs,
      node: ic.intra.busGBs,
      // One ring per local rank, d.gpusPerNode of them sharing the node's adapters.
      'across-nodes': ic.inter ? ic.inter.nodeGBs / d.gpusPerNode : ic.intra.busGBs,
    };
    const add = (
      label: string,
      op: Collective['op'],
      group: Collective['group'],
      ranks: number,
      bytes: number,
      callsPerStep: number,
      source: string,
    ) => {
      if (ranks <= 1 || bytes <= 0) return;
      const factor = op === 'all-reduce' ? BUS_FACTOR.allReduce(ranks) : BUS_FACTOR.allGather(ranks);
      const busBytes = bytes * factor * callsPerStep;
      const busGBs = bw[group];
      collectives.push({
        label,
        op,
        group,
        ranks,
        bytes,
        callsPerStep,
        busBytes,
        busGBs,
        seconds: busBytes / (busGBs * 1e9),
        source,
      });
    };
    if (traits.shards.parameters) {
      add('weights, forward', 'all-gather', shardGroup, S, paramBytes, gradAccum, 'ZeRO-3 / FSDP: gathered per layer');
      add('weights, backward', 'all-gather', shardGroup, S, paramBytes, gradAccum, 'resharded after the forward');
      add('gradients', 'reduce-scatter', shardGroup, S, gradBytes, gradAccum, DS_SOURCE);
      if (S < N)
        add(
          'gradient shard across nodes',
          'all-reduce',
          'across-nodes',
          N / S,
          gradBytes / S,
          gradAccum,
          'HYBRID_SHARD',
        );
    } else if (traits.family === 'fsdp') {
      add('weights', 'all-gather', 'all', N, paramBytes, gradAccum, 'FSDP SHARD_GRAD_OP: gathered once per forward');
      add('gradients', 'reduce-scatter', 'all', N, gradBytes, gradAccum, 'FSDP: reduce-scatter in the backward');
    } else if (traits.shards.optimizer) {
      // ZeRO-2 reduces in every backward; ZeRO-1 only at the accumulation boundary (deepspeed/runtime/engine.py
      // allreduce_gradients: "Communicate only at gradient accumulation boundaries" unless gradients are partitioned).
      const zero1 = traits.zeroStage === 1;
      add(
        'gradients',
        'reduce-scatter',
        'all',
        N,
        gradBytes,
        zero1 ? 1 : gradAccum,
        zero1 ? 'DeepSpeed engine.py allreduce_gradients: ZeRO-1 reduces once per step' : DS_SOURCE,
      );
      add(
        'updated weights',
        'all-gather',
        'all',
        N,
        profile.params.trainableParams * b.trainableWeight,
        1,
        'DeepSpeed stage_1_and_2.py: all_gather_dp_groups after the step',
      );
    } else {
      add('gradients', 'all-reduce', 'all', N, gradBytes, 1, 'PyTorch DDP bucketed all-reduce, once per step');
    }
  }
  return { interconnect: ic, collectives, seconds: collectives.reduce((sum, c) => sum + c.seconds, 0) };
}

export function estimateTime(
  arch: Architecture,
  profile: MemoryProfile,
  gpu: ResolvedGpu,
  data: Data,
  mfuOverride: number | null,
  microBatch = profile.training.microBatch,
  links: InterconnectChoice = DEFAULT_INTERCONNECT,
): TimeEstimate {
  const { technique, training, distribution } = profile;
  const N = profile.gpus;
  // Rows, real and padded tokens: from the user's data statistics when the plan has them (data-batches.ts).
  const batches = dataBatches({ training, data, objective: profile.objective }, microBatch);
  const examples = batches.rowsPerEpoch;
  const trainingTokens = batches.tokensPerEpoch * training.epochs;
  const seqProcessed = batches.processedTokensPerRow + profile.extraTokens * batches.sequencesPerRow;
  const realPerExample = batches.realTokensPerRow;
  const tokensPerMicroBatch = microBatch * seqProcessed;
  const flops = flopsPerToken(
    arch,
    technique,
    training,
    (batches.attentionSeq + profile.extraTokens) / 2 + profile.extraKeys,
  );
  const mfuDefault = defaultMfu(gpu, technique, tokensPerMicroBatch, distribution);
  const mfu = mfuOverride ?? mfuDefault;
  const peak = gpu.tflops16 * 1e12;

  // Issue 16: the vision tower, projector and cross-attention of every image in the micro-batch (vision.ts).
  const sequences = microBatch * batches.sequencesPerRow;
  const seqPerSequence = seqProcessed / batches.sequencesPerRow;
  const vision = visionFlopsPerSequence(arch, profile.images ?? null, seqPerSequence, technique, training);
  const visionPerMicroBatch = sequences * vision.total;
  const computeSeconds =
    (training.gradAccum * (tokensPerMicroBatch * flops.total + visionPerMicroBatch)) / (peak * mfu);

  // Optimizer step: elementwise and memory-bound; bytes read and written per trainable parameter on this GPU.
  const b = profile.bytes;
  // Sharded over the shard group: every GPU, or one node's for hybrid sharding (distributed.ts shardGroupSize).
  const localT =
    profile.params.trainableParams / (STRATEGY_TRAITS[distribution.strategy].shards.optimizer ? profile.shardGpus : 1);
  const stateTraffic =
    training.optimizer === 'adamw_8bit' || training.optimizer === 'paged_adamw_8bit'
      ? 4
      : training.optimizer === 'sgd_momentum' || training.optimizer === 'lion'
        ? 2 * b.stateElement
        : training.optimizer === 'adafactor'
          ? 2 * 4
          : 6 * b.stateElement;
  const masterTraffic = technique.kind === 'full' && effectivePrecision(training, distribution) === 'mixed' ? 12 : 0;
  const optimizerBytes =
    distribution.offloadOptimizer === 'none'
      ? localT * (2 * b.trainableWeight + 3 * b.gradient + stateTraffic + masterTraffic)
      : 0;
  const optimizerSeconds = optimizerBytes / (gpu.bandwidthGBs * 1e9 * BANDWIDTH_EFFICIENCY);

  // Communication per step over the plan's links (interconnect.ts, communication()), part of it hidden behind compute.
  const interconnect = resolveInterconnect(gpu, links, distribution);
  const comm = communication(profile, interconnect, training.gradAccum);
  const hiddenSeconds = Math.min(COMM_OVERLAP * comm.seconds, computeSeconds);
  const communicationSeconds = comm.seconds - hiddenSeconds;
  const commBytes = comm.collectives.reduce((sum, c) => sum + c.busBytes, 0);

  // Offload: host-link transfers of gradients and parameters (the GPU's PCIe link), the CPU or NVMe optimizer step.
  let offloadSeconds = 0;
  const hostBytesPerS = interconnect.hostGBs * 1e9;
  const nodeT = profile.params.trainableParams / distribution.nodes;
  const torchHostStep = profile.offload.hostOptimizer === 'torch';
  if (torchHostStep) {
    // FSDP CPU offload (offload.ts): each micro-batch copies every unit's shard in for its all-gathers and each
    // gradient shard out; PyTorch's optimizer then steps the node's shards on the CPU.
    const o = profile.offload;
    offloadSeconds += (training.gradAccum * (o.h2dBytesPerMicroStep + o.d2hBytesPerMicroStep)) / hostBytesPerS;
    offloadSeconds += o.hostStepParamsPerNode / TORCH_CPU_ADAM_PARAMS_PER_S;
  } else if (profile.offload.hostOptimizer === 'deepspeed') {
    offloadSeconds += (localT * (b.gradient + b.trainableWeight)) / hostBytesPerS;
    offloadSeconds += nodeT / CPU_ADAM_PARAMS_PER_S;
    if (distribution.offloadOptimizer === 'nvme') offloadSeconds += (2 * nodeT * 16) / (NVME_GBS * 1e9);
  }
  if (distribution.offloadParams !== 'none' && STRATEGY_TRAITS[distribution.strategy].family === 'deepspeed') {
    const paramBytes = (profile.params.totalParams * b.baseWeight) / N;
    offloadSeconds += (training.gradAccum * 2 * paramBytes) / hostBytesPerS;
    if (distribution.offloadParams === 'nvme')
      offloadSeconds += (training.gradAccum * 2 * paramBytes) / (NVME_GBS * 1e9);
  }

  const objective = objectiveTime(
    profile,
    gpu,
    flops.forward,
    mfu,
    microBatch,
    tokensPerMicroBatch,
    { rows: examples, tokensPerRow: seqProcessed },
    interconnect,
  );
  const generationStep = objective.generation?.stepSeconds ?? 0;
  const stepSeconds =
    computeSeconds +
    optimizerSeconds +
    communicationSeconds +
    offloadSeconds +
    objective.referenceStepSeconds +
    objective.extraForwardStepSeconds +
    generationStep;
  const examplesPerStep = microBatch * training.gradAccum * N;
  const steps = Math.max(1, Math.ceil((examples * training.epochs) / examplesPerStep));
  const wallSeconds = steps * stepSeconds + objective.precomputeSeconds;
  const tokensPerSecond = (examplesPerStep * realPerExample) / stepSeconds;
  const padded = batches.paddingAssumed;
  const offloading = profile.offload.parts.length > 0;
  const nvme = distribution.offloadOptimizer === 'nvme' || distribution.offloadParams === 'nvme';
  const assumptions: TimeAssumptionId[] = [
    ...(mfuOverride === null ? (['mfuHalfTokens'] as const) : []),
    ...(padded ? ([batches.lengthGrouped ? 'paddingFactor' : 'paddingFactorRandom'] as const) : []),
    ...(optimizerBytes > 0 ? (['bandwidthEfficiency'] as const) : []),
    ...(commBytes > 0 || offloading ? (['collectiveEfficiency'] as const) : []),
    ...(commBytes > 0 ? (['commOverlap'] as const) : []),
    ...(profile.offload.hostOptimizer === 'deepspeed' ? (['cpuAdamParamsPerS'] as const) : []),
    ...(torchHostStep ? (['torchCpuAdamParamsPerS'] as const) : []),
    ...(nvme ? (['nvmeGBs'] as const) : []),
    ...(objective.generation ? [objective.generation.efficiency] : []),
  ];
  const billedGpus =
    N +
    (profile.objective.kind === 'grpo' && profile.objective.generation === 'vllm_server'
      ? profile.objective.vllmServerGpus
      : 0);
  return {
    assumptions: [...new Set(assumptions)],
    flopsPerToken: flops.total,
    mfu,
    mfuDefault,
    mfuFromPlan: mfuOverride !== null,
    tokensPerMicroBatch,
    processedTokensPerSecond: (examplesPerStep * seqProcessed) / stepSeconds,
    tokensPerSecond,
    stepSeconds,
    computeSeconds,
    optimizerSeconds,
    communicationSeconds,
    communication: { ...comm, hiddenSeconds },
    offloadSeconds,
    steps,
    trainingTokens,
    wallSeconds,
    gpuHours: (wallSeconds / 3600) * billedGpus,
    generationSeconds: steps * generationStep,
    referenceSeconds: steps * objective.referenceStepSeconds + objective.precomputeSeconds,
    billedGpus,
    objective,
    vision: { ...vision, perMicroBatch: visionPerMicroBatch },
  };
}

/**
 * The objective's extra passes (issue 19). Forwards without gradient cost the forward FLOPs (2·P + attention per
 * token) at the step's MFU. GRPO's generation is decode-bound: each of the completion's tokens is one decode step that
 * reads every weight and the KV cache of the sequences in flight (bytes ÷ bandwidth × efficiency), unless the batch
 * is large enough to be compute-bound (2·P FLOPs per sequence per step at the MFU ceiling); the prompts' prefill is a
 * compute-bound forward.
 */
/**
 * bitsandbytes 0.50 backends/cuda/ops.py _GEMM_4BIT_CUSTOM_FLOOR_M: up to this many rows its fused 4-bit kernel runs.
 */
const BNB_FUSED_MAX_ROWS = 4;

export function objectiveTime(
  profile: MemoryProfile,
  gpu: ResolvedGpu,
  forwardFlopsPerToken: number,
  mfu: number,
  microBatch: number,
  tokensPerMicroBatch: number,
  data: { rows: number; tokensPerRow: number },
  interconnect: Interconnect = resolveInterconnect(gpu, DEFAULT_INTERCONNECT, profile.distribution),
): ObjectiveTime {
  const o = profile.objective;
  const training = profile.training;
  const peak = gpu.tflops16 * 1e12;
  const forwardSeconds = (tokens: number) => (tokens * forwardFlopsPerToken) / (peak * mfu);
  const stepTokens = training.gradAccum * tokensPerMicroBatch;
  const out: ObjectiveTime = {
    referenceStepSeconds: 0,
    extraForwardStepSeconds: 0,
    precomputeSeconds: 0,
    generation: null,
  };
  const live = profile.reference === 'copy' || profile.reference === 'peft_base';
  // KTOTrainer._compute_loss: the policy's KL forward under no_grad (`_compute_kl_logps`), and the reference scores
  // both the batch and its KL completions (calculate_kl, the default "kto" loss): two reference forwards.
  const kto = o.kind === 'kto';
  const referencePasses = kto ? 2 : 1;
  if (o.kind !== 'grpo') {
    if (live) out.referenceStepSeconds = referencePasses * forwardSeconds(stepTokens);
    if (kto) out.extraForwardStepSeconds = forwardSeconds(stepTokens);
    // DPOTrainer._precompute_ref_logps: one pass over the training set before the first step, split over the GPUs
    // (the dataloader is prepared by accelerate), cached for every epoch.
    if (profile.reference === 'precomputed')
      out.precomputeSeconds = (referencePasses * forwardSeconds(data.rows * data.tokensPerRow)) / profile.gpus;
    return out;
  }

  // GRPO (GRPOTrainer._generate_and_score_completions): the generation batch of each GPU is generated once per
  // optimizer step, then scored without gradient by the reference (β > 0) and, with vLLM, by the policy for the
  // importance-sampling correction (GRPOConfig.vllm_importance_sampling_correction, default True).
  const batch = generationBatchPerGpu({ microBatch, gradAccum: training.gradAccum });
  const seqTokens = o.promptTokens + o.completionTokens;
  if (live) out.referenceStepSeconds = forwardSeconds(batch * seqTokens);
  if (o.generation !== 'transformers') out.extraForwardStepSeconds = forwardSeconds(batch * seqTokens);

  const N = profile.gpus;
  const bytes = profile.bytes.baseWeight;
  // vLLM loads the base as the policy holds it (bitsandbytes 4-bit for QLoRA: vllm_generation.py `quantization`).
  const weightBytes = profile.params.totalParams * (profile.quantizedLinearBytesPerParam ?? bytes);
  const kv = profile.generation.kvBytesPerToken;
  const server = o.generation === 'vllm_server';
  const tp = o.generation === 'transformers' ? 1 : o.vllmTensorParallel;
  // Server mode: the prompts of every training GPU go to the server's data-parallel replicas (trl vllm-serve
  // --tensor_parallel_size, --data_parallel_size); colocate: each tensor-parallel group generates its members'
  // prompts together (max_num_seqs = per_device_train_batch_size × tensor_parallel × steps_per_generation,
  // grpo_trainer.py).
  const replicas = server ? Math.max(1, Math.floor(o.vllmServerGpus / tp)) : 1;
  const sequences = server ? Math.ceil((batch * N) / replicas) : batch * tp;
  // vLLM's KV cache: its share of the GPU minus the weights (Worker.determine_available_memory); trl vllm-serve
  // defaults gpu_memory_utilization to 0.9 (trl/scripts/vllm_serve.py), colocate takes the plan's.
  const share = (server ? 0.9 : o.vllmGpuMemoryUtilization) * gpu.memoryBytes;
  const kvCapacityTokens = o.generation === 'transformers' ? null : Math.max(0, ((share - weightBytes / tp) * tp) / kv);
  const concurrent =
    kvCapacityTokens === null ? sequences : Math.max(1, Math.min(sequences, Math.floor(kvCapacityTokens / seqTokens)));
  const waves = Math.ceil(sequences / concurrent);
  const efficiency: TimeAssumptionId =
    o.generation === 'transformers' ? 'generateBandwidthEfficiency' : 'decodeBandwidthEfficiency';
  const bandwidth = gpu.bandwidthGBs * 1e9 * TIME_ASSUMPTIONS[efficiency].value;
  // The mean context over the decode: the prompt plus half the completion.
  const meanContext = o.promptTokens + o.completionTokens / 2;
  const kvBytesPerStepPerGpu = (concurrent * meanContext * kv) / tp;
  const matmulFlops = 2 * profile.arch.matmulParamsPerToken;
  // A bitsandbytes 4-bit base in vLLM (quantization="bitsandbytes": its linear method calls bitsandbytes'
  // matmul_4bit): bitsandbytes 0.50 runs its fused 4-bit kernel for a few rows only (backends/cuda/ops.py
  // _GEMM_4BIT_CUSTOM_FLOOR_M = 4, then per-GPU heuristics that mostly choose the other path on HBM GPUs) and
  // otherwise dequantizes the weight to 16 bits and calls F.linear (autograd/_functions.py matmul_4bit, gemm_4bit's
  // dequant + linear): each batched decode step then also writes and reads the 16-bit linear weights.
  const bnbDequant =
    o.generation !== 'transformers' &&
    profile.quantizedLinearBytesPerParam !== null &&
    profile.technique.kind === 'qlora' &&
    !isInt4Base(profile.technique) &&
    concurrent > BNB_FUSED_MAX_ROWS;
  const quantizedLinearParams = profile.arch.matmulParamsPerToken - profile.arch.lmHeadParams;
  const dequantBytes = bnbDequant ? 2 * 2 * quantizedLinearParams : 0;
  const decodeStepSeconds = Math.max(
    (weightBytes / tp + dequantBytes / tp + kvBytesPerStepPerGpu) / bandwidth,
    (matmulFlops * concurrent) / tp / (peak * MFU_CEILING[gpu.tier]),
  );
  const decodeSeconds = waves * o.completionTokens * decodeStepSeconds;
  const prefillSeconds = (sequences * o.promptTokens * matmulFlops) / tp / (peak * mfu);
  // Weight sync (trl/generation/vllm_generation.py sync_weights) once per step: to the server over the interconnect
  // (NCCL broadcast), under ZeRO-3 every parameter gathered; transformers under ZeRO-3 gathers the model
  // (ds3_gather_for_generation).
  const sharded = STRATEGY_TRAITS[profile.distribution.strategy].shards.parameters && N > 1;
  const linkBytesPerS = (interconnect.inter?.busGBs ?? interconnect.intra.busGBs) * 1e9;
  const syncSeconds =
    (server ? weightBytes / linkBytesPerS : 0) + (sharded ? (weightBytes * (N - 1)) / N / linkBytesPerS : 0);
  out.generation = {
    engine: o.generation,
    sequences,
    concurrent,
    waves,
    kvCapacityTokens,
    weightBytesPerGpu: weightBytes / tp,
    dequantBytesPerStepPerGpu: dequantBytes / tp,
    kvBytesPerStepPerGpu,
    decodeStepSeconds,
    decodeSeconds,
    prefillSeconds,
    syncSeconds,
    stepSeconds: decodeSeconds + prefillSeconds + syncSeconds,
    efficiency,
  };
  return out;
}
