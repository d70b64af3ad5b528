/**
 * Distribution strategies: one table of what each one shards, which library runs it and what it needs
 * from an export. The estimator (memory, time, explanations), the exporters, plan validation and the
 * editor read these traits; nothing re-derives them from the strategy's name.
 *
 * Sources: ZeRO paper (Rajbhandari et al. 2020, §5: stage 1 partitions optimizer states, stage 2 adds
 * gradients, stage 3 adds parameters); PyTorch FSDP `ShardingStrategy` (FULL_SHARD shards parameters,
 * gradients and optimizer states; SHARD_GRAD_OP keeps parameters unsharded between forward and backward,
 * i.e. gradients and optimizer states sharded) — torch/distributed/fsdp/api.py; DeepSpeed ZeRO-Offload
 * (optimizer to CPU for stages 1–3) and ZeRO-Infinity (parameters and NVMe need stage 3) —
 * deepspeed/runtime/zero/config.py and offload_config.py; FSDP's CPUOffload moves parameters (and with
 * them the gradients and optimizer step) to the CPU.
 */
import type { STRATEGIES } from './plan';

export type Strategy = (typeof STRATEGIES)[number];
export type StrategyFamily = 'ddp' | 'deepspeed' | 'fsdp';

export interface StrategyTraits {
  label: string;
  family: StrategyFamily;
  /** DeepSpeed ZeRO stage, or null outside DeepSpeed. */
  zeroStage: 1 | 2 | 3 | null;
  /** PyTorch FSDP `ShardingStrategy` name, or null outside FSDP. */
  fsdpShardingStrategy: 'FULL_SHARD' | 'SHARD_GRAD_OP' | 'HYBRID_SHARD' | null;
  /**
   * HYBRID_SHARD: FULL_SHARD within a node, replicated across nodes (torch/distributed/fsdp/api.py ShardingStrategy),
   * so sharded states are split over the GPUs of one node, not all of them.
   */
  shardWithinNode: boolean;
  /** What is split across the data-parallel GPUs (each GPU holds 1/N of it). */
  shards: { optimizer: boolean; gradients: boolean; parameters: boolean };
  /** Where optimizer states may be offloaded to. */
  optimizerOffload: ReadonlyArray<'cpu' | 'nvme'>;
  /** Where parameters may be offloaded to. */
  paramOffload: ReadonlyArray<'cpu' | 'nvme'>;
}

export const STRATEGY_TRAITS: Record<Strategy, StrategyTraits> = {
  ddp: {
    label: 'DDP (replicated)',
    family: 'ddp',
    zeroStage: null,
    fsdpShardingStrategy: null,
    shardWithinNode: false,
    shards: { optimizer: false, gradients: false, parameters: false },
    optimizerOffload: [],
    paramOffload: [],
  },
  zero1: {
    label: 'DeepSpeed ZeRO-1',
    family: 'deepspeed',
    zeroStage: 1,
    fsdpShardingStrategy: null,
    shardWithinNode: false,
    shards: { optimizer: true, gradients: false, parameters: false },
    optimizerOffload: ['cpu'],
    paramOffload: [],
  },
  zero2: {
    label: 'DeepSpeed ZeRO-2',
    family: 'deepspeed',
    zeroStage: 2,
    fsdpShardingStrategy: null,
    shardWithinNode: false,
    shards: { optimizer: true, gradients: true, parameters: false },
    optimizerOffload: ['cpu'],
    paramOffload: [],
  },
  zero3: {
    label: 'DeepSpeed ZeRO-3',
    family: 'deepspeed',
    zeroStage: 3,
    fsdpShardingStrategy: null,
    shardWithinNode: false,
    shards: { optimizer: true, gradients: true, parameters: true },
    optimizerOffload: ['cpu', 'nvme'],
    paramOffload: ['cpu', 'nvme'],
  },
  fsdp_full: {
    label: 'FSDP full shard',
    family: 'fsdp',
    zeroStage: null,
    fsdpShardingStrategy: 'FULL_SHARD',
    shardWithinNode: false,
    shards: { optimizer: true, gradients: true, parameters: true },
    optimizerOffload: ['cpu'],
    paramOffload: ['cpu'],
  },
  fsdp_grad_op: {
    label: 'FSDP shard grad op',
    family: 'fsdp',
    zeroStage: null,
    fsdpShardingStrategy: 'SHARD_GRAD_OP',
    shardWithinNode: false,
    shards: { optimizer: true, gradients: true, parameters: false },
    optimizerOffload: ['cpu'],
    paramOffload: [],
  },
  fsdp_hybrid: {
    label: 'FSDP hybrid shard (shard within a node)',
    family: 'fsdp',
    zeroStage: null,
    fsdpShardingStrategy: 'HYBRID_SHARD',
    shardWithinNode: true,
    shards: { optimizer: true, gradients: true, parameters: true },
    optimizerOffload: ['cpu'],
    paramOffload: ['cpu'],
  },
};

export function strategyTraits(strategy: Strategy): StrategyTraits {
  return STRATEGY_TRAITS[strategy];
}

export const isDeepSpeed = (strategy: Strategy): boolean => STRATEGY_TRAITS[strategy].family === 'deepspeed';
export const isFsdp = (strategy: Strategy): boolean => STRATEGY_TRAITS[strategy].family === 'fsdp';

/**
 * FSDP's CPU offload is one switch that moves parameters, gradients and optimizer states together
 * (torch/distributed/fsdp/api.py CPUOffload(offload_params); FSDP2 CPUOffloadPolicy; accelerate's
 * fsdp_offload_params, torchtune's fsdp_cpu_offload), and the estimate counts a parameter offload that way
 * (memory.ts). An optimizer-only offload has no switch: every export refuses it rather than write `false` and train
 * another job than the one estimated. Null when the plan can be written; else the sentence that says how to fix it.
 */
export function fsdpOffloadProblem(
  d: { strategy: Strategy; offloadOptimizer: string; offloadParams: string },
  tool: string,
  offloadSwitch: string,
): string | null {
  if (!isFsdp(d.strategy) || d.offloadOptimizer === 'none' || d.offloadParams !== 'none') return null;
  return (
    `${tool} has one offload switch (${offloadSwitch}), which moves parameters, gradients and optimizer states ` +
    'together: offload both or neither in the plan (set both offloads in the plan to cpu, or both to none).'
  );
}

/** The strategy for a DeepSpeed ZeRO stage (0 or absent = plain data parallel). */
export function strategyForZeroStage(stage: number | null | undefined): Strategy {
  const found = (Object.keys(STRATEGY_TRAITS) as Strategy[]).find((s) => STRATEGY_TRAITS[s].zeroStage === stage);
  return found ?? 'ddp';
}
