import type { StoredRun } from '../../../shared/contract';
import { RUN_OBJECTIVE_LABELS, type RunComparison } from '../../../shared/estimate/calibration';
import { OBJECTIVE_LABELS } from '../../../shared/estimate/objective';
import { TECHNIQUE_LABELS } from '../../../shared/estimate/techniques';
import { ScrollWrap } from '../../components/scroll-wrap';
import { duration, gib, significant, tokensPerSecond } from '../../format';

/**
 * The error with its direction in words (issue 20): a signed "+10.9 %" left readers guessing which side was high.
 * shared/estimate/calibration.ts computes it as 100 × (predicted − measured) / measured, so positive = estimate above.
 */
export function errorText(v: number | null): string {
  if (v === null) return '—';
  const size = Math.abs(v).toFixed(1);
  if (size === '0.0') return 'estimate matches measured';
  return `estimate ${size} % ${v > 0 ? 'above' : 'below'} measured`;
}

/** Why a run's figures are not set against this plan's estimate (issue 19). */
export function mismatchText(m: NonNullable<RunComparison['objectiveMismatch']>): string {
  return (
    `this run is ${RUN_OBJECTIVE_LABELS[m.run]}, the plan is ${OBJECTIVE_LABELS[m.plan]}: ` +
    'its memory and time are not comparable'
  );
}

/** A run's figure rounded for reading (3–4 significant figures); the stored run keeps it whole. */
const shown = (v: number | null) => (v === null ? '—' : significant(v));

/** Recorded runs against this plan's estimate: one row per run, `comparisons[i]` belonging to `runs[i]`. */
export function RunsTable({
  runs,
  comparisons,
  onEdit,
  onShowLoss,
  onDelete,
}: {
  runs: StoredRun[];
  comparisons: RunComparison[];
  onEdit: (run: StoredRun) => void;
  onShowLoss: (run: StoredRun) => void;
  onDelete: (run: StoredRun) => void;
}) {
  if (runs.length === 0) return <p className="empty">No runs recorded yet.</p>;
  return (
    <ScrollWrap
      label="Recorded runs"
      more="More columns to the right — scroll sideways →"
      back="← Scroll back for the first columns"
    >
      <table className="comparison runs-table" aria-label="Recorded runs">
        <thead>
          <tr>
            {[
              'Technique',
              'Objective',
              'GPU',
              'Peak measured',
              'Predicted',
              'Estimate vs measured',
              'Wall measured',
              'Predicted',
              'tok/s measured',
              'Predicted',
              'Final loss',
              'Mean loss',
              'samples/s',
              'Warnings',
              '',
            ].map((h, i) => (
              <th key={i} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {runs.map((run, i) => {
            const c = comparisons[i]!;
            const objective = run.result.objective;
            return (
              <tr key={run.id} data-objective-mismatch={c.objectiveMismatch ? 'true' : undefined}>
                <th scope="row">{TECHNIQUE_LABELS[run.result.technique]}</th>
                <td data-testid="run-objective">
                  {objective ? RUN_OBJECTIVE_LABELS[objective] : '—'}
                  {c.objectiveMismatch ? (
                    <p className="field-warning" role="note">
                      ⚠ {mismatchText(c.objectiveMismatch)}
                    </p>
                  ) : null}
                </td>
                <td>
                  {run.result.gpuCount} × {run.result.gpuName}
                </td>
                <td className="num">
                  {c.measuredMemoryBytes === null ? '—' : `${gib(c.measuredMemoryBytes)} (${run.result.memoryCounter})`}
                </td>
                <td className="num">{c.predictedMemoryBytes === null ? '—' : gib(c.predictedMemoryBytes)}</td>
                <td className="num" data-testid="memory-error">
                  {c.objectiveMismatch ? 'not comparable (other objective)' : errorText(c.memoryErrorPercent)}
                </td>
                <td className="num">{c.measuredWallSeconds === null ? '—' : duration(c.measuredWallSeconds)}</td>
                <td className="num">{c.predictedWallSeconds === null ? '—' : duration(c.predictedWallSeconds)}</td>
                <td className="num">
                  {c.measuredTokensPerSecond === null ? '—' : tokensPerSecond(c.measuredTokensPerSecond)}
                </td>
                <td className="num">
                  {c.predictedTokensPerSecond === null ? '—' : tokensPerSecond(c.predictedTokensPerSecond)}
                </td>
                <td className="num">{shown(run.result.finalLoss)}</td>
                <td className="num">{shown(run.result.meanLoss)}</td>
                <td className="num">{shown(run.result.samplesPerSecond)}</td>
                <td>
                  {run.result.warnings.length === 0 ? (
                    '—'
                  ) : (
                    <details>
                      <summary>
                        {run.result.warnings.length} warning{run.result.warnings.length === 1 ? '' : 's'}
                      </summary>
                      <ul>
                        {run.result.warnings.map((w, j) => (
                          <li key={j}>{w}</li>
                        ))}
                      </ul>
                    </details>
                  )}
                </td>
                <td>
                  <button type="button" className="link" onClick={() => onEdit(run)}>
                    Edit
                  </button>
                  <button
                    type="button"
                    className="link"
                    onClick={() => onShowLoss(run)}
                    disabled={run.result.lossCurve.length === 0 && run.result.metricCurves.length === 0}
                    aria-label={`Curves of run ${i + 1}`}
                  >
                    Curves
                  </button>
                  <button
                    type="button"
                    className="link"
                    onClick={() => onDelete(run)}
                    aria-label={`Delete run ${i + 1}`}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </ScrollWrap>
  );
}
