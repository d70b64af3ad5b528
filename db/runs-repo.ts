/** Recorded run results, each linked to a plan and deleted with it (ON DELETE CASCADE). */
import type { StoredRun } from '../shared/contract';
import type { RunResult } from '../shared/domain/run-result';
import { AppFailure } from '../shared/result';
import { assertDatabaseFileIntact, type Db } from './open';

export type RunsRepo = ReturnType<typeof createRunsRepo>;

interface Row {
  id: string;
  plan_id: string;
  created_at: string;
  updated_at: string;
  result_json: string;
}

export function createRunsRepo(db: Db, parse: (json: unknown) => RunResult) {
  const insert = db.prepare(
    `INSERT INTO run_results (id, plan_id, technique, result_json, created_at, updated_at)
     VALUES (@id, @planId, @technique, @json, @now, @now)`,
  );
  const update = db.prepare(
    'UPDATE run_results SET technique = @technique, result_json = @json, updated_at = @now ' +
      'WHERE id = @id AND plan_id = @planId',
  );
  const byPlan = db.prepare<[string], Row>(
    'SELECT id, plan_id, created_at, updated_at, result_json FROM run_results ' +
      'WHERE plan_id = ? ORDER BY created_at, id',
  );
  const one = db.prepare<[string], Row>(
    'SELECT id, plan_id, created_at, updated_at, result_json FROM run_results WHERE id = ?',
  );
  const remove = db.prepare<[string]>('DELETE FROM run_results WHERE id = ?');
  const planExists = db.prepare<[string], { id: string }>('SELECT id FROM plans WHERE id = ?');
  const toStored = (r: Row): StoredRun => ({
    id: r.id,
    planId: r.plan_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    result: parse(JSON.parse(r.result_json)),
  });
  return {
    create(id: string, planId: string, result: RunResult, now: string): StoredRun {
      assertDatabaseFileIntact(db);
      if (!planExists.get(planId))
        throw new AppFailure('NOT_FOUND', 'That plan no longer exists, so the run cannot be recorded against it.');
      insert.run({ id, planId, technique: result.technique, json: JSON.stringify(result), now });
      return toStored(one.get(id)!);
    },
    update(id: string, planId: string, result: RunResult, now: string): StoredRun {
      assertDatabaseFileIntact(db);
      if (update.run({ id, planId, technique: result.technique, json: JSON.stringify(result), now }).changes === 0)
        throw new AppFailure('NOT_FOUND', 'That run no longer exists.');
      return toStored(one.get(id)!);
    },
    listForPlan(planId: string): StoredRun[] {
      return byPlan.all(planId).map(toStored);
    },
    delete(id: string): void {
      assertDatabaseFileIntact(db);
      if (remove.run(id).changes === 0) throw new AppFailure('NOT_FOUND', 'That run no longer exists.');
    },
  };
}
