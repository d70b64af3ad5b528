/** What the status bar and the hardware section show about the app and this machine, loaded once per API. */
import { useEffect, useState } from 'react';
import type { AppInfo } from '../../shared/contract';
import type { MachineProbe } from '../../shared/domain/machine';
import type { TuneplanApi } from '../api/client';

export function useAppInfo(api: TuneplanApi): { info: AppInfo | null; probe: MachineProbe | null } {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [probe, setProbe] = useState<MachineProbe | null>(null);
  useEffect(() => {
    void api.invoke('app:info', {}).then((r) => r.ok && setInfo(r.data));
    void api.invoke('system:probe', {}).then((r) => r.ok && setProbe(r.data));
  }, [api]);
  return { info, probe };
}
