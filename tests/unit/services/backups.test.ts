import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../db/migrations/index';
import { openDatabase } from '../../../db/open';
import { backupIfDue, BACKUPS_DIR, listBackups } from '../../../electron/services/backups';
import { createDispatch, createHandlers } from '../../../electron/services/create-handlers';
import { samplePlan } from '../../helpers/plans';
import { makeTempDir } from '../../helpers/temp-dir';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
const day = (n: number) => new Date(Date.UTC(2026, 10, 1 + n, 9, 0, 0));

function setup() {
  const t = makeTempDir();
  cleanups.push(t.cleanup);
  const db = openDatabase({ file: path.join(t.dir, 'tuneplan.sqlite') });
  cleanups.unshift(() => db.close());
  let clock = day(0);
  const dispatch = createDispatch(
    createHandlers({
      db,
      appInfo: { name: 'Tuneplan', version: 't', mode: 'test', dataDir: t.dir, databasePath: '' },
      now: () => clock,
    }),
    () => {},
  );
  return { dir: t.dir, db, dispatch, setClock: (d: Date) => (clock = d) };
}
const names = async (dispatch: ReturnType<typeof setup>['dispatch']) => {
  const r = await dispatch('plans:list', { sort: 'name' });
  return r.ok ? (r.data as Array<{ name: string }>).map((p) => p.name) : [];
};

describe('backups', () => {
  it('backs up at most once a day and keeps the newest seven', async () => {
    const { dir, db } = setup();
    expect(await backupIfDue(db, dir, day(0))).not.toBeNull();
    expect(await backupIfDue(db, dir, new Date(day(0).getTime() + 3600_000))).toBeNull();
    for (let d = 1; d <= 9; d++) await backupIfDue(db, dir, day(d));
    const kept = listBackups(dir);
    expect(kept).toHaveLength(7);
    expect(kept[0]!.createdAt).toBe(day(9).toISOString());
  });

  it('restores a backup in place, and the restore itself can be undone', async () => {
    const { dir, db, dispatch } = setup();
    await dispatch('plans:save', { plan: samplePlan({ name: 'A' }) });
    const backup = (await backupIfDue(db, dir, day(0)))!;
    await dispatch('plans:save', { plan: samplePlan({ name: 'B' }) });
    expect(await names(dispatch)).toEqual(['A', 'B']);
    const r = await dispatch('backups:restore', { file: backup.file });
    expect(r.ok).toBe(true);
    expect(await names(dispatch)).toEqual(['A']);
    const undo = (r as { data: { undo: { file: string } } }).data.undo.file;
    expect(undo).toMatch(/before-restore/);
    expect((await dispatch('backups:restore', { file: undo })).ok).toBe(true);
    expect(await names(dispatch)).toEqual(['A', 'B']);
  });

  it('brings an older backup to the current schema without modifying it', async () => {
    const { dir, dispatch } = setup();
    const old = path.join(dir, BACKUPS_DIR, 'tuneplan-2025-01-01T00-00-00-000Z.sqlite');
    fs.mkdirSync(path.dirname(old), { recursive: true });
    const v1 = openDatabase({ file: old, migrations: MIGRATIONS.slice(0, 1) });
    v1.prepare('INSERT INTO plans VALUES (?, ?, ?, ?, ?, 1, ?, ?)').run(
      '11111111-1111-4111-8111-111111111111',
      'from v1',
      'Phi-4',
      1,
      JSON.stringify({ name: 'from v1', model: { source: 'catalog', id: 'Phi-4' } }),
      't',
      't',
    );
    v1.pragma('journal_mode = DELETE');
    v1.close();
    const before = fs.readFileSync(old);
    expect((await dispatch('backups:restore', { file: path.basename(old) })).ok).toBe(true);
    expect(await names(dispatch)).toEqual(['from v1']);
    expect(fs.readFileSync(old).equals(before)).toBe(true);
  });

  it('refuses names outside the backups folder and missing files', async () => {
    const { dispatch } = setup();
    for (const file of ['../tuneplan.sqlite', '/etc/passwd', 'tuneplan-x.sqlite']) {
      const r = await dispatch('backups:restore', { file });
      expect(!r.ok && r.error.code).toBe('VALIDATION');
    }
    const missing = await dispatch('backups:restore', { file: 'tuneplan-2020-01-01T00-00-00-000Z.sqlite' });
    expect(!missing.ok && missing.error.code).toBe('NOT_FOUND');
  });
});
