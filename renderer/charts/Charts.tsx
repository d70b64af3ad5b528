import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  ErrorBar,
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
import { GiB, usd, usdTick } from '../format';
import { fitState, type FitState } from '../../shared/estimate/advice';
import { errorBarSpan, hasPhases, legendOrder, memoryRows, paramsRows, sweepRows, timeCostRows } from './chart-data';
import { savePng, saveSvg } from './chart-export';
import { partColor, TECHNIQUE_COLORS } from './colors';
import { PhaseChart } from './PhaseChart';
import { usePrefersDark } from './use-color-scheme';
import { logTicks, niceTicks, timeUnit } from './ticks';

/** The chart width when the panel cannot be measured (happy-dom measures 0; the first render before layout). */
const WIDTH = 620;
const HEIGHT = 300;
/** A figure's border and padding (styles.css `.chart`): the SVG is this much narrower than the panel. */
const FIGURE_CHROME = 20;
const axis = { fill: 'var(--muted)', fontSize: 12 };
/** Legend labels in the text colour (the swatch carries the series colour), readable in both themes. */
const legendText = (value: unknown) => <span style={{ color: 'var(--text)' }}>{String(value)}</span>;
const fmt = (v: unknown, digits = 1) =>
  typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: digits }) : String(v);
/** Tick labels without float noise: 0.30000000000000004 → "0.3". */
const tickText = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 3 });
/** A technique that does not fit is greyed in the charts as in the table (issue 14.1): it never looks like a winner. */
const DIMMED = 0.35;
const opacity = (fit: FitState) => (fit === 'does-not-fit' ? DIMMED : 1);

/**
 * An x-axis tick naming the technique, with " ✗" for one that does not fit (not by colour alone, docs UI.md).
 * Recharts passes x, y and payload.value to a custom tick (recharts 3 CartesianAxis `renderTickItem`).
 */
function techniqueTick(fits: Map<string, FitState>, angle = 0) {
  function TechniqueTick(props: { x?: number | string; y?: number | string; payload?: { value?: unknown } }) {
    const value = props.payload?.value;
    const label = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
    const over = fits.get(label) === 'does-not-fit';
    return (
      <text
        x={Number(props.x ?? 0)}
        y={Number(props.y ?? 0)}
        dy={angle ? 4 : 14}
        textAnchor={angle ? 'end' : 'middle'}
        transform={angle ? `rotate(${angle}, ${Number(props.x ?? 0)}, ${Number(props.y ?? 0)})` : undefined}
        fill="var(--muted)"
        fontSize={12}
      >
        {label}
        {over ? ' ✗' : ''}
        {over ? <title>does not fit</title> : null}
      </text>
    );
  }
  return TechniqueTick;
}

/** Charts of a few bars read badly wider than this; the time and cost pair takes the whole panel (issue 20). */
const MAX_WIDTH = 900;
/**
 * A reference line's label sits in the plot's right margin, never on the bars or lines (issue 20): the margin is the
 * label's width at 12 px (about 7 px a character in the UI font) plus the label offset (recharts Label, 5 px).
 */
const labelMargin = (...labels: string[]) => 12 + 7 * Math.max(...labels.map((l) => l.length));

/** The width the charts get: the panel's, measured, at least 300 px (the fixed WIDTH until measured). */
function useChartWidth(ref: React.RefObject<HTMLDivElement | null>): number {
  const [width, setWidth] = useState(WIDTH);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const update = () => {
      const w = el.clientWidth;
      // Whole steps of 10 px, so a resize drag does not redraw every chart on every pixel.
      if (w > 0) setWidth(Math.floor(Math.max(300, w - FIGURE_CHROME) / 10) * 10);
    };
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

/**
 * `legendOrder(keys)` as one function while the keys stay the same. recharts 3 copies a Legend's `itemSorter` into its
 * chart store from a layout effect keyed on the function's identity: a new sorter each render re-sorts the legend and
 * re-renders the whole chart synchronously before the browser paints (it doubled the input → chart time of an
 * 8-technique plan, tests/bench).
 */
export function useLegendOrder(keys: readonly string[]): ReturnType<typeof legendOrder> {
  const joined = keys.join('\n');
  return useMemo(() => legendOrder(joined === '' ? [] : joined.split('\n')), [joined]);
}

export function ChartCard({
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

export function DataTable({
  caption,
  head,
  rows,
}: {
  caption: string;
  head: string[];
  rows: Array<Array<string | number>>;
}) {
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
  width = WIDTH,
}: {
  report: EstimateReport;
  capacityGiB: number;
  usableGiB: number;
  width?: number;
}) {
  const rows = memoryRows(report);
  // The reference model's indigo has a lighter twin on the dark panel (colors.ts PART_COLORS_DARK).
  const dark = usePrefersDark();
  const parts = PART_KEYS.filter((k) => rows.some((r) => r[k] > 0));
  const partOrder = useLegendOrder(parts);
  const cpu = report.device.kind === 'cpu';
  const ticks = niceTicks(Math.max(capacityGiB, ...rows.map((r) => r.highGiB)));
  const top = parts[parts.length - 1];
  const fits = new Map(rows.map((r) => [r.technique, r.fit]));
  const capacityLabel = `${cpu ? 'RAM' : 'GPU'} ${capacityGiB.toFixed(0)} GiB`;
  const usableLabel = `usable ${usableGiB.toFixed(0)} GiB`;
  return (
    <ChartCard
      title={
        cpu
          ? 'Peak memory by part (GiB, rough CPU estimate; bars: low–high)'
          : 'Peak memory per GPU by part (GiB; bars: low–high)'
      }
      name="memory-breakdown"
      table={
        <DataTable
          caption={cpu ? 'Peak memory by part, GiB' : 'Peak memory per GPU by part, GiB'}
          head={['Technique', ...parts.map((p) => `${PART_LABELS[p]} (GiB)`), 'Total (GiB)', 'Low (GiB)', 'High (GiB)']}
          rows={rows.map((r) => [
            r.technique,
            ...parts.map((p) => r[p].toFixed(2)),
            r.totalGiB.toFixed(2),
            r.lowGiB.toFixed(2),
            r.highGiB.toFixed(2),
          ])}
        />
      }
    >
      {/* The right margin holds the two reference-line labels, outside the bars they would otherwise cover. */}
      {/*
        Keyed by the parts shown: recharts 3 stacks bars in the order they mount, so a part that appears later (logits
        after an edit) would otherwise stack on top, out of PART_KEYS order, and the error bar (on the last part) would
        sit below the real top of the stack.
      */}
      <BarChart
        key={parts.join(',')}
        width={width}
        height={HEIGHT + 60}
        data={rows}
        margin={{ top: 16, right: labelMargin(capacityLabel, usableLabel), bottom: 8, left: 8 }}
      >
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis dataKey="technique" tick={techniqueTick(fits)} interval={0} />
        <YAxis
          tick={axis}
          tickFormatter={(v: number) => `${tickText(v)} GiB`}
          width={72}
          ticks={ticks}
          domain={[0, ticks[ticks.length - 1]!]}
          interval={0}
        />
        <Tooltip
          formatter={(v, n) => [`${fmt(v, 2)} GiB`, n]}
          contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} formatter={legendText} itemSorter={partOrder} />
        {parts.map((p) => (
          <Bar
            key={p}
            dataKey={p}
            name={PART_LABELS[p]}
            stackId="m"
            fill={partColor(p, dark)}
            isAnimationActive={false}
          >
            {p === top ? (
              // On the top of the stack: recharts gives a stacked bar's error bar the stack's end as its value.
              <ErrorBar
                dataKey="span"
                width={6}
                strokeWidth={1.5}
                stroke="var(--text)"
                direction="y"
                isAnimationActive={false}
              />
            ) : null}
          </Bar>
        ))}
        <ReferenceLine
          y={capacityGiB}
          stroke="var(--danger)"
          strokeDasharray="6 3"
          label={{
            value: capacityLabel,
            fill: 'var(--danger)',
            fontSize: 12,
            position: 'right',
            // Nudged apart: capacity and usable lines are often close (10 % headroom).
            dy: -7,
          }}
        />
        <ReferenceLine
          y={usableGiB}
          stroke="var(--warn)"
          strokeDasharray="2 3"
          label={{
            value: usableLabel,
            fill: 'var(--warn)',
            fontSize: 12,
            position: 'right',
            dy: 7,
          }}
        />
      </BarChart>
    </ChartCard>
  );
}

/** One bar per technique, in the technique's colour (half-width, for side-by-side pairs). */
/** A time-or-cost bar per technique: `value` in the axis unit, with the low–high span where there is one. */
interface TechniqueBarRow {
  technique: string;
  kind: string;
  fit: FitState;
  value: number | null;
  span?: [number, number];
}

/** One bar per technique, in the technique's colour (half-width, for side-by-side pairs). */
function TechniqueBars({
  rows,
  name,
  format,
  tick,
  width,
}: {
  rows: TechniqueBarRow[];
  name: string;
  format: (v: number) => string;
  tick: (v: number) => string;
  width: number;
}) {
  const ticks = niceTicks(Math.max(0, ...rows.map((r) => (r.value ?? 0) + (r.span?.[1] ?? 0))), 5);
  const fits = new Map(rows.map((r) => [r.technique, r.fit]));
  return (
    <BarChart width={width} height={HEIGHT} data={rows} margin={{ top: 16, right: 8, bottom: 8, left: 8 }}>
      <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
      {/* Slanted labels only where four or more technique names cannot sit side by side. */}
      <XAxis
        dataKey="technique"
        tick={techniqueTick(fits, width / Math.max(1, rows.length) < 110 ? -30 : 0)}
        interval={0}
        height={width / Math.max(1, rows.length) < 110 ? 60 : 30}
      />
      <YAxis
        tick={axis}
        tickFormatter={tick}
        width={64}
        ticks={ticks}
        domain={[0, ticks[ticks.length - 1]!]}
        interval={0}
      />
      <Tooltip
        formatter={(v, _n, item) => [
          `${typeof v === 'number' ? format(v) : String(v)}` +
            `${(item.payload as TechniqueBarRow).fit === 'does-not-fit' ? ' (does not fit)' : ''}`,
          name,
        ]}
        contentStyle={{ background: 'var(--panel)' }}
      />
      <Bar dataKey="value" name={name} isAnimationActive={false}>
        {rows.map((r) => (
          <Cell
            key={r.technique}
            fill={TECHNIQUE_COLORS[r.kind as keyof typeof TECHNIQUE_COLORS]}
            fillOpacity={opacity(r.fit)}
          />
        ))}
        {rows.some((r) => r.span) ? (
          <ErrorBar
            dataKey="span"
            width={6}
            strokeWidth={1.5}
            stroke="var(--text)"
            direction="y"
            isAnimationActive={false}
          />
        ) : null}
      </Bar>
    </BarChart>
  );
}

export function TimeCostCharts({ report, width = WIDTH }: { report: EstimateReport; width?: number }) {
  const rows = timeCostRows(report);
  const priced = rows.every((r) => r.costUsd !== null);
  const unit = timeUnit(Math.max(...rows.map((r) => r.hoursHigh * 3600)));
  const perUnit = 3600 / unit.seconds;
  const timeRows: TechniqueBarRow[] = rows.map((r) => ({
    technique: r.technique,
    kind: r.kind,
    fit: r.fit,
    value: r.hours * perUnit,
    span: errorBarSpan(r.hours * perUnit, r.hoursLow * perUnit, r.hoursHigh * perUnit),
  }));
  const costRows: TechniqueBarRow[] = rows.map((r) => ({
    technique: r.technique,
    kind: r.kind,
    fit: r.fit,
    value: r.costUsd,
  }));
  // Side by side when there is room for two readable charts, else one under the other.
  const each = priced && width >= 560 ? Math.floor(width / 2) : width;
  const rough = report.device.rough ? ', rough CPU estimate' : '';
  return (
    <ChartCard
      title={
        priced
          ? `Wall time (${unit.label}${rough}; bars: low–high) and cost (USD) per technique`
          : `Wall time (${unit.label}${rough}; bars: low–high) per technique (cost: price unknown)`
      }
      name="time-cost"
      table={
        <DataTable
          caption="Wall time and cost per technique"
          head={['Technique', 'Wall time (h)', 'Low (h)', 'High (h)', 'Cost (USD)', 'Throughput (tok/s)']}
          rows={rows.map((r) => [
            r.technique,
            r.hours.toFixed(2),
            r.hoursLow.toFixed(2),
            r.hoursHigh.toFixed(2),
            r.costUsd === null ? 'unknown price' : usd(r.costUsd),
            Math.round(r.tokensPerSecond),
          ])}
        />
      }
    >
      <div className="chart-pair">
        <TechniqueBars
          rows={timeRows}
          name={`Wall time (${unit.label})`}
          format={(v) => `${fmt(v, 2)} ${unit.label}`}
          tick={(v) => `${tickText(v)} ${unit.label}`}
          width={each}
        />
        {priced ? (
          <TechniqueBars rows={costRows} name="Cost (USD)" format={(v) => usd(v)} tick={usdTick} width={each} />
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
  width = WIDTH,
}: {
  plan: Plan;
  report: EstimateReport;
  axisKey: 'seqLen' | 'microBatch';
  usableGiB: number;
  width?: number;
}) {
  const rows = sweepRows(plan, axisKey);
  const label = axisKey === 'seqLen' ? 'sequence length (tokens)' : 'micro-batch (sequences)';
  const yTicks = niceTicks(
    Math.max(usableGiB, ...rows.flatMap((r) => report.techniques.map((t) => r[`t${t.index}`] ?? 0))),
  );
  const usableLabel = `usable ${usableGiB.toFixed(0)} GiB`;
  const techniqueOrder = useLegendOrder(report.techniques.map((t) => `t${t.index}`));
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
      <LineChart
        width={width}
        height={HEIGHT}
        data={rows}
        margin={{ top: 16, right: labelMargin(usableLabel), bottom: 8, left: 8 }}
      >
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
        <YAxis
          tick={axis}
          tickFormatter={(v: number) => `${tickText(v)} GiB`}
          width={72}
          ticks={yTicks}
          domain={[0, yTicks[yTicks.length - 1]!]}
          interval={0}
        />
        <Tooltip
          formatter={(v, n) => [`${fmt(v, 2)} GiB`, n]}
          labelFormatter={(x) => `${label}: ${typeof x === 'number' || typeof x === 'string' ? x : ''}`}
          contentStyle={{ background: 'var(--panel)' }}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} formatter={legendText} itemSorter={techniqueOrder} />
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
            value: usableLabel,
            fill: 'var(--danger)',
            fontSize: 12,
            // In the right margin, beside the plot: inside it the label sat on the lines (issue 20).
            position: 'right',
          }}
        />
      </LineChart>
    </ChartCard>
  );
}

export function ParamsChart({ report, width = WIDTH }: { report: EstimateReport; width?: number }) {
  const rows = paramsRows(report);
  const ticks = logTicks(Math.min(...rows.map((r) => r.trainable)), Math.max(...rows.map((r) => r.trainable)));
  const fits = new Map(report.techniques.map((t) => [t.label, fitState(t)]));
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
      <BarChart width={width} height={HEIGHT} data={rows} margin={{ top: 16, right: 24, bottom: 8, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis dataKey="technique" tick={techniqueTick(fits)} interval={0} />
        <YAxis
          tick={axis}
          scale="log"
          ticks={ticks}
          domain={[ticks[0]!, ticks[ticks.length - 1]!]}
          interval={0}
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
  const ref = useRef<HTMLDivElement>(null);
  const panelWidth = useChartWidth(ref);
  const width = Math.min(MAX_WIDTH, panelWidth);
  const t0 = report.techniques[0];
  const capacityGiB = (t0?.fit.capacityBytes ?? 0) / GiB;
  const usableGiB = (t0?.fit.usableBytes ?? 0) / GiB;
  return (
    <div className="charts" ref={ref}>
      <div className="segmented" role="group" aria-label="Chart">
        {CHARTS.map(([id, label]) => (
          <button key={id} type="button" aria-pressed={chart === id} onClick={() => setChart(id)}>
            {label}
          </button>
        ))}
      </div>
      {chart === 'memory' ? (
        <MemoryChart report={report} capacityGiB={capacityGiB} usableGiB={usableGiB} width={width} />
      ) : null}
      {chart === 'timeCost' ? <TimeCostCharts report={report} width={panelWidth} /> : null}
      {/* Generation, reference and update (issue 19): only when the objective splits the run into phases. */}
      {chart === 'timeCost' && hasPhases(report) ? <PhaseChart report={report} width={width} /> : null}
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
          <SweepChart plan={plan} report={report} axisKey={axisKey} usableGiB={usableGiB} width={width} />
        </>
      ) : null}
      {chart === 'params' ? <ParamsChart report={report} width={width} /> : null}
    </div>
  );
}
