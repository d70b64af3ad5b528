/**
 * `models:fetchHubConfig` (issue 16) against a local stand-in for the Hub that serves real config.json files
 * (tests/helpers/hub-stand-in.ts): over the in-process dispatch every transport shares, and over the browser-mode
 * HTTP server with the Hub's address taken from TUNEPLAN_HF_ENDPOINT.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../db/open';
import { createDispatch, createHandlers } from '../../../electron/services/create-handlers';
import { fetchHubConfig, hubDepsFromEnv, type HubDeps } from '../../../electron/services/hub-config';
import { readHfConfigText } from '../../../shared/catalog/hf-config';
import {
  hubConfigPageUrl,
  HubConfigRequestSchema,
  type HubConfigFetched,
  hubRepoIdFromText,
  hubRepoIdProblem,
} from '../../../shared/catalog/hub-repo-id';
import { describeArchitecture } from '../../../shared/estimate/architecture';
import type { Result } from '../../../shared/result';
import {
  closedPortUrl,
  fixtureText,
  GOOD_TOKEN,
  INVALID_TOKEN,
  STAND_IN_COMMIT,
  startHubStandIn,
  type HubStandIn,
} from '../../helpers/hub-stand-in';
import { startTestHost } from '../../helpers/web-host';

let hub: HubStandIn;
beforeAll(async () => {
  hub = await startHubStandIn();
});
afterAll(() => hub.close());
afterEach(() => {
  hub.requests.length = 0;
});

function dispatchWith(deps: Partial<HubDeps> = {}) {
  const db = openDatabase({ file: ':memory:' });
  const logs: string[] = [];
  const dispatch = createDispatch(
    createHandlers({
      db,
      appInfo: { name: 'Tuneplan', version: 'test', mode: 'test', dataDir: '', databasePath: ':memory:' },
      now: () => new Date('2026-03-01T12:00:00Z'),
      hub: () => ({ hubUrl: hub.url, timeoutMs: 2000, ...deps }),
    }),
    (m) => logs.push(m),
  );
  const fetch = (input: unknown) => dispatch('models:fetchHubConfig', input) as Promise<Result<HubConfigFetched>>;
  return { fetch, logs };
}

const failure = (r: Result<unknown>) => {
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r.data).slice(0, 200)}`);
  return r.error;
};

describe('Hub model ids (huggingface_hub validate_repo_id rules)', () => {
  it('accepts what the Hub accepts', () => {
    for (const id of [
      'Qwen/Qwen2.5-7B-Instruct',
      'gpt2',
      'deepseek-ai/DeepSeek-V3',
      'a/b',
      'Foo-BAR_foo.bar123',
      '_x/y_',
    ])
      expect(hubRepoIdProblem(id), id).toBeNull();
  });

  it('refuses what the Hub refuses, saying why', () => {
    expect(hubRepoIdProblem('datasets/foo/bar')).toMatch(/more than one "\/"/);
    expect(hubRepoIdProblem('.repo_id')).toMatch(/start and end each part/);
    expect(hubRepoIdProblem('foo/bar-')).toMatch(/start and end each part/);
    expect(hubRepoIdProblem('foo--bar')).toMatch(/"--" and ".."/);
    expect(hubRepoIdProblem('foo/a..b')).toMatch(/"--" and ".."/);
    expect(hubRepoIdProblem('foo.git')).toMatch(/\.git/);
    expect(hubRepoIdProblem('foo/' + 'x'.repeat(97))).toMatch(/96/);
    expect(hubRepoIdProblem('foo/' + 'x'.repeat(96))).toBeNull();
    expect(hubRepoIdProblem('org/na me')).not.toBeNull();
    expect(hubRepoIdProblem('org/modèle')).not.toBeNull();
    expect(hubRepoIdProblem('../../etc/passwd')).not.toBeNull();
  });

  it('takes the id out of a pasted Hub address', () => {
    expect(hubRepoIdFromText('  Qwen/Qwen2.5-7B-Instruct ')).toBe('Qwen/Qwen2.5-7B-Instruct');
    expect(hubRepoIdFromText('https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/blob/main/config.json')).toBe(
      'Qwen/Qwen2.5-7B-Instruct',
    );
    expect(hubRepoIdFromText('huggingface.co/deepseek-ai/DeepSeek-V3')).toBe('deepseek-ai/DeepSeek-V3');
    expect(hubRepoIdFromText('https://huggingface.co/gpt2/resolve/main/config.json')).toBe('gpt2');
    expect(hubRepoIdFromText('https://huggingface.co/datasets/x/y')).toBe('https://huggingface.co/datasets/x/y');
  });

  it('the contract refuses a bad id or revision before anything is fetched, naming the field', async () => {
    const { fetch } = dispatchWith();
    const bad = failure(await fetch({ repoId: 'models/Qwen/Qwen2.5-7B' }));
    expect(bad.code).toBe('VALIDATION');
    expect(bad.details?.issues?.[0]).toMatchObject({ path: 'repoId', message: expect.stringMatching(/"\/"/) });
    const rev = failure(await fetch({ repoId: 'Qwen/Qwen2.5-7B-Instruct', revision: '../../x' }));
    expect(rev.details?.issues?.[0]?.path).toBe('revision');
    expect(failure(await fetch({ repoId: 'Qwen/Qwen2.5-7B-Instruct', extra: 1 })).code).toBe('VALIDATION');
    expect(HubConfigRequestSchema.safeParse({ repoId: 'a/b', revision: 'refs/pr/3' }).success).toBe(true);
    expect(hub.requests).toHaveLength(0);
  });
});

describe('models:fetchHubConfig over the in-process dispatch', () => {
  it('fetches the real config.json the way @huggingface/hub asks (a 1-byte range first, then the file)', async () => {
    const r = await dispatchWith().fetch({ repoId: 'Qwen/Qwen2.5-7B-Instruct' });
    expect(r).toEqual({
      ok: true,
      data: {
        name: 'Qwen/Qwen2.5-7B-Instruct',
        text: fixtureText('Qwen/Qwen2.5-7B-Instruct'),
        source: {
          repoId: 'Qwen/Qwen2.5-7B-Instruct',
          revision: 'main',
          commit: STAND_IN_COMMIT,
          url: `${hub.url}/Qwen/Qwen2.5-7B-Instruct/resolve/main/config.json`,
          fetchedAt: '2026-03-01T12:00:00.000Z',
        },
      },
    });
    expect(hub.requests.map((q) => [q.method, q.url, q.range])).toEqual([
      ['GET', '/Qwen/Qwen2.5-7B-Instruct/resolve/main/config.json', 'bytes=0-0'],
      ['GET', '/Qwen/Qwen2.5-7B-Instruct/resolve/main/config.json', undefined],
    ]);
    // No token configured: none sent.
    expect(hub.requests.every((q) => q.authorization === undefined)).toBe(true);
  });

  it('the text reads with the same reader as an opened file, to the exact parameter count', async () => {
    const r = await dispatchWith().fetch({ repoId: 'deepseek-ai/DeepSeek-V3' });
    if (!r.ok) throw new Error(r.error.message);
    const fromHub = readHfConfigText(r.data.text);
    const fromFile = readHfConfigText(fixtureText('deepseek-ai/DeepSeek-V3'));
    expect(describeArchitecture(fromHub).totalParams).toBe(describeArchitecture(fromFile).totalParams);
    expect(fromHub.moe?.numExperts).toBe(256);
  });

  it('a commit revision goes into the address; an unknown one is NOT_FOUND naming the revision', async () => {
    const { fetch } = dispatchWith();
    const r = await fetch({ repoId: 'llava-hf/llava-1.5-7b-hf', revision: STAND_IN_COMMIT });
    expect(r).toMatchObject({ ok: true, data: { source: { revision: STAND_IN_COMMIT } } });
    expect(hub.requests[0]?.url).toBe(`/llava-hf/llava-1.5-7b-hf/resolve/${STAND_IN_COMMIT}/config.json`);
    const missing = failure(await fetch({ repoId: 'llava-hf/llava-1.5-7b-hf', revision: 'v9' }));
    expect(missing).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/no revision "v9"/) });
  });

  it('follows a renamed repository to its new name on the same host', async () => {
    const r = await dispatchWith().fetch({ repoId: 'old-org/Qwen2.5-7B-Instruct-renamed' });
    expect(r).toMatchObject({
      ok: true,
      data: {
        name: 'old-org/Qwen2.5-7B-Instruct-renamed',
        text: fixtureText('Qwen/Qwen2.5-7B-Instruct'),
        source: { url: `${hub.url}/Qwen/Qwen2.5-7B-Instruct/resolve/main/config.json` },
      },
    });
  });

  it('never follows a redirect to another host', async () => {
    const e = failure(await dispatchWith().fetch({ repoId: 'evil/redirect' }));
    expect(e.code).toBe('FORBIDDEN');
    expect(e.message).toMatch(/another host \(127\.0\.0\.1:\d+\); Tuneplan only talks to 127\.0\.0\.1:\d+/);
    expect(e.message).toContain(hubConfigPageUrl('evil/redirect', 'main', hub.url));
  });

  it('gated: says to accept the licence, then open the downloaded file (anonymous 401 and token 403)', async () => {
    const anon = failure(await dispatchWith().fetch({ repoId: 'meta-llama/Llama-3.1-8B' }));
    expect(anon.code).toBe('FORBIDDEN');
    expect(anon.message).toMatch(/gated model: accept its licence on .*meta-llama\/Llama-3.1-8B/);
    expect(anon.message).toContain('/meta-llama/Llama-3.1-8B/blob/main/config.json and open it');
    expect(anon.message).toMatch(/set HF_TOKEN/);
    const withToken = failure(
      await dispatchWith({ accessToken: 'hf_someoneElse' }).fetch({ repoId: 'meta-llama/Llama-3.1-8B' }),
    );
    expect(withToken).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/HF_TOKEN has no access/) });
    expect(hub.requests.at(-1)?.authorization).toBe('Bearer hf_someoneElse');
  });

  it('a token is sent to the Hub only, and never appears in a message or the log', async () => {
    const { fetch, logs } = dispatchWith({ accessToken: INVALID_TOKEN });
    const e = failure(await fetch({ repoId: 'Qwen/Qwen2.5-7B-Instruct' }));
    expect(e).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/refused the token in HF_TOKEN/) });
    expect(JSON.stringify(e)).not.toContain(INVALID_TOKEN);
    expect(logs).toEqual([]);
    const ok = await dispatchWith({ accessToken: GOOD_TOKEN }).fetch({ repoId: 'Qwen/Qwen2.5-7B-Instruct' });
    expect(ok.ok).toBe(true);
    expect(JSON.stringify(ok)).not.toContain(GOOD_TOKEN);
    const notAToken = failure(await dispatchWith({ accessToken: 'secret123' }).fetch({ repoId: 'a/b' }));
    expect(notAToken.message).toMatch(/HF_TOKEN .* start with "hf_"/);
    expect(notAToken.message).not.toContain('secret123');
  });

  it('no such model (the Hub answers 401 without a token, 404 with one)', async () => {
    for (const deps of [{}, { accessToken: GOOD_TOKEN }]) {
      const e = failure(await dispatchWith(deps).fetch({ repoId: 'nobody/no-such-model' }));
      expect(e).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/no model nobody\/no-such-model/) });
    }
  });

  it('a repository without config.json (GGUF only) is NOT_FOUND saying so', async () => {
    const e = failure(await dispatchWith().fetch({ repoId: 'TheBloke/Llama-2-7B-GGUF' }));
    expect(e).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringMatching(/has no config\.json at revision "main"/),
    });
  });

  it('a file over 1 MiB is refused from its announced size, before its body is fetched', async () => {
    const e = failure(await dispatchWith().fetch({ repoId: 'big/config' }));
    expect(e).toMatchObject({
      code: 'TOO_LARGE',
      message: expect.stringMatching(/is over 1 MiB \(a config\.json is a few KB\)/),
    });
    expect(hub.requests).toHaveLength(1);
  });

  it('a body longer than announced is cut off at the cap', async () => {
    const e = failure(await dispatchWith().fetch({ repoId: 'liar/config' }));
    expect(e.code).toBe('TOO_LARGE');
  });

  it('a Hub that does not answer in time: NETWORK with the time limit and the manual way', async () => {
    const started = Date.now();
    const e = failure(await dispatchWith({ timeoutMs: 300 }).fetch({ repoId: 'slow/model' }));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(e).toMatchObject({ code: 'NETWORK', message: expect.stringMatching(/did not answer within 300 ms/) });
    expect(e.message).toContain('/slow/model/blob/main/config.json');
  });

  it('offline (nothing listening): says so and where to download the file by hand', async () => {
    const url = await closedPortUrl();
    const e = failure(await dispatchWith({ hubUrl: url }).fetch({ repoId: 'Qwen/Qwen2.5-7B-Instruct' }));
    expect(e.code).toBe('NETWORK');
    expect(e.message).toMatch(/ECONNREFUSED\): you're offline or the Hub cannot be reached/);
    expect(e.message).toContain(`${url}/Qwen/Qwen2.5-7B-Instruct/blob/main/config.json and open it`);
  });

  it("a DNS failure reads as offline, with huggingface.co's page for the file", async () => {
    const dnsFail: typeof fetch = () =>
      Promise.reject(
        Object.assign(new TypeError('fetch failed'), {
          cause: Object.assign(new Error('getaddrinfo ENOTFOUND huggingface.co'), { code: 'ENOTFOUND' }),
        }),
      );
    const e = failure(
      await dispatchWith({ hubUrl: 'https://huggingface.co', fetch: dnsFail }).fetch({ repoId: 'Qwen/Qwen2.5-7B' }),
    );
    expect(e.message).toBe(
      "Could not reach huggingface.co (ENOTFOUND): you're offline or the Hub cannot be reached — download " +
        'config.json from https://huggingface.co/Qwen/Qwen2.5-7B/blob/main/config.json and open it ' +
        '(Import config.json…, or tuneplan model FILE).',
    );
  });

  it("the Hub's own failure (500) is NETWORK, not an internal error", async () => {
    const { fetch, logs } = dispatchWith();
    const e = failure(await fetch({ repoId: 'broken/model' }));
    expect(e).toMatchObject({ code: 'NETWORK', message: expect.stringMatching(/answered 500/) });
    expect(logs).toEqual([]);
  });

  it('a TUNEPLAN_HF_ENDPOINT that is not an http(s) address is named', async () => {
    const e = failure(await dispatchWith({ hubUrl: 'file:///etc' }).fetch({ repoId: 'a/b' }));
    expect(e.message).toMatch(/TUNEPLAN_HF_ENDPOINT is "file:\/\/\/etc"/);
  });
});

describe('environment', () => {
  it('TUNEPLAN_HF_ENDPOINT and HF_TOKEN, with huggingface.co by default', () => {
    expect(hubDepsFromEnv({})).toEqual({ hubUrl: 'https://huggingface.co' });
    expect(hubDepsFromEnv({ TUNEPLAN_HF_ENDPOINT: ' http://127.0.0.1:9 ', HF_TOKEN: 'hf_x' })).toEqual({
      hubUrl: 'http://127.0.0.1:9',
      accessToken: 'hf_x',
    });
    expect(hubDepsFromEnv({ HF_TOKEN: '' })).toEqual({ hubUrl: 'https://huggingface.co' });
  });

  it('a hub address with a trailing slash works', async () => {
    const r = await fetchHubConfig({ repoId: 'Qwen/Qwen2.5-7B-Instruct' }, { hubUrl: `${hub.url}/` });
    expect(r.text).toBe(fixtureText('Qwen/Qwen2.5-7B-Instruct'));
  });
});

describe('models:fetchHubConfig over the browser-mode HTTP server', () => {
  const saved = process.env.TUNEPLAN_HF_ENDPOINT;
  afterEach(() => {
    if (saved === undefined) delete process.env.TUNEPLAN_HF_ENDPOINT;
    else process.env.TUNEPLAN_HF_ENDPOINT = saved;
  });

  it('uses the Hub that TUNEPLAN_HF_ENDPOINT names, and answers failures as Results', async () => {
    process.env.TUNEPLAN_HF_ENDPOINT = hub.url;
    const host = await startTestHost();
    try {
      const r = await host.api.invoke('models:fetchHubConfig', { repoId: 'Qwen/Qwen2.5-7B-Instruct' });
      expect(r).toMatchObject({ ok: true, data: { name: 'Qwen/Qwen2.5-7B-Instruct' } });
      if (r.ok) expect(r.data.text).toBe(fixtureText('Qwen/Qwen2.5-7B-Instruct'));
      const gated = await host.api.invoke('models:fetchHubConfig', { repoId: 'meta-llama/Llama-3.1-8B' });
      expect(gated).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      process.env.TUNEPLAN_HF_ENDPOINT = await closedPortUrl();
      const offline = await host.api.invoke('models:fetchHubConfig', { repoId: 'Qwen/Qwen2.5-7B-Instruct' });
      expect(offline).toMatchObject({
        ok: false,
        error: { code: 'NETWORK', message: expect.stringMatching(/offline/) },
      });
    } finally {
      await host.close();
    }
  });
});
