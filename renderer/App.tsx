/**
 * The editor screen: the plans list, the editor sections, the results and the status bar. It composes the
 * features (features/<name>/ never import each other: what one shows inside another is passed in here).
 */
import { memo, useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { exportFiles } from '../shared/exporters/training';
import type { RecommendedOption } from '../shared/estimate/recommend';
import { APP_VERSION } from '../shared/version';
import type { TuneplanApi } from './api/client';
import { Section, TextField } from './components/fields';
import { downloadBlob } from './download';
import { LeversPanel } from './features/advice/LeversPanel';
import { UndoBar } from './features/advice/UndoBar';
import { DataFileSection } from './features/data/DataSection';
import { warningsByField } from './features/editor/field-notes';
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
import { applyPatch, recordChange, revertChange, stillApplied, type AppliedChange } from './state/changes';
import { applyRecommendation, setIn, type Draft } from './state/draft';
import { OwnedHardwareContext, type EnteredFigures, type OwnedSources } from './state/owned-hardware';

// Editor sections re-render only when their props change (the draft, errors or callbacks they get).
const MemoModel = memo(ModelSection);
const MemoTechniques = memo(TechniquesSection);
const MemoTraining = memo(TrainingSection);
const MemoData = memo(DataSection);
const MemoDataFile = memo(DataFileSection);
const MemoDistribution = memo(DistributionSection);
const MemoHardware = memo(HardwareSection);
const MemoGuide = memo(ScenarioGuide);
const MemoLevers = memo(LeversPanel);

export function App({ api }: { api: TuneplanApi }) {
  const { state, actions } = usePlans(api);
  const { setDraft } = actions;
  const draft = state.draft;
  const { info, probe } = useAppInfo(api);
  const { live, report, errors, estimateError, plan, stale } = useDraftEstimate(draft);
  const searchRef = useRef<HTMLInputElement>(null);
  const savedPlanId = state.selected?.id ?? null;

  // The latest draft for callbacks that must stay stable (memoized sections, the owned-hardware context).
  const draftRef = useRef(draft);
  useLayoutEffect(() => {
    draftRef.current = draft;
  }, [draft]);

  // Advice applied to the draft (a lever, a recommendation, the scenario guide), undoable in one click while the
  // fields it set still hold what it set and the same plan is open.
  const [applied, setApplied] = useState<{ change: AppliedChange; planId: string | null } | null>(null);
  const applyAdvice = useCallback(
    (next: Draft, change: AppliedChange | null) => {
      setDraft(next);
      setApplied(change ? { change, planId: savedPlanId } : null);
    },
    [setDraft, savedPlanId],
  );
  const applyLever = useCallback(
    (patch: Record<string, unknown>, label: string) => {
      const r = applyPatch(draftRef.current, patch, label);
      applyAdvice(r.next, r.applied);
    },
    [applyAdvice],
  );
  const undoable = applied && applied.planId === savedPlanId && stillApplied(draft, applied.change) ? applied : null;
  const undo = () => {
    if (!undoable) return;
    setDraft(revertChange(draft, undoable.change));
    setApplied(null);
  };

  // Owned hardware for Recommend: this machine, saved profiles (read when it runs) and figures the user entered.
  const [figures, setFiguresState] = useState<EnteredFigures>({});
  const ownedSources = useMemo<OwnedSources>(
    () => ({
      probe,
      loadProfiles: async () => {
        const r = await api.invoke('profiles:list', {});
        return r.ok ? r.data : [];
      },
      figures,
      setFigures: (ownedId, f) =>
        setFiguresState((all) => {
          const { [ownedId]: _old, ...rest } = all;
          return f ? { ...rest, [ownedId]: f } : rest;
        }),
      setPlanGpu: (gpu) => {
        const before = draftRef.current;
        const next = setIn(before, ['hardware', 'gpu'], gpu);
        applyAdvice(next, recordChange(before, next, `your figures for ${gpu.name}`));
      },
    }),
    [api, probe, figures, applyAdvice],
  );
  const warnings = useMemo(() => warningsByField(report?.warnings), [report]);

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
        <UndoBar applied={undoable?.change ?? null} onUndo={undo} />
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
        <MemoGuide draft={draft} plan={plan} report={report} onApply={applyAdvice} />
        {/* Levers live in the editor column, beside the fields they change (the results panel is another feature). */}
        <MemoLevers plan={plan} report={report} onApply={applyLever} />
        <MemoModel api={api} draft={draft} onChange={setDraft} error={errors['model.id'] ?? errors.model} />
        <MemoTechniques draft={draft} errors={errors} onChange={setDraft} warnings={warnings} />
        <MemoTraining draft={draft} errors={errors} onChange={setDraft} warnings={warnings} />
        <MemoData draft={draft} errors={errors} onChange={setDraft} warnings={warnings} />
        {/* The user's own data file: statistics that set the Data section's fields (issue 17). */}
        <MemoDataFile draft={draft} onChange={setDraft} />
        <MemoDistribution draft={draft} errors={errors} onChange={setDraft} />
        <MemoHardware
          machine={machinePanel}
          draft={draft}
          errors={errors}
          onChange={setDraft}
          defaultMfu={defaultMfu}
          warnings={warnings}
        />
      </main>
      {/* Recommend reads the owned hardware from this context: results do not import the machine feature. */}
      <OwnedHardwareContext.Provider value={ownedSources}>
        <ResultsPanel
          runs={(p, r) => <RunsPanel api={api} planId={savedPlanId} plan={p} report={r} />}
          plan={plan}
          report={report}
          stale={stale}
          error={estimateError}
          onApply={(o: RecommendedOption) => {
            const next = applyRecommendation(draft, o);
            applyAdvice(
              next,
              recordChange(
                draft,
                next,
                `${o.technique} on ${o.gpus} × ${o.gpuName}, micro-batch ${o.microBatch} × ${o.gradAccum}`,
              ),
            );
          }}
        />
      </OwnedHardwareContext.Provider>
      <StatusBar api={api} info={info} probe={probe} state={state} onRestored={actions.refresh} />
    </div>
  );
}
