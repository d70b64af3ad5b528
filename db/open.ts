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
  /** Electron passes its own-ABI build of better-sqlite3 here (see build/scripts/build-native-electron.mjs). */
  nativeBinding?: string;
  /** Migrations to apply; tests pass a prefix to build older schemas. */
  migrations?: readonly Migration[];
}

export function openDatabase(options: OpenOptions): Db {
  const { file } = options;
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  let db: Db;
  try {
    db = new Database(file, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
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
    return db;
  } catch (error) {
    db.close();
    if (error instanceof AppFailure) throw error;
    const message = (error as Error).message;
    if (/not a database|malformed|file is encrypted/i.test(message)) {
      throw new AppFailure(
        'STORAGE',
        `The file at ${file} is not a readable Tuneplan database (${message}). Move it aside and restart to create a fresh one.`,
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
      `This database was written by a newer version of Tuneplan (schema ${current}; this version knows up to ${latest}). ` +
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
