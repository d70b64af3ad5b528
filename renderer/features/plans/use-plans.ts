/**
 * State and actions of the plans library and the open plan, over the contract API: list with
 * search and sort, open, save (with the revision rule), duplicate, delete with undo, import and
 * export, an unsaved-change flag, and a local draft that survives an accidental close.
 * The state transitions are plansReducer (plans-reducer.ts); the list is a useQuery.
 */
import { useCallback, useEffect, useReducer } from 'react';
import type { PlanSummary, SavedPlan } from '../../../shared/contract';
import type { Plan } from '../../../shared/domain/plan';
import { parsePlanText } from '../../../shared/exporters/plan-json';
import { uniqueName } from '../../../shared/naming';
import type { AppError } from '../../../shared/result';
import type { TuneplanApi } from '../../api/client';
import { useQuery } from '../../api/use-query';
import { validateDraft, type Draft } from '../../state/draft';
import { clearStoredDraft, readStoredDraft, writeStoredDraft } from '../../state/draft-store';
import { initialPlansState, plansReducer, type PlanSort } from './plans-reducer';

const NO_PLANS: PlanSummary[] = [];

export type SaveOutcome = 'saved' | 'invalid' | 'failed';

export function usePlans(api: TuneplanApi) {
  const [state, dispatch] = useReducer(plansReducer, null, () => initialPlansState(readStoredDraft()));
  const { query, sort, selected, draft, dirty, undo, recoverable } = state;
  const list = useQuery(api, 'plans:list', { query, sort });
  const refresh = list.reload;

  // A failed list load shows in the error banner, like any other failed call.
  useEffect(() => {
    if (list.error) dispatch({ type: 'error', error: list.error });
  }, [list.error]);

  // Keep unsaved work in local storage so a crash or an accidental close loses nothing.
  useEffect(() => {
    if (!dirty) return;
    writeStoredDraft({
      id: selected?.id ?? null,
      revision: selected?.revision ?? null,
      draft,
      at: new Date().toISOString(),
    });
  }, [dirty, draft, selected]);

  useEffect(() => {
    const guard = (e: BeforeUnloadEvent) => {
      if (dirty) e.preventDefault();
    };
    window.addEventListener('beforeunload', guard);
    return () => window.removeEventListener('beforeunload', guard);
  }, [dirty]);

  const confirmDiscard = () => !dirty || window.confirm('You have unsaved changes. Discard them?');

  // Stable identities so memoized editor sections skip renders their slice did not change.
  const setDraft = useCallback((next: Draft) => dispatch({ type: 'edit', draft: next }), []);
  const setQuery = useCallback((next: string) => dispatch({ type: 'query', query: next }), []);
  const setSort = useCallback((next: PlanSort) => dispatch({ type: 'sort', sort: next }), []);
  const setError = useCallback((error: AppError | null) => dispatch({ type: 'error', error }), []);
  const setNotice = useCallback((notice: string | null) => dispatch({ type: 'notice', notice }), []);

  const show = (saved: SavedPlan, notice: string | null = null) => dispatch({ type: 'show', saved, notice });

  const open = async (id: string) => {
    if (!confirmDiscard()) return;
    const result = await api.invoke('plans:get', { id });
    if (!result.ok) {
      setError(result.error);
      return;
    }
    clearStoredDraft();
    show(result.data);
  };

  const startNew = () => {
    if (!confirmDiscard()) return;
    clearStoredDraft();
    dispatch({ type: 'new' });
  };

  const create = async (plan: Plan, message: string) => {
    const result = await api.invoke('plans:save', { plan });
    if (!result.ok) {
      setError(result.error);
      return null;
    }
    clearStoredDraft();
    show(result.data, message);
    refresh();
    return result.data;
  };

  /**
   * `wanted`, or the first free "wanted (n)" when a saved plan has that name (shared/naming.ts, issue 20): an import,
   * a copy or a restored delete is never a second identical entry in the list. When the list cannot be read the name
   * is kept as it is: the plan is still saved, under a name the user can change.
   */
  const freeName = async (wanted: string): Promise<string> => {
    const all = await api.invoke('plans:list', { query: '', sort: 'name', limit: 100_000 });
    return all.ok
      ? uniqueName(
          wanted,
          all.data.map((p) => p.name),
        )
      : wanted;
  };

  /**
   * Saves the draft. 'invalid': nothing was saved because fields are invalid; the screen lists them and moves focus to
   * the first (issue 20), so no error banner is set here. 'failed': the backend refused (the error banner says why).
   */
  const save = async (asCopy = false): Promise<SaveOutcome> => {
    const { plan } = validateDraft(draft);
    if (!plan) return 'invalid';
    dispatch({ type: 'busy', busy: true });
    if (asCopy || !selected) {
      const name = asCopy ? await freeName(`${plan.name} (copy)`) : plan.name;
      const created = await create({ ...plan, name }, `Saved “${name}”.`);
      dispatch({ type: 'busy', busy: false });
      return created ? 'saved' : 'failed';
    }
    const result = await api.invoke('plans:save', { id: selected.id, revision: selected.revision, plan });
    dispatch({ type: 'busy', busy: false });
    if (!result.ok) {
      setError(result.error);
      return 'failed';
    }
    clearStoredDraft();
    show(result.data, `Saved “${result.data.plan.name}”.`);
    refresh();
    return 'saved';
  };

  const duplicate = async (): Promise<SaveOutcome> => {
    const { plan } = validateDraft(draft);
    if (!plan) return 'invalid';
    const name = await freeName(`${plan.name} (copy)`);
    return (await create({ ...plan, name }, `Duplicated as “${name}”.`)) ? 'saved' : 'failed';
  };

  const remove = async () => {
    if (!selected) return;
    const result = await api.invoke('plans:delete', { id: selected.id });
    if (!result.ok && result.error.code !== 'NOT_FOUND') {
      setError(result.error);
      return;
    }
    dispatch({ type: 'deleted', label: selected.plan.name, plan: selected.plan });
    clearStoredDraft();
    refresh();
  };

  const undoDelete = async () => {
    if (!undo) return;
    const restored = undo;
    dispatch({ type: 'dismissUndo' });
    const name = await freeName(restored.plan.name);
    await create({ ...restored.plan, name }, `Restored “${name}”.`);
  };

  const reload = async () => {
    if (!selected) return;
    const result = await api.invoke('plans:get', { id: selected.id });
    if (result.ok) show(result.data, 'Loaded the saved version.');
    else setError(result.error);
  };

  /** Plan JSON → a new plan (also the path of "Import configs…"); the saved plan, or null when none was created. */
  const importText = async (text: string): Promise<SavedPlan | null> => {
    const parsed = parsePlanText(text);
    if (!parsed.ok) {
      setError({ code: 'VALIDATION', message: parsed.message, details: { issues: parsed.issues } });
      return null;
    }
    if (!confirmDiscard()) return null;
    // A name in use gets " (2)", " (3)", … (shared/naming.ts; issue 20): never a second identical entry.
    const name = await freeName(parsed.plan.name);
    return create({ ...parsed.plan, name }, `Imported “${name}”.`);
  };

  const restoreDraft = () => {
    if (!recoverable) return;
    dispatch({ type: 'restoreDraft' });
    if (recoverable.id) {
      void api
        .invoke('plans:get', { id: recoverable.id })
        .then((r) => r.ok && dispatch({ type: 'selected', saved: r.data }));
    }
  };

  const discardDraft = () => {
    clearStoredDraft();
    dispatch({ type: 'discardDraft' });
  };

  return {
    state: { ...state, plans: list.data ?? NO_PLANS },
    actions: {
      refresh,
      setQuery,
      setSort,
      setDraft,
      open,
      startNew,
      save,
      duplicate,
      remove,
      undoDelete,
      reload,
      importText,
      restoreDraft,
      discardDraft,
      dismissUndo: () => dispatch({ type: 'dismissUndo' }),
      setError,
      setNotice,
    },
  };
}

/** What usePlans gives the screen: the state to show and the actions its controls call. */
export type Plans = ReturnType<typeof usePlans>;
