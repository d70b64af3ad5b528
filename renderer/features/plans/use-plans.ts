/**
 * State and actions of the plans library and the open plan, over the contract API: list with
 * search and sort, open, save (with the revision rule), duplicate, delete with undo, import and
 * export, an unsaved-change flag, and a local draft that survives an accidental close.
 */
import { useCallback, useEffect, useState } from 'react';
import type { PlanSummary, SavedPlan } from '../../../shared/contract';
import type { Plan, PlanInput } from '../../../shared/domain/plan';
import { upgradePlanDocument } from '../../../shared/domain/plan-migrations';
import { parsePlanText } from '../../../shared/exporters/plan-json';
import { uniqueName } from '../../../shared/naming';
import type { AppError } from '../../../shared/result';
import type { TuneplanApi } from '../../api/client';
import { newDraft, toDraft, validateDraft, type Draft } from '../editor/draft';

export const DRAFT_KEY = 'tuneplan.draft.v1';

interface StoredDraft {
  id: string | null;
  revision: number | null;
  draft: Draft;
  at: string;
}

/**
 * The stored draft, brought to the current plan format through the same migration chain as files and
 * stored plans. A draft from a newer Tuneplan (or not a plan at all) is not offered: it stays in storage
 * untouched rather than being read with fields dropped.
 */
export function readStoredDraft(): StoredDraft | null {
  try {
    const raw = localStorage.getItem(DRAFT_KEY);
    if (!raw) return null;
    const stored = JSON.parse(raw) as StoredDraft;
    const upgraded = upgradePlanDocument(stored.draft);
    if (!upgraded.ok) return null;
    return { ...stored, draft: toDraft(upgraded.document as PlanInput) };
  } catch {
    return null;
  }
}

export function usePlans(api: TuneplanApi) {
  const [plans, setPlans] = useState<PlanSummary[]>([]);
  const [query, setQuery] = useState('');
  const [sort, setSort] = useState<'updated' | 'name'>('updated');
  const [selected, setSelected] = useState<SavedPlan | null>(null);
  const [draft, setDraftState] = useState<Draft>(newDraft);
  const [dirty, setDirty] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [undo, setUndo] = useState<{ label: string; plan: Plan } | null>(null);
  const [busy, setBusy] = useState(false);
  const [recoverable, setRecoverable] = useState<StoredDraft | null>(() => readStoredDraft());
  const [listVersion, setListVersion] = useState(0);
  const refresh = () => setListVersion((v) => v + 1);

  useEffect(() => {
    let live = true;
    void api.invoke('plans:list', { query, sort }).then((result) => {
      if (!live) return;
      if (result.ok) setPlans(result.data);
      else setError(result.error);
    });
    return () => {
      live = false;
    };
  }, [api, query, sort, listVersion]);

  // Keep unsaved work in local storage so a crash or an accidental close loses nothing.
  useEffect(() => {
    if (!dirty) return;
    const stored: StoredDraft = {
      id: selected?.id ?? null,
      revision: selected?.revision ?? null,
      draft,
      at: new Date().toISOString(),
    };
    try {
      localStorage.setItem(DRAFT_KEY, JSON.stringify(stored));
    } catch {
      // Storage full or disabled: the in-memory draft is still there.
    }
  }, [dirty, draft, selected]);

  useEffect(() => {
    const guard = (e: BeforeUnloadEvent) => {
      if (dirty) e.preventDefault();
    };
    window.addEventListener('beforeunload', guard);
    return () => window.removeEventListener('beforeunload', guard);
  }, [dirty]);

  const clearStored = () => {
    try {
      localStorage.removeItem(DRAFT_KEY);
    } catch {
      // ignore
    }
  };

  const confirmDiscard = () => !dirty || window.confirm('You have unsaved changes. Discard them?');

  // Stable identity so memoized editor sections skip renders their slice did not change.
  const setDraft = useCallback((next: Draft) => {
    setDraftState(next);
    setDirty(true);
  }, []);

  const show = (saved: SavedPlan, message: string | null = null) => {
    setSelected(saved);
    setDraftState(toDraft(saved.plan));
    setDirty(false);
    setError(null);
    setNotice(message);
  };

  const open = async (id: string) => {
    if (!confirmDiscard()) return;
    const result = await api.invoke('plans:get', { id });
    if (!result.ok) {
      setError(result.error);
      return;
    }
    clearStored();
    show(result.data);
  };

  const startNew = () => {
    if (!confirmDiscard()) return;
    clearStored();
    setSelected(null);
    setDraftState(newDraft());
    setDirty(true);
    setError(null);
    setNotice(null);
  };

  const create = async (plan: Plan, message: string) => {
    const result = await api.invoke('plans:save', { plan });
    if (!result.ok) {
      setError(result.error);
      return null;
    }
    clearStored();
    show(result.data, message);
    refresh();
    return result.data;
  };

  const save = async (asCopy = false) => {
    const { plan, errors } = validateDraft(draft);
    if (!plan) {
      const first = Object.entries(errors)[0];
      setError({
        code: 'VALIDATION',
        message: `Please fix the highlighted fields before saving${first ? ` (${first[0]}: ${first[1]})` : ''}.`,
      });
      return;
    }
    setBusy(true);
    if (asCopy || !selected) {
      await create(
        asCopy ? { ...plan, name: `${plan.name} (copy)` } : plan,
        `Saved “${asCopy ? `${plan.name} (copy)` : plan.name}”.`,
      );
      setBusy(false);
      return;
    }
    const result = await api.invoke('plans:save', { id: selected.id, revision: selected.revision, plan });
    setBusy(false);
    if (!result.ok) {
      setError(result.error);
      return;
    }
    clearStored();
    show(result.data, `Saved “${result.data.plan.name}”.`);
    refresh();
  };

  const duplicate = async () => {
    const { plan } = validateDraft(draft);
    if (!plan) return save();
    await create({ ...plan, name: `${plan.name} (copy)` }, `Duplicated as “${plan.name} (copy)”.`);
  };

  const remove = async () => {
    if (!selected) return;
    const result = await api.invoke('plans:delete', { id: selected.id });
    if (!result.ok && result.error.code !== 'NOT_FOUND') {
      setError(result.error);
      return;
    }
    setUndo({ label: selected.plan.name, plan: selected.plan });
    setNotice(null);
    setSelected(null);
    setDraftState(newDraft());
    setDirty(false);
    setError(null);
    clearStored();
    refresh();
  };

  const undoDelete = async () => {
    if (!undo) return;
    const restored = undo;
    setUndo(null);
    await create(restored.plan, `Restored “${restored.label}”.`);
  };

  const reload = async () => {
    if (!selected) return;
    const result = await api.invoke('plans:get', { id: selected.id });
    if (result.ok) show(result.data, 'Loaded the saved version.');
    else setError(result.error);
  };

  const importText = async (text: string) => {
    const parsed = parsePlanText(text);
    if (!parsed.ok) {
      setError({ code: 'VALIDATION', message: parsed.message, details: { issues: parsed.issues } });
      return;
    }
    if (!confirmDiscard()) return;
    // A name in use gets " (2)", " (3)", … (shared/naming.ts; issue 20): never a second identical entry.
    const all = await api.invoke('plans:list', { query: '', sort: 'name', limit: 100_000 });
    const name = all.ok
      ? uniqueName(
          parsed.plan.name,
          all.data.map((p) => p.name),
        )
      : parsed.plan.name;
    await create({ ...parsed.plan, name }, `Imported “${name}”.`);
  };

  const restoreDraft = () => {
    if (!recoverable) return;
    setDraftState(toDraft(recoverable.draft));
    setDirty(true);
    setRecoverable(null);
    if (recoverable.id) {
      void api.invoke('plans:get', { id: recoverable.id }).then((r) => r.ok && setSelected(r.data));
    }
    setNotice('Restored your unsaved changes.');
  };

  const discardDraft = () => {
    clearStored();
    setRecoverable(null);
  };

  return {
    state: { plans, query, sort, selected, draft, dirty, error, notice, busy, undo, recoverable },
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
      dismissUndo: () => setUndo(null),
      setError,
      setNotice,
    },
  };
}
