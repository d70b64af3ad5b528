/** The plans screen's transitions without React (renderer/features/plans/plans-reducer.ts). */
import { describe, expect, it } from 'vitest';
import type { SavedPlan } from '../../shared/contract';
import { PlanSchema } from '../../shared/domain/plan';
import { initialPlansState, plansReducer, type PlansState } from '../../renderer/features/plans/plans-reducer';
import type { StoredDraft } from '../../renderer/state/draft-store';
import { samplePlan } from '../helpers/plans';

const saved = (name: string, revision = 1): SavedPlan => ({
  id: '00000000-0000-4000-8000-000000000001',
  revision,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  plan: PlanSchema.parse(samplePlan({ name })),
});

const edited = (state: PlansState, name: string) =>
  plansReducer(state, { type: 'edit', draft: { ...state.draft, name } });

describe('plansReducer', () => {
  it('starts clean, with a kept draft offered but not applied', () => {
    const kept: StoredDraft = {
      id: null,
      revision: null,
      draft: PlanSchema.parse(samplePlan({ name: 'Kept' })),
      at: '',
    };
    const s = initialPlansState(kept);
    expect(s.dirty).toBe(false);
    expect(s.selected).toBeNull();
    expect(s.recoverable).toBe(kept);
    expect(s.draft.name).not.toBe('Kept');
  });

  it('an edit marks the draft dirty; showing a saved plan replaces it and clears error and dirty', () => {
    let s = edited(initialPlansState(null), 'Typed');
    expect(s.dirty).toBe(true);
    expect(s.draft.name).toBe('Typed');
    s = plansReducer(s, { type: 'error', error: { code: 'CONFLICT', message: 'changed elsewhere' } });
    s = plansReducer(s, { type: 'show', saved: saved('Saved one', 2), notice: 'Saved “Saved one”.' });
    expect(s).toMatchObject({ dirty: false, error: null, notice: 'Saved “Saved one”.' });
    expect(s.selected?.revision).toBe(2);
    expect(s.draft.name).toBe('Saved one');
  });

  it('a delete keeps the plan for undo and leaves a clean new draft', () => {
    const open = plansReducer(initialPlansState(null), { type: 'show', saved: saved('Doomed'), notice: 'x' });
    const s = plansReducer(open, { type: 'deleted', label: 'Doomed', plan: open.selected!.plan });
    expect(s.undo?.label).toBe('Doomed');
    expect(s).toMatchObject({ selected: null, dirty: false, notice: null, error: null });
    expect(s.draft.name).toBe('Untitled plan');
    expect(plansReducer(s, { type: 'dismissUndo' }).undo).toBeNull();
  });

  it('a new plan is unsaved work from the start', () => {
    const open = plansReducer(initialPlansState(null), { type: 'show', saved: saved('Open'), notice: 'x' });
    const s = plansReducer(open, { type: 'new' });
    expect(s).toMatchObject({ selected: null, dirty: true, notice: null });
  });

  it('restoring a kept draft applies it once and says so; without one nothing changes', () => {
    const kept: StoredDraft = {
      id: null,
      revision: null,
      draft: PlanSchema.parse(samplePlan({ name: 'Kept' })),
      at: '',
    };
    const s = plansReducer(initialPlansState(kept), { type: 'restoreDraft' });
    expect(s).toMatchObject({ dirty: true, recoverable: null, notice: 'Restored your unsaved changes.' });
    expect(s.draft.name).toBe('Kept');
    expect(plansReducer(s, { type: 'restoreDraft' })).toBe(s);
    expect(plansReducer(initialPlansState(kept), { type: 'discardDraft' }).recoverable).toBeNull();
  });

  it('a kept draft belongs to its plan: offered while it is open, dropped when another is shown (issue 20)', () => {
    const own = saved('Own');
    const other = { ...saved('Other'), id: '00000000-0000-4000-8000-000000000002' };
    const kept: StoredDraft = { id: own.id, revision: 1, draft: own.plan, at: '' };
    const opened = plansReducer(initialPlansState(kept), { type: 'show', saved: own, notice: null });
    expect(opened.recoverable).toBe(kept);
    expect(plansReducer(opened, { type: 'show', saved: other, notice: null }).recoverable).toBeNull();
    expect(plansReducer(opened, { type: 'new' }).recoverable).toBeNull();
    // A kept draft of a never-saved plan belongs to no saved plan.
    const unsaved: StoredDraft = { ...kept, id: null, revision: null };
    expect(plansReducer(initialPlansState(unsaved), { type: 'show', saved: own, notice: null }).recoverable).toBeNull();
  });
});
