/**
 * Loads a contract query and keeps its last good answer; `reload()` fetches it again (after a save
 * or delete). Answers that arrive after the component moved on are dropped.
 */
import { useCallback, useEffect, useState } from 'react';
import type { Channel } from '../../shared/channels';
import type { InputOf, OutputOf } from '../../shared/contract';
import type { AppError } from '../../shared/result';
import type { TuneplanApi } from './client';

export function useQuery<C extends Channel>(
  api: TuneplanApi,
  channel: C,
  input: InputOf<C> | null,
): { data: OutputOf<C> | null; error: AppError | null; reload: () => void } {
  const [data, setData] = useState<OutputOf<C> | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [version, setVersion] = useState(0);
  // Inputs are small objects rebuilt on every render: their JSON text is the stable key.
  const key = input === null ? null : JSON.stringify(input);
  useEffect(() => {
    if (key === null) return;
    let live = true;
    void api.invoke(channel, JSON.parse(key) as InputOf<C>).then((r) => {
      if (!live) return;
      if (r.ok) {
        setData(r.data);
        setError(null);
      } else setError(r.error);
    });
    return () => {
      live = false;
    };
  }, [api, channel, key, version]);
  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { data, error, reload };
}
