/** The Runs tab's charts: estimate against measurement, a recorded run's loss curve and its objective's curves. */
import { useState } from 'react';
import {
  Area,
  CartesianGrid,
  ComposedChart,
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
import type { RunResult } from '../../shared/domain/run-result';
import { RUN_OBJECTIVE_LABELS } from '../../shared/estimate/calibration';
import { TECHNIQUE_LABELS } from '../../shared/estimate/techniques';
import { SelectField } from '../components/fields';
import { lossChartData, metricChartData, metricViews } from './loss-chart-data';

/** Predicted (y) against measured (x) with the y = x line of a perfect estimate; nothing when there are no points. */
export function PredictedVsMeasured({
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

/** Training loss by step, with the eval loss where the run logged one; nothing for a run without a loss curve. */
export function LossCurveChart({ result }: { result: RunResult }) {
  if (result.lossCurve.length === 0) return null;
  return (
    <figure className="chart" data-chart="loss-curve">
      <figcaption>
        {`Training loss by step${result.evalCurve.length ? ' and eval loss' : ''} ` +
          `(${TECHNIQUE_LABELS[result.technique]} run)`}
      </figcaption>
      <LineChart
        width={420}
        height={260}
        data={lossChartData(result.lossCurve, result.evalCurve)}
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
        <YAxis
          tick={{ fill: 'var(--muted)', fontSize: 12 }}
          width={64}
          label={{
            // A causal LM's cross-entropy is nats per token; DPO's −log σ(margin) and GRPO's policy loss are not.
            value:
              result.objective && result.objective !== 'sft'
                ? `${RUN_OBJECTIVE_LABELS[result.objective]} loss`
                : 'loss (nats per token)',
            angle: -90,
            position: 'insideLeft',
            fill: 'var(--muted)',
            fontSize: 11,
            textAnchor: 'middle',
          }}
        />
        <Tooltip />
        <Legend wrapperStyle={{ paddingTop: 14 }} />
        <Line dataKey="loss" name="loss" stroke="#D55E00" dot={false} isAnimationActive={false} connectNulls />
        {result.evalCurve.length ? (
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
  );
}

/** Okabe–Ito, one colour per training series; an eval series takes its twin's colour, dashed. */
const SERIES_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];

/**
 * The objective's own curves of a DPO / GRPO / … run (issue 19) with a metric picker: DPO's chosen and rejected
 * rewards, margin, accuracy and log-probs; GRPO's reward ± reward_std, completion length and KL. Nothing for a run
 * that logged none (SFT, a run typed by hand).
 */
export function MetricCurvesChart({ result }: { result: RunResult }) {
  const views = metricViews(result.metricCurves);
  const [picked, setPicked] = useState<string | null>(null);
  const view = views.find((v) => v.id === picked) ?? views[0];
  if (!view) return null;
  const data = metricChartData(result.metricCurves, view);
  const objective = result.objective ? RUN_OBJECTIVE_LABELS[result.objective] : 'This';
  const trainingIndex = new Map(view.series.filter((s) => !s.eval).map((s, i) => [s.key, i]));
  const color = (key: string) =>
    SERIES_COLORS[(trainingIndex.get(key.replace(/^eval_/, '')) ?? 0) % SERIES_COLORS.length]!;
  const fmt = (v: number) =>
    `${Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(3)}${view.unit ? ` ${view.unit}` : ''}`;
  return (
    <figure className="chart" data-chart="metric-curve" data-view={view.id}>
      <figcaption>{`${objective} run: ${view.label} by step`}</figcaption>
      <SelectField
        label="Metric"
        value={view.id}
        onChange={setPicked}
        options={views.map((v) => ({ value: v.id, label: v.label }))}
      />
      <ComposedChart width={440} height={320} data={data} margin={{ top: 10, right: 20, bottom: 20, left: 10 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis
          dataKey="step"
          type="number"
          domain={['dataMin', 'dataMax']}
          name="step"
          tick={{ fill: 'var(--muted)', fontSize: 12 }}
          label={{ value: 'step', position: 'insideBottom', offset: -10, fill: 'var(--muted)' }}
        />
        <YAxis
          tick={{ fill: 'var(--muted)', fontSize: 12 }}
          width={64}
          domain={view.percent ? [0, 100] : ['auto', 'auto']}
          label={{
            value: view.axis,
            angle: -90,
            position: 'insideLeft',
            fill: 'var(--muted)',
            fontSize: 11,
            textAnchor: 'middle',
          }}
        />
        <Tooltip
          formatter={(v) =>
            Array.isArray(v)
              ? `${fmt(Number(v[0]))} to ${fmt(Number(v[1]))}`
              : typeof v === 'number'
                ? fmt(v)
                : String(v)
          }
          labelFormatter={(step) => `step ${typeof step === 'number' ? step : '—'}`}
        />
        {/* In the series' order (training, then eval), not alphabetical. */}
        <Legend itemSorter={null} wrapperStyle={{ paddingTop: 14 }} />
        {view.band ? (
          <Area
            dataKey="band"
            name="reward ± reward_std"
            stroke="none"
            fill={SERIES_COLORS[0]}
            fillOpacity={0.2}
            isAnimationActive={false}
            connectNulls
          />
        ) : null}
        {view.series.map((s) => (
          <Line
            key={s.field}
            dataKey={s.field}
            name={s.name}
            stroke={color(s.key)}
            // The first series drawn wider: a reward function's mean can equal the total reward and hide it.
            strokeWidth={s.field === 'm0' ? 3 : 1.5}
            strokeDasharray={s.eval ? '5 3' : undefined}
            dot={s.eval ? { r: 2 } : false}
            isAnimationActive={false}
            connectNulls
          />
        ))}
      </ComposedChart>
    </figure>
  );
}
