#!/usr/bin/env node
/**
 * `npm start`: build what is stale, then start the desktop app if Electron can run here, else
 * browser mode — always saying which mode started and why.
 *   npm start -- --browser     force browser mode
 *   npm start -- --port 8123   browser mode on a fixed port
 *   npm start -- --no-open     do not open the default browser
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildStale } from './build.mjs';
import { electronNativeBindingPath, buildElectronNative } from './build-native-electron.mjs';
import { openWithLaunchCode } from './open-browser.mjs';
import { STARTUP_LINE_PATTERN } from './startup-line.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
// Not strict: other flags are ignored. `--port` without a value parses as `true`, which counts as absent.
const { values: args } = parseArgs({
  args: process.argv.slice(2),
  options: { browser: { type: 'boolean' }, 'no-open': { type: 'boolean' }, port: { type: 'string' } },
  strict: false,
  allowPositionals: true,
});
const flag = (name) => args[name] === true;
const option = (name) => (typeof args[name] === 'string' ? args[name] : undefined);

/** Returns the Electron binary path, fetching it with the electron package's own installer if needed. */
function electronBinary() {
  const tryResolve = () => {
    try {
      delete require.cache[require.resolve('electron')];
      const p = require('electron');
      return typeof p === 'string' && fs.existsSync(p) ? p : null;
    } catch {
      return null;
    }
  };
  let binary = tryResolve();
  if (binary) return { binary };
  let installer;
  try {
    installer = require.resolve('electron/install.js');
  } catch {
    return { reason: 'the electron package is not installed (run npm install)' };
  }
  console.log('Fetching the Electron binary with its installer (needs network access)…');
  const result = spawnSync(process.execPath, [installer], {
    stdio: 'inherit',
    timeout: 180_000,
    cwd: path.dirname(installer),
  });
  binary = tryResolve();
  if (binary) return { binary };
  return {
    reason:
      'the Electron binary could not be downloaded ' +
      `(installer exit ${result.status ?? result.signal ?? 'unknown'}; offline or blocked)`,
  };
}

function hasDisplay() {
  if (process.platform !== 'linux') return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

async function tryDesktop() {
  if (!hasDisplay()) return { reason: 'no display is available (DISPLAY and WAYLAND_DISPLAY are unset)' };
  const electron = electronBinary();
  if (!electron.binary) return { reason: electron.reason };
  const electronVersion = JSON.parse(fs.readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
  let binding = electronNativeBindingPath(electronVersion);
  if (!fs.existsSync(binding)) {
    console.log(`Building better-sqlite3 for Electron ${electronVersion} (once)…`);
    const built = buildElectronNative(electronVersion);
    if (!built.ok) return { reason: `better-sqlite3 could not be built for Electron's ABI: ${built.reason}` };
    binding = built.path;
  }
  return { binary: electron.binary, binding };
}

/**
 * Never passes the token to the browser's command line (`ps` shows it to every local user): the
 * browser gets a one-time code that the page trades for the token (build/scripts/open-browser.mjs).
 */
function openBrowser(url) {
  if (process.env.CI || flag('no-open')) return;
  void openWithLaunchCode(url);
}

function startBrowserMode(reason) {
  console.log(`Starting Tuneplan in browser mode: ${reason}.`);
  const port = option('port');
  const serverArgs = [path.join(root, 'build/out/web/main.mjs'), ...(port ? ['--port', port] : [])];
  const child = spawn(process.execPath, serverArgs, { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  let buffer = '';
  child.stdout.on('data', (chunk) => {
    const text = chunk.toString();
    process.stdout.write(text);
    buffer += text;
    const match = STARTUP_LINE_PATTERN.exec(buffer);
    if (match) {
      openBrowser(match[1]);
      buffer = '';
    }
  });
  const stop = (signal) => child.kill(signal);
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  child.on('exit', (code) => process.exit(code ?? 0));
}

async function main() {
  await buildStale();
  if (flag('browser') || option('port')) return startBrowserMode('asked for with --browser/--port');
  const desktop = await tryDesktop();
  if (!desktop.binary) return startBrowserMode(`the desktop app cannot start here because ${desktop.reason}`);
  console.log('Starting the Tuneplan desktop app.');
  const child = spawn(desktop.binary, [root], {
    stdio: 'inherit',
    env: { ...process.env, TUNEPLAN_NATIVE_BINDING: desktop.binding },
  });
  child.on('exit', (code, signal) => {
    if (code !== 0 && !signal) {
      console.log(`The desktop app exited with code ${code}.`);
      startBrowserMode('the desktop app failed to start');
      return;
    }
    process.exit(code ?? 0);
  });
}

main().catch((error) => {
  console.error(`Tuneplan could not start: ${error?.message ?? error}`);
  process.exit(1);
});
