/**
 * The renderer's only way to the backend: one `invoke` typed by the shared contract. Three
 * implementations: Electron IPC (window.tuneplan, from the preload), local HTTP (browser mode)
 * and, in component tests, the real services in-process (tests/helpers/test-api.ts).
 */
import { methodName, type Channel } from '../../shared/channels';
import type { InputOf, OutputOf } from '../../shared/contract';
import { fail, ok, type Result } from '../../shared/result';

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

/** The token itself, or a pending exchange of a one-time launch code for it. */
export type TokenSource = string | (() => Promise<Result<string>>);

export function createHttpApi(baseUrl: string, token: TokenSource, fetchImpl: typeof fetch = fetch): TuneplanApi {
  return {
    transport: 'http',
    async invoke(channel, input) {
      let response: Response;
      const auth = typeof token === 'string' ? ok(token) : await token();
      if (!auth.ok) return auth;
      const bearer = auth.data;
      try {
        response = await fetchImpl(`${baseUrl}/api/${channel}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bearer}` },
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

/**
 * `npm start` opens `/#code=…` instead of the token (the browser's command line is visible to other
 * users, see build/scripts/open-browser.mjs). Takes the one-time code out of the address bar; the
 * caller trades it for the token with redeemLaunchCode.
 */
export function takeLaunchCodeFromLocation(loc: Location, history: History): string | null {
  const match = /(?:^#|&)code=([A-Za-z0-9_-]+)/.exec(loc.hash);
  if (!match?.[1]) return null;
  history.replaceState(null, '', loc.pathname + loc.search);
  return match[1];
}

/** Trades a one-time launch code for the token (POST /auth/redeem, electron/web/server.ts). */
export async function redeemLaunchCode(
  baseUrl: string,
  code: string,
  fetchImpl: typeof fetch = fetch,
): Promise<Result<string>> {
  try {
    const response = await fetchImpl(`${baseUrl}/auth/redeem`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ code }),
    });
    const body = (await response.json()) as Result<{ token?: unknown }>;
    if (!body.ok) return body;
    if (typeof body.data.token === 'string') return ok(body.data.token);
  } catch {
    // Fall through: the server is gone or answered nonsense.
  }
  return fail(
    'UNAUTHORIZED',
    'Could not trade the one-time link for access. ' +
      'Open the address Tuneplan printed at start-up (it ends with #token=…).',
  );
}

export function resolveApi(win: Window & { tuneplan?: Bridge }): TuneplanApi | { error: string } {
  if (win.tuneplan) return createIpcApi(win.tuneplan);
  const code = takeLaunchCodeFromLocation(win.location, win.history);
  if (code) {
    const storage = win.sessionStorage;
    const earlier = storage.getItem(TOKEN_KEY);
    // One exchange per page load, shared by every call; the token then lives in this tab's storage.
    const pending = redeemLaunchCode(win.location.origin, code, win.fetch.bind(win)).then((result) => {
      if (result.ok) storage.setItem(TOKEN_KEY, result.data);
      return !result.ok && earlier ? ok(earlier) : result;
    });
    return createHttpApi(win.location.origin, () => pending, win.fetch.bind(win));
  }
  const token = takeTokenFromLocation(win.location, win.sessionStorage, win.history);
  if (!token) {
    return {
      error: 'This page needs the address Tuneplan printed when it started (it ends with #token=…). Open that address.',
    };
  }
  return createHttpApi(win.location.origin, token, win.fetch.bind(win));
}
