import { fitState } from '../../../shared/estimate/advice';
import type { EstimateReport, TechniqueEstimate } from '../../../shared/estimate/estimate';
import { SOURCES } from '../../../shared/estimate/sources';
import { LinkedText } from '../../components/linked-text';
import { count, duration, gib, usd } from '../../format';
import { durationRangeText, fitText, memoryRangeText, memoryText } from './summary';

function valueText(value: number | null, unit: string): string {
  if (value === null) return 'unknown';
  switch (unit) {
    case 'bytes':
      return gib(value, 2);
    case 'seconds':
      return duration(value);
    case 'USD':
      return usd(value);
    case 'ratio':
      return `${(value * 100).toFixed(1)} %`;
    case 'FLOP':
      return `${(value / 1e9).toFixed(2)} GFLOP`;
    case 'tokens/s':
      return `${count(value)} tok/s`;
    case 'GPU-hours':
      return `${value.toFixed(2)} GPU-h`;
    default:
      return `${count(value)} ${unit}`;
  }
}

/** A note's web addresses as links (the cost note names where providers publish prices, issue 20). */
export { LinkedText };

/** The low–high range of an explained figure, where the estimate gives one (issue 15 §8). */
function rangeOf(key: string, t: TechniqueEstimate, device: EstimateReport['device']): string | null {
  switch (key) {
    case 'memory.peak': // its value is the reserved peak (shared/estimate/explain.ts explainPeak)
      return memoryRangeText(t.memory.low.reservedBytes, t.memory.high.reservedBytes, device);
    case 'memory.host':
      return t.memory.high.hostBytes > t.memory.low.hostBytes
        ? memoryRangeText(t.memory.low.hostBytes, t.memory.high.hostBytes, device)
        : null;
    case 'time.wall':
      return durationRangeText(t.wallSecondsLow, t.wallSecondsHigh);
    default:
      return null;
  }
}

/** Low / expected / high of every ranged figure of one technique, as a small table above the explanations. */
function RangeTable({ t, device }: { t: TechniqueEstimate; device: EstimateReport['device'] }) {
  const cpu = device.kind === 'cpu';
  const mem = (label: string, key: 'nvidiaSmiBytes' | 'reservedBytes' | 'allocatedBytes' | 'hostBytes') => ({
    label,
    low: memoryText(t.memory.low[key], device),
    expected: memoryText(t.memory[key], device),
    high: memoryText(t.memory.high[key], device),
  });
  const rows = [
    mem(cpu ? 'Peak memory (RAM)' : 'Peak memory per GPU (nvidia-smi)', 'nvidiaSmiBytes'),
    ...(cpu ? [] : [mem('Reserved by PyTorch', 'reservedBytes'), mem('Allocated by tensors', 'allocatedBytes')]),
    ...(!cpu && t.memory.high.hostBytes > 0 ? [mem('Host RAM', 'hostBytes')] : []),
    {
      label: device.rough ? 'Wall time (rough CPU estimate)' : 'Wall time',
      low: duration(t.wallSecondsLow),
      expected: duration(t.wallSeconds),
      high: duration(t.wallSecondsHigh),
    },
  ];
  const state = fitState(t);
  return (
    <div className="ranges">
      <p className={state === 'fits' ? 'fit-ok' : state === 'may-not-fit' ? 'fit-amber' : 'fit-bad'}>
        {t.label}: {fitText(t, device)} (usable {memoryText(t.fit.usableBytes, device)}
        {cpu ? ' of RAM' : ''}; the fit compares the peak and its high end with it).
      </p>
      <table className="data-table range-table" aria-label={`Ranges for ${t.label}`}>
        <thead>
          <tr>
            <th scope="col">Figure</th>
            <th scope="col" className="num">
              Low
            </th>
            <th scope="col" className="num">
              Expected
            </th>
            <th scope="col" className="num">
              High
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.label}>
              <th scope="row">{r.label}</th>
              <td className="num">{r.low}</td>
              <td className="num">{r.expected}</td>
              <td className="num">{r.high}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** "How is this computed?": every figure with its formula, this plan's numbers and the sources. */
export function ExplainPanel({
  report,
  techniqueIndex,
  focus,
  onTechnique,
}: {
  report: EstimateReport;
  techniqueIndex: number;
  focus: string | null;
  onTechnique: (i: number) => void;
}) {
  const t = report.techniques.find((x) => x.index === techniqueIndex) ?? report.techniques[0];
  if (!t) return null;
  // A CPU-only machine has no GPU-hours (issue 14.7): its time is the wall time above.
  const explanations = report.device.kind === 'cpu' ? t.explain.filter((e) => e.key !== 'time.gpuHours') : t.explain;
  return (
    <div className="explain">
      <label className="inline">
        Technique{' '}
        <select value={t.index} onChange={(e) => onTechnique(Number(e.target.value))}>
          {report.techniques.map((x) => (
            <option key={x.index} value={x.index}>
              {x.label}
            </option>
          ))}
        </select>
      </label>
      {t.notes.length > 0 ? (
        <ul className="notes">
          {t.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      ) : null}
      <RangeTable t={t} device={report.device} />
      <dl className="explanations">
        {explanations.map((e, i) => {
          const range = rangeOf(e.key, t, report.device);
          // The same sources as the figure just above (GRPO's batch, reference and generation all cite TRL's
          // GRPOTrainer): said once, not repeated line after line.
          const prev = explanations[i - 1]?.sources;
          const asAbove = prev !== undefined && prev.length > 0 && prev.join('|') === e.sources.join('|');
          return (
            <div
              key={e.key}
              className={focus === e.key ? 'explanation focused' : 'explanation'}
              id={`explain-${e.key}`}
              tabIndex={-1}
            >
              <dt>
                {e.label}: <strong>{valueText(e.value, e.unit)}</strong>
                {range ? <span className="range"> (range {range})</span> : null}
              </dt>
              <dd>
                <code>{e.formula}</code>
                <div className="substituted">{e.substituted}</div>
                {e.note ? (
                  <div className="hint">
                    <LinkedText text={e.note} />
                  </div>
                ) : null}
                {e.assumptions && e.assumptions.length > 0 ? (
                  <div className="assumptions">
                    Assumed (no published source; calibrate from your runs):
                    <ul>
                      {e.assumptions.map((a) => (
                        <li key={a}>{a}</li>
                      ))}
                    </ul>
                  </div>
                ) : null}
                {e.sources.length > 0 && asAbove ? (
                  <div className="sources">Sources: as above.</div>
                ) : e.sources.length > 0 ? (
                  <div className="sources">
                    Sources:{' '}
                    {e.sources.map((id, i) => (
                      <span key={id}>
                        {i > 0 ? '; ' : ''}
                        {SOURCES[id].url.startsWith('http') ? (
                          <a href={SOURCES[id].url} target="_blank" rel="noreferrer noopener">
                            {SOURCES[id].title}
                          </a>
                        ) : (
                          SOURCES[id].title
                        )}{' '}
                        ({SOURCES[id].date})
                      </span>
                    ))}
                  </div>
                ) : null}
              </dd>
            </div>
          );
        })}
      </dl>
    </div>
  );
}
