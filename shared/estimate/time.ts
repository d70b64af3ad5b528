/**
 * Compute, throughput and wall time (ESTIMATOR.md §7). FLOPs per token: forward 2·P (matrix
 * multiplies, active experts only) plus causal attention 2·L·s·(a·d); backward doubles the forward
 * for full fine-tuning (6·P in all, "Transformer Math 101"); a frozen base skips its weight
 * gradients (≈ 4·P); checkpointing adds a forward.
 */
import type { Data, Distribution, Technique, Training } from '../domain/plan';
import { STRATEGY_TRAITS } from '../domain/strategies';
import type { Architecture } from './architecture';
import type { ResolvedGpu } from './hardware';
import { dataBatches } from './data-batches';
import { effectivePrecision, type MemoryProfile } from './memory';

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
export const TIME_ASSUMPTIONS = {
  mfuHalfTokens: {
    label: 'MFU half-fill point',
    value: 1024,
    unit: 'tokens per micro-batch',
    basis: 'small GEMMs cannot fill the GPU; MFU reaches half its ceiling at this many tokens per micro-batch',
  },
  paddingFactor: {
    label: 'padding factor',
    value: 1.25,
    unit: '× mean tokens',
    basis: 'unpacked batches run to their longest example; assumed 25 % above the mean with length grouping',
  },
  nvlinkGBs: {
    label: 'NVLink collective bandwidth',
    value: 200,
    unit: 'GB/s per GPU',
    basis: 'a third of A100 NVLink 3 (600 GB/s both directions, NVIDIA A100 datasheet) reached by ring collectives',
  },
  pcieGBs: {
    label: 'PCIe bandwidth',
    value: 25,
    unit: 'GB/s',
    basis: 'about 80 % of PCIe 4.0 x16 (31.5 GB/s per direction)',
  },
  interNodeGBs: {
    label: 'inter-node bandwidth',
    value: 25,
    unit: 'GB/s per node',
    basis: 'one 200 Gb/s InfiniBand HDR link per node',
  },
  commOverlap: {
    label: 'communication overlap',
    value: 0.5,
    unit: 'share hidden behind compute',
    basis: 'bucketed all-reduce and prefetch hide part of the traffic; half assumed',
  },
  cpuAdamParamsPerS: {
    label: 'CPU Adam speed',
    value: 1e9,
    unit: 'parameters/s per node',
    basis: 'DeepSpeed CPU Adam (AVX) on a multi-core host',
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
 * Padding: without packing, each micro-batch runs to its longest example; with length grouping, about 25 % above the
 * mean.
 */
export const PADDING_FACTOR = TIME_ASSUMPTIONS.paddingFactor.value;
/** Interconnect bandwidth per GPU (GB/s): NVLink within an SXM/OAM node, PCIe otherwise; InfiniBand between nodes. */
export const LINK_GBS = {
  nvlink: TIME_ASSUMPTIONS.nvlinkGBs.value,
  pcie: TIME_ASSUMPTIONS.pcieGBs.value,
  interNode: TIME_ASSUMPTIONS.interNodeGBs.value,
};
/** Share of gradient/parameter communication hidden behind compute (bucketed all-reduce, prefetch). */
export const COMM_OVERLAP = TIME_ASSUMPTIONS.commOverlap.value;
export const CPU_ADAM_PARAMS_PER_S = TIME_ASSUMPTIONS.cpuAdamParamsPerS.value;
export const NVME_GBS = TIME_ASSUMPTIONS.nvmeGBs.value;
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
  communicationSeconds: number;
  offloadSeconds: number;
  steps: number;
  trainingTokens: number;
  wallSeconds: number;
  gpuHours: number;
  /** The engineering assumptions this plan's step time rests on (shown as such in the explanation). */
  assumptions: TimeAssumptionId[];
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

export function defaultMfu(
  gpu: ResolvedGpu,
  technique: Technique,
  tokensPerMicroBatch: number,
  distribution: Distribution,
): number {
  const ceiling = MFU_CEILING[gpu.tier];
  const fill = tokensPerMicroBatch / (tokensPerMicroBatch + MFU_HALF_TOKENS);
  const tech = TECHNIQUE_EFFICIENCY[technique.kind]?.factor ?? 1;
  return ceiling * fill * tech * (distribution.offloadParams !== 'none' ? 0.8 : 1);
}

function link(gpu: ResolvedGpu, distribution: Distribution): TimeAssumptionId {
  if (distribution.nodes > 1) return 'interNodeGBs';
  return gpu.tier === 'datacenter' && !/pcie/i.test(gpu.name) ? 'nvlinkGBs' : 'pcieGBs';
}

export function estimateTime(
  arch: Architecture,
  profile: MemoryProfile,
  gpu: ResolvedGpu,
  data: Data,
  mfuOverride: number | null,
  microBatch = profile.training.microBatch,
): TimeEstimate {
  const { technique, training, distribution } = profile;
  const N = profile.gpus;
  // Rows, real and padded tokens: from the user's data statistics when the plan has them (data-batches.ts).
  const batches = dataBatches({ training, data }, microBatch);
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

  const computeSeconds = (training.gradAccum * tokensPerMicroBatch * flops.total) / (peak * mfu);

  // Optimizer step: elementwise and memory-bound; bytes read and written per trainable parameter on this GPU.
  const b = profile.bytes;
  const localT = profile.params.trainableParams / (STRATEGY_TRAITS[distribution.strategy].shards.optimizer ? N : 1);
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

  // Communication, of which half is assumed hidden behind compute.
  let commBytes = 0;
  if (N > 1) {
    const ring = (2 * (N - 1)) / N;
    commBytes += ring * profile.params.trainableParams * b.gradient; // all-reduce / reduce-scatter of gradients
    if (STRATEGY_TRAITS[distribution.strategy].shards.parameters) {
      // all-gather params in forward and backward
      commBytes += training.gradAccum * 2 * ((N - 1) / N) * profile.params.totalParams * b.baseWeight;
    }
  }
  const linkUsed = link(gpu, distribution);
  const communicationSeconds = (commBytes / (TIME_ASSUMPTIONS[linkUsed].value * 1e9)) * (1 - COMM_OVERLAP);

  // Offload: PCIe transfers of gradients and parameters, the CPU or NVMe optimizer step.
  let offloadSeconds = 0;
  const nodeT = profile.params.trainableParams / distribution.nodes;
  if (distribution.offloadOptimizer !== 'none') {
    offloadSeconds += (localT * (b.gradient + b.trainableWeight)) / (LINK_GBS.pcie * 1e9);
    offloadSeconds += nodeT / CPU_ADAM_PARAMS_PER_S;
    if (distribution.offloadOptimizer === 'nvme') offloadSeconds += (2 * nodeT * 16) / (NVME_GBS * 1e9);
  }
  if (distribution.offloadParams !== 'none') {
    const paramBytes = (profile.params.totalParams * b.baseWeight) / N;
    offloadSeconds += (training.gradAccum * 2 * paramBytes) / (LINK_GBS.pcie * 1e9);
    if (distribution.offloadParams === 'nvme')
      offloadSeconds += (training.gradAccum * 2 * paramBytes) / (NVME_GBS * 1e9);
  }

  const stepSeconds = computeSeconds + optimizerSeconds + communicationSeconds + offloadSeconds;
  const examplesPerStep = microBatch * training.gradAccum * N;
  const steps = Math.max(1, Math.ceil((examples * training.epochs) / examplesPerStep));
  const wallSeconds = steps * stepSeconds;
  const tokensPerSecond = (examplesPerStep * realPerExample) / stepSeconds;
  const padded = batches.paddingAssumed;
  const offloading = distribution.offloadOptimizer !== 'none' || distribution.offloadParams !== 'none';
  const nvme = distribution.offloadOptimizer === 'nvme' || distribution.offloadParams === 'nvme';
  const assumptions: TimeAssumptionId[] = [
    ...(mfuOverride === null ? (['mfuHalfTokens'] as const) : []),
    ...(padded ? (['paddingFactor'] as const) : []),
    ...(optimizerBytes > 0 ? (['bandwidthEfficiency'] as const) : []),
    ...(commBytes > 0 ? [linkUsed, 'commOverlap' as const] : []),
    ...(offloading ? (['pcieGBs'] as const) : []),
    ...(distribution.offloadOptimizer !== 'none' ? (['cpuAdamParamsPerS'] as const) : []),
    ...(nvme ? (['nvmeGBs'] as const) : []),
  ];
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
    offloadSeconds,
    steps,
    trainingTokens,
    wallSeconds,
    gpuHours: (wallSeconds / 3600) * N,
  };
}
