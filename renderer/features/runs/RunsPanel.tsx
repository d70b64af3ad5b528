import { useId, useMemo, useState } from 'react';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { StoredRun } from '../../../shared/contract';
import { useQuery } from '../../api/use-query';
import type { Plan } from '../../../shared/domain/plan';
import { RunResultSchema, type RunResultInput } from '../../../shared/domain/run-result';
import { calibrationFactors, compareRuns, factorFor, gpuKeyOf } from '../../../shared/estimate/calibration';
import type { EstimateReport } from '../../../shared/estimate/estimate';
import { TECHNIQUE_LABELS } from '../../../shared/estimate/techniques';
import { toRunResultFields } from '../../../shared/import/run-import';
import { parseRunFiles, TrainerImportError } from '../../../shared/import/trainer-state';
import { issuesFromZod } from '../../../shared/result';
import type { TuneplanApi } from '../../api/client';
import { NumberField, SelectField, TextField } from '../../components/fields';
import { duration, gib, GiB, tokensPerSecond } from '../../format';
import { lossChartData } from './loss-chart-data';

interface Form {
  id?: string;
  techniqueIndex: number;
  gpuName: string;
  gpuCount: number;
  peakGiB: number | null;
  memoryCounter: 'allocated' | 'reserved' | 'nvidia-smi';
  wallHours: number | null;
  tokensPerSecond: number | null;
  costUsd: number | null;
  finalLoss: number | null;
  notes: string;
  /** What an import filled that the form has no field for; replaced whole by the next import. */
  extra: Pick<
    RunResultInput,
    'steps' | 'epochs' | 'lossCurve' | 'evalCurve' | 'meanLoss' | 'samplesPerSecond' | 'warnings' | 'source'
  >;
}

const emptyForm = (plan: Plan, gpuName: string): Form => ({
  techniqueIndex: 0,
  gpuName,
  gpuCount: plan.distribution.gpusPerNode * plan.distribution.nodes,
  peakGiB: null,
  memoryCounter: 'reserved',
  wallHours: null,
  tokensPerSecond: null,
  costUsd: null,
  finalLoss: null,
  notes: '',
  extra: { source: 'manual' },
});

function toResult(plan: Plan, f: Form) {
  return RunResultSchema.safeParse({
    technique: plan.techniques[f.techniqueIndex]?.kind ?? 'lora',
    techniqueIndex: f.techniqueIndex,
    gpuName: f.gpuName,
    gpuCount: f.gpuCount,
    peakMemoryBytes: f.peakGiB === null ? null : f.peakGiB * GiB,
    memoryCounter: f.memoryCounter,
    wallSeconds: f.wallHours === null ? null : f.wallHours * 3600,
    tokensPerSecond: f.tokensPerSecond,
    costUsd: f.costUsd,
    finalLoss: f.finalLoss,
    notes: f.notes,
    ...f.extra,
  });
}

/** Predicted (y) against measured (x) with the y = x line of a perfect estimate; nothing when there are no points. */
function PredictedVsMeasured({
  title,
  points,
  unit,
  floor,
  color,
}: {
  title: string;
  points: Array<{ measured: number; predicted: number }>;
  unit: string;
  floor: number;
  color: string;
}) {
  if (points.length === 0) return null;
  const max = Number((Math.max(floor, ...points.flatMap((p) => [p.measured, p.predicted])) * 1.1).toPrecision(2));
  const axis = {
    type: 'number' as const,
    unit: ` ${unit}`,
    domain: [0, max],
    tickFormatter: (v: number) => (max >= 10 ? v.toFixed(0) : v.toFixed(1)),
    tick: { fill: 'var(--muted)', fontSize: 12 },
  };
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <ScatterChart width={420} height={280} margin={{ top: 10, right: 20, bottom: 20, left: 10 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis dataKey="measured" name="Measured" {...axis} />
        <YAxis dataKey="predicted" name="Predicted" width={70} {...axis} />
        <Tooltip formatter={(v) => `${typeof v === 'number' ? v.toFixed(2) : String(v)} ${unit}`} />
        <Legend />
        <ReferenceLine
          segment={[
            { x: 0, y: 0 },
            { x: max, y: max },
          ]}
          stroke="var(--muted)"
          strokeDasharray="4 4"
        />
        <Scatter name="Runs" data={points} fill={color} isAnimationActive={false} />
      </ScatterChart>
    </figure>
  );
}

const pct = (v: number | null) => (v === null ? '—' : `${v >= 0 ? '+' : ''}${v.toFixed(1)} %`);

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
  const id = useId();
  const gpuName = report.plan.gpu;
  const query = useQuery(api, 'runs:list', planId ? { planId } : null);
  const runs = useMemo(() => (planId ? (query.data ?? []) : []), [planId, query.data]);
  const [form, setForm] = useState<Form>(() => emptyForm(plan, gpuName));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [undo, setUndo] = useState<StoredRun | null>(null);
  const [calibrated, setCalibrated] = useState(false);
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
  const edit = (run: StoredRun) => {
    const r = run.result;
    setForm({
      id: run.id,
      techniqueIndex: r.techniqueIndex,
      gpuName: r.gpuName,
      gpuCount: r.gpuCount,
      peakGiB: r.peakMemoryBytes === null ? null : r.peakMemoryBytes / GiB,
      memoryCounter: r.memoryCounter,
      wallHours: r.wallSeconds === null ? null : r.wallSeconds / 3600,
      tokensPerSecond: r.tokensPerSecond,
      costUsd: r.costUsd,
      finalLoss: r.finalLoss,
      notes: r.notes,
      extra: {
        steps: r.steps,
        epochs: r.epochs,
        lossCurve: r.lossCurve,
        evalCurve: r.evalCurve,
        meanLoss: r.meanLoss,
        samplesPerSecond: r.samplesPerSecond,
        warnings: r.warnings,
        source: r.source,
      },
    });
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
      const { wallSeconds, tokensPerSecond: tps, finalLoss, ...extra } = toRunResultFields(run);
      // Every imported field is replaced, empty where these files say nothing: a value left from an earlier
      // import (or typed before it) would be recorded as if these files had said it (issue 11 item 4).
      setForm({
        ...form,
        wallHours: wallSeconds == null ? null : wallSeconds / 3600,
        tokensPerSecond: tps ?? null,
        finalLoss: finalLoss ?? null,
        extra: {
          steps: extra.steps ?? null,
          epochs: extra.epochs ?? null,
          lossCurve: extra.lossCurve ?? [],
          evalCurve: extra.evalCurve ?? [],
          meanLoss: extra.meanLoss ?? null,
          samplesPerSecond: extra.samplesPerSecond ?? null,
          warnings: extra.warnings ?? [],
          source: run.source,
        },
      });
      setMessage(
        `Read ${parsed.found.join(' and ')}: wall time, throughput, loss and ${run.lossCurve.length} loss points filled in${run.evalCurve.length ? ` (and ${run.evalCurve.length} eval loss points)` : ''}. Add the peak memory, then record the run.`,
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
  const curve = runs.find((r) => r.id === curveRun) ?? [...runs].reverse().find((r) => r.result.lossCurve.length > 0);
  const planGpu = gpuKeyOf(report.plan.gpu);

  return (
    <div className="runs">
      {runs.length === 0 ? (
        <p className="empty">No runs recorded yet.</p>
      ) : (
        <div className="table-wrap">
          <table className="comparison runs-table" aria-label="Recorded runs">
            <thead>
              <tr>
                {[
                  'Technique',
                  'GPU',
                  'Peak measured',
                  'Predicted',
                  'Error',
                  'Wall measured',
                  'Predicted',
                  'tok/s measured',
                  'Predicted',
                  'Final loss',
                  'Mean loss',
                  'samples/s',
                  'Warnings',
                  '',
                ].map((h, i) => (
                  <th key={i} scope="col">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {runs.map((run, i) => {
                const c = comparisons[i]!;
                return (
                  <tr key={run.id}>
                    <th scope="row">{TECHNIQUE_LABELS[run.result.technique]}</th>
                    <td>
                      {run.result.gpuCount} × {run.result.gpuName}
                    </td>
                    <td className="num">
                      {c.measuredMemoryBytes === null
                        ? '—'
                        : `${gib(c.measuredMemoryBytes)} (${run.result.memoryCounter})`}
                    </td>
                    <td className="num">{c.predictedMemoryBytes === null ? '—' : gib(c.predictedMemoryBytes)}</td>
                    <td className="num" data-testid="memory-error">
                      {pct(c.memoryErrorPercent)}
                    </td>
                    <td className="num">{c.measuredWallSeconds === null ? '—' : duration(c.measuredWallSeconds)}</td>
                    <td className="num">{c.predictedWallSeconds === null ? '—' : duration(c.predictedWallSeconds)}</td>
                    <td className="num">
                      {c.measuredTokensPerSecond === null ? '—' : tokensPerSecond(c.measuredTokensPerSecond)}
                    </td>
                    <td className="num">
                      {c.predictedTokensPerSecond === null ? '—' : tokensPerSecond(c.predictedTokensPerSecond)}
                    </td>
                    <td className="num">{run.result.finalLoss ?? '—'}</td>
                    <td className="num">{run.result.meanLoss ?? '—'}</td>
                    <td className="num">{run.result.samplesPerSecond ?? '—'}</td>
                    <td>
                      {run.result.warnings.length === 0 ? (
                        '—'
                      ) : (
                        <details>
                          <summary>
                            {run.result.warnings.length} warning{run.result.warnings.length === 1 ? '' : 's'}
                          </summary>
                          <ul>
                            {run.result.warnings.map((w, j) => (
                              <li key={j}>{w}</li>
                            ))}
                          </ul>
                        </details>
                      )}
                    </td>
                    <td>
                      <button type="button" className="link" onClick={() => edit(run)}>
                        Edit
                      </button>
                      <button
                        type="button"
                        className="link"
                        onClick={() => setCurveRun(run.id)}
                        disabled={run.result.lossCurve.length === 0}
                      >
                        Loss
                      </button>
                      <button
                        type="button"
                        className="link"
                        onClick={() => void remove(run)}
                        aria-label={`Delete run ${i + 1}`}
                      >
                        Delete
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {undo ? (
        <p role="status">
          Run deleted.{' '}
          <button type="button" onClick={() => void restore()}>
            Undo
          </button>
        </p>
      ) : null}

      <fieldset className="run-form">
        <legend>{form.id ? 'Edit run' : 'Record a run'}</legend>
        <div className="grid">
          <SelectField
            label="Technique used"
            value={String(form.techniqueIndex)}
            onChange={(v) => setForm({ ...form, techniqueIndex: Number(v) })}
            options={plan.techniques.map((t, i) => ({
              value: String(i),
              label: `${i + 1}. ${TECHNIQUE_LABELS[t.kind]}`,
            }))}
          />
          <TextField
            label="GPU"
            value={form.gpuName}
            onChange={(gpuName) => setForm({ ...form, gpuName })}
            error={errors.gpuName}
          />
          <NumberField
            label="GPU count"
            value={form.gpuCount}
            onChange={(v) => setForm({ ...form, gpuCount: v ?? Number.NaN })}
            error={errors.gpuCount}
            step={1}
          />
          <NumberField
            label="Peak memory per GPU"
            unit="GiB"
            nullable
            value={form.peakGiB}
            onChange={(peakGiB) => setForm({ ...form, peakGiB })}
            error={errors.peakMemoryBytes}
          />
          <SelectField
            label="Memory counter"
            value={form.memoryCounter}
            onChange={(memoryCounter) => setForm({ ...form, memoryCounter })}
            options={[
              { value: 'reserved', label: 'torch max_memory_reserved' },
              { value: 'allocated', label: 'torch max_memory_allocated' },
              { value: 'nvidia-smi', label: 'nvidia-smi' },
            ]}
          />
          <NumberField
            label="Wall time"
            unit="h"
            nullable
            value={form.wallHours}
            onChange={(wallHours) => setForm({ ...form, wallHours })}
            error={errors.wallSeconds}
          />
          <NumberField
            label="Throughput"
            unit="tok/s"
            nullable
            value={form.tokensPerSecond}
            onChange={(v) => setForm({ ...form, tokensPerSecond: v })}
            error={errors.tokensPerSecond}
          />
          <NumberField
            label="Cost"
            unit="USD"
            nullable
            value={form.costUsd}
            onChange={(costUsd) => setForm({ ...form, costUsd })}
            error={errors.costUsd}
          />
          <NumberField
            label="Final loss"
            nullable
            value={form.finalLoss}
            onChange={(finalLoss) => setForm({ ...form, finalLoss })}
            error={errors.finalLoss}
          />
          <TextField
            label="Run notes"
            value={form.notes}
            onChange={(notes) => setForm({ ...form, notes })}
            error={errors.notes}
          />
        </div>
        <div className="actions">
          <label className="file-button">
            Import trainer_state.json…
            <input
              type="file"
              multiple
              accept=".json,.jsonl,application/json"
              className="visually-hidden"
              onChange={(e) => e.target.files && void importTrainer(e.target.files)}
            />
          </label>
          <button type="button" className="primary" onClick={() => void save()}>
            {form.id ? 'Update run' : 'Record run'}
          </button>
          {form.id ? (
            <button type="button" onClick={() => setForm(emptyForm(plan, gpuName))}>
              Cancel edit
            </button>
          ) : null}
        </div>
        <p className="hint">
          Reads trainer_state.json, train_results.json, all_results.json, eval_results.json (Hugging Face Trainer, TRL)
          or LLaMA-Factory&apos;s trainer_log.jsonl.
        </p>
        {message ? (
          <p className="hint" role="status" id={`${id}-msg`}>
            {message}
          </p>
        ) : null}
        {form.extra.source !== 'manual' ? (
          <p className="hint" data-testid="imported-details">
            Imported: {form.extra.steps ?? '—'} steps, {form.extra.epochs ?? '—'} epochs, mean loss{' '}
            {form.extra.meanLoss ?? '—'}, {form.extra.samplesPerSecond ?? '—'} samples/s,{' '}
            {form.extra.lossCurve?.length ?? 0} loss and {form.extra.evalCurve?.length ?? 0} eval loss points.
          </p>
        ) : null}
        {form.extra.warnings?.length ? (
          <ul className="hint" aria-label="Import warnings">
            {form.extra.warnings.map((w, i) => (
              <li key={i}>{w}</li>
            ))}
          </ul>
        ) : null}
      </fieldset>

      {factors.length > 0 ? (
        <section aria-label="Calibration">
          <h3>Calibration</h3>
          <table className="comparison">
            <thead>
              <tr>
                <th scope="col">Technique on GPU</th>
                <th scope="col">Memory factor</th>
                <th scope="col">Throughput factor</th>
              </tr>
            </thead>
            <tbody>
              {factors.map((f) => (
                <tr key={`${f.technique}|${f.gpuKey}`}>
                  <th scope="row">
                    {TECHNIQUE_LABELS[f.technique as keyof typeof TECHNIQUE_LABELS] ?? f.technique} on {f.gpuKey}
                  </th>
                  <td className="num">
                    {f.memoryFactor === null
                      ? '—'
                      : `× ${f.memoryFactor.toFixed(3)} (${f.memoryRuns} run${f.memoryRuns === 1 ? '' : 's'})`}
                  </td>
                  <td className="num">
                    {f.throughputFactor === null
                      ? '—'
                      : `× ${f.throughputFactor.toFixed(3)} (${f.throughputRuns} run${f.throughputRuns === 1 ? '' : 's'})`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <label className="inline">
            <input type="checkbox" checked={calibrated} onChange={(e) => setCalibrated(e.target.checked)} /> Show
            calibrated estimates for this plan
          </label>
          {calibrated ? (
            <ul className="calibrated" aria-label="Calibrated estimates">
              {report.techniques.map((t) => {
                const f = factorFor(factors, t.technique, planGpu);
                if (!f)
                  return (
                    <li key={t.index}>
                      {t.label}: no run on {report.plan.gpu} to calibrate with.
                    </li>
                  );
                return (
                  <li key={t.index}>
                    {t.label}: peak{' '}
                    {f.memoryFactor === null
                      ? gib(t.memory.reservedBytes)
                      : gib(t.memory.reservedBytes * f.memoryFactor)}{' '}
                    (uncalibrated {gib(t.memory.reservedBytes)}, {f.memoryRuns} run{f.memoryRuns === 1 ? '' : 's'}),{' '}
                    {f.throughputFactor === null
                      ? tokensPerSecond(t.tokensPerSecond)
                      : tokensPerSecond(t.tokensPerSecond * f.throughputFactor)}{' '}
                    (uncalibrated {tokensPerSecond(t.tokensPerSecond)}, {f.throughputRuns} run
                    {f.throughputRuns === 1 ? '' : 's'})
                  </li>
                );
              })}
            </ul>
          ) : null}
        </section>
      ) : null}

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
      {curve && curve.result.lossCurve.length > 0 ? (
        <figure className="chart" data-chart="loss-curve">
          <figcaption>
            Training loss by step{curve.result.evalCurve.length ? ' and eval loss' : ''} (
            {TECHNIQUE_LABELS[curve.result.technique]} run)
          </figcaption>
          <LineChart
            width={420}
            height={260}
            data={lossChartData(curve.result.lossCurve, curve.result.evalCurve)}
            margin={{ top: 10, right: 20, bottom: 20, left: 10 }}
          >
            <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
            <XAxis
              dataKey="step"
              type="number"
              domain={['dataMin', 'dataMax']}
              name="step"
              tick={{ fill: 'var(--muted)', fontSize: 12 }}
              label={{ value: 'step', position: 'insideBottom', offset: -10, fill: 'var(--muted)' }}
            />
            <YAxis tick={{ fill: 'var(--muted)', fontSize: 12 }} width={50} />
            <Tooltip />
            <Legend />
            <Line dataKey="loss" name="loss" stroke="#D55E00" dot={false} isAnimationActive={false} connectNulls />
            {curve.result.evalCurve.length ? (
              <Line
                dataKey="evalLoss"
                name="eval loss"
                stroke="#0072B2"
                strokeDasharray="5 3"
                dot={{ r: 2 }}
                isAnimationActive={false}
                connectNulls
              />
            ) : null}
          </LineChart>
        </figure>
      ) : null}
    </div>
  );
}
