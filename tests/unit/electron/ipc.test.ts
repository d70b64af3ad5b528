import { describe, expect, it } from 'vitest';
import { registerIpc, type IpcEventLike } from '../../../electron/main/ipc';
import type { Dispatch } from '../../../shared/handlers';
import { CHANNELS } from '../../../shared/channels';
import { ok } from '../../../shared/result';

function fakeIpcMain() {
  const handlers = new Map<string, (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>>();
  return {
    handlers,
    handle: (channel: string, fn: (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>) =>
      void handlers.set(channel, fn),
  };
}

describe('IPC wrapper', () => {
  const calls: Array<[string, unknown]> = [];
  const dispatch: Dispatch = (channel, input) => {
    calls.push([channel, input]);
    return Promise.resolve(ok('handled'));
  };
  const ipc = fakeIpcMain();
  registerIpc(ipc, dispatch);
  const call = (url: string | null, ...args: unknown[]) =>
    ipc.handlers.get('plans:list')!({ senderFrame: url === null ? null : { url } }, ...args);

  it('registers exactly the contract channels', () => {
    expect([...ipc.handlers.keys()].sort()).toEqual([...CHANNELS].sort());
  });

  it('dispatches calls from the app:// page', async () => {
    calls.length = 0;
    expect(await call('app://tuneplan/index.html', { query: 'x' })).toEqual(ok('handled'));
    expect(calls).toEqual([['plans:list', { query: 'x' }]]);
  });

  it('refuses a null sender frame (navigated away or destroyed)', async () => {
    calls.length = 0;
    expect(await call(null, {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(calls).toEqual([]);
  });

  it('refuses frames from any other origin', async () => {
    calls.length = 0;
    for (const url of [
      'https://evil.example/',
      'file:///etc/passwd',
      'app://other/index.html',
      'http://127.0.0.1:3000/',
      'devtools://devtools/',
    ]) {
      expect(await call(url, {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    expect(calls).toEqual([]);
  });

  it('accepts exactly one input object', async () => {
    expect(await call('app://tuneplan/', {}, {})).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    calls.length = 0;
    await call('app://tuneplan/');
    expect(calls).toEqual([['plans:list', {}]]);
  });
});
