import { useId, useState } from 'react';
import { TechniqueSchema } from '../../../shared/domain/plan';
import type { EstimateReport } from '../../../shared/estimate/estimate';
import { Section } from '../../components/fields';
import type { Draft } from '../../state/draft';
import {
  chooseTechniques,
  claims,
  DEEPSPEED_BLURB,
  GOALS,
  SCENARIOS,
  TECHNIQUE_BLURBS,
  type GoalId,
  type ScenarioId,
} from './scenarios';

export function ScenarioGuide({
  draft,
  report,
  onChange,
}: {
  draft: Draft;
  report: EstimateReport | null;
  onChange: (d: Draft) => void;
}) {
  const id = useId();
  const [scenario, setScenario] = useState<ScenarioId>('domain');
  const [goals, setGoals] = useState<GoalId[]>(['memory']);
  const apply = () => {
    const s = SCENARIOS.find((x) => x.id === scenario)!;
    const choice = chooseTechniques(goals);
    const gpus = draft.distribution.gpusPerNode * draft.distribution.nodes;
    onChange({
      ...draft,
      techniques: choice.techniques.map((kind) => TechniqueSchema.parse({ kind })),
      training: { ...draft.training, seqLen: s.seqLen },
      data: { ...draft.data, mode: 'examples', meanTokensPerExample: s.meanTokens },
      distribution: choice.zero3
        ? { ...draft.distribution, strategy: 'zero3', gpusPerNode: gpus > 1 ? draft.distribution.gpusPerNode : 4 }
        : draft.distribution,
    });
  };
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
                onChange={(e) => setGoals(e.target.checked ? [...goals, g.id] : goals.filter((x) => x !== g.id))}
              />{' '}
              {g.label}
            </label>
          ))}
        </fieldset>
      </div>
      <button type="button" onClick={apply}>
        Choose techniques for this
      </button>
      <div className="guide-explain" aria-live="polite">
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
