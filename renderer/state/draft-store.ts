/**
 * The unsaved draft kept in local storage, so a crash or an accidental close loses nothing. Read at start
 * (offered as "restore"), written while the draft is dirty, cleared once the work is saved or discarded.
 */
import type { PlanInput } from '../../shared/domain/plan';
import { upgradePlanDocument } from '../../shared/domain/plan-migrations';
import { toDraft, type Draft } from './draft';

export const DRAFT_KEY = 'tuneplan.draft.v1';

export interface StoredDraft {
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

export function writeStoredDraft(stored: StoredDraft): void {
  try {
    localStorage.setItem(DRAFT_KEY, JSON.stringify(stored));
  } catch {
    // Storage full or disabled: the in-memory draft is still there.
  }
}

export function clearStoredDraft(): void {
  try {
    localStorage.removeItem(DRAFT_KEY);
  } catch {
    // ignore
  }
}
