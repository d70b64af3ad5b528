// @vitest-environment happy-dom
/**
 * Issue 11.1 / 11.8 / 20: imports never overwrite what the user kept. Real config.json files are all
 * called config.json; the model is named from the file's content, a clash asks "keep both / replace"
 * with keep both the default, and a plan imported twice gets " (2)".
 */
import fs from 'node:fs';
import path from 'node:path';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../renderer/App';
import type { TuneplanApi } from '../../renderer/api/client';
import { createTestApi } from '../helpers/test-api';
import { planToJson } from '../../shared/exporters/plan-json';
import { PlanSchema } from '../../shared/domain/plan';
import { ok } from '../../shared/result';
import { samplePlan } from '../helpers/plans';

afterEach(cleanup);
beforeEach(() => localStorage.clear());

const configText = (name: string) => fs.readFileSync(path.join(__dirname, '../fixtures/configs', name), 'utf8');
const asConfigJson = (text: string) => new File([text], 'config.json', { type: 'application/json' });
const importFile = (file: File) =>
  fireEvent.change(screen.getByLabelText('Import config.json…'), { target: { files: [file] } });
const savedModels = async (api: TuneplanApi) => {
  const list = await api.invoke('models:list', {});
  return list.ok ? list.data.map((m) => [m.name, m.spec.numLayers] as const) : [];
};

/** Two fine-tunes of one base model: same `_name_or_path`, different shapes. */
const qwen7b = configText('qwen2.5-7b-instruct-config.json');
const qwen7bDeeper = JSON.stringify({ ...(JSON.parse(qwen7b) as object), num_hidden_layers: 32 });

describe('importing config.json files', () => {
  it(
    'two different files, both called config.json, are both kept ' + '(the second used to overwrite the first)',
    async () => {
      const api = createTestApi();
      render(<App api={api} />);
      importFile(asConfigJson(configText('qwen2.5-3b-config.json')));
      expect(await screen.findByText(/Qwen2ForCausalLM 3\.1B: 3,085,938,688 parameters/)).toBeTruthy();
      importFile(asConfigJson(configText('mixtral-8x7b-config.json')));
      expect(await screen.findByText(/MixtralForCausalLM 46\.7B: 46,702,792,704 parameters/)).toBeTruthy();
      await waitFor(async () =>
        expect(await savedModels(api)).toEqual([
          ['MixtralForCausalLM 46.7B', 32],
          ['Qwen2ForCausalLM 3.1B', 36],
        ]),
      );
    },
  );

  it('a name in use asks first; "Keep both" is the default and saves the newcomer as " (2)"', async () => {
    const api = createTestApi();
    render(<App api={api} />);
    importFile(asConfigJson(qwen7b));
    expect(await screen.findByText(/Qwen\/Qwen2\.5-7B-Instruct: 7,615,616,512 parameters/)).toBeTruthy();
    importFile(asConfigJson(qwen7bDeeper));
    const question = await screen.findByRole('group', { name: 'A model with this name is already saved' });
    expect(question.textContent).toContain('“Qwen/Qwen2.5-7B-Instruct (2)”');
    const keep = within(question).getByRole('button', { name: 'Keep both' });
    await waitFor(() => expect(document.activeElement).toBe(keep));
    expect(await savedModels(api)).toEqual([['Qwen/Qwen2.5-7B-Instruct', 28]]); // nothing saved before the answer
    fireEvent.click(keep);
    await waitFor(async () =>
      expect(await savedModels(api)).toEqual([
        ['Qwen/Qwen2.5-7B-Instruct', 28],
        ['Qwen/Qwen2.5-7B-Instruct (2)', 32],
      ]),
    );
    // The plan uses the model under the name it was kept as.
    expect(await screen.findByText(/Qwen\/Qwen2\.5-7B-Instruct \(2\): [\d,]+ parameters/)).toBeTruthy();
    expect(screen.getByLabelText<HTMLSelectElement>('Model').value).toBe('custom:Qwen/Qwen2.5-7B-Instruct (2)');
  });

  it('"Replace" overwrites only the model it names', async () => {
    const api = createTestApi();
    render(<App api={api} />);
    importFile(asConfigJson(qwen7b));
    await screen.findByText(/Qwen\/Qwen2\.5-7B-Instruct: 7,615,616,512 parameters/);
    importFile(asConfigJson(qwen7bDeeper));
    const question = await screen.findByRole('group', { name: 'A model with this name is already saved' });
    fireEvent.click(within(question).getByRole('button', { name: 'Replace “Qwen/Qwen2.5-7B-Instruct”' }));
    await waitFor(async () => expect(await savedModels(api)).toEqual([['Qwen/Qwen2.5-7B-Instruct', 32]]));
    expect(screen.queryByRole('group', { name: 'A model with this name is already saved' })).toBeNull();
  });

  it('"Cancel" keeps everything as it was', async () => {
    const api = createTestApi();
    render(<App api={api} />);
    importFile(asConfigJson(qwen7b));
    await screen.findByText(/Qwen\/Qwen2\.5-7B-Instruct: 7,615,616,512 parameters/);
    importFile(asConfigJson(qwen7bDeeper));
    const question = await screen.findByRole('group', { name: 'A model with this name is already saved' });
    fireEvent.click(within(question).getByRole('button', { name: 'Cancel' }));
    expect(await savedModels(api)).toEqual([['Qwen/Qwen2.5-7B-Instruct', 28]]);
    expect(screen.getByText(/Qwen\/Qwen2\.5-7B-Instruct: 7,615,616,512 parameters/)).toBeTruthy();
  });

  it('the same file again asks nothing and stores no copy', async () => {
    const api = createTestApi();
    render(<App api={api} />);
    importFile(asConfigJson(qwen7b));
    await screen.findByText(/Qwen\/Qwen2\.5-7B-Instruct: 7,615,616,512 parameters/);
    importFile(asConfigJson(qwen7b));
    expect(await screen.findByText(/already saved as “Qwen\/Qwen2\.5-7B-Instruct”/)).toBeTruthy();
    expect(screen.queryByRole('group', { name: 'A model with this name is already saved' })).toBeNull();
    expect(await savedModels(api)).toEqual([['Qwen/Qwen2.5-7B-Instruct', 28]]);
  });

  it('desktop: names the model after the folder it came from, and reads a BOM', async () => {
    const fake = createTestApi();
    const api: TuneplanApi = {
      transport: 'ipc',
      invoke: ((channel: string, input: unknown) =>
        channel === 'desktop:openJson'
          ? Promise.resolve(
              ok({ name: 'config.json', folder: 'Qwen2.5-3B', text: `\uFEFF${configText('qwen2.5-3b-config.json')}` }),
            )
          : fake.invoke(channel as 'models:list', input as never)) as TuneplanApi['invoke'],
    };
    render(<App api={api} />);
    fireEvent.click(screen.getByRole('button', { name: 'Import config.json…' }));
    expect(await screen.findByText(/Qwen2\.5-3B: 3,085,938,688 parameters/)).toBeTruthy();
    await waitFor(async () => expect(await savedModels(fake)).toEqual([['Qwen2.5-3B', 36]]));
  });
});

describe('importing plan JSON', () => {
  it('a plan whose name exists is imported as " (2)", then " (3)"', async () => {
    const api = createTestApi();
    const text = planToJson(PlanSchema.parse(samplePlan({ name: 'Support bot' })));
    render(<App api={api} />);
    const input = screen.getByLabelText('Import plan JSON file');
    fireEvent.change(input, { target: { files: [new File([text], 'plan.json', { type: 'application/json' })] } });
    expect(await screen.findByText(/Imported “Support bot”/)).toBeTruthy();
    fireEvent.change(input, { target: { files: [new File([text], 'plan.json', { type: 'application/json' })] } });
    expect(await screen.findByText(/Imported “Support bot \(2\)”/)).toBeTruthy();
    fireEvent.change(input, { target: { files: [new File([text], 'plan.json', { type: 'application/json' })] } });
    expect(await screen.findByText(/Imported “Support bot \(3\)”/)).toBeTruthy();
    expect([...api.plans.values()].map((p) => p.plan.name).sort()).toEqual([
      'Support bot',
      'Support bot (2)',
      'Support bot (3)',
    ]);
  });
});
