/**
 * `npm run bench`: speed targets, printed as a table and written to tests/bench/results.json.
 * Not pass/fail tests: a slow figure is reported, not failed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../db/open';
import { createHandlers } from '../../electron/services/create-handlers';
import { PlanSchema, TECHNIQUE_KINDS } from '../../shared/domain/plan';
import { estimatePlan } from '../../shared/estimate/estimate';
import { leversFor } from '../../shared/estimate/levers';
import { recommend } from '../../shared/estimate/recommend';
import { RunResultSchema } from '../../shared/domain/run-result';
import { nodeProbeDeps, probeMachine } from '../../electron/services/probes/probe';
import { median, record, report, timeMs } from './harness';
import { dataBenches, dataChild } from './data-bench';

const root = process.cwd();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneplan-bench-'));

function storageBenches(): void {
  const db = openDatabase({ file: path.join(tmp, 'bench.sqlite') });
  const handlers = createHandlers({
    db,
    appInfo: { name: 'Tuneplan', version: 'bench', mode: 'test', dataDir: tmp, databasePath: tmp },
  });
  const plan = PlanSchema.parse({
    name: 'bench',
    model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
    techniques: [{ kind: 'full' }, { kind: 'lora' }, { kind: 'qlora' }],
  });
  // synchronous=FULL: each save is an fsync on this disk.
  // The storage handlers are synchronous (better-sqlite3); `void` marks the results as unused.
  record(
    'save a plan (SQLite, synchronous=FULL)',
    timeMs(() => void handlers['plans:save']({ plan }), 50),
    'ms',
    20,
  );
  db.transaction(() => {
    for (let i = 0; i < 1000; i++) void handlers['plans:save']({ plan: { ...plan, name: `plan ${i}` } });
  })();
  record(
    'list 1,000 plans',
    timeMs(() => void handlers['plans:list']({ query: '', sort: 'updated', limit: 10_000 }), 30),
    'ms',
    50,
  );
  db.close();
}

async function probeAndRunsBenches(): Promise<void> {
  const time = async (env: string | undefined) => {
    const old = process.env.PATH;
    if (env !== undefined) process.env.PATH = env;
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = process.hrtime.bigint();
      await probeMachine(nodeProbeDeps(), [tmp]);
      runs.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    process.env.PATH = old;
    return median(runs);
  };
  record('probe snapshot without GPU tools', await time(undefined), 'ms', 300);
  const bin = fs.mkdtempSync(path.join(tmp, 'bin-'));
  fs.writeFileSync(
    path.join(bin, 'nvidia-smi'),
    `#!/bin/sh\ncat ${JSON.stringify(path.join(root, 'tests/fixtures/probes/nvidia-smi-8xa100.txt'))}\n`,
    { mode: 0o755 },
  );
  record(
    'probe snapshot with nvidia-smi (8 GPUs, fake tool)',
    await time(`${bin}${path.delimiter}${process.env.PATH ?? ''}`),
    'ms',
    500,
  );

  const db = openDatabase({ file: path.join(tmp, 'runs.sqlite') });
  const handlers = createHandlers({
    db,
    appInfo: { name: 'Tuneplan', version: 'bench', mode: 'test', dataDir: tmp, databasePath: tmp },
  });
  const saved = await handlers['plans:save']({
    plan: PlanSchema.parse({ name: 'runs', model: { source: 'catalog', id: 'Llama-3.2-3B' } }),
  });
  const result = RunResultSchema.parse({
    technique: 'lora',
    gpuName: 'NVIDIA L40S',
    gpuCount: 1,
    peakMemoryBytes: 2e10,
    wallSeconds: 3600,
    tokensPerSecond: 7000,
  });
  db.transaction(() => {
    for (let i = 0; i < 10_000; i++) void handlers['runs:save']({ planId: saved.id, result });
  })();
  record(
    'list 10,000 recorded runs of a plan',
    timeMs(() => void handlers['runs:list']({ planId: saved.id }), 10),
    'ms',
    100,
  );
  db.close();
}

function loadBenches(): void {
  // 10,000 plans with 10 runs each = 100,000 recorded runs.
  const db = openDatabase({ file: path.join(tmp, 'load.sqlite') });
  const handlers = createHandlers({
    db,
    appInfo: { name: 'Tuneplan', version: 'bench', mode: 'test', dataDir: tmp, databasePath: tmp },
  });
  const plan = PlanSchema.parse({
    name: 'load',
    model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
    techniques: [{ kind: 'full' }, { kind: 'lora' }, { kind: 'qlora' }, { kind: 'dora' }],
  });
  const result = RunResultSchema.parse({
    technique: 'lora',
    gpuName: 'NVIDIA A100 80GB',
    gpuCount: 1,
    peakMemoryBytes: 3e10,
    wallSeconds: 7200,
    tokensPerSecond: 6000,
  });
  const ids: string[] = [];
  db.transaction(() => {
    for (let i = 0; i < 10_000; i++) {
      const saved = handlers['plans:save']({ plan: { ...plan, name: `load plan ${i}` } }) as { id: string };
      ids.push(saved.id);
      for (let r = 0; r < 10; r++) void handlers['runs:save']({ planId: saved.id, result });
    }
  })();
  const middle = ids[5000]!;
  record(
    '10,000 plans: list all',
    timeMs(() => void handlers['plans:list']({ query: '', sort: 'updated', limit: 10_000 }), 10),
    'ms',
    100,
  );
  record(
    '10,000 plans: search by name',
    timeMs(() => void handlers['plans:list']({ query: 'plan 99', sort: 'name', limit: 10_000 }), 10),
    'ms',
    100,
  );
  record(
    '10,000 plans: open one (with 100,000 runs stored)',
    timeMs(() => void handlers['plans:get']({ id: middle }), 50),
    'ms',
    100,
  );
  record(
    '100,000 runs: list one plan’s runs',
    timeMs(() => void handlers['runs:list']({ planId: middle }), 50),
    'ms',
    100,
  );
  record('heap used after the load benchmarks', process.memoryUsage().heapUsed / 2 ** 20, 'MiB', 512);
  db.close();
}

function estimatorBenches(): void {
  const one = PlanSchema.parse({
    name: 'bench',
    model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
    techniques: [{ kind: 'lora' }],
  });
  record('estimate one technique (full report, explained)', timeMs(() => estimatePlan(one), 200) * 1000, 'µs', 2000);
  // Levers (issue 14.2) for a technique that does not fit: Phi-3-mini DoRA on one A100 80GB, no checkpointing.
  const over = {
    ...one,
    techniques: [{ kind: 'dora' as const }],
    training: { ...one.training, gradientCheckpointing: false },
  };
  record(
    'levers for one technique (what would make it fit)',
    timeMs(() => leversFor(over, 0), 30),
    'ms',
    20,
  );
  const every = PlanSchema.parse({
    ...one,
    techniques: TECHNIQUE_KINDS.map((kind) => ({ kind })),
  });
  // The plan's GPU and every catalog GPU × the GPU counts 1–8 that divide the global batch × every technique ×
  // every split of the per-GPU batch into micro-batch (≤ 64) × accumulation (issue 14 item 3).
  record(
    'recommendation sweep (GPUs × 1–8 × 13 techniques × splits of the global batch)',
    timeMs(() => recommend(every), 5),
    'ms',
    100,
  );
}

async function coldStart(): Promise<number> {
  const dataDir = fs.mkdtempSync(path.join(tmp, 'cold-'));
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [path.join(root, 'build/out/web/main.mjs')], {
    env: { ...process.env, TUNEPLAN_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /running at (\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  const [base, token] = url.split('/#token=') as [string, string];
  const res = await fetch(`${base}/api/app:info`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
    body: '{}',
  });
  await res.json();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  child.kill('SIGTERM');
  return ms;
}

/** Renderer timings in Debian's Chromium: cold start to an interactive editor, and input → updated charts. */
async function rendererBenches(): Promise<void> {
  const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(chromiumPath)) {
    console.log(`(renderer benchmarks skipped: no Chromium at ${chromiumPath})`);
    return;
  }
  const { chromium } = await import('@playwright/test');
  const dataDir = fs.mkdtempSync(path.join(tmp, 'ui-'));
  const child = spawn(process.execPath, [path.join(root, 'build/out/web/main.mjs')], {
    env: { ...process.env, TUNEPLAN_DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve) =>
    child.stdout.on('data', (c: Buffer) => {
      const m = /running at (\S+)/.exec(c.toString());
      if (m?.[1]) resolve(m[1]);
    }),
  );
  const [base, token] = url.split('/#token=') as [string, string];
  const kinds = ['full', 'lora', 'qlora', 'dora', 'ia3', 'prompt_tuning', 'prefix_tuning', 'vera'];
  await fetch(`${base}/api/plans:save`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      plan: {
        name: 'Eight techniques',
        model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
        techniques: kinds.map((kind) => ({ kind })),
      },
    }),
  });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
    ],
  });
  const cold: number[] = [];
  const update: number[] = [];
  for (let run = 0; run < 5; run++) {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(url);
    await page.getByRole('table', { name: 'Technique comparison' }).waitFor();
    cold.push(
      await page.evaluate(() => performance.getEntriesByName('tuneplan:results-rendered')[0]?.startTime ?? Number.NaN),
    );
    await page.getByRole('button', { name: /Eight techniques/ }).click();
    await page.locator('table.comparison th', { hasText: 'VeRA' }).waitFor();
    for (const value of ['2', '3', '4', '5', '6', '7']) {
      update.push(
        await page.evaluate(async (v) => {
          const input = [...document.querySelectorAll('label')].find((l) => l.textContent === 'Micro-batch per GPU')
            ?.control as HTMLInputElement;
          const before = document.body.dataset.resultsVersion;
          // The results panel bumps data-results-version in a layout effect, right after React commits
          // the new table and charts to the DOM: observe that exact moment instead of polling frames.
          const done = new Promise<number>((resolve) => {
            const mo = new MutationObserver(() => {
              if (document.body.dataset.resultsVersion !== before) {
                mo.disconnect();
                resolve(performance.now());
              }
            });
            mo.observe(document.body, { attributes: true, attributeFilter: ['data-results-version'] });
          });
          const descriptor = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!;
          const t0 = performance.now();
          descriptor.set?.call(input, v);
          input.dispatchEvent(new Event('input', { bubbles: true }));
          return (await done) - t0;
        }, value),
      );
    }
    await page.close();
  }
  await browser.close();
  child.kill('SIGTERM');
  cold.sort((a, b) => a - b);
  update.sort((a, b) => a - b);
  record('renderer: cold start to an interactive plan editor (Chromium)', cold[2]!, 'ms', 1500);
  record(
    'renderer: input → table and chart updated in the DOM, 8 techniques (Chromium)',
    update[Math.floor(update.length / 2)]!,
    'ms',
    50,
  );
}

async function main(): Promise<void> {
  // `bench.mjs --data-child CASE FILE`: one data case in its own process, so its peak RSS is its own.
  const child = process.argv.indexOf('--data-child');
  if (child >= 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    return dataChild(process.argv[child + 1]!, process.argv[child + 2]!);
  }
  storageBenches();
  estimatorBenches();
  await probeAndRunsBenches();
  loadBenches();
  if (fs.existsSync(path.join(root, 'build/out/web/main.mjs'))) {
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) runs.push(await coldStart());
    runs.sort((a, b) => a - b);
    record('browser mode: cold start to first API answer', runs[2]!, 'ms', 1000);
    await rendererBenches();
  }
  if (!process.argv.includes('--skip-data')) dataBenches(process.argv[1]!, tmp);
  report(path.join(root, 'tests/bench/results.json'));
  fs.rmSync(tmp, { recursive: true, force: true });
}

void main();
