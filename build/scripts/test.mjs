#!/usr/bin/env node
/**
 * `npm test`: typecheck, format, lint, Vitest (unit + renderer), build, Playwright (e2e-web, e2e-electron).
 * Every step runs even if an earlier one fails; the last line is `N passed, N failed`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const results = path.join(root, 'build/out/test-results');
fs.mkdirSync(results, { recursive: true });
const bin = (name) => path.join(root, 'node_modules/.bin', name);
const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];

function run(title, command, args, env = {}) {
  console.log(`\n━━ ${title} ━━`);
  const started = Date.now();
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  return { ok: r.status === 0, seconds, status: r.status ?? r.signal };
}

function step(title, command, args) {
  const r = run(title, command, args);
  totals[r.ok ? 'passed' : 'failed'] += 1;
  lines.push(`${r.ok ? 'ok  ' : 'FAIL'} ${title} (${r.seconds} s)`);
  return r.ok;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

step('typecheck (tsc --noEmit)', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);
step('format (prettier --check)', bin('prettier'), ['--check', '--log-level', 'warn', '.']);
step('lint (eslint, layer rules)', bin('eslint'), ['--config', 'build/eslint.config.js', '--max-warnings', '0', '.']);

const vitestJson = path.join(results, 'vitest.json');
fs.rmSync(vitestJson, { force: true });
const vitest = run('unit + renderer tests (vitest)', bin('vitest'), [
  'run',
  '--config',
  'build/vitest.config.ts',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestJson}`,
]);
const v = readJson(vitestJson);
if (v) {
  totals.passed += v.numPassedTests;
  totals.failed += v.numFailedTests + (v.numTotalTestSuites && !vitest.ok && v.numFailedTests === 0 ? 1 : 0);
  totals.skipped += v.numPendingTests + v.numTodoTests;
  lines.push(
    `${vitest.ok ? 'ok  ' : 'FAIL'} vitest: ${v.numPassedTests} passed, ${v.numFailedTests} failed, ${v.numPendingTests} skipped (${vitest.seconds} s)`,
  );
} else {
  totals.failed += 1;
  lines.push(`FAIL vitest produced no report (exit ${vitest.status})`);
}

const built = step('build (renderer + Node bundles)', process.execPath, ['build/scripts/build.mjs']);

const pwJson = path.join(results, 'playwright.json');
fs.rmSync(pwJson, { force: true });
if (built) {
  const pw = run(
    'end-to-end tests (playwright, Debian Chromium)',
    bin('playwright'),
    ['test', '--config', 'build/playwright.config.ts', '--reporter=list,json'],
    { PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson },
  );
  const p = readJson(pwJson);
  if (p?.stats) {
    const passed = p.stats.expected + (p.stats.flaky ?? 0);
    totals.passed += passed;
    totals.failed += p.stats.unexpected + (!pw.ok && p.stats.unexpected === 0 ? 1 : 0);
    totals.skipped += p.stats.skipped;
    lines.push(
      `${pw.ok ? 'ok  ' : 'FAIL'} playwright: ${passed} passed, ${p.stats.unexpected} failed, ${p.stats.skipped} skipped (${pw.seconds} s)`,
    );
  } else {
    totals.failed += 1;
    lines.push(`FAIL playwright produced no report (exit ${pw.status})`);
  }
} else {
  totals.failed += 1;
  lines.push('FAIL playwright not run: the build failed');
}

console.log('\n━━ summary ━━');
for (const line of lines) console.log(line);
console.log(`${totals.skipped} skipped (each skip prints its reason above)`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed === 0 ? 0 : 1);
