import type { EstimateReport, TechniqueEstimate } from '../../../shared/estimate/estimate';
import { duration, gib, percent, tokensPerSecond, usd, count } from '../../format';
import { bestIndex } from '../../charts/chart-data';
import { TECHNIQUE_COLORS } from '../../charts/colors';

interface Row {
  label: string;
  key: string;
  value: (t: TechniqueEstimate) => number | null;
  show: (t: TechniqueEstimate) => string;
  explain?: string;
  /** Lower is better (memory, time, cost); higher is better for throughput. */
  better?: 'low' | 'high';
}

const ROWS: Row[] = [
  {
    label: 'Trainable parameters',
    key: 'trainable',
    value: (t) => t.trainableParams,
    show: (t) => `${count(t.trainableParams)} (${percent(t.trainablePercent)})`,
    explain: 'params.trainable',
    better: 'low',
  },
  {
    label: 'Peak memory per GPU (nvidia-smi)',
    key: 'memory',
    value: (t) => t.memory.nvidiaSmiBytes,
    show: (t) => gib(t.memory.nvidiaSmiBytes),
    explain: 'memory.peak',
    better: 'low',
  },
  {
    label: 'Reserved by PyTorch',
    key: 'reserved',
    value: (t) => t.memory.reservedBytes,
    show: (t) => gib(t.memory.reservedBytes),
    explain: 'memory.peak',
  },
  {
    label: 'Fits',
    key: 'fits',
    value: () => null,
    show: (t) => (t.fits ? `fits, ${gib(t.fit.marginBytes)} spare` : `over by ${gib(-t.fit.marginBytes)}`),
    explain: 'fit',
  },
  {
    label: 'Largest micro-batch that fits',
    key: 'maxbatch',
    value: () => null,
    show: (t) => (t.maxMicroBatch === 0 ? 'none' : `${t.maxMicroBatch} sequence${t.maxMicroBatch === 1 ? '' : 's'}`),
  },
  {
    label: 'Throughput',
    key: 'tps',
    value: (t) => t.tokensPerSecond,
    show: (t) => tokensPerSecond(t.tokensPerSecond),
    explain: 'time.tokensPerSecond',
    better: 'high',
  },
  {
    label: 'Wall time',
    key: 'wall',
    value: (t) => t.wallSeconds,
    show: (t) => duration(t.wallSeconds),
    explain: 'time.wall',
    better: 'low',
  },
  {
    label: 'GPU-hours',
    key: 'gpuh',
    value: (t) => t.gpuHours,
    show: (t) => `${t.gpuHours.toFixed(1)} GPU-h`,
    explain: 'time.gpuHours',
  },
  { label: 'Cost', key: 'cost', value: (t) => t.costUsd, show: (t) => usd(t.costUsd), explain: 'cost', better: 'low' },
  {
    label: 'Host RAM for offload',
    key: 'host',
    value: (t) => t.memory.hostBytes,
    show: (t) => gib(t.memory.hostBytes),
  },
  {
    label: 'Checkpoint (weights / adapter)',
    key: 'ckpt',
    value: () => null,
    show: (t) =>
      t.checkpoint.adapterBytes === null ? gib(t.checkpoint.modelBytes, 2) : gib(t.checkpoint.adapterBytes, 3),
  },
];

export function ComparisonTable({
  report,
  onExplain,
}: {
  report: EstimateReport;
  onExplain: (techniqueIndex: number, key: string) => void;
}) {
  return (
    <div className="table-wrap">
      <table className="comparison" aria-label="Technique comparison">
        <thead>
          <tr>
            <th scope="col">Per technique</th>
            {report.techniques.map((t) => (
              <th key={t.index} scope="col" className="num">
                <span className="swatch" style={{ background: TECHNIQUE_COLORS[t.technique] }} aria-hidden="true" />{' '}
                {t.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {ROWS.map((row) => {
            const values = report.techniques.map((t) => row.value(t));
            const best = row.better
              ? bestIndex(row.better === 'high' ? values.map((v) => (v === null ? null : -v)) : values)
              : null;
            return (
              <tr key={row.key} data-row={row.key}>
                <th scope="row">{row.label}</th>
                {report.techniques.map((t, i) => {
                  const text = row.show(t);
                  const cls = [
                    'num',
                    row.key === 'fits'
                      ? t.fits
                        ? t.fit.marginBytes < t.fit.capacityBytes * 0.1
                          ? 'fit-amber'
                          : 'fit-ok'
                        : 'fit-bad'
                      : '',
                    best === i && report.techniques.length > 1 ? 'best' : '',
                  ].join(' ');
                  return (
                    <td key={t.index} className={cls} data-technique={t.technique}>
                      {row.explain ? (
                        <button
                          type="button"
                          className="figure"
                          onClick={() => onExplain(t.index, row.explain!)}
                          title="How is this computed?"
                        >
                          {text}
                        </button>
                      ) : (
                        text
                      )}
                      {best === i && report.techniques.length > 1 ? (
                        <span className="best-mark">
                          {' '}
                          ★<span className="visually-hidden"> best</span>
                        </span>
                      ) : null}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
