// @vitest-environment happy-dom
/**
 * The training objective in the editor (issue 19): the fields each objective reads, the validation TRL's GRPOConfig
 * enforces, and the scenario guide's SFT → DPO stages as two linked plans.
 */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../renderer/App';
import { resultsSummary } from '../../renderer/features/results/summary';
import { dpoStage, sftStage, stageTotals } from '../../renderer/features/scenario/scenarios';
import { TechniqueSchema } from '../../shared/domain/plan';
import { newPlanFromTemplate } from '../../shared/domain/plan-template';
import { estimatePlan } from '../../shared/estimate/estimate';
import { createTestApi } from '../helpers/test-api';

vi.mock('../../renderer/charts/Charts', () => ({ ChartsPanel: () => null }));

afterEach(cleanup);
beforeEach(() => localStorage.clear());

const objective = () => screen.getByRole<HTMLSelectElement>('combobox', { name: 'Objective' });

describe('the Objective section', () => {
  it('shows only the fields the chosen objective reads', () => {
    render(<App api={createTestApi()} />);
    expect(objective().value).toBe('sft');
    expect(screen.queryByLabelText('Reference model')).toBeNull();
    expect(screen.queryByLabelText('Generations per prompt')).toBeNull();

    fireEvent.change(objective(), { target: { value: 'dpo' } });
    expect(screen.getByRole<HTMLSelectElement>('combobox', { name: 'Reference model' }).value).toBe('copy');
    expect(screen.getByLabelText<HTMLInputElement>('Beta').value).toBe('');
    expect(screen.queryByLabelText('Generations per prompt')).toBeNull();

    fireEvent.change(objective(), { target: { value: 'orpo' } });
    expect(screen.queryByLabelText('Reference model')).toBeNull();

    fireEvent.change(objective(), { target: { value: 'grpo' } });
    expect(screen.getByLabelText<HTMLInputElement>('Generations per prompt').value).toBe('8');
    expect(screen.getByLabelText<HTMLInputElement>('Completion length').value).toBe('512');
    expect(screen.getByRole<HTMLSelectElement>('combobox', { name: 'Generation engine' }).value).toBe('vllm_colocate');
  });

  it('names the GRPO batch rule at the field when the generation batch does not divide (TRL GRPOConfig)', async () => {
    render(<App api={createTestApi()} />);
    fireEvent.change(objective(), { target: { value: 'grpo' } });
    const generations = screen.getByLabelText('Generations per prompt');
    // The template's micro-batch is 8 on one GPU with no accumulation: 8 divides by 8, not by 3.
    fireEvent.change(generations, { target: { value: '3' } });
    const field = generations.closest('.field')!;
    await waitFor(() => expect(field.textContent).toMatch(/generation batch .* = 8\) must divide by the generations/));
    fireEvent.change(generations, { target: { value: '4' } });
    await waitFor(() => expect(field.textContent).not.toMatch(/must divide by the generations/));
  });
});

describe('SFT → DPO: the scenario guide offers the second stage as a linked plan', () => {
  it('the DPO stage keeps the plan, links its base, takes the reference TRL uses for the technique', () => {
    const plan = { ...newPlanFromTemplate(), name: 'Chat' };
    const lora = dpoStage({ ...plan, techniques: [{ ...plan.techniques[0]!, kind: 'lora' }] }, 'p1');
    expect(lora.objective).toMatchObject({ kind: 'dpo', reference: 'peft_base', basePlanId: 'p1' });
    expect(lora.name).toBe('Chat → DPO');
    expect(lora.training.learningRate).toBe(1e-6);
    expect(lora.training.seqLen).toBe(plan.training.seqLen);
    const full = dpoStage({ ...plan, techniques: [{ ...plan.techniques[0]!, kind: 'full' }] }, 'p1');
    expect(full.objective.reference).toBe('copy');
    expect(sftStage(lora).objective).toMatchObject({ kind: 'sft', basePlanId: null });
  });

  it('adds the two stages: time and cost sum, the peak is the larger one', () => {
    const plan = newPlanFromTemplate();
    const sft = estimatePlan(sftStage(plan));
    const dpo = estimatePlan(dpoStage(plan, null));
    const { stages, total } = stageTotals(sft, dpo);
    expect(total.wallSeconds).toBeCloseTo(stages[0]!.wallSeconds + stages[1]!.wallSeconds, 6);
    expect(total.peakBytes).toBe(Math.max(stages[0]!.peakBytes, stages[1]!.peakBytes));
  });

  it('shows both stages for the technique the results lead with, not silently the first one', () => {
    // Full fine-tuning first: the results' headline leads with the cheapest (or fastest) technique that fits.
    const base = newPlanFromTemplate();
    const kinds = ['full', 'lora', 'qlora'] as const;
    const plan = { ...base, techniques: kinds.map((kind) => TechniqueSchema.parse({ kind })) };
    const sft = estimatePlan(sftStage(plan));
    const dpo = estimatePlan(dpoStage(plan, null));
    const summary = resultsSummary(sft);
    const lead = sft.techniques.find((t) => t.index === summary.index)!;
    expect(lead.technique).not.toBe('full');
    const pair = stageTotals(sft, dpo);
    expect(pair.technique.label).toBe(lead.label);
    expect(summary.text.startsWith(lead.label)).toBe(true);
    expect(pair.stages[0]!.wallSeconds).toBe(lead.wallSeconds);
    expect(pair.stages[1]!.wallSeconds).toBe(dpo.techniques[lead.index]!.wallSeconds);
    expect(pair.technique.why).toMatch(/fastest|cheapest/);
  });

  it('shows both stages for chatbot responses and creates the DPO plan linked to the saved SFT plan', async () => {
    render(<App api={createTestApi()} />);
    fireEvent.click(screen.getByLabelText('Human-like chatbot responses'));
    const stages = await screen
      .findByRole('table', {}, { timeout: 5000 })
      .then(() => screen.getByLabelText('SFT then DPO'));
    await waitFor(() => expect(within(stages).getAllByRole('row').length).toBe(4));
    expect(stages.textContent).toMatch(/SFT → DPO/);
    const create = within(stages).getByRole<HTMLButtonElement>('button', { name: 'Create the DPO plan' });
    expect(create.disabled).toBe(true);
    expect(stages.textContent).toMatch(/Save this plan first/);

    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(create.disabled).toBe(false));
    fireEvent.click(create);
    await waitFor(() => expect(objective().value).toBe('dpo'));
    expect(screen.getByTestId('objective-base').textContent).toMatch(/Starts from the output of the plan/);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toMatch(/→ DPO/);
  });

  it('names the technique of the stage table: the one the results summary leads with', async () => {
    render(<App api={createTestApi()} />);
    fireEvent.click(screen.getByLabelText('Human-like chatbot responses'));
    const stages = screen.getByLabelText('SFT then DPO');
    const caption = await within(stages).findByText(/^Both stages with/, {}, { timeout: 5000 });
    const headline = await screen.findByTestId('results-summary');
    const named = /^Both stages with (.+?) \(/.exec(caption.textContent ?? '')![1]!;
    expect(headline.textContent).toContain(`${named} fits`);
  });

  it('"Undo the guide" does not follow into the DPO plan it creates', async () => {
    render(<App api={createTestApi()} />);
    fireEvent.click(screen.getByLabelText('Human-like chatbot responses'));
    fireEvent.click(screen.getByRole('button', { name: 'Choose techniques for this' }));
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Sequence length').value).toBe('2048'));
    expect(screen.getByRole('button', { name: 'Undo the guide' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const stages = screen.getByLabelText('SFT then DPO');
    const create = within(stages).getByRole<HTMLButtonElement>('button', { name: 'Create the DPO plan' });
    await waitFor(() => expect(create.disabled).toBe(false));
    fireEvent.click(create);
    await waitFor(() => expect(objective().value).toBe('dpo'));
    expect(screen.queryByRole('button', { name: 'Undo the guide' })).toBeNull();
    expect(screen.getByLabelText<HTMLInputElement>('Sequence length').value).toBe('2048');
  });
});
