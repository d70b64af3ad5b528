import { forwardRef, type KeyboardEvent } from 'react';
import type { PlanSummary } from '../../../shared/contract';

interface Props {
  plans: PlanSummary[];
  selectedId: string | null;
  query: string;
  sort: 'updated' | 'name';
  dirty: boolean;
  onQuery: (query: string) => void;
  onSort: (sort: 'updated' | 'name') => void;
  onSelect: (id: string) => void;
  onNew: () => void;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** The plans library: search (Ctrl+F), sort, and arrow keys to move between plans. */
export const PlansList = forwardRef<HTMLInputElement, Props>(function PlansList({ plans, selectedId, query, sort, dirty, onQuery, onSort, onSelect, onNew }, searchRef) {
  const onKey = (e: KeyboardEvent<HTMLButtonElement>) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const list = e.currentTarget.closest('ul');
    if (!list) return;
    const buttons = [...list.querySelectorAll<HTMLButtonElement>('button.plan-item')];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next = buttons[Math.min(buttons.length - 1, Math.max(0, at + (e.key === 'ArrowDown' ? 1 : -1)))];
    if (next) {
      e.preventDefault();
      next.focus();
    }
  };
  return (
    <nav className="library" aria-label="Plans">
      <div className="library-head">
        <h2>Plans</h2>
        <button type="button" onClick={onNew} title="New plan (Ctrl+N)">
          New plan
        </button>
      </div>
      <div className="library-tools">
        <label className="search">
          <span className="visually-hidden">Search plans</span>
          <input ref={searchRef} type="search" placeholder="Search plans (Ctrl+F)" value={query} onChange={(e) => onQuery(e.target.value)} />
        </label>
        <label className="sort">
          <span className="visually-hidden">Sort plans</span>
          <select value={sort} onChange={(e) => onSort(e.target.value as 'updated' | 'name')}>
            <option value="updated">Recently updated</option>
            <option value="name">Name</option>
          </select>
        </label>
      </div>
      {plans.length === 0 ? (
        <p className="empty">{query ? 'No plan matches this search.' : 'No plans yet. Create one with “New plan”.'}</p>
      ) : (
        <ul className="plan-items">
          {plans.map((p) => (
            <li key={p.id}>
              <button type="button" className={p.id === selectedId ? 'plan-item selected' : 'plan-item'} aria-current={p.id === selectedId ? 'true' : undefined} onClick={() => onSelect(p.id)} onKeyDown={onKey}>
                <span className="plan-name">
                  {p.name}
                  {p.id === selectedId && dirty ? <span title="unsaved changes"> •</span> : null}
                </span>
                <span className="plan-meta">
                  {p.model} · {p.techniqueCount} technique{p.techniqueCount === 1 ? '' : 's'} · <time dateTime={p.updatedAt}>{dateFormat.format(new Date(p.updatedAt))}</time>
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
});
