/**
 * The editor screen: the plans list, the editor sections, the results and the status bar. It composes the
 * features (features/<name>/ never import each other: what one shows inside another is passed in here).
 */
import { memo, useMemo, useRef } from 'react';
import { exportFiles } from '../shared/exporters/training';
import type { RecommendedOption } from '../shared/estimate/recommend';
import { APP_VERSION } from '../shared/version';
import type { TuneplanApi } from './api/client';
import { Section, TextField } from './components/fields';
import { downloadBlob } from './download';
import { HardwareSection } from './features/editor/HardwareSection';
import { ModelSection } from './features/editor/ModelSection';
import { TechniquesSection } from './features/editor/TechniquesSection';
import { DataSection, DistributionSection, TrainingSection } from './features/editor/TrainingSections';
import { MachinePanel } from './features/machine/MachinePanel';
import { PlansList } from './features/plans/PlansList';
import { usePlans } from './features/plans/use-plans';
import { ResultsPanel } from './features/results/ResultsPanel';
import { RunsPanel } from './features/runs/RunsPanel';
import { ScenarioGuide } from './features/scenario/ScenarioGuide';
import { useAppInfo } from './hooks/use-app-info';
import { useDraftEstimate } from './hooks/use-estimate';
import { useShortcuts } from './hooks/use-shortcuts';
import { Banners } from './screen/Banners';
import { PlanActions } from './screen/PlanActions';
import { StatusBar } from './screen/StatusBar';
import { applyRecommendation } from './state/draft';

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
  const { setDraft } = actions;
  const draft = state.draft;
  const { info, probe } = useAppInfo(api);
  const { live, report, errors, estimateError, plan, stale } = useDraftEstimate(draft);
  const searchRef = useRef<HTMLInputElement>(null);

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

  useShortcuts({
    save: () => void actions.save(),
    startNew: actions.startNew,
    focusSearch: () => searchRef.current?.focus(),
    exportJson,
  });

  // Built here, not inside HardwareSection: the editor feature does not import the machine feature.
  const machinePanel = useMemo(
    () => <MachinePanel api={api} probe={probe} draft={draft} onChange={setDraft} />,
    [api, probe, draft, setDraft],
  );
  const savedPlanId = state.selected?.id ?? null;

  const first = report?.techniques[0];
  const defaultMfu = first?.mfuIsDefault ? first.mfu : null;

  return (
    <div className="app">
      <PlansList
        ref={searchRef}
        plans={state.plans}
        selectedId={savedPlanId}
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
          <PlanActions api={api} state={state} actions={actions} onExportJson={exportJson} />
        </header>
        <Banners info={info} state={state} actions={actions} />
        <Section title="Plan" summary={draft.name}>
          <div className="grid">
            <TextField
              label="Name"
              value={draft.name}
              onChange={(name) => setDraft({ ...draft, name })}
              error={errors.name}
              maxLength={200}
            />
            <TextField
              label="Notes"
              multiline
              value={draft.notes}
              onChange={(notes) => setDraft({ ...draft, notes })}
              error={errors.notes}
              maxLength={20000}
              hint="The dataset, the goal, the deadline."
            />
          </div>
        </Section>
        <MemoGuide draft={draft} report={report} onChange={setDraft} />
        <MemoModel api={api} draft={draft} onChange={setDraft} error={errors['model.id'] ?? errors.model} />
        <MemoTechniques draft={draft} errors={errors} onChange={setDraft} />
        <MemoTraining draft={draft} errors={errors} onChange={setDraft} />
        <MemoData draft={draft} errors={errors} onChange={setDraft} />
        <MemoDistribution draft={draft} errors={errors} onChange={setDraft} />
        <MemoHardware
          machine={machinePanel}
          draft={draft}
          errors={errors}
          onChange={setDraft}
          defaultMfu={defaultMfu}
        />
      </main>
      <ResultsPanel
        runs={(p, r) => <RunsPanel api={api} planId={savedPlanId} plan={p} report={r} />}
        plan={plan}
        report={report}
        stale={stale}
        error={estimateError}
        onApply={(o: RecommendedOption) => setDraft(applyRecommendation(draft, o))}
      />
      <StatusBar api={api} info={info} probe={probe} state={state} onRestored={actions.refresh} />
    </div>
  );
}
