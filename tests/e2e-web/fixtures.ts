/**
 * Starts the real browser-mode server (build/out/web/main.mjs) over a real SQLite file in a temp
 * data folder, and waits for its start-up line. `restart()` stops and starts it on the same folder.
 */
import { test as base, expect } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STARTUP_LINE_PATTERN } from '../../build/scripts/startup-line.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SERVER_ENTRY = path.join(root, 'build/out/web/main.mjs');
/** Where the e2e screenshots are kept, to be looked at (gitignored). */
export const SHOTS_DIR = path.join(root, 'tests/e2e-web/screenshots');
/** The window sizes docs UI.md names: every screen is looked at in each, light and dark. */
export const SIZES = [
  { width: 1024, height: 700 },
  { width: 1280, height: 800 },
  { width: 1440, height: 900 },
] as const;

export interface BrowserModeServer {
  url: string;
  dataDir: string;
  restart(): Promise<void>;
}

export function startServer(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    if (!fs.existsSync(SERVER_ENTRY)) {
      reject(new Error(`${SERVER_ENTRY} is missing: run npm run build first`));
      return;
    }
    const child = spawn(process.execPath, [SERVER_ENTRY], {
      env: { ...process.env, TUNEPLAN_DATA_DIR: dataDir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 15_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = STARTUP_LINE_PATTERN.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

export function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export const test = base.extend<{ server: BrowserModeServer }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures must destructure their dependencies
  server: async ({}, use) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneplan-e2e-'));
    let current = await startServer(dataDir);
    await use({
      get url() {
        return current.url;
      },
      dataDir,
      restart: async () => {
        await stopServer(current.child);
        current = await startServer(dataDir);
      },
    });
    await stopServer(current.child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  },
});

export { expect };
