/** Plans: validated plan JSON plus indexed columns for listing and search. */
import { modelLabel, type Plan } from '../shared/domain/plan';
import type { ListOptions, PlanSummary, SavedPlan } from '../shared/contract';
import { AppFailure } from '../shared/result';
import { assertDatabaseFileIntact, type Db } from './open';

interface PlanRow {
  id: string;
  name: string;
  model: string;
  technique_count: number;
  plan_json: string;
  revision: number;
  created_at: string;
  updated_at: string;
}

export type PlansRepo = ReturnType<typeof createPlansRepo>;

export function createPlansRepo(db: Db, parsePlan: (json: unknown) => Plan) {
  // Prepared once; better-sqlite3 statements are reusable and cheap to run.
  const listColumns = 'id, name, model, technique_count, revision, created_at, updated_at';
  const listByUpdated = db.prepare<[string, string, number], Omit<PlanRow, 'plan_json'>>(
    `SELECT ${listColumns} FROM plans WHERE (? = '' OR name LIKE ? ESCAPE '\\') ORDER BY updated_at DESC, id LIMIT ?`,
  );
  const listByName = db.prepare<[string, string, number], Omit<PlanRow, 'plan_json'>>(
    `SELECT ${listColumns} FROM plans WHERE (? = '' OR name LIKE ? ESCAPE '\\') ` +
      'ORDER BY name COLLATE NOCASE, id LIMIT ?',
  );
  const getOne = db.prepare<[string], PlanRow>('SELECT * FROM plans WHERE id = ?');
  const insert = db.prepare(
    `INSERT INTO plans (id, name, model, technique_count, plan_json, revision, created_at, updated_at)
     VALUES (@id, @name, @model, @technique_count, @plan_json, 1, @now, @now)`,
  );
  const update = db.prepare(
    `UPDATE plans SET name = @name, model = @model, technique_count = @technique_count, plan_json = @plan_json,
       revision = revision + 1, updated_at = @now
     WHERE id = @id AND revision = @revision`,
  );
  const remove = db.prepare<[string]>('DELETE FROM plans WHERE id = ?');
  const revisionOf = db.prepare<[string], { revision: number }>('SELECT revision FROM plans WHERE id = ?');

  const toSaved = (row: PlanRow): SavedPlan => ({
    id: row.id,
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    plan: parsePlan(JSON.parse(row.plan_json)),
  });
  const columns = (plan: Plan) => ({
    name: plan.name,
    model: modelLabel(plan.model),
    technique_count: plan.techniques.length,
    plan_json: JSON.stringify(plan),
  });

  return {
    list({ query, sort, limit }: ListOptions): PlanSummary[] {
      const pattern = `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const rows = (sort === 'name' ? listByName : listByUpdated).all(query, pattern, limit);
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        model: r.model,
        techniqueCount: r.technique_count,
        revision: r.revision,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      }));
    },
    get(id: string): SavedPlan {
      const row = getOne.get(id);
      if (!row)
        throw new AppFailure('NOT_FOUND', 'That plan no longer exists (it may have been deleted in another window).');
      return toSaved(row);
    },
    create(id: string, plan: Plan, now: string): SavedPlan {
      assertDatabaseFileIntact(db);
      insert.run({ id, now, ...columns(plan) });
      return this.get(id);
    },
    /** Optimistic concurrency: the update applies only if `revision` is still the stored one. */
    update(id: string, revision: number, plan: Plan, now: string): SavedPlan {
      assertDatabaseFileIntact(db);
      return db.transaction(() => {
        const result = update.run({ id, revision, now, ...columns(plan) });
        if (result.changes === 0) {
          const current = revisionOf.get(id);
          if (!current)
            throw new AppFailure(
              'NOT_FOUND',
              'That plan no longer exists (it may have been deleted in another window).',
            );
          throw new AppFailure(
            'CONFLICT',
            `This plan was changed elsewhere since you opened it (you have revision ${revision}, ` +
              `the saved one is ${current.revision}). Reload it or save as a copy.`,
            { currentRevision: current.revision },
          );
        }
        return this.get(id);
      })();
    },
    delete(id: string): void {
      assertDatabaseFileIntact(db);
      const result = remove.run(id);
      if (result.changes === 0)
        throw new AppFailure('NOT_FOUND', 'That plan no longer exists (it may have been deleted already).');
    },
  };
}
