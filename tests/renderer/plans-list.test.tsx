// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { PlansList, ROW_HEIGHT } from '../../renderer/features/plans/PlansList';
import type { PlanSummary } from '../../shared/contract';

afterEach(cleanup);

const plans: PlanSummary[] = Array.from({ length: 10_000 }, (_, i) => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  name: `Plan ${i}`,
  model: 'Phi-4',
  techniqueCount: 2,
  revision: 1,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
}));

describe('plans list', () => {
  it('renders only the rows in view for 10,000 plans, keeping the full scroll height', () => {
    const { container } = render(
      <PlansList
        plans={plans}
        selectedId={null}
        query=""
        sort="updated"
        dirty={false}
        onQuery={() => {}}
        onSort={() => {}}
        onSelect={() => {}}
        onNew={() => {}}
      />,
    );
    const buttons = container.querySelectorAll('button.plan-item');
    expect(buttons.length).toBeLessThan(60);
    const ul = container.querySelector('ul.plan-items') as HTMLElement;
    const rendered =
      buttons.length * ROW_HEIGHT +
      parseInt(ul.style.paddingTop || '0', 10) +
      parseInt(ul.style.paddingBottom || '0', 10);
    expect(rendered).toBe(10_000 * ROW_HEIGHT);
    expect(screen.getByRole('list', { name: '10000 plans' })).toBeTruthy();
  });

  it('renders the rows that scroll into view', () => {
    const { container } = render(
      <PlansList
        plans={plans}
        selectedId={null}
        query=""
        sort="updated"
        dirty={false}
        onQuery={() => {}}
        onSort={() => {}}
        onSelect={() => {}}
        onNew={() => {}}
      />,
    );
    const scroller = container.querySelector('.plan-scroll') as HTMLElement;
    scroller.scrollTop = 5000 * ROW_HEIGHT;
    fireEvent.scroll(scroller);
    expect(screen.getByText('Plan 5000')).toBeTruthy();
    expect(screen.queryByText('Plan 0')).toBeNull();
  });
});
