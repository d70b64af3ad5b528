import { openDatabase } from '../../db/open';
import { createDispatch, createHandlers } from '../../electron/services/create-handlers';
import { startWebServer } from '../../electron/web/server';
import { createHttpApi, type TuneplanApi } from '../../renderer/api/client';
import { FAKE_PROBE } from './fake-probe';

/** A real web host over an in-memory SQLite database, on a free loopback port. */
export async function startTestHost(
  staticDir?: string,
): Promise<{ api: TuneplanApi; url: string; port: number; token: string; close: () => Promise<void> }> {
  const db = openDatabase({ file: ':memory:' });
  let tick = 0;
  const handlers = createHandlers({
    db,
    appInfo: { name: 'Tuneplan', version: 'test', mode: 'test', dataDir: '(memory)', databasePath: ':memory:' },
    now: () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)),
    probe: () => Promise.resolve(FAKE_PROBE),
  });
  const token = 'test-token-' + Math.random().toString(36).slice(2);
  const server = await startWebServer({
    dispatch: createDispatch(handlers, () => {}),
    token,
    ...(staticDir ? { staticDir } : {}),
  });
  return {
    api: createHttpApi(server.url, token),
    url: server.url,
    port: server.port,
    token,
    close: async () => {
      await server.close();
      db.close();
    },
  };
}
