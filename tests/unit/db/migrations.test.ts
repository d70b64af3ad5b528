import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../../db/migrations/index';
import { migrate, openDatabase, schemaVersion } from '../../../db/open';
import { AppFailure } from '../../../shared/result';
import { makeTempDir } from '../../helpers/temp-dir';

// A shipped migration must never change: a database that already ran it would silently differ.
// To change the schema, append a migration; then add its hash here.
const SHIPPED_SQL_SHA256: Record<number, string> = {
  1: '2b8217a1080fe913022d3910f8be809bd5857b2a6c7c96c9d76ac785911223ba',
  2: '27e0a9bad155f1e285208689ca9962e807e36f188191f1800724e0bdb50197d3',
  3: 'b9c9efe5dc33d591fb94cf71fb7ced85997404f71c7e70fe0d78bd21e42e5697',
  4: '630eee96fca1d74d82d0f8152a2b94ccce3ebb6a280ba90ae1c0e26f3c0b00cd',
  5: '07e4cb0801c82eefcf8c2dee8cb3efec8a7b6a19c871775150c54b6b3ee0a1dd',
};

const temp: Array<() => void> = [];
afterEach(() => temp.splice(0).forEach((c) => c()));

function tempFile(): string {
  const t = makeTempDir();
  temp.push(t.cleanup);
  return path.join(t.dir, 'tuneplan.sqlite');
}

function tables(db: Database.Database): string[] {
  return (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]
  ).map((r) => r.name);
}

describe('migrations', () => {
  it('are numbered 1..n without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  it('have not changed since they shipped', () => {
    for (const m of MIGRATIONS) {
      const hash = createHash('sha256').update(m.sql).digest('hex');
      expect({ version: m.version, hash }).toEqual({ version: m.version, hash: SHIPPED_SQL_SHA256[m.version] });
    }
  });

  it('bring an empty database to the latest schema with durable pragmas', () => {
    const db = openDatabase({ file: tempFile() });
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(tables(db)).toEqual(['app_meta', 'custom_models', 'machine_profiles', 'plans', 'run_results']);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    db.close();
  });

  for (const from of MIGRATIONS.map((m) => m.version - 1)) {
    it(`upgrade a database at schema ${from} and keep its plans`, () => {
      const file = tempFile();
      const old = openDatabase({ file, migrations: MIGRATIONS.slice(0, from) });
      expect(schemaVersion(old)).toBe(from);
      if (from >= 1) {
        old.prepare("INSERT INTO plans VALUES ('p1', 'kept', 'm', 1, '{}', 1, 't', 't')").run();
      }
      old.close();
      const db = openDatabase({ file });
      expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
      if (from >= 1) expect(db.prepare('SELECT name FROM plans').get()).toEqual({ name: 'kept' });
      db.close();
    });
  }

  it('5 adds the new run fields as empty and keeps every stored value (issue 11 item 4)', () => {
    const file = tempFile();
    const old = openDatabase({ file, migrations: MIGRATIONS.slice(0, 4) });
    old.prepare("INSERT INTO plans VALUES ('p1', 'kept', 'm', 1, '{}', 1, 't', 't')").run();
    // A run as version 4 stored it: finalLoss was then train_loss; it stays as recorded.
    const stored = {
      technique: 'lora',
      gpuName: 'A100',
      gpuCount: 1,
      finalLoss: 1.2924,
      wallSeconds: 1834.22,
      lossCurve: [{ step: 10, loss: 1.8211 }],
      source: 'trainer_state',
    };
    old.prepare("INSERT INTO run_results VALUES ('r1', 'p1', 'lora', ?, 't', 't')").run(JSON.stringify(stored));
    old.close();
    const db = openDatabase({ file });
    const row = db.prepare("SELECT result_json FROM run_results WHERE id = 'r1'").get() as { result_json: string };
    expect(JSON.parse(row.result_json)).toEqual({
      ...stored,
      meanLoss: null,
      samplesPerSecond: null,
      evalCurve: [],
      warnings: [],
    });
    db.close();
  });

  it('refuse a database written by a newer Tuneplan and leave it untouched', () => {
    const file = tempFile();
    const raw = new Database(file);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    raw.close();
    const before = fs.readFileSync(file);
    expect(() => openDatabase({ file })).toThrow(/newer version of Tuneplan/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('roll back a failing migration as a whole', () => {
    const db = new Database(':memory:');
    const broken = [
      ...MIGRATIONS,
      {
        version: LATEST_SCHEMA_VERSION + 1,
        name: 'broken',
        sql: 'CREATE TABLE half (x); SELECT * FROM no_such_table;',
      },
    ];
    expect(() => migrate(db, broken)).toThrow();
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(tables(db)).not.toContain('half');
  });

  it('explain a file that is not a database', () => {
    const file = tempFile();
    fs.writeFileSync(file, 'this is not sqlite'.repeat(100));
    let caught: unknown;
    try {
      openDatabase({ file });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppFailure);
    expect((caught as AppFailure).code).toBe('STORAGE');
    expect((caught as AppFailure).message).toMatch(/not a readable Tuneplan database/);
  });
});
