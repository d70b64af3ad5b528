/**
 * Calibration from recorded runs: per technique and GPU, the median ratio of measured to predicted
 * peak memory (in the counter each run reports) and throughput. Factors are offered, never applied
 * silently: the UI shows the uncalibrated figure and how many runs a factor rests on, and removing a
 * run removes its influence (factors are recomputed from the runs that exist).
 */
import { matchGpuName } from '../catalog/gpus';
import type { ObjectiveKind, Plan } from '../domain/plan';
import type { RunObjective, RunResult } from '../domain/run-result';
import { median } from '../stats';
import { estimatePlan, type TechniqueEstimate } from './estimate';

export interface RunComparison {
  runId: string;
  technique: string;
  gpuKey: string;
  measuredMemoryBytes: number | null;
  predictedMemoryBytes: number | null;
  memoryErrorPercent: number | null;
  measuredTokensPerSecond: number | null;
  predictedTokensPerSecond: number | null;
  throughputErrorPercent: number | null;
  measuredWallSeconds: number | null;
  predictedWallSeconds: number | null;
  /**
   * Set when the run's logs show another objective than the plan's (issue 19): a GRPO run's memory and time hold a
   * generation engine an SFT plan has not, so its predictions are left empty and it calibrates nothing.
   */
  objectiveMismatch: { run: RunObjective; plan: ObjectiveKind } | null;
}

/** What an imported run's objective is called (RUN_OBJECTIVES in shared/domain/run-result.ts). */
export const RUN_OBJECTIVE_LABELS: Record<RunObjective, string> = {
  sft: 'SFT',
  dpo: 'DPO',
  cpo: 'CPO/SimPO',
  orpo: 'ORPO',
  kto: 'KTO',
  reward: 'Reward model',
  grpo: 'GRPO',
};

/**
 * The run objective a plan's objective logs as: IPO is DPOTrainer's loss_type "ipo" and SimPO CPOTrainer's
 * loss_type "simpo", and the logs do not say the loss_type (shared/import/run-objective.ts).
 */
export const LOGGED_OBJECTIVE: Record<ObjectiveKind, RunObjective> = {
  sft: 'sft',
  dpo: 'dpo',
  ipo: 'dpo',
  orpo: 'orpo',
  simpo: 'cpo',
  kto: 'kto',
  reward: 'reward',
  grpo: 'grpo',
};

/** The mismatch of a run with the plan, or null when they agree or the run does not say (typed by hand). */
export function objectiveMismatch(plan: Plan, run: RunResult): RunComparison['objectiveMismatch'] {
  const planKind = plan.objective.kind;
  if (run.objective == null || run.objective === LOGGED_OBJECTIVE[planKind]) return null;
  return { run: run.objective, plan: planKind };
}

export interface CalibrationFactor {
  technique: string;
  gpuKey: string;
  memoryFactor: number | null;
  memoryRuns: number;
  throughputFactor: number | null;
  throughputRuns: number;
}

export function gpuKeyOf(name: string): string {
  return matchGpuName(name)?.id ?? name.trim().toLowerCase();
}

function predictedFor(run: RunResult, plan: Plan): TechniqueEstimate | null {
  const technique = plan.techniques[run.techniqueIndex] ?? plan.techniques.find((t) => t.kind === run.technique);
  if (!technique) return null;
  const gpu = matchGpuName(run.gpuName);
  const forRun: Plan = {
    ...plan,
    techniques: [technique],
    distribution: { ...plan.distribution, gpusPerNode: run.gpuCount, nodes: 1 },
    hardware:
      gpu && gpu.tflops16 !== null
        ? { ...plan.hardware, gpu: { source: 'catalog', id: gpu.id }, mfu: null }
        : { ...plan.hardware, mfu: null },
  };
  try {
    return estimatePlan(forRun).techniques[0] ?? null;
  } catch {
    return null;
  }
}

const pct = (measured: number | null, predicted: number | null) =>
  measured !== null && predicted !== null && measured > 0 ? (100 * (predicted - measured)) / measured : null;

export function compareRuns(plan: Plan, runs: Array<{ id: string; result: RunResult }>): RunComparison[] {
  return runs.map(({ id, result }) => {
    const mismatch = objectiveMismatch(plan, result);
    const e = mismatch ? null : predictedFor(result, plan);
    const predictedMemory = e
      ? result.memoryCounter === 'allocated'
        ? e.memory.allocatedBytes
        : result.memoryCounter === 'nvidia-smi'
          ? e.memory.nvidiaSmiBytes
          : e.memory.reservedBytes
      : null;
    return {
      runId: id,
      technique: result.technique,
      gpuKey: gpuKeyOf(result.gpuName),
      measuredMemoryBytes: result.peakMemoryBytes,
      predictedMemoryBytes: predictedMemory,
      memoryErrorPercent: pct(result.peakMemoryBytes, predictedMemory),
      measuredTokensPerSecond: result.tokensPerSecond,
      predictedTokensPerSecond: e?.tokensPerSecond ?? null,
      throughputErrorPercent: pct(result.tokensPerSecond, e?.tokensPerSecond ?? null),
      measuredWallSeconds: result.wallSeconds,
      predictedWallSeconds: e?.wallSeconds ?? null,
      objectiveMismatch: mismatch,
    };
  });
}

export function calibrationFactors(comparisons: RunComparison[]): CalibrationFactor[] {
  const groups = new Map<string, RunComparison[]>();
  for (const c of comparisons) {
    if (c.objectiveMismatch) continue; // another objective's memory and time say nothing about this plan's
    const key = `${c.technique}|${c.gpuKey}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.entries()].map(([key, list]) => {
    const [technique, gpuKey] = key.split('|') as [string, string];
    const mem = list
      .filter((c) => c.measuredMemoryBytes !== null && c.predictedMemoryBytes)
      .map((c) => c.measuredMemoryBytes! / c.predictedMemoryBytes!);
    const tps = list
      .filter((c) => c.measuredTokensPerSecond !== null && c.predictedTokensPerSecond)
      .map((c) => c.measuredTokensPerSecond! / c.predictedTokensPerSecond!);
    return {
      technique,
      gpuKey,
      memoryFactor: median(mem),
      memoryRuns: mem.length,
      throughputFactor: median(tps),
      throughputRuns: tps.length,
    };
  });
}

/** The factor for an estimate (technique on the plan's GPU), or null when no run backs one. */
export function factorFor(factors: CalibrationFactor[], technique: string, gpuKey: string): CalibrationFactor | null {
  return factors.find((f) => f.technique === technique && f.gpuKey === gpuKey) ?? null;
}
