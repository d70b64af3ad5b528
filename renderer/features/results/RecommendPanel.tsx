/**
 * Recommend (issue 14.3): every option that fits, ranked by cost or by time, within a budget and a deadline, on the
 * user's own hardware (always considered) and on rented catalog GPUs. The global batch is kept exactly; the
 * techniques compared are the plan's. Owned hardware the app cannot describe asks for its figures instead of being
 * ranked on placeholders.
 */
import { useContext, useEffect, useId, useState } from 'react';
import type { Plan } from '../../../shared/domain/plan';
import { FIGURE_FIELDS, FIT_RULES, type FigureField, type HardwareKind } from '../../../shared/estimate/owned-hardware';
import {
  recommend,
  RECOMMEND_SORTS,
  type NeedsFigures,
  type Recommendation,
  type RecommendedOption,
  type RecommendOptions,
  type RecommendSort,
} from '../../../shared/estimate/recommend';
import { duration, usd } from '../../format';
import { OwnedHardwareContext, ownedList, type OwnedSources } from '../../state/owned-hardware';

/** How many ranked options are listed before "show all". */
const SHOWN = 20;

const FIGURE_LABELS: Record<FigureField, { label: string; unit: string }> = {
  memoryGiB: { label: 'Memory', unit: 'GiB' },
  bf16Tflops: { label: 'Dense bf16', unit: 'TFLOPS' },
  bandwidthGBs: { label: 'Memory bandwidth', unit: 'GB/s' },
};
const KIND_LABELS: Record<HardwareKind, string> = {
  gpu: 'GPU',
  cpu: 'CPU (system RAM)',
  'apple-unified': 'Apple unified memory',
};

function optionText(o: RecommendedOption): string {
  return `${o.technique} on ${o.gpus} × ${o.gpuName}, micro-batch ${o.microBatch} × ${o.gradAccum} accumulation`;
}

function Badges({ o }: { o: RecommendedOption }) {
  return (
    <>
      {o.owned ? <span className="badge owned">your hardware</span> : null}
      {o.fitState === 'may-not-fit' ? (
        <span
          className="badge warn"
          title={
            "The expected peak fits; the high end of the estimate's range does not. " +
            'Keep more headroom or use a lever.'
          }
        >
          may not fit
        </span>
      ) : null}
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
        {optionText(option)} — {duration(option.wallSeconds)},{' '}
        {option.owned && option.costUsd === null ? 'no rental cost' : usd(option.costUsd)}, peak{' '}
        {option.peakGiB.toFixed(1)} GiB per GPU <Badges o={option} />
        {option.priceSource ? <span className="hint"> (price: {option.priceSource})</span> : null}
      </p>
      <button type="button" onClick={() => onApply(option)}>
        Apply {title.toLowerCase()}
      </button>
    </div>
  );
}

/** The small form for hardware whose figures are unknown: prefilled from what is known, with what "fits" means. */
function FiguresForm({ need, sources }: { need: NeedsFigures; sources: OwnedSources | null }) {
  const id = useId();
  const [kind, setKind] = useState<HardwareKind>(need.deviceKind);
  const [values, setValues] = useState<Record<FigureField, string>>(() => ({
    memoryGiB: need.known.memoryGiB !== undefined ? String(Math.round(need.known.memoryGiB * 10) / 10) : '',
    bf16Tflops: need.known.bf16Tflops !== undefined ? String(need.known.bf16Tflops) : '',
    bandwidthGBs: need.known.bandwidthGBs !== undefined ? String(need.known.bandwidthGBs) : '',
  }));
  const numbers = FIGURE_FIELDS.map((f) => Number(values[f]));
  const invalid = FIGURE_FIELDS.filter((f, i) => values[f].trim() === '' || !(numbers[i]! > 0));
  const submit = () => {
    if (!sources || invalid.length > 0) return;
    const [memoryGiB, bf16Tflops, bandwidthGBs] = numbers as [number, number, number];
    if (need.ownedId === 'plan')
      sources.setPlanGpu({
        source: 'custom',
        name: need.label.replace(/^\d+ × /, '').slice(0, 100),
        memoryGiB,
        bf16Tflops,
        bandwidthGBs,
      });
    else sources.setFigures(need.ownedId, { memoryGiB, bf16Tflops, bandwidthGBs, deviceKind: kind });
  };
  return (
    <form
      className="figures-form"
      aria-label={`Figures for ${need.label}`}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label htmlFor={`${id}-kind`}>Device kind</label>
      <select id={`${id}-kind`} value={kind} onChange={(e) => setKind(e.target.value as HardwareKind)}>
        {(Object.keys(KIND_LABELS) as HardwareKind[]).map((k) => (
          <option key={k} value={k}>
            {KIND_LABELS[k]}
          </option>
        ))}
      </select>
      <p className="hint">{FIT_RULES[kind]}</p>
      {FIGURE_FIELDS.map((f) => (
        <span key={f} className="figure">
          <label htmlFor={`${id}-${f}`}>
            {FIGURE_LABELS[f].label} ({FIGURE_LABELS[f].unit}){need.missing.includes(f) ? ' — missing' : ''}
          </label>
          <input
            id={`${id}-${f}`}
            inputMode="decimal"
            value={values[f]}
            onChange={(e) => setValues({ ...values, [f]: e.target.value })}
          />
        </span>
      ))}
      <button type="submit" disabled={!sources || invalid.length > 0}>
        Use these figures
      </button>
      {invalid.length > 0 ? (
        <p className="hint">Enter {invalid.map((f) => FIGURE_LABELS[f].label.toLowerCase()).join(', ')} (above 0).</p>
      ) : null}
    </form>
  );
}

interface Filters {
  sort: RecommendSort;
  budgetUsd: string;
  deadlineHours: string;
  maxGpus: string;
  ownedOnly: boolean;
}

const parsed = (s: string): number | null => (s.trim() === '' || !(Number(s) > 0) ? null : Number(s));

/** Filters → recommend()'s options; an empty or invalid number means "none" (deadline) or the plan's (max GPUs). */
export function toOptions(f: Filters, plan: Plan): RecommendOptions {
  const maxGpus = parsed(f.maxGpus);
  return {
    sort: f.sort,
    budgetUsd: parsed(f.budgetUsd),
    deadlineHours: parsed(f.deadlineHours),
    maxGpus: maxGpus !== null ? Math.min(1024, Math.floor(maxGpus)) : plan.goals.maxGpus,
    ownedOnly: f.ownedOnly,
  };
}

export function RecommendPanel({ plan, onApply }: { plan: Plan; onApply: (o: RecommendedOption) => void }) {
  const id = useId();
  const sources = useContext(OwnedHardwareContext);
  const [filters, setFilters] = useState<Filters>(() => ({
    sort: 'cost',
    budgetUsd: '',
    deadlineHours: plan.goals.deadlineHours === null ? '' : String(plan.goals.deadlineHours),
    maxGpus: String(plan.goals.maxGpus),
    ownedOnly: false,
  }));
  const [requested, setRequested] = useState(false);
  const [showAll, setShowAll] = useState(false);
  const [result, setResult] = useState<{
    plan: Plan;
    filters: Filters;
    sources: OwnedSources | null;
    rec: Recommendation;
  } | null>(null);
  const rec = result?.rec ?? null;
  const busy = requested && !(result?.plan === plan && result.filters === filters && result.sources === sources);

  // Runs once asked, then again when the plan, the filters or the owned hardware change; off the typing path
  // (a timer after the render), and an answer for an older input is dropped.
  useEffect(() => {
    if (!requested) return;
    let live = true;
    const timer = setTimeout(() => {
      void (async () => {
        const profiles = sources ? await sources.loadProfiles().catch(() => []) : [];
        if (!live) return;
        const owned = sources ? ownedList(sources.probe, profiles, sources.figures) : [];
        setResult({ plan, filters, sources, rec: recommend(plan, { ...toOptions(filters, plan), owned }) });
      })();
    }, 0);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [requested, plan, filters, sources]);

  const set = <K extends keyof Filters>(k: K, v: Filters[K]) => setFilters((f) => ({ ...f, [k]: v }));
  const ranked = rec ? (showAll ? rec.ranked : rec.ranked.slice(0, SHOWN)) : [];
  return (
    <div className="recommend">
      <p>
        Tries each technique of this plan on your hardware and on every catalog GPU, 1 to {filters.maxGpus || '?'} GPUs,
        with every split of the global batch into micro-batch × accumulation: the global batch (GPUs × micro-batch ×
        accumulation) is kept exactly.
      </p>
      <div className="grid rec-filters">
        <div className="field">
          <label htmlFor={`${id}-sort`}>Sort by</label>
          <select id={`${id}-sort`} value={filters.sort} onChange={(e) => set('sort', e.target.value as RecommendSort)}>
            {RECOMMEND_SORTS.map((s) => (
              <option key={s} value={s}>
                {s === 'cost' ? 'cost' : 'time'}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-budget`}>Budget (USD)</label>
          <input
            id={`${id}-budget`}
            inputMode="decimal"
            value={filters.budgetUsd}
            placeholder="none"
            onChange={(e) => set('budgetUsd', e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-deadline`}>Deadline (h)</label>
          <input
            id={`${id}-deadline`}
            inputMode="decimal"
            value={filters.deadlineHours}
            placeholder="none"
            onChange={(e) => set('deadlineHours', e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-max`}>Max GPUs</label>
          <input
            id={`${id}-max`}
            inputMode="numeric"
            value={filters.maxGpus}
            onChange={(e) => set('maxGpus', e.target.value)}
          />
        </div>
        <div className="field check">
          <div className="control-row">
            <input
              id={`${id}-owned`}
              type="checkbox"
              checked={filters.ownedOnly}
              onChange={(e) => set('ownedOnly', e.target.checked)}
            />
            <label htmlFor={`${id}-owned`}>Only my hardware</label>
          </div>
        </div>
      </div>
      <button type="button" onClick={() => setRequested(true)} disabled={requested && busy}>
        {requested ? (busy ? 'Computing…' : 'Computed') : 'Find the cheapest and fastest'}
      </button>
      {rec ? (
        <div aria-live="polite" aria-busy={busy}>
          <p className="hint">
            Global batch {rec.globalBatch} kept. {rec.fitting} of {rec.considered.toLocaleString('en-US')} combinations
            fit; {rec.ranked.length} meet the filters.
            {rec.skippedGpuCounts.length > 0
              ? ` Skipped ${rec.skippedGpuCounts.map((s) => s.gpus).join(', ')} GPUs: ` +
                `the global batch of ${rec.globalBatch} does not divide by ` +
                `${rec.skippedGpuCounts.length > 1 ? 'those counts' : 'that count'}.`
              : ''}
          </p>
          {rec.cheapest ? (
            <Choice title="Cheapest" option={rec.cheapest} onApply={onApply} />
          ) : (
            <p>No option with a known price fits the filters.</p>
          )}
          {rec.fastest ? <Choice title="Fastest" option={rec.fastest} onApply={onApply} /> : null}
          {rec.needsFigures.length > 0 ? (
            <section aria-label="Needs your figures">
              <h3>Needs your figures</h3>
              <ul className="needs-figures">
                {rec.needsFigures.map((n) => (
                  <li key={n.ownedId}>
                    <strong>{n.label}</strong> <span className="badge owned">your hardware</span>
                    <p className="hint">{n.note} Not ranked until its figures are known.</p>
                    <FiguresForm need={n} sources={sources} />
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          {rec.ranked.length > 0 ? (
            <section aria-label="Ranked options">
              <h3>Ranked by {rec.sortedBy}</h3>
              <ol className="ranked">
                {ranked.map((o) => (
                  <li key={`${o.ownedId ?? o.gpuId}:${o.gpus}:${o.techniqueIndex}`}>
                    {optionText(o)} — {duration(o.wallSeconds)},{' '}
                    {o.owned && o.costUsd === null ? 'no rental cost' : usd(o.costUsd)}, peak {o.peakGiB.toFixed(1)} GiB
                    per GPU <Badges o={o} />{' '}
                    <button type="button" className="link" onClick={() => onApply(o)}>
                      Apply
                    </button>
                  </li>
                ))}
              </ol>
              {rec.ranked.length > SHOWN && !showAll ? (
                <button type="button" className="link" onClick={() => setShowAll(true)}>
                  Show all {rec.ranked.length}
                </button>
              ) : null}
            </section>
          ) : null}
          {rec.rejected.length > 0 ? (
            <details>
              <summary>Why {rec.rejected.length} options were rejected</summary>
              <ul className="rejections">
                {rec.rejected.slice(0, 200).map((r, i) => (
                  <li key={i}>
                    {r.technique} on {r.gpus} × {r.gpuName}
                    {r.owned ? ' (your hardware)' : ''}: {r.reason}
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
