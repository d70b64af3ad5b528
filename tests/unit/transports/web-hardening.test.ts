/**
 * Issue 11 items 9–11: browser-mode failures answer a Result envelope with a 4xx/507 status (never a
 * reset or a 500), static files never follow a symlink out of the served folder, and the browser is
 * opened with a one-time code instead of the token.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../db/open';
import { createDispatch, createHandlers } from '../../../electron/services/create-handlers';
import { startWebServer, statusFor, MAX_BODY_BYTES, type RunningServer } from '../../../electron/web/server';
import { ERROR_CODES } from '../../../shared/result';
import { createLaunchCodes, LAUNCH_CODE_TTL_MS } from '../../../electron/web/launch-codes';
import { browserCommand, openWithLaunchCode } from '../../../build/scripts/open-browser.mjs';
import { FAKE_PROBE } from '../../helpers/fake-probe';
import { resolveApi } from '../../../renderer/api/client';
import { makeTempDir } from '../../helpers/temp-dir';
import { samplePlan } from '../../helpers/plans';

interface Reply {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** Raw HTTP over a real socket; `chunks` are written one by one (chunked transfer when no Content-Length). */
function request(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; chunks?: (string | Buffer)[] },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: opts.method ?? 'POST', path: opts.path, headers: opts.headers },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    for (const chunk of opts.chunks ?? []) req.write(chunk);
    req.end();
  });
}

async function startHost(
  prepare: (db: Db) => void = () => {},
  staticDir?: string,
): Promise<{ server: RunningServer; token: string; db: Db; close: () => Promise<void> }> {
  const db = openDatabase({ file: ':memory:' });
  const handlers = createHandlers({
    db,
    appInfo: { name: 'Tuneplan', version: 'test', mode: 'test', dataDir: '(memory)', databasePath: ':memory:' },
    probe: () => Promise.resolve(FAKE_PROBE),
  });
  prepare(db);
  const token = 'hardening-token-' + Math.random().toString(36).slice(2);
  const server = await startWebServer({
    dispatch: createDispatch(handlers, () => {}),
    token,
    ...(staticDir ? { staticDir } : {}),
  });
  return {
    server,
    token,
    db,
    close: async () => {
      await server.close();
      db.close();
    },
  };
}

const envelope = (reply: Reply) => JSON.parse(reply.body) as { ok: boolean; error?: { code: string; message: string } };

describe('expected failures over HTTP', () => {
  let host: Awaited<ReturnType<typeof startHost>>;
  beforeAll(async () => {
    host = await startHost();
  });
  afterAll(() => host.close());
  const post = (channel: string, chunks: (string | Buffer)[], extra: Record<string, string> = {}) =>
    request(host.server.port, {
      path: `/api/${channel}`,
      headers: {
        Host: `127.0.0.1:${host.server.port}`,
        'Content-Type': 'application/json',
        Authorization: `Bearer ${host.token}`,
        ...extra,
      },
      chunks,
    });

  it('answers an oversize body (Content-Length) with 413 and the error envelope, not a reset', async () => {
    const big = JSON.stringify({ query: 'x'.repeat(MAX_BODY_BYTES + 1024) });
    const reply = await post('plans:list', [big], { 'Content-Length': String(Buffer.byteLength(big)) });
    expect(reply.status).toBe(413);
    expect(envelope(reply)).toMatchObject({ ok: false, error: { code: 'TOO_LARGE' } });
  });

  it('answers an oversize chunked body with 413 too, and keeps serving afterwards', async () => {
    const piece = Buffer.alloc(1024 * 1024, 'x');
    const chunks = ['{"query":"', ...Array.from({ length: 8 }, () => piece), '"}'];
    const reply = await post('plans:list', chunks);
    expect(reply.status).toBe(413);
    expect(envelope(reply).error?.code).toBe('TOO_LARGE');
    expect((await post('plans:list', ['{}'])).status).toBe(200);
  });

  it('answers a desktop-only channel in browser mode with 400 UNSUPPORTED, not 500', async () => {
    const reply = await post('desktop:savePdf', ['{"suggestedName":"plan.pdf"}']);
    expect(reply.status).toBe(400);
    expect(envelope(reply).error?.code).toBe('UNSUPPORTED');
  });

  it('answers a malformed percent encoding in the channel with 400 VALIDATION, not 500', async () => {
    const reply = await post('plans%E0%A4%A', ['{}']);
    expect(reply.status).toBe(400);
    expect(envelope(reply)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(envelope(reply).error?.message).toMatch(/channel/);
  });
});

describe('HTTP status per error code', () => {
  it('answers 4xx or 507 for every expected failure and 500 only for INTERNAL', () => {
    for (const code of ERROR_CODES) {
      const status = statusFor(code);
      if (code === 'INTERNAL') expect(status).toBe(500);
      else expect(status === 507 || (status >= 400 && status < 500), `${code} → ${status}`).toBe(true);
    }
  });
});

describe('storage failures over HTTP', () => {
  const save = (host: Awaited<ReturnType<typeof startHost>>) =>
    request(host.server.port, {
      path: '/api/plans:save',
      headers: {
        Host: `127.0.0.1:${host.server.port}`,
        'Content-Type': 'application/json',
        Authorization: `Bearer ${host.token}`,
      },
      chunks: [JSON.stringify({ plan: samplePlan() })],
    });

  it('answers a full database (real SQLITE_FULL via max_page_count) with 507 STORAGE', async () => {
    // https://www.sqlite.org/pragma.html#pragma_max_page_count: writes past the cap fail with SQLITE_FULL.
    const host = await startHost((db) => {
      const pages = db.pragma('page_count', { simple: true }) as number;
      db.pragma(`max_page_count = ${pages}`);
    });
    try {
      // Small rows still fit in the pages already there; save until the first one needs a new page.
      let reply = await save(host);
      for (let i = 0; i < 500 && reply.status === 200; i++) reply = await save(host);
      expect(envelope(reply).error?.code).toBe('STORAGE');
      expect(envelope(reply).error?.message).toMatch(/disk is full/);
      expect(reply.status).toBe(507);
    } finally {
      await host.close();
    }
  });

  it('answers a read-only database (real SQLITE_READONLY via query_only) with 507 READ_ONLY', async () => {
    // https://www.sqlite.org/pragma.html#pragma_query_only: writes fail with SQLITE_READONLY.
    const host = await startHost((db) => db.pragma('query_only = 1'));
    try {
      const reply = await save(host);
      expect(envelope(reply).error?.code).toBe('READ_ONLY');
      expect(reply.status).toBe(507);
    } finally {
      await host.close();
    }
  });
});

describe('static files and symlinks', () => {
  const temp = makeTempDir();
  const served = path.join(temp.dir, 'renderer');
  const outside = path.join(temp.dir, 'outside');
  let host: Awaited<ReturnType<typeof startHost>>;
  beforeAll(async () => {
    fs.mkdirSync(path.join(served, 'assets'), { recursive: true });
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(served, 'index.html'), '<!doctype html><title>t</title>');
    fs.writeFileSync(path.join(served, 'assets', 'app.js'), 'console.log("inside")');
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'TOP-SECRET');
    fs.writeFileSync(path.join(outside, 'secret'), 'TOP-SECRET-NO-EXT');
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(served, 'leak.txt'));
    fs.symlinkSync(path.join(outside, 'secret'), path.join(served, 'leak'));
    fs.symlinkSync(outside, path.join(served, 'outdir'), 'dir');
    fs.symlinkSync(path.join(served, 'assets', 'app.js'), path.join(served, 'alias.js'));
    host = await startHost(undefined, served);
  });
  afterAll(async () => {
    await host.close();
    temp.cleanup();
  });
  const get = (p: string) =>
    request(host.server.port, { method: 'GET', path: p, headers: { Host: `127.0.0.1:${host.server.port}` } });

  it('refuses symlinks that leave the served folder', async () => {
    for (const p of ['/leak.txt', '/outdir/secret.txt', '/leak', '/outdir/secret']) {
      const reply = await get(p);
      expect(reply.body, p).not.toContain('TOP-SECRET');
      expect(reply.status, p).toBe(404);
    }
  });

  it('serves a symlink that stays inside the served folder', async () => {
    const reply = await get('/alias.js');
    expect(reply.status).toBe(200);
    expect(reply.body).toBe('console.log("inside")');
  });
});

describe('one-time launch codes', () => {
  it('redeems a code once, then refuses it', () => {
    const codes = createLaunchCodes();
    const { code } = codes.issue();
    expect(code).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(codes.redeem(code)).toBe('ok');
    expect(codes.redeem(code)).toBe('used');
    expect(codes.redeem('made-up')).toBe('unknown');
  });

  it('refuses a code after it expires', () => {
    let now = 1_000_000;
    const codes = createLaunchCodes({ now: () => now });
    const { code, expiresAt } = codes.issue();
    expect(expiresAt).toBe(now + LAUNCH_CODE_TTL_MS);
    now += LAUNCH_CODE_TTL_MS + 1;
    expect(codes.redeem(code)).toBe('expired');
  });

  it('keeps only a few outstanding codes', () => {
    const codes = createLaunchCodes();
    const first = codes.issue().code;
    for (let i = 0; i < 50; i++) codes.issue();
    expect(codes.redeem(first)).toBe('unknown');
  });
});

describe('opening the browser without the token on a command line', () => {
  let host: Awaited<ReturnType<typeof startHost>>;
  beforeAll(async () => {
    host = await startHost();
  });
  afterAll(() => host.close());
  const printed = () => `${host.server.url}/#token=${host.token}`;
  const redeem = (code: string, origin = host.server.url) =>
    request(host.server.port, {
      path: '/auth/redeem',
      headers: { Host: `127.0.0.1:${host.server.port}`, 'Content-Type': 'application/json', Origin: origin },
      chunks: [JSON.stringify({ code })],
    });

  it('opens a one-time code URL, never the token, and the code yields the token exactly once', async () => {
    const calls: { command: string; args: string[] }[] = [];
    const opened = await openWithLaunchCode(printed(), {
      open: (command, args) => calls.push({ command, args }),
    });
    expect(calls).toHaveLength(1);
    const argv = [calls[0]!.command, ...calls[0]!.args].join(' ');
    expect(argv).not.toContain(host.token);
    expect(argv).not.toContain('token');
    const code = /#code=([A-Za-z0-9_-]+)$/.exec(opened ?? '')?.[1];
    expect(code).toBeDefined();
    expect(argv).toContain(`${host.server.url}/#code=${code}`);

    const first = await redeem(code!);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toEqual({ ok: true, data: { token: host.token } });
    const second = await redeem(code!);
    expect(second.status).toBe(401);
    expect(envelope(second).error?.code).toBe('UNAUTHORIZED');
    expect(second.body).not.toContain(host.token);
  });

  it('mints codes only for a caller that holds the token', async () => {
    const mint = (auth: string) =>
      request(host.server.port, {
        path: '/auth/code',
        headers: { Host: `127.0.0.1:${host.server.port}`, Authorization: auth },
      });
    expect((await mint('Bearer wrong')).status).toBe(401);
    const ok = await mint(`Bearer ${host.token}`);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ ok: true, data: { code: expect.any(String) } });
  });

  it('refuses to redeem from a foreign origin', async () => {
    const calls: string[][] = [];
    const opened = await openWithLaunchCode(printed(), { open: (_c, args) => calls.push(args) });
    const code = /#code=(.+)$/.exec(opened ?? '')![1]!;
    expect((await redeem(code, 'https://evil.example')).status).toBe(403);
    expect((await redeem(code)).status).toBe(200);
  });

  it('opens nothing (and never the token) when no code can be had', async () => {
    const calls: string[][] = [];
    const logs: string[] = [];
    const opened = await openWithLaunchCode(`${host.server.url}/#token=wrong`, {
      open: (_c, args) => calls.push(args),
      log: (m) => logs.push(m),
    });
    expect(opened).toBeNull();
    expect(calls).toEqual([]);
    expect(logs.join('\n')).toMatch(/open the address/i);
  });

  it('builds the platform opener commands with only the code URL', () => {
    const url = 'http://127.0.0.1:5000/#code=abc';
    expect(browserCommand(url, 'linux')).toEqual({ command: 'xdg-open', args: [url] });
    expect(browserCommand(url, 'darwin')).toEqual({ command: 'open', args: [url] });
    expect(browserCommand(url, 'win32')).toEqual({ command: 'cmd', args: ['/c', 'start', '', url] });
  });
});

describe('the page trades the one-time code for the token', () => {
  let host: Awaited<ReturnType<typeof startHost>>;
  beforeAll(async () => {
    host = await startHost();
  });
  afterAll(() => host.close());

  /** Just the parts of `window` that resolveApi reads, backed by a real fetch to the real server. */
  function fakeWindow(hash: string, stored: Record<string, string> = {}) {
    const storage = new Map(Object.entries(stored));
    const replaced: string[] = [];
    const win = {
      location: { hash, pathname: '/', search: '', origin: host.server.url },
      sessionStorage: {
        getItem: (k: string) => storage.get(k) ?? null,
        setItem: (k: string, v: string) => void storage.set(k, v),
      },
      history: { replaceState: (_s: unknown, _t: string, url: string) => void replaced.push(url) },
      // A real fetch to the real server (a browser adds the page's own Origin, which the server accepts).
      fetch: (input: string, init: RequestInit) => fetch(input, init),
    };
    return { win: win as unknown as Window, storage, replaced };
  }
  const mint = async () => {
    const reply = await request(host.server.port, {
      path: '/auth/code',
      headers: { Host: `127.0.0.1:${host.server.port}`, Authorization: `Bearer ${host.token}` },
    });
    return (JSON.parse(reply.body) as { data: { code: string } }).data.code;
  };

  it('strips the code from the address bar, redeems it and keeps the token for the tab', async () => {
    const code = await mint();
    const { win, storage, replaced } = fakeWindow(`#code=${code}`);
    const api = resolveApi(win);
    expect(replaced).toEqual(['/']);
    if ('error' in api) throw new Error(api.error);
    const [a, b] = await Promise.all([api.invoke('plans:list', {}), api.invoke('app:info', {})]);
    expect(a.ok && b.ok).toBe(true);
    expect(storage.get('tuneplan.token')).toBe(host.token);
  });

  it('explains a used link instead of failing silently', async () => {
    const code = await mint();
    const first = resolveApi(fakeWindow(`#code=${code}`).win);
    if ('error' in first) throw new Error(first.error);
    expect((await first.invoke('plans:list', {})).ok).toBe(true);
    const again = resolveApi(fakeWindow(`#code=${code}`).win);
    if ('error' in again) throw new Error(again.error);
    const result = await again.invoke('plans:list', {});
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('UNAUTHORIZED');
      expect(result.error.message).toMatch(/already used/);
    }
  });
});
