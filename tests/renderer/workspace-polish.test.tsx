// @vitest-environment happy-dom
/**
 * Issue 20, workspace: the small things a new user trips over. The kept-draft banner belongs to one plan; copies
 * never make a second identical entry; the result tabs follow the WAI-ARIA tabs pattern; a failed save moves focus to
 * the first invalid field and lists every invalid field; "Use this machine" says what it replaced and undoes in one
 * click; a select whose options are long gets a whole row of the grid.
 */
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../renderer/App';
import { SELECT_WIDE_CLASS, selectNeedsRow } from '../../renderer/components/select-width';
import { DRAFT_KEY } from '../../renderer/state/draft-store';
import type { SavedPlan } from '../../shared/contract';
import { PlanSchema } from '../../shared/domain/plan';
import { samplePlan } from '../helpers/plans';
import { createTestApi } from '../helpers/test-api';

afterEach(cleanup);
beforeEach(() => localStorage.clear());

const keepDraftFor = (saved: SavedPlan, name: string) =>
  localStorage.setItem(
    DRAFT_KEY,
    JSON.stringify({
      id: saved.id,
      revision: saved.revision,
      draft: { ...saved.plan, name },
      at: '2026-12-01T10:00:00Z',
    }),
  );

describe('the kept-draft banner belongs to one plan', () => {
  it('stays while its own plan is open and disappears when another plan is opened', async () => {
    const api = createTestApi();
    const a = await api.invoke('plans:save', { plan: samplePlan({ name: 'Alpha' }) });
    await api.invoke('plans:save', { plan: samplePlan({ name: 'Beta' }) });
    if (!a.ok) throw new Error('setup');
    keepDraftFor(a.data, 'Alpha, half edited');
    render(<App api={api} />);
    expect(await screen.findByText(/Unsaved changes to “Alpha, half edited”/)).toBeTruthy();
    const nav = screen.getByRole('navigation', { name: 'Plans' });

    fireEvent.click(await within(nav).findByRole('button', { name: /Alpha/ }));
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe('Alpha'));
    expect(screen.getByRole('button', { name: 'Restore them' })).toBeTruthy();

    fireEvent.click(within(nav).getByRole('button', { name: /Beta/ }));
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe('Beta'));
    // Restoring now would have put Alpha's draft into Beta (and a save would have overwritten Beta).
    expect(screen.queryByText(/Unsaved changes to “Alpha, half edited”/)).toBeNull();
    expect(screen.queryByRole('button', { name: 'Restore them' })).toBeNull();
  });

  it('a kept draft of a never-saved plan disappears when a saved plan is opened', async () => {
    const api = createTestApi();
    await api.invoke('plans:save', { plan: samplePlan({ name: 'Beta' }) });
    localStorage.setItem(
      DRAFT_KEY,
      JSON.stringify({
        id: null,
        revision: null,
        draft: PlanSchema.parse(samplePlan({ name: 'Scratch' })),
        at: '2026-12-01T10:00:00Z',
      }),
    );
    render(<App api={api} />);
    expect(await screen.findByText(/Unsaved changes to “Scratch”/)).toBeTruthy();
    fireEvent.click(await screen.findByRole('button', { name: /Beta/ }));
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe('Beta'));
    expect(screen.queryByText(/Unsaved changes to “Scratch”/)).toBeNull();
  });
});

describe('copies are never a second identical entry', () => {
  it('duplicating twice gives “X (copy)” then “X (copy) (2)” (shared/naming.ts uniqueName)', async () => {
    const api = createTestApi();
    await api.invoke('plans:save', { plan: samplePlan({ name: 'Gamma' }) });
    render(<App api={api} />);
    fireEvent.click(await screen.findByRole('button', { name: /Gamma/ }));
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe('Gamma'));
    fireEvent.click(screen.getByRole('button', { name: 'Duplicate' }));
    expect(await screen.findByText(/Duplicated as “Gamma \(copy\)”/, {}, { timeout: 5000 })).toBeTruthy();
    // Duplicate the original again, from the list.
    fireEvent.click(
      within(screen.getByRole('navigation', { name: 'Plans' })).getByRole('button', { name: /^Gamma\b(?! \()/ }),
    );
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe('Gamma'));
    fireEvent.click(screen.getByRole('button', { name: 'Duplicate' }));
    expect(await screen.findByText(/Duplicated as “Gamma \(copy\) \(2\)”/, {}, { timeout: 5000 })).toBeTruthy();
    expect([...api.plans.values()].map((p) => p.plan.name).sort()).toEqual([
      'Gamma',
      'Gamma (copy)',
      'Gamma (copy) (2)',
    ]);
  });

  it('an undone delete comes back under a free name when the old one was taken meanwhile', async () => {
    const api = createTestApi();
    await api.invoke('plans:save', { plan: samplePlan({ name: 'Delta' }) });
    render(<App api={api} />);
    fireEvent.click(await screen.findByRole('button', { name: /Delta/ }));
    await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe('Delta'));
    fireEvent.click(screen.getByRole('button', { name: 'Delete…' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes, delete' }));
    await screen.findByText(/Deleted “Delta”/);
    await api.invoke('plans:save', { plan: samplePlan({ name: 'Delta' }) }); // another window takes the name
    fireEvent.click(screen.getByRole('button', { name: 'Undo' }));
    await waitFor(() => expect([...api.plans.values()].map((p) => p.plan.name).sort()).toEqual(['Delta', 'Delta (2)']));
  });
});

describe('result tabs: the WAI-ARIA tabs pattern', () => {
  // https://www.w3.org/WAI/ARIA/apg/patterns/tabs/ — keyboard interaction and roles, states and properties.
  it('ArrowLeft/Right (wrapping), Home and End move; one tab in the tab order; each controls its panel', async () => {
    render(<App api={createTestApi()} />);
    const list = await screen.findByRole('tablist', { name: 'Results views' });
    const tab = (name: string) => within(list).getByRole('tab', { name });
    const selected = () => within(list).getByRole('tab', { selected: true });
    const names = ['Compare', 'Explain', 'Recommend', 'Runs', 'Export'];
    for (const n of names) {
      const controlled = document.getElementById(tab(n).getAttribute('aria-controls') ?? '');
      expect(controlled?.getAttribute('role'), `${n}'s aria-controls`).toBe('tabpanel');
      expect(controlled?.getAttribute('aria-labelledby')).toBe(tab(n).id);
    }
    tab('Compare').focus();
    const press = (key: string) => fireEvent.keyDown(document.activeElement!, { key });
    const expectAt = (name: string) => {
      expect(selected().textContent).toBe(name);
      expect(document.activeElement).toBe(tab(name));
      expect(
        within(list)
          .getAllByRole('tab')
          .filter((t) => t.tabIndex === 0),
      ).toEqual([tab(name)]);
      expect(document.getElementById(tab(name).getAttribute('aria-controls')!)?.hidden).toBe(false);
    };
    press('ArrowRight');
    expectAt('Explain');
    press('ArrowLeft');
    press('ArrowLeft');
    expectAt('Export'); // wraps from the first to the last
    press('ArrowRight');
    expectAt('Compare'); // and from the last to the first
    press('End');
    expectAt('Export');
    press('Home');
    expectAt('Compare');
  });
});

describe('a failed save', () => {
  it('focuses the first invalid field and lists every invalid field, each a way to it', async () => {
    const api = createTestApi();
    render(<App api={api} />);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: '  ' } });
    fireEvent.change(screen.getByLabelText('Micro-batch per GPU'), { target: { value: '' } });
    const save = screen.getByRole('button', { name: 'Save' });
    save.focus();
    fireEvent.click(save);
    const summary = await screen.findByRole('group', { name: /fix the highlighted fields before saving/ });
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('Name')));
    const items = within(summary).getAllByRole('button');
    expect(items.map((b) => b.textContent)).toEqual([
      expect.stringMatching(/^Name: give the plan a name/),
      expect.stringMatching(/^Micro-batch per GPU: /),
    ]);
    fireEvent.click(items[1]!);
    expect(document.activeElement).toBe(screen.getByLabelText('Micro-batch per GPU'));
    expect(api.plans.size).toBe(0);
    // Fixing a field takes it off the list; fixing the last one takes the list away.
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Fixed' } });
    await waitFor(() => expect(within(summary).getAllByRole('button')).toHaveLength(1));
    fireEvent.change(screen.getByLabelText('Micro-batch per GPU'), { target: { value: '2' } });
    await waitFor(() =>
      expect(screen.queryByRole('group', { name: /fix the highlighted fields before saving/ })).toBeNull(),
    );
  });

  it('opens a collapsed section to reach an invalid field inside it', async () => {
    render(<App api={createTestApi()} />);
    fireEvent.change(screen.getByLabelText('Micro-batch per GPU'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: /Training/, expanded: true }));
    expect(screen.getByLabelText('Micro-batch per GPU').closest('[hidden]')).not.toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    const field = screen.getByLabelText('Micro-batch per GPU');
    await waitFor(() => expect(document.activeElement).toBe(field));
    expect(field.closest('[hidden]')).toBeNull();
  });

  it('keeps Save focusable while saving: a disabled button drops focus to the page body', async () => {
    // HTML "focus fixup rule": a focused element that stops being focusable (disabled) loses focus to the body
    // (https://html.spec.whatwg.org/multipage/interaction.html#focus-fixup-rule).
    let release = () => {};
    const api = createTestApi();
    const slow = createTestApi({
      handlers: {
        'plans:save': async (input) => {
          await new Promise<void>((r) => (release = r));
          const r = await api.invoke('plans:save', input);
          if (!r.ok) throw new Error(r.error.message);
          return r.data;
        },
      },
    });
    render(<App api={slow} />);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Slow save' } });
    const save = screen.getByRole('button', { name: 'Save' });
    save.focus();
    fireEvent.click(save);
    await waitFor(() => expect(save.getAttribute('aria-disabled')).toBe('true'));
    expect(save.matches(':disabled')).toBe(false);
    fireEvent.click(save); // a second click while busy saves nothing more
    await act(async () => {
      release();
      await Promise.resolve();
    });
    expect(await screen.findByText(/Saved “Slow save”/)).toBeTruthy();
    expect(document.activeElement).toBe(save);
    expect([...api.plans.values()].map((p) => p.plan.name)).toEqual(['Slow save']);
  });
});

describe('"Use this machine"', () => {
  it('says what it replaced, and Undo puts it back in one click', async () => {
    render(<App api={createTestApi()} />);
    const use = await screen.findByRole('button', { name: 'Use this machine' });
    await waitFor(() => expect(use.matches(':disabled')).toBe(false));
    fireEvent.change(screen.getByLabelText('GPUs per node'), { target: { value: '4' } });
    fireEvent.blur(screen.getByLabelText('GPUs per node')); // the field shows what was typed until it loses focus
    expect(screen.getByLabelText<HTMLSelectElement>('GPU').value).toBe('a100-80gb-sxm');
    fireEvent.click(use);
    const machine = use.closest('.machine') as HTMLElement;
    expect(
      await within(machine).findByText(/Replaced 4 × NVIDIA A100 80GB SXM4 with 1 × NVIDIA GeForce RTX 4090/),
    ).toBeTruthy();
    expect(screen.getByLabelText<HTMLSelectElement>('GPU').value).toBe('rtx-4090');
    expect(screen.getByLabelText<HTMLInputElement>('GPUs per node').value).toBe('1');
    fireEvent.click(within(machine).getByRole('button', { name: 'Undo' }));
    expect(screen.getByLabelText<HTMLSelectElement>('GPU').value).toBe('a100-80gb-sxm');
    expect(screen.getByLabelText<HTMLInputElement>('GPUs per node').value).toBe('4');
    expect(within(machine).queryByRole('button', { name: 'Undo' })).toBeNull();
    expect(within(machine).getByText(/Back to 4 × NVIDIA A100 80GB SXM4/)).toBeTruthy();
  });
});

describe('selects fit their longest option', () => {
  it('the rule: an option longer than a grid cell holds asks for a whole row', () => {
    expect(selectNeedsRow(['Full fine-tuning', 'LoRA'])).toBe(false);
    expect(selectNeedsRow(['all-linear (every linear layer)', 'q_proj, v_proj'])).toBe(true);
    expect(selectNeedsRow(['Plan JSON', 'Hosted fine-tuning (model as a service)'])).toBe(true);
  });

  it('every select in a grid with a long option takes a whole row (editor and every result tab)', async () => {
    render(<App api={createTestApi()} />);
    await screen.findByRole('tab', { name: 'Export' });
    const checked: string[] = [];
    const check = () => {
      for (const select of document.querySelectorAll('select')) {
        const cell = select.closest('.grid > *');
        if (!cell) continue;
        const labels = [...select.options].map((o) => o.textContent ?? '');
        const name = select.labels?.[0]?.textContent ?? '?';
        checked.push(name);
        if (selectNeedsRow(labels)) expect(cell.classList.contains(SELECT_WIDE_CLASS), name).toBe(true);
      }
    };
    check();
    for (const name of ['Explain', 'Recommend', 'Runs', 'Export']) {
      fireEvent.click(screen.getByRole('tab', { name }));
      await waitFor(() => expect(screen.getByRole('tab', { name, selected: true })).toBeTruthy());
      check();
    }
    // The ones the issue names were among those checked.
    expect(checked).toEqual(expect.arrayContaining(['Target modules', 'GPU', 'Precision']));
    expect(checked.some((c) => c.startsWith('Format'))).toBe(true);
  });
});
