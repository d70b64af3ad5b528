/**
 * Pure mappings from estimator output to chart rows. The charts and their data-table alternatives
 * render the same rows, so what a bar shows is what the table says.
 */
import type { Plan } from '../../shared/domain/plan';
import { describeArchitecture } from '../../shared/estimate/architecture';
import { fitState, type FitState } from '../../shared/estimate/advice';
import { prepareTechnique, resolveModel, type EstimateReport } from '../../shared/estimate/estimate';
import { memoryAt, PART_KEYS, type PartKey } from '../../shared/estimate/memory';
import { GiB } from '../format';

export type MemoryRow = {
  technique: string;
  key: string;
  totalGiB: number;
  /** Low and high ends of the nvidia-smi peak (issue 15 §8), drawn as the error bar on top of the stack. */
  lowGiB: number;
  highGiB: number;
  /** [total − low, high − total]: the error bar's distances (see `errorBarSpan`). */
  span: [number, number];
  fit: FitState;
} & Record<PartKey, number>;

/** Stacked memory per technique, in GiB, parts in the fixed order of PART_KEYS. */
export function memoryRows(report: EstimateReport): MemoryRow[] {
  return report.techniques.map((t) => {
    const row = {
      technique: t.label,
      key: `${t.index}`,
      totalGiB: t.memory.nvidiaSmiBytes / GiB,
      lowGiB: t.memory.low.nvidiaSmiBytes / GiB,
      highGiB: t.memory.high.nvidiaSmiBytes / GiB,
      span: errorBarSpan(
        t.memory.nvidiaSmiBytes / GiB,
        t.memory.low.nvidiaSmiBytes / GiB,
        t.memory.high.nvidiaSmiBytes / GiB,
      ),
      fit: fitState(t),
    } as MemoryRow;
    for (const k of PART_KEYS) row[k] = t.memory.parts[k] / GiB;
    return row;
  });
}

export interface TimeCostRow {
  technique: string;
  kind: string;
  hours: number;
  /** Low and high ends of the wall time, in hours (issue 15 §8). */
  hoursLow: number;
  hoursHigh: number;
  costUsd: number | null;
  tokensPerSecond: number;
  fit: FitState;
}

export function timeCostRows(report: EstimateReport): TimeCostRow[] {
  return report.techniques.map((t) => ({
    technique: t.label,
    kind: t.technique,
    hours: t.wallSeconds / 3600,
    hoursLow: t.wallSecondsLow / 3600,
    hoursHigh: t.wallSecondsHigh / 3600,
    costUsd: t.costUsd,
    tokensPerSecond: t.tokensPerSecond,
    fit: fitState(t),
  }));
}

/**
 * Recharts' ErrorBar draws `value − low` below and `value + high` above the bar's top (recharts 3
 * cartesian/ErrorBar.js: `scale.map(numericValue - lowBound)`): the distances, not the ends.
 */
export function errorBarSpan(value: number, low: number, high: number): [number, number] {
  return [Math.max(0, value - low), Math.max(0, high - value)];
}

export interface ParamsRow {
  technique: string;
  kind: string;
  trainable: number;
  percent: number;
}

export function paramsRows(report: EstimateReport): ParamsRow[] {
  return report.techniques.map((t) => ({
    technique: t.label,
    kind: t.technique,
    trainable: Math.max(1, t.trainableParams),
    percent: t.trainablePercent,
  }));
}

export const SEQ_POINTS = [256, 512, 1024, 2048, 4096, 8192, 16384, 32768];
export const BATCH_POINTS = [1, 2, 4, 8, 16, 32, 64];

/** Peak nvidia-smi memory (GiB) per technique as the sequence length or micro-batch varies. */
export function sweepRows(plan: Plan, axis: 'seqLen' | 'microBatch'): Array<Record<string, number>> {
  const arch = describeArchitecture(resolveModel(plan));
  const prepared = plan.techniques.map((t, i) => prepareTechnique(plan, arch, t, i));
  const points =
    axis === 'seqLen'
      ? SEQ_POINTS.filter((s) => s <= Math.max(arch.spec.maxPositionEmbeddings, plan.training.seqLen))
      : BATCH_POINTS;
  return points.map((x) => {
    const row: Record<string, number> = { x };
    for (const p of prepared) {
      const m =
        axis === 'seqLen'
          ? memoryAt(p.profile, plan.training.microBatch, x)
          : memoryAt(p.profile, x, plan.training.seqLen);
      row[`t${p.index}`] = m.nvidiaSmiBytes / GiB;
    }
    return row;
  });
}

/** The best value in each comparison row (lowest memory, time, cost; fewest trainable parameters). */
export function bestIndex(values: Array<number | null>): number | null {
  let best: number | null = null;
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) return;
    if (best === null || v < (values[best] as number)) best = i;
  });
  return best;
}
