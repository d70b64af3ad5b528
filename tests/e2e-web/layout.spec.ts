/**
 * The workspace at the sizes docs UI.md names (issue 14.8): 1024×700, 1280×800 and 1440×900, light and dark. At each,
 * the results are visible and usable — the summary line, the comparison table (first column kept in view when it
 * scrolls), the charts and the explanation panel have real widths — and the page never scrolls sideways.
 * Screenshots are kept under tests/e2e-web/screenshots/ to be looked at.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, SHOTS_DIR, SIZES, test } from './fixtures';

/**
 * A plan with a technique that surely does not fit: full fine-tuning of a 3.8 B model keeps 16 bytes per parameter
 * of weights, gradients and AdamW states (~57 GiB) on a 24 GB L4, while QLoRA fits (and, with this estimator, LoRA
 * and DoRA may not fit: all three states on screen).
 */
const PLAN = {
  name: 'Layout check',
  model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
  techniques: [{ kind: 'full' }, { kind: 'lora' }, { kind: 'qlora' }, { kind: 'dora' }],
  training: { gradientCheckpointing: true, microBatch: 8 },
  hardware: { gpu: { source: 'catalog', id: 'l4' } },
};

/** Brings the results' top into view (on narrow windows they are under the editor). */
async function showResults(page: Page) {
  await page.locator('section.results').evaluate((el) => el.scrollIntoView({ block: 'start' }));
}

async function noHorizontalOverflow(page: Page) {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  expect(scrollWidth, 'the page must not scroll sideways').toBeLessThanOrEqual(innerWidth);
  // On narrow windows the workspace (.app) scrolls down; it must not scroll sideways either.
  const app = await page.locator('.app').evaluate((el) => ({ sw: el.scrollWidth, cw: el.clientWidth }));
  expect(app.sw, 'the workspace must not scroll sideways').toBeLessThanOrEqual(app.cw);
}

/** The document never scrolls down: the panes (or, on narrow windows, the workspace) do. */
async function noVerticalPageScroll(page: Page) {
  const { scrollHeight, innerHeight } = await page.evaluate(() => ({
    scrollHeight: document.documentElement.scrollHeight,
    innerHeight: window.innerHeight,
  }));
  expect(scrollHeight, 'the page itself must not scroll down').toBeLessThanOrEqual(innerHeight);
  // The wheel over the plans list moves nothing on the page.
  await page.mouse.move(100, innerHeight - 200);
  await page.mouse.wheel(0, 600);
  await page.waitForTimeout(100);
  expect(await page.evaluate(() => window.scrollY), 'the wheel must not scroll the document').toBe(0);
}

async function width(page: Page, selector: string): Promise<number> {
  const box = await page.locator(selector).first().boundingBox();
  return box?.width ?? 0;
}

/** 1, 2 or 5 × 10ⁿ. */
function isRoundStep(step: number): boolean {
  const m = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  return [1, 2, 5, 10].some((r) => Math.abs(m - r) < 1e-6);
}

for (const scheme of ['light', 'dark'] as const) {
  for (const size of SIZES) {
    test(`results are usable at ${size.width}×${size.height}, ${scheme}`, async ({ page, server }) => {
      fs.mkdirSync(SHOTS_DIR, { recursive: true });
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize(size);
      await page.goto(server.url);
      const file = path.join(server.dataDir, 'layout.tuneplan.json');
      fs.writeFileSync(file, JSON.stringify(PLAN));
      await page.getByLabel('Import plan JSON file').setInputFiles(file);
      await expect(page.getByRole('status').first()).toContainText('Imported “Layout check”');

      const table = page.getByRole('table', { name: 'Technique comparison' });
      await expect(table).toBeVisible();
      const summary = page.getByTestId('results-summary');
      await expect(summary).toContainText(/(fits|may not fit) one NVIDIA L4/);

      // Nothing collapses: the results column, its table and its chart are wide enough to read.
      expect(await width(page, 'section.results')).toBeGreaterThan(500);
      expect(await width(page, '.table-wrap')).toBeGreaterThan(450);
      expect(await width(page, '[data-chart="memory-breakdown"] .recharts-wrapper')).toBeGreaterThan(450);
      expect(await width(page, 'main.editor')).toBeGreaterThan(380);
      await noHorizontalOverflow(page);
      await noVerticalPageScroll(page);

      // A technique that does not fit (full fine-tuning here) is greyed in every row and never starred.
      const full = table.locator('td[data-technique="full"]');
      await expect(full.first()).toHaveAttribute('data-fit', 'does-not-fit');
      expect(await full.count()).toBe(await table.locator('tbody tr').count());
      for (const cell of await full.all()) await expect(cell).toHaveClass(/\bover\b/);
      await expect(table.locator('td[data-technique="full"] .best-mark')).toHaveCount(0);
      await expect(table.locator('tr[data-row="fits"] td[data-technique="full"]')).toContainText(/over by [\d.]+ GiB/);

      // The memory chart: an error bar per technique, and round y ticks.
      const chart = page.locator('[data-chart="memory-breakdown"]');
      await expect(chart.locator('.recharts-errorBar')).toHaveCount(4);
      // Each error bar spans the top of its own stack (the expected peak lies between low and high).
      const rects = await chart
        .locator('.recharts-bar-rectangle path')
        .evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).filter((r) => r.height > 0));
      for (const bar of await chart.locator('.recharts-errorBar').all()) {
        const box = (await bar.boundingBox())!;
        const cx = box.x + box.width / 2;
        const top = Math.min(...rects.filter((r) => r.left <= cx && r.right >= cx).map((r) => r.top));
        expect(top).toBeGreaterThanOrEqual(box.y - 1);
        expect(top).toBeLessThanOrEqual(box.y + box.height + 1);
      }
      const ticks = (await chart.locator('.recharts-yAxis-tick-labels text').allTextContents()).map((t) =>
        Number(t.replace(/[^\d.]/g, '')),
      );
      expect(ticks.length).toBeGreaterThanOrEqual(3);
      for (const [i, t] of ticks.slice(1).entries())
        expect(isRoundStep(t - ticks[i]!), `ticks ${ticks.join(', ')}`).toBe(true);

      // The table keeps its first column in view while it scrolls, and says that it scrolls.
      const wrap = page.locator('.table-wrap');
      const scrolls = await wrap.evaluate((el) => el.scrollWidth > el.clientWidth + 1);
      if (scrolls) {
        await expect(page.locator('.scroll-hint')).toBeVisible();
        const before = await table.locator('th[scope="row"]').first().boundingBox();
        await wrap.evaluate((el) => el.scrollTo({ left: el.scrollWidth }));
        await expect(wrap).toHaveAttribute('data-scroll-left', 'true');
        const after = await table.locator('th[scope="row"]').first().boundingBox();
        expect(Math.abs((after?.x ?? 0) - (before?.x ?? -100))).toBeLessThan(1);
        await wrap.evaluate((el) => el.scrollTo({ left: 0 }));
      }

      await showResults(page);
      await page.screenshot({ path: path.join(SHOTS_DIR, `layout-${size.width}x${size.height}-${scheme}.png`) });
      await chart.screenshot({ path: path.join(SHOTS_DIR, `memory-chart-${size.width}x${size.height}-${scheme}.png`) });

      // The time chart: error bars too.
      await page.getByRole('button', { name: 'Time and cost' }).click();
      await expect(page.locator('[data-chart="time-cost"] .recharts-errorBar')).toHaveCount(4);
      await page.locator('[data-chart="time-cost"]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(SHOTS_DIR, `time-${size.width}x${size.height}-${scheme}.png`) });

      // The explanation panel: opened from a figure, as wide as the results, with its low / expected / high table.
      await table.locator('tr[data-row="memory"] td').nth(1).getByRole('button').click();
      await expect(page.getByRole('tab', { name: 'Explain' })).toHaveAttribute('aria-selected', 'true');
      await expect(page.getByRole('table', { name: 'Ranges for LoRA' })).toBeVisible();
      expect(await width(page, '.explain')).toBeGreaterThan(450);
      await noHorizontalOverflow(page);
      await noVerticalPageScroll(page);
      await showResults(page);
      await page.screenshot({ path: path.join(SHOTS_DIR, `explain-${size.width}x${size.height}-${scheme}.png`) });

      // Full fine-tuning's optimizer states: the optimizer makes them in its first step, which therefore peaks lower
      // once the activations set the peak (without checkpointing).
      await page.getByRole('checkbox', { name: 'Gradient checkpointing' }).uncheck();
      await page.getByRole('tab', { name: 'Compare' }).click();
      await table.locator('tr[data-row="memory"] td[data-technique="full"]').getByRole('button').click();
      const firstStep = page.locator('.explain').getByText(/first step peaks at [\d.]+ GiB allocated/);
      await firstStep.scrollIntoViewIfNeeded();
      await expect(firstStep).toBeVisible();
      await noHorizontalOverflow(page);
      await page.screenshot({
        path: path.join(SHOTS_DIR, `explain-first-step-${size.width}x${size.height}-${scheme}.png`),
      });

      // Mixed precision: a full fine-tune's fp32 weights run under autocast, and the activations explanation says
      // what that keeps (shared/estimate/forward-dtypes.ts).
      await page.getByLabel('Precision').selectOption('mixed');
      await page.getByRole('tab', { name: 'Compare' }).click();
      await table.locator('tr[data-row="memory"] td[data-technique="full"]').getByRole('button').click();
      const autocast = page.locator('.explain').getByText(/fp32 weights run under torch\.autocast/);
      await autocast.scrollIntoViewIfNeeded();
      await expect(autocast).toBeVisible();
      await noHorizontalOverflow(page);
      await page.screenshot({
        path: path.join(SHOTS_DIR, `explain-autocast-${size.width}x${size.height}-${scheme}.png`),
      });
    });
  }
}
