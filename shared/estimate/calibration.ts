/**
 * Calibration from recorded runs: per technique and GPU, the median ratio of measured to predicted
 * peak memory (in the counter each run reports) and throughput. Factors are offered, never applied
 * silently: the UI shows the uncalibrated figure and how many runs a factor rests on, and removing a
 * run removes its influence (factors are recomputed from the runs that exist).
 */
import { matchGpuName } from '../catalog/gpus';
import type { Plan } from '../domain/plan';
import type { RunResult } from '../domain/run-result';
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
    const e = predictedFor(result, plan);
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
    };
  });
}

export function calibrationFactors(comparisons: RunComparison[]): CalibrationFactor[] {
  const groups = new Map<string, RunComparison[]>();
  for (const c of comparisons) {
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
