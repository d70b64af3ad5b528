import { spawnSync } from 'node:child_process';
import { strFromU8, unzipSync } from 'fflate';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { expect, test } from './fixtures';

test('every export format downloads from the UI and the files are valid on disk', async ({ page, server }) => {
  await page.goto(server.url);
  await page.getByLabel('Name', { exact: true }).fill('Export me');
  await page.getByLabel('Strategy').selectOption('zero3');
  await page.getByLabel('GPUs per node').fill('4');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('tab', { name: 'Export' }).click();

  const out = path.join(server.dataDir, 'exports');
  const py: string[] = [];
  for (const format of ['json', 'hf', 'deepspeed', 'azureml', 'kaito', 'olive', 'service']) {
    await page.getByLabel('Format').selectOption(format);
    const all = page.getByRole('button', { name: /Download all as \.zip \((\d+) files?\)/ });
    const n = Number(/\((\d+) file/.exec((await all.textContent()) ?? '')?.[1]);
    const [download] = await Promise.all([page.waitForEvent('download'), all.click()]);
    const zipPath = path.join(out, `${format}.zip`);
    await download.saveAs(zipPath);
    const entries = unzipSync(new Uint8Array(fs.readFileSync(zipPath)));
    expect(Object.keys(entries)).toHaveLength(n);
    for (const [name, bytes] of Object.entries(entries)) {
      const file = path.join(out, format, name);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, bytes);
      const text = strFromU8(bytes);
      if (name.endsWith('.json')) expect(() => JSON.parse(text) as unknown, name).not.toThrow();
      if (name.endsWith('.yaml') || name.endsWith('.yml')) expect(typeof parseYaml(text), name).toBe('object');
      if (name.endsWith('.py')) py.push(file);
      if (name.endsWith('ds_config.json'))
        expect((JSON.parse(text) as { zero_optimization: { stage: number } }).zero_optimization.stage).toBe(3);
    }
  }
  // One file on its own, too.
  await page.getByLabel('Format').selectOption('hf');
  const [single] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download train.py' }).click(),
  ]);
  expect(single.suggestedFilename()).toMatch(/train\.py$/);
  expect(py.length).toBeGreaterThan(0);
  if (spawnSync('python3', ['--version']).status === 0)
    expect(spawnSync('python3', ['-m', 'py_compile', ...py]).status).toBe(0);
});
