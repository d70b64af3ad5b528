import { test as base, expect } from '@playwright/test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, stopServer } from './fixtures';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.resolve(here, '../fixtures');

/** Browser mode with a fake nvidia-smi (a real executable) first on PATH. */
const test = base.extend<{ server: { url: string; dataDir: string } }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures must destructure their dependencies
  server: async ({}, use) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneplan-e2e-runs-'));
    const bin = path.join(dataDir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(
      path.join(bin, 'nvidia-smi'),
      `#!/bin/sh\ncat ${JSON.stringify(path.join(fixtures, 'probes/nvidia-smi-8xa100.txt'))}\n`,
      { mode: 0o755 },
    );
    const { child, url } = await startServer(dataDir, { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` });
    await use({ url, dataDir });
    await stopServer(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  },
});

test('this machine, a recorded run from trainer_state.json, estimate vs actual and calibration', async ({
  page,
  server,
}) => {
  await page.goto(server.url);
  await expect(page.getByTestId('machine-status')).toHaveText('8 × NVIDIA A100-SXM4-80GB');
  await page.getByLabel('Name', { exact: true }).fill('Runs on the lab box');
  await page.getByRole('button', { name: 'Use this machine' }).click();
  await expect(page.getByLabel('GPUs per node')).toHaveValue('8');
  await expect(page.getByLabel('GPU', { exact: true })).toHaveValue('a100-80gb-sxm');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').first()).toContainText('Saved');

  await page.getByRole('tab', { name: 'Runs' }).click();
  await page
    .getByLabel('Import trainer_state.json…')
    .setInputFiles([path.join(fixtures, 'trainer_state.json'), path.join(fixtures, 'all_results.json')]);
  await expect(page.getByText(/Read trainer_state\.json and all_results\.json/)).toBeVisible();
  await expect(page.getByLabel('Wall time')).toHaveValue(String(1834.22 / 3600));
  await page.getByLabel('Technique used').selectOption({ label: '2. LoRA' });
  await page.getByLabel('GPU', { exact: true }).last().fill('NVIDIA A100-SXM4-80GB');
  await page.getByLabel('GPU count').fill('1');
  await page.getByLabel('Peak memory per GPU').fill('40');
  await page.getByRole('button', { name: 'Record run' }).click();
  const table = page.getByRole('table', { name: 'Recorded runs' });
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(table.getByTestId('memory-error')).toHaveText(/^estimate (\d+\.\d % (above|below)|matches) measured$/);
  await expect(page.locator('[data-chart="loss-curve"] .recharts-line')).toHaveCount(1);

  await page.getByLabel('Show calibrated estimates for this plan').check();
  await expect(page.getByRole('list', { name: 'Calibrated estimates' })).toContainText(
    /LoRA: peak [\d.]+ GiB \(uncalibrated [\d.]+ GiB, 1 run\)/,
  );
  fs.mkdirSync(path.join(here, 'screenshots'), { recursive: true });
  await page.screenshot({ path: path.join(here, 'screenshots', 'runs.png'), fullPage: true });

  // Delete with undo.
  await table.getByRole('button', { name: 'Delete run 1' }).click();
  await expect(page.getByText('No runs recorded yet.')).toBeVisible();
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(table.getByRole('row')).toHaveCount(2);
});
