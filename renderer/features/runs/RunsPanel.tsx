import { useMemo, useState } from 'react';
import type { StoredRun } from '../../../shared/contract';
import type { Plan } from '../../../shared/domain/plan';
import { calibrationFactors, compareRuns, RUN_OBJECTIVE_LABELS } from '../../../shared/estimate/calibration';
import type { EstimateReport } from '../../../shared/estimate/estimate';
import { parseRunFiles, TrainerImportError } from '../../../shared/import/trainer-state';
import { issuesFromZod } from '../../../shared/result';
import type { TuneplanApi } from '../../api/client';
import { useQuery } from '../../api/use-query';
import { LossCurveChart, MetricCurvesChart, PredictedVsMeasured } from '../../charts/RunCharts';
import { GiB } from '../../format';
import { CalibrationSection } from './CalibrationSection';
import { emptyForm, formFromRun, toResult, withImport, type RunFormValues } from './run-form';
import { RunForm } from './RunForm';
import { RunsTable } from './RunsTable';

/** Recorded runs of this plan: record, import trainer_state.json, estimate vs actual, calibration. */
export function RunsPanel({
  api,
  planId,
  plan,
  report,
}: {
  api: TuneplanApi;
  planId: string | null;
  plan: Plan;
  report: EstimateReport;
}) {
  const gpuName = report.plan.gpu;
  const query = useQuery(api, 'runs:list', planId ? { planId } : null);
  const runs = useMemo(() => (planId ? (query.data ?? []) : []), [planId, query.data]);
  const [form, setForm] = useState<RunFormValues>(() => emptyForm(plan, gpuName));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [undo, setUndo] = useState<StoredRun | null>(null);
  const [curveRun, setCurveRun] = useState<string | null>(null);

  const comparisons = useMemo(() => compareRuns(plan, runs), [plan, runs]);
  const factors = useMemo(() => calibrationFactors(comparisons), [comparisons]);

  if (!planId) return <p className="empty">Save the plan to record runs against it.</p>;

  const save = async () => {
    const parsed = toResult(plan, form);
    if (!parsed.success) {
      setErrors(Object.fromEntries(issuesFromZod(parsed.error).map((i) => [i.path, i.message])));
      return;
    }
    setErrors({});
    const r = await api.invoke('runs:save', { ...(form.id ? { id: form.id } : {}), planId, result: parsed.data });
    if (!r.ok) {
      setMessage(r.error.message);
      return;
    }
    setMessage(form.id ? 'Run updated.' : 'Run recorded.');
    setForm(emptyForm(plan, gpuName));
    query.reload();
  };
  const remove = async (run: StoredRun) => {
    const r = await api.invoke('runs:delete', { id: run.id });
    if (r.ok) {
      setUndo(run);
      query.reload();
    }
  };
  const restore = async () => {
    if (!undo) return;
    await api.invoke('runs:save', { planId, result: undo.result });
    setUndo(null);
    query.reload();
  };
  const importTrainer = async (files: FileList) => {
    try {
      const parsed = parseRunFiles(
        await Promise.all([...files].map(async (f) => ({ name: f.name, text: await f.text() }))),
      );
      const run = parsed.run;
      setForm(withImport(form, run));
      setMessage(
        `Read ${parsed.found.join(' and ')}` +
          (run.objective && run.objective !== 'sft' ? ` (${RUN_OBJECTIVE_LABELS[run.objective]} run)` : '') +
          ': wall time, throughput, loss and ' +
          `${run.lossCurve.length} loss points filled in` +
          `${run.evalCurve.length ? ` (and ${run.evalCurve.length} eval loss points)` : ''}` +
          `${run.metricCurves.length ? `, ${run.metricCurves.length} metric curves` : ''}. ` +
          'Add the peak memory, then record the run.',
      );
    } catch (e) {
      setMessage(e instanceof TrainerImportError ? e.message : `Could not read the files: ${(e as Error).message}`);
    }
  };

  const memPoints = comparisons
    .filter((c) => c.measuredMemoryBytes !== null && c.predictedMemoryBytes !== null)
    .map((c) => ({ measured: c.measuredMemoryBytes! / GiB, predicted: c.predictedMemoryBytes! / GiB }));
  const timePoints = comparisons
    .filter((c) => c.measuredWallSeconds !== null && c.predictedWallSeconds !== null)
    .map((c) => ({ measured: c.measuredWallSeconds! / 3600, predicted: c.predictedWallSeconds! / 3600 }));
  const hasCurves = (r: StoredRun) => r.result.lossCurve.length > 0 || r.result.metricCurves.length > 0;
  const curve = runs.find((r) => r.id === curveRun) ?? [...runs].reverse().find(hasCurves);
  const leftOut = runs.flatMap((r, i) => {
    const m = comparisons[i]?.objectiveMismatch;
    return m ? [`run ${i + 1} (${RUN_OBJECTIVE_LABELS[m.run]})`] : [];
  });

  return (
    <div className="runs">
      <RunsTable
        runs={runs}
        comparisons={comparisons}
        onEdit={(run) => setForm(formFromRun(run))}
        onShowLoss={(run) => setCurveRun(run.id)}
        onDelete={(run) => void remove(run)}
      />
      {leftOut.length ? (
        <p className="hint" data-testid="objective-left-out">
          Left out of the calibration and the predicted-against-measured charts, as their objective is not this
          plan&apos;s: {leftOut.join(', ')}.
        </p>
      ) : null}
      {undo ? (
        <p role="status">
          Run deleted.{' '}
          <button type="button" onClick={() => void restore()}>
            Undo
          </button>
        </p>
      ) : null}

      {curve ? (
        <div className="chart-pair run-curves" aria-label="Run curves" role="group">
          <LossCurveChart result={curve.result} />
          <MetricCurvesChart key={curve.id} result={curve.result} />
        </div>
      ) : null}

      <RunForm
        plan={plan}
        form={form}
        errors={errors}
        message={message}
        onChange={setForm}
        onImport={(files) => void importTrainer(files)}
        onSave={() => void save()}
        onCancel={() => setForm(emptyForm(plan, gpuName))}
      />

      <CalibrationSection factors={factors} report={report} />

      <PredictedVsMeasured
        title="Predicted against measured peak memory (GiB); the diagonal is a perfect estimate"
        points={memPoints}
        unit="GiB"
        floor={1}
        color="#0072B2"
      />
      <PredictedVsMeasured
        title="Predicted against measured wall time (h)"
        points={timePoints}
        unit="h"
        floor={0.1}
        color="#E69F00"
      />
    </div>
  );
}
