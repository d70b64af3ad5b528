import { forwardRef, useEffect, useRef, useState, type KeyboardEvent } from 'react';
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

/** Row height of the virtualized list (px); only the rows in view (plus a margin) are rendered. */
export const ROW_HEIGHT = 52;
const OVERSCAN = 8;

/** The plans library: search (Ctrl+F), sort, arrow keys between plans; virtualized for 10,000+ plans. */
export const PlansList = forwardRef<HTMLInputElement, Props>(function PlansList(
  { plans, selectedId, query, sort, dirty, onQuery, onSort, onSelect, onNew },
  searchRef,
) {
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(800);
  const [focusIndex, setFocusIndex] = useState<number | null>(null);
  useEffect(() => {
    const el = scroller.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => setViewport(el.clientHeight || 800));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(plans.length, Math.ceil((scrollTop + viewport) / ROW_HEIGHT) + OVERSCAN);
  useEffect(() => {
    if (focusIndex === null) return;
    scroller.current?.querySelector<HTMLButtonElement>(`button[data-index="${focusIndex}"]`)?.focus();
  }, [focusIndex, first, last]);
  const onKey = (e: KeyboardEvent<HTMLButtonElement>, index: number) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    e.preventDefault();
    const next = Math.min(plans.length - 1, Math.max(0, index + (e.key === 'ArrowDown' ? 1 : -1)));
    const el = scroller.current;
    if (el) {
      const top = next * ROW_HEIGHT;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
    }
    setFocusIndex(next);
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
          <input
            ref={searchRef}
            type="search"
            placeholder="Search plans (Ctrl+F)"
            value={query}
            onChange={(e) => onQuery(e.target.value)}
          />
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
        <div className="plan-scroll" ref={scroller} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
          <ul
            className="plan-items"
            style={{ paddingTop: first * ROW_HEIGHT, paddingBottom: (plans.length - last) * ROW_HEIGHT }}
            aria-label={`${plans.length} plan${plans.length === 1 ? '' : 's'}`}
          >
            {plans.slice(first, last).map((p, i) => (
              <li key={p.id} style={{ height: ROW_HEIGHT }}>
                <button
                  type="button"
                  data-index={first + i}
                  className={p.id === selectedId ? 'plan-item selected' : 'plan-item'}
                  aria-current={p.id === selectedId ? 'true' : undefined}
                  onClick={() => onSelect(p.id)}
                  onKeyDown={(e) => onKey(e, first + i)}
                  onFocus={() => setFocusIndex(first + i)}
                >
                  <span className="plan-name">
                    {p.name}
                    {p.id === selectedId && dirty ? <span title="unsaved changes"> •</span> : null}
                  </span>
                  <span className="plan-meta">
                    {p.model} · {p.techniqueCount} technique{p.techniqueCount === 1 ? '' : 's'} ·{' '}
                    <time dateTime={p.updatedAt}>{dateFormat.format(new Date(p.updatedAt))}</time>
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </nav>
  );
});
