/**
 * Issue 18 item 5/6 end to end, over the real browser-mode server: (a) real training configs (tests/fixtures/
 * import-configs, sources in its README) imported through "Import configs…" make a new plan whose fields show in the
 * editor; (b) a plan's DeepSpeed, LLaMA-Factory, axolotl and torchtune exports, downloaded from the Export tab, come
 * back through the same dialog as plans with the original's fields. Screenshots of the dialog (1280×800, light and
 * dark) are written to tests/e2e-web/screenshots/ to be looked at.
 */
import { strFromU8, unzipSync } from 'fflate';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, '../fixtures/import-configs');
const shots = path.join(here, 'screenshots');

const dialog = (page: Page) => page.getByRole('dialog', { name: 'Import training configs' });

/** Picks the files, checks every one was read, creates the plan and waits for it to open. */
async function importThrough(page: Page, files: string[]) {
  await page.getByLabel('Import training config files').setInputFiles(files);
  const d = dialog(page);
  await expect(d).toBeVisible();
  for (const f of files) await expect(d.getByRole('article', { name: path.basename(f) })).toBeVisible();
  await expect(d.getByRole('alert')).toHaveCount(0);
  await d.getByRole('button', { name: 'Create plan' }).click();
  await expect(d).toHaveCount(0);
  await expect(page.getByRole('status').first()).toContainText('Imported “Imported from ');
}

test('real configs imported through the dialog make a plan shown in the editor', async ({ page, server }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(server.url);
  await page
    .getByLabel('Import training config files')
    .setInputFiles([
      path.join(fixtures, 'generated/peft-lora/adapter_config.json'),
      path.join(fixtures, 'deepspeed/llamafactory-ds_z3_config.json'),
      path.join(fixtures, 'generated/trainer/training_args.json'),
      path.join(fixtures, 'generated/accelerate/deepspeed_zero2.yaml'),
    ]);
  const d = dialog(page);
  await expect(d.getByRole('article', { name: 'adapter_config.json' })).toContainText('PEFT adapter_config.json');
  // ZeRO-3 in the ds_config vs ZeRO-2 in the accelerate config: the first file given wins, and the dialog says so.
  await expect(d.getByRole('region', { name: 'Conflicts' })).toContainText(
    'The plan keeps llamafactory-ds_z3_config.json’s value.',
  );
  await expect(d.getByRole('region', { name: 'Left open' })).toBeVisible();
  fs.mkdirSync(shots, { recursive: true });
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.screenshot({ path: path.join(shots, `import-configs-1280x800-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  // not saved yet
  await expect(page.getByRole('navigation', { name: 'Plans' }).getByText('No plans yet')).toBeVisible();

  await d.getByRole('button', { name: 'Create plan' }).click();
  await expect(d).toHaveCount(0);
  await expect(page.getByLabel('Technique 1', { exact: true })).toHaveValue('lora');
  await expect(page.getByLabel('Technique 2', { exact: true })).toHaveCount(0);
  await expect(page.getByLabel('Rank r')).toHaveValue('8');
  await expect(page.getByLabel('Alpha', { exact: true })).toHaveValue('16');
  await expect(page.getByLabel('Strategy')).toHaveValue('zero3');
  await expect(page.getByLabel('Micro-batch per GPU')).toHaveValue('4');
  await expect(page.getByLabel('Gradient accumulation')).toHaveValue('8');
  await expect(
    page.getByRole('navigation', { name: 'Plans' }).getByRole('button', { name: /Imported from adapter_config\.json/ }),
  ).toHaveCount(1);

  // training_args.bin is a pickle: refused, named, with the way to get the JSON.
  await page
    .getByLabel('Import training config files')
    .setInputFiles([path.join(fixtures, 'generated/trainer/training_args.bin')]);
  await expect(dialog(page).getByRole('alert')).toContainText('training_args.bin is a Python pickle');
  await expect(dialog(page).getByRole('button', { name: 'Create plan' })).toBeDisabled();
  await dialog(page).getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog(page)).toHaveCount(0);
});

test('DeepSpeed, LLaMA-Factory, axolotl and torchtune exports import back to the same plan fields', async ({
  page,
  server,
}) => {
  await page.goto(server.url);
  await page.getByLabel('Name', { exact: true }).fill('Round trip');
  await page.getByLabel('Model', { exact: true }).selectOption('Llama-3.2-1B');
  // Technique 2 of the template is LoRA; it is the one exported.
  await expect(page.getByLabel('Technique 2', { exact: true })).toHaveValue('lora');
  await page.getByLabel('Rank r').first().fill('32');
  await page.getByLabel('Alpha', { exact: true }).first().fill('64');
  await page.getByLabel('Micro-batch per GPU').fill('2');
  await page.getByLabel('Gradient accumulation').fill('4');
  await page.getByLabel('GPUs per node').fill('2');
  await page.getByLabel('Strategy').selectOption('zero3');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').first()).toContainText('Saved “Round trip”');

  const out = path.join(server.dataDir, 'exports');
  const exportFormat = async (format: string): Promise<string[]> => {
    await page.getByRole('tab', { name: 'Export' }).click();
    await page.getByLabel('Format').selectOption(format);
    await page
      .getByRole('tabpanel', { name: 'Export' })
      .getByRole('combobox', { name: 'Technique', exact: true })
      .selectOption({ label: '2. LoRA' });
    const all = page.getByRole('button', { name: /Download all as \.zip/ });
    const [download] = await Promise.all([page.waitForEvent('download'), all.click()]);
    const zipPath = path.join(out, `${format}.zip`);
    await download.saveAs(zipPath);
    const files: string[] = [];
    for (const [name, bytes] of Object.entries(unzipSync(new Uint8Array(fs.readFileSync(zipPath))))) {
      const file = path.join(out, format, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, bytes);
      expect(name, strFromU8(bytes).slice(0, 400)).not.toMatch(/NOT-SUPPORTED/);
      // The training configs; LLaMA-Factory's data/dataset_info.json describes the data, not the training.
      if (/\.(ya?ml|json)$/.test(name) && !name.endsWith('data/dataset_info.json')) files.push(file);
    }
    expect(files.length, format).toBeGreaterThan(0);
    return files;
  };
  const zero3 = {
    deepspeed: await exportFormat('deepspeed'),
    'llama-factory': await exportFormat('llama-factory'),
    axolotl: await exportFormat('axolotl'),
  };
  // torchtune shards with FSDP2, never DeepSpeed (its exporter refuses ZeRO): the same plan on FSDP full shard.
  await page.getByLabel('Strategy').selectOption('fsdp_full');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').first()).toContainText('Saved “Round trip”');
  const torchtune = await exportFormat('torchtune');

  const expectFields = async (strategy: string, adapter: boolean) => {
    await expect(page.getByLabel('Strategy')).toHaveValue(strategy);
    await expect(page.getByLabel('Micro-batch per GPU')).toHaveValue('2');
    await expect(page.getByLabel('Gradient accumulation')).toHaveValue('4');
    if (!adapter) return;
    await expect(page.getByLabel('Model', { exact: true })).toHaveValue('Llama-3.2-1B');
    await expect(page.getByLabel('Technique 1', { exact: true })).toHaveValue('lora');
    await expect(page.getByLabel('Technique 2', { exact: true })).toHaveCount(0);
    await expect(page.getByLabel('Rank r')).toHaveValue('32');
    await expect(page.getByLabel('Alpha', { exact: true })).toHaveValue('64');
    await expect(page.getByLabel('Sequence length')).toHaveValue('1024');
    await expect(page.getByLabel('Epochs')).toHaveValue('3');
  };

  // ds_config.json + accelerate_config.yaml carry the sharding and the batch; the technique lives in train.py.
  await importThrough(page, zero3.deepspeed);
  await expectFields('zero3', false);
  await expect(page.getByLabel('GPUs per node')).toHaveValue('2');
  await importThrough(page, zero3['llama-factory']);
  await expectFields('zero3', true);
  await importThrough(page, zero3.axolotl);
  await expectFields('zero3', true);
  await importThrough(page, torchtune);
  await expectFields('fsdp_full', true);
  await expect(page.getByLabel('GPUs per node')).toHaveValue('2');
  await expect(page.getByLabel('Training library')).toHaveValue('torchtune');

  await expect(
    page.getByRole('navigation', { name: 'Plans' }).getByRole('button', { name: /Imported from / }),
  ).toHaveCount(4);
});
