/**
 * The renderer's API for component tests, backed by the real services: `createHandlers` over an in-memory
 * SQLite database, behind `createDispatch` (the same validation and error mapping every transport uses).
 * There is no second implementation of the contract to drift from the real one; a test that needs a channel
 * to behave differently passes `handlers`, a partial map typed by the same `Handlers`.
 *
 * Lives under tests/ because the renderer may not import db/ (build/eslint.config.js).
 */
import { openDatabase } from '../../db/open';
import { createPlansRepo } from '../../db/plans-repo';
import { createRunsRepo } from '../../db/runs-repo';
import { createDispatch, createHandlers } from '../../electron/services/create-handlers';
import type { TuneplanApi } from '../../renderer/api/client';
import type { OutputOf, SavedPlan, StoredRun } from '../../shared/contract';
import type { MachineProbe } from '../../shared/domain/machine';
import { readStoredPlan } from '../../shared/domain/plan-migrations';
import { RunResultSchema } from '../../shared/domain/run-result';
import type { Handlers } from '../../shared/handlers';
import { AppFailure, type Result } from '../../shared/result';
import { FAKE_PROBE } from './fake-probe';

export interface TestApiOptions {
  now?: () => Date;
  newId?: () => string;
  probe?: MachineProbe;
  /** Channels to answer differently from the real handlers (a refusing save, a slow list, …). */
  handlers?: Partial<Handlers>;
}

export type TestApi = TuneplanApi & {
  /** What is stored now, in the order it was first saved (read from the database at each access). */
  readonly plans: ReadonlyMap<string, SavedPlan>;
  readonly runs: ReadonlyMap<string, StoredRun>;
};

export function createTestApi(options: TestApiOptions = {}): TestApi {
  const db = openDatabase({ file: ':memory:' });
  let counter = 0;
  // Ids that sort in the order they were made, so rows saved in the same millisecond list in that order.
  const newId = options.newId ?? (() => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`);
  const real = createHandlers({
    db,
    // No data folder: backups:list answers [] (create-handlers.ts).
    appInfo: { name: 'Tuneplan', version: 'test', mode: 'test', dataDir: '', databasePath: ':memory:' },
    newId,
    ...(options.now ? { now: options.now } : {}),
    probe: () => Promise.resolve(structuredClone(options.probe ?? FAKE_PROBE)),
  });
  const dispatch = createDispatch({
    ...real,
    // With no data folder the real restore would look for backups/ under the working directory.
    'backups:restore': () => {
      throw new AppFailure('NOT_FOUND', 'The in-memory test database keeps no backups.');
    },
    ...options.handlers,
  });

  const plansRepo = createPlansRepo(db, readStoredPlan);
  const runsRepo = createRunsRepo(db, (json) => RunResultSchema.parse(json));
  const planIds = db.prepare<[], { id: string }>('SELECT id FROM plans ORDER BY rowid');
  const runRows = db.prepare<[], { id: string; plan_id: string }>('SELECT id, plan_id FROM run_results ORDER BY rowid');

  return {
    transport: 'fake',
    get plans() {
      return new Map(planIds.all().map(({ id }) => [id, plansRepo.get(id)]));
    },
    get runs() {
      const rows = runRows.all();
      const byId = new Map(
        [...new Set(rows.map((r) => r.plan_id))]
          .flatMap((planId) => runsRepo.listForPlan(planId))
          .map((r) => [r.id, r]),
      );
      return new Map(rows.map(({ id }) => [id, byId.get(id)!]));
    },
    async invoke(channel, input) {
      // A copy, as IPC's structured clone gives the renderer: nothing it holds aliases what the services keep.
      return structuredClone(await dispatch(channel, input)) as Result<OutputOf<typeof channel>>;
    },
  };
}
