/** Machine profiles: named probe snapshots ("lab server") to plan for a remote training box. */
import type { StoredProfile } from '../shared/contract';
import type { MachineProbe } from '../shared/domain/machine';
import { AppFailure } from '../shared/result';
import { assertDatabaseFileIntact, type Db } from './open';

export function createProfilesRepo(db: Db, parse: (json: unknown) => MachineProbe) {
  const list = db.prepare<[], { id: string; name: string; probe_json: string; created_at: string }>(
    'SELECT id, name, probe_json, created_at FROM machine_profiles ORDER BY name COLLATE NOCASE, id',
  );
  const insert = db.prepare(
    'INSERT INTO machine_profiles (id, name, probe_json, created_at, updated_at) ' +
      'VALUES (@id, @name, @json, @now, @now)',
  );
  const remove = db.prepare<[string]>('DELETE FROM machine_profiles WHERE id = ?');
  return {
    list: (): StoredProfile[] =>
      list
        .all()
        .map((r) => ({ id: r.id, name: r.name, probe: parse(JSON.parse(r.probe_json)), createdAt: r.created_at })),
    create(id: string, name: string, probe: MachineProbe, now: string): StoredProfile {
      assertDatabaseFileIntact(db);
      insert.run({ id, name, json: JSON.stringify(probe), now });
      return { id, name, probe, createdAt: now };
    },
    delete(id: string): void {
      assertDatabaseFileIntact(db);
      if (remove.run(id).changes === 0) throw new AppFailure('NOT_FOUND', 'That machine profile no longer exists.');
    },
  };
}
