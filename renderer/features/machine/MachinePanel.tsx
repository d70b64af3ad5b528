import { useId, useState } from 'react';
import { MachineProbeSchema, type MachineProbe } from '../../../shared/domain/machine';
import { issuesFromZod } from '../../../shared/result';
import { parseJsonText } from '../../../shared/text';
import type { TuneplanApi } from '../../api/client';
import { useQuery } from '../../api/use-query';
import { recordChange, type AppliedChange } from '../../state/changes';
import type { Draft } from '../../state/draft';
import { detectionNotes, hardwareLabel, machineHardware, machineSummary } from './machine-hardware';

/** "This machine" and saved machine profiles as hardware choices. */
export function MachinePanel({
  api,
  probe,
  draft,
  onApply,
  undo,
}: {
  api: TuneplanApi;
  probe: MachineProbe | null;
  draft: Draft;
  /** The draft with this machine (or a profile) as its hardware, and the fields that changed, for one-click undo. */
  onApply: (next: Draft, change: AppliedChange) => void;
  /** Undoes the last "Use", while the fields it set still hold what it set; null otherwise. */
  undo: (() => void) | null;
}) {
  const id = useId();
  const { data: profiles, reload } = useQuery(api, 'profiles:list', {});
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [naming, setNaming] = useState<string | null>(null);
  // Issue 20: "Use" says what it replaced, and its Undo (beside the note) puts the plan's hardware back in one click.
  const [replaced, setReplaced] = useState<string | null>(null);
  const use = (p: MachineProbe, label: string) => {
    const hw = machineHardware(p);
    const next: Draft = {
      ...draft,
      hardware: { ...draft.hardware, gpu: hw.gpu },
      distribution: { ...draft.distribution, gpusPerNode: hw.gpus, nodes: 1 },
    };
    const before = hardwareLabel(draft);
    const after = hardwareLabel(next);
    const change = recordChange(draft, next, `${label}: ${after}`);
    onApply(next, change);
    setReplaced(change.changes.length > 0 ? before : null);
    setNote(
      `${change.changes.length > 0 ? `Replaced ${before} with ${after}` : `The plan already uses ${after}`} ` +
        `(${label.charAt(0).toLowerCase()}${label.slice(1)}). ${hw.note}`,
    );
  };
  const saveProfile = async (name: string, p: MachineProbe) => {
    const r = await api.invoke('profiles:save', { name, probe: p });
    if (r.ok) {
      reload();
      setNaming(null);
      setNote(`Saved profile “${name}”.`);
    } else setError(r.error.message);
  };
  const importProbe = async (file: File) => {
    setError(null);
    if (file.size > 1024 * 1024) return setError('A probe file is a few KB; this one is over 1 MB.');
    let json: unknown;
    try {
      json = parseJsonText(await file.text()); // a UTF-8 BOM is not an error (issue 11.8)
    } catch {
      return setError(`${file.name} is not valid JSON. Create it with: npx tuneplan probe --json > machine.json`);
    }
    const parsed = MachineProbeSchema.safeParse(json);
    if (!parsed.success)
      return setError(
        `${file.name} is not a Tuneplan probe: ${issuesFromZod(parsed.error)
          .slice(0, 5)
          .map((i) => `${i.path}: ${i.message}`)
          .join('; ')}`,
      );
    await saveProfile(parsed.data.hostname ?? file.name.replace(/\.json$/, ''), parsed.data);
  };

  return (
    <div className="machine">
      <p className="hint">This machine: {machineSummary(probe)}</p>
      {probe && detectionNotes(probe).length > 0 ? (
        <ul className="hint probe-notes" aria-label="GPU detection notes">
          {detectionNotes(probe).map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      ) : null}
      <div className="actions">
        <button type="button" disabled={!probe} onClick={() => probe && use(probe, 'This machine')}>
          Use this machine
        </button>
        {naming === null ? (
          <button type="button" disabled={!probe} onClick={() => setNaming(probe?.hostname ?? 'My machine')}>
            Save as profile…
          </button>
        ) : (
          <span className="confirm">
            <label htmlFor={`${id}-pname`}>Profile name</label>
            <input id={`${id}-pname`} value={naming} onChange={(e) => setNaming(e.target.value)} />
            <button type="button" onClick={() => probe && naming.trim() && void saveProfile(naming.trim(), probe)}>
              Save profile
            </button>
          </span>
        )}
        <label className="file-button">
          Import probe JSON…
          <input
            type="file"
            accept=".json,application/json"
            className="visually-hidden"
            onChange={(e) => e.target.files?.[0] && void importProbe(e.target.files[0])}
          />
        </label>
      </div>
      {profiles && profiles.length > 0 ? (
        <ul className="profiles">
          {profiles.map((p) => (
            <li key={p.id}>
              <strong>{p.name}</strong> — {machineSummary(p.probe)}{' '}
              <button type="button" className="link" onClick={() => use(p.probe, `Profile “${p.name}”`)}>
                Use
              </button>
              <button
                type="button"
                className="link"
                onClick={() => void api.invoke('profiles:delete', { id: p.id }).then(reload)}
                aria-label={`Delete profile ${p.name}`}
              >
                Delete
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {note ? (
        <p className="hint machine-note" role="status">
          {note}
          {undo && replaced ? (
            <>
              {' '}
              <button
                type="button"
                onClick={() => {
                  undo();
                  setNote(`Back to ${replaced}.`);
                  setReplaced(null);
                }}
              >
                Undo
              </button>
            </>
          ) : null}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}
