/**
 * Consistent online backups of the database (better-sqlite3's backup API, safe while the app runs):
 * at start-up at most once a day, the newest KEEP kept. Restoring copies a backup's rows into the live
 * database in one transaction, after first backing up the current state so the restore can be undone.
 *
 * A crash must never leave something that looks like a backup but is not one (issue 11 item 2: a kill during
 * the start-up backup left an empty "daily" file, and restoring it deleted every plan). So:
 *  - a backup is written under a temporary name, checked (integrity_check, the plan count of the live database),
 *    fsynced, and only then renamed to its final name (rename is atomic; the folder is fsynced after it);
 *  - a file under a backup name that fails the check is never listed and never restored;
 *  - the temporary files of a crashed backup or restore are removed at the next start (cleanBackupTemporaries).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { assertDatabaseFileIntact, migrate, openSqlite, schemaVersion, type Db } from '../../db/open';
import { LATEST_SCHEMA_VERSION } from '../../db/migrations/index';
import type { BackupInfo } from '../../shared/contract';
import { AppFailure } from '../../shared/result';

export const BACKUPS_DIR = 'backups';
export const KEEP_BACKUPS = 7;
export const BACKUP_INTERVAL_MS = 24 * 60 * 60 * 1000;
const NAME = /^tuneplan-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z)(-[a-z-]+)?\.sqlite$/;
/**
 * Temporary files: `.backup-<pid>-<hex>.sqlite` (a backup being written),
 * `.restore-<pid>[-<hex>].sqlite` (a work copy).
 */
const TEMPORARY = /^\.(?:backup|restore)-(\d+)[-.]/;
const DATA_TABLES = ['plans', 'run_results', 'custom_models', 'machine_profiles'] as const;

const stamp = (d: Date) => d.toISOString().replace(/[:.]/g, '-');
const unstamp = (s: string) => s.replace(/T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z/, 'T$1:$2:$3.$4Z');

interface Checked {
  planCount: number;
  runCount: number;
}

/**
 * Checks a backup file without touching it or leaving files beside it: SQLite reads an in-memory copy
 * (better-sqlite3 deserializes a Buffer). Returns what it holds, or why it is not a usable backup.
 * Only SQLite's own errors count as "not a backup"; anything else (a binding that cannot load) is thrown.
 */
export function checkBackupFile(file: string): Checked | string {
  const bytes = fs.readFileSync(file);
  if (bytes.length === 0) return 'the file is empty';
  // https://www.sqlite.org/fileformat.html#the_database_header: "SQLite format 3\0", then the page size.
  if (bytes.length < 100 || bytes.subarray(0, 16).toString('latin1') !== 'SQLite format 3\0')
    return 'not an SQLite database';
  // Bytes 18-19 are 2 in a WAL-mode file (a backup of the WAL-mode live database made before backups were
  // switched to rollback mode); an in-memory copy cannot use WAL, and 1 (legacy) reads the same pages.
  if (bytes[18] === 2) bytes[18] = 1;
  if (bytes[19] === 2) bytes[19] = 1;
  let copy: Db | null = null;
  try {
    copy = openSqlite(bytes);
    const integrity = copy.pragma('integrity_check', { simple: true }) as string;
    if (integrity !== 'ok') return `integrity check failed: ${integrity}`;
    if (schemaVersion(copy) < 1) return 'it holds no Tuneplan data';
    const count = (table: string) => (copy!.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { planCount: count('plans'), runCount: count('run_results') };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) return (error as Error).message;
    throw error;
  } finally {
    copy?.close();
  }
}

// A backup never changes after its rename, so its check is remembered per (path, size, mtime, inode).
const checkedCache = new Map<string, { key: string; result: Checked | string }>();
const cacheKey = (stat: fs.Stats) => `${stat.size}:${stat.mtimeMs}:${stat.ino}`;
function checkCached(file: string, stat: fs.Stats): Checked | string {
  const key = cacheKey(stat);
  const hit = checkedCache.get(file);
  if (hit?.key === key) return hit.result;
  const result = checkBackupFile(file);
  checkedCache.set(file, { key, result });
  return result;
}

/** The backups that passed their check, newest first; a file that fails it is left alone but never offered. */
export function listBackups(dataDir: string): BackupInfo[] {
  const dir = path.join(dataDir, BACKUPS_DIR);
  if (!fs.existsSync(dir)) return [];
  const listed: BackupInfo[] = [];
  for (const file of fs.readdirSync(dir)) {
    const m = NAME.exec(file);
    if (!m) continue;
    const full = path.join(dir, file);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(full);
    } catch {
      continue; // removed meanwhile (pruned by another window)
    }
    const checked = checkCached(full, stat);
    if (typeof checked === 'string') continue;
    listed.push({
      file,
      createdAt: unstamp(m[1]!),
      sizeBytes: stat.size,
      reason: m[2]?.slice(1) ?? 'daily',
      ...checked,
    });
  }
  return listed.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

function fsyncPath(p: string): void {
  try {
    const fd = fs.openSync(p, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Windows cannot open a folder to fsync it; the rename is atomic there on its own.
  }
}

function removeWithSidecars(file: string): void {
  for (const suffix of ['', '-journal', '-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
}

/**
 * Writes a backup under a temporary name, checks it, then renames it into place. On any failure nothing is
 * left: neither a file under the backup's name nor the temporary one.
 */
export async function makeBackup(db: Db, dataDir: string, now: Date, reason = ''): Promise<BackupInfo> {
  const dir = path.join(dataDir, BACKUPS_DIR);
  fs.mkdirSync(dir, { recursive: true });
  const file = `tuneplan-${stamp(now)}${reason ? `-${reason}` : ''}.sqlite`;
  const temp = path.join(dir, `.backup-${process.pid}-${randomBytes(4).toString('hex')}.sqlite`);
  try {
    await db.backup(temp);
    // Counted right after the last backup step, before any other task can write: the copy holds this state
    // (a write by this connection during the backup is carried into it, https://www.sqlite.org/backup.html).
    const livePlans = (db.prepare('SELECT count(*) AS n FROM plans').get() as { n: number }).n;
    // The copy keeps the live database's WAL flag; switch it to a plain rollback-journal file so that it can be
    // opened read-only (by us or by the sqlite3 tool) without creating -wal/-shm files beside it.
    const copy = openSqlite(temp, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    fsyncPath(temp);
    const checked = checkBackupFile(temp);
    if (typeof checked === 'string')
      throw new AppFailure('STORAGE', `The backup ${file} failed its check (${checked}); it was not kept.`);
    if (checked.planCount !== livePlans)
      throw new AppFailure(
        'STORAGE',
        `The backup ${file} failed its check ` +
          `(it holds ${checked.planCount} plans, the database ${livePlans}); it was not kept.`,
      );
    const final = path.join(dir, file);
    fs.renameSync(temp, final);
    fsyncPath(dir);
    checkedCache.set(final, { key: cacheKey(fs.statSync(final)), result: checked });
  } finally {
    removeWithSidecars(temp);
  }
  const made = listBackups(dataDir).find((b) => b.file === file);
  if (!made) throw new AppFailure('STORAGE', `The backup ${file} disappeared right after it was written.`);
  return made;
}

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM'; // exists, owned by another user
  }
};

/**
 * Removes the full-size temporary copies that a backup or restore killed midway left in the backups folder
 * (their own process is gone). Copies of a process still running (another window) are in use and stay.
 * Returns the names removed.
 */
export function cleanBackupTemporaries(dataDir: string, running: (pid: number) => boolean = isRunning): string[] {
  const dir = path.join(dataDir, BACKUPS_DIR);
  if (!fs.existsSync(dir)) return [];
  const removed: string[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    const m = TEMPORARY.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || running(pid)) continue;
    fs.rmSync(path.join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * The start-up step: cleans what a crash left, then makes the daily backup when the newest good daily one is
 * older than a day; prunes beyond KEEP_BACKUPS.
 */
export async function backupIfDue(db: Db, dataDir: string, now: Date, keep = KEEP_BACKUPS): Promise<BackupInfo | null> {
  cleanBackupTemporaries(dataDir);
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
): Promise<{ restored: BackupInfo; undo: BackupInfo }> {
  if (!NAME.test(file))
    throw new AppFailure(
      'VALIDATION',
      'file: not a Tuneplan backup name (tuneplan-<date>.sqlite in the backups folder).',
    );
  const source = path.join(dataDir, BACKUPS_DIR, file);
  if (!fs.existsSync(source)) throw new AppFailure('NOT_FOUND', `The backup ${file} no longer exists.`);
  const restored = listBackups(dataDir).find((b) => b.file === file);
  if (!restored) {
    const checked = checkBackupFile(source);
    throw new AppFailure(
      'STORAGE',
      `The backup ${file} failed its check (${typeof checked === 'string' ? checked : 'unreadable'}), ` +
        'so it was not restored and nothing was changed; choose another backup.',
    );
  }
  assertDatabaseFileIntact(db);
  // Work on a copy, brought to the current schema, so the backup itself is never modified. A crash leaves this
  // full-size copy behind; cleanBackupTemporaries removes it at the next start.
  const work = path.join(dataDir, BACKUPS_DIR, `.restore-${process.pid}-${randomBytes(4).toString('hex')}.sqlite`);
  fs.copyFileSync(source, work);
  try {
    const copy = openSqlite(work, { fileMustExist: true });
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
    removeWithSidecars(work);
  }
}
