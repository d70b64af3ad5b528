// @vitest-environment happy-dom
/**
 * The advice UI (issue 14) in the screen: levers per technique with one-click apply and undo, Recommend with owned
 * hardware and "needs your figures", the scenario guide's listed changes and per-goal undo, template sources and
 * warnings beside their fields. The charts are left out (their own tests cover them; recharts measures 0 here).
 */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../renderer/App';
import { createTestApi } from '../helpers/test-api';
import { FAKE_PROBE } from '../helpers/fake-probe';

vi.mock('../../renderer/charts/Charts', () => ({ ChartsPanel: () => null }));

afterEach(cleanup);
beforeEach(() => localStorage.clear());

const checkbox = (name: string) => screen.getByRole<HTMLInputElement>('checkbox', { name });

describe('advice in the workspace', () => {
  it(
    'opens "What would make it fit" for a technique that does not fit; ' + 'Apply changes the draft, Undo restores it',
    async () => {
      render(<App api={createTestApi()} />);
      // The template turns checkpointing on; without it, DoRA at micro-batch 8 × 1,024 tokens is over 80 GB.
      fireEvent.click(checkbox('Gradient checkpointing'));
      expect(checkbox('Gradient checkpointing').checked).toBe(false);
      const levers = await screen.findByRole('region', { name: 'What would make it fit' });
      const summary = await within(levers).findByText(/DoRA: What would make it fit — over by/);
      const group = summary.closest('details')!;
      expect(group.open).toBe(true);
      const table = await within(group).findByRole('table', {}, { timeout: 5000 });
      const row = within(table)
        .getAllByRole('row')
        .find((r) => r.getAttribute('data-lever') === 'gradient-checkpointing')!;
      expect(row.textContent).toMatch(/GiB/);
      expect(row.textContent).toMatch(/fits|may not fit \(high end over\)|still over/);
      fireEvent.click(within(row).getByRole('button', { name: /Apply/ }));
      await waitFor(() => expect(checkbox('Gradient checkpointing').checked).toBe(true));
      const bar = screen.getByText(/Applied DoRA: Gradient checkpointing on/).closest('.undo-bar')!;
      // The editor's label for the field, not its path in the plan file.
      expect(bar.textContent).toContain('gradient checkpointing false → true');
      expect(bar.textContent).not.toContain('training.');
      fireEvent.click(within(bar as HTMLElement).getByRole('button', { name: 'Undo' }));
      await waitFor(() => expect(checkbox('Gradient checkpointing').checked).toBe(false));
      expect(screen.queryByText(/Applied DoRA/)).toBeNull();
    },
  );

  it('recommends on your own hardware, asks for figures it cannot know, and applies an option undoably', async () => {
    const probe = { ...FAKE_PROBE, gpus: [{ ...FAKE_PROBE.gpus[0]!, name: 'Mystery Accelerator 9000' }] };
    render(<App api={createTestApi({ probe })} />);
    fireEvent.click(await screen.findByRole('tab', { name: 'Recommend' }));
    fireEvent.click(screen.getByRole('button', { name: 'Find the cheapest and fastest' }));
    const needs = await screen.findByRole('region', { name: 'Needs your figures' }, { timeout: 5000 });
    expect(within(needs).getByText(/Mystery Accelerator 9000 \(this machine\)/)).toBeTruthy();
    // Prefilled with what the probe read (24564 MiB ≈ 24 GiB), with what "fits" means for a GPU.
    expect(within(needs).getByLabelText<HTMLInputElement>(/Memory \(GiB\)/).value).toBe('24');
    expect(within(needs).getByText(/fits = the expected nvidia-smi peak/)).toBeTruthy();
    fireEvent.change(within(needs).getByLabelText(/Dense bf16/), { target: { value: '80' } });
    fireEvent.change(within(needs).getByLabelText(/Memory bandwidth/), { target: { value: '1000' } });
    fireEvent.click(within(needs).getByRole('button', { name: 'Use these figures' }));
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Needs your figures' })).toBeNull());
    const ranked = await screen.findByRole('region', { name: 'Ranked options' });
    const mine = within(ranked)
      .getAllByRole('listitem')
      .find((li) => li.textContent?.includes('Mystery Accelerator 9000'));
    expect(mine?.textContent).toMatch(/your hardware/);
    const batch = () => screen.getByLabelText<HTMLInputElement>('Micro-batch per GPU').value;
    const before = batch();
    fireEvent.click(within(mine!).getByRole('button', { name: 'Apply' }));
    const bar = (await screen.findByText(/^Applied .* on 1 × Mystery Accelerator 9000/)).closest('.undo-bar')!;
    fireEvent.click(within(bar as HTMLElement).getByRole('button', { name: 'Undo' }));
    await waitFor(() => expect(batch()).toBe(before));
    expect(screen.getByRole('combobox', { name: 'GPU' })).toHaveProperty('value', 'a100-80gb-sxm');
  });

  it('the scenario guide lists the fields it sets, and unticking its goal undoes them', async () => {
    render(<App api={createTestApi()} />);
    const list = screen.getByLabelText('Fields the guide sets');
    fireEvent.click(screen.getByLabelText('Human-like chatbot responses'));
    // Fields by the labels the editor shows them with, never their paths in the plan file.
    await waitFor(() => expect(list.textContent).toContain('mean tokens per example 512 → 768'));
    expect(list.textContent).toContain('sequence length 1024 → 2048');
    expect(list.textContent).not.toMatch(/training\.|data\./);
    fireEvent.click(screen.getByRole('button', { name: 'Choose techniques for this' }));
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Sequence length').value).toBe('2048'));
    // What it set, comma-separated.
    expect(screen.getByText(/^The guide set/).textContent).toMatch(
      /^The guide set (techniques, )?sequence length, mean tokens per example\./,
    );
    // Unticking the only goal undoes what the guide set.
    fireEvent.click(screen.getByLabelText('Lower memory use'));
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Sequence length').value).toBe('1024'));
    expect(screen.getByLabelText<HTMLInputElement>('Mean tokens per example').value).toBe('512');
  });

  it('says where the guide’s table and this plan’s numbers disagree', async () => {
    render(<App api={createTestApi()} />);
    expect(
      await screen.findByText(
        /The seed table marks DoRA for lower memory use and not .*, but on this plan DoRA peaks at/,
        undefined,
        { timeout: 5000 },
      ),
    ).toBeTruthy();
  });

  it('shows where a template default comes from, and a warning next to the field it names', async () => {
    render(<App api={createTestApi()} />);
    expect(screen.getAllByText(/New-plan default 0\.00002: trl 1\.16\.0/).length).toBe(1);
    expect(screen.getByText(/New-plan default "adamw_torch_fused": transformers 5\.24\.0/)).toBeTruthy();
    const seq = screen.getByLabelText('Sequence length');
    fireEvent.change(seq, { target: { value: '8192' } });
    const field = seq.closest('.field')!;
    await waitFor(() =>
      expect(field.textContent).toMatch(/⚠ Sequence length 8,192 is above .*context of 4,096 tokens/),
    );
  });

  it('has the issue-15 fields with their one-line hints', () => {
    render(<App api={createTestApi()} />);
    expect(screen.getByText('frees each gradient after its step; no gradient accumulation')).toBeTruthy();
    expect(screen.getByText('saved tensors to host RAM; needs checkpointing')).toBeTruthy();
    expect(screen.getByText('fewer saved activations')).toBeTruthy();
    expect(screen.getByText('the library that runs training')).toBeTruthy();
    expect(screen.getByText(/padded batches peak at the longest example/)).toBeTruthy();
  });
});
