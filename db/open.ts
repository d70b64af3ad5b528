/**
 * Opens Tuneplan's one SQLite file: pragmas for durability, then migrations.
 * Used by the Electron main process and by browser mode alike (never imports `electron`).
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { AppFailure } from '../shared/result';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations/index';

export type Db = Database.Database;

export const DATABASE_FILE = 'tuneplan.sqlite';

export interface OpenOptions {
  /** Path of the SQLite file, or ':memory:'. */
  file: string;
  /** Migrations to apply; tests pass a prefix to build older schemas. */
  migrations?: readonly Migration[];
}

// The one opener. Electron must load better-sqlite3 built for its own ABI (build/scripts/build-native-electron.mjs);
// the Node build crashes there. Every open in the app — the live database, the corruption probe, the read-only
// fallback, backup checks and restores — goes through openSqlite, so one call at start-up covers them all
// (issue 11 item 13: restore used to open its copy with the Node build).
let nativeBinding: string | undefined;

/** Electron's main process calls this once, before the first open; browser mode and tests use the Node build. */
export function useNativeBinding(binding: string | undefined): void {
  nativeBinding = binding;
}

export function openSqlite(file: string | Buffer, options: { readonly?: boolean; fileMustExist?: boolean } = {}): Db {
  return new Database(file, { ...options, ...(nativeBinding ? { nativeBinding } : {}) });
}

// Identity (device, inode) of the file each live database was opened on; see assertDatabaseFileIntact.
const openedFiles = new WeakMap<Db, { file: string; dev: number; ino: number }>();

/**
 * Refuses a write when the database file this connection opened was deleted or replaced while the app runs
 * (the data folder removed, a sync tool or a hand restore moving another file over it). SQLite keeps writing to
 * the unlinked inode and answers ok, and everything is gone at the next start (issue 11 item 3), so the repositories
 * call this before each write transaction. One stat per write: cheap next to the fsync that synchronous=FULL does.
 */
export function assertDatabaseFileIntact(db: Db): void {
  const opened = openedFiles.get(db);
  if (!opened) return; // ':memory:' and read-only connections
  let now: fs.Stats | null;
  try {
    now = fs.statSync(opened.file);
  } catch {
    now = null;
  }
  if (!now)
    throw new AppFailure(
      'STORAGE',
      `The database file ${opened.file} was deleted while Tuneplan was running (was its data folder removed?), ` +
        'so this change was not saved: it would have gone into the deleted file and been lost at the next start. ' +
        'Your unsaved plan stays in the editor; copy anything you need, then restart Tuneplan ' +
        '(it creates a new database, or restore the data folder from your own copy first).',
    );
  if (now.dev !== opened.dev || now.ino !== opened.ino)
    throw new AppFailure(
      'STORAGE',
      `The database file ${opened.file} was replaced by another file while Tuneplan was running, ` +
        'so this change was not saved: it would have gone into the old file, which is no longer there. ' +
        'Your unsaved plan stays in the editor; restart Tuneplan to open the new file, then save again.',
    );
}

export function openDatabase(options: OpenOptions): Db {
  const { file } = options;
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  let db: Db;
  try {
    db = openSqlite(file);
  } catch (error) {
    throw new AppFailure(
      'STORAGE',
      `Cannot open the database at ${file}: ${(error as Error).message}. Check that the folder exists and is writable.`,
    );
  }
  try {
    // Refuse a newer database before touching it: even switching the journal mode writes its header.
    assertNotNewer(db, options.migrations ?? MIGRATIONS);
    // WAL: readers never block the writer. synchronous=FULL: an acknowledged save survives power loss
    // (https://www.sqlite.org/pragma.html#pragma_synchronous); writes are few, so the fsync cost is fine.
    if (file !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, options.migrations ?? MIGRATIONS);
    if (file !== ':memory:') {
      const { dev, ino } = fs.statSync(file);
      openedFiles.set(db, { file: path.resolve(file), dev, ino });
    }
    return db;
  } catch (error) {
    db.close();
    if (error instanceof AppFailure) throw error;
    const message = (error as Error).message;
    if (/not a database|malformed|file is encrypted/i.test(message)) {
      throw new AppFailure(
        'STORAGE',
        `The file at ${file} is not a readable Tuneplan database (${message}). ` +
          'Move it aside and restart to create a fresh one.',
      );
    }
    throw new AppFailure('STORAGE', `Cannot prepare the database at ${file}: ${message}`);
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Applies each pending migration in its own transaction; refuses a database from a newer app. */
function assertNotNewer(db: Db, migrations: readonly Migration[]): void {
  const current = schemaVersion(db);
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  if (current > LATEST_SCHEMA_VERSION || current > latest) {
    throw new AppFailure(
      'STORAGE',
      'This database was written by a newer version of Tuneplan ' +
        `(schema ${current}; this version knows up to ${latest}). ` +
        'Update Tuneplan to open it; nothing was changed.',
    );
  }
}

export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): void {
  assertNotNewer(db, migrations);
  const current = schemaVersion(db);
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}
