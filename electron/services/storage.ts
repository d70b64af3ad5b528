/**
 * Opens the data folder's database for the app (desktop and browser mode), never losing data:
 *  - a corrupt or foreign file is moved aside (never deleted) with a timestamped name and a fresh
 *    database is created; the notice says where the old file is and how to recover it;
 *  - a read-only folder or file opens the database read-only, so plans can still be read;
 *  - a database from a newer Tuneplan is refused untouched (AppFailure STORAGE), and the caller
 *    keeps the app closed rather than risk it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DATABASE_FILE, openDatabase, openSqlite, type Db } from '../../db/open';
import type { StorageNotice } from '../../shared/contract';
import { AppFailure } from '../../shared/result';

export interface OpenedStorage {
  db: Db;
  databasePath: string;
  readOnly: boolean;
  notices: StorageNotice[];
}

function defaultIsWritable(dataDir: string, databasePath: string): boolean {
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.accessSync(dataDir, fs.constants.W_OK);
    if (fs.existsSync(databasePath)) fs.accessSync(databasePath, fs.constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

const stamp = (d: Date) => d.toISOString().replace(/[:.]/g, '-');

/** True when the file exists and SQLite cannot read it as a database. */
function isUnreadable(file: string): string | null {
  if (!fs.existsSync(file) || fs.statSync(file).size === 0) return null;
  try {
    const probe = openSqlite(file, { readonly: true, fileMustExist: true });
    try {
      const result = probe.pragma('quick_check', { simple: true }) as string;
      return result === 'ok' ? null : `integrity check failed: ${result}`;
    } finally {
      probe.close();
    }
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM' || code === 'SQLITE_BUSY') return null; // not corruption
    return (error as Error).message;
  }
}

export function openStorage(
  dataDir: string,
  // Electron's own-ABI SQLite binding is set once for every open with useNativeBinding (db/open.ts).
  options: {
    now?: () => Date;
    isWritable?: (dataDir: string, databasePath: string) => boolean;
  } = {},
): OpenedStorage {
  const now = options.now ?? (() => new Date());
  const databasePath = path.join(dataDir, DATABASE_FILE);
  const notices: StorageNotice[] = [];

  const writable = (options.isWritable ?? defaultIsWritable)(dataDir, databasePath);

  const problem = isUnreadable(databasePath);
  if (problem) {
    if (!writable) {
      throw new AppFailure(
        'STORAGE',
        `The database at ${databasePath} cannot be read (${problem}) and its folder is read-only, ` +
          'so it cannot be moved aside. Copy it somewhere safe, make the folder writable, and start Tuneplan again.',
      );
    }
    const aside = path.join(dataDir, `tuneplan.corrupt-${stamp(now())}.sqlite`);
    fs.renameSync(databasePath, aside);
    for (const suffix of ['-wal', '-shm'])
      if (fs.existsSync(databasePath + suffix)) fs.renameSync(databasePath + suffix, aside + suffix);
    notices.push({
      level: 'warning',
      message:
        `Tuneplan could not read its database (${problem}). It was moved aside to ${aside} ` +
        '— nothing was deleted — and a new, empty database was created. ' +
        'To recover, open the old file with the sqlite3 tool (".recover") or send it to support.',
    });
  }

  if (!writable) {
    if (!fs.existsSync(databasePath))
      throw new AppFailure(
        'READ_ONLY',
        `The data folder ${dataDir} is read-only and holds no database yet. ` +
          'Make it writable or set TUNEPLAN_DATA_DIR to a writable folder.',
      );
    const db = openSqlite(databasePath, { readonly: true, fileMustExist: true });
    notices.push({
      level: 'warning',
      message:
        `The data folder ${dataDir} is read-only: your plans can be read, but nothing can be saved. ` +
        'Make it writable or set TUNEPLAN_DATA_DIR to a writable folder.',
    });
    return { db, databasePath, readOnly: true, notices };
  }
  return { db: openDatabase({ file: databasePath }), databasePath, readOnly: false, notices };
}
