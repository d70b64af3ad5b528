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
  // Imported floats read rounded (4 significant figures, the wall time also as a duration); stored whole.
  await expect(page.getByLabel('Wall time')).toHaveValue(String(Number((1834.22 / 3600).toPrecision(4))));
  await expect(page.locator('.field', { has: page.getByLabel('Wall time') })).toContainText('31 min');
  await page.getByLabel('Technique used').selectOption({ label: '2. LoRA' });
  await page.getByLabel('GPU', { exact: true }).last().fill('NVIDIA A100-SXM4-80GB');
  await page.getByLabel('GPU count').fill('1');
  await page.getByLabel('Peak memory per GPU').fill('40');
  await page.getByRole('button', { name: 'Record run' }).click();
  const table = page.getByRole('table', { name: 'Recorded runs' });
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(table.getByTestId('memory-error')).toHaveText(/^estimate (\d+\.\d % (above|below)|matches) measured$/);
  await expect(page.locator('[data-chart="loss-curve"] .recharts-line')).toHaveCount(1);
  // The wide runs table scrolls like the comparison table: it says so, and its first column stays in view.
  const runsWrap = page.locator('.table-wrap', { has: table });
  await expect(runsWrap).toHaveAttribute('data-scroll-right', 'true');
  await expect(page.locator('.scroll-hint', { hasText: 'More columns to the right' })).toBeVisible();
  const firstCell = table.locator('tbody th[scope="row"]').first();
  const before = await firstCell.boundingBox();
  await runsWrap.evaluate((el) => el.scrollTo({ left: el.scrollWidth }));
  await expect(runsWrap).toHaveAttribute('data-scroll-left', 'true');
  expect(Math.abs((await firstCell.boundingBox())!.x - before!.x)).toBeLessThan(1);
  await runsWrap.evaluate((el) => el.scrollTo({ left: 0 }));

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

test("a GRPO run's trainer_state.json: its objective, its reward chart, and the flag on an SFT plan", async ({
  page,
  server,
}) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(server.url);
  await page.getByLabel('Name', { exact: true }).fill('SFT plan with a GRPO run');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').first()).toContainText('Saved');

  await page.getByRole('tab', { name: 'Runs' }).click();
  // Written by TRL 1.16's GRPOTrainer (tests/fixtures/runs/README.md).
  const grpo = path.join(fixtures, 'runs/transformers-5.24.0_trl-1.16.0/grpo');
  await page
    .getByLabel('Import trainer_state.json…')
    .setInputFiles([path.join(grpo, 'trainer_state.json'), path.join(grpo, 'all_results.json')]);
  await expect(
    page.getByText(/Read trainer_state\.json and all_results\.json \(GRPO run\): .* metric curves/),
  ).toBeVisible();
  await page.getByLabel('Peak memory per GPU').fill('2');
  await page.getByRole('button', { name: 'Record run' }).click();

  const table = page.getByRole('table', { name: 'Recorded runs' });
  await expect(table.getByRole('row')).toHaveCount(2);
  await expect(table.getByTestId('run-objective')).toContainText(
    'GRPO⚠ this run is GRPO, the plan is SFT: its memory and time are not comparable',
  );
  await expect(table.getByTestId('memory-error')).toHaveText('not comparable (other objective)');
  await expect(page.getByTestId('objective-left-out')).toContainText('run 1 (GRPO)');
  await expect(page.getByRole('heading', { name: 'Calibration' })).toHaveCount(0);

  // The reward chart: reward (mean) and the reward function's mean, each with its eval twin, over the ± std band.
  const chart = page.locator('[data-chart="metric-curve"]');
  await expect(chart.locator('figcaption')).toHaveText('GRPO run: Reward ± reward_std by step');
  await expect(chart.locator('.recharts-line')).toHaveCount(4);
  await expect(chart.locator('.recharts-area')).toHaveCount(1);
  await expect(chart).toContainText("reward (reward functions' sum)");
  await expect(chart).toContainText('step');
  await expect(page.locator('[data-chart="loss-curve"] .recharts-line')).toHaveCount(2);

  const shots = path.join(here, 'screenshots');
  fs.mkdirSync(shots, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.mouse.move(0, 0); // no tooltip in the picture
    await table.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: path.join(shots, `runs-grpo-1280x800-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });

  // The picker: completion length in tokens.
  await chart.getByLabel('Metric').selectOption({ label: 'Completion length' });
  await expect(chart.locator('figcaption')).toHaveText('GRPO run: Completion length by step');
  await expect(chart).toContainText('completion length (tokens)');
  await expect(chart.locator('.recharts-line')).toHaveCount(2);
});
