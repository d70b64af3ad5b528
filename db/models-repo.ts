/** Custom models imported from a config.json, kept for reuse across plans. */
import type { ModelSpec } from '../shared/domain/model-spec';
import { AppFailure } from '../shared/result';
import type { Db } from './open';

export interface StoredModel {
  id: string;
  name: string;
  spec: ModelSpec;
  createdAt: string;
  updatedAt: string;
}

export type ModelsRepo = ReturnType<typeof createModelsRepo>;

export function createModelsRepo(db: Db, parse: (json: unknown) => ModelSpec) {
  const list = db.prepare<[], { id: string; name: string; spec_json: string; created_at: string; updated_at: string }>(
    'SELECT * FROM custom_models ORDER BY name COLLATE NOCASE, id',
  );
  const byName = db.prepare<[string], { id: string }>('SELECT id FROM custom_models WHERE name = ?');
  const insert = db.prepare(
    'INSERT INTO custom_models (id, name, spec_json, created_at, updated_at) VALUES (@id, @name, @json, @now, @now)',
  );
  const update = db.prepare('UPDATE custom_models SET spec_json = @json, updated_at = @now WHERE id = @id');
  const remove = db.prepare<[string]>('DELETE FROM custom_models WHERE id = ?');
  const toStored = (r: {
    id: string;
    name: string;
    spec_json: string;
    created_at: string;
    updated_at: string;
  }): StoredModel => ({
    id: r.id,
    name: r.name,
    spec: parse(JSON.parse(r.spec_json)),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
  return {
    list: (): StoredModel[] => list.all().map(toStored),
    /** Saving a model with a name that exists replaces its spec (re-importing an edited config.json). */
    save(id: string, spec: ModelSpec, now: string): StoredModel {
      return db.transaction(() => {
        const existing = byName.get(spec.name);
        if (existing) update.run({ id: existing.id, json: JSON.stringify(spec), now });
        else insert.run({ id, name: spec.name, json: JSON.stringify(spec), now });
        return this.list().find((m) => m.name === spec.name)!;
      })();
    },
    delete(id: string): void {
      if (remove.run(id).changes === 0) throw new AppFailure('NOT_FOUND', 'That model no longer exists.');
    },
  };
}
