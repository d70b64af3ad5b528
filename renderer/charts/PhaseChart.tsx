/**
 * The run's wall time split by what the GPUs do (issue 19): GRPO's generation (vLLM or transformers decode), the
 * reference model's forwards (or DPO's one-off precompute pass), and the policy's update — one stacked bar per
 * technique. Drawn only when the plan's objective has more than one phase (`hasPhases`); an SFT plan keeps the plain
 * time chart alone. The stack's total is the technique's wall time, the same figure as the time chart and the table.
 */
import { Bar, BarChart, CartesianGrid, Cell, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import type { EstimateReport } from '../../shared/estimate/estimate';
import { duration } from '../format';
import { PHASE_LABELS, phaseRows, type PhaseKey, type PhaseRow } from './chart-data';
import { ChartCard, DataTable, useLegendOrder } from './Charts';
import { PHASE_COLORS } from './colors';
import { niceTicks } from './ticks';
import { usePrefersDark } from './use-color-scheme';

const HEIGHT = 300;
const axis = { fill: 'var(--muted)', fontSize: 12 };
const tickText = (v: number) => v.toLocaleString('en-US', { maximumFractionDigits: 3 });
const legendText = (value: unknown) => <span style={{ color: 'var(--text)' }}>{String(value)}</span>;

/** The data table's rows: each phase with its unit (duration picks s, min, h or days), then the total. */
export function phaseTableRows(rows: PhaseRow[], phases: PhaseKey[]): string[][] {
  return rows.map((r) => [
    r.technique + (r.fit === 'does-not-fit' ? ' (does not fit)' : ''),
    ...phases.map((p) => duration(r.seconds[p])),
    duration(r.totalSeconds),
  ]);
}

export function PhaseChart({ report, width }: { report: EstimateReport; width: number }) {
  const dark = usePrefersDark();
  const { rows, unit, phases } = phaseRows(report);
  const phaseOrder = useLegendOrder(phases);
  const ticks = niceTicks(Math.max(0, ...rows.map((r) => r.totalSeconds / unit.seconds)), 5);
  const rough = report.device.rough ? ', rough CPU estimate' : '';
  return (
    <ChartCard
      title={`Wall time by phase (${unit.label}${rough}) per technique`}
      name="time-phases"
      table={
        <DataTable
          caption="Wall time by phase per technique"
          head={['Technique', ...phases.map((p) => PHASE_LABELS[p]), 'Total']}
          rows={phaseTableRows(rows, phases)}
        />
      }
    >
      {/* Keyed by the phases shown, as the memory chart: recharts stacks bars in the order they mount. */}
      <BarChart
        key={phases.join(',')}
        width={width}
        height={HEIGHT + 40}
        data={rows}
        margin={{ top: 16, right: 8, bottom: 8, left: 8 }}
      >
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" />
        <XAxis
          dataKey="technique"
          tick={axis}
          interval={0}
          tickFormatter={(v: string) => {
            const over = rows.find((r) => r.technique === v)?.fit === 'does-not-fit';
            return over ? `${v} ✗` : v;
          }}
        />
        <YAxis
          tick={axis}
          tickFormatter={(v: number) => `${tickText(v)} ${unit.label}`}
          width={64}
          ticks={ticks}
          domain={[0, ticks[ticks.length - 1]!]}
          interval={0}
        />
        <Tooltip
          formatter={(_v, name, item) => {
            const row = item.payload as PhaseRow;
            const key = item.dataKey as PhaseKey;
            return [duration(row.seconds[key]), name];
          }}
          contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)' }}
        />
        <Legend wrapperStyle={{ fontSize: 12 }} formatter={legendText} itemSorter={phaseOrder} />
        {phases.map((p) => (
          <Bar
            key={p}
            dataKey={p}
            name={PHASE_LABELS[p]}
            stackId="phases"
            fill={dark ? PHASE_COLORS[p].dark : PHASE_COLORS[p].light}
            isAnimationActive={false}
          >
            {/* A technique that does not fit is greyed as in the other charts: it never looks like a winner. */}
            {rows.map((r) => (
              <Cell key={r.technique} fillOpacity={r.fit === 'does-not-fit' ? 0.35 : 1} />
            ))}
          </Bar>
        ))}
      </BarChart>
    </ChartCard>
  );
}
