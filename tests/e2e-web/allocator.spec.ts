/**
 * Issue 15 §3 end to end: the caching allocator's settings in the editor change the estimate's "Allocator slack"
 * part and its explanation (rounding + fragmentation of the churned bytes, and the regime), at the sizes docs UI.md
 * names, light and dark, with screenshots of the training section under tests/e2e-web/screenshots/.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, SHOTS_DIR, SIZES, test } from './fixtures';

/** Unpacked, shuffled batches (the defaults): the allocator's fragmentation is at its largest. */
const PLAN = {
  name: 'Allocator settings',
  model: { source: 'catalog', id: 'Llama-3.2-3B' },
  techniques: [{ kind: 'lora' }],
  training: { microBatch: 4, seqLen: 2048 },
};

async function importPlan(page: Page, dataDir: string) {
  const file = path.join(dataDir, 'allocator.tuneplan.json');
  fs.writeFileSync(file, JSON.stringify(PLAN));
  await page.getByLabel('Import plan JSON file').setInputFiles(file);
  await expect(page.getByRole('status').first()).toContainText(`Imported “${PLAN.name}”`);
}

/** The "Allocator slack" explanation's text and figure in GiB, and the high end of PyTorch's reserved memory. */
async function slack(page: Page): Promise<{ text: string; gib: number; high: number }> {
  await page.getByRole('tab', { name: 'Explain' }).click();
  const item = page.getByRole('tabpanel', { name: 'Explain' }).locator('[id="explain-memory.allocatorSlack"]');
  await expect(item).toContainText(/^Allocator slack: [\d.,]+ GiB/);
  const text = (await item.innerText()).replace(/\s+/g, ' ').trim();
  const gib = Number(/Allocator slack: ([\d.,]+) GiB/.exec(text)![1]!.replace(/,/g, ''));
  // The range table's high end of PyTorch's reserved memory (allocated's high end is the same under either setting).
  const reserved = page
    .getByRole('tabpanel', { name: 'Explain' })
    .locator('tr', { hasText: 'Reserved by PyTorch' })
    .locator('td')
    .last();
  const high = Number(/([\d.,]+) GiB/.exec(await reserved.innerText())![1]!.replace(/,/g, ''));
  return { text, gib, high };
}

for (const scheme of ['light', 'dark'] as const) {
  test(`expandable segments and batch order change the allocator slack, explained (${scheme})`, async ({
    page,
    server,
  }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(server.url);
    await importPlan(page, server.dataDir);

    const shuffled = await slack(page);
    expect(shuffled.text).toContain('shuffled unpacked batches');
    expect(shuffled.text).toContain('expandable_segments off');

    // The plan is over the GPU (its expected peak, or its high end): the advice lists re-estimated changes, each with
    // its fit in three states.
    const advice = page.getByRole('region', { name: 'What would make it fit' });
    const group = advice.locator('details.lever-group').first();
    await expect(group.locator('summary')).toContainText(
      /(What would make it fit — over by|may not fit: ways to make it a sure fit.* — high end over by) [\d.]+ GiB/,
    );
    await expect(group.locator('table tbody tr').first()).toBeVisible();
    const states = await group.locator('table tbody tr td.fit-ok, td.fit-amber, td.fit-bad').allInnerTexts();
    expect(states.length).toBeGreaterThan(0);
    for (const cell of states) expect(['fits', 'may not fit (high end over)', 'still over']).toContain(cell.trim());
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await group.evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await page.mouse.move(0, 0);
      await page.screenshot({
        path: path.join(SHOTS_DIR, `allocator-levers-${size.width}x${size.height}-${scheme}.png`),
      });
    }

    const training = page.getByRole('region', { name: 'Training' });
    await training.getByText('Advanced', { exact: true }).click();
    await training.getByLabel('Batch order').selectOption('group_by_length');
    const grouped = await slack(page);
    expect(grouped.text).toContain('longest batch first');
    // Both orders fit the same (the allocator frees whole cached segments before an OOM); with room to spare,
    // shuffled batches may keep more cached, which the explanation says in GiB.
    expect(grouped.gib).toBeLessThanOrEqual(shuffled.gib);
    expect(grouped.high).toBeLessThanOrEqual(shuffled.high);
    expect(shuffled.text).toMatch(/with memory to spare reserved \(and nvidia-smi\) may keep up to [\d.]+ GiB more/);
    expect(grouped.text).not.toMatch(/may keep up to/);

    await training.getByLabel('Expandable allocator segments').check();
    const expandable = await slack(page);
    expect(expandable.text).toContain('expandable_segments on');
    expect(expandable.gib).toBeLessThanOrEqual(grouped.gib);
    expect(expandable.high).toBeLessThanOrEqual(grouped.high);

    for (const size of SIZES) {
      await page.setViewportSize(size);
      // The section is taller than the window: the picture is the window, the new fields scrolled into it.
      await training.getByLabel('Batch order').evaluate((el) => el.scrollIntoView({ block: 'center' }));
      await page.mouse.move(0, 0);
      await page.screenshot({
        path: path.join(SHOTS_DIR, `allocator-training-${size.width}x${size.height}-${scheme}.png`),
      });
    }
  });
}
