/**
 * Consistent online backups of the database (better-sqlite3's backup API, safe while the app runs):
 * at start-up at most once a day, the newest KEEP kept. Restoring copies a backup's rows into the live
 * database in one transaction, after first backing up the current state so the restore can be undone.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { migrate, schemaVersion, type Db } from '../../db/open';
import { LATEST_SCHEMA_VERSION } from '../../db/migrations/index';
import { AppFailure } from '../../shared/result';

export const BACKUPS_DIR = 'backups';
export const KEEP_BACKUPS = 7;
export const BACKUP_INTERVAL_MS = 24 * 60 * 60 * 1000;
const NAME = /^tuneplan-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z)(-[a-z-]+)?\.sqlite$/;
const DATA_TABLES = ['plans', 'run_results', 'custom_models', 'machine_profiles'] as const;

export interface BackupInfo {
  file: string;
  createdAt: string;
  sizeBytes: number;
  reason: string;
}

const stamp = (d: Date) => d.toISOString().replace(/[:.]/g, '-');
const unstamp = (s: string) => s.replace(/T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z/, 'T$1:$2:$3.$4Z');

export function listBackups(dataDir: string): BackupInfo[] {
  const dir = path.join(dataDir, BACKUPS_DIR);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((file) => ({ file, m: NAME.exec(file) }))
    .filter((x): x is { file: string; m: RegExpExecArray } => x.m !== null)
    .map(({ file, m }) => ({
      file,
      createdAt: unstamp(m[1]!),
      sizeBytes: fs.statSync(path.join(dir, file)).size,
      reason: m[2]?.slice(1) ?? 'daily',
    }))
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

export async function makeBackup(db: Db, dataDir: string, now: Date, reason = ''): Promise<BackupInfo> {
  const dir = path.join(dataDir, BACKUPS_DIR);
  fs.mkdirSync(dir, { recursive: true });
  const file = `tuneplan-${stamp(now)}${reason ? `-${reason}` : ''}.sqlite`;
  await db.backup(path.join(dir, file));
  return listBackups(dataDir).find((b) => b.file === file)!;
}

/** The daily backup: made when the newest daily one is older than a day; prunes beyond KEEP_BACKUPS. */
export async function backupIfDue(db: Db, dataDir: string, now: Date, keep = KEEP_BACKUPS): Promise<BackupInfo | null> {
  const daily = listBackups(dataDir).filter((b) => b.reason === 'daily');
  const newest = daily[0];
  if (newest && now.getTime() - Date.parse(newest.createdAt) < BACKUP_INTERVAL_MS) return null;
  const made = await makeBackup(db, dataDir, now);
  for (const old of listBackups(dataDir)
    .filter((b) => b.reason === 'daily')
    .slice(keep))
    fs.rmSync(path.join(dataDir, BACKUPS_DIR, old.file), { force: true });
  return made;
}

/** Replaces the live data with a backup's, in one transaction; returns the backup that undoes it. */
export async function restoreBackup(
  db: Db,
  dataDir: string,
  file: string,
  now: Date,
  nativeBinding?: string,
): Promise<{ restored: BackupInfo; undo: BackupInfo }> {
  if (!NAME.test(file))
    throw new AppFailure(
      'VALIDATION',
      'file: not a Tuneplan backup name (tuneplan-<date>.sqlite in the backups folder).',
    );
  const source = path.join(dataDir, BACKUPS_DIR, file);
  const restored = listBackups(dataDir).find((b) => b.file === file);
  if (!restored || !fs.existsSync(source)) throw new AppFailure('NOT_FOUND', `The backup ${file} no longer exists.`);
  // Work on a copy, brought to the current schema, so the backup itself is never modified.
  const work = path.join(dataDir, BACKUPS_DIR, `.restore-${process.pid}.sqlite`);
  fs.copyFileSync(source, work);
  try {
    const copy = new Database(work, nativeBinding ? { nativeBinding } : {});
    try {
      const version = schemaVersion(copy);
      if (version > LATEST_SCHEMA_VERSION)
        throw new AppFailure(
          'STORAGE',
          `${file} was written by a newer Tuneplan (schema ${version}); it cannot be restored here.`,
        );
      if (copy.pragma('integrity_check', { simple: true }) !== 'ok')
        throw new AppFailure('STORAGE', `${file} is damaged (integrity check failed); choose another backup.`);
      migrate(copy);
    } finally {
      copy.close();
    }
    const undo = await makeBackup(db, dataDir, now, 'before-restore');
    db.prepare('ATTACH DATABASE ? AS restore_src').run(work);
    try {
      db.transaction(() => {
        // Children first, then parents; then parents first on the way in.
        for (const t of [...DATA_TABLES].reverse()) db.prepare(`DELETE FROM main.${t}`).run();
        for (const t of DATA_TABLES) db.prepare(`INSERT INTO main.${t} SELECT * FROM restore_src.${t}`).run();
      })();
    } finally {
      db.prepare('DETACH DATABASE restore_src').run();
    }
    return { restored, undo };
  } finally {
    fs.rmSync(work, { force: true });
  }
}
