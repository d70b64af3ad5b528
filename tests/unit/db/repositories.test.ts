import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../db/open';
import { createPlansRepo, type PlansRepo } from '../../../db/plans-repo';
import { createRunsRepo } from '../../../db/runs-repo';
import { PlanSchema } from '../../../shared/domain/plan';
import { RunResultSchema } from '../../../shared/domain/run-result';
import { AppFailure } from '../../../shared/result';
import { samplePlan } from '../../helpers/plans';

let db: Db;
let plans: PlansRepo;
const plan = (name: string) => PlanSchema.parse(samplePlan({ name }));
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

beforeEach(() => {
  db = openDatabase({ file: ':memory:' });
  plans = createPlansRepo(db, (j) => PlanSchema.parse(j));
});
afterEach(() => db.close());

function failureOf(fn: () => unknown): AppFailure {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppFailure) return error;
    throw error;
  }
  throw new Error('expected a failure');
}

describe('plans repository', () => {
  it('creates a plan at revision 1 and reads it back intact', () => {
    const saved = plans.create(id(1), plan('Alpha'), '2026-01-01T00:00:00.000Z');
    expect(saved).toMatchObject({ id: id(1), revision: 1, createdAt: '2026-01-01T00:00:00.000Z' });
    expect(plans.get(id(1)).plan).toEqual(plan('Alpha'));
  });

  it('lists by last update or by name, and searches names literally', () => {
    plans.create(id(1), plan('beta 100%'), '2026-01-01T00:00:00.000Z');
    plans.create(id(2), plan('Alpha'), '2026-01-02T00:00:00.000Z');
    plans.create(id(3), plan('gamma_x'), '2026-01-03T00:00:00.000Z');
    expect(plans.list({ query: '', sort: 'updated', limit: 10 }).map((p) => p.name)).toEqual([
      'gamma_x',
      'Alpha',
      'beta 100%',
    ]);
    expect(plans.list({ query: '', sort: 'name', limit: 10 }).map((p) => p.name)).toEqual([
      'Alpha',
      'beta 100%',
      'gamma_x',
    ]);
    expect(plans.list({ query: '%', sort: 'name', limit: 10 }).map((p) => p.name)).toEqual(['beta 100%']);
    expect(plans.list({ query: '_', sort: 'name', limit: 10 }).map((p) => p.name)).toEqual(['gamma_x']);
    expect(plans.list({ query: 'ALPHA', sort: 'name', limit: 10 })).toHaveLength(1);
    expect(plans.list({ query: '', sort: 'name', limit: 2 })).toHaveLength(2);
  });

  it('updates only from the current revision (optimistic concurrency)', () => {
    plans.create(id(1), plan('v1'), 't1');
    const second = plans.update(id(1), 1, plan('v2'), 't2');
    expect(second.revision).toBe(2);
    const stale = failureOf(() => plans.update(id(1), 1, plan('stale window'), 't3'));
    expect(stale.code).toBe('CONFLICT');
    expect(stale.details?.currentRevision).toBe(2);
    expect(plans.get(id(1)).plan.name).toBe('v2');
  });

  it('reports a missing plan as NOT_FOUND on get, update and delete', () => {
    expect(failureOf(() => plans.get(id(9))).code).toBe('NOT_FOUND');
    expect(failureOf(() => plans.update(id(9), 1, plan('x'), 't')).code).toBe('NOT_FOUND');
    expect(failureOf(() => plans.delete(id(9))).code).toBe('NOT_FOUND');
  });

  it('deletes a plan together with its recorded runs', () => {
    const runs = createRunsRepo(db, (j) => RunResultSchema.parse(j));
    plans.create(id(1), plan('with runs'), 't');
    plans.create(id(2), plan('other'), 't');
    runs.create(id(11), id(1), RunResultSchema.parse({ technique: 'lora', gpuName: 'A100', gpuCount: 1 }), 't');
    runs.create(id(12), id(2), RunResultSchema.parse({ technique: 'full', gpuName: 'A100', gpuCount: 1 }), 't');
    expect(runs.listForPlan(id(1))).toHaveLength(1);
    plans.delete(id(1));
    expect(runs.listForPlan(id(1))).toHaveLength(0);
    expect(runs.listForPlan(id(2))).toHaveLength(1);
  });

  it('refuses a run for a plan that does not exist (and foreign keys are on underneath)', () => {
    const runs = createRunsRepo(db, (j) => RunResultSchema.parse(j));
    expect(
      failureOf(() =>
        runs.create(id(11), id(99), RunResultSchema.parse({ technique: 'lora', gpuName: 'A100', gpuCount: 1 }), 't'),
      ).code,
    ).toBe('NOT_FOUND');
    expect(() => db.prepare("INSERT INTO run_results VALUES ('r', 'no-plan', 'lora', '{}', 't', 't')").run()).toThrow(
      /FOREIGN KEY/,
    );
  });
});
