import { useState } from 'react';
import { factorFor, gpuKeyOf, type CalibrationFactor } from '../../../shared/estimate/calibration';
import type { EstimateReport } from '../../../shared/estimate/estimate';
import { TECHNIQUE_LABELS } from '../../../shared/estimate/techniques';
import { gib, tokensPerSecond } from '../../format';

/** Measured / predicted factors per technique and GPU, and this plan's estimates with them applied. */
export function CalibrationSection({ factors, report }: { factors: CalibrationFactor[]; report: EstimateReport }) {
  const [calibrated, setCalibrated] = useState(false);
  if (factors.length === 0) return null;
  const planGpu = gpuKeyOf(report.plan.gpu);
  return (
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
        <input type="checkbox" checked={calibrated} onChange={(e) => setCalibrated(e.target.checked)} /> Show calibrated
        estimates for this plan
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
                {gib(f.memoryFactor === null ? t.memory.reservedBytes : t.memory.reservedBytes * f.memoryFactor)}{' '}
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
  );
}
