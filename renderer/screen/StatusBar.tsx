import type { AppInfo } from '../../shared/contract';
import type { MachineProbe } from '../../shared/domain/machine';
import type { TuneplanApi } from '../api/client';
import { machineSummary } from '../features/machine/machine-hardware';
import { BackupsPanel } from '../features/plans/BackupsPanel';
import type { Plans } from '../features/plans/use-plans';

/** The footer: mode and version, data folder, this machine's GPUs, backups, and the save state. */
export function StatusBar({
  api,
  info,
  probe,
  state,
  onRestored,
}: {
  api: TuneplanApi;
  info: AppInfo | null;
  probe: MachineProbe | null;
  state: Plans['state'];
  onRestored: () => void;
}) {
  return (
    <footer className="status-bar" aria-label="Status">
      <span>
        {info
          ? `${info.mode === 'desktop' ? 'Desktop' : info.mode === 'browser' ? 'Browser mode' : 'Test'} · ` +
            `Tuneplan ${info.version}`
          : 'Connecting…'}
      </span>
      <span title="Data folder">{info ? `Data: ${info.dataDir}` : ''}</span>
      <span title="This machine's GPUs" data-testid="machine-status">
        {machineSummary(probe)}
      </span>
      <BackupsPanel api={api} onRestored={onRestored} />
      <span aria-live="polite">
        {state.busy ? 'Saving…' : state.dirty ? 'Unsaved changes' : state.selected ? 'All changes saved' : ''}
      </span>
    </footer>
  );
}
