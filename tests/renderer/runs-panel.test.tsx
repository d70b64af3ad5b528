// @vitest-environment happy-dom
/** The Runs tab's import: real run logs fill the form, a re-import clears what the new files do not say. */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../renderer/App';
import { createTestApi } from '../helpers/test-api';
import { lossChartData } from '../../renderer/charts/loss-chart-data';
import { samplePlan } from '../helpers/plans';

afterEach(cleanup);
beforeEach(() => localStorage.clear());

const runs = path.resolve(__dirname, '../fixtures/runs/transformers-5.24.0_trl-1.16.0');
const realFile = (rel: string) => new File([fs.readFileSync(path.join(runs, rel), 'utf8')], path.basename(rel));
const value = (label: string) => screen.getByLabelText<HTMLInputElement>(label).value;

async function openRuns() {
  const api = createTestApi();
  await api.invoke('plans:save', { plan: samplePlan({ name: 'Runs plan' }) });
  render(<App api={api} />);
  fireEvent.click(await screen.findByRole('button', { name: /Runs plan/ }));
  await waitFor(() => expect(value('Name')).toBe('Runs plan'));
  fireEvent.click(screen.getByRole('tab', { name: 'Runs' }));
  const input = await screen.findByLabelText<HTMLInputElement>('Import trainer_state.json…');
  const choose = (...files: File[]) => fireEvent.change(input, { target: { files } });
  return { api, input, choose };
}

describe('Runs tab import', () => {
  it('accepts .jsonl and reads a trainer_log.jsonl with its eval curve', async () => {
    const { api, input, choose } = await openRuns();
    expect(input.accept.split(',')).toContain('.jsonl');
    choose(realFile('llama-factory/trainer_log.jsonl'));
    expect(
      await screen.findByText(/Read trainer_log\.jsonl: .* 6 loss points .*\(and 3 eval loss points\)/),
    ).toBeTruthy();
    const lastLoss = (
      fs
        .readFileSync(path.join(runs, 'llama-factory/trainer_log.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { loss?: number })
        .filter((l) => l.loss !== undefined)
        .at(-1) as { loss: number }
    ).loss;
    // Shown to 4 significant figures; stored whole.
    expect(value('Final loss')).toBe(String(Number(lastLoss.toPrecision(4))));
    fireEvent.change(screen.getByLabelText('Peak memory per GPU'), { target: { value: '1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Record run' }));
    await waitFor(() => expect(api.runs.size).toBe(1));
    const stored = [...api.runs.values()][0]!.result;
    expect(stored.finalLoss).toBe(lastLoss);
    expect(stored.source).toBe('llama-factory');
    expect(stored.evalCurve).toHaveLength(3);
    // The chart gets the eval curve as a second line (Recharts draws no paths in happy-dom; e2e checks them).
    expect(await screen.findByText(/Training loss by step and eval loss/)).toBeTruthy();
  });

  it('merges the two curves by step for the chart', () => {
    expect(
      lossChartData(
        [
          { step: 1, loss: 3 },
          { step: 2, loss: 2.5 },
        ],
        [{ step: 2, loss: 2.7 }],
      ),
    ).toEqual([
      { step: 1, loss: 3 },
      { step: 2, loss: 2.5, evalLoss: 2.7 },
    ]);
  });

  it('shows mean loss, samples/s and warnings, and a second import clears the fields it does not fill', async () => {
    const { api, choose } = await openRuns();
    choose(realFile('trainer/trainer_state.json'), realFile('trainer/all_results.json'));
    await screen.findByText(/Read trainer_state\.json and all_results\.json/);
    const all = JSON.parse(fs.readFileSync(path.join(runs, 'trainer/all_results.json'), 'utf8')) as Record<
      string,
      number
    >;
    // Imported floats read rounded (3.0731 s = 0.000853638… h): 4 significant figures, the wall time also as a
    // duration; the raw float never shows.
    expect(value('Wall time')).toBe('0.0008536');
    expect(screen.getByLabelText('Wall time').closest('.field')!.textContent).toContain('3 s');
    expect(screen.getByTestId('imported-details').textContent).toContain('mean loss 3.538,');
    expect(screen.getByTestId('imported-details').textContent).not.toContain(String(all.train_loss));
    expect(screen.getByTestId('imported-details').textContent).toContain(`${all.train_samples_per_second} samples/s`);

    // A mid-run checkpoint has no run summary (no train_loss, no samples/s): those must not stay from the first import.
    choose(realFile('llama-factory/checkpoint-3/trainer_state.json'));
    await screen.findByText(/Read trainer_state\.json: .* 3 loss points/);
    expect(screen.getByTestId('imported-details').textContent).toContain('mean loss —');
    expect(screen.getByTestId('imported-details').textContent).toContain('— samples/s');
    const warnings = screen.getByRole('list', { name: 'Import warnings' });
    expect(warnings.textContent).toMatch(/mid-run checkpoint at step 3 of 6/);

    // The NaN run: the final loss field is emptied, not left at the previous import's value.
    choose(realFile('nan/trainer_state.json'));
    await screen.findByText(/NaN or Infinity/);
    expect(value('Final loss')).toBe('');
    fireEvent.change(screen.getByLabelText('Peak memory per GPU'), { target: { value: '1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Record run' }));
    await waitFor(() => expect(api.runs.size).toBe(1));
    const table = await screen.findByRole('table', { name: 'Recorded runs' });
    expect(within(table).getByText(/\d+ warnings?/)).toBeTruthy();
    expect([...api.runs.values()][0]!.result).toMatchObject({ finalLoss: null, meanLoss: null });
  });

  it('records an import whole and shows it rounded, in a table that scrolls with its first column', async () => {
    const { api, choose } = await openRuns();
    choose(realFile('trainer/trainer_state.json'), realFile('trainer/all_results.json'));
    await screen.findByText(/Read trainer_state\.json and all_results\.json/);
    const all = JSON.parse(fs.readFileSync(path.join(runs, 'trainer/all_results.json'), 'utf8')) as Record<
      string,
      number
    >;
    fireEvent.change(screen.getByLabelText('Peak memory per GPU'), { target: { value: '1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Record run' }));
    await waitFor(() => expect(api.runs.size).toBe(1));
    const stored = [...api.runs.values()][0]!.result;
    expect(stored.wallSeconds).toBeCloseTo(all.train_runtime!, 9);
    expect(stored.meanLoss).toBe(all.train_loss);
    const table = await screen.findByRole('table', { name: 'Recorded runs' });
    const row = within(table).getAllByRole('row')[1]!;
    expect(row.textContent).toContain('3.538');
    expect(row.textContent).not.toContain(String(all.train_loss));
    // The same scroll box as the comparison table (first column sticky, a line saying that it scrolls).
    expect(table.closest('.table-wrap')).not.toBeNull();
    expect(table.classList.contains('comparison')).toBe(true);
  });
});
