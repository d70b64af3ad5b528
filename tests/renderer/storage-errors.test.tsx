// @vitest-environment happy-dom
/**
 * Issue 11 item 3 in the renderer: when the backend refuses a save because its database file was deleted or
 * replaced (STORAGE), the user's unsaved plan stays in the editor and in the local draft store. Item 2: the
 * backups list says how many plans and runs each backup holds.
 */
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../renderer/App';
import type { TuneplanApi } from '../../renderer/api/client';
import { createTestApi } from '../helpers/test-api';
import { BackupsPanel } from '../../renderer/features/plans/BackupsPanel';
import { DRAFT_KEY } from '../../renderer/state/draft-store';
import { fail, ok } from '../../shared/result';
import { samplePlan } from '../helpers/plans';

afterEach(cleanup);
beforeEach(() => localStorage.clear());

// The message db/open.ts (assertDatabaseFileIntact) sends when the data folder was deleted under the app.
const REFUSAL =
  'The database file /data/tuneplan.sqlite was deleted while Tuneplan was running ' +
  '(was its data folder removed?), so this change was not saved.';

/** The fake backend, except that every save is refused the way the real one refuses it once the file is gone. */
function refusingSaves(api: ReturnType<typeof createTestApi>, refusing: { on: boolean }): TuneplanApi {
  return {
    transport: 'fake',
    invoke: (channel, input) =>
      refusing.on && channel === 'plans:save' ? Promise.resolve(fail('STORAGE', REFUSAL)) : api.invoke(channel, input),
  };
}

const storedDraft = () => localStorage.getItem(DRAFT_KEY) ?? '';

describe('a save refused with STORAGE', () => {
  it(
    'keeps a new plan in the editor and in the draft store, says why, ' + 'and offers it back after a restart',
    async () => {
      const refusing = { on: true };
      const first = render(<App api={refusingSaves(createTestApi(), refusing)} />);
      fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Not yet saved' } });
      fireEvent.click(screen.getByRole('button', { name: 'Save' }));
      expect((await screen.findByRole('alert')).textContent).toContain('was deleted while Tuneplan was running');
      expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe('Not yet saved');
      expect(screen.getByTitle('unsaved changes')).toBeTruthy();
      await waitFor(() => expect(storedDraft()).toContain('Not yet saved'));
      first.unmount();
      // After the restart the user is told about, the draft comes back.
      render(<App api={createTestApi()} />);
      fireEvent.click(await screen.findByRole('button', { name: 'Restore them' }));
      await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe('Not yet saved'));
    },
  );

  it('keeps the edits to an opened plan in the editor and in the draft store', async () => {
    const api = createTestApi();
    await api.invoke('plans:save', { plan: samplePlan({ name: 'Saved before' }) });
    const refusing = { on: false };
    render(<App api={refusingSaves(api, refusing)} />);
    fireEvent.click(await screen.findByRole('button', { name: /Saved before/ }));
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe('Saved before'));
    refusing.on = true;
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Edited after' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('alert')).textContent).toContain('not saved');
    expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe('Edited after');
    await waitFor(() => expect(storedDraft()).toContain('Edited after'));
    expect([...api.plans.values()].map((p) => p.plan.name)).toEqual(['Saved before']);
    // Saving works again once storage is back (after the restart): the draft store is then cleared.
    refusing.on = false;
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect([...api.plans.values()].map((p) => p.plan.name)).toEqual(['Edited after']));
    await waitFor(() => expect(localStorage.getItem(DRAFT_KEY)).toBeNull());
  });
});

describe('backups list', () => {
  it('shows how many plans and runs each backup holds', async () => {
    const api: TuneplanApi = {
      transport: 'fake',
      invoke: ((channel) =>
        Promise.resolve(
          channel === 'backups:list'
            ? ok([
                {
                  file: 'tuneplan-2026-11-02T09-00-00-000Z.sqlite',
                  createdAt: '2026-11-02T09:00:00.000Z',
                  sizeBytes: 40960,
                  reason: 'daily',
                  planCount: 12,
                  runCount: 1,
                },
              ])
            : fail('UNSUPPORTED', 'not in this test'),
        )) as TuneplanApi['invoke'],
    };
    render(<BackupsPanel api={api} onRestored={() => {}} />);
    fireEvent.click(screen.getByRole('button', { name: 'Restore from backup…' }));
    expect(await screen.findByText(/daily, 12 plans, 1 run, 40 KB/)).toBeTruthy();
  });
});
