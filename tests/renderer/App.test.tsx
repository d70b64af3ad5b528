// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../renderer/App';
import { createTestApi } from '../helpers/test-api';
import { PlanSchema } from '../../shared/domain/plan';
import { samplePlan } from '../helpers/plans';

afterEach(cleanup);

describe('App with the in-memory API', () => {
  it('creates a plan and lists it', async () => {
    const api = createTestApi();
    render(<App api={api} />);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Support bot' } });
    fireEvent.change(screen.getByLabelText('Notes'), { target: { value: 'MetaMath style data' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const nav = screen.getByRole('navigation', { name: 'Plans' });
    await waitFor(() => expect(within(nav).getByText('Support bot')).toBeTruthy());
    expect([...api.plans.values()][0]?.plan.notes).toBe('MetaMath style data');
  });

  it('shows the field and the fix when the name is empty, and saves nothing', async () => {
    const api = createTestApi();
    render(<App api={api} />);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: '  ' } });
    expect(await screen.findByText('give the plan a name')).toBeTruthy();
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBe('true');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText(/fix the highlighted fields/)).toBeTruthy();
    expect(api.plans.size).toBe(0);
  });

  it('opens, edits and deletes a plan after confirmation', async () => {
    const api = createTestApi();
    await api.invoke('plans:save', { plan: samplePlan({ name: 'Old name' }) });
    render(<App api={api} />);
    fireEvent.click(await screen.findByRole('button', { name: /Old name/ }));
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe('Old name'));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'New name' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect([...api.plans.values()][0]?.plan.name).toBe('New name'));
    fireEvent.click(screen.getByRole('button', { name: 'Delete…' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes, delete' }));
    await waitFor(() => expect(api.plans.size).toBe(0));
    expect(await screen.findByText(/Deleted “New name”/)).toBeTruthy();
  });

  it('explains a conflict and offers to reload or save a copy', async () => {
    const api = createTestApi();
    const created = await api.invoke('plans:save', { plan: samplePlan({ name: 'Shared' }) });
    if (!created.ok) throw new Error('setup');
    render(<App api={api} />);
    fireEvent.click(await screen.findByRole('button', { name: /Shared/ }));
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe('Shared'));
    // Another window saves first.
    await api.invoke('plans:save', { id: created.data.id, revision: 1, plan: samplePlan({ name: 'Other window' }) });
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Mine' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText(/changed elsewhere/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Save mine as a copy' }));
    await waitFor(() =>
      expect([...api.plans.values()].map((p) => p.plan.name).sort()).toEqual(['Mine (copy)', 'Other window']),
    );
    expect(PlanSchema.safeParse([...api.plans.values()][1]?.plan).success).toBe(true);
  });
});
