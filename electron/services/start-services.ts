/**
 * What desktop and browser mode both do at start-up, in one place: open the data folder's database (moving a
 * corrupt one aside, falling back to read-only), build the contract's handlers over it with this machine's probe,
 * and start the daily backup in the background when the database is writable.
 * Imports no `electron`: browser mode runs it under plain Node.
 */
import type { AppInfo, StorageNotice } from '../../shared/contract';
import type { Handlers } from '../../shared/handlers';
import { APP_VERSION } from '../../shared/version';
import type { Db } from '../../db/open';
import { backupIfDue } from './backups';
import { createHandlers } from './create-handlers';
import { nodeProbeDeps, probeMachine } from './probes/probe';
import { openStorage } from './storage';

export interface StartedServices {
  db: Db;
  handlers: Handlers;
  readOnly: boolean;
  /** Also in `app:info`; browser mode prints them too, having no window to show them in yet. */
  notices: StorageNotice[];
}

export function startServices(options: {
  dataDir: string;
  mode: AppInfo['mode'];
  /** Where a failed background backup is reported. */
  log?: (message: string) => void;
}): StartedServices {
  const { dataDir, mode, log = console.error } = options;
  const { db, databasePath, readOnly, notices } = openStorage(dataDir);
  const handlers = createHandlers({
    db,
    appInfo: { name: 'Tuneplan', version: APP_VERSION, mode, dataDir, databasePath, readOnly, notices },
    probe: () => probeMachine(nodeProbeDeps(), [dataDir]),
  });
  if (!readOnly)
    void backupIfDue(db, dataDir, new Date()).catch((e: unknown) =>
      log(`Tuneplan: the daily backup failed: ${(e as Error).message}`),
    );
  return { db, handlers, readOnly, notices };
}
