/** Recorded run results, each linked to a plan and deleted with it (ON DELETE CASCADE). */
import type { RunResult } from '../shared/domain/run-result';
import type { Db } from './open';

export interface StoredRun {
  id: string;
  planId: string;
  createdAt: string;
  result: RunResult;
}

export type RunsRepo = ReturnType<typeof createRunsRepo>;

export function createRunsRepo(db: Db, parse: (json: unknown) => RunResult) {
  const insert = db.prepare(
    `INSERT INTO run_results (id, plan_id, technique, result_json, created_at, updated_at)
     VALUES (@id, @planId, @technique, @json, @now, @now)`,
  );
  const byPlan = db.prepare<[string], { id: string; plan_id: string; created_at: string; result_json: string }>(
    'SELECT id, plan_id, created_at, result_json FROM run_results WHERE plan_id = ? ORDER BY created_at, id',
  );
  return {
    create(id: string, planId: string, result: RunResult, now: string): StoredRun {
      insert.run({ id, planId, technique: result.technique, json: JSON.stringify(result), now });
      return { id, planId, createdAt: now, result };
    },
    listForPlan(planId: string): StoredRun[] {
      return byPlan.all(planId).map((r) => ({ id: r.id, planId: r.plan_id, createdAt: r.created_at, result: parse(JSON.parse(r.result_json)) }));
    },
  };
}
