/**
 * One contract suite, run against every transport (the HTTP server over a real SQLite file, and
 * the in-process dispatch the component tests use, tests/helpers/test-api.ts) so they cannot drift apart.
 */
import { describe, expect, it } from 'vitest';
import type { TuneplanApi } from '../../../renderer/api/client';
import { samplePlan } from '../../helpers/plans';

export function contractSuite(
  name: string,
  make: () => Promise<{ api: TuneplanApi; close: () => Promise<void> | void }>,
): void {
  const withApi = (fn: (api: TuneplanApi) => Promise<void>) => async () => {
    const { api, close } = await make();
    try {
      await fn(api);
    } finally {
      await close();
    }
  };

  describe(`contract over ${name}`, () => {
    it(
      'app:info says who and where',
      withApi(async (api) => {
        const info = await api.invoke('app:info', {});
        expect(info.ok).toBe(true);
        if (info.ok) expect(info.data.name).toBe('Tuneplan');
      }),
    );

    it(
      'saves, lists, gets, updates and deletes a plan',
      withApi(async (api) => {
        const created = await api.invoke('plans:save', { plan: samplePlan({ name: 'First' }) });
        if (!created.ok) throw new Error(created.error.message);
        expect(created.data.revision).toBe(1);
        expect(created.data.plan.techniques.length).toBeGreaterThan(0); // defaults applied

        const list = await api.invoke('plans:list', {});
        expect(list.ok && list.data.map((p) => p.name)).toEqual(['First']);

        const updated = await api.invoke('plans:save', {
          id: created.data.id,
          revision: 1,
          plan: samplePlan({ name: 'First, renamed' }),
        });
        expect(updated.ok && updated.data.revision).toBe(2);

        const got = await api.invoke('plans:get', { id: created.data.id });
        expect(got.ok && got.data.plan.name).toBe('First, renamed');

        const deleted = await api.invoke('plans:delete', { id: created.data.id });
        expect(deleted).toEqual({ ok: true, data: { id: created.data.id } });
        const gone = await api.invoke('plans:get', { id: created.data.id });
        expect(!gone.ok && gone.error.code).toBe('NOT_FOUND');
      }),
    );

    it(
      'answers CONFLICT to a stale save and keeps the newer plan',
      withApi(async (api) => {
        const created = await api.invoke('plans:save', { plan: samplePlan({ name: 'Shared' }) });
        if (!created.ok) throw new Error(created.error.message);
        const windowA = await api.invoke('plans:save', {
          id: created.data.id,
          revision: 1,
          plan: samplePlan({ name: 'A wins' }),
        });
        expect(windowA.ok).toBe(true);
        const windowB = await api.invoke('plans:save', {
          id: created.data.id,
          revision: 1,
          plan: samplePlan({ name: 'B is stale' }),
        });
        expect(!windowB.ok && windowB.error.code).toBe('CONFLICT');
        expect(!windowB.ok && windowB.error.details?.currentRevision).toBe(2);
        const got = await api.invoke('plans:get', { id: created.data.id });
        expect(got.ok && got.data.plan.name).toBe('A wins');
      }),
    );

    it(
      'rejects invalid input with VALIDATION naming the field, and stores nothing',
      withApi(async (api) => {
        const bad = await api.invoke('plans:save', { plan: samplePlan({ name: '   ' }) });
        expect(bad.ok).toBe(false);
        if (!bad.ok) {
          expect(bad.error.code).toBe('VALIDATION');
          expect(bad.error.details?.issues?.map((i) => i.path)).toContain('plan.name');
        }
        const wrongType = await api.invoke('plans:get', { id: 42 } as never);
        expect(!wrongType.ok && wrongType.error.details?.issues?.[0]?.path).toBe('id');
        const extra = await api.invoke('plans:delete', {
          id: '00000000-0000-4000-8000-000000000001',
          sneaky: true,
        } as never);
        expect(!extra.ok && extra.error.code).toBe('VALIDATION');
        const list = await api.invoke('plans:list', {});
        expect(list.ok && list.data).toEqual([]);
      }),
    );

    it(
      'reports unknown ids as NOT_FOUND for update and delete',
      withApi(async (api) => {
        const id = '00000000-0000-4000-8000-00000000abcd';
        const upd = await api.invoke('plans:save', { id, revision: 1, plan: samplePlan() });
        expect(!upd.ok && upd.error.code).toBe('NOT_FOUND');
        const del = await api.invoke('plans:delete', { id });
        expect(!del.ok && del.error.code).toBe('NOT_FOUND');
      }),
    );

    it(
      'requires the revision when updating',
      withApi(async (api) => {
        const res = await api.invoke('plans:save', { id: '00000000-0000-4000-8000-000000000001', plan: samplePlan() });
        expect(!res.ok && res.error.details?.issues?.map((i) => i.path)).toEqual(['revision']);
      }),
    );

    it(
      'keeps imported models for reuse; a second model with the same name is kept beside it as " (2)"',
      withApi(async (api) => {
        const spec = {
          name: 'My-Qwen',
          modelType: 'qwen2' as const,
          hiddenSize: 2048,
          intermediateSize: 11008,
          numLayers: 36,
          numHeads: 16,
          numKvHeads: 2,
          headDim: 128,
          vocabSize: 151936,
          maxPositionEmbeddings: 32768,
          tieWordEmbeddings: true,
        };
        const saved = await api.invoke('models:save', { spec });
        if (!saved.ok) throw new Error(saved.error.message);
        // Issue 11.1: two different config.json files used to land on one name, and the second
        // silently overwrote the first. Keep both; the newcomer is numbered.
        const again = await api.invoke('models:save', { spec: { ...spec, numLayers: 40 } });
        if (!again.ok) throw new Error(again.error.message);
        expect(again.data.id).not.toBe(saved.data.id);
        expect([again.data.name, again.data.spec.name]).toEqual(['My-Qwen (2)', 'My-Qwen (2)']);
        const third = await api.invoke('models:save', { spec: { ...spec, name: 'my-qwen', numLayers: 24 } });
        expect(third.ok && third.data.name).toBe('my-qwen (3)');
        const list = await api.invoke('models:list', {});
        expect(list.ok && list.data.map((m) => [m.name, m.spec.numLayers])).toEqual([
          ['My-Qwen', 36],
          ['My-Qwen (2)', 40],
          ['my-qwen (3)', 24],
        ]);
        const bad = await api.invoke('models:save', { spec: { ...spec, numKvHeads: 3 } });
        expect(!bad.ok && bad.error.details?.issues?.[0]?.path).toBe('spec.numKvHeads');
        expect((await api.invoke('models:delete', { id: saved.data.id })).ok).toBe(true);
        const gone = await api.invoke('models:delete', { id: saved.data.id });
        expect(!gone.ok && gone.error.code).toBe('NOT_FOUND');
      }),
    );

    it(
      'replaces a model only when asked, and only the one named by id',
      withApi(async (api) => {
        const spec = {
          name: 'Qwen/Qwen2.5-7B-Instruct',
          modelType: 'qwen2' as const,
          hiddenSize: 3584,
          intermediateSize: 18944,
          numLayers: 28,
          numHeads: 28,
          numKvHeads: 4,
          headDim: 128,
          vocabSize: 152064,
          maxPositionEmbeddings: 32768,
          tieWordEmbeddings: false,
        };
        const first = await api.invoke('models:save', { spec });
        if (!first.ok) throw new Error(first.error.message);
        const noId = await api.invoke('models:save', { spec, onConflict: 'replace' });
        expect(!noId.ok && noId.error.details?.issues?.[0]?.path).toBe('replaceId');
        const replaced = await api.invoke('models:save', {
          spec: { ...spec, numLayers: 30 },
          onConflict: 'replace',
          replaceId: first.data.id,
        });
        if (!replaced.ok) throw new Error(replaced.error.message);
        expect([replaced.data.id, replaced.data.name, replaced.data.spec.numLayers]).toEqual([
          first.data.id,
          'Qwen/Qwen2.5-7B-Instruct',
          30,
        ]);
        expect(replaced.data.createdAt).toBe(first.data.createdAt);
        const list = await api.invoke('models:list', {});
        expect(list.ok && list.data.length).toBe(1);
        await api.invoke('models:delete', { id: first.data.id });
        const missing = await api.invoke('models:save', { spec, onConflict: 'replace', replaceId: first.data.id });
        expect(!missing.ok && missing.error.code).toBe('NOT_FOUND');
      }),
    );

    it(
      'records, edits and deletes runs against a plan; deleting the plan deletes its runs',
      withApi(async (api) => {
        const plan = await api.invoke('plans:save', { plan: samplePlan() });
        if (!plan.ok) throw new Error(plan.error.message);
        const run = await api.invoke('runs:save', {
          planId: plan.data.id,
          result: {
            technique: 'lora',
            gpuName: 'NVIDIA A100 80GB',
            gpuCount: 1,
            peakMemoryBytes: 20e9,
            wallSeconds: 3600,
          },
        });
        if (!run.ok) throw new Error(run.error.message);
        expect(run.data.result).toMatchObject({ memoryCounter: 'reserved', lossCurve: [], source: 'manual' });
        const edited = await api.invoke('runs:save', {
          id: run.data.id,
          planId: plan.data.id,
          result: { ...run.data.result, notes: 'second try' },
        });
        expect(edited.ok && edited.data.result.notes).toBe('second try');
        const bad = await api.invoke('runs:save', {
          planId: plan.data.id,
          result: { technique: 'lora', gpuName: '', gpuCount: 0 },
        });
        expect(!bad.ok && bad.error.details?.issues?.map((i) => i.path).sort()).toEqual([
          'result.gpuCount',
          'result.gpuName',
        ]);
        const orphan = await api.invoke('runs:save', {
          planId: '00000000-0000-4000-8000-0000000000ff',
          result: { technique: 'lora', gpuName: 'x', gpuCount: 1 },
        });
        expect(!orphan.ok && orphan.error.code).toBe('NOT_FOUND');
        expect((await api.invoke('runs:list', { planId: plan.data.id })).ok).toBe(true);
        await api.invoke('plans:delete', { id: plan.data.id });
        const after = await api.invoke('runs:list', { planId: plan.data.id });
        expect(after.ok && after.data).toEqual([]);
      }),
    );

    it(
      'probes this machine and keeps named profiles',
      withApi(async (api) => {
        const probe = await api.invoke('system:probe', {});
        if (!probe.ok) throw new Error(probe.error.message);
        expect(probe.data.cpu.logicalCores).toBeGreaterThan(0);
        const saved = await api.invoke('profiles:save', { name: 'lab server', probe: probe.data });
        expect(saved.ok && saved.data.name).toBe('lab server');
        const list = await api.invoke('profiles:list', {});
        expect(list.ok && list.data.map((p) => p.name)).toEqual(['lab server']);
        const bad = await api.invoke('profiles:save', {
          name: 'x',
          probe: { ...probe.data, memory: { totalBytes: -1, freeBytes: 0 } },
        });
        expect(!bad.ok && bad.error.details?.issues?.[0]?.path).toBe('probe.memory.totalBytes');
      }),
    );

    it(
      'searches and sorts the list',
      withApi(async (api) => {
        for (const n of ['Charlie', 'alpha', 'Bravo'])
          await api.invoke('plans:save', { plan: samplePlan({ name: n }) });
        const byName = await api.invoke('plans:list', { sort: 'name' });
        expect(byName.ok && byName.data.map((p) => p.name)).toEqual(['alpha', 'Bravo', 'Charlie']);
        const found = await api.invoke('plans:list', { query: 'rav' });
        expect(found.ok && found.data.map((p) => p.name)).toEqual(['Bravo']);
      }),
    );
  });
}
