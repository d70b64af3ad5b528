import {
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import type { Objective, Plan } from '../../../shared/domain/plan';
import type { EstimateReport } from '../../../shared/estimate/estimate';
import type { RecommendedOption } from '../../../shared/estimate/recommend';
import { ChartsPanel } from '../../charts/Charts';
import { ComparisonTable } from './ComparisonTable';
import { ExplainPanel } from './ExplainPanel';
import { ExportPanel } from './ExportPanel';
import { RecommendPanel } from './RecommendPanel';
import { resultsSummary } from './summary';

// Memoized: while the user types, the urgent render (with the previous estimate) skips the table and
// the charts; only the deferred render with the new estimate redraws them.
const MemoComparisonTable = memo(ComparisonTable);
const MemoChartsPanel = memo(ChartsPanel);

type Tab = 'compare' | 'explain' | 'recommend' | 'runs' | 'export';

const TABS: ReadonlyArray<readonly [Tab, string]> = [
  ['compare', 'Compare'],
  ['explain', 'Explain'],
  ['recommend', 'Recommend'],
  ['runs', 'Runs'],
  ['export', 'Export'],
];

/**
 * The tab a key moves to, per the WAI-ARIA tabs pattern (https://www.w3.org/WAI/ARIA/apg/patterns/tabs/, "Keyboard
 * Interaction"): Left and Right arrows go to the previous and next tab, wrapping at either end; Home and End go to the
 * first and last. Null for any other key. Activation is automatic (the pattern's default when a panel shows without
 * a noticeable delay): the tab that receives focus is selected.
 */
export function tabForKey(key: string, current: number, count: number): number | null {
  if (key === 'ArrowRight') return (current + 1) % count;
  if (key === 'ArrowLeft') return (current - 1 + count) % count;
  if (key === 'Home') return 0;
  if (key === 'End') return count - 1;
  return null;
}

const SUMMARY_CLASS = {
  fits: 'fit-ok',
  'may-not-fit': 'fit-amber',
  'does-not-fit': 'fit-bad',
  none: 'fit-bad',
  hosted: 'fit-hosted',
};

/** The one-line answer above the tabs (docs UI.md): everything below explains it. */
function SummaryLine({ report, objective, stale }: { report: EstimateReport; objective: Objective; stale: boolean }) {
  // A non-SFT objective leads the sentence ("DPO with a frozen reference copy. LoRA fits …", issue 19).
  const summary = resultsSummary(report, objective);
  return (
    <p
      className={`results-summary ${SUMMARY_CLASS[summary.state]}${stale ? ' stale' : ''}`}
      data-testid="results-summary"
    >
      {summary.text}
    </p>
  );
}
const MemoSummaryLine = memo(SummaryLine);

export function ResultsPanel({
  runs,
  plan,
  report,
  stale,
  error,
  onApply,
  levers,
}: {
  /** The Runs tab's content (features/runs), composed by the screen: features do not import each other. */
  runs: (plan: Plan, report: EstimateReport) => ReactNode;
  plan: Plan | null;
  report: EstimateReport | null;
  stale: boolean;
  error: string | null;
  onApply: (o: RecommendedOption) => void;
  /**
   * Optional: what would make a technique fit (issue 14.2, features/results/LeversPanel), composed by the screen and
   * shown in the Compare tab between the table and the charts.
   */
  levers?: (plan: Plan, report: EstimateReport) => ReactNode;
}) {
  const [tab, setTab] = useState<Tab>('compare');
  const [explainAt, setExplainAt] = useState<{ index: number; key: string | null }>({ index: 0, key: null });
  const onExplain = useCallback((index: number, key: string) => {
    setExplainAt({ index, key });
    setTab('explain');
  }, []);

  useLayoutEffect(() => {
    // A marker the benchmark and the e2e tests wait for: results for this input are in the DOM.
    document.body.dataset.resultsVersion = String(Number(document.body.dataset.resultsVersion ?? 0) + 1);
    performance.mark('tuneplan:results-rendered');
  }, [report]);

  useEffect(() => {
    if (tab === 'explain' && explainAt.key) document.getElementById(`explain-${explainAt.key}`)?.focus();
  }, [tab, explainAt]);

  // Roving tabindex: only the selected tab is in the tab order; the arrow keys move between tabs.
  const tabRefs = useRef(new Map<Tab, HTMLButtonElement>());
  const onTabKey = (e: KeyboardEvent<HTMLButtonElement>) => {
    const next = tabForKey(
      e.key,
      TABS.findIndex(([id]) => id === tab),
      TABS.length,
    );
    const entry = next === null ? undefined : TABS[next];
    if (!entry) return;
    e.preventDefault(); // Home / End would otherwise scroll the results
    setTab(entry[0]);
    tabRefs.current.get(entry[0])?.focus();
  };
  const body =
    report && plan ? (
      tab === 'compare' ? (
        <>
          <MemoComparisonTable report={report} onExplain={onExplain} />
          {levers ? levers(plan, report) : null}
          <MemoChartsPanel plan={plan} report={report} />
        </>
      ) : tab === 'explain' ? (
        <ExplainPanel
          report={report}
          techniqueIndex={explainAt.index}
          focus={explainAt.key}
          onTechnique={(index) => setExplainAt({ index, key: null })}
        />
      ) : tab === 'recommend' ? (
        <RecommendPanel plan={plan} onApply={onApply} />
      ) : tab === 'runs' ? (
        runs(plan, report)
      ) : (
        <ExportPanel plan={plan} />
      )
    ) : (
      <p className="empty">Fix the plan’s errors to see estimates.</p>
    );
  return (
    <section className="results" aria-label="Results">
      {report && plan ? <MemoSummaryLine report={report} objective={plan.objective} stale={stale} /> : null}
      <div role="tablist" aria-label="Results views" className="tabs">
        {TABS.map(([id, label]) => (
          <button
            key={id}
            ref={(el) => {
              if (el) tabRefs.current.set(id, el);
              else tabRefs.current.delete(id);
            }}
            role="tab"
            type="button"
            id={`tab-${id}`}
            aria-selected={tab === id}
            aria-controls={`panel-${id}`}
            tabIndex={tab === id ? 0 : -1}
            onClick={() => setTab(id)}
            onKeyDown={onTabKey}
          >
            {label}
          </button>
        ))}
      </div>
      {error ? (
        <div className="banner error" role="alert">
          {error}
        </div>
      ) : null}
      {/* Every tab's panel exists, so each aria-controls names an element; only the selected one is shown. */}
      {TABS.map(([id]) => (
        <div
          key={id}
          role="tabpanel"
          id={`panel-${id}`}
          aria-labelledby={`tab-${id}`}
          hidden={tab !== id}
          // The APG example's panels are focusable, so Tab from the tab list reaches the panel even when it opens
          // with text rather than a control.
          tabIndex={0}
          className={tab === id && stale && report && plan ? 'stale' : undefined}
        >
          {tab === id ? body : null}
        </div>
      ))}
    </section>
  );
}
