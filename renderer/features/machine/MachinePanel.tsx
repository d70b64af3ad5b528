import { useId, useState } from 'react';
import { MachineProbeSchema, type MachineProbe } from '../../../shared/domain/machine';
import { issuesFromZod } from '../../../shared/result';
import { parseJsonText } from '../../../shared/text';
import type { TuneplanApi } from '../../api/client';
import { useQuery } from '../../api/use-query';
import type { Draft } from '../../state/draft';
import { detectionNotes, machineHardware, machineSummary } from './machine-hardware';

/** "This machine" and saved machine profiles as hardware choices. */
export function MachinePanel({
  api,
  probe,
  draft,
  onChange,
}: {
  api: TuneplanApi;
  probe: MachineProbe | null;
  draft: Draft;
  onChange: (d: Draft) => void;
}) {
  const id = useId();
  const { data: profiles, reload } = useQuery(api, 'profiles:list', {});
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [naming, setNaming] = useState<string | null>(null);
  const use = (p: MachineProbe, label: string) => {
    const hw = machineHardware(p);
    onChange({
      ...draft,
      hardware: { ...draft.hardware, gpu: hw.gpu },
      distribution: { ...draft.distribution, gpusPerNode: hw.gpus, nodes: 1 },
    });
    setNote(`${label}: ${hw.note}`);
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
        <p className="hint" role="status">
          {note}
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
