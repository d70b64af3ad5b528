// @vitest-environment happy-dom
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { PlanSchema } from '../../shared/domain/plan';
import { bestMarks } from '../../shared/estimate/advice';
import { estimatePlan, type EstimateReport } from '../../shared/estimate/estimate';
import { ComparisonTable } from '../../renderer/features/results/ComparisonTable';
import { ExplainPanel } from '../../renderer/features/results/ExplainPanel';

afterEach(cleanup);

const GiB = 2 ** 30;
/**
 * The default plan's report with each technique's fit set, so the advice is tested against fixed states (the
 * estimator's own figures change with its model): full and LoRA may not fit, QLoRA fits, DoRA does not; LoRA is the
 * fastest and cheapest of those that (may) fit.
 */
function withStates(states: Array<'fits' | 'may-not-fit' | 'does-not-fit'>): EstimateReport {
  const r = structuredClone(
    estimatePlan(
      PlanSchema.parse({
        name: 't',
        model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
        techniques: [{ kind: 'full' }, { kind: 'lora' }, { kind: 'qlora' }, { kind: 'dora' }],
      }),
    ),
  );
  r.techniques.forEach((t, i) => {
    const state = states[i]!;
    const usable = t.fit.usableBytes;
    t.memory.nvidiaSmiBytes = state === 'does-not-fit' ? usable + 5 * GiB : usable - 8 * GiB;
    t.memory.low.nvidiaSmiBytes = t.memory.nvidiaSmiBytes - 3 * GiB;
    t.memory.high.nvidiaSmiBytes = state === 'fits' ? usable - 2 * GiB : usable + 6 * GiB;
    t.fit.marginBytes = usable - t.memory.nvidiaSmiBytes;
    t.fits = state !== 'does-not-fit';
    t.fit.state = state;
    t.wallSeconds = [4000, 2600, 3700, 3000][i]!;
    t.wallSecondsLow = t.wallSeconds * 0.85;
    t.wallSecondsHigh = t.wallSeconds * 1.15;
    t.costUsd = [4.1, 2.48, 3.54, 2.9][i]!;
  });
  return r;
}
const base = withStates(['may-not-fit', 'may-not-fit', 'fits', 'does-not-fit']);

function cells(key: string): HTMLElement[] {
  const table = screen.getByRole('table', { name: 'Technique comparison' });
  const row = within(table)
    .getAllByRole('row')
    .find((r) => r.getAttribute('data-row') === key)!;
  return within(row).getAllByRole('cell');
}

const starred = (key: string) => cells(key).map((c) => c.querySelector('.best-mark') !== null);

describe('comparison table advice (issue 14.1, 15 §8)', () => {
  it('a technique that does not fit never gets a best mark, even when it is fastest and cheapest', () => {
    const report = withStates(['fits', 'fits', 'fits', 'does-not-fit']);
    const dora = report.techniques[3]!;
    expect(dora.fit.state).toBe('does-not-fit');
    dora.wallSeconds = 1;
    dora.costUsd = 0.01;
    dora.tokensPerSecond = 1e9;
    render(<ComparisonTable report={report} onExplain={() => {}} />);
    const marks = bestMarks(report);
    for (const key of ['trainable', 'memory', 'tps', 'wall', 'cost']) expect(starred(key)[3]).toBe(false);
    expect(starred('wall')).toEqual([0, 1, 2, 3].map((i) => i === marks.time));
    expect(starred('cost')).toEqual([0, 1, 2, 3].map((i) => i === marks.cost));
  });

  it('greys a technique that does not fit in every row and says by how much', () => {
    render(<ComparisonTable report={base} onExplain={() => {}} />);
    const table = screen.getByRole('table', { name: 'Technique comparison' });
    for (const row of within(table).getAllByRole('row').slice(1)) {
      const doraCell = within(row).getAllByRole('cell')[3]!;
      expect(doraCell.className).toContain('over');
      expect(within(row).getAllByRole('cell')[2]!.className).not.toContain('over');
    }
    expect(cells('fits')[3]!.textContent).toMatch(/^✗ over by \d+\.\d GiB$/);
  });

  it('"may not fit" is its own state: amber, with both figures, and its best mark says so', () => {
    render(<ComparisonTable report={base} onExplain={() => {}} />);
    const lora = cells('fits')[1]!;
    expect(lora.className).toContain('fit-amber');
    expect(lora.textContent).toMatch(/^! may not fit: expected \d+\.\d GiB fits, high \d+\.\d GiB does not$/);
    expect(cells('fits')[2]!.className).toContain('fit-ok');
    // LoRA is fastest and cheapest among those whose expected peak fits; its star carries a question mark.
    const star = cells('wall')[1]!.querySelector('.best-mark')!;
    expect(star.className).toContain('maybe');
    expect(star.textContent).toContain('★?');
    expect(star.textContent).toContain('may not fit');
  });

  it('shows low–high ranges beside memory and time', () => {
    render(<ComparisonTable report={base} onExplain={() => {}} />);
    const t = base.techniques[1]!;
    const gib = (b: number) => (b / 2 ** 30).toFixed(1);
    expect(cells('memory')[1]!.textContent).toBe(
      `${gib(t.memory.nvidiaSmiBytes)} GiB ` +
        `(${gib(t.memory.low.nvidiaSmiBytes)}–${gib(t.memory.high.nvidiaSmiBytes)} GiB)`,
    );
    expect(cells('wall')[1]!.textContent).toMatch(/^\d+ min \(\d+–\d+ min\)/);
  });

  it('the explanation panel shows low / expected / high', () => {
    render(<ExplainPanel report={base} techniqueIndex={1} focus={null} onTechnique={() => {}} />);
    const table = screen.getByRole('table', { name: 'Ranges for LoRA' });
    const rows = within(table).getAllByRole('row');
    expect(rows[0]!.textContent).toBe('FigureLowExpectedHigh');
    expect(rows.map((r) => r.textContent).join('|')).toContain('Wall time');
    expect(screen.getByText(/LoRA: may not fit: expected/)).toBeTruthy();
  });
});
