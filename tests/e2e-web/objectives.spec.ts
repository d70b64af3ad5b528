/**
 * Issue 19 end to end, in the real browser-mode server: a DPO plan and a GRPO plan imported through the plan file
 * picker are estimated, explained, charted and exported like an SFT plan. DPO (LoRA, a frozen reference copy): the
 * memory breakdown and the explanation name the reference model, the summary names the objective, and the TRL
 * export's train.py builds a DPOTrainer. GRPO (vLLM colocate): the summary and the table give generation and update
 * times with their units, the memory chart has the generation engine's part, and the time view splits the run by
 * phase — at the sizes docs UI.md names, light and dark, with screenshots under tests/e2e-web/screenshots/.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { PART_COLORS } from '../../renderer/charts/colors';
import { expect, SHOTS_DIR, SIZES, test } from './fixtures';

const DPO_PLAN = {
  name: 'DPO after SFT',
  model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
  techniques: [{ kind: 'lora' }],
  objective: { kind: 'dpo', reference: 'copy' },
};

/**
 * GRPO with vLLM colocated at its default 30 % of each GPU. The generation batch (micro-batch 2 × 1 GPU ×
 * accumulation 4 = 8) divides by the 8 generations per prompt, as GRPOConfig requires.
 */
const GRPO_PLAN = {
  name: 'GRPO reasoning',
  model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
  techniques: [{ kind: 'lora' }, { kind: 'qlora' }],
  training: { microBatch: 2, gradAccum: 4 },
  objective: { kind: 'grpo', generation: 'vllm_colocate', vllmGpuMemoryUtilization: 0.3 },
};

/** A duration as the UI writes it: "42 s", "37 min", "3 h 12 min", "2.1 days". */
const DURATION = String.raw`(\d+ s|\d+ min|\d+ h \d+ min|\d+\.\d days)`;

async function importPlan(page: Page, dataDir: string, plan: { name: string }) {
  const file = path.join(dataDir, `${plan.name.replace(/\W+/g, '-')}.tuneplan.json`);
  fs.writeFileSync(file, JSON.stringify(plan));
  await page.getByLabel('Import plan JSON file').setInputFiles(file);
  await expect(page.getByRole('status').first()).toContainText(`Imported “${plan.name}”`);
}

/** The legend entries of the chart named `name` (data-chart). */
function legend(page: Page, name: string) {
  return page.locator(`[data-chart="${name}"] .recharts-legend-item-text`);
}

test('a DPO plan names its reference model and exports a DPOTrainer script', async ({ page, server }) => {
  await page.goto(server.url);
  await importPlan(page, server.dataDir, DPO_PLAN);

  await expect(page.getByTestId('results-summary')).toContainText(/^DPO with a frozen reference copy\. LoRA /);
  // The memory breakdown: the reference copy is its own part, in the legend and in the chart's data table.
  await expect(legend(page, 'memory-breakdown').filter({ hasText: /^Reference model$/ })).toHaveCount(1);
  await expect(page.locator('[data-chart="memory-breakdown"] .data-table thead')).toContainText(
    'Reference model (GiB)',
  );
  // The reference forwards cost time: the table splits the wall time.
  const table = page.getByRole('table', { name: 'Technique comparison' });
  await expect(table.locator('tr[data-row="phase-reference"] td').first()).toHaveText(
    new RegExp(`^${DURATION} \\(\\d+ % of the run\\)`),
  );

  // The explanation names it too, with its figure in GiB.
  await page.getByRole('tab', { name: 'Explain' }).click();
  const explain = page.getByRole('tabpanel', { name: 'Explain' });
  await expect(explain).toContainText(/Reference model: [\d.,]+ GiB/);

  // The TRL export trains with DPOTrainer.
  await page.getByRole('tab', { name: 'Export' }).click();
  await page.getByLabel('Format').selectOption('hf');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download train.py' }).click(),
  ]);
  const file = path.join(server.dataDir, 'dpo-train.py');
  await download.saveAs(file);
  expect(fs.readFileSync(file, 'utf8')).toContain('DPOTrainer');
});

for (const scheme of ['light', 'dark'] as const) {
  for (const size of SIZES) {
    test(`a GRPO plan shows generation and update times at ${size.width}×${size.height}, ${scheme}`, async ({
      page,
      server,
    }) => {
      fs.mkdirSync(SHOTS_DIR, { recursive: true });
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize(size);
      await page.goto(server.url);
      await importPlan(page, server.dataDir, GRPO_PLAN);

      // The summary names the objective and gives the lead technique's generation and update times with units.
      const summary = page.getByTestId('results-summary');
      await expect(summary).toContainText('GRPO: 8 generations × 512 tokens, vLLM colocate at 30 %.');
      await expect(summary).toContainText(new RegExp(`\\(generation ${DURATION}, update ${DURATION}\\)`));

      // The table: generation and update times, one figure per technique each, right under the wall time.
      const table = page.getByRole('table', { name: 'Technique comparison' });
      for (const row of ['phase-generation', 'phase-update']) {
        const cells = table.locator(`tr[data-row="${row}"] td`);
        await expect(cells).toHaveCount(2);
        for (const cell of await cells.all())
          await expect(cell).toHaveText(new RegExp(`^${DURATION} \\(\\d+ % of the run\\)`));
      }
      await expect(table.locator('tr[data-row="phase-generation"] th')).toHaveText('Generation time');
      await expect(table.locator('tr[data-row="phase-update"] th')).toHaveText('Update time');

      // The memory chart has the generation engine's part, in its own colour.
      const chart = page.locator('[data-chart="memory-breakdown"]');
      await expect(legend(page, 'memory-breakdown').filter({ hasText: /^Generation engine/ })).toHaveCount(1);
      const fills = await chart
        .locator('.recharts-bar-rectangle path')
        .evaluateAll((els) => els.map((e) => e.getAttribute('fill')));
      expect(fills).toContain(PART_COLORS.generation);

      await page.locator('section.results').evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await page.screenshot({
        path: path.join(SHOTS_DIR, `objectives-grpo-${size.width}x${size.height}-${scheme}.png`),
      });
      await chart.scrollIntoViewIfNeeded();
      await chart.screenshot({
        path: path.join(SHOTS_DIR, `objectives-grpo-memory-${size.width}x${size.height}-${scheme}.png`),
      });

      // The time view adds the run split by phase: a generation and an update segment per technique.
      await page.getByRole('button', { name: 'Time and cost' }).click();
      const phases = page.locator('[data-chart="time-phases"]');
      await expect(phases).toBeVisible();
      await expect(legend(page, 'time-phases')).toHaveText(['Generation', 'Update (forward, backward, step)']);
      const segments = await phases
        .locator('.recharts-bar-rectangle path')
        .evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
      expect(segments).toHaveLength(4);
      for (const h of segments) expect(h).toBeGreaterThan(1);
      await phases.scrollIntoViewIfNeeded();
      // The pointer left over the chart by the click would open a tooltip in the picture.
      await page.mouse.move(0, 0);
      await phases.screenshot({
        path: path.join(SHOTS_DIR, `objectives-grpo-phases-${size.width}x${size.height}-${scheme}.png`),
      });

      // The editor's Objective section shows GRPO's fields, the vLLM ones under their own Advanced part.
      const section = page.getByRole('region', { name: 'Objective' });
      await expect(section.getByLabel('Generations per prompt')).toHaveValue('8');
      await section.getByText('vLLM', { exact: true }).click();
      await expect(section.getByLabel('vLLM GPU memory share')).toHaveValue('0.3');
      await section.scrollIntoViewIfNeeded();
      await section.screenshot({
        path: path.join(SHOTS_DIR, `objectives-grpo-editor-${size.width}x${size.height}-${scheme}.png`),
      });
    });
  }
}
