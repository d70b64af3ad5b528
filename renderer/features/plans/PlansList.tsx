import type { PlanSummary } from '../../../shared/contract';

interface Props {
  plans: PlanSummary[];
  selectedId: string | null;
  query: string;
  onQuery: (query: string) => void;
  onSelect: (id: string) => void;
  onNew: () => void;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function PlansList({ plans, selectedId, query, onQuery, onSelect, onNew }: Props) {
  return (
    <nav className="library" aria-label="Plans">
      <div className="library-head">
        <h2>Plans</h2>
        <button type="button" onClick={onNew} title="New plan (Ctrl+N)">
          New plan
        </button>
      </div>
      <label className="search">
        <span className="visually-hidden">Search plans</span>
        <input type="search" placeholder="Search plans" value={query} onChange={(e) => onQuery(e.target.value)} />
      </label>
      {plans.length === 0 ? (
        <p className="empty">{query ? 'No plan matches this search.' : 'No plans yet. Create one with “New plan”.'}</p>
      ) : (
        <ul className="plan-items">
          {plans.map((p) => (
            <li key={p.id}>
              <button type="button" className={p.id === selectedId ? 'plan-item selected' : 'plan-item'} aria-current={p.id === selectedId ? 'true' : undefined} onClick={() => onSelect(p.id)}>
                <span className="plan-name">{p.name}</span>
                <span className="plan-meta">
                  {p.model} · updated <time dateTime={p.updatedAt}>{dateFormat.format(new Date(p.updatedAt))}</time>
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
