/**
 * Issue 20, workspace, in a real Chromium: the result tabs follow the WAI-ARIA tabs pattern
 * (https://www.w3.org/WAI/ARIA/apg/patterns/tabs/); a failed save moves focus to the first invalid field and lists
 * every invalid field, and focus never falls to the page body after Save; at 1024 px every select is as wide as its
 * longest option. Screenshots under tests/e2e-web/screenshots/ to be looked at.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const shots = path.join(path.dirname(fileURLToPath(import.meta.url)), 'screenshots');

const focusOnBody = (page: Page) =>
  page.evaluate(() => !document.activeElement || document.activeElement === document.body);

test('result tabs: arrows (wrapping), Home and End move and select; one tab stop; each tab controls its panel', async ({
  page,
  server,
}) => {
  await page.goto(server.url);
  const list = page.getByRole('tablist', { name: 'Results views' });
  const tab = (name: string) => list.getByRole('tab', { name });
  await expect(tab('Compare')).toHaveAttribute('aria-selected', 'true');
  await tab('Compare').focus();

  const expectAt = async (name: string) => {
    await expect(tab(name)).toBeFocused();
    await expect(tab(name)).toHaveAttribute('aria-selected', 'true');
    await expect(tab(name)).toHaveAttribute('tabindex', '0');
    await expect(list.locator('[role="tab"][tabindex="0"]')).toHaveCount(1);
    const panelId = await tab(name).getAttribute('aria-controls');
    await expect(page.locator(`[id="${panelId}"]`)).toBeVisible();
    await expect(page.getByRole('tabpanel', { name })).toBeVisible();
  };
  await page.keyboard.press('ArrowRight');
  await expectAt('Explain');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expectAt('Export'); // wraps from the first tab to the last
  await page.keyboard.press('ArrowRight');
  await expectAt('Compare'); // and from the last to the first
  await page.keyboard.press('End');
  await expectAt('Export');
  await page.keyboard.press('Home');
  await expectAt('Compare');

  // Every tab's aria-controls names a tabpanel that exists (hidden unless selected).
  for (const name of ['Compare', 'Explain', 'Recommend', 'Runs', 'Export']) {
    const panelId = await tab(name).getAttribute('aria-controls');
    await expect(page.locator(`[id="${panelId}"][role="tabpanel"]`)).toHaveCount(1);
  }
  // Tab leaves the tab list for the panel, not for the next tab.
  await page.keyboard.press('Tab');
  await expect(tab('Explain')).not.toBeFocused();
});

test('a failed save focuses the first invalid field and lists them all; after Save focus is never on the body', async ({
  page,
  server,
}) => {
  fs.mkdirSync(shots, { recursive: true });
  await page.goto(server.url);
  const name = page.getByLabel('Name', { exact: true });
  const microBatch = page.getByLabel('Micro-batch per GPU');
  await name.fill('  ');
  await microBatch.fill('');
  const save = page.getByRole('button', { name: 'Save', exact: true });
  await save.click();

  await expect(name).toBeFocused();
  const summary = page.getByRole('group', { name: /fix the highlighted fields before saving/ });
  await expect(summary.getByRole('button')).toHaveText([/^Name: give the plan a name/, /^Micro-batch per GPU: /]);
  await page.screenshot({ path: path.join(shots, 'save-error-summary.png') });
  await summary.getByRole('button', { name: /^Micro-batch per GPU/ }).click();
  await expect(microBatch).toBeFocused();

  // Fixed: the list goes, the save goes through, and focus stays on Save (a disabled Save used to drop it).
  await name.fill('Keyboard check');
  await microBatch.fill('2');
  await expect(summary).toHaveCount(0);
  await save.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('status').first()).toContainText('Saved “Keyboard check”');
  await expect(save).toBeFocused();
  expect(await focusOnBody(page)).toBe(false);

  // Saving with Ctrl+S from a field keeps focus in that field.
  await name.fill('Keyboard check 2');
  await page.keyboard.press('Control+s');
  await expect(page.getByRole('status').first()).toContainText('Saved “Keyboard check 2”');
  await expect(name).toBeFocused();
});

test('at 1024 px every select is as wide as its longest option (editor and every result tab)', async ({
  page,
  server,
}) => {
  fs.mkdirSync(shots, { recursive: true });
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.goto(server.url);
  await expect(page.getByRole('tab', { name: 'Compare' })).toBeVisible();
  // Open every "Advanced" disclosure so the selects in them are laid out too.
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));

  /**
   * For each visible select: its width, and the width the same select takes when nothing constrains it (a hidden
   * copy beside it with width auto: a select's natural width is that of its longest option). Truncated when narrower.
   */
  const truncated = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('select')]
        .filter((s) => s.offsetParent !== null)
        .map((s) => {
          const copy = s.cloneNode(true) as HTMLSelectElement;
          copy.removeAttribute('id');
          copy.style.cssText = 'position:absolute;visibility:hidden;width:auto;min-width:0;max-width:none;flex:none';
          s.parentElement!.append(copy);
          const natural = copy.getBoundingClientRect().width;
          copy.remove();
          const label = s.labels?.[0]?.textContent?.trim() ?? s.getAttribute('aria-label') ?? s.name;
          return { label, width: s.getBoundingClientRect().width, natural };
        })
        .filter((r) => r.width + 0.5 < r.natural),
    );

  expect(await truncated(), 'selects narrower than their longest option in the editor').toEqual([]);
  await page.screenshot({ path: path.join(shots, 'selects-1024-editor.png'), fullPage: true });
  for (const name of ['Explain', 'Recommend', 'Runs', 'Export']) {
    await page.getByRole('tab', { name }).click();
    await expect(page.getByRole('tabpanel', { name })).toBeVisible();
    expect(await truncated(), `selects narrower than their longest option with the ${name} tab open`).toEqual([]);
  }
  await page.locator('section.results').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: path.join(shots, 'selects-1024-export.png') });
});
