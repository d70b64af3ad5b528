/**
 * An in-memory implementation of the contract for component tests: same schemas, same error
 * codes, same revision rule as the real services, no database.
 */
import { isChannel } from '../../shared/channels';
import {
  contract,
  type OutputOf,
  type PlanSummary,
  type SavedPlan,
  type StoredModel,
  type StoredProfile,
  type StoredRun,
} from '../../shared/contract';
import type { MachineProbe } from '../../shared/domain/machine';
import type { RunResult } from '../../shared/domain/run-result';
import type { ModelSpec } from '../../shared/domain/model-spec';
import { modelLabel } from '../../shared/domain/plan';
import { uniqueName } from '../../shared/naming';
import { fail, ok, validationFailure, type Result } from '../../shared/result';
import type { TuneplanApi } from './client';

export const FAKE_PROBE: MachineProbe = {
  probeVersion: 1,
  takenAt: '2026-11-28T00:00:00.000Z',
  hostname: 'fake-host',
  os: { platform: 'linux', release: '6.1', arch: 'x64' },
  cpu: { model: 'Fake CPU', physicalCores: 8, logicalCores: 16 },
  memory: { totalBytes: 64 * 2 ** 30, freeBytes: 32 * 2 ** 30 },
  disks: [{ path: '/data', freeBytes: 500 * 2 ** 30, totalBytes: 1000 * 2 ** 30 }],
  gpus: [
    {
      vendor: 'nvidia',
      name: 'NVIDIA GeForce RTX 4090',
      memoryTotalBytes: 24564 * 2 ** 20,
      memoryUsedBytes: 0,
      driver: '550.54.14',
      computeCapability: '8.9',
      unifiedMemory: false,
    },
  ],
  detection: {
    nvidia: 'detected: 1 GPU',
    amd: 'not detected: rocm-smi is not installed or not on PATH',
    apple: 'not detected: not macOS',
  },
};

export function createFakeApi(
  options: { now?: () => Date; newId?: () => string; probe?: MachineProbe } = {},
): TuneplanApi & { plans: Map<string, SavedPlan>; runs: Map<string, StoredRun> } {
  const plans = new Map<string, SavedPlan>();
  const models = new Map<string, StoredModel>();
  const profiles = new Map<string, StoredProfile>();
  const runs = new Map<string, StoredRun>();
  let counter = 0;
  const now = () => (options.now ?? (() => new Date()))().toISOString();
  const newId = options.newId ?? (() => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`);
  const notFound = () => fail('NOT_FOUND', 'That plan no longer exists (it may have been deleted in another window).');

  const handlers = {
    'app:info': () =>
      ok({
        name: 'Tuneplan',
        version: 'test',
        mode: 'test' as const,
        dataDir: '(memory)',
        databasePath: '(memory)',
        schemaVersion: 0,
        readOnly: false,
        notices: [],
      }),
    'plans:list': (input: { query: string; sort: 'updated' | 'name'; limit: number }) => {
      const q = input.query.toLowerCase();
      const rows: PlanSummary[] = [...plans.values()]
        .filter((p) => p.plan.name.toLowerCase().includes(q))
        .map((p) => ({
          id: p.id,
          name: p.plan.name,
          model: modelLabel(p.plan.model),
          techniqueCount: p.plan.techniques.length,
          revision: p.revision,
          createdAt: p.createdAt,
          updatedAt: p.updatedAt,
        }));
      rows.sort((a, b) =>
        input.sort === 'name'
          ? a.name.localeCompare(b.name, undefined, { sensitivity: 'base' })
          : b.updatedAt.localeCompare(a.updatedAt),
      );
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
        return fail(
          'CONFLICT',
          `This plan was changed elsewhere since you opened it (you have revision ${revision}, the saved one is ${existing.revision}).`,
          {
            currentRevision: existing.revision,
          },
        );
      }
      const saved: SavedPlan = { ...existing, revision: existing.revision + 1, updatedAt: at, plan };
      plans.set(id, saved);
      return ok(structuredClone(saved));
    },
    'plans:delete': ({ id }: { id: string }) => {
      if (!plans.delete(id)) return notFound();
      for (const [runId, run] of runs) if (run.planId === id) runs.delete(runId); // ON DELETE CASCADE
      return ok({ id });
    },
    'models:list': () =>
      ok([...models.values()].sort((a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }))),
    'models:save': ({
      spec,
      onConflict,
      replaceId,
    }: {
      spec: ModelSpec;
      onConflict: 'keep-both' | 'replace';
      replaceId?: string;
    }) => {
      const at = now();
      // The rule of db/models-repo.ts: keep both (the newcomer numbered), or replace the model named by id.
      if (onConflict === 'replace' && replaceId) {
        const existing = models.get(replaceId);
        if (!existing) return fail('NOT_FOUND', 'The model to replace no longer exists; keep both instead.');
        const saved: StoredModel = { ...existing, spec: { ...spec, name: existing.name }, updatedAt: at };
        models.set(saved.id, saved);
        return ok(structuredClone(saved));
      }
      const name = uniqueName(
        spec.name,
        [...models.values()].map((m) => m.name),
      );
      const saved: StoredModel = { id: newId(), name, spec: { ...spec, name }, createdAt: at, updatedAt: at };
      models.set(saved.id, saved);
      return ok(structuredClone(saved));
    },
    'models:delete': ({ id }: { id: string }) =>
      models.delete(id) ? ok({ id }) : fail('NOT_FOUND', 'That model no longer exists.'),
    'system:probe': () => ok(structuredClone(options.probe ?? FAKE_PROBE)),
    'profiles:list': () => ok([...profiles.values()].sort((a, b) => a.name.localeCompare(b.name))),
    'profiles:save': ({ name, probe }: { name: string; probe: MachineProbe }) => {
      const saved: StoredProfile = { id: newId(), name, probe, createdAt: now() };
      profiles.set(saved.id, saved);
      return ok(structuredClone(saved));
    },
    'profiles:delete': ({ id }: { id: string }) =>
      profiles.delete(id) ? ok({ id }) : fail('NOT_FOUND', 'That machine profile no longer exists.'),
    'runs:list': ({ planId }: { planId: string }) =>
      ok([...runs.values()].filter((r) => r.planId === planId).sort((a, b) => a.createdAt.localeCompare(b.createdAt))),
    'runs:save': ({ id, planId, result }: { id?: string; planId: string; result: RunResult }) => {
      if (!plans.has(planId))
        return fail('NOT_FOUND', 'That plan no longer exists, so the run cannot be recorded against it.');
      const at = now();
      if (id) {
        const existing = runs.get(id);
        if (!existing || existing.planId !== planId) return fail('NOT_FOUND', 'That run no longer exists.');
        const saved = { ...existing, result, updatedAt: at };
        runs.set(id, saved);
        return ok(structuredClone(saved));
      }
      const saved: StoredRun = { id: newId(), planId, createdAt: at, updatedAt: at, result };
      runs.set(saved.id, saved);
      return ok(structuredClone(saved));
    },
    'runs:delete': ({ id }: { id: string }) =>
      runs.delete(id) ? ok({ id }) : fail('NOT_FOUND', 'That run no longer exists.'),
    'backups:list': () => ok([]),
    'backups:restore': () => fail('NOT_FOUND', 'The in-memory store keeps no backups.'),
    'desktop:savePdf': () => fail('UNSUPPORTED', 'Saving a PDF needs the desktop app.'),
    'desktop:openJson': () => fail('UNSUPPORTED', 'The native open dialog needs the desktop app.'),
  } as const;

  return {
    transport: 'fake',
    plans,
    runs,
    async invoke(channel, input) {
      if (!isChannel(channel)) return fail('UNKNOWN_CHANNEL', `There is no "${String(channel)}" operation.`);
      const parsed = contract[channel].input.safeParse(input);
      if (!parsed.success) return validationFailure(parsed.error);
      const handler = handlers[channel] as (i: unknown) => Result<unknown>;
      return Promise.resolve(handler(parsed.data) as Result<OutputOf<typeof channel>>);
    },
  };
}
