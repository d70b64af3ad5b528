/**
 * Ordered schema migrations, tracked with `PRAGMA user_version`. A shipped migration never changes:
 * tests/unit/db/migrations.test.ts pins each one's SQL by hash. Add a new one at the end instead.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'plans and run results',
    sql: `
      CREATE TABLE plans (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        model TEXT NOT NULL,
        technique_count INTEGER NOT NULL,
        plan_json TEXT NOT NULL CHECK (json_valid(plan_json)),
        revision INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX plans_name ON plans (name COLLATE NOCASE);
      CREATE INDEX plans_updated ON plans (updated_at DESC);
      CREATE TABLE run_results (
        id TEXT PRIMARY KEY,
        plan_id TEXT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
        technique TEXT NOT NULL,
        result_json TEXT NOT NULL CHECK (json_valid(result_json)),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX run_results_plan ON run_results (plan_id, created_at);
    `,
  },
  {
    version: 2,
    name: 'app metadata',
    sql: `
      CREATE TABLE app_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'custom models',
    sql: `
      CREATE TABLE custom_models (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        spec_json TEXT NOT NULL CHECK (json_valid(spec_json)),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX custom_models_name ON custom_models (name COLLATE NOCASE);
    `,
  },
  {
    version: 4,
    name: 'machine profiles',
    sql: `
      CREATE TABLE machine_profiles (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        probe_json TEXT NOT NULL CHECK (json_valid(probe_json)),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    // Issue 11 item 4: runs gain meanLoss, samplesPerSecond, evalCurve and warnings (and the 'llama-factory'
    // source, which needs no data change). Stored runs keep every value they had; json_insert only adds a
    // key that is absent, so the new fields start empty (null / []), as RunResultSchema's defaults say.
    version: 5,
    name: 'run results: mean loss, samples/s, eval curve, warnings',
    sql: `
      UPDATE run_results SET result_json = json_insert(
        result_json,
        '$.meanLoss', json('null'),
        '$.samplesPerSecond', json('null'),
        '$.evalCurve', json('[]'),
        '$.warnings', json('[]')
      );
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
