// @vitest-environment happy-dom
/**
 * DPO and GRPO runs in the Runs tab (issue 19): the real trainer_state.json files written by TRL's DPOTrainer and
 * GRPOTrainer, read by the real import, give the table its objective, the metric picker its views and the chart its
 * rows; a run of another objective than the plan's is flagged and left out of the calibration.
 */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlanInput } from '../../shared/domain/plan';
import { parseRunFiles } from '../../shared/import/trainer-state';
import { App } from '../../renderer/App';
import { metricChartData, metricViews } from '../../renderer/charts/loss-chart-data';
import { createTestApi } from '../helpers/test-api';
import { samplePlan } from '../helpers/plans';

afterEach(cleanup);
beforeEach(() => localStorage.clear());

const VERSIONS = ['transformers-5.24.0_trl-1.16.0', 'transformers-4.57.6_trl-0.24.0'];
const fixtureDir = (version: string) => path.resolve(__dirname, '../fixtures/runs', version);
const stateText = (version: string, folder: string) =>
  fs.readFileSync(path.join(fixtureDir(version), folder, 'trainer_state.json'), 'utf8');
const importRun = (version: string, folder: string) =>
  parseRunFiles([{ name: 'trainer_state.json', text: stateText(version, folder) }]).run;
/** The training entries of the raw log, to check the chart against what the trainer wrote. */
const trainingEntries = (version: string, folder: string) =>
  (JSON.parse(stateText(version, folder)) as { log_history: Array<Record<string, number>> }).log_history.filter(
    (e) => 'loss' in e,
  );

describe.each(VERSIONS)('metric views of the real runs (%s)', (version) => {
  it('GRPO: reward ± reward_std first, then completion length and KL, each with its unit on the axis', () => {
    const run = importRun(version, 'grpo');
    const views = metricViews(run.metricCurves);
    expect(views.slice(0, 3).map((v) => v.id)).toEqual(['reward', 'length', 'kl']);
    const reward = views[0]!;
    expect(reward.band).toBe(true);
    expect(reward.series.filter((s) => !s.eval).map((s) => s.name)).toEqual(['reward (mean)', 'reward_length (mean)']);
    expect(reward.series.filter((s) => s.eval).map((s) => s.key)).toEqual([
      'eval_reward',
      'eval_rewards/reward_length/mean',
    ]);
    expect(views.find((v) => v.id === 'length')!.axis).toMatch(/\(tokens\)$/);
    expect(views.find((v) => v.id === 'kl')!.axis).toMatch(/nats per token/);

    const rows = metricChartData(run.metricCurves, reward);
    const entries = trainingEntries(version, 'grpo');
    expect(rows.filter((r) => r.band)).toHaveLength(entries.length);
    for (const e of entries) {
      const row = rows.find((r) => r.step === e.step)!;
      expect(row.m0).toBe(e.reward);
      expect(row.band).toEqual([e.reward! - e.reward_std!, e.reward! + e.reward_std!]);
    }
    const length = metricChartData(
      run.metricCurves,
      views.find((v) => v.id === 'length')!,
    );
    expect(length.filter((r) => r.m0 !== undefined).map((r) => r.m0)).toEqual(
      entries.map((e) => e['completions/mean_length']),
    );
  });

  it('DPO: chosen vs rejected rewards, margin, accuracy in %, log-probs; eval twins dashed', () => {
    const run = importRun(version, 'dpo');
    const views = metricViews(run.metricCurves);
    expect(views.map((v) => v.id)).toEqual(['rewards', 'margins', 'accuracy', 'logps']);
    const rewards = views[0]!;
    expect(rewards.series.map((s) => [s.key, s.eval])).toEqual([
      ['rewards/chosen', false],
      ['rewards/rejected', false],
      ['eval_rewards/chosen', true],
      ['eval_rewards/rejected', true],
    ]);
    const accuracy = views[2]!;
    expect(accuracy.percent).toBe(true);
    const rows = metricChartData(run.metricCurves, accuracy);
    for (const e of trainingEntries(version, 'dpo'))
      expect(rows.find((r) => r.step === e.step)!.m0).toBeCloseTo(e['rewards/accuracies']! * 100, 10);
    expect(views.every((v) => v.axis.length > 0 && v.unit.length > 0)).toBe(true);
  });
});

describe('metric views', () => {
  it('a logged key no view names still gets a view, and an SFT run gets none', () => {
    const curves = [{ key: 'custom/thing', points: [{ step: 1, value: 2 }] }];
    expect(metricViews(curves).map((v) => [v.id, v.label])).toEqual([['key:custom/thing', 'custom/thing']]);
    expect(metricViews(importRun(VERSIONS[0]!, 'sft').metricCurves)).toEqual([]);
  });
});

async function openRuns(plan: PlanInput) {
  const api = createTestApi();
  await api.invoke('plans:save', { plan });
  render(<App api={api} />);
  fireEvent.click(await screen.findByRole('button', { name: new RegExp(plan.name) }));
  await waitFor(() => expect(screen.getByLabelText<HTMLInputElement>('Name').value).toBe(plan.name));
  fireEvent.click(screen.getByRole('tab', { name: 'Runs' }));
  const input = await screen.findByLabelText<HTMLInputElement>('Import trainer_state.json…');
  const record = async (folder: string) => {
    const file = new File([stateText(VERSIONS[0]!, folder)], 'trainer_state.json');
    fireEvent.change(input, { target: { files: [file] } });
    await screen.findByText(/Read trainer_state\.json/);
    fireEvent.change(screen.getByLabelText('Peak memory per GPU'), { target: { value: '30' } });
    fireEvent.click(screen.getByRole('button', { name: 'Record run' }));
  };
  return { api, record };
}

describe('Runs tab with DPO and GRPO runs', () => {
  it('an SFT plan: the GRPO run shows its objective, is flagged, calibrates nothing, draws its rewards', async () => {
    const { api, record } = await openRuns(samplePlan({ name: 'SFT plan' }));
    await record('grpo');
    expect(await screen.findByText(/Read trainer_state\.json \(GRPO run\): .* metric curves/)).toBeTruthy();
    await waitFor(() => expect(api.runs.size).toBe(1));
    const table = await screen.findByRole('table', { name: 'Recorded runs' });
    expect(within(table).getByRole('columnheader', { name: 'Objective' })).toBeTruthy();
    const cell = within(table).getByTestId('run-objective');
    expect(cell.textContent).toContain('GRPO');
    expect(cell.textContent).toContain('this run is GRPO, the plan is SFT: its memory and time are not comparable');
    expect(within(table).getByTestId('memory-error').textContent).toBe('not comparable (other objective)');
    expect(screen.getByTestId('objective-left-out').textContent).toContain('run 1 (GRPO)');
    expect(screen.queryByRole('heading', { name: 'Calibration' })).toBeNull();

    // The curves: loss, and the GRPO reward chart with its picker.
    const curves = screen.getByRole('group', { name: 'Run curves' });
    expect(within(curves).getByText(/Training loss by step/)).toBeTruthy();
    expect(within(curves).getByText('GRPO run: Reward ± reward_std by step')).toBeTruthy();
    const picker = within(curves).getByLabelText<HTMLSelectElement>('Metric');
    expect([...picker.options].map((o) => o.text).slice(0, 3)).toEqual([
      'Reward ± reward_std',
      'Completion length',
      'KL to the reference',
    ]);
    fireEvent.change(picker, { target: { value: 'length' } });
    expect(within(curves).getByText('GRPO run: Completion length by step')).toBeTruthy();
  });

  it('a DPO plan: the DPO run is compared and calibrates, the SFT run beside it is flagged', async () => {
    const { api, record } = await openRuns(samplePlan({ name: 'DPO plan', objective: { kind: 'dpo' } }));
    await record('dpo');
    await waitFor(() => expect(api.runs.size).toBe(1));
    await record('sft');
    await waitFor(() => expect(api.runs.size).toBe(2));
    const table = await screen.findByRole('table', { name: 'Recorded runs' });
    await waitFor(() => expect(within(table).getAllByTestId('run-objective')).toHaveLength(2));
    const [dpoCell, sftCell] = within(table).getAllByTestId('run-objective');
    expect(dpoCell!.textContent).toBe('DPO');
    expect(sftCell!.textContent).toContain('this run is SFT, the plan is DPO');
    const [dpoError] = within(table).getAllByTestId('memory-error');
    expect(dpoError!.textContent).toMatch(/^estimate (\d+\.\d % (above|below)|matches) measured$/);
    const calibration = (await screen.findByRole('heading', { name: 'Calibration' })).closest('section')!;
    // One factor row, resting on the DPO run alone: the SFT run (same technique and GPU) is left out.
    const rows = within(calibration).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(1);
    expect(within(rows[0]!).getAllByRole('cell')[0]!.textContent).toMatch(/^× [\d.]+ \(1 run\)$/);

    fireEvent.click(within(table).getByRole('button', { name: 'Curves of run 1' }));
    expect(await screen.findByText('DPO run: Rewards: chosen vs rejected by step')).toBeTruthy();
  });
});
