#!/usr/bin/env node
/**
 * The Python test tier's virtual environment: creates it once, reuses it after.
 *
 * Where: $TUNEPLAN_VENV, else $HOME/.cache/tuneplan/venv-<first 12 hex of sha256(tests/python/requirements.txt)>,
 * so editing the requirements makes a fresh venv and an unchanged file reuses the old one (a stamp file inside
 * the venv records the hash it was built from; checking it costs milliseconds).
 *
 * How: torch first, alone, as the CPU build pinned `+cpu` (a plain `pip install torch` on Linux pulls the
 * CUDA build and several GiB of nvidia-* wheels), then every other pin, then DeepSpeed with
 * --no-build-isolation: it ships only an sdist whose setup.py imports torch, and an isolated build env
 * would not have it (https://www.deepspeed.ai/tutorials/advanced-install/).
 *
 * Exit codes: 0 ready; 3 no python3 (the caller decides whether that is a skip or a failure); 1 install failed.
 * `node build/scripts/python-env.mjs --print` prints the venv's python path only when the venv is ready.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const requirementsFile = path.join(root, 'tests/python/requirements.txt');
const STAMP = '.tuneplan-stamp';
/** Packages shipped as sdists that import torch in setup.py: installed after torch without build isolation. */
const NO_BUILD_ISOLATION = ['deepspeed'];

export const requirementsHash = () =>
  crypto.createHash('sha256').update(fs.readFileSync(requirementsFile)).digest('hex').slice(0, 12);

export function venvDir() {
  return process.env.TUNEPLAN_VENV || path.join(os.homedir(), '.cache/tuneplan', `venv-${requirementsHash()}`);
}

export const venvPython = (dir = venvDir()) =>
  path.join(dir, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python');

/** The interpreter that creates the venv: $TUNEPLAN_PYTHON or python3 on PATH; null when there is none. */
export function findPython() {
  const candidates = process.env.TUNEPLAN_PYTHON ? [process.env.TUNEPLAN_PYTHON] : ['python3', 'python'];
  for (const exe of candidates) {
    const r = spawnSync(
      exe,
      ['-c', 'import sys; print(sys.version.split()[0]); sys.exit(sys.version_info < (3, 10))'],
      {
        encoding: 'utf8',
      },
    );
    if (r.status === 0) return { exe, version: r.stdout.trim() };
  }
  return null;
}

/** True when the venv exists and was built from the current requirements file. */
export function venvReady(dir = venvDir()) {
  try {
    return (
      fs.existsSync(venvPython(dir)) && fs.readFileSync(path.join(dir, STAMP), 'utf8').trim() === requirementsHash()
    );
  } catch {
    return false;
  }
}

function pins() {
  const lines = fs
    .readFileSync(requirementsFile, 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
  const name = (l) => l.split(/[=<>!~ ;[]/)[0].toLowerCase();
  const torch = lines.filter((l) => name(l) === 'torch');
  const late = lines.filter((l) => NO_BUILD_ISOLATION.includes(name(l)));
  const rest = lines.filter((l) => !torch.includes(l) && !late.includes(l));
  return { torch, late, rest };
}

function ensure(log = (m) => console.log(m)) {
  const started = Date.now();
  const dir = venvDir();
  const since = (t) => `${((Date.now() - t) / 1000).toFixed(1)} s`;
  if (venvReady(dir)) {
    log(`python-env: reusing ${dir} (requirements ${requirementsHash()}, checked in ${since(started)})`);
    return 0;
  }
  const python = findPython();
  if (!python) {
    log('python-env: no python3 (3.10 or newer) on PATH and TUNEPLAN_PYTHON is not set: cannot create the venv.');
    return 3;
  }
  const pip = (title, args) => {
    const t = Date.now();
    log(`python-env: ${title}…`);
    const r = spawnSync(venvPython(dir), ['-m', 'pip', 'install', '--disable-pip-version-check', ...args], {
      stdio: 'inherit',
      cwd: root,
    });
    log(`python-env: ${title}: ${r.status === 0 ? 'done' : `FAILED (exit ${r.status ?? r.signal})`} in ${since(t)}`);
    return r.status === 0;
  };
  if (!fs.existsSync(venvPython(dir))) {
    const t = Date.now();
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const r = spawnSync(python.exe, ['-m', 'venv', dir], { stdio: 'inherit' });
    if (r.status !== 0) {
      log(`python-env: ${python.exe} -m venv ${dir} failed (exit ${r.status}); on Debian install python3-venv.`);
      return 1;
    }
    log(`python-env: created ${dir} with Python ${python.version} in ${since(t)}`);
  } else {
    log(`python-env: ${dir} exists but was not built from requirements ${requirementsHash()}: updating it`);
  }
  const { torch, late, rest } = pins();
  const ok =
    // The CPU wheel lies on this project's machines (pip's find-links); the `+cpu` pin can only be met by a
    // CPU build, so pip never substitutes PyPI's multi-GB CUDA build — it fails clearly instead.
    pip('torch (CPU build)', [
      ...torch,
      // setuptools is what --no-build-isolation builds DeepSpeed's sdist with; 84 needs no `wheel` package.
      'setuptools==84.2.1',
    ]) &&
    // torch's pin is already satisfied by the CPU wheel, so pip keeps it and never fetches PyPI's CUDA build.
    pip('the pinned libraries', rest) &&
    (late.length === 0 || pip(`${late.join(' ')} (--no-build-isolation)`, ['--no-build-isolation', ...late]));
  if (!ok) {
    log(
      `python-env: install failed after ${since(started)}; ` +
        `the venv at ${dir} is left unstamped and is retried next run.`,
    );
    return 1;
  }
  fs.writeFileSync(path.join(dir, STAMP), `${requirementsHash()}\n`);
  log(`python-env: ready: ${venvPython(dir)} (built in ${since(started)})`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--print')) {
    if (!venvReady()) process.exit(1);
    console.log(venvPython());
    process.exit(0);
  }
  process.exit(ensure());
}
