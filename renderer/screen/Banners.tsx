import type { AppInfo } from '../../shared/contract';
import { errorText } from '../features/plans/error-text';
import type { Plans } from '../features/plans/use-plans';

/** Messages above the editor: startup notices, a kept draft to restore, the last error or notice, undo delete. */
export function Banners({
  info,
  state,
  actions,
}: {
  info: AppInfo | null;
  state: Plans['state'];
  actions: Plans['actions'];
}) {
  const conflict = state.error?.code === 'CONFLICT';
  return (
    <>
      {info?.notices.map((n) => (
        <div key={n.message} className={`banner ${n.level === 'error' ? 'error' : 'warning'}`} role="alert">
          {n.message}
        </div>
      ))}
      {state.recoverable ? (
        <div className="banner notice" role="status">
          <p>
            Unsaved changes to “{state.recoverable.draft.name}” from{' '}
            {`${new Date(state.recoverable.at).toLocaleString()} were kept.`}
          </p>
          <button type="button" onClick={actions.restoreDraft}>
            Restore them
          </button>{' '}
          <button type="button" onClick={actions.discardDraft}>
            Discard
          </button>
        </div>
      ) : null}
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
      {state.undo ? (
        <div className="toast" role="status">
          Deleted “{state.undo.label}”.{' '}
          <button type="button" onClick={() => void actions.undoDelete()}>
            Undo
          </button>{' '}
          <button type="button" className="link" onClick={actions.dismissUndo} aria-label="Dismiss">
            ✕
          </button>
        </div>
      ) : null}
    </>
  );
}
