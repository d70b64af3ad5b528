/** The Runs tab's charts: estimate against measurement, and a recorded run's loss curve. */
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
import type { RunResult } from '../../shared/domain/run-result';
import { TECHNIQUE_LABELS } from '../../shared/estimate/techniques';
import { lossChartData } from './loss-chart-data';

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
        <YAxis tick={{ fill: 'var(--muted)', fontSize: 12 }} width={50} />
        <Tooltip />
        <Legend />
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
