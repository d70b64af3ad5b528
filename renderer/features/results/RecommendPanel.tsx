import { useState } from 'react';
import type { Plan } from '../../../shared/domain/plan';
import { recommend, type Recommendation, type RecommendedOption } from '../../../shared/estimate/recommend';
import { duration, usd } from '../../format';

function OptionLine({ o }: { o: RecommendedOption }) {
  return (
    <>
      {o.technique} on {o.gpus} × {o.gpuName}, micro-batch {o.microBatch} × {o.gradAccum} accumulation —{' '}
      {duration(o.wallSeconds)}, {usd(o.costUsd)}, peak {o.peakGiB.toFixed(1)} GiB per GPU
      {o.priceSource ? <span className="hint"> (price: {o.priceSource})</span> : null}
    </>
  );
}

function Choice({
  title,
  option,
  onApply,
}: {
  title: string;
  option: RecommendedOption;
  onApply: (o: RecommendedOption) => void;
}) {
  return (
    <div className="rec">
      <h3>{title}</h3>
      <p>
        <OptionLine o={option} />
      </p>
      <button type="button" onClick={() => onApply(option)}>
        Apply {title.toLowerCase()}
      </button>
    </div>
  );
}

/** The cheapest and the fastest configurations that fit, one click to apply. */
export function RecommendPanel({ plan, onApply }: { plan: Plan; onApply: (o: RecommendedOption) => void }) {
  const [result, setResult] = useState<{ for: Plan; rec: Recommendation } | null>(null);
  const rec = result?.for === plan ? result.rec : null;
  return (
    <div className="recommend">
      <p>
        Tries every catalog GPU × 1–{plan.goals.maxGpus} GPUs × each technique of this plan × micro-batch 1–64 (the
        global batch is kept by adjusting gradient accumulation)
        {plan.goals.deadlineHours ? `, within ${plan.goals.deadlineHours} h` : ''}.
      </p>
      <button type="button" onClick={() => setResult({ for: plan, rec: recommend(plan) })}>
        {rec ? 'Recompute' : 'Find the cheapest and fastest'}
      </button>
      {rec ? (
        <div aria-live="polite">
          <p className="hint">
            {rec.fitting} of {rec.considered.toLocaleString('en-US')} options fit.
          </p>
          {rec.cheapest ? (
            <Choice title="Cheapest" option={rec.cheapest} onApply={onApply} />
          ) : (
            <p>No priced option fits.</p>
          )}
          {rec.fastest ? <Choice title="Fastest" option={rec.fastest} onApply={onApply} /> : null}
          {rec.rejected.length > 0 ? (
            <details>
              <summary>Why {rec.rejected.length} options were rejected</summary>
              <ul className="rejections">
                {rec.rejected.slice(0, 200).map((r, i) => (
                  <li key={i}>
                    {r.technique} on {r.gpus} × {r.gpuId}: {r.reason}
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
