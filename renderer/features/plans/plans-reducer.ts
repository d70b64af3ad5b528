/**
 * The open plan and the library's view state as a pure reducer: every transition the plans screen makes
 * (open, new, save, delete with undo, restore a kept draft, …) is one event here, testable without React.
 * The API calls and local storage live in use-plans.ts.
 */
import type { SavedPlan } from '../../../shared/contract';
import type { Plan } from '../../../shared/domain/plan';
import type { AppError } from '../../../shared/result';
import { newDraft, toDraft, type Draft } from '../../state/draft';
import type { StoredDraft } from '../../state/draft-store';

export type PlanSort = 'updated' | 'name';

export interface PlansState {
  query: string;
  sort: PlanSort;
  /** The saved plan being edited; null for a new, never-saved plan. */
  selected: SavedPlan | null;
  draft: Draft;
  /** The draft differs from what is saved. */
  dirty: boolean;
  error: AppError | null;
  notice: string | null;
  busy: boolean;
  /** The last deleted plan, until undone or dismissed. */
  undo: { label: string; plan: Plan } | null;
  /** Unsaved work found in local storage at start, offered until restored or discarded. */
  recoverable: StoredDraft | null;
}

export type PlansEvent =
  | { type: 'query'; query: string }
  | { type: 'sort'; sort: PlanSort }
  /** The user edited the draft. */
  | { type: 'edit'; draft: Draft }
  /** A saved plan was opened, saved, created or reloaded: it becomes the clean draft. */
  | { type: 'show'; saved: SavedPlan; notice: string | null }
  | { type: 'new' }
  | { type: 'deleted'; label: string; plan: Plan }
  | { type: 'error'; error: AppError | null }
  | { type: 'notice'; notice: string | null }
  | { type: 'busy'; busy: boolean }
  | { type: 'dismissUndo' }
  | { type: 'restoreDraft' }
  | { type: 'discardDraft' }
  /** The saved plan a restored draft belongs to, fetched after the restore. */
  | { type: 'selected'; saved: SavedPlan };

export function initialPlansState(recoverable: StoredDraft | null): PlansState {
  return {
    query: '',
    sort: 'updated',
    selected: null,
    draft: newDraft(),
    dirty: false,
    error: null,
    notice: null,
    busy: false,
    undo: null,
    recoverable,
  };
}

/**
 * The kept draft belongs to one plan (issue 20): it is offered while that plan, or nothing yet, is open, and dropped
 * once another plan is shown. "Restore them" would otherwise put one plan's draft into another (a kept draft of a
 * never-saved plan, id null, into whichever plan is open), and the next Save would overwrite that plan with it.
 */
function keptFor(kept: StoredDraft | null, openId: string | null): StoredDraft | null {
  return kept && kept.id !== null && kept.id === openId ? kept : null;
}

export function plansReducer(state: PlansState, event: PlansEvent): PlansState {
  switch (event.type) {
    case 'query':
      return { ...state, query: event.query };
    case 'sort':
      return { ...state, sort: event.sort };
    case 'edit':
      return { ...state, draft: event.draft, dirty: true };
    case 'show':
      return {
        ...state,
        recoverable: keptFor(state.recoverable, event.saved.id),
        selected: event.saved,
        draft: toDraft(event.saved.plan),
        dirty: false,
        error: null,
        notice: event.notice,
      };
    case 'new':
      // A new plan is unsaved work from the start (kept in local storage like any edit).
      return {
        ...state,
        recoverable: null,
        selected: null,
        draft: newDraft(),
        dirty: true,
        error: null,
        notice: null,
      };
    case 'deleted':
      return {
        ...state,
        undo: { label: event.label, plan: event.plan },
        recoverable: null,
        notice: null,
        selected: null,
        draft: newDraft(),
        dirty: false,
        error: null,
      };
    case 'error':
      return { ...state, error: event.error };
    case 'notice':
      return { ...state, notice: event.notice };
    case 'busy':
      return { ...state, busy: event.busy };
    case 'dismissUndo':
      return { ...state, undo: null };
    case 'restoreDraft':
      if (!state.recoverable) return state;
      return {
        ...state,
        draft: toDraft(state.recoverable.draft),
        dirty: true,
        recoverable: null,
        notice: 'Restored your unsaved changes.',
      };
    case 'discardDraft':
      return { ...state, recoverable: null };
    case 'selected':
      return { ...state, selected: event.saved };
  }
}
