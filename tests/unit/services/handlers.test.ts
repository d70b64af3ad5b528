import { describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION } from '../../../db/migrations';
import { openDatabase } from '../../../db/open';
import { createDispatch, createHandlers, errorToResult } from '../../../electron/services/create-handlers';
import type { Handlers } from '../../../shared/handlers';
import { AppFailure } from '../../../shared/result';
import { samplePlan } from '../../helpers/plans';

function setup() {
  const db = openDatabase({ file: ':memory:' });
  const ids = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];
  const handlers = createHandlers({
    db,
    appInfo: {
      name: 'Tuneplan',
      version: '1.2.3',
      mode: 'test',
      dataDir: '/data',
      databasePath: '/data/tuneplan.sqlite',
    },
    now: () => new Date('2026-11-28T10:00:00Z'),
    newId: () => ids.shift() ?? 'x',
  });
  const logs: string[] = [];
  return { db, handlers, dispatch: createDispatch(handlers, (m) => logs.push(m)), logs };
}

describe('handlers and dispatch', () => {
  it('app:info reports version, data folder, mode and schema', async () => {
    const { dispatch } = setup();
    expect(await dispatch('app:info', {})).toEqual({
      ok: true,
      data: {
        name: 'Tuneplan',
        version: '1.2.3',
        mode: 'test',
        dataDir: '/data',
        databasePath: '/data/tuneplan.sqlite',
        schemaVersion: LATEST_SCHEMA_VERSION,
        readOnly: false,
        notices: [],
      },
    });
  });

  it('uses injected ids and clock', async () => {
    const { dispatch } = setup();
    const res = await dispatch('plans:save', { plan: samplePlan() });
    expect(res).toMatchObject({
      ok: true,
      data: { id: '11111111-1111-4111-8111-111111111111', createdAt: '2026-11-28T10:00:00.000Z' },
    });
  });

  it('refuses unknown channels without calling anything', async () => {
    const { dispatch } = setup();
    expect(await dispatch('plans:drop', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(await dispatch('__proto__', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
  });

  it('names every invalid field in one VALIDATION error', async () => {
    const { dispatch } = setup();
    const res = await dispatch('plans:save', { plan: { name: '', model: { source: 'catalog', id: '' }, notes: 5 } });
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.error.code).toBe('VALIDATION');
      expect(res.error.details?.issues?.map((i) => i.path).sort()).toEqual([
        'plan.model.id',
        'plan.name',
        'plan.notes',
      ]);
      expect(res.error.message).toMatch(/plan\.(name|model\.id|notes)/);
    }
  });

  it('never throws: a bug becomes INTERNAL and is logged', async () => {
    const { handlers, logs } = setup();
    const broken: Handlers = {
      ...handlers,
      'plans:list': () => {
        throw new TypeError('boom');
      },
    };
    const res = await createDispatch(broken, (m) => logs.push(m))('plans:list', {});
    expect(res).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(logs.join('\n')).toMatch(/boom/);
  });

  it('maps storage failures to plain messages', () => {
    const log = () => {};
    expect(errorToResult(Object.assign(new Error('ro'), { code: 'SQLITE_READONLY' }), log)).toMatchObject({
      error: { code: 'READ_ONLY' },
    });
    expect(errorToResult(Object.assign(new Error('full'), { code: 'SQLITE_FULL' }), log)).toMatchObject({
      error: { code: 'STORAGE', message: /disk is full/ },
    });
    expect(errorToResult(Object.assign(new Error('x'), { code: 'SQLITE_IOERR' }), log)).toMatchObject({
      error: { code: 'STORAGE' },
    });
    expect(errorToResult(new AppFailure('CONFLICT', 'c', { currentRevision: 3 }), log)).toEqual({
      ok: false,
      error: { code: 'CONFLICT', message: 'c', details: { currentRevision: 3 } },
    });
  });

  it('a read-only database answers READ_ONLY and keeps what was saved', async () => {
    const { db, dispatch } = setup();
    await dispatch('plans:save', { plan: samplePlan({ name: 'kept' }) });
    db.pragma('query_only = ON');
    const res = await dispatch('plans:save', { plan: samplePlan({ name: 'new' }) });
    expect(res.ok).toBe(false);
    const list = await dispatch('plans:list', {});
    expect(list.ok && (list.data as { name: string }[]).map((p) => p.name)).toEqual(['kept']);
  });
});
