// @vitest-environment happy-dom
/**
 * The lever table's fit after in three states (issue 15 §8): "fits" (green), "may not fit (high end over)" (amber),
 * "still over" (red), each the state of the lever's own re-estimate; and the group of a technique that may not fit
 * says so, with how far its high end is over. The plans are sized by computing (tests/unit/advice/may-not-fit-plans).
 */
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PlanSchema, type PlanInput } from '../../shared/domain/plan';
import { estimatePlan } from '../../shared/estimate/estimate';
import { leversFor } from '../../shared/estimate/levers';
import { gib } from '../../shared/format';
import { LeversPanel } from '../../renderer/features/advice/LeversPanel';
import { mayNotFitPlan, overWithSureAndMaybeLevers } from '../unit/advice/may-not-fit-plans';

afterEach(cleanup);

function renderPanel(input: PlanInput) {
  const plan = PlanSchema.parse(input);
  const report = estimatePlan(plan);
  render(<LeversPanel plan={plan} report={report} onApply={vi.fn()} />);
  return { plan, t: report.techniques[0]! };
}

const fitCell = (row: HTMLElement) => row.querySelectorAll('td')[1]!;

describe('lever table fit states (issue 15 §8)', () => {
  it('says "fits", "may not fit (high end over)" and "still over", in green, amber and red', async () => {
    const { plan } = renderPanel(overWithSureAndMaybeLevers());
    const levers = leversFor(plan, 0);
    const table = await screen.findByRole('table', { name: 'LoRA: What would make it fit' }, { timeout: 5000 });
    const rows = within(table)
      .getAllByRole('row')
      .filter((r) => r.hasAttribute('data-lever'));
    expect(rows.map((r) => r.getAttribute('data-lever'))).toEqual(levers.map((l) => l.id));
    const words = { fits: 'fits', 'may-not-fit': 'may not fit (high end over)', 'does-not-fit': 'still over' };
    const classes = { fits: 'fit-ok', 'may-not-fit': 'fit-amber', 'does-not-fit': 'fit-bad' };
    rows.forEach((row, i) => {
      const state = levers[i]!.stateAfter;
      expect(fitCell(row).textContent).toBe(words[state]);
      expect(fitCell(row).className).toBe(classes[state]);
    });
    const cell = (id: string) => fitCell(rows.find((r) => r.getAttribute('data-lever') === id)!).textContent;
    expect(cell('gradient-checkpointing')).toBe('fits');
    expect(cell('expandable-segments')).toBe('may not fit (high end over)');
    expect(rows.map((r) => fitCell(r).textContent)).toContain('still over');
  });

  it('opens a technique that may not fit, says how far its high end is over, offers a sure fit', async () => {
    const { t } = renderPanel(mayNotFitPlan());
    expect(t.fit.state).toBe('may-not-fit');
    const over = gib(t.memory.high.nvidiaSmiBytes - t.fit.usableBytes);
    const summary = screen.getByText(
      `LoRA may not fit: ways to make it a sure fit, faster or cheaper — high end over by ${over}`,
    );
    expect(summary.closest('details')!.open).toBe(true);
    const table = await screen.findByRole('table', {}, { timeout: 5000 });
    const row = within(table)
      .getAllByRole('row')
      .find((r) => r.getAttribute('data-lever') === 'gradient-checkpointing')!;
    expect(fitCell(row).textContent).toBe('fits');
    expect(within(row).getByRole('button', { name: /Apply/ })).toBeTruthy();
  });
});
