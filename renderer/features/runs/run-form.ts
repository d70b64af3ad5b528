/** The "Record a run" form's values and how they map to and from a stored run result. */
import type { StoredRun } from '../../../shared/contract';
import type { Plan } from '../../../shared/domain/plan';
import { RunResultSchema, type RunResultInput } from '../../../shared/domain/run-result';
import { toRunResultFields } from '../../../shared/import/run-import';
import type { ImportedRun } from '../../../shared/import/trainer-state';
import { GiB } from '../../format';

export interface RunFormValues {
  id?: string;
  techniqueIndex: number;
  gpuName: string;
  gpuCount: number;
  peakGiB: number | null;
  memoryCounter: 'allocated' | 'reserved' | 'nvidia-smi';
  wallHours: number | null;
  tokensPerSecond: number | null;
  costUsd: number | null;
  finalLoss: number | null;
  notes: string;
  /** What an import filled that the form has no field for; replaced whole by the next import. */
  extra: Pick<
    RunResultInput,
    | 'steps'
    | 'epochs'
    | 'lossCurve'
    | 'evalCurve'
    | 'meanLoss'
    | 'samplesPerSecond'
    | 'warnings'
    | 'source'
    | 'objective'
    | 'metricCurves'
  >;
}

export const emptyForm = (plan: Plan, gpuName: string): RunFormValues => ({
  techniqueIndex: 0,
  gpuName,
  gpuCount: plan.distribution.gpusPerNode * plan.distribution.nodes,
  peakGiB: null,
  memoryCounter: 'reserved',
  wallHours: null,
  tokensPerSecond: null,
  costUsd: null,
  finalLoss: null,
  notes: '',
  extra: { source: 'manual' },
});

export function toResult(plan: Plan, f: RunFormValues) {
  return RunResultSchema.safeParse({
    technique: plan.techniques[f.techniqueIndex]?.kind ?? 'lora',
    techniqueIndex: f.techniqueIndex,
    gpuName: f.gpuName,
    gpuCount: f.gpuCount,
    peakMemoryBytes: f.peakGiB === null ? null : f.peakGiB * GiB,
    memoryCounter: f.memoryCounter,
    wallSeconds: f.wallHours === null ? null : f.wallHours * 3600,
    tokensPerSecond: f.tokensPerSecond,
    costUsd: f.costUsd,
    finalLoss: f.finalLoss,
    notes: f.notes,
    ...f.extra,
  });
}

/** A recorded run back in the form, to edit it. */
export function formFromRun(run: StoredRun): RunFormValues {
  const r = run.result;
  return {
    id: run.id,
    techniqueIndex: r.techniqueIndex,
    gpuName: r.gpuName,
    gpuCount: r.gpuCount,
    peakGiB: r.peakMemoryBytes === null ? null : r.peakMemoryBytes / GiB,
    memoryCounter: r.memoryCounter,
    wallHours: r.wallSeconds === null ? null : r.wallSeconds / 3600,
    tokensPerSecond: r.tokensPerSecond,
    costUsd: r.costUsd,
    finalLoss: r.finalLoss,
    notes: r.notes,
    extra: {
      steps: r.steps,
      epochs: r.epochs,
      lossCurve: r.lossCurve,
      evalCurve: r.evalCurve,
      meanLoss: r.meanLoss,
      samplesPerSecond: r.samplesPerSecond,
      warnings: r.warnings,
      source: r.source,
      objective: r.objective,
      metricCurves: r.metricCurves,
    },
  };
}

/**
 * The form after importing run logs. Every imported field is replaced, empty where these files say nothing:
 * a value left from an earlier import (or typed before it) would be recorded as if these files had said it
 * (issue 11 item 4).
 */
export function withImport(form: RunFormValues, run: ImportedRun): RunFormValues {
  const { wallSeconds, tokensPerSecond: tps, finalLoss, ...extra } = toRunResultFields(run);
  return {
    ...form,
    wallHours: wallSeconds == null ? null : wallSeconds / 3600,
    tokensPerSecond: tps ?? null,
    finalLoss: finalLoss ?? null,
    extra: {
      steps: extra.steps ?? null,
      epochs: extra.epochs ?? null,
      lossCurve: extra.lossCurve ?? [],
      evalCurve: extra.evalCurve ?? [],
      meanLoss: extra.meanLoss ?? null,
      samplesPerSecond: extra.samplesPerSecond ?? null,
      warnings: extra.warnings ?? [],
      source: run.source,
      objective: run.objective,
      metricCurves: run.metricCurves,
    },
  };
}
