// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../renderer/App';
import { createTestApi } from '../helpers/test-api';
import { DRAFT_KEY } from '../../renderer/state/draft-store';
import { samplePlan } from '../helpers/plans';

afterEach(cleanup);
beforeEach(() => localStorage.clear());

describe('plan editor', () => {
  it('validates as you type: the message names the problem under the field', async () => {
    render(<App api={createTestApi()} />);
    const batch = screen.getByLabelText('Micro-batch per GPU');
    fireEvent.change(batch, { target: { value: '0' } });
    expect(await screen.findByText('must be at least 1')).toBeTruthy();
    expect(batch.getAttribute('aria-invalid')).toBe('true');
    fireEvent.change(batch, { target: { value: '2' } });
    await waitFor(() => expect(screen.queryByText('must be at least 1')).toBeNull());
  });

  it('shows one comparison column per technique and updates when a technique is added', async () => {
    render(<App api={createTestApi()} />);
    const table = await screen.findByRole('table', { name: 'Technique comparison' });
    const headers = () =>
      within(table)
        .getAllByRole('columnheader')
        .map((h) => h.textContent?.trim());
    expect(headers()).toEqual(['Per technique', 'Full fine-tuning', 'LoRA', 'QLoRA', 'DoRA']);
    fireEvent.click(screen.getByRole('button', { name: 'Add technique' }));
    await waitFor(() => expect(headers()).toContain('IA3'));
  });

  it('explains a figure when it is clicked', async () => {
    render(<App api={createTestApi()} />);
    const table = await screen.findByRole('table', { name: 'Technique comparison' });
    const row = within(table)
      .getAllByRole('row')
      .find((r) => r.getAttribute('data-row') === 'memory')!;
    fireEvent.click(within(row).getAllByRole('button')[1]!);
    expect(
      await screen.findByText(
        /max\(forward end, backward \(loss, head, first recomputed layer, last layer\), optimizer step\)/,
      ),
    ).toBeTruthy();
    expect(screen.getByRole('tab', { name: 'Explain' }).getAttribute('aria-selected')).toBe('true');
  });

  it('deletes with an undo toast that restores the plan', async () => {
    const api = createTestApi();
    await api.invoke('plans:save', { plan: samplePlan({ name: 'Keep me' }) });
    render(<App api={api} />);
    fireEvent.click(await screen.findByRole('button', { name: /Keep me/ }));
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe('Keep me'));
    fireEvent.click(screen.getByRole('button', { name: 'Delete…' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes, delete' }));
    await waitFor(() => expect(api.plans.size).toBe(0));
    fireEvent.click(await screen.findByRole('button', { name: 'Undo' }));
    await waitFor(() => expect([...api.plans.values()].map((p) => p.plan.name)).toEqual(['Keep me']));
  });

  it('an invalid import changes nothing and names the field', async () => {
    const api = createTestApi();
    render(<App api={api} />);
    const input = screen.getByLabelText('Import plan JSON file');
    const file = new File(
      [JSON.stringify({ name: 'bad', model: { source: 'catalog', id: 'Phi-4' }, training: { seqLen: -5 } })],
      'bad.json',
      { type: 'application/json' },
    );
    fireEvent.change(input, { target: { files: [file] } });
    expect(await screen.findByText(/training\.seqLen: must be at least 1/)).toBeTruthy();
    expect(api.plans.size).toBe(0);
  });

  it('keeps unsaved work in local storage and offers it back after a restart', async () => {
    const first = render(<App api={createTestApi()} />);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Half-written plan' } });
    await waitFor(() => expect(localStorage.getItem(DRAFT_KEY)).toContain('Half-written plan'));
    first.unmount();
    render(<App api={createTestApi()} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Restore them' }));
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe('Half-written plan'));
  });

  it('imports a config.json, estimates it, and keeps the model for other plans', async () => {
    const api = createTestApi();
    render(<App api={api} />);
    const config = {
      model_type: 'qwen2',
      hidden_size: 2048,
      intermediate_size: 11008,
      num_hidden_layers: 36,
      num_attention_heads: 16,
      num_key_value_heads: 2,
      vocab_size: 151936,
      tie_word_embeddings: true,
      max_position_embeddings: 32768,
    };
    const file = new File([JSON.stringify(config)], 'qwen2.5-3b-config.json', { type: 'application/json' });
    fireEvent.change(screen.getByLabelText('Import config.json…'), { target: { files: [file] } });
    expect(await screen.findByText(/qwen2\.5-3b: 3,085,938,688 parameters/)).toBeTruthy();
    await waitFor(async () => {
      const list = await api.invoke('models:list', {});
      expect(list.ok && list.data.map((m) => m.name)).toEqual(['qwen2.5-3b']);
    });
    await waitFor(() => expect(screen.getByRole('option', { name: /qwen2\.5-3b — 3\.09 B/ })).toBeTruthy());
  });

  it('a config.json with missing fields is refused with their names', async () => {
    render(<App api={createTestApi()} />);
    const file = new File([JSON.stringify({ model_type: 'mamba', hidden_size: 768 })], 'config.json', {
      type: 'application/json',
    });
    fireEvent.change(screen.getByLabelText('Import config.json…'), { target: { files: [file] } });
    expect(
      await screen.findByText(/is missing intermediate_size, num_hidden_layers, num_attention_heads, vocab_size/),
    ).toBeTruthy();
  });

  it('the scenario guide preselects techniques and backs its claims with numbers', async () => {
    render(<App api={createTestApi()} />);
    fireEvent.click(screen.getByLabelText('Fewer trainable parameters'));
    fireEvent.click(screen.getByRole('button', { name: 'Choose techniques for this' }));
    const table = await screen.findByRole('table', { name: 'Technique comparison' });
    await waitFor(() =>
      expect(
        within(table)
          .getAllByRole('columnheader')
          .map((h) => h.textContent?.trim()),
      ).toEqual(['Per technique', 'Full fine-tuning', 'QLoRA', 'DoRA']),
    );
    expect(
      await screen.findByText(/QLoRA: 0\.\d+ % of parameters trained, \d+ % less memory than full fine-tuning here/),
    ).toBeTruthy();
  });
});
