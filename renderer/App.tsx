import { memo, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import type { AppInfo } from '../shared/contract';
import type { MachineProbe } from '../shared/domain/machine';
import { estimatePlan, type EstimateReport } from '../shared/estimate/estimate';
import type { RecommendedOption } from '../shared/estimate/recommend';
import type { TuneplanApi } from './api/client';
import { Section, TextField } from './components/fields';
import { validateDraft, type Validation } from './features/editor/draft';
import { HardwareSection } from './features/editor/HardwareSection';
import { ModelSection } from './features/editor/ModelSection';
import { TechniquesSection } from './features/editor/TechniquesSection';
import { DataSection, DistributionSection, TrainingSection } from './features/editor/TrainingSections';
import { errorText } from './features/plans/error-text';
import { BackupsPanel } from './features/plans/BackupsPanel';
import { PlansList } from './features/plans/PlansList';
import { usePlans } from './features/plans/use-plans';
import { exportFiles } from '../shared/exporters/training';
import { APP_VERSION } from '../shared/version';
import { downloadBlob } from './features/results/chart-export';
import { ResultsPanel } from './features/results/ResultsPanel';
import { ScenarioGuide } from './features/scenario/ScenarioGuide';
import { machineSummary } from './features/machine/machine-hardware';

/** Estimates a validated draft (validated once, in App); keeps the last good results while it has errors. */
function useEstimate({ plan, errors }: Validation): {
  report: EstimateReport | null;
  errors: Record<string, string>;
  estimateError: string | null;
  plan: Validation['plan'];
} {
  const [last, setLast] = useState<{ report: EstimateReport; plan: NonNullable<typeof plan> } | null>(null);
  const current = useMemo(() => {
    if (!plan) return { report: null, error: null };
    try {
      return { report: estimatePlan(plan), error: null };
    } catch (e) {
      return { report: null, error: e instanceof Error ? e.message : String(e) };
    }
  }, [plan]);
  // Keep the last good results on screen (greyed) while the plan has errors: derived state, updated during render.
  if (current.report && plan && last?.report !== current.report) setLast({ report: current.report, plan });
  const fieldErrors = useMemo(() => {
    const m = current.error ? /^([\w.[\]]+): (.*)$/.exec(current.error) : null;
    return m?.[1] && m[2] ? { ...errors, [m[1]]: m[2] } : errors;
  }, [errors, current.error]);
  return {
    report: current.report ?? last?.report ?? null,
    errors: fieldErrors,
    estimateError: current.error,
    plan: plan ?? last?.plan ?? null,
  };
}

// Editor sections re-render only when their props change (the draft, errors or callbacks they get).
const MemoModel = memo(ModelSection);
const MemoTechniques = memo(TechniquesSection);
const MemoTraining = memo(TrainingSection);
const MemoData = memo(DataSection);
const MemoDistribution = memo(DistributionSection);
const MemoHardware = memo(HardwareSection);
const MemoGuide = memo(ScenarioGuide);

export function App({ api }: { api: TuneplanApi }) {
  const { state, actions } = usePlans(api);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const searchRef = useRef<HTMLInputElement>(null);
  const importRef = useRef<HTMLInputElement>(null);
  // Each draft is validated once; the estimate follows a deferred copy of that validation so typing stays responsive.
  const live = useMemo(() => validateDraft(state.draft), [state.draft]);
  const deferred = useDeferredValue(live);
  const { report, errors, estimateError, plan } = useEstimate(deferred);
  const allErrors = useMemo(() => ({ ...errors, ...live.errors }), [errors, live.errors]);
  const stale = deferred !== live || Object.keys(live.errors).length > 0;

  const [probe, setProbe] = useState<MachineProbe | null>(null);
  useEffect(() => {
    void api.invoke('app:info', {}).then((r) => r.ok && setInfo(r.data));
    void api.invoke('system:probe', {}).then((r) => r.ok && setProbe(r.data));
  }, [api]);

  const exportJson = () => {
    const valid = live.plan;
    if (!valid) {
      actions.setError({ code: 'VALIDATION', message: 'Fix the highlighted fields before exporting.' });
      return;
    }
    // The same file the Export tab and `tuneplan export --format json` write.
    const [file] = exportFiles(valid, 'json', 0, APP_VERSION);
    if (file) downloadBlob(new Blob([file.content], { type: file.mediaType }), file.path);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
      const key = e.key.toLowerCase();
      if (key === 's') {
        e.preventDefault();
        void actions.save();
      } else if (key === 'n') {
        e.preventDefault();
        actions.startNew();
      } else if (key === 'f') {
        e.preventDefault();
        searchRef.current?.focus();
      } else if (key === 'e') {
        e.preventDefault();
        exportJson();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const applyRecommendation = (o: RecommendedOption) => {
    const d = state.draft;
    const chosen = d.techniques[o.techniqueIndex];
    actions.setDraft({
      ...d,
      techniques: chosen ? [chosen, ...d.techniques.filter((_, i) => i !== o.techniqueIndex)] : d.techniques,
      training: { ...d.training, microBatch: o.microBatch, gradAccum: o.gradAccum },
      distribution: { ...d.distribution, gpusPerNode: o.gpus, nodes: 1 },
      hardware: { ...d.hardware, gpu: { source: 'catalog', id: o.gpuId } },
      pricing: { ...d.pricing, vmSku: null, usdPerGpuHour: null },
    });
  };

  const draft = state.draft;
  const defaultMfu = report?.techniques[0]
    ? report.techniques[0].mfuIsDefault
      ? report.techniques[0].mfu
      : null
    : null;
  const conflict = state.error?.code === 'CONFLICT';

  return (
    <div className="app">
      <PlansList
        ref={searchRef}
        plans={state.plans}
        selectedId={state.selected?.id ?? null}
        query={state.query}
        sort={state.sort}
        dirty={state.dirty}
        onQuery={actions.setQuery}
        onSort={actions.setSort}
        onSelect={(id) => void actions.open(id)}
        onNew={actions.startNew}
      />
      <main className="editor" aria-label="Plan editor">
        <header className="editor-head">
          <h1>
            {state.selected ? state.selected.plan.name : 'New plan'}
            {state.dirty ? (
              <span className="dirty" title="unsaved changes">
                {' '}
                •
              </span>
            ) : null}
          </h1>
          <div className="actions">
            <button
              type="button"
              className="primary"
              onClick={() => void actions.save()}
              disabled={state.busy}
              title="Save (Ctrl+S)"
            >
              Save
            </button>
            <button type="button" onClick={() => void actions.duplicate()} disabled={!state.selected}>
              Duplicate
            </button>
            <button type="button" onClick={exportJson} title="Export JSON (Ctrl+E)">
              Export JSON
            </button>
            <button
              type="button"
              onClick={() => {
                // Desktop: the native open dialog; browser: the file picker.
                if (api.transport !== 'ipc') return importRef.current?.click();
                void api.invoke('desktop:openJson', { title: 'Import a Tuneplan plan' }).then((r) => {
                  if (r.ok) void actions.importText(r.data.text);
                  else if (r.error.code !== 'CANCELLED') actions.setError(r.error);
                });
              }}
            >
              Import JSON…
            </button>
            <input
              ref={importRef}
              type="file"
              accept=".json,application/json"
              className="visually-hidden"
              aria-label="Import plan JSON file"
              tabIndex={-1}
              onChange={(e) => {
                const f = e.target.files?.[0];
                e.target.value = '';
                if (f) void f.text().then(actions.importText);
              }}
            />
            <button
              type="button"
              onClick={() => {
                if (api.transport !== 'ipc') return window.print();
                void api
                  .invoke('desktop:savePdf', { suggestedName: `${draft.name || 'tuneplan'} report.pdf` })
                  .then((r) => {
                    if (r.ok) actions.setNotice(`Saved the report to ${r.data.path}.`);
                    else if (r.error.code !== 'CANCELLED') actions.setError(r.error);
                  });
              }}
            >
              {api.transport === 'ipc' ? 'Save report as PDF…' : 'Print report'}
            </button>
            {state.selected ? (
              confirmingDelete ? (
                <span className="confirm" role="group" aria-label="Confirm delete">
                  <span>Delete this plan?</span>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => {
                      setConfirmingDelete(false);
                      void actions.remove();
                    }}
                  >
                    Yes, delete
                  </button>
                  <button type="button" onClick={() => setConfirmingDelete(false)}>
                    Cancel
                  </button>
                </span>
              ) : (
                <button type="button" onClick={() => setConfirmingDelete(true)}>
                  Delete…
                </button>
              )
            ) : null}
          </div>
        </header>
        {info?.notices.map((n) => (
          <div key={n.message} className={`banner ${n.level === 'error' ? 'error' : 'warning'}`} role="alert">
            {n.message}
          </div>
        ))}
        {state.recoverable ? (
          <div className="banner notice" role="status">
            <p>
              Unsaved changes to “{state.recoverable.draft.name}” from {new Date(state.recoverable.at).toLocaleString()}{' '}
              were kept.
            </p>
            <button type="button" onClick={actions.restoreDraft}>
              Restore them
            </button>{' '}
            <button type="button" onClick={actions.discardDraft}>
              Discard
            </button>
          </div>
        ) : null}
        {state.error ? (
          <div className="banner error" role="alert">
            <p>{errorText(state.error)}</p>
            {conflict ? (
              <p>
                <button type="button" onClick={() => void actions.reload()}>
                  Load the saved version
                </button>{' '}
                <button type="button" onClick={() => void actions.save(true)}>
                  Save mine as a copy
                </button>
              </p>
            ) : null}
          </div>
        ) : null}
        {state.notice && !state.error ? (
          <div className="banner notice" role="status">
            {state.notice}
          </div>
        ) : null}
        {state.undo ? (
          <div className="toast" role="status">
            Deleted “{state.undo.label}”.{' '}
            <button type="button" onClick={() => void actions.undoDelete()}>
              Undo
            </button>{' '}
            <button type="button" className="link" onClick={actions.dismissUndo} aria-label="Dismiss">
              ✕
            </button>
          </div>
        ) : null}
        <Section title="Plan" summary={draft.name}>
          <div className="grid">
            <TextField
              label="Name"
              value={draft.name}
              onChange={(name) => actions.setDraft({ ...draft, name })}
              error={allErrors.name}
              maxLength={200}
            />
            <TextField
              label="Notes"
              multiline
              value={draft.notes}
              onChange={(notes) => actions.setDraft({ ...draft, notes })}
              error={allErrors.notes}
              maxLength={20000}
              hint="The dataset, the goal, the deadline."
            />
          </div>
        </Section>
        <MemoGuide draft={draft} report={report} onChange={actions.setDraft} />
        <MemoModel
          api={api}
          draft={draft}
          onChange={actions.setDraft}
          error={allErrors['model.id'] ?? allErrors.model}
        />
        <MemoTechniques draft={draft} errors={allErrors} onChange={actions.setDraft} />
        <MemoTraining draft={draft} errors={allErrors} onChange={actions.setDraft} />
        <MemoData draft={draft} errors={allErrors} onChange={actions.setDraft} />
        <MemoDistribution draft={draft} errors={allErrors} onChange={actions.setDraft} />
        <MemoHardware
          api={api}
          probe={probe}
          draft={draft}
          errors={allErrors}
          onChange={actions.setDraft}
          defaultMfu={defaultMfu}
        />
      </main>
      <ResultsPanel
        api={api}
        savedPlanId={state.selected?.id ?? null}
        plan={plan}
        report={report}
        stale={stale}
        error={estimateError}
        onApply={applyRecommendation}
      />
      <footer className="status-bar" aria-label="Status">
        <span>
          {info
            ? `${info.mode === 'desktop' ? 'Desktop' : info.mode === 'browser' ? 'Browser mode' : 'Test'} · Tuneplan ${info.version}`
            : 'Connecting…'}
        </span>
        <span title="Data folder">{info ? `Data: ${info.dataDir}` : ''}</span>
        <span title="This machine's GPUs" data-testid="machine-status">
          {machineSummary(probe)}
        </span>
        <BackupsPanel api={api} onRestored={actions.refresh} />
        <span aria-live="polite">
          {state.busy ? 'Saving…' : state.dirty ? 'Unsaved changes' : state.selected ? 'All changes saved' : ''}
        </span>
      </footer>
    </div>
  );
}
