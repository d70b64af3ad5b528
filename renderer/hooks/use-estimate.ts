/** The estimate of the draft being edited, kept responsive while typing. */
import { useDeferredValue, useMemo, useState } from 'react';
import { estimatePlan, type EstimateReport } from '../../shared/estimate/estimate';
import { validateDraft, type Draft, type Validation } from '../state/draft';

/** Estimates a validated draft (validated once, by the caller); keeps the last good results while it has errors. */
export function useEstimate({ plan, errors }: Validation): {
  report: EstimateReport | null;
  errors: Record<string, string>;
  estimateError: string | null;
  plan: Validation['plan'];
} {
  const [last, setLast] = useState<{ report: EstimateReport; plan: NonNullable<typeof plan> } | null>(null);
  const current = useMemo(() => {
    if (!plan) return { report: null, error: null };
    try {
      return { report: estimatePlan(plan), error: null };
    } catch (e) {
      return { report: null, error: e instanceof Error ? e.message : String(e) };
    }
  }, [plan]);
  // Keep the last good results on screen (greyed) while the plan has errors: derived state, updated during render.
  if (current.report && plan && last?.report !== current.report) setLast({ report: current.report, plan });
  const fieldErrors = useMemo(() => {
    const m = current.error ? /^([\w.[\]]+): (.*)$/.exec(current.error) : null;
    return m?.[1] && m[2] ? { ...errors, [m[1]]: m[2] } : errors;
  }, [errors, current.error]);
  return {
    report: current.report ?? last?.report ?? null,
    errors: fieldErrors,
    estimateError: current.error,
    plan: plan ?? last?.plan ?? null,
  };
}

/**
 * Each draft is validated once; the estimate follows a deferred copy of that validation so typing stays
 * responsive. `live` is the validation of the draft as typed, `errors` has both the field errors and the
 * estimator's, and `stale` says the results shown are not (yet) this draft's.
 */
export function useDraftEstimate(draft: Draft) {
  const live = useMemo(() => validateDraft(draft), [draft]);
  const deferred = useDeferredValue(live);
  const { report, errors, estimateError, plan } = useEstimate(deferred);
  const allErrors = useMemo(() => ({ ...errors, ...live.errors }), [errors, live.errors]);
  const stale = deferred !== live || Object.keys(live.errors).length > 0;
  return { live, report, errors: allErrors, estimateError, plan, stale };
}
