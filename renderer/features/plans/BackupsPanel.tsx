import { useState } from 'react';
import type { TuneplanApi } from '../../api/client';
import { useQuery } from '../../api/use-query';

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * "Restore from backup…": daily backups of the database; a restore can be undone. Each backup says how many
 * plans and runs it holds, so an empty one is seen before it replaces the library.
 */
export function BackupsPanel({ api, onRestored }: { api: TuneplanApi; onRestored: () => void }) {
  const [open, setOpen] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [undo, setUndo] = useState<string | null>(null);
  // Listed only while the panel is open.
  const { data, reload } = useQuery(api, 'backups:list', open ? {} : null);
  const backups = data ?? [];
  const restore = async (file: string, isUndo = false) => {
    const r = await api.invoke('backups:restore', { file });
    if (!r.ok) {
      setMessage(r.error.message);
      return;
    }
    setMessage(
      isUndo
        ? 'The restore was undone.'
        : `Restored the backup of ${when.format(new Date(r.data.restored.createdAt))}.`,
    );
    setUndo(isUndo ? null : r.data.undo.file);
    reload();
    onRestored();
  };
  return (
    <div className="backups">
      <button type="button" className="link" aria-expanded={open} onClick={() => setOpen(!open)}>
        Restore from backup…
      </button>
      {open ? (
        <div>
          {backups.length === 0 ? <p className="hint">No backups yet: one is made at start-up once a day.</p> : null}
          <ul className="backup-list">
            {backups.map((b) => (
              <li key={b.file}>
                {when.format(new Date(b.createdAt))}{' '}
                <span className="hint">
                  ({b.reason}, {count(b.planCount, 'plan')}, {count(b.runCount, 'run')},{' '}
                  {(b.sizeBytes / 1024).toFixed(0)} KB)
                </span>{' '}
                <button
                  type="button"
                  className="link"
                  onClick={() => void restore(b.file)}
                  aria-label={`Restore backup of ${b.createdAt}`}
                >
                  Restore
                </button>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {message ? (
        <p className="hint" role="status">
          {message}{' '}
          {undo ? (
            <button type="button" onClick={() => void restore(undo, true)}>
              Undo restore
            </button>
          ) : null}
        </p>
      ) : null}
    </div>
  );
}
