// @vitest-environment happy-dom
/**
 * Issue 20, numbers and charts: where recharts puts things, read from the SVG it renders at a fixed width (happy-dom
 * has no layout, so the charts get their width as a prop or from a stubbed clientWidth).
 */
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PlanSchema } from '../../shared/domain/plan';
import { estimatePlan, type EstimateReport } from '../../shared/estimate/estimate';
import { ChartsPanel, MemoryChart, ParamsChart, SweepChart } from '../../renderer/charts/Charts';
import { legendOrder } from '../../renderer/charts/chart-data';
import { PART_KEYS, PART_LABELS } from '../../shared/estimate/memory';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const plan = PlanSchema.parse({
  name: 'c',
  model: { source: 'catalog', id: 'Llama-3.2-3B' },
  techniques: [{ kind: 'full' }, { kind: 'lora' }, { kind: 'qlora' }],
  pricing: { usdPerGpuHour: 2 },
});
const report = estimatePlan(plan);

/** The plot area: recharts 3 clips the plot to a rect of exactly its bounds (`<defs><clipPath><rect>`). */
function plotBox(container: HTMLElement) {
  const grid = container.querySelector('defs clipPath rect')!;
  const x = Number(grid.getAttribute('x'));
  const y = Number(grid.getAttribute('y'));
  return {
    left: x,
    right: x + Number(grid.getAttribute('width')),
    top: y,
    bottom: y + Number(grid.getAttribute('height')),
  };
}

/** The reference labels' text, left edge and estimated right edge (7 px a character at 12 px). */
function referenceLabels(container: HTMLElement) {
  return [...container.querySelectorAll('text.recharts-label')].map((t) => ({
    text: t.textContent ?? '',
    x: Number(t.getAttribute('x')),
    anchor: t.getAttribute('text-anchor'),
  }));
}

describe('chart reference labels never sit on the bars or lines', () => {
  it.each([
    ['memory, 80 GB GPU', 80, 72],
    ['memory, 141 GB GPU (three-digit labels)', 141, 127],
  ])('%s: the labels start right of the plot and end inside the SVG', (_name, capacity, usable) => {
    const width = 620;
    const { container } = render(
      <MemoryChart report={report} capacityGiB={capacity} usableGiB={usable} width={width} />,
    );
    const plot = plotBox(container);
    const labels = referenceLabels(container);
    expect(labels.map((l) => l.text)).toEqual([`GPU ${capacity} GiB`, `usable ${usable} GiB`]);
    for (const l of labels) {
      expect(l.anchor).toBe('start');
      expect(l.x).toBeGreaterThanOrEqual(plot.right);
      expect(l.x + 7 * l.text.length).toBeLessThanOrEqual(width);
    }
  });

  it('the memory sweep puts "usable … GiB" beside the plot, not inside it over the lines', () => {
    const width = 620;
    const { container } = render(
      <SweepChart plan={plan} report={report} axisKey="seqLen" usableGiB={72} width={width} />,
    );
    const plot = plotBox(container);
    const label = referenceLabels(container).find((l) => l.text.startsWith('usable'));
    expect(label?.text).toBe('usable 72 GiB');
    expect(label!.x).toBeGreaterThanOrEqual(plot.right);
    expect(label!.x + 7 * label!.text.length).toBeLessThanOrEqual(width);
  });
});

describe('the log-scale trainable-parameters chart', () => {
  /** The report with given trainable counts, so the edge cases (a count at or just above a power of ten) are fixed. */
  function withTrainable(counts: number[]): EstimateReport {
    const r = structuredClone(report);
    r.techniques.forEach((t, i) => (t.trainableParams = counts[i]!));
    return r;
  }

  it.each([
    ['a count exactly at a power of ten', [3_212_749_824, 10_000_000, 10_000_000]],
    ['a count just above one', [3_212_749_824, 10_485_760, 12_156_928]],
    ['the largest count at a power of ten', [1_000_000_000, 2_293_760, 2_293_760]],
  ])('%s: every bar stands clear of the axis and a tick lies above the tallest', (_name, counts) => {
    const { container } = render(<ParamsChart report={withTrainable(counts)} width={620} />);
    const plot = plotBox(container);
    const bars = [...container.querySelectorAll('.recharts-bar-rectangle path')];
    expect(bars).toHaveLength(3);
    for (const bar of bars) {
      // At least a tenth of the plot's height: half a decade on an axis of a few decades.
      expect(Number(bar.getAttribute('height'))).toBeGreaterThanOrEqual((plot.bottom - plot.top) / 10);
      expect(Number(bar.getAttribute('y'))).toBeGreaterThan(plot.top);
    }
  });
});

describe('time and cost charts use the panel width', () => {
  it('a 1,400 px panel gets two charts that fill it, not a pair capped at 900 px', () => {
    vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockReturnValue(1400);
    const { container } = render(<ChartsPanel plan={plan} report={report} />);
    fireEvent.click(screen.getByRole('button', { name: 'Time and cost' }));
    const svgs = [...container.querySelectorAll('[data-chart="time-cost"] svg.recharts-surface')];
    expect(svgs).toHaveLength(2);
    const total = svgs.reduce((sum, svg) => sum + Number(svg.getAttribute('width')), 0);
    // The panel less the figure's border and padding (FIGURE_CHROME, 20 px), in whole steps of 10 px.
    expect(total).toBeGreaterThanOrEqual(1370);
    expect(total).toBeLessThanOrEqual(1380);
  });

  it('the cost axis and data table read "$2", not "2 $" or bare numbers', () => {
    render(<ChartsPanel plan={plan} report={report} />);
    fireEvent.click(screen.getByRole('button', { name: 'Time and cost' }));
    const table = screen.getByRole('table', { name: /Wall time and cost per technique/ });
    const costs = [...table.querySelectorAll('tbody tr')].map((tr) => tr.querySelectorAll('td')[3]!.textContent);
    expect(costs.length).toBe(3);
    for (const c of costs) expect(c).toMatch(/^\$[\d,]+\.\d\d$/);
  });
});

describe('legends read in the fixed order of their series (docs UI.md), not alphabetically', () => {
  const legendTexts = (container: HTMLElement) =>
    [...container.querySelectorAll('.recharts-legend-item-text')].map((t) => t.textContent ?? '');

  it('the memory chart lists its parts in stacking order (PART_KEYS)', () => {
    const { container } = render(<MemoryChart report={report} capacityGiB={80} usableGiB={72} width={620} />);
    const texts = legendTexts(container);
    const shown = PART_KEYS.filter((k) => report.techniques.some((t) => t.memory.parts[k] > 0)).map(
      (k) => PART_LABELS[k],
    );
    expect(texts).toEqual(shown);
    // Alphabetical order would put "Activations" first; the stack starts with the frozen weights.
    expect(texts[0]).toBe(PART_LABELS.frozenWeights);
  });

  it('legendOrder keeps the given keys first, in their order, and unknown keys last', () => {
    const sort = legendOrder(['b', 'a']);
    const items = [{ dataKey: 'a' }, { dataKey: 'z' }, { dataKey: 'b' }];
    expect([...items].sort((x, y) => sort(x) - sort(y)).map((i) => i.dataKey)).toEqual(['b', 'a', 'z']);
  });
});
