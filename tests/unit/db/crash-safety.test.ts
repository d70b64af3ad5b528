import Database from 'better-sqlite3';
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../db/open';
import { BACKUPS_DIR, cleanBackupTemporaries, listBackups, restoreBackup } from '../../../electron/services/backups';
import { makeTempDir } from '../../helpers/temp-dir';

const root = path.resolve(__dirname, '../../..');
// Bundled inside the project so the child resolves better-sqlite3 from node_modules.
const script = path.join(root, 'build/out/test-crash-writer.mjs');

beforeAll(async () => {
  await build({
    entryPoints: [path.join(__dirname, 'crash-writer.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: script,
    logLevel: 'error',
    define: { __TUNEPLAN_VERSION__: '"crash"' },
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
    absWorkingDir: root,
  });
}, 60_000);

/**
 * Runs the writer once and SIGKILLs it `delay()` ms after the first line `armed` accepts (any line when absent);
 * never waits over 10 s. Lines are handed to `onLine` in order.
 */
function runWriter(
  args: string[],
  onLine: (line: string) => void,
  delay: () => number,
  armed: (line: string) => boolean = () => true,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
    let buffer = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const fallback = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stdout.on('data', (c: Buffer) => {
      buffer += c.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const l of lines) {
        onLine(l);
        if (!timer && armed(l)) timer = setTimeout(() => child.kill('SIGKILL'), delay());
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // 'close', not 'exit': it comes after the last stdout data, so every line printed before the kill is seen.
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      clearTimeout(fallback);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited on its own: ${stderr}`));
      else resolve();
    });
  });
}

function planIds(file: string): Set<string> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return new Set((db.prepare('SELECT id FROM plans').all() as Array<{ id: string }>).map((r) => r.id));
  } finally {
    db.close();
  }
}

/** The live database after a kill: intact, every plan parseable, no orphan run; returns its plan ids. */
function checkLive(dbFile: string): Set<string> {
  const db = new Database(dbFile);
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    for (const row of db.prepare('SELECT plan_json FROM plans').all() as Array<{ plan_json: string }>)
      expect(() => JSON.parse(row.plan_json) as unknown).not.toThrow();
    const orphans = db
      .prepare('SELECT count(*) AS n FROM run_results WHERE plan_id NOT IN (SELECT id FROM plans)')
      .get() as { n: number };
    expect(orphans.n).toBe(0);
    return new Set((db.prepare('SELECT id FROM plans').all() as Array<{ id: string }>).map((r) => r.id));
  } finally {
    db.close();
  }
}

const missing = (have: Set<string>, want: Iterable<string>) => [...want].filter((id) => !have.has(id));

/** Kills a writer with SIGKILL at random moments, many times; every acknowledged save must survive intact. */
describe('crash safety', () => {
  it('after repeated SIGKILLs the database is intact and holds every acknowledged save', async () => {
    const { dir, cleanup } = makeTempDir('tuneplan-crash-');
    const dbFile = path.join(dir, 'tuneplan.sqlite');
    const acked = new Set<string>();
    const rounds = 25;
    for (let round = 0; round < rounds; round++) {
      // Kill at a random moment once the writer is saving (mid-write most of the time).
      await runWriter(
        [dbFile],
        (l) => l.startsWith('ack ') && acked.add(l.slice(4)),
        () => Math.floor(Math.random() * 200),
      );
      const ids = checkLive(dbFile);
      for (const id of acked) expect(ids.has(id), `acknowledged plan ${id} is missing after round ${round}`).toBe(true);
    }
    expect(acked.size).toBeGreaterThan(rounds);
    console.log(`[crash-safety] ${rounds} SIGKILLs, ${acked.size} acknowledged saves, all present and intact`);
    cleanup();
  }, 120_000);

  it('kills during backups and restores lose nothing acknowledged; every listed backup restores', async () => {
    const { dir, cleanup } = makeTempDir('tuneplan-crash-backup-');
    const dbFile = path.join(dir, 'tuneplan.sqlite');
    const backupsDir = path.join(dir, BACKUPS_DIR);
    const scratch = makeTempDir('tuneplan-crash-scratch-');
    // Plans that must be in the live database now (acknowledged, and not replaced by an acknowledged restore).
    let expected = new Set<string>();
    // For every backup the writer started: the plans acknowledged before it started, which it must hold.
    const mustHold = new Map<string, Set<string>>();
    const verified = new Set<string>();
    const undoneBy = new Map<string, string>(); // acknowledged restore's undo backup → the backup restored
    let pending: { op: 'backup' | 'restore'; restored?: string; undo?: string } | null = null;
    let restoresChecked = 0;
    let restoresAcked = 0;

    const onLine = (line: string) => {
      const [kind, a, b] = line.split(' ');
      if (kind === 'ack') expected.add(a!);
      else if (kind === 'backup-start') {
        mustHold.set(a!, new Set(expected));
        pending = { op: 'backup' };
      } else if (kind === 'backup-done') pending = null;
      else if (kind === 'restore-start') {
        mustHold.set(b!, new Set(expected));
        pending = { op: 'restore', restored: a!, undo: b! };
      } else if (kind === 'restore-done') {
        const p = pending as { restored: string; undo: string };
        undoneBy.set(p.undo, p.restored);
        restoresAcked++;
        expected = new Set(mustHold.get(p.restored));
        pending = null;
      }
    };

    /** After a kill: the live database, then every backup the list offers (each restored once, in a scratch folder). */
    const checkAfterKill = async (phase: string, round: number) => {
      const ids = checkLive(dbFile);
      const at = `${phase} round ${round}`;
      const p = pending as { op: string; restored?: string; undo?: string } | null;
      if (p?.op === 'restore' && missing(ids, expected).length > 0) {
        // Killed after the restore's transaction committed: the live data is the backup's; what was acknowledged
        // before is in the undo backup, which must be offered (checked with the others below).
        expect(missing(ids, mustHold.get(p.restored!)!), `restored data incomplete after ${at}`).toEqual([]);
        expect(
          listBackups(dir).map((x) => x.file),
          `undo backup missing after ${at}`,
        ).toContain(p.undo);
        expected = new Set(mustHold.get(p.restored!));
      }
      expect(missing(ids, expected), `acknowledged plans missing after ${at}`).toEqual([]);
      const offered = listBackups(dir);
      for (const undo of undoneBy.keys()) expect(offered.map((x) => x.file)).toContain(undo);
      // The folder is made by the first backup: a kill before it leaves none (and the list offers nothing).
      const files = fs.existsSync(backupsDir) ? fs.readdirSync(backupsDir) : [];
      // No file under a backup's name that the list would hide: a crash never leaves a broken "backup".
      const named = files.filter((f) => f.startsWith('tuneplan-'));
      // Temporary copies: at most those of the writer just killed; each start cleans the ones before it.
      const owners = new Set(files.flatMap((f) => /^\.(?:backup|restore)-(\d+)/.exec(f)?.[1] ?? []));
      expect(owners.size, `temporary copies of earlier runs left after ${at}`).toBeLessThanOrEqual(1);
      expect(named.sort(), `unlisted backup file after ${at}`).toEqual(offered.map((x) => x.file).sort());
      for (const backup of offered) {
        if (verified.has(backup.file)) continue;
        const want = mustHold.get(backup.file);
        expect(want, `${backup.file} was listed but never started`).toBeDefined();
        const held = planIds(path.join(backupsDir, backup.file));
        expect(missing(held, want!), `${backup.file} lacks acknowledged plans (${at})`).toEqual([]);
        expect(backup.planCount).toBe(held.size);
        // Restore it as the app would, into a copy of an empty data folder, and check what comes back.
        const target = path.join(scratch.dir, `r${restoresChecked++}`);
        fs.mkdirSync(path.join(target, BACKUPS_DIR), { recursive: true });
        fs.copyFileSync(path.join(backupsDir, backup.file), path.join(target, BACKUPS_DIR, backup.file));
        const db = openDatabase({ file: path.join(target, 'tuneplan.sqlite') });
        try {
          await restoreBackup(db, target, backup.file, new Date(Date.UTC(2040, 0, 1)));
        } finally {
          db.close();
        }
        expect(planIds(path.join(target, 'tuneplan.sqlite'))).toEqual(held);
        fs.rmSync(target, { recursive: true, force: true });
        verified.add(backup.file);
      }
    };

    const killsMidOp = { backup: 0, restore: 0 };
    const rounds = { backup: 0, restore: 0 };
    for (const phase of ['backup', 'restore'] as const) {
      // Kill a few ms into the first backup (or restore) after start-up: mid-operation most of the time.
      // Round until 20 kills landed mid-operation (bounded, so a slow machine cannot loop forever).
      for (let round = 0; round < 60 && killsMidOp[phase] < 20; round++) {
        pending = null;
        rounds[phase]++;
        await runWriter(
          [dbFile, phase, String(round + (phase === 'restore' ? 100 : 0))],
          onLine,
          // Mostly within the first operation; one round in four later, so that some complete and later ones
          // (restores of a restore's undo backup) are hit too.
          () => Math.floor(Math.random() * (round % 4 === 3 ? 150 : 25)),
          (l) => l.startsWith(`${phase}-start`),
        );
        if ((pending as { op: string } | null)?.op === phase) killsMidOp[phase]++;
        await checkAfterKill(phase, round);
      }
    }
    // One more start's clean-up leaves no temporary copy at all.
    cleanBackupTemporaries(dir);
    expect(fs.readdirSync(backupsDir).filter((f) => f.startsWith('.'))).toEqual([]);
    expect(killsMidOp.backup).toBeGreaterThanOrEqual(20);
    expect(killsMidOp.restore).toBeGreaterThanOrEqual(20);
    console.log(
      `[crash-safety] ${killsMidOp.backup} of ${rounds.backup} kills mid-backup, ${killsMidOp.restore} of ` +
        `${rounds.restore} mid-restore; ${restoresAcked} restores acknowledged; ${restoresChecked} offered ` +
        `backups restored; nothing acknowledged lost`,
    );
    scratch.cleanup();
    cleanup();
  }, 180_000);
});
