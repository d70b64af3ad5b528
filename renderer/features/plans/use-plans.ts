/** State and actions of the plans library and the open plan, over the contract API. */
import { useEffect, useState } from 'react';
import type { ZodError } from 'zod';
import type { PlanSummary, SavedPlan } from '../../../shared/contract';
import { PlanSchema, type PlanInput } from '../../../shared/domain/plan';
import { issuesFromZod, type AppError } from '../../../shared/result';
import type { TuneplanApi } from '../../api/client';

export function newPlanDraft(): PlanInput {
  return { name: 'Untitled plan', notes: '', model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' } };
}

export interface PlansState {
  plans: PlanSummary[];
  query: string;
  selected: SavedPlan | null;
  draft: PlanInput;
  dirty: boolean;
  fieldErrors: Record<string, string>;
  error: AppError | null;
  notice: string | null;
  busy: boolean;
}

export function usePlans(api: TuneplanApi) {
  const [plans, setPlans] = useState<PlanSummary[]>([]);
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState<SavedPlan | null>(null);
  const [draft, setDraftState] = useState<PlanInput>(newPlanDraft);
  const [dirty, setDirty] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<AppError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // Bumped to reload the list after a save or delete.
  const [listVersion, setListVersion] = useState(0);
  const refresh = () => setListVersion((v) => v + 1);

  useEffect(() => {
    let live = true;
    void api.invoke('plans:list', { query }).then((result) => {
      if (!live) return;
      if (result.ok) setPlans(result.data);
      else setError(result.error);
    });
    return () => {
      live = false;
    };
  }, [api, query, listVersion]);

  const setDraft = (next: PlanInput) => {
    setDraftState(next);
    setDirty(true);
    const parsed = PlanSchema.safeParse(next);
    setFieldErrors(parsed.success ? {} : toFieldErrors(parsed.error));
  };

  const open = async (id: string) => {
    const result = await api.invoke('plans:get', { id });
    if (!result.ok) {
      setError(result.error);
      return;
    }
    setSelected(result.data);
    setDraftState(result.data.plan);
    setDirty(false);
    setFieldErrors({});
    setError(null);
    setNotice(null);
  };

  const startNew = () => {
    setSelected(null);
    setDraftState(newPlanDraft());
    setDirty(true);
    setFieldErrors({});
    setError(null);
    setNotice(null);
  };

  const save = async (asCopy = false) => {
    const parsed = PlanSchema.safeParse(draft);
    if (!parsed.success) {
      setFieldErrors(toFieldErrors(parsed.error));
      setError({ code: 'VALIDATION', message: 'Please fix the highlighted fields before saving.' });
      return;
    }
    setBusy(true);
    const input = selected && !asCopy ? { id: selected.id, revision: selected.revision, plan: parsed.data } : { plan: asCopy ? { ...parsed.data, name: `${parsed.data.name} (copy)` } : parsed.data };
    const result = await api.invoke('plans:save', input);
    setBusy(false);
    if (!result.ok) {
      setError(result.error);
      if (result.error.details?.issues) setFieldErrors(Object.fromEntries(result.error.details.issues.map((i) => [i.path.replace(/^plan\./, ''), i.message])));
      return;
    }
    setSelected(result.data);
    setDraftState(result.data.plan);
    setDirty(false);
    setError(null);
    setNotice(`Saved “${result.data.plan.name}”.`);
    refresh();
  };

  const remove = async () => {
    if (!selected) return;
    const result = await api.invoke('plans:delete', { id: selected.id });
    if (!result.ok && result.error.code !== 'NOT_FOUND') {
      setError(result.error);
      return;
    }
    setNotice(`Deleted “${selected.plan.name}”.`);
    setSelected(null);
    setDraftState(newPlanDraft());
    setDirty(false);
    setError(null);
    refresh();
  };

  const reload = async () => {
    if (selected) await open(selected.id);
  };

  return {
    state: { plans, query, selected, draft, dirty, fieldErrors, error, notice, busy } satisfies PlansState,
    actions: { setQuery, setDraft, open, startNew, save, remove, reload, refresh },
  };
}

function toFieldErrors(error: ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of issuesFromZod(error)) {
    const key = issue.path.split(/[.[]/)[0] ?? issue.path;
    out[key] ??= issue.message;
    out[issue.path] ??= issue.message;
  }
  return out;
}
