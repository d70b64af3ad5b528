import { memo, useCallback, useEffect, useLayoutEffect, useState, type ReactNode } from 'react';
import type { Plan } from '../../../shared/domain/plan';
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

const SUMMARY_CLASS = { fits: 'fit-ok', 'may-not-fit': 'fit-amber', 'does-not-fit': 'fit-bad', none: 'fit-bad' };

/** The one-line answer above the tabs (docs UI.md): everything below explains it. */
function SummaryLine({ report, stale }: { report: EstimateReport; stale: boolean }) {
  const summary = resultsSummary(report);
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

  const tabs: Array<[Tab, string]> = [
    ['compare', 'Compare'],
    ['explain', 'Explain'],
    ['recommend', 'Recommend'],
    ['runs', 'Runs'],
    ['export', 'Export'],
  ];
  return (
    <section className="results" aria-label="Results">
      {report && plan ? <MemoSummaryLine report={report} stale={stale} /> : null}
      <div role="tablist" aria-label="Results views" className="tabs">
        {tabs.map(([id, label]) => (
          <button
            key={id}
            role="tab"
            type="button"
            id={`tab-${id}`}
            aria-selected={tab === id}
            aria-controls={`panel-${id}`}
            tabIndex={tab === id ? 0 : -1}
            onClick={() => setTab(id)}
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
      {report && plan ? (
        <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className={stale ? 'stale' : undefined}>
          {tab === 'compare' ? (
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
          )}
        </div>
      ) : (
        <p className="empty">Fix the plan’s errors to see estimates.</p>
      )}
    </section>
  );
}
