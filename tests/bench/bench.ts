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
import { PlanSchema } from '../../shared/domain/plan';
import { estimatePlan } from '../../shared/estimate/estimate';
import { recommend } from '../../shared/estimate/recommend';
import { record, report, timeMs } from './harness';

const root = process.cwd();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneplan-bench-'));

function storageBenches(): void {
  const db = openDatabase({ file: path.join(tmp, 'bench.sqlite') });
  const handlers = createHandlers({ db, appInfo: { name: 'Tuneplan', version: 'bench', mode: 'test', dataDir: tmp, databasePath: tmp } });
  const plan = PlanSchema.parse({ name: 'bench', model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' }, techniques: [{ kind: 'full' }, { kind: 'lora' }, { kind: 'qlora' }] });
  // synchronous=FULL: each save is an fsync on this disk.
  record('save a plan (SQLite, synchronous=FULL)', timeMs(() => handlers['plans:save']({ plan }), 50), 'ms', 20);
  db.transaction(() => {
    for (let i = 0; i < 1000; i++) handlers['plans:save']({ plan: { ...plan, name: `plan ${i}` } });
  })();
  record('list 1,000 plans', timeMs(() => handlers['plans:list']({ query: '', sort: 'updated', limit: 10_000 }), 30), 'ms', 50);
  db.close();
}

function estimatorBenches(): void {
  const one = PlanSchema.parse({ name: 'bench', model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' }, techniques: [{ kind: 'lora' }] });
  record('estimate one technique (full report, explained)', timeMs(() => estimatePlan(one), 200) * 1000, 'µs', 2000);
  const every = PlanSchema.parse({ ...one, techniques: ['full', 'lora', 'qlora', 'dora', 'ia3', 'prompt_tuning', 'prefix_tuning', 'p_tuning', 'vera', 'loha', 'lora_fa', 'ln_tuning', 'adaption_prompt'].map((kind) => ({ kind })) });
  // Every catalog GPU × 1–8 GPUs × every technique × micro-batch 1–64.
  record('recommendation sweep (GPUs × 1–8 × 13 techniques × micro-batch 1–64)', timeMs(() => recommend(every), 5), 'ms', 100);
}

async function coldStart(): Promise<number> {
  const dataDir = fs.mkdtempSync(path.join(tmp, 'cold-'));
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [path.join(root, 'build/out/web/main.mjs')], { env: { ...process.env, TUNEPLAN_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'inherit'] });
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
  const res = await fetch(`${base}/api/app:info`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: '{}' });
  await res.json();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  child.kill('SIGTERM');
  return ms;
}

async function main(): Promise<void> {
  storageBenches();
  estimatorBenches();
  if (fs.existsSync(path.join(root, 'build/out/web/main.mjs'))) {
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) runs.push(await coldStart());
    runs.sort((a, b) => a - b);
    record('browser mode: cold start to first API answer', runs[2]!, 'ms', 1000);
  }
  report(path.join(root, 'tests/bench/results.json'));
  fs.rmSync(tmp, { recursive: true, force: true });
}

void main();
