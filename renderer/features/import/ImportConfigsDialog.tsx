/**
 * "Import configs…" (issue 18 item 5): the training configs a user already has (DeepSpeed, PEFT, accelerate,
 * TrainingArguments, LLaMA-Factory, axolotl, torchtune, config.json), several at once, into ONE new plan. The dialog
 * shows what each file set, where files disagree and which plan fields no file settles (with the reason); nothing is
 * saved until "Create plan". A file input in both modes: the desktop's native open dialog ('desktop:openJson') takes
 * one JSON file, and these come as several files, JSON and YAML.
 */
import { useEffect, useId, useRef } from 'react';
import type { Plan } from '../../../shared/domain/plan';
import { CONFIG_FORMAT_LABELS } from '../../../shared/import/configs/facts';
import { FIELD_LABELS, formatValue, useConfigImport, type ConfigImportState } from './use-config-import';
import './import.css';

const ACCEPT = '.json,.yaml,.yml,.bin,application/json,application/yaml';

/** The action button, its file input and, once files are picked, the dialog. */
export function ImportConfigsAction({ onCreate }: { onCreate: (plan: Plan) => Promise<boolean> }) {
  const state = useConfigImport();
  const inputRef = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" onClick={() => inputRef.current?.click()}>
        Import configs…
      </button>
      <input
        ref={inputRef}
        type="file"
        multiple
        accept={ACCEPT}
        className="visually-hidden"
        aria-label="Import training config files"
        tabIndex={-1}
        onChange={(e) => {
          const picked = [...(e.target.files ?? [])];
          e.target.value = '';
          void state.add(picked);
        }}
      />
      {state.files.length ? <ImportConfigsDialog state={state} onCreate={onCreate} onClose={state.clear} /> : null}
    </>
  );
}

export function ImportConfigsDialog({
  state,
  onCreate,
  onClose,
}: {
  state: ConfigImportState;
  onCreate: (plan: Plan) => Promise<boolean>;
  onClose: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const createRef = useRef<HTMLButtonElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const { outcomes, result, error } = state;
  const refused = outcomes.filter((o) => !o.ok);
  const conflicted = new Set(result?.conflicts.map((c) => c.field));
  const canCreate = result !== null && refused.length === 0 && !state.reading;
  useEffect(() => {
    const d = ref.current;
    // showModal: the page behind is inert and Escape cancels (the 'cancel' event below).
    if (d && !d.open) {
      if (typeof d.showModal === 'function') d.showModal();
      else d.setAttribute('open', '');
    }
    // Focus the decision, not the first link in the report: Enter creates the plan, or cancels when it cannot.
    (createRef.current && !createRef.current.disabled ? createRef.current : cancelRef.current)?.focus();
  }, []);

  return (
    <dialog
      ref={ref}
      className="import-configs"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <header className="import-configs-head">
        <h2 id={titleId}>Import training configs</h2>
        <p className="hint">
          One new plan from the files together. Nothing is saved until you choose “Create plan”; fields no file settles
          keep the template’s value and are listed below.
        </p>
        {result ? (
          <p className="import-new-name">
            New plan: <strong>{result.plan.name}</strong>
          </p>
        ) : null}
      </header>

      <div className="import-configs-body">
        <section aria-label="Files" className="import-configs-files">
          {outcomes.map((o) => (
            <article
              key={o.file.id}
              className={`import-file ${o.ok ? '' : 'import-file-bad'}`}
              aria-label={o.file.name}
            >
              <div className="import-file-head">
                <h3>{o.file.name}</h3>
                <span className="import-format">{o.ok ? CONFIG_FORMAT_LABELS[o.reading.format] : 'not imported'}</span>
                <button
                  type="button"
                  className="link"
                  aria-label={`Remove ${o.file.name}`}
                  onClick={() => state.remove(o.file.id)}
                >
                  Remove
                </button>
              </div>
              {o.ok ? (
                o.reading.facts.length ? (
                  <table className="import-table">
                    <caption className="visually-hidden">What {o.file.name} sets</caption>
                    <thead>
                      <tr>
                        <th scope="col">Field</th>
                        <th scope="col">Value</th>
                        <th scope="col">From key</th>
                      </tr>
                    </thead>
                    <tbody>
                      {o.reading.facts.map((f) => (
                        <tr key={`${f.field}:${f.key}`} className={conflicted.has(f.field) ? 'import-conflicted' : ''}>
                          <th scope="row">{FIELD_LABELS[f.field]}</th>
                          <td>{formatValue(f.field, f.value)}</td>
                          <td>
                            <code>{f.key}</code>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                ) : (
                  <p className="hint">This file sets no plan field.</p>
                )
              ) : (
                <p className="field-error" role="alert">
                  {o.message}
                </p>
              )}
            </article>
          ))}
          <label className="file-button import-add">
            Add files…
            <input
              type="file"
              multiple
              accept={ACCEPT}
              className="visually-hidden"
              onChange={(e) => {
                const picked = [...(e.target.files ?? [])];
                e.target.value = '';
                void state.add(picked);
              }}
            />
          </label>
        </section>

        {result?.conflicts.length ? (
          <section aria-label="Conflicts" className="import-conflicts">
            <h3>Conflicts ({result.conflicts.length})</h3>
            <ul>
              {result.conflicts.map((c) => (
                <li key={c.field}>
                  <strong>{FIELD_LABELS[c.field]}</strong>:{' '}
                  {c.values.map((v, i) => (
                    <span key={`${v.file}:${v.key}`}>
                      {i > 0 ? ' vs ' : ''}
                      {v.file} <code>{v.key}</code> = {formatValue(c.field, v.value)}
                    </span>
                  ))}
                  . The plan keeps {c.kept}’s value.
                </li>
              ))}
            </ul>
          </section>
        ) : null}

        {result ? (
          <section aria-label="Left open" className="import-open">
            <h3>Left open ({result.open.length})</h3>
            {result.open.length ? (
              <table className="import-table">
                <thead>
                  <tr>
                    <th scope="col">Field</th>
                    <th scope="col">Plan keeps</th>
                    <th scope="col">Why</th>
                  </tr>
                </thead>
                <tbody>
                  {result.open.map((o) => (
                    <tr key={o.field}>
                      <th scope="row">{FIELD_LABELS[o.field]}</th>
                      <td className="import-kept">{formatValue(o.field, o.kept)}</td>
                      <td>{o.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="hint">Every importable field is set by the files.</p>
            )}
            {result.notes.length ? (
              <ul className="import-notes">
                {result.notes.map((n) => (
                  <li key={n}>{n}</li>
                ))}
              </ul>
            ) : null}
          </section>
        ) : null}

        {error ? (
          <p className="field-error" role="alert">
            {error}
          </p>
        ) : null}
        {refused.length ? (
          <p className="hint">Remove the files that cannot be imported (or add their JSON form) to create the plan.</p>
        ) : null}
      </div>

      <footer className="import-configs-foot">
        <button type="button" ref={cancelRef} onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="primary"
          ref={createRef}
          disabled={!canCreate}
          onClick={() => {
            if (!result) return;
            void onCreate(result.plan).then((created) => created && onClose());
          }}
        >
          Create plan
        </button>
      </footer>
    </dialog>
  );
}
