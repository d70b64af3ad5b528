/**
 * What a run-log importer hands to the rest of the app: the run as Tuneplan records it, whichever tool wrote
 * the files (Hugging Face Trainer / TRL: shared/import/trainer-state.ts; LLaMA-Factory:
 * shared/import/llama-factory-log.ts). Downstream code sees only this shape.
 */
import type { MetricCurve, RunObjective, RunResultInput } from '../domain/run-result';

export class TrainerImportError extends Error {}

export interface LossPoint {
  step: number;
  loss: number;
}

/** The fields an import fills; every one is present, `null` / `[]` where the files do not say. */
export interface ImportedRun {
  steps: number | null;
  epochs: number | null;
  /** The last logged training loss. */
  finalLoss: number | null;
  /** `train_loss`: the Trainer's mean of the training loss over the whole run. */
  meanLoss: number | null;
  wallSeconds: number | null;
  samplesPerSecond: number | null;
  tokensPerSecond: number | null;
  lossCurve: LossPoint[];
  evalCurve: LossPoint[];
  warnings: string[];
  source: 'trainer_state' | 'llama-factory';
  /** The objective the logged keys show (shared/import/run-objective.ts), null when they do not say. */
  objective: RunObjective | null;
  /** The objective's own curves (rewards, log-probs, KL, completion lengths), training then eval_ keys. */
  metricCurves: MetricCurve[];
}

export interface RunImport {
  run: ImportedRun;
  /** The files that contributed, in the order given. */
  found: string[];
}

/** RunResultSchema's limits (shared/domain/run-result.ts): a curve holds at most this many points. */
export const MAX_CURVE_POINTS = 10_000;
/** RunResultSchema's LossPointSchema bound; a diverged run can log larger (finite) losses. */
export const MAX_ABS_LOSS = 1e6;

export const ACCEPTED_FILES =
  'Tuneplan imports trainer_state.json, train_results.json, all_results.json and eval_results.json ' +
  '(Hugging Face Trainer, TRL) and trainer_log.jsonl (LLaMA-Factory).';

export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * At most `max` points spread evenly over the whole curve, the first and the last always kept, so a long run
 * keeps its shape from start to end (cutting would drop the start, where the loss moves most).
 */
export function downsampleEvenly<T>(points: readonly T[], max = MAX_CURVE_POINTS): T[] {
  if (points.length <= max) return [...points];
  if (max <= 1) return points.slice(-1);
  const out: T[] = [];
  const last = points.length - 1;
  for (let i = 0; i < max; i++) out.push(points[Math.round((i * last) / (max - 1))]!);
  return out;
}

/** A curve ready for RunResultSchema: finite, in range, at most MAX_CURVE_POINTS; what was changed is warned. */
export function finishCurve(name: string, what: string, points: LossPoint[], warnings: string[]): LossPoint[] {
  const inRange = points.filter((p) => Math.abs(p.loss) <= MAX_ABS_LOSS && p.step >= 0);
  if (inRange.length < points.length)
    warnings.push(
      `${name}: ${points.length - inRange.length} ${what} point(s) above ${MAX_ABS_LOSS.toExponential()} in size ` +
        'were left out of the curve (the run diverged).',
    );
  const kept = downsampleEvenly(inRange);
  if (kept.length < inRange.length)
    warnings.push(
      `${name}: the ${what} curve has ${inRange.length.toLocaleString('en-US')} points; ` +
        `${MAX_CURVE_POINTS.toLocaleString('en-US')} evenly spaced ones were kept (first and last included).`,
    );
  return kept;
}

/** The imported run as RunResult fields (shared/domain/run-result.ts). */
export function toRunResultFields(run: ImportedRun): Partial<RunResultInput> {
  return {
    steps: run.steps === null ? null : Math.round(run.steps),
    epochs: run.epochs,
    finalLoss: run.finalLoss,
    meanLoss: run.meanLoss,
    wallSeconds: run.wallSeconds,
    samplesPerSecond: run.samplesPerSecond,
    tokensPerSecond: run.tokensPerSecond,
    lossCurve: run.lossCurve,
    evalCurve: run.evalCurve,
    warnings: run.warnings,
    source: run.source,
    objective: run.objective,
    metricCurves: run.metricCurves,
  };
}
