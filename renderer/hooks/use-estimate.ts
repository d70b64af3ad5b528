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
  const estimable = useMemo(() => forEstimate(draft, live), [draft, live]);
  const deferred = useDeferredValue(estimable);
  const { report, errors, estimateError, plan } = useEstimate(deferred);
  const allErrors = useMemo(() => ({ ...errors, ...live.errors }), [errors, live.errors]);
  // Stale: the results are not (yet) this draft's — still deferred, or a field the estimate reads is invalid.
  const stale = deferred !== estimable || estimable.plan === null;
  return { live, report, errors: allErrors, estimateError, plan, stale };
}

/** Fields the estimate does not read: an error in them neither stops nor greys the results. */
const NOT_ESTIMATED: ReadonlySet<string> = new Set(['name', 'notes']);

/**
 * The validation the estimate follows: the draft's own, or — when only the name or the notes are invalid (an emptied
 * name while renaming) — the draft with those two made valid, so the results stay current. Saving still goes by
 * `live`, which keeps the error.
 */
function forEstimate(draft: Draft, live: Validation): Validation {
  const keys = Object.keys(live.errors);
  if (live.plan || keys.length === 0 || !keys.every((k) => NOT_ESTIMATED.has(k))) return live;
  const valid = validateDraft({
    ...draft,
    name: live.errors.name ? 'Untitled plan' : draft.name,
    notes: live.errors.notes ? '' : draft.notes,
  });
  return valid.plan ? { plan: valid.plan, errors: live.errors } : live;
}
