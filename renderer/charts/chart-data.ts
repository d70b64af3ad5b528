/**
 * Pure mappings from estimator output to chart rows. The charts and their data-table alternatives
 * render the same rows, so what a bar shows is what the table says.
 */
import type { Plan } from '../../shared/domain/plan';
import { describeArchitecture } from '../../shared/estimate/architecture';
import { fitState, type FitState } from '../../shared/estimate/advice';
import {
  prepareTechnique,
  resolveModel,
  type EstimateReport,
  type TechniqueEstimate,
} from '../../shared/estimate/estimate';
import { memoryAt, PART_KEYS, type PartKey } from '../../shared/estimate/memory';
import { GiB } from '../format';
import { timeUnit } from './ticks';

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

/** The phases of a run's time (TechniqueEstimate.phases), in the order they stack, bottom up. */
export const PHASE_KEYS = ['generation', 'reference', 'update'] as const;
export type PhaseKey = (typeof PHASE_KEYS)[number];
export const PHASE_LABELS: Record<PhaseKey, string> = {
  generation: 'Generation',
  reference: 'Reference forwards',
  update: 'Update (forward, backward, step)',
};

/** Seconds of each phase of one technique's whole run (TechniqueEstimate.phases), by the chart's phase keys. */
export type PhaseSeconds = Record<PhaseKey, number>;

export interface PhaseRow {
  technique: string;
  kind: string;
  fit: FitState;
  /** The phases in the chart's unit (`unit.label`), stacked generation → reference → update. */
  generation: number;
  reference: number;
  update: number;
  /** The same phases in seconds, for the data table and the tooltip. */
  seconds: PhaseSeconds;
  totalSeconds: number;
}

function phaseSeconds(t: TechniqueEstimate): PhaseSeconds {
  return {
    generation: t.phases.generationSeconds,
    reference: t.phases.referenceSeconds,
    update: t.phases.updateSeconds,
  };
}

/**
 * The phases some technique spends time in (above a millisecond, so float residue of wall − generation − reference
 * does not count): SFT has only the update; DPO with a reference copy adds the reference forwards; GRPO generation.
 */
export function activePhases(report: Pick<EstimateReport, 'techniques'>): PhaseKey[] {
  return PHASE_KEYS.filter((k) => report.techniques.some((t) => phaseSeconds(t)[k] > 1e-3));
}

/** Whether the run splits into more than one phase: only then is the phase chart drawn (and the table's phase rows). */
export function hasPhases(report: Pick<EstimateReport, 'techniques'>): boolean {
  return activePhases(report).length > 1;
}

/** The time of each phase per technique, in one unit chosen by the longest run (minutes, hours or days). */
export function phaseRows(report: Pick<EstimateReport, 'techniques'>): {
  rows: PhaseRow[];
  unit: ReturnType<typeof timeUnit>;
  phases: PhaseKey[];
} {
  const unit = timeUnit(Math.max(0, ...report.techniques.map((t) => t.wallSeconds)));
  const rows = report.techniques.map((t) => {
    const seconds = phaseSeconds(t);
    return {
      technique: t.label,
      kind: t.technique,
      fit: fitState(t),
      generation: seconds.generation / unit.seconds,
      reference: seconds.reference / unit.seconds,
      update: seconds.update / unit.seconds,
      seconds,
      totalSeconds: seconds.generation + seconds.reference + seconds.update,
    };
  });
  return { rows, unit, phases: activePhases(report) };
}

/**
 * Legend order (docs UI.md: "the memory parts in a fixed order"): recharts 3 sorts legend items alphabetically by
 * label unless told otherwise (Legend `itemSorter` defaults to 'value'). This sorter keeps the given order of data
 * keys, so the legend reads in stacking order; keys not listed go last.
 */
export function legendOrder(keys: readonly string[]): (item: { dataKey?: unknown }) => number {
  return (item) => {
    const i = keys.indexOf(String(item.dataKey));
    return i === -1 ? keys.length : i;
  };
}
