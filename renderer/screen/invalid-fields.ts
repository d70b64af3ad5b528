/**
 * The invalid fields of the editor, read from the page, for the error summary after a failed save (issue 20): every
 * field the plan's check refuses, in the order the page shows them, each with its label, its message and the control
 * to move focus to.
 *
 * Read from the DOM rather than from a table of field paths: each section labels its own fields (components/fields.tsx
 * marks an invalid control `aria-invalid` and points `aria-describedby` at its message), so a section added later is
 * covered without a second list of labels to keep in step.
 */
import { revealSection } from '../components/fields';

export interface InvalidField {
  /** The field's path in the plan ("training.microBatch"). */
  path: string;
  label: string;
  message: string;
  /** The control to focus; null for a check the page shows without a field of its own. */
  target: HTMLElement | null;
}

function textOfIds(doc: Document, ids: string | null): string {
  return (ids ?? '')
    .split(/\s+/)
    .map((id) => (id ? (doc.getElementById(id)?.textContent ?? '') : ''))
    .join(' ')
    .trim();
}

function labelOf(el: HTMLElement): string | null {
  const labels = (el as HTMLInputElement).labels;
  const fromLabel = labels?.[0]?.textContent?.trim();
  if (fromLabel) return fromLabel;
  return el.getAttribute('aria-label') ?? (textOfIds(el.ownerDocument, el.getAttribute('aria-labelledby')) || null);
}

/**
 * `errors` (path → message, from validateDraft) matched to the invalid controls under `root` by their message, in
 * page order. A control whose message is not in `errors` is left out: it shows an estimator's error, which does not
 * stop a save. An error no control shows (a check on the whole technique list) is listed after them, by its path.
 */
export function invalidFields(root: HTMLElement, errors: Readonly<Record<string, string>>): InvalidField[] {
  const pending = Object.entries(errors);
  const found: InvalidField[] = [];
  for (const el of root.querySelectorAll<HTMLElement>('[aria-invalid="true"]')) {
    const message = textOfIds(el.ownerDocument, el.getAttribute('aria-describedby'));
    const at = pending.findIndex(([, m]) => m === message);
    const match = at < 0 ? undefined : pending.splice(at, 1)[0];
    if (match) found.push({ path: match[0], label: labelOf(el) ?? match[0], message, target: el });
  }
  return [...found, ...pending.map(([path, message]) => ({ path, label: path, message, target: null }))];
}

/** Opens what hides `el` (a collapsed section, a closed "Advanced" disclosure), then focuses it. */
export function revealAndFocus(el: HTMLElement): void {
  for (let p = el.parentElement; p; p = p.parentElement) {
    if (p instanceof HTMLDetailsElement && !p.open) p.open = true;
    if (p.hidden) revealSection(p);
  }
  el.focus();
}
