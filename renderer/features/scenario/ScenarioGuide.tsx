/**
 * The scenario guide (issue 14.4): the goal selects techniques from the seed's table, this plan's own estimate
 * ranks them, and where the two disagree the guide says so. It changes nothing silently: the fields it would set are
 * listed beside the button, what it set is undone in one click, and unticking a goal undoes what that goal set.
 */
import { useId, useState } from 'react';
import type { Plan } from '../../../shared/domain/plan';
import { estimatePlan, type EstimateReport } from '../../../shared/estimate/estimate';
import { Section } from '../../components/fields';
import { useIdleSteps } from '../../hooks/use-idle-value';
import {
  changedFields,
  changeText,
  pathName,
  revertChange,
  stillApplied,
  type AppliedChange,
} from '../../state/changes';
import type { Draft } from '../../state/draft';
import { gib, usd, duration } from '../../format';
import {
  claims,
  DEEPSPEED_BLURB,
  disagreements,
  dpoStage,
  GOALS,
  guideResult,
  PREFERENCE_SCENARIOS,
  SCENARIOS,
  sftStage,
  stageTotals,
  tablePlan,
  TECHNIQUE_BLURBS,
  type GoalId,
  type ScenarioId,
} from './scenarios';

// One estimate of every technique the table has a column for, on this plan's settings, after the screen paints.
const rankSteps = (plan: Plan) => [
  (): EstimateReport | null => {
    try {
      return estimatePlan(tablePlan(plan));
    } catch {
      return null;
    }
  },
];

// The SFT and DPO stages of a preference scenario, estimated on this plan's settings (issue 19).
const stageSteps = (plan: Plan) => [
  (): EstimateReport | null => safeEstimate(sftStage(plan)),
  (): EstimateReport | null => safeEstimate(dpoStage(plan, null)),
];
function safeEstimate(plan: Plan): EstimateReport | null {
  try {
    return estimatePlan(plan);
  } catch {
    return null;
  }
}

export function ScenarioGuide({
  draft,
  plan,
  report,
  onApply,
  savedPlanId = null,
  dirty = false,
  onPlanDpo,
}: {
  draft: Draft;
  /** The validated plan the report belongs to (deferred): the ranking is estimated from it, off the typing path. */
  plan: Plan | null;
  report: EstimateReport | null;
  /** Sets the draft and records the change for the screen's undo bar (null: an undo, nothing to record). */
  onApply: (next: Draft, applied: AppliedChange | null) => void;
  /** The saved plan the draft belongs to; the DPO stage links to it (objective.basePlanId). */
  savedPlanId?: string | null;
  dirty?: boolean;
  /** Creates the linked DPO plan (saved, then opened). */
  onPlanDpo?: (dpo: Plan) => void;
}) {
  const id = useId();
  const [scenario, setScenario] = useState<ScenarioId>('domain');
  const [goals, setGoals] = useState<GoalId[]>(['memory']);
  // What the guide set, relative to the draft before it: undone by "Undo" or, goal by goal, by unticking.
  const [applied, setApplied] = useState<{ change: AppliedChange; goals: GoalId[] } | null>(null);
  // Another plan opened (or this one saved as a new plan, or a new plan started): what the guide set belonged to the
  // draft before, so its Undo goes — left, it would rewrite the plan now open (the DPO plan the guide just created).
  const [appliedFor, setAppliedFor] = useState(savedPlanId);
  if (appliedFor !== savedPlanId) {
    setAppliedFor(savedPlanId);
    setApplied(null);
  }
  const ranking = useIdleSteps(plan, rankSteps).results[0] ?? null;
  const preference = PREFERENCE_SCENARIOS.has(scenario) && plan !== null && plan.objective.kind === 'sft';
  const stages = useIdleSteps(preference ? plan : null, stageSteps).results;
  const pair = preference && stages[0] && stages[1] ? stageTotals(stages[0], stages[1]) : null;
  const live = applied && appliedFor === savedPlanId && stillApplied(draft, applied.change) ? applied : null;

  const apply = (forGoals: GoalId[], base: Draft) => {
    const r = guideResult(base, scenario, forGoals, ranking);
    setApplied({ change: r.applied, goals: forGoals });
    onApply(r.next, r.applied);
  };
  const undo = () => {
    if (!live) return;
    const before = revertChange(draft, live.change);
    setApplied(null);
    onApply(before, null);
  };
  const toggleGoal = (g: GoalId, on: boolean) => {
    const next = on ? [...goals, g] : goals.filter((x) => x !== g);
    setGoals(next);
    // Unticking a goal the guide applied undoes what it set: back to the draft before the guide, then the
    // remaining goals applied again (none left: the guide's change is undone whole).
    if (!on && live && live.goals.includes(g)) {
      const base = revertChange(draft, live.change);
      const remaining = live.goals.filter((x) => x !== g);
      if (remaining.length > 0) apply(remaining, base);
      else {
        setApplied(null);
        onApply(base, null);
      }
    }
  };

  const preview = guideResult(draft, scenario, goals, ranking).applied.changes;
  const notes = ranking ? disagreements(goals, ranking) : [];
  const blurbs = [...new Set(draft.techniques.map((t) => TECHNIQUE_BLURBS[t.kind]).filter(Boolean))];
  return (
    <Section title="Scenario guide" summary={SCENARIOS.find((s) => s.id === scenario)!.label} defaultOpen>
      <div className="guide">
        <fieldset>
          <legend>What do you want to do?</legend>
          {SCENARIOS.map((s) => (
            <label key={s.id} className="radio">
              <input
                type="radio"
                name={`${id}-scenario`}
                value={s.id}
                checked={scenario === s.id}
                onChange={() => setScenario(s.id)}
              />{' '}
              {s.label}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>What matters most?</legend>
          {GOALS.map((g) => (
            <label key={g.id} className="radio">
              <input
                type="checkbox"
                checked={goals.includes(g.id)}
                onChange={(e) => toggleGoal(g.id, e.target.checked)}
              />{' '}
              {g.label}
            </label>
          ))}
        </fieldset>
      </div>
      <div className="guide-apply">
        <button type="button" onClick={() => apply(goals, draft)} disabled={preview.length === 0}>
          Choose techniques for this
        </button>
        <div className="hint" aria-label="Fields the guide sets">
          {preview.length === 0 ? (
            'The plan already matches this choice.'
          ) : (
            <>
              Sets{' '}
              {preview.map((c, i) => (
                <span key={pathName(c.path)}>
                  {i > 0 ? '; ' : ''}
                  {changeText(c)}
                </span>
              ))}
              {ranking ? ' (techniques ranked by this plan’s estimate)' : ''}.
            </>
          )}
        </div>
      </div>
      {live ? (
        <p className="guide-applied" role="status">
          The guide set {changedFields(live.change.changes)}.{' '}
          <button type="button" onClick={undo}>
            Undo the guide
          </button>
        </p>
      ) : null}
      {preference ? (
        <div className="guide-stages" aria-label="SFT then DPO">
          <p>
            Chatbot responses are usually trained in two stages: supervised fine-tuning, then preference training (DPO)
            on chosen and rejected answers, starting from the SFT model.
          </p>
          {pair ? (
            <table className="stages">
              <caption>
                Both stages with {pair.technique.label} ({pair.technique.why}, as in the results)
              </caption>
              <thead>
                <tr>
                  <th scope="col">Stage</th>
                  <th scope="col">Peak per GPU</th>
                  <th scope="col">Time</th>
                  <th scope="col">Cost</th>
                </tr>
              </thead>
              <tbody>
                {[...pair.stages, pair.total].map((s) => (
                  <tr key={s.label}>
                    <th scope="row">{s.label}</th>
                    <td>{gib(s.peakBytes)}</td>
                    <td>{duration(s.wallSeconds)}</td>
                    <td>{s.costUsd === null ? 'no price' : usd(s.costUsd)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="hint">Estimating both stages…</p>
          )}
          {onPlanDpo ? (
            <p>
              <button
                type="button"
                disabled={!plan || savedPlanId === null || dirty}
                onClick={() => plan && savedPlanId && onPlanDpo(dpoStage(plan, savedPlanId))}
              >
                Create the DPO plan
              </button>{' '}
              <span className="hint">
                {savedPlanId === null || dirty
                  ? 'Save this plan first: the DPO plan starts from its output.'
                  : 'A second plan, linked to this one; set its number of preference pairs there.'}
              </span>
            </p>
          ) : null}
        </div>
      ) : null}
      <div className="guide-explain" aria-live="polite">
        {notes.map((n) => (
          <p key={n} className="disagreement">
            {n}
          </p>
        ))}
        {blurbs.map((b) => (
          <p key={b}>{b}</p>
        ))}
        {draft.distribution.strategy !== 'ddp' ? <p>{DEEPSPEED_BLURB}</p> : null}
        {report ? (
          <ul className="claims">
            {claims(report).map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
        ) : null}
      </div>
    </Section>
  );
}
