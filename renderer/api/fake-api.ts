/**
 * An in-memory implementation of the contract for component tests: same schemas, same error
 * codes, same revision rule as the real services, no database.
 */
import { isChannel } from '../../shared/channels';
import { contract, type OutputOf, type PlanSummary, type SavedPlan, type StoredModel } from '../../shared/contract';
import type { ModelSpec } from '../../shared/domain/model-spec';
import { modelLabel } from '../../shared/domain/plan';
import { fail, ok, validationFailure, type Result } from '../../shared/result';
import type { TuneplanApi } from './client';

export function createFakeApi(options: { now?: () => Date; newId?: () => string } = {}): TuneplanApi & { plans: Map<string, SavedPlan> } {
  const plans = new Map<string, SavedPlan>();
  const models = new Map<string, StoredModel>();
  let counter = 0;
  const now = () => (options.now ?? (() => new Date()))().toISOString();
  const newId = options.newId ?? (() => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`);
  const notFound = () => fail('NOT_FOUND', 'That plan no longer exists (it may have been deleted in another window).');

  const handlers = {
    'app:info': () => ok({ name: 'Tuneplan', version: 'test', mode: 'test' as const, dataDir: '(memory)', databasePath: '(memory)', schemaVersion: 0 }),
    'plans:list': (input: { query: string; sort: 'updated' | 'name'; limit: number }) => {
      const q = input.query.toLowerCase();
      const rows: PlanSummary[] = [...plans.values()]
        .filter((p) => p.plan.name.toLowerCase().includes(q))
        .map((p) => ({ id: p.id, name: p.plan.name, model: modelLabel(p.plan.model), techniqueCount: p.plan.techniques.length, revision: p.revision, createdAt: p.createdAt, updatedAt: p.updatedAt }));
      rows.sort((a, b) => (input.sort === 'name' ? a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }) : b.updatedAt.localeCompare(a.updatedAt)));
      return ok(rows.slice(0, input.limit));
    },
    'plans:get': ({ id }: { id: string }) => {
      const found = plans.get(id);
      return found ? ok(structuredClone(found)) : notFound();
    },
    'plans:save': ({ id, revision, plan }: { id?: string; revision?: number; plan: SavedPlan['plan'] }) => {
      const at = now();
      if (id === undefined) {
        const saved: SavedPlan = { id: newId(), revision: 1, createdAt: at, updatedAt: at, plan };
        plans.set(saved.id, saved);
        return ok(structuredClone(saved));
      }
      const existing = plans.get(id);
      if (!existing) return notFound();
      if (existing.revision !== revision) {
        return fail('CONFLICT', `This plan was changed elsewhere since you opened it (you have revision ${revision}, the saved one is ${existing.revision}).`, {
          currentRevision: existing.revision,
        });
      }
      const saved: SavedPlan = { ...existing, revision: existing.revision + 1, updatedAt: at, plan };
      plans.set(id, saved);
      return ok(structuredClone(saved));
    },
    'plans:delete': ({ id }: { id: string }) => (plans.delete(id) ? ok({ id }) : notFound()),
    'models:list': () => ok([...models.values()].sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }))),
    'models:save': ({ spec }: { spec: ModelSpec }) => {
      const at = now();
      const existing = [...models.values()].find((m) => m.name === spec.name);
      const saved: StoredModel = existing ? { ...existing, spec, updatedAt: at } : { id: newId(), name: spec.name, spec, createdAt: at, updatedAt: at };
      models.set(saved.id, saved);
      return ok(structuredClone(saved));
    },
    'models:delete': ({ id }: { id: string }) => (models.delete(id) ? ok({ id }) : fail('NOT_FOUND', 'That model no longer exists.')),
  } as const;

  return {
    transport: 'fake',
    plans,
    async invoke(channel, input) {
      if (!isChannel(channel)) return fail('UNKNOWN_CHANNEL', `There is no "${String(channel)}" operation.`);
      const parsed = contract[channel].input.safeParse(input);
      if (!parsed.success) return validationFailure(parsed.error);
      const handler = handlers[channel] as (i: unknown) => Result<unknown>;
      return Promise.resolve(handler(parsed.data) as Result<OutputOf<typeof channel>>);
    },
  };
}
