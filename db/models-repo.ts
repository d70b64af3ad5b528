/** Custom models imported from a config.json, kept for reuse across plans. */
import type { StoredModel } from '../shared/contract';
import type { ModelSpec } from '../shared/domain/model-spec';
import { uniqueName } from '../shared/naming';
import { AppFailure } from '../shared/result';
import { assertDatabaseFileIntact, type Db } from './open';

export type ModelsRepo = ReturnType<typeof createModelsRepo>;

interface ModelRow {
  id: string;
  name: string;
  spec_json: string;
  created_at: string;
  updated_at: string;
}

export function createModelsRepo(db: Db, parse: (json: unknown) => ModelSpec) {
  const list = db.prepare<[], ModelRow>('SELECT * FROM custom_models ORDER BY name COLLATE NOCASE, id');
  const names = db.prepare<[], { name: string }>('SELECT name FROM custom_models');
  const byId = db.prepare<[string], ModelRow>('SELECT * FROM custom_models WHERE id = ?');
  const insert = db.prepare(
    'INSERT INTO custom_models (id, name, spec_json, created_at, updated_at) VALUES (@id, @name, @json, @now, @now)',
  );
  const update = db.prepare('UPDATE custom_models SET spec_json = @json, updated_at = @now WHERE id = @id');
  const remove = db.prepare<[string]>('DELETE FROM custom_models WHERE id = ?');
  const toStored = (r: ModelRow): StoredModel => ({
    id: r.id,
    name: r.name,
    spec: parse(JSON.parse(r.spec_json)),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
  return {
    list: (): StoredModel[] => list.all().map(toStored),
    /**
     * Stores a new model. A name in use is never replaced (issue 11.1): the newcomer is kept beside
     * it as "name (2)", "name (3)", … (shared/naming.ts), and its spec carries the name it got.
     */
    create(id: string, spec: ModelSpec, now: string): StoredModel {
      assertDatabaseFileIntact(db);
      return db.transaction(() => {
        const name = uniqueName(
          spec.name,
          names.all().map((r) => r.name),
        );
        insert.run({ id, name, json: JSON.stringify({ ...spec, name }), now });
        return toStored(byId.get(id)!);
      })();
    },
    /** Replaces the spec of the model `id` (the user chose "Replace"); it keeps its name and id. */
    replace(id: string, spec: ModelSpec, now: string): StoredModel {
      assertDatabaseFileIntact(db);
      return db.transaction(() => {
        const existing = byId.get(id);
        if (!existing) throw new AppFailure('NOT_FOUND', 'The model to replace no longer exists; keep both instead.');
        update.run({ id, json: JSON.stringify({ ...spec, name: existing.name }), now });
        return toStored(byId.get(id)!);
      })();
    },
    delete(id: string): void {
      assertDatabaseFileIntact(db);
      if (remove.run(id).changes === 0) throw new AppFailure('NOT_FOUND', 'That model no longer exists.');
    },
  };
}
