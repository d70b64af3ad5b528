import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from './fixtures';

const shots = path.resolve(path.dirname(new URL(import.meta.url).pathname), 'screenshots');

test('create a plan, restart the server, it is still there; edit; delete', async ({ page, server }) => {
  await page.goto(server.url);
  // The token leaves the address bar once read.
  await expect(page).not.toHaveURL(/token=/);
  await expect(page.getByRole('contentinfo', { name: 'Status' })).toContainText('Browser mode');

  await page.getByLabel('Name', { exact: true }).fill('Phi-3 support bot');
  await page.getByLabel('Model', { exact: true }).selectOption('Phi-3-medium-4k-instruct');
  await page.getByLabel('Notes', { exact: true }).fill('10k chats, 512 tokens each');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('status').first()).toContainText('Saved “Phi-3 support bot”');
  const nav = page.getByRole('navigation', { name: 'Plans' });
  await expect(nav.getByRole('button', { name: /Phi-3 support bot/ })).toBeVisible();
  fs.mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, 'plans-saved.png') });

  await server.restart();
  await page.goto(server.url);
  await nav.getByRole('button', { name: /Phi-3 support bot/ }).click();
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue('Phi-3 support bot');
  await expect(page.getByLabel('Model', { exact: true })).toHaveValue('Phi-3-medium-4k-instruct');
  await expect(page.getByLabel('Notes', { exact: true })).toHaveValue('10k chats, 512 tokens each');

  await page.getByLabel('Name', { exact: true }).fill('Phi-3 support bot v2');
  await page.keyboard.press('Control+s');
  await expect(page.getByRole('status').first()).toContainText('Saved “Phi-3 support bot v2”');
  await expect(nav.getByRole('button', { name: /Phi-3 support bot v2/ })).toBeVisible();

  await page.getByRole('button', { name: 'Delete…' }).click();
  await page.getByRole('button', { name: 'Yes, delete' }).click();
  await expect(page.getByRole('status').first()).toContainText('Deleted');
  await expect(nav.getByText('No plans yet')).toBeVisible();

  await server.restart();
  await page.goto(server.url);
  await expect(nav.getByText('No plans yet')).toBeVisible();
});

test('a field error is shown under the field and nothing is saved', async ({ page, server }) => {
  await page.goto(server.url);
  await page.getByLabel('Name', { exact: true }).fill('');
  await expect(page.getByText('give the plan a name')).toBeVisible();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(page.getByRole('alert').first()).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Plans' }).getByText('No plans yet')).toBeVisible();
});

test('without the token the page says how to get in', async ({ page, server }) => {
  const bare = server.url.replace(/#.*$/, '');
  await page.goto(bare);
  await expect(page.getByRole('alert')).toContainText('#token=');
});
