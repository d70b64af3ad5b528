/**
 * The token-length histogram with the plan's sequence length marked (recharts). The x axis is numeric so the
 * sequence length can sit past the longest example; each bar spans its bin [start, end).
 */
import { useEffect, useRef, useState } from 'react';
import { Bar, BarChart, CartesianGrid, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import { count } from '../../format';
import { axisTicks, displayRows, histogramDomain, type HistogramRow } from './data-view';

/** The width before the figure is measured (happy-dom measures 0); the figure's padding is subtracted after. */
const WIDTH = 520;
const HEIGHT = 220;
const MARGIN = { top: 16, right: 24, bottom: 24, left: 8 };
const Y_AXIS_WIDTH = 48;
const axis = { fill: 'var(--muted)', fontSize: 12 };

function useWidth(ref: React.RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(WIDTH);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const update = () => {
      const w = el.clientWidth - 20;
      if (w > 0) setWidth(Math.round(Math.min(900, Math.max(280, w)) / 10) * 10);
    };
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

export function LengthHistogram({ rows, seqLen }: { rows: HistogramRow[]; seqLen: number }) {
  const ref = useRef<HTMLElement>(null);
  const width = useWidth(ref);
  const { max, showsSeqLen } = histogramDomain(rows, seqLen);
  const bars = displayRows(rows, max);
  const binWidth = bars.length ? bars[0]!.end - bars[0]!.start : 1;
  const plotWidth = width - MARGIN.left - MARGIN.right - Y_AXIS_WIDTH;
  // A numeric axis has no bands: each bar gets its bin's width in pixels, less a 1 px gap.
  const barSize = Math.max(1, Math.floor((plotWidth * binWidth) / Math.max(1, max)) - 1);
  return (
    <figure className="chart data-histogram" ref={ref} data-chart="token-lengths">
      <figcaption>
        <span>Tokens per example</span>
        <span className="data-muted">
          {showsSeqLen
            ? `dashed line: sequence length ${count(seqLen)}`
            : `sequence length ${count(seqLen)}: past the longest example`}
        </span>
      </figcaption>
      <BarChart width={width} height={HEIGHT} data={bars} margin={MARGIN}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" vertical={false} />
        <XAxis
          dataKey="mid"
          type="number"
          domain={[0, max]}
          ticks={axisTicks(max)}
          tick={axis}
          stroke="var(--border)"
          label={{ value: 'tokens', position: 'insideBottomRight', offset: -12, fill: 'var(--muted)', fontSize: 12 }}
        />
        <YAxis width={Y_AXIS_WIDTH} tick={axis} stroke="var(--border)" allowDecimals={false} />
        <Tooltip
          cursor={{ fill: 'var(--border)', opacity: 0.4 }}
          contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', color: 'var(--text)' }}
          labelFormatter={(_, payload) => {
            const row = payload[0]?.payload as HistogramRow | undefined;
            return row ? `${count(row.start)}–${count(row.end)} tokens` : '';
          }}
          formatter={(v) => [count(Number(v)), 'examples']}
        />
        <Bar dataKey="count" name="examples" fill="var(--accent)" barSize={barSize} isAnimationActive={false} />
        {showsSeqLen ? (
          <ReferenceLine
            x={seqLen}
            stroke="var(--danger)"
            strokeDasharray="6 3"
            strokeWidth={2}
            ifOverflow="extendDomain"
            label={{
              value: `sequence length ${count(seqLen)}`,
              position: 'insideTopRight',
              fill: 'var(--danger)',
              fontSize: 12,
            }}
          />
        ) : null}
      </BarChart>
      <details className="chart-table">
        <summary>Data table</summary>
        <table className="data-table">
          <caption className="visually-hidden">Examples per token-length bin</caption>
          <thead>
            <tr>
              <th scope="col">Tokens</th>
              <th scope="col">Examples</th>
            </tr>
          </thead>
          <tbody>
            {rows
              .filter((r) => r.count > 0)
              .map((r) => (
                <tr key={r.start}>
                  <th scope="row">
                    {count(r.start)}–{count(r.end)}
                  </th>
                  <td>{count(r.count)}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
