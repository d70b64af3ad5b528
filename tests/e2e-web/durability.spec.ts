import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from './fixtures';
import { startServer, stopServer } from './fixtures';

test('restore from a backup, then undo the restore', async ({ page, server }) => {
  await page.goto(server.url);
  await page.getByLabel('Name', { exact: true }).fill('Made after the backup');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const nav = page.getByRole('navigation', { name: 'Plans' });
  await expect(nav.getByRole('button', { name: /Made after the backup/ })).toBeVisible();

  await page.getByRole('button', { name: 'Restore from backup…' }).click();
  await page
    .getByRole('button', { name: /^Restore backup of / })
    .first()
    .click();
  await expect(page.getByText(/Restored the backup of/)).toBeVisible();
  await expect(nav.getByText('No plans yet')).toBeVisible();
  await page.getByRole('button', { name: 'Undo restore' }).click();
  await expect(nav.getByRole('button', { name: /Made after the backup/ })).toBeVisible();
});

test('a corrupt database is moved aside and the user is told where it is', async ({ page, server }) => {
  const corruptDir = path.join(server.dataDir, 'corrupt-case');
  fs.mkdirSync(corruptDir);
  fs.writeFileSync(path.join(corruptDir, 'tuneplan.sqlite'), 'definitely not a database\n'.repeat(100));
  const { child, url } = await startServer(corruptDir);
  try {
    await page.goto(url);
    await expect(page.getByRole('alert').filter({ hasText: 'moved aside' })).toContainText(
      path.join(corruptDir, 'tuneplan.corrupt-'),
    );
    expect(fs.readdirSync(corruptDir).some((f) => f.startsWith('tuneplan.corrupt-'))).toBe(true);
  } finally {
    await stopServer(child);
  }
});

test('the token appears only in the start-up line, never in later logs', async ({ page, server }) => {
  void server;
  const dir = fs.mkdtempSync(path.join(server.dataDir, 'logs-'));
  const { child, url } = await startServer(dir);
  let logs = '';
  child.stdout?.on('data', (c: Buffer) => (logs += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (logs += c.toString()));
  const token = url.split('#token=')[1]!;
  await page.goto(url);
  await page.getByLabel('Name', { exact: true }).fill('x');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.request.post(url.replace(/#.*$/, 'api/plans:list'), {
    headers: { Authorization: 'Bearer wrong' },
    data: {},
  });
  await stopServer(child);
  expect(logs).not.toContain(token);
});

test('two tabs editing one plan: the later stale save gets a conflict and the user chooses', async ({
  browser,
  server,
}) => {
  const a = await browser.newPage();
  const b = await browser.newPage();
  await a.goto(server.url);
  await a.getByLabel('Name', { exact: true }).fill('Shared plan');
  await a.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(a.getByRole('status').first()).toContainText('Saved');
  // The token lives in the tab's session storage: the second tab opens the printed address too.
  await b.goto(server.url);
  await b
    .getByRole('navigation', { name: 'Plans' })
    .getByRole('button', { name: /Shared plan/ })
    .click();
  await expect(b.getByLabel('Name', { exact: true })).toHaveValue('Shared plan');

  await a.getByLabel('Name', { exact: true }).fill('Shared plan — edited in A');
  await a.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(a.getByRole('status').first()).toContainText('Saved');

  await b.getByLabel('Notes', { exact: true }).fill('B was looking at an old revision');
  await b.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(b.getByRole('alert').first()).toContainText('changed elsewhere');
  await b.getByRole('button', { name: 'Save mine as a copy' }).click();
  const nav = b.getByRole('navigation', { name: 'Plans' });
  await expect(nav.getByRole('button', { name: /Shared plan — edited in A/ })).toBeVisible();
  await expect(nav.getByRole('button', { name: /Shared plan \(copy\)/ })).toBeVisible();
});
