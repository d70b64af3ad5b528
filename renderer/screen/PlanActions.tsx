import { useRef, useState, type RefObject } from 'react';
import { planToJson } from '../../shared/exporters/plan-json';
import type { TuneplanApi } from '../api/client';
import { ImportConfigsAction } from '../features/import/ImportConfigsDialog';
import type { Plans } from '../features/plans/use-plans';

/** The open plan's buttons: save, duplicate, export, import (plan JSON; training configs), print / PDF and delete. */
export function PlanActions({
  api,
  state,
  actions,
  onExportJson,
  saveRef,
}: {
  api: TuneplanApi;
  state: Plans['state'];
  actions: Plans['actions'];
  onExportJson: () => void;
  /** The Save button, where the screen puts focus back when a save removed the focused control. */
  saveRef?: RefObject<HTMLButtonElement | null>;
}) {
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const importRef = useRef<HTMLInputElement>(null);
  return (
    <div className="actions">
      {/* aria-disabled, not disabled, while saving: a focused button that becomes disabled drops focus to the page body
          (HTML "focus fixup rule", https://html.spec.whatwg.org/multipage/interaction.html#focus-fixup-rule). */}
      <button
        ref={saveRef}
        type="button"
        className="primary"
        onClick={() => {
          if (!state.busy) void actions.save();
        }}
        aria-disabled={state.busy || undefined}
        title="Save (Ctrl+S)"
      >
        Save
      </button>
      <button type="button" onClick={() => void actions.duplicate()} disabled={!state.selected}>
        Duplicate
      </button>
      <button type="button" onClick={onExportJson} title="Export JSON (Ctrl+E)">
        Export JSON
      </button>
      <button
        type="button"
        onClick={() => {
          // Desktop: the native open dialog; browser: the file picker.
          if (api.transport !== 'ipc') return importRef.current?.click();
          void api.invoke('desktop:openJson', { title: 'Import a Tuneplan plan' }).then((r) => {
            if (r.ok) void actions.importText(r.data.text);
            else if (r.error.code !== 'CANCELLED') actions.setError(r.error);
          });
        }}
      >
        Import JSON…
      </button>
      <input
        ref={importRef}
        type="file"
        accept=".json,application/json"
        className="visually-hidden"
        aria-label="Import plan JSON file"
        tabIndex={-1}
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void f.text().then(actions.importText);
        }}
      />
      <ImportConfigsAction onCreate={(plan) => actions.importText(planToJson(plan)).then((saved) => saved !== null)} />
      <button
        type="button"
        onClick={() => {
          if (api.transport !== 'ipc') return window.print();
          void api
            .invoke('desktop:savePdf', { suggestedName: `${state.draft.name || 'tuneplan'} report.pdf` })
            .then((r) => {
              if (r.ok) actions.setNotice(`Saved the report to ${r.data.path}.`);
              else if (r.error.code !== 'CANCELLED') actions.setError(r.error);
            });
        }}
      >
        {api.transport === 'ipc' ? 'Save report as PDF…' : 'Print report'}
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
  );
}
