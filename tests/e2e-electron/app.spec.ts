/**
 * What only Electron shows: the preload surface and the window's guards. Skips, printing why,
 * where no Electron binary or display exists (this machine and CI: the binary cannot be downloaded).
 */
import { _electron as electron, expect, test } from '@playwright/test';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);

function electronBinary(): { path?: string; reason?: string } {
  try {
    const p = require('electron') as unknown;
    if (typeof p === 'string' && fs.existsSync(p)) return { path: p };
    return { reason: 'the Electron binary is not installed (its download is blocked here)' };
  } catch (error) {
    return { reason: `the Electron binary is not installed: ${(error as Error).message.split('\n')[0] ?? ''}` };
  }
}

test('the desktop window exposes exactly the contract and refuses navigation', async () => {
  const binary = electronBinary();
  const display = process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
  const reason = binary.reason ?? (display ? undefined : 'no display is available');
  if (reason) console.log(`[e2e-electron] skipped: ${reason}`);
  test.info().skip(Boolean(reason), reason);

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneplan-electron-'));
  const app = await electron.launch({
    executablePath: binary.path!,
    args: [root],
    env: { ...process.env, TUNEPLAN_DATA_DIR: dataDir },
  });
  try {
    const win = await app.firstWindow();
    expect(win.url()).toMatch(/^app:\/\/tuneplan\//);
    const surface = await win.evaluate(() => Object.keys((window as unknown as { tuneplan: object }).tuneplan).sort());
    expect(surface).toEqual([
      'appInfo',
      'backupsList',
      'backupsRestore',
      'dataAnalyze',
      'dataCancel',
      'dataProgress',
      'desktopOpenJson',
      'desktopOpenPath',
      'desktopSavePdf',
      'modelsDelete',
      'modelsFetchHubConfig',
      'modelsList',
      'modelsSave',
      'plansDelete',
      'plansGet',
      'plansList',
      'plansSave',
      'profilesDelete',
      'profilesList',
      'profilesSave',
      'runsDelete',
      'runsList',
      'runsSave',
      'systemProbe',
    ]);
    expect(await win.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe('undefined');
    await win.evaluate(() => {
      window.location.href = 'https://example.com/';
    });
    await win.waitForTimeout(500);
    expect(win.url()).toMatch(/^app:\/\/tuneplan\//);
  } finally {
    await app.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
