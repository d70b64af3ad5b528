/**
 * "What would make it fit" per technique (issue 14.2), "Ways to make X faster or cheaper" for a technique that
 * fits, and for one that may not fit (issue 15 §8: expected peak fits, high end does not) what would make it a sure
 * fit, with the faster or cheaper changes: the single changes shared/estimate/levers.ts finds, each re-estimated by
 * the estimator, applicable in one click (the screen records the change so it can be undone in one click). Each
 * lever's fit after is one of three, in the words and colours the comparison uses for the same states.
 *
 * Levers cost tens of re-estimates per technique, so they are computed after the table and charts render, one
 * technique per idle period, and dropped when the plan changes (hooks/use-idle-value.ts).
 */
import type { Plan } from '../../../shared/domain/plan';
import { fitState } from '../../../shared/estimate/advice';
import type { EstimateReport } from '../../../shared/estimate/estimate';
import { leversFor, STATE_AFTER_TEXT, type Lever } from '../../../shared/estimate/levers';
import { duration, gib } from '../../format';
import { useIdleSteps } from '../../hooks/use-idle-value';
import { FIT_CLASS } from '../../components/fit-class';

type Levers = { ok: true; levers: Lever[] } | { ok: false; error: string };

const steps = (plan: Plan) =>
  plan.techniques.map((_, i) => (): Levers => {
    try {
      return { ok: true, levers: leversFor(plan, i) };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
  });

/** "+12 min" / "−5 min" / "same time": the change in wall time a lever brings. */
export function timeChange(beforeSeconds: number, afterSeconds: number): string {
  const delta = afterSeconds - beforeSeconds;
  if (Math.abs(delta) < 0.5 || Math.abs(delta) < beforeSeconds * 0.005) return 'same time';
  return `${delta > 0 ? '+' : '−'}${duration(Math.abs(delta))}`;
}

export function LeversPanel({
  plan,
  report,
  onApply,
}: {
  /** The plan the report was computed for (the deferred, validated draft). */
  plan: Plan | null;
  report: EstimateReport | null;
  onApply: (patch: Record<string, unknown>, label: string) => void;
}) {
  const { results, done } = useIdleSteps(plan && report ? plan : null, steps);
  if (!plan || !report) return null;
  return (
    <section className="card levers" aria-label="What would make it fit">
      <h2 className="card-title">Advice per technique</h2>
      <div className="card-body">
        {report.techniques.map((t, i) => {
          const state = fitState(t);
          const fits = state === 'fits';
          // A technique that fits gets suggestions, not a verdict: "Ways to make LoRA faster or cheaper".
          const title = fits
            ? `Ways to make ${t.label} faster or cheaper`
            : state === 'may-not-fit'
              ? `${t.label} may not fit: ways to make it a sure fit, faster or cheaper`
              : `${t.label}: What would make it fit`;
          const computed = results[i];
          // Over by: the expected peak when it does not fit, the high end when it may not.
          const over =
            (state === 'may-not-fit' ? t.memory.high.nvidiaSmiBytes : t.memory.nvidiaSmiBytes) - t.fit.usableBytes;
          return (
            // Keyed by the fit: it opens by itself when the technique stops surely fitting.
            <details key={`${i}:${state}`} open={!fits} className="lever-group">
              <summary>
                {title}
                {fits ? '' : state === 'may-not-fit' ? ` — high end over by ${gib(over)}` : ` — over by ${gib(over)}`}
              </summary>
              {!computed ? (
                <p className="hint" aria-busy="true">
                  {done ? '' : 'Computing the changes…'}
                </p>
              ) : !computed.ok ? (
                <p className="hint">No levers: {computed.error}</p>
              ) : computed.levers.length === 0 ? (
                <p className="hint">
                  {fits
                    ? 'No single change makes it faster or cheaper while it still fits.'
                    : state === 'may-not-fit'
                      ? 'No single change makes it a sure fit, faster or cheaper; try another GPU (Recommend).'
                      : 'No single change lowers its peak; try another GPU (Recommend).'}
                </p>
              ) : (
                <table className="lever-table" aria-label={title}>
                  <thead>
                    <tr>
                      <th scope="col">Change</th>
                      <th scope="col">Peak after (nvidia-smi)</th>
                      <th scope="col">Fit after</th>
                      <th scope="col">Time after</th>
                      <th scope="col">
                        <span className="visually-hidden">Apply</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {computed.levers.map((l) => (
                      <tr key={l.id} data-lever={l.id}>
                        <th scope="row">{l.label}</th>
                        <td>{gib(l.nvidiaSmiBytesAfter)}</td>
                        <td className={FIT_CLASS[l.stateAfter]}>{STATE_AFTER_TEXT[l.stateAfter]}</td>
                        <td>
                          {duration(l.wallSecondsAfter)} ({timeChange(t.wallSeconds, l.wallSecondsAfter)})
                        </td>
                        <td>
                          <button
                            type="button"
                            onClick={() => onApply(l.patch, `${t.label}: ${l.label}`)}
                            aria-label={`Apply “${l.label}” (${t.label})`}
                          >
                            Apply
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </details>
          );
        })}
      </div>
    </section>
  );
}
