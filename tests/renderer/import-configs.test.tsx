// @vitest-environment happy-dom
/**
 * Issue 18 item 5, the workspace side: "Import configs…" takes several real config files
 * (tests/fixtures/import-configs, sources in its README), shows what each set, the conflicts and the fields left
 * open, and only "Create plan" saves a NEW plan (through plan-JSON import, so the " (2)" naming rule holds) and
 * opens it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../renderer/App';
import { planToJson } from '../../shared/exporters/plan-json';
import { PlanSchema } from '../../shared/domain/plan';
import { createTestApi } from '../helpers/test-api';
import { samplePlan } from '../helpers/plans';

afterEach(cleanup);
beforeEach(() => localStorage.clear());

const fixture = (rel: string) => {
  const bytes = fs.readFileSync(path.join(__dirname, '../fixtures/import-configs', rel));
  return new File([bytes], path.basename(rel));
};
const pick = (...files: File[]) =>
  fireEvent.change(screen.getByLabelText('Import training config files'), { target: { files } });
const dialog = () => screen.findByRole('dialog', { name: 'Import training configs' });
const fileCard = async (name: string) => within(await dialog()).getByRole('article', { name });
const createButton = async () => within(await dialog()).getByRole('button', { name: 'Create plan' });

const TRIO = [
  'generated/peft-lora/adapter_config.json',
  'deepspeed/llamafactory-ds_z2_config.json',
  'generated/trainer/training_args.json',
];

describe('Import configs…', () => {
  it('adapter_config + ds_config + TrainingArguments JSON make one new plan, saved only on "Create plan"', async () => {
    const api = createTestApi();
    render(<App api={api} />);
    pick(...TRIO.map(fixture));

    // What each file set, with the key it came from.
    const adapter = await fileCard('adapter_config.json');
    expect(adapter.textContent).toContain('PEFT adapter_config.json');
    const rankRow = within(adapter).getByRole('rowheader', { name: 'Rank r' }).closest('tr')!;
    expect(rankRow.textContent).toBe('Rank r8r');
    const ds = await fileCard('llamafactory-ds_z2_config.json');
    expect(ds.textContent).toContain('DeepSpeed ds_config.json');
    expect(within(ds).getByRole('rowheader', { name: 'Strategy' }).closest('tr')!.textContent).toContain('zero2');
    const args = await fileCard('training_args.json');
    expect(within(args).getByRole('rowheader', { name: 'Micro-batch per GPU' }).closest('tr')!.textContent).toContain(
      '4',
    );

    // The ds_config's "auto" batch sizes stay open with the reason; no conflict among these three.
    const open = within(await dialog()).getByRole('region', { name: 'Left open' });
    expect(open.textContent).toMatch(/Left open \(\d+\)/);
    expect(within(await dialog()).queryByRole('region', { name: 'Conflicts' })).toBeNull();

    expect(api.plans.size).toBe(0); // nothing saved before the user confirms
    fireEvent.click(await createButton());
    await waitFor(() => expect(api.plans.size).toBe(1));
    expect(screen.queryByRole('dialog')).toBeNull();

    const saved = [...api.plans.values()][0]!.plan;
    expect(saved.name).toBe('Imported from adapter_config.json + llamafactory-ds_z2_config.json + training_args.json');
    expect(saved.techniques).toHaveLength(1);
    expect(saved.techniques[0]).toMatchObject({ kind: 'lora', rank: 8, alpha: 16, dropout: 0.1, targets: 'qv' });
    expect(saved.distribution.strategy).toBe('zero2');
    expect(saved.training).toMatchObject({ microBatch: 4, gradAccum: 8, learningRate: 1e-4, epochs: 2 });

    // And it is open in the editor.
    expect(await screen.findByText(/Imported “Imported from adapter_config\.json/)).toBeTruthy();
    expect(screen.getByLabelText<HTMLInputElement>('Rank r').value).toBe('8');
    expect(screen.getByLabelText<HTMLInputElement>('Micro-batch per GPU').value).toBe('4');
    expect(screen.getByLabelText<HTMLSelectElement>('Strategy').value).toBe('zero2');
  });

  it('the same configs imported twice make a second plan named " (2)"', async () => {
    const api = createTestApi();
    render(<App api={api} />);
    for (const expected of ['', ' (2)']) {
      pick(fixture('generated/peft-lora/adapter_config.json'));
      fireEvent.click(await createButton());
      expect(await screen.findByText(`Imported “Imported from adapter_config.json${expected}”.`)).toBeTruthy();
    }
    expect([...api.plans.values()].map((p) => p.plan.name)).toEqual([
      'Imported from adapter_config.json',
      'Imported from adapter_config.json (2)',
    ]);
  });

  it(
    'training_args.bin is refused with the command that writes the JSON; ' + 'removing it lets the rest through',
    async () => {
      const api = createTestApi();
      render(<App api={api} />);
      pick(fixture('generated/peft-lora/adapter_config.json'), fixture('generated/trainer/training_args.bin'));
      const bin = await fileCard('training_args.bin');
      const alert = within(bin).getByRole('alert');
      expect(alert.textContent).toMatch(/^training_args\.bin is a Python pickle/);
      expect(alert.textContent).toContain('to_json_string()');
      expect((await createButton()).hasAttribute('disabled')).toBe(true);

      fireEvent.click(within(bin).getByRole('button', { name: 'Remove training_args.bin' }));
      await waitFor(async () => expect((await createButton()).hasAttribute('disabled')).toBe(false));
      fireEvent.click(await createButton());
      await waitFor(() => expect(api.plans.size).toBe(1));
    },
  );

  it('two files that disagree show the conflict and which value the plan keeps', async () => {
    const api = createTestApi();
    render(<App api={api} />);
    pick(fixture('generated/accelerate/deepspeed_zero2.yaml'), fixture('deepspeed/llamafactory-ds_z3_config.json'));
    const conflicts = within(await dialog()).getByRole('region', { name: 'Conflicts' });
    const item = within(conflicts).getByText('Strategy').closest('li')!;
    expect(item.textContent).toMatch(/deepspeed_zero2\.yaml .*= zero2 vs llamafactory-ds_z3_config\.json .*= zero3/);
    expect(item.textContent).toContain('The plan keeps deepspeed_zero2.yaml’s value.');
    fireEvent.click(await createButton());
    await waitFor(() => expect(api.plans.size).toBe(1));
    expect([...api.plans.values()][0]!.plan.distribution.strategy).toBe('zero2');
  });

  it('a file no reader knows is named with what it looks like; a plan file points to "Import JSON…"', async () => {
    const api = createTestApi();
    render(<App api={api} />);
    const plan = planToJson(PlanSchema.parse(samplePlan({ name: 'Support bot' })));
    pick(new File(['dataset: alpaca\nlr_warmup: 3\n'], 'notes.yaml'), new File([plan], 'plan.json'));
    const yaml = within(await fileCard('notes.yaml')).getByRole('alert').textContent;
    expect(yaml).toMatch(/^notes\.yaml: not a training config Tuneplan recognises/);
    expect(yaml).toContain('It is YAML with the top-level keys dataset, lr_warmup.');
    expect(within(await fileCard('plan.json')).getByRole('alert').textContent).toBe(
      'plan.json is a Tuneplan plan file: use “Import JSON…” to open it.',
    );
    expect((await createButton()).hasAttribute('disabled')).toBe(true);
  });

  it('Cancel (or Escape) closes the dialog and saves nothing', async () => {
    const api = createTestApi();
    render(<App api={api} />);
    pick(...TRIO.map(fixture));
    fireEvent.click(within(await dialog()).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    pick(fixture('generated/peft-lora/adapter_config.json'));
    fireEvent(await dialog(), new Event('cancel', { cancelable: true }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(api.plans.size).toBe(0);
  });
});
