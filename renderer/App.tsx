/**
 * The editor screen: the plans list, the editor sections, the results and the status bar. It composes the
 * features (features/<name>/ never import each other: what one shows inside another is passed in here).
 */
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { exportFiles } from '../shared/exporters/training';
import type { Plan } from '../shared/domain/plan';
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
import { ObjectiveSection } from './features/editor/ObjectiveSection';
import { TechniquesSection } from './features/editor/TechniquesSection';
import { DataSection, DistributionSection, TrainingSection } from './features/editor/TrainingSections';
import { MachinePanel } from './features/machine/MachinePanel';
import { PlansList } from './features/plans/PlansList';
import { usePlans, type SaveOutcome } from './features/plans/use-plans';
import { ResultsPanel } from './features/results/ResultsPanel';
import { RunsPanel } from './features/runs/RunsPanel';
import { ScenarioGuide } from './features/scenario/ScenarioGuide';
import { useAppInfo } from './hooks/use-app-info';
import { useDraftEstimate } from './hooks/use-estimate';
import { useShortcuts } from './hooks/use-shortcuts';
import { Banners } from './screen/Banners';
import { ErrorSummary } from './screen/ErrorSummary';
import { invalidFields, revealAndFocus, type InvalidField } from './screen/invalid-fields';
import { PlanActions } from './screen/PlanActions';
import { StatusBar } from './screen/StatusBar';
import { applyPatch, recordChange, revertChange, stillApplied, type AppliedChange } from './state/changes';
import { applyRecommendation, setIn, validateDraft, type Draft } from './state/draft';
import { OwnedHardwareContext, type EnteredFigures, type OwnedSources } from './state/owned-hardware';

// Editor sections re-render only when their props change (the draft, errors or callbacks they get).
const MemoModel = memo(ModelSection);
const MemoTechniques = memo(TechniquesSection);
const MemoTraining = memo(TrainingSection);
const MemoObjective = memo(ObjectiveSection);
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
  // `origin` 'machine': "Use this machine" (issue 20), whose note and Undo sit in the machine panel, beside its button.
  const [applied, setApplied] = useState<{
    change: AppliedChange;
    planId: string | null;
    origin?: 'machine';
  } | null>(null);
  const applyAdvice = useCallback(
    (next: Draft, change: AppliedChange | null, origin?: 'machine') => {
      setDraft(next);
      setApplied(change ? { change, planId: savedPlanId, ...(origin ? { origin } : {}) } : null);
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
  const undo = useCallback(() => {
    if (!undoable) return;
    setDraft(revertChange(draftRef.current, undoable.change));
    setApplied(null);
  }, [undoable, setDraft]);
  const machineUndo = undoable?.origin === 'machine' && undoable.change.changes.length > 0 ? undo : null;
  const applyMachine = useCallback(
    (next: Draft, change: AppliedChange) => applyAdvice(next, change, 'machine'),
    [applyAdvice],
  );

  // A failed save lists every invalid field and moves focus to the first (issue 20); the list follows the fields
  // as they are fixed and goes once none is left.
  const editorRef = useRef<HTMLElement>(null);
  const saveRef = useRef<HTMLButtonElement>(null);
  const summaryRef = useRef<HTMLDivElement>(null);
  const [invalid, setInvalid] = useState<InvalidField[] | null>(null);
  const showingInvalid = invalid !== null;
  useEffect(() => {
    if (!showingInvalid || !editorRef.current) return;
    const now = invalidFields(editorRef.current, live.errors);
    setInvalid(now.length > 0 ? now : null);
  }, [showingInvalid, live.errors]);
  const focusSummary = useRef(false);
  useEffect(() => {
    if (invalid && focusSummary.current) summaryRef.current?.focus();
    focusSummary.current = false;
  }, [invalid]);
  const showInvalid = () => {
    if (!editorRef.current) return;
    const fields = invalidFields(editorRef.current, validateDraft(draftRef.current).errors);
    setInvalid(fields.length > 0 ? fields : null);
    const first = fields[0]?.target;
    if (first) revealAndFocus(first);
    else focusSummary.current = true; // no field to go to: the summary itself, once it is rendered
  };
  // A save can remove the focused control (the conflict banner's "Save mine as a copy"): focus goes back to Save
  // rather than to the page body. Checked once, after the commit that follows the save.
  const checkFocusAfterSave = useRef(false);
  useEffect(() => {
    if (!checkFocusAfterSave.current) return;
    checkFocusAfterSave.current = false;
    const active = document.activeElement;
    if (!active || active === document.body || !active.isConnected) saveRef.current?.focus();
  });
  const afterSave = (outcome: SaveOutcome) => {
    if (outcome === 'invalid') showInvalid();
    else {
      setInvalid(null);
      checkFocusAfterSave.current = true;
    }
  };
  const screenActions: typeof actions = {
    ...actions,
    save: async (asCopy?: boolean) => {
      if (state.busy) return 'failed'; // Save says aria-disabled while busy (PlanActions)
      const outcome = await actions.save(asCopy);
      afterSave(outcome);
      return outcome;
    },
    duplicate: async () => {
      const outcome = await actions.duplicate();
      afterSave(outcome);
      return outcome;
    },
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
    save: () => void screenActions.save(),
    startNew: actions.startNew,
    focusSearch: () => searchRef.current?.focus(),
    exportJson,
  });

  // Built here, not inside HardwareSection: the editor feature does not import the machine feature.
  const machinePanel = useMemo(
    () => <MachinePanel api={api} probe={probe} draft={draft} onApply={applyMachine} undo={machineUndo} />,
    [api, probe, draft, applyMachine, machineUndo],
  );
  // The scenario guide's second stage (issue 19): saved as its own plan, linked to this one, then opened.
  // The actions object is rebuilt each render: read it through a ref so the memoized guide keeps a stable callback.
  const actionsRef = useRef(actions);
  useLayoutEffect(() => {
    actionsRef.current = actions;
  }, [actions]);
  const planDpo = useCallback(
    (dpo: Plan) => {
      void (async () => {
        const r = await api.invoke('plans:save', { plan: dpo });
        if (!r.ok) {
          actionsRef.current.setError(r.error);
          return;
        }
        actionsRef.current.refresh();
        await actionsRef.current.open(r.data.id);
      })();
    },
    [api],
  );
  const basePlanId = draft.objective.basePlanId;
  const basePlanName = basePlanId ? (state.plans.find((p) => p.id === basePlanId)?.name ?? null) : null;
  // Stable for the memoized section: the actions object is read through its ref.
  const openBase = useCallback(() => {
    if (basePlanId) void actionsRef.current.open(basePlanId);
  }, [basePlanId]);
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
      <main ref={editorRef} className="editor" aria-label="Plan editor">
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
          <PlanActions api={api} state={state} actions={screenActions} onExportJson={exportJson} saveRef={saveRef} />
        </header>
        <Banners info={info} state={state} actions={screenActions} />
        {invalid ? <ErrorSummary ref={summaryRef} fields={invalid} /> : null}
        <UndoBar applied={undoable && undoable.origin !== 'machine' ? undoable.change : null} onUndo={undo} />
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
        <MemoGuide
          draft={draft}
          plan={plan}
          report={report}
          onApply={applyAdvice}
          savedPlanId={savedPlanId}
          dirty={state.dirty}
          onPlanDpo={planDpo}
        />
        {/* Levers live in the editor column, beside the fields they change (the results panel is another feature). */}
        <MemoLevers plan={plan} report={report} onApply={applyLever} />
        <MemoModel api={api} draft={draft} onChange={setDraft} error={errors['model.id'] ?? errors.model} />
        <MemoTechniques draft={draft} errors={errors} onChange={setDraft} warnings={warnings} />
        <MemoObjective
          draft={draft}
          errors={errors}
          onChange={setDraft}
          warnings={warnings}
          basePlanName={basePlanName}
          onOpenBase={openBase}
        />
        <MemoTraining draft={draft} errors={errors} onChange={setDraft} warnings={warnings} />
        <MemoData draft={draft} errors={errors} onChange={setDraft} warnings={warnings} />
        {/* The user's own data file: statistics that set the Data section's fields (issue 17). */}
        <MemoDataFile api={api} draft={draft} onChange={setDraft} />
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
