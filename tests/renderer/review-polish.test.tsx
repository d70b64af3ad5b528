// @vitest-environment happy-dom
/**
 * A new user's walk through the workspace (UI review): the results stay current while only the plan's name is
 * invalid, and the smaller things the review found in the editor and the results.
 */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../renderer/App';
import { HardwareSection } from '../../renderer/features/editor/HardwareSection';
import { resultsSummary } from '../../renderer/features/results/summary';
import { PlanSchema, type PlanInput } from '../../shared/domain/plan';
import { estimatePlan } from '../../shared/estimate/estimate';
import { createTestApi } from '../helpers/test-api';

vi.mock('../../renderer/charts/Charts', () => ({ ChartsPanel: () => null }));

afterEach(cleanup);
beforeEach(() => localStorage.clear());

const summary = () => screen.getByTestId('results-summary');

describe('what marks the results stale', () => {
  it('an empty name does not; a field the estimate reads does', async () => {
    render(<App api={createTestApi()} />);
    await waitFor(() => expect(summary().className).not.toMatch(/\bstale\b/));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: '' } });
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBe('true');
    await waitFor(() => expect(summary().className).not.toMatch(/\bstale\b/));
    // The estimate still follows the other fields while the name is empty.
    const before = summary().textContent;
    fireEvent.change(screen.getByLabelText('Sequence length'), { target: { value: '4096' } });
    await waitFor(() => expect(summary().textContent).not.toBe(before));
    expect(summary().className).not.toMatch(/\bstale\b/);
    // An error the estimate depends on greys the results.
    fireEvent.change(screen.getByLabelText('Micro-batch per GPU'), { target: { value: '0' } });
    await waitFor(() => expect(summary().className).toMatch(/\bstale\b/));
  });
});

describe('model as a service', () => {
  const plan = (over: Partial<PlanInput> = {}) =>
    PlanSchema.parse({ name: 'p', model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' }, ...over });

  it('the headline claims no GPU fit: the provider runs it; it says the hosted cost or what it waits for', () => {
    const unknown = resultsSummary(estimatePlan(plan({ pricing: { mode: 'service' } })));
    expect(unknown.text).not.toMatch(/fits|NVIDIA|A100/);
    expect(unknown.text).toMatch(/^Model as a service: the provider fine-tunes on its own GPUs/);
    expect(unknown.text).toMatch(/unknown until you enter the provider’s price per 1K training tokens/);
    expect(unknown.state).toBe('hosted');
    const priced = estimatePlan(plan({ pricing: { mode: 'service', serviceUsdPer1kTokens: 0.003 } }));
    const text = resultsSummary(priced).text;
    expect(text).not.toMatch(/fits|NVIDIA/);
    expect(text).toContain(`hosted cost $`);
    // The platform wording is unchanged.
    expect(resultsSummary(estimatePlan(plan())).text).toMatch(/fit one NVIDIA|fits one NVIDIA/);
  });

  it('the GPU picker and headroom are hidden while the provider picks the GPUs', () => {
    const { rerender } = render(
      <HardwareSection machine={null} draft={plan()} errors={{}} onChange={() => undefined} defaultMfu={null} />,
    );
    expect(screen.getByRole('combobox', { name: 'GPU' })).toBeTruthy();
    rerender(
      <HardwareSection
        machine={null}
        draft={plan({ pricing: { mode: 'service' } })}
        errors={{}}
        onChange={() => undefined}
        defaultMfu={null}
      />,
    );
    expect(screen.queryByRole('combobox', { name: 'GPU' })).toBeNull();
    expect(screen.queryByLabelText('Headroom')).toBeNull();
    expect(screen.getByText(/the provider picks and runs the GPUs/)).toBeTruthy();
  });
});

describe('advice per technique', () => {
  it('offers ways to make a technique that fits faster or cheaper, worded as suggestions, not a verdict', async () => {
    render(<App api={createTestApi()} />);
    const levers = await screen.findByRole('region', { name: 'What would make it fit' });
    const summaries = [...levers.querySelectorAll('summary')].map((s) => s.textContent ?? '');
    expect(summaries.some((s) => /^Ways to make .+ faster or cheaper$/.test(s))).toBe(true);
    expect(summaries.join('\n')).not.toMatch(/Faster \/ cheaper/);
  });
});

describe('a plan that starts from another', () => {
  it('says so on a whole row, with a button that opens the base plan', async () => {
    render(<App api={createTestApi()} />);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Chat SFT' } });
    fireEvent.click(screen.getByLabelText('Human-like chatbot responses'));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const create = await screen.findByRole<HTMLButtonElement>('button', { name: 'Create the DPO plan' });
    await waitFor(() => expect(create.disabled).toBe(false));
    fireEvent.click(create);
    await waitFor(() => expect(screen.getByRole('heading', { level: 1 }).textContent).toMatch(/Chat SFT → DPO/));
    const note = screen.getByTestId('objective-base');
    expect(note.classList.contains('objective-base')).toBe(true); // .grid > .objective-base: grid-column 1 / -1
    fireEvent.click(within(note).getByRole('button', { name: 'Open “Chat SFT”' }));
    await waitFor(() => expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Chat SFT'));
    expect(screen.getByRole<HTMLSelectElement>('combobox', { name: 'Objective' }).value).toBe('sft');
  });
});
