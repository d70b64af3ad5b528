// @vitest-environment happy-dom
/**
 * Issue 20 in the screen: price fields read "$ [8]" (the symbol first), the cloud VM list shows rounded, dated prices,
 * hosted fine-tuning prices say where providers publish them, an unknown cost says where to enter it and its
 * explanation links the provider pages, and the runs table says which way its error goes.
 */
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { SERVICE_PRICE_PAGES } from '../../shared/catalog/prices';
import type { StoredRun } from '../../shared/contract';
import { PlanSchema, type PlanInput } from '../../shared/domain/plan';
import type { RunComparison } from '../../shared/estimate/calibration';
import { estimatePlan } from '../../shared/estimate/estimate';
import { HardwareSection } from '../../renderer/features/editor/HardwareSection';
import { ComparisonTable } from '../../renderer/features/results/ComparisonTable';
import { ExplainPanel } from '../../renderer/features/results/ExplainPanel';
import { errorText, RunsTable } from '../../renderer/features/runs/RunsTable';

afterEach(cleanup);

const plan = (over: Partial<PlanInput> = {}) =>
  PlanSchema.parse({ name: 'p', model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' }, ...over });

function hardware(over: Partial<PlanInput> = {}) {
  render(
    <HardwareSection machine={null} draft={plan(over)} errors={{}} onChange={() => undefined} defaultMfu={null} />,
  );
}

describe('price fields and lists', () => {
  it('the price per GPU-hour reads "$" before the figure', () => {
    hardware({ pricing: { usdPerGpuHour: 8 } });
    const input = screen.getByLabelText<HTMLInputElement>('Price per GPU-hour');
    expect(input.value).toBe('8');
    const row = input.closest('.control-row')!;
    expect(row.firstElementChild?.textContent).toBe('$');
    expect(row.textContent).toBe('$USD per GPU-hour');
  });

  it('the cloud VM list shows prices rounded to cents with their date, never "(undated snapshot)"', () => {
    hardware({ hardware: { gpu: { source: 'catalog', id: 'a100-80gb-sxm' } } });
    const options = within(screen.getByLabelText('Cloud VM'))
      .getAllByRole('option')
      .map((o) => o.textContent ?? '');
    expect(options).toContain('gcp a2-ultragpu-1g — 1 GPU, $5.07/h (2025-03-06)');
    for (const o of options.slice(1)) expect(o).toMatch(/, \$[\d,]+\.\d\d\/h \(\d{4}-\d{2}-\d{2}\)$/);
    expect(options.join('\n')).not.toMatch(/undated/);
  });

  it('hosted fine-tuning prices say they are kept with the plan and link where providers publish them', () => {
    hardware({ pricing: { mode: 'service' } });
    const input = screen.getByLabelText('Training price per 1K tokens');
    const field = input.closest('.field')!;
    expect(field.textContent).toMatch(
      /No published price in the catalog: enter the provider’s price \(kept with the plan\)/,
    );
    const links = within(field as HTMLElement)
      .getAllByRole('link')
      .map((a) => a.getAttribute('href'));
    // Pages to read: the provider's pricing page, and the Retail Prices API's documentation rather than the raw JSON
    // endpoint, which is named as text.
    const api = SERVICE_PRICE_PAGES.find((u) => u.startsWith('https://prices.azure.com/'))!;
    expect(links).toEqual([
      ...SERVICE_PRICE_PAGES.filter((u) => u !== api),
      'https://learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices',
    ]);
    expect(links).not.toContain(api);
    expect(field.textContent).toContain('prices.azure.com/api/retail/prices');
    expect(
      screen.getByLabelText('Hosting price per hour').closest('.control-row')!.firstElementChild?.textContent,
    ).toBe('$');
  });
});

describe('an unknown cost has a way forward', () => {
  const report = estimatePlan(plan({ pricing: { mode: 'service' } }));

  it('the comparison says where to enter the price', () => {
    render(<ComparisonTable report={report} onExplain={() => undefined} />);
    const row = screen.getByRole('rowheader', { name: 'Cost' }).closest('tr')!;
    expect(row.textContent).toContain('unknown price (enter it under Hardware & price)');
  });

  it('the explanation shows the hosted formula and links the provider pages', () => {
    render(<ExplainPanel report={report} techniqueIndex={0} focus="cost" onTechnique={() => undefined} />);
    const cost = document.getElementById('explain-cost')!;
    expect(cost.textContent).toContain(
      'training tokens × epochs / 1000 × USD per 1K tokens + hosting hours × USD per hour',
    );
    expect(cost.textContent).toMatch(
      /× 3 epochs \/ 1000 × \$\? \+ 0 h × \$0\.00 = unknown until the prices are entered/,
    );
    const hrefs = within(cost)
      .getAllByRole('link')
      .map((a) => a.getAttribute('href'));
    for (const url of SERVICE_PRICE_PAGES) expect(hrefs).toContain(url);
  });
});

describe('the runs table says which way the error goes', () => {
  it('in words, from 100 × (predicted − measured) / measured', () => {
    expect(errorText(10.94)).toBe('estimate 10.9 % above measured');
    expect(errorText(-4.26)).toBe('estimate 4.3 % below measured');
    expect(errorText(0.01)).toBe('estimate matches measured');
    expect(errorText(null)).toBe('—');
  });

  it('in the table, under a header that names both sides', () => {
    const run = {
      id: 'r1',
      result: {
        technique: 'lora',
        gpuCount: 1,
        gpuName: 'NVIDIA A100-SXM4-80GB',
        memoryCounter: 'nvidia-smi',
        finalLoss: null,
        meanLoss: null,
        samplesPerSecond: null,
        warnings: [],
        lossCurve: [],
        objective: null,
        metricCurves: [],
      },
    } as unknown as StoredRun;
    const comparison = {
      measuredMemoryBytes: 40 * 2 ** 30,
      predictedMemoryBytes: 44.36 * 2 ** 30,
      memoryErrorPercent: 10.9,
      measuredWallSeconds: null,
      predictedWallSeconds: null,
      measuredTokensPerSecond: null,
      predictedTokensPerSecond: null,
    } as unknown as RunComparison;
    render(
      <RunsTable
        runs={[run]}
        comparisons={[comparison]}
        onEdit={() => undefined}
        onShowLoss={() => undefined}
        onDelete={() => undefined}
      />,
    );
    expect(screen.getByRole('columnheader', { name: 'Estimate vs measured' })).toBeTruthy();
    expect(screen.getByTestId('memory-error').textContent).toBe('estimate 10.9 % above measured');
  });
});
