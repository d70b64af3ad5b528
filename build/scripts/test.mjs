#!/usr/bin/env node
/**
 * `npm test`: typecheck, format, lint, Vitest (unit + renderer), build, Python tier (pytest), Playwright (e2e-web,
 * e2e-electron).
 * Every step runs even if an earlier one fails; the last line is `N passed, N failed`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPython, venvPython } from './python-env.mjs';

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

/** The first line of a failure message, at most 300 characters: enough to say what broke in the summary. */
const firstLine = (message) =>
  String(message ?? '')
    .split(/\n|&#10;/)[0]
    .slice(0, 300);

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

step('typecheck (tsc --noEmit)', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);
step('format (prettier --check)', bin('prettier'), ['--check', '--log-level', 'warn', '.']);
step('line length (≤ 120 characters)', process.execPath, ['build/scripts/check-line-length.mjs']);
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
    `${vitest.ok ? 'ok  ' : 'FAIL'} vitest: ${v.numPassedTests} passed, ${v.numFailedTests} failed, ` +
      `${v.numPendingTests} skipped (${vitest.seconds} s)`,
  );
  // The failing tests by name, with the first line of why: CI keeps only the tail of the log.
  for (const file of v.testResults ?? []) {
    for (const t of file.assertionResults ?? []) {
      if (t.status !== 'failed') continue;
      lines.push(
        `     ✗ ${path.relative(root, file.name)} › ${t.fullName ?? t.title}: ${firstLine(t.failureMessages?.[0])}`,
      );
    }
    if (file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed')) {
      lines.push(`     ✗ ${path.relative(root, file.name)}: ${firstLine(file.message)}`);
    }
  }
} else {
  totals.failed += 1;
  lines.push(`FAIL vitest produced no report (exit ${vitest.status})`);
}

const built = step('build (renderer + Node bundles)', process.execPath, ['build/scripts/build.mjs']);

/**
 * Python tier: tests/python under pytest in the venv build/scripts/python-env.mjs creates or reuses (it runs after the
 * build: the tests call build/bin/tuneplan.mjs). Without python3 it is a printed skip, except under CI, where it
 * must run. Its passed / failed / skipped come from pytest's JUnit XML.
 */
function pythonTier() {
  const title = 'python tier (pytest)';
  if (!findPython()) {
    if (process.env.CI) {
      totals.failed += 1;
      lines.push(`FAIL ${title}: CI is set but there is no python3 (3.10+) on PATH; the tier must run on CI`);
    } else {
      console.log(`\n━━ ${title} ━━\nskipped: no python3 (3.10+) on PATH (set TUNEPLAN_PYTHON to use another)`);
      totals.skipped += 1;
      lines.push(`skip ${title}: no python3 on PATH`);
    }
    return;
  }
  const env = run('python venv (create or reuse)', process.execPath, ['build/scripts/python-env.mjs']);
  if (!env.ok) {
    totals.failed += 1;
    lines.push(`FAIL python venv could not be created (exit ${env.status}); see its log above (${env.seconds} s)`);
    return;
  }
  const junit = path.join(results, 'pytest.xml');
  fs.rmSync(junit, { force: true });
  const py = run(title, venvPython(), [
    '-m',
    'pytest',
    'tests/python',
    '-p',
    'no:cacheprovider',
    '-rs',
    '--durations=10',
    `--junitxml=${junit}`,
  ]);
  const xml = fs.existsSync(junit) ? fs.readFileSync(junit, 'utf8') : '';
  // <testsuite name="pytest" errors="0" failures="1" skipped="0" tests="42" ...>: `tests` counts all of them.
  const suite = /<testsuite\b([^>]*)>/.exec(xml)?.[1] ?? '';
  const attr = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite)?.[1] ?? NaN);
  const [tests, failures, errors, skipped] = ['tests', 'failures', 'errors', 'skipped'].map(attr);
  if (!Number.isFinite(tests)) {
    totals.failed += 1;
    lines.push(`FAIL pytest produced no report (exit ${py.status}) (${py.seconds} s)`);
    return;
  }
  const failed = failures + errors;
  const passed = tests - failed - skipped;
  totals.passed += passed;
  totals.skipped += skipped;
  // Exit 5 is "no tests collected": a tier that tests nothing is a failure, as is any other non-zero exit.
  totals.failed += failed + (!py.ok && failed === 0 ? 1 : 0);
  const why = py.status === 5 ? ' — no tests collected' : !py.ok && failed === 0 ? ` — exit ${py.status}` : '';
  lines.push(
    `${py.ok ? 'ok  ' : 'FAIL'} pytest: ${passed} passed, ${failed} failed, ${skipped} skipped${why} (${py.seconds} s)`,
  );
  // <testcase classname="tests.python.test_x" name="test_y" ...><failure message="...">: the failing ones by name.
  for (const m of xml.matchAll(/<testcase\b([^>]*)>\s*<(failure|error)\b([^>]*)>/g)) {
    const get = (s, name) => new RegExp(`\\b${name}="([^"]*)"`).exec(s)?.[1] ?? '';
    lines.push(`     ✗ ${get(m[1], 'classname')}::${get(m[1], 'name')}: ${firstLine(get(m[3], 'message'))}`);
  }
}

if (built) pythonTier();
else {
  totals.failed += 1;
  lines.push('FAIL python tier not run: the build failed');
}

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
      `${pw.ok ? 'ok  ' : 'FAIL'} playwright: ${passed} passed, ${p.stats.unexpected} failed, ` +
        `${p.stats.skipped} skipped (${pw.seconds} s)`,
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
