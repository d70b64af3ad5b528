/**
 * The renderer's only way to the backend: one `invoke` typed by the shared contract. Three
 * implementations: Electron IPC (window.tuneplan, from the preload), local HTTP (browser mode)
 * and the in-memory fake (component tests).
 */
import { methodName, type Channel } from '../../shared/channels';
import type { InputOf, OutputOf } from '../../shared/contract';
import { fail, type Result } from '../../shared/result';

export interface TuneplanApi {
  readonly transport: 'ipc' | 'http' | 'fake';
  invoke<C extends Channel>(channel: C, input: InputOf<C>): Promise<Result<OutputOf<C>>>;
}

type Bridge = Record<string, (input?: unknown) => Promise<unknown>>;

export function createIpcApi(bridge: Bridge): TuneplanApi {
  return {
    transport: 'ipc',
    async invoke(channel, input) {
      const method = bridge[methodName(channel)];
      if (!method) return fail('UNKNOWN_CHANNEL', `The desktop bridge has no "${channel}" operation.`);
      return (await method(input)) as Result<OutputOf<typeof channel>>;
    },
  };
}

export function createHttpApi(baseUrl: string, token: string, fetchImpl: typeof fetch = fetch): TuneplanApi {
  return {
    transport: 'http',
    async invoke(channel, input) {
      let response: Response;
      try {
        response = await fetchImpl(`${baseUrl}/api/${channel}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify(input ?? {}),
        });
      } catch {
        return fail(
          'STORAGE',
          'Cannot reach the Tuneplan server. Is it still running? Start it again with `npm start`.',
        );
      }
      try {
        return (await response.json()) as Result<OutputOf<typeof channel>>;
      } catch {
        return fail('INTERNAL', `The server answered ${response.status} without a readable result.`);
      }
    },
  };
}

const TOKEN_KEY = 'tuneplan.token';

/**
 * Browser mode passes its token in the URL fragment (never sent to servers); keep it for this tab
 * and remove it from the address bar so it is not copied or bookmarked by accident.
 */
export function takeTokenFromLocation(loc: Location, storage: Storage, history: History): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(loc.hash);
  if (match?.[1]) {
    storage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', loc.pathname + loc.search);
    return match[1];
  }
  return storage.getItem(TOKEN_KEY);
}

export function resolveApi(win: Window & { tuneplan?: Bridge }): TuneplanApi | { error: string } {
  if (win.tuneplan) return createIpcApi(win.tuneplan);
  const token = takeTokenFromLocation(win.location, win.sessionStorage, win.history);
  if (!token) {
    return {
      error: 'This page needs the address Tuneplan printed when it started (it ends with #token=…). Open that address.',
    };
  }
  return createHttpApi(win.location.origin, token, win.fetch.bind(win));
}
