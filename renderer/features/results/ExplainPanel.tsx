import type { EstimateReport } from '../../../shared/estimate/estimate';
import { SOURCES } from '../../../shared/estimate/sources';
import { count, duration, gib, usd } from '../../format';

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
      <dl className="explanations">
        {t.explain.map((e) => (
          <div
            key={e.key}
            className={focus === e.key ? 'explanation focused' : 'explanation'}
            id={`explain-${e.key}`}
            tabIndex={-1}
          >
            <dt>
              {e.label}: <strong>{valueText(e.value, e.unit)}</strong>
            </dt>
            <dd>
              <code>{e.formula}</code>
              <div className="substituted">{e.substituted}</div>
              {e.note ? <div className="hint">{e.note}</div> : null}
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
              {e.sources.length > 0 ? (
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
        ))}
      </dl>
    </div>
  );
}
