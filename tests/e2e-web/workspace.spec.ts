import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from './fixtures';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const shots = path.join(here, 'screenshots');
const GiB = 2 ** 30;

interface CliTechnique {
  label: string;
  trainableParams: number;
  memory: { nvidiaSmiBytes: number; parts: Record<string, number> };
}

test('plan from the scenario guide, compared, charted, saved, reloaded, exported and re-imported unchanged', async ({
  page,
  server,
}) => {
  fs.mkdirSync(shots, { recursive: true });
  await page.goto(server.url);
  await page.getByLabel('Name', { exact: true }).fill('Support bot on Phi-3-mini');

  // Scenario guide: chatbot, lower cost → full, LoRA, QLoRA; then add a fourth technique.
  await page.getByLabel('Human-like chatbot responses').check();
  await page.getByLabel('Lower memory use').uncheck();
  await page.getByLabel('Lower compute and money cost').check();
  await page.getByRole('button', { name: 'Choose techniques for this' }).click();
  await page.getByRole('button', { name: 'Add technique' }).click();
  const table = page.getByRole('table', { name: 'Technique comparison' });
  await expect(table.getByRole('columnheader')).toHaveText([
    'Per technique',
    /Full fine-tuning/,
    /LoRA/,
    /QLoRA/,
    /DoRA/,
  ]);
  await expect(page.getByText(/QLoRA: [\d.]+ % of parameters trained/)).toBeVisible();
  await page.screenshot({ path: path.join(shots, 'workspace.png'), fullPage: false });

  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').first()).toContainText('Saved “Support bot on Phi-3-mini”');

  // Export the plan and estimate the same file with the command line.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export JSON' }).click(),
  ]);
  const exported = path.join(server.dataDir, 'exported.tuneplan.json');
  await download.saveAs(exported);
  const cli = JSON.parse(
    execFileSync(process.execPath, [path.join(root, 'build/bin/tuneplan.mjs'), 'estimate', exported, '--json'], {
      encoding: 'utf8',
    }),
  ) as { techniques: CliTechnique[] };
  expect(cli.techniques.map((t) => t.label)).toEqual(['Full fine-tuning', 'LoRA', 'QLoRA', 'DoRA']);

  // Table numbers agree with the CLI.
  const memoryCells = table.locator('tr[data-row="memory"] td');
  const trainableCells = table.locator('tr[data-row="trainable"] td');
  for (const [i, t] of cli.techniques.entries()) {
    await expect(memoryCells.nth(i)).toContainText(`${(t.memory.nvidiaSmiBytes / GiB).toFixed(1)} GiB`);
    await expect(trainableCells.nth(i)).toContainText(t.trainableParams.toLocaleString('en-US'));
  }

  // The memory chart draws one stacked bar per technique, and its data table says what the CLI says.
  const chart = page.locator('[data-chart="memory-breakdown"]');
  await expect(chart.locator('.recharts-xAxis .recharts-cartesian-axis-tick')).toHaveCount(4);
  expect(await chart.locator('.recharts-bar-rectangle').count()).toBeGreaterThanOrEqual(4 * 4);
  await chart.getByText('Data table').click();
  const rows = chart.locator('table.data-table tbody tr');
  await expect(rows).toHaveCount(4);
  for (const [i, t] of cli.techniques.entries()) {
    // Columns: the parts, then Total, Low and High (GiB).
    await expect(rows.nth(i).locator('td').nth(-3)).toHaveText((t.memory.nvidiaSmiBytes / GiB).toFixed(2));
    await expect(rows.nth(i).locator('td').first()).toHaveText((t.memory.parts.frozenWeights! / GiB).toFixed(2));
  }
  await page.locator('.charts').screenshot({ path: path.join(shots, 'charts.png') });

  // Explain and recommend.
  await memoryCells.nth(1).getByRole('button').click();
  await expect(
    page.getByText(/max\(forward end, backward \(loss, head, first recomputed layer, last layer\), optimizer step\)/),
  ).toBeVisible();
  await page.screenshot({ path: path.join(shots, 'explain.png') });
  await page.getByRole('tab', { name: 'Recommend' }).click();
  await page.getByRole('button', { name: 'Find the cheapest and fastest' }).click();
  await expect(page.getByRole('heading', { name: 'Cheapest' })).toBeVisible();
  await page.screenshot({ path: path.join(shots, 'recommend.png') });

  // Reload: the plan is stored; exporting it again gives the same bytes.
  await page.goto(server.url);
  await page
    .getByRole('navigation', { name: 'Plans' })
    .getByRole('button', { name: /Support bot on Phi-3-mini/ })
    .click();
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue('Support bot on Phi-3-mini');
  const [again] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export JSON' }).click(),
  ]);
  const second = path.join(server.dataDir, 'second.tuneplan.json');
  await again.saveAs(second);
  expect(fs.readFileSync(second, 'utf8')).toBe(fs.readFileSync(exported, 'utf8'));

  // Import the file: a new plan, numbered because the name is taken (issue 20), whose export is
  // byte-identical but for that name.
  await page.getByLabel('Import plan JSON file').setInputFiles(exported);
  await expect(page.getByRole('status').first()).toContainText('Imported “Support bot on Phi-3-mini (2)”');
  await expect(
    page.getByRole('navigation', { name: 'Plans' }).getByRole('button', { name: /Support bot on Phi-3-mini/ }),
  ).toHaveCount(2);
  const [third] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Control+e')]);
  const reimported = path.join(server.dataDir, 'third.tuneplan.json');
  await third.saveAs(reimported);
  expect(fs.readFileSync(reimported, 'utf8')).toBe(
    fs
      .readFileSync(exported, 'utf8')
      .replace('"name": "Support bot on Phi-3-mini"', '"name": "Support bot on Phi-3-mini (2)"'),
  );
});

test('an invalid import names the field and changes nothing', async ({ page, server }) => {
  await page.goto(server.url);
  const bad = path.join(server.dataDir, 'bad.json');
  fs.writeFileSync(
    bad,
    JSON.stringify({ name: 'x', model: { source: 'catalog', id: 'Phi-4' }, techniques: [{ kind: 'lora', rank: 0 }] }),
  );
  await page.getByLabel('Import plan JSON file').setInputFiles(bad);
  await expect(page.getByRole('alert').first()).toContainText('techniques[0].rank: must be at least 1');
  await expect(page.getByRole('navigation', { name: 'Plans' }).getByText('No plans yet')).toBeVisible();
});

test('keyboard: Ctrl+N new plan, Ctrl+F search, arrows move through plans', async ({ page, server }) => {
  await page.goto(server.url);
  for (const name of ['Alpha plan', 'Beta plan']) {
    await page.keyboard.press('Control+n');
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.keyboard.press('Control+s');
    await expect(page.getByRole('status').first()).toContainText(`Saved “${name}”`);
  }
  await page.keyboard.press('Control+f');
  await expect(page.getByPlaceholder('Search plans (Ctrl+F)')).toBeFocused();
  await page.getByPlaceholder('Search plans (Ctrl+F)').fill('Alpha');
  const nav = page.getByRole('navigation', { name: 'Plans' });
  await expect(nav.getByRole('button', { name: /plan ·|Alpha plan/ })).toHaveCount(1);
  await page.getByPlaceholder('Search plans (Ctrl+F)').fill('');
  await nav.getByRole('button', { name: /Beta plan/ }).focus();
  await page.keyboard.press('ArrowDown');
  await expect(nav.getByRole('button', { name: /Alpha plan/ })).toBeFocused();
});
