import { useEffect, useState } from 'react';
import type { AppInfo } from '../shared/contract';
import type { TuneplanApi } from './api/client';
import { errorText } from './features/plans/error-text';
import { PlanForm } from './features/plans/PlanForm';
import { PlansList } from './features/plans/PlansList';
import { usePlans } from './features/plans/use-plans';

export function App({ api }: { api: TuneplanApi }) {
  const { state, actions } = usePlans(api);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [confirmingDelete, setConfirmingDelete] = useState(false);

  useEffect(() => {
    void api.invoke('app:info', {}).then((r) => r.ok && setInfo(r.data));
  }, [api]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey)) return;
      if (e.key === 's') {
        e.preventDefault();
        void actions.save();
      } else if (e.key === 'n') {
        e.preventDefault();
        actions.startNew();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const conflict = state.error?.code === 'CONFLICT';

  return (
    <div className="app">
      <PlansList plans={state.plans} selectedId={state.selected?.id ?? null} query={state.query} onQuery={actions.setQuery} onSelect={(id) => void actions.open(id)} onNew={actions.startNew} />
      <main className="editor" aria-label="Plan editor">
        <header className="editor-head">
          <h1>{state.selected ? state.selected.plan.name : 'New plan'}</h1>
          <div className="actions">
            <button type="button" className="primary" onClick={() => void actions.save()} disabled={state.busy} title="Save (Ctrl+S)">
              Save
            </button>
            {state.selected ? (
              confirmingDelete ? (
                <span className="confirm" role="group" aria-label="Confirm delete">
                  <span>Delete this plan?</span>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => {
                      setConfirmingDelete(false);
                      void actions.remove();
                    }}
                  >
                    Yes, delete
                  </button>
                  <button type="button" onClick={() => setConfirmingDelete(false)}>
                    Cancel
                  </button>
                </span>
              ) : (
                <button type="button" onClick={() => setConfirmingDelete(true)}>
                  Delete…
                </button>
              )
            ) : null}
          </div>
        </header>
        {state.error ? (
          <div className="banner error" role="alert">
            <p>{errorText(state.error)}</p>
            {conflict ? (
              <p>
                <button type="button" onClick={() => void actions.reload()}>
                  Load the saved version
                </button>{' '}
                <button type="button" onClick={() => void actions.save(true)}>
                  Save mine as a copy
                </button>
              </p>
            ) : null}
          </div>
        ) : null}
        {state.notice && !state.error ? (
          <div className="banner notice" role="status">
            {state.notice}
          </div>
        ) : null}
        <PlanForm draft={state.draft} fieldErrors={state.fieldErrors} onChange={actions.setDraft} />
      </main>
      <footer className="status-bar" aria-label="Status">
        <span>{info ? `${info.mode === 'desktop' ? 'Desktop' : info.mode === 'browser' ? 'Browser mode' : 'Test'} · Tuneplan ${info.version}` : 'Connecting…'}</span>
        <span title="Data folder">{info ? `Data: ${info.dataDir}` : ''}</span>
        <span aria-live="polite">{state.busy ? 'Saving…' : state.dirty ? 'Unsaved changes' : state.selected ? 'All changes saved' : ''}</span>
      </footer>
    </div>
  );
}
