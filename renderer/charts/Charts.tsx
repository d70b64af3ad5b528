import { useRef, useState, type ReactNode } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { Plan } from '../../shared/domain/plan';
import type { EstimateReport } from '../../shared/estimate/estimate';
import { PART_KEYS, PART_LABELS } from '../../shared/estimate/memory';
import { GiB } from '../format';
import { memoryRows, paramsRows, sweepRows, timeCostRows, type TimeCostRow } from './chart-data';
import { savePng, saveSvg } from './chart-export';
import { PART_COLORS, TECHNIQUE_COLORS } from './colors';

const WIDTH = 620;
const HEIGHT = 300;
const axis = { fill: 'var(--muted)', fontSize: 12 };
/** Legend labels in the text colour (the swatch carries the series colour), readable in both themes. */
const legendText = (value: unknown) => <span style={{ color: 'var(--text)' }}>{String(value)}</span>;
const fmt = (v: unknown, digits = 1) =>
  typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: digits }) : String(v);

function ChartCard({
  title,
  name,
  children,
  table,
}: {
  title: string;
  name: string;
  children: ReactNode;
  table: ReactNode;
}) {
  const ref = useRef<HTMLDivElement>(null);
  return (
    <figure className="chart" ref={ref} data-chart={name}>
      <figcaption>
        <span>{title}</span>
        <span className="chart-actions">
          <button type="button" className="link" onClick={() => saveSvg(ref.current, name)}>
            SVG
          </button>
          <button type="button" className="link" onClick={() => void savePng(ref.current, name)}>
            PNG
          </button>
        </span>
      </figcaption>
      {children}
      <details className="chart-table">
        <summary>Data table</summary>
        {table}
      </details>
    </figure>
  );
}

function DataTable({ caption, head, rows }: { caption: string; head: string[]; rows: Array<Array<string | number>> }) {
  return (
    <table className="data-table">
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          {head.map((h) => (
            <th key={h} scope="col">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            {r.map((c, j) =>
              j === 0 ? (
                <th key={j} scope="row">
                  {c}
                </th>
              ) : (
                <td key={j} className="num">
                  {c}
                </td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function MemoryChart({
  report,
  capacityGiB,
  usableGiB,
}: {
  report: EstimateReport;
  capacityGiB: number;
  usableGiB: number;
}) {
  const rows = memoryRows(report);
  const parts = PART_KEYS.filter((k) => rows.some((r) => r[k] > 0));
  return (
    <ChartCard
      title="Peak memory per GPU by part (GiB)"
      name="memory-breakdown"
      table={
        <DataTable
          caption="Peak memory per GPU by part, GiB"
          head={['Technique', ...parts.map((p) => `${PART_LABELS[p]} (GiB)`), 'Total (GiB)']}
          rows={rows.map((r) => [r.technique, ...parts.map((p) => r[p].toFixed(2)), r.totalGiB.toFixed(2)])}
        />
      }
    >
      <BarChart width={WIDTH} height={HEIGHT + 60} data={rows} margin={{ top: 16, right: 24, bottom: 8, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis dataKey="technique" tick={axis} />
        <YAxis
          tick={axis}
          unit=" GiB"
          width={72}
          domain={[0, (max: number) => Math.ceil(Math.max(max, capacityGiB) * 1.05)]}
        />
        <Tooltip
          formatter={(v, n) => [`${fmt(v, 2)} GiB`, n]}
          contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} formatter={legendText} />
        {parts.map((p) => (
          <Bar key={p} dataKey={p} name={PART_LABELS[p]} stackId="m" fill={PART_COLORS[p]} isAnimationActive={false} />
        ))}
        <ReferenceLine
          y={capacityGiB}
          stroke="var(--danger)"
          strokeDasharray="6 3"
          label={{
            value: `GPU ${capacityGiB.toFixed(0)} GiB`,
            fill: 'var(--danger)',
            fontSize: 12,
            position: 'insideTopRight',
          }}
        />
        <ReferenceLine
          y={usableGiB}
          stroke="var(--warn)"
          strokeDasharray="2 3"
          label={{
            value: `usable ${usableGiB.toFixed(0)} GiB`,
            fill: 'var(--warn)',
            fontSize: 12,
            position: 'insideBottomLeft',
          }}
        />
      </BarChart>
    </ChartCard>
  );
}

/** One bar per technique, in the technique's colour (half-width, for side-by-side pairs). */
function TechniqueBars({
  rows,
  dataKey,
  name,
  unit,
  format,
}: {
  rows: TimeCostRow[];
  dataKey: 'hours' | 'costUsd';
  name: string;
  unit: string;
  format: (v: unknown) => string;
}) {
  return (
    <BarChart width={WIDTH / 2} height={HEIGHT} data={rows} margin={{ top: 16, right: 8, bottom: 8, left: 8 }}>
      <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
      <XAxis dataKey="technique" tick={axis} interval={0} angle={-30} textAnchor="end" height={60} />
      <YAxis tick={axis} unit={unit} width={64} />
      <Tooltip formatter={(v) => [format(v), name]} contentStyle={{ background: 'var(--panel)' }} />
      <Bar dataKey={dataKey} name={`${name} (${unit.trim() === '$' ? 'USD' : unit.trim()})`} isAnimationActive={false}>
        {rows.map((r) => (
          <Cell key={r.technique} fill={TECHNIQUE_COLORS[r.kind as keyof typeof TECHNIQUE_COLORS]} />
        ))}
      </Bar>
    </BarChart>
  );
}

export function TimeCostCharts({ report }: { report: EstimateReport }) {
  const rows = timeCostRows(report);
  const priced = rows.every((r) => r.costUsd !== null);
  return (
    <ChartCard
      title={
        priced ? 'Wall time (h) and cost (USD) per technique' : 'Wall time (h) per technique (cost: price unknown)'
      }
      name="time-cost"
      table={
        <DataTable
          caption="Wall time and cost per technique"
          head={['Technique', 'Wall time (h)', 'Cost (USD)', 'Throughput (tok/s)']}
          rows={rows.map((r) => [
            r.technique,
            r.hours.toFixed(2),
            r.costUsd === null ? 'unknown' : r.costUsd.toFixed(2),
            Math.round(r.tokensPerSecond),
          ])}
        />
      }
    >
      <div className="chart-pair">
        <TechniqueBars rows={rows} dataKey="hours" name="Wall time" unit=" h" format={(v) => `${fmt(v, 2)} h`} />
        {priced ? (
          <TechniqueBars rows={rows} dataKey="costUsd" name="Cost" unit=" $" format={(v) => `$${fmt(v, 2)}`} />
        ) : null}
      </div>
    </ChartCard>
  );
}

export function SweepChart({
  plan,
  report,
  axisKey,
  usableGiB,
}: {
  plan: Plan;
  report: EstimateReport;
  axisKey: 'seqLen' | 'microBatch';
  usableGiB: number;
}) {
  const rows = sweepRows(plan, axisKey);
  const label = axisKey === 'seqLen' ? 'sequence length (tokens)' : 'micro-batch (sequences)';
  return (
    <ChartCard
      title={`Peak memory per GPU (GiB) against ${label}`}
      name={`memory-vs-${axisKey}`}
      table={
        <DataTable
          caption={`Peak memory against ${label}`}
          head={[label, ...report.techniques.map((t) => `${t.label} (GiB)`)]}
          rows={rows.map((r) => [r.x!, ...report.techniques.map((t) => (r[`t${t.index}`] ?? 0).toFixed(2))])}
        />
      }
    >
      <LineChart width={WIDTH} height={HEIGHT} data={rows} margin={{ top: 16, right: 24, bottom: 8, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis
          dataKey="x"
          tick={axis}
          scale="log"
          domain={['dataMin', 'dataMax']}
          type="number"
          ticks={rows.map((r) => r.x!)}
          label={{ value: label, position: 'insideBottom', offset: -4, fill: 'var(--muted)', fontSize: 12 }}
          height={40}
        />
        <YAxis tick={axis} unit=" GiB" width={72} />
        <Tooltip
          formatter={(v, n) => [`${fmt(v, 2)} GiB`, n]}
          labelFormatter={(x) => `${label}: ${typeof x === 'number' || typeof x === 'string' ? x : ''}`}
          contentStyle={{ background: 'var(--panel)' }}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} formatter={legendText} />
        {report.techniques.map((t) => (
          <Line
            key={t.index}
            dataKey={`t${t.index}`}
            name={t.label}
            stroke={TECHNIQUE_COLORS[t.technique]}
            dot
            isAnimationActive={false}
            strokeWidth={2}
          />
        ))}
        <ReferenceLine
          y={usableGiB}
          stroke="var(--danger)"
          strokeDasharray="6 3"
          label={{
            value: `usable ${usableGiB.toFixed(0)} GiB`,
            fill: 'var(--danger)',
            fontSize: 12,
            position: 'insideTopLeft',
          }}
        />
      </LineChart>
    </ChartCard>
  );
}

export function ParamsChart({ report }: { report: EstimateReport }) {
  const rows = paramsRows(report);
  return (
    <ChartCard
      title="Trainable parameters (log scale)"
      name="trainable-params"
      table={
        <DataTable
          caption="Trainable parameters per technique"
          head={['Technique', 'Trainable parameters', 'Share (%)']}
          rows={rows.map((r) => [r.technique, r.trainable.toLocaleString('en-US'), r.percent.toFixed(3)])}
        />
      }
    >
      <BarChart width={WIDTH} height={HEIGHT} data={rows} margin={{ top: 16, right: 24, bottom: 8, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis dataKey="technique" tick={axis} />
        <YAxis
          tick={axis}
          scale="log"
          domain={[1, 'auto']}
          allowDataOverflow
          width={72}
          tickFormatter={(v: number) =>
            v >= 1e9 ? `${v / 1e9}B` : v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}K` : String(v)
          }
        />
        <Tooltip
          formatter={(v) => [`${fmt(v, 0)} parameters`, 'Trainable']}
          contentStyle={{ background: 'var(--panel)' }}
        />
        <Bar dataKey="trainable" name="Trainable parameters" isAnimationActive={false}>
          {rows.map((r) => (
            <Cell key={r.technique} fill={TECHNIQUE_COLORS[r.kind as keyof typeof TECHNIQUE_COLORS]} />
          ))}
        </Bar>
      </BarChart>
    </ChartCard>
  );
}

type ChartId = 'memory' | 'timeCost' | 'sweep' | 'params';
const CHARTS: Array<[ChartId, string]> = [
  ['memory', 'Memory by part'],
  ['timeCost', 'Time and cost'],
  ['sweep', 'Memory vs length / batch'],
  ['params', 'Trainable parameters'],
];

/** One chart at a time (chosen by the buttons above it), so typing re-renders only what is on screen. */
export function ChartsPanel({ plan, report }: { plan: Plan; report: EstimateReport }) {
  const [chart, setChart] = useState<ChartId>('memory');
  const [axisKey, setAxisKey] = useState<'seqLen' | 'microBatch'>('seqLen');
  const t0 = report.techniques[0];
  const capacityGiB = (t0?.fit.capacityBytes ?? 0) / GiB;
  const usableGiB = (t0?.fit.usableBytes ?? 0) / GiB;
  return (
    <div className="charts">
      <div className="segmented" role="group" aria-label="Chart">
        {CHARTS.map(([id, label]) => (
          <button key={id} type="button" aria-pressed={chart === id} onClick={() => setChart(id)}>
            {label}
          </button>
        ))}
      </div>
      {chart === 'memory' ? <MemoryChart report={report} capacityGiB={capacityGiB} usableGiB={usableGiB} /> : null}
      {chart === 'timeCost' ? <TimeCostCharts report={report} /> : null}
      {chart === 'sweep' ? (
        <>
          <div className="segmented" role="group" aria-label="Memory sweep axis">
            <button type="button" aria-pressed={axisKey === 'seqLen'} onClick={() => setAxisKey('seqLen')}>
              against sequence length
            </button>
            <button type="button" aria-pressed={axisKey === 'microBatch'} onClick={() => setAxisKey('microBatch')}>
              against micro-batch
            </button>
          </div>
          <SweepChart plan={plan} report={report} axisKey={axisKey} usableGiB={usableGiB} />
        </>
      ) : null}
      {chart === 'params' ? <ParamsChart report={report} /> : null}
    </div>
  );
}
