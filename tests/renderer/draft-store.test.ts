// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { PLAN_SCHEMA_VERSION } from '../../shared/domain/plan';
import { DRAFT_KEY, readStoredDraft } from '../../renderer/state/draft-store';

afterEach(() => localStorage.clear());

const store = (draft: unknown) =>
  localStorage.setItem(DRAFT_KEY, JSON.stringify({ id: null, revision: null, draft, at: '2026-12-01T10:00:00Z' }));

describe('the draft store reads drafts through the plan migration chain', () => {
  it('offers a draft of the current or an older format, with its half-typed values kept', () => {
    const { schemaVersion: _v, ...withoutVersion } = { schemaVersion: 1 };
    store({ ...withoutVersion, name: 'Half-written', model: { source: 'catalog', id: 'Phi-4' }, notes: 'n' });
    const read = readStoredDraft();
    expect(read?.draft.name).toBe('Half-written');
    expect(read?.draft.schemaVersion).toBe(PLAN_SCHEMA_VERSION);
    expect(read?.draft.notes).toBe('n');
  });

  it('does not offer a draft written by a newer Tuneplan, and leaves it in storage untouched', () => {
    store({ schemaVersion: PLAN_SCHEMA_VERSION + 1, name: 'From the future', model: { source: 'catalog', id: 'x' } });
    const before = localStorage.getItem(DRAFT_KEY);
    expect(readStoredDraft()).toBeNull();
    expect(localStorage.getItem(DRAFT_KEY)).toBe(before);
  });
});
