/**
 * Advice that follows from the estimate's own numbers (issue 14): whether a technique fits, and which
 * technique earns a best mark. Every fit decision in the advice goes through `fitState`, so when the fit
 * rule gains a state ("may not fit") there is one place to change.
 */
import type { EstimateReport, TechniqueEstimate } from './estimate';

/**
 * Three states (issue 15 §8, shared/estimate/ranges.ts): fits / may not fit (expected fits, high end does not) /
 * does not fit.
 */
export type FitState = 'fits' | 'may-not-fit' | 'does-not-fit';

/**
 * The fit of one technique, as the estimate states it (`fit.state`; `fits` alone: the expected nvidia-smi peak
 * fits).
 */
export function fitState(t: Pick<TechniqueEstimate, 'fits'> & { fit?: { state?: FitState } }): FitState {
  return t.fit?.state ?? (t.fits ? 'fits' : 'does-not-fit');
}

/** Competes for best marks: the expected peak fits ('fits' or 'may-not-fit'; the marks may show the latter apart). */
export const isFitting = (t: Pick<TechniqueEstimate, 'fits'> & { fit?: { state?: FitState } }): boolean =>
  fitState(t) !== 'does-not-fit';

export interface BestMarks {
  /** Index (in `report.techniques`) of the fastest technique that fits; null when none fits. */
  time: number | null;
  /** Index of the cheapest technique that fits and has a cost; null when none does. */
  cost: number | null;
}

/**
 * The ★ marks: only techniques that fit compete, so a technique that does not fit never wins, however fast or
 * cheap its (impossible) run would be. Ties go to the first technique in the plan.
 */
export function bestMarks(report: Pick<EstimateReport, 'techniques'>): BestMarks {
  let time: TechniqueEstimate | null = null;
  let cost: TechniqueEstimate | null = null;
  for (const t of report.techniques) {
    if (!isFitting(t)) continue;
    if (time === null || t.wallSeconds < time.wallSeconds) time = t;
    if (t.costUsd !== null && (cost === null || t.costUsd < (cost.costUsd ?? Infinity))) cost = t;
  }
  return { time: time?.index ?? null, cost: cost?.index ?? null };
}
