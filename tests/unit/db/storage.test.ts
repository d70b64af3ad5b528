import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDispatch, createHandlers } from '../../../electron/services/create-handlers';
import { openStorage } from '../../../electron/services/storage';
import { samplePlan } from '../../helpers/plans';
import { makeTempDir } from '../../helpers/temp-dir';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
const tempDir = () => {
  const t = makeTempDir();
  cleanups.push(t.cleanup);
  return t.dir;
};

describe('opening the data folder', () => {
  it('moves a corrupt database aside (never deletes it), starts fresh and says where the old file is', () => {
    const dir = tempDir();
    const garbage = Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4096, 0xab)]);
    fs.writeFileSync(path.join(dir, 'tuneplan.sqlite'), garbage);
    const opened = openStorage(dir, { now: () => new Date('2026-11-28T10:00:00Z') });
    const aside = path.join(dir, 'tuneplan.corrupt-2026-11-28T10-00-00-000Z.sqlite');
    expect(fs.readFileSync(aside).equals(garbage)).toBe(true);
    expect(opened.notices[0]?.message).toContain(aside);
    expect(opened.db.prepare('SELECT count(*) AS n FROM plans').get()).toEqual({ n: 0 });
    opened.db.close();
  });

  it('moves aside a foreign file that is not SQLite at all', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'tuneplan.sqlite'), 'hello, I am a text file\n'.repeat(200));
    const opened = openStorage(dir);
    expect(fs.readdirSync(dir).some((f) => f.startsWith('tuneplan.corrupt-'))).toBe(true);
    expect(opened.notices).toHaveLength(1);
    opened.db.close();
  });

  it('keeps a healthy database as it is', () => {
    const dir = tempDir();
    const first = openStorage(dir);
    first.db.prepare("INSERT INTO plans VALUES ('p', 'kept', 'm', 1, '{}', 1, 't', 't')").run();
    first.db.close();
    const again = openStorage(dir);
    expect(again.notices).toEqual([]);
    expect(again.db.prepare('SELECT name FROM plans').get()).toEqual({ name: 'kept' });
    again.db.close();
  });

  it('a read-only folder opens read-only: plans can be read, saves answer READ_ONLY and change nothing', async () => {
    const dir = tempDir();
    const first = openStorage(dir);
    const handlers = createHandlers({
      db: first.db,
      appInfo: { name: 'Tuneplan', version: 't', mode: 'test', dataDir: dir, databasePath: first.databasePath },
    });
    await createDispatch(handlers)('plans:save', { plan: samplePlan({ name: 'readable' }) });
    first.db.close();
    const ro = openStorage(dir, { isWritable: () => false });
    expect(ro.readOnly).toBe(true);
    expect(ro.notices[0]?.message).toMatch(/read-only: your plans can be read/);
    const dispatch = createDispatch(
      createHandlers({
        db: ro.db,
        appInfo: {
          name: 'Tuneplan',
          version: 't',
          mode: 'test',
          dataDir: dir,
          databasePath: ro.databasePath,
          readOnly: true,
        },
      }),
      () => {},
    );
    const list = await dispatch('plans:list', {});
    expect(list.ok && (list.data as Array<{ name: string }>).map((p) => p.name)).toEqual(['readable']);
    const save = await dispatch('plans:save', { plan: samplePlan({ name: 'new' }) });
    expect(!save.ok && save.error.code).toBe('READ_ONLY');
    ro.db.close();
    const check = new Database(path.join(dir, 'tuneplan.sqlite'), { readonly: true });
    expect(check.prepare('SELECT count(*) AS n FROM plans').get()).toEqual({ n: 1 });
    check.close();
  });

  it('refuses saves with STORAGE, never acknowledging them, once the data folder is deleted mid-run', async () => {
    const dir = tempDir();
    const opened = openStorage(dir);
    cleanups.unshift(() => opened.db.close());
    const dispatch = createDispatch(
      createHandlers({
        db: opened.db,
        appInfo: { name: 'Tuneplan', version: 't', mode: 'test', dataDir: dir, databasePath: opened.databasePath },
      }),
      () => {},
    );
    const first = await dispatch('plans:save', { plan: samplePlan({ name: 'before' }) });
    expect(first.ok).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
    // SQLite would write on into the unlinked file and answer ok; the save would be gone at the next start.
    const save = await dispatch('plans:save', { plan: samplePlan({ name: 'after' }) });
    expect(!save.ok && save.error.code).toBe('STORAGE');
    expect(!save.ok && save.error.message).toContain(opened.databasePath);
    expect(!save.ok && save.error.message).toMatch(/was deleted while Tuneplan was running.*not saved/);
    const id = first.ok ? (first.data as { id: string }).id : '';
    const run = await dispatch('runs:save', {
      planId: id,
      result: { technique: 'lora', gpuName: 'A100', gpuCount: 1, peakMemoryBytes: 1e10 },
    });
    expect(!run.ok && run.error.code).toBe('STORAGE');
    const removed = await dispatch('plans:delete', { id });
    expect(!removed.ok && removed.error.code).toBe('STORAGE');
  });

  it('refuses saves with STORAGE once the database file was replaced by another file', async () => {
    const dir = tempDir();
    const opened = openStorage(dir);
    cleanups.unshift(() => opened.db.close());
    const dispatch = createDispatch(
      createHandlers({
        db: opened.db,
        appInfo: { name: 'Tuneplan', version: 't', mode: 'test', dataDir: dir, databasePath: opened.databasePath },
      }),
      () => {},
    );
    expect((await dispatch('plans:save', { plan: samplePlan({ name: 'before' }) })).ok).toBe(true);
    // Another copy of the data (a sync tool, a restore by hand) moved over the open file.
    const other = new Database(path.join(dir, 'other.sqlite'));
    other.exec('CREATE TABLE t (x)');
    other.close();
    fs.renameSync(path.join(dir, 'other.sqlite'), opened.databasePath);
    const save = await dispatch('plans:save', { plan: samplePlan({ name: 'after' }) });
    expect(!save.ok && save.error.code).toBe('STORAGE');
    expect(!save.ok && save.error.message).toMatch(/was replaced by another file.*not saved/);
    const profile = await dispatch('profiles:save', {
      name: 'lab',
      probe: {
        takenAt: '2026-11-28T10:00:00Z',
        hostname: null,
        os: { platform: 'linux', release: '6.1', arch: 'x64' },
        cpu: { model: 'cpu', physicalCores: 2, logicalCores: 2 },
        memory: { totalBytes: 1e9, freeBytes: 1e8 },
        disks: [],
        gpus: [],
        detection: { nvidia: 'not detected: test', amd: 'not detected: test', apple: 'not detected: test' },
      },
    });
    expect(!profile.ok && profile.error.code).toBe('STORAGE');
  });

  it('refuses a newer database without touching it', () => {
    const dir = tempDir();
    const raw = new Database(path.join(dir, 'tuneplan.sqlite'));
    raw.pragma('user_version = 999');
    raw.close();
    const before = fs.readFileSync(path.join(dir, 'tuneplan.sqlite'));
    expect(() => openStorage(dir)).toThrow(/newer version of Tuneplan/);
    expect(fs.readFileSync(path.join(dir, 'tuneplan.sqlite')).equals(before)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['tuneplan.sqlite']);
  });
});
