/**
 * The scenario guide, from the project's seed document (its "fine-tuning scenarios" table, Persian
 * original in shared/seed): what each technique is marked suitable for. Every claim shown to the user
 * is then backed by this plan's own estimate.
 */
import { TechniqueSchema, type Plan, type Technique, type TechniqueKind } from '../../../shared/domain/plan';
import { bestMarks, fitState } from '../../../shared/estimate/advice';
import type { EstimateReport, TechniqueEstimate } from '../../../shared/estimate/estimate';
import { count, gib, usd, duration } from '../../format';
import { diffFields, type AppliedChange } from '../../state/changes';
import type { Draft } from '../../state/draft';

export const SCENARIOS = [
  { id: 'domain', label: 'Adapt a pre-trained model to a task or domain', seqLen: 2048, meanTokens: 1024 },
  {
    id: 'nlp',
    label: 'NLP tasks: text classification, named-entity recognition, machine translation',
    seqLen: 512,
    meanTokens: 256,
  },
  { id: 'qa', label: 'Question answering', seqLen: 1024, meanTokens: 512 },
  { id: 'chat', label: 'Human-like chatbot responses', seqLen: 2048, meanTokens: 768 },
  { id: 'creative', label: 'Music, art or other creative generation', seqLen: 2048, meanTokens: 1024 },
] as const;
export type ScenarioId = (typeof SCENARIOS)[number]['id'];

export const GOALS = [
  { id: 'cost', label: 'Lower compute and money cost' },
  { id: 'memory', label: 'Lower memory use' },
  { id: 'params', label: 'Fewer trainable parameters' },
  { id: 'multiGpu', label: 'Spread memory across several GPUs (aggregate GPU memory)' },
] as const;
export type GoalId = (typeof GOALS)[number]['id'];

type Column = 'lora' | 'qlora' | 'peft' | 'deepspeed' | 'dora';
/** Rows 6–9 of the seed table (every scenario row is "yes" for every technique). */
const GOAL_TABLE: Record<GoalId, Record<Column, boolean>> = {
  cost: { lora: true, qlora: true, peft: false, deepspeed: true, dora: false },
  memory: { lora: false, qlora: true, peft: false, deepspeed: true, dora: true },
  params: { lora: false, qlora: true, peft: true, deepspeed: false, dora: true },
  multiGpu: { lora: false, qlora: false, peft: false, deepspeed: true, dora: true },
};

export const TECHNIQUE_BLURBS: Partial<Record<TechniqueKind, string>> = {
  full: 'Full fine-tuning updates every weight: the baseline every other option is compared with.',
  lora: 'LoRA is parameter-efficient: it freezes the model and trains small low-rank matrices beside chosen layers.',
  qlora: 'QLoRA is LoRA on a base model stored in 4 bits, so the frozen weights take about a quarter of the memory.',
  dora: 'DoRA splits each adapted weight into magnitude and direction and trains both with LoRA-style updates.',
  ia3: 'IA3 and other PEFT methods (prompt tuning, prefix tuning) train only scaling vectors or virtual tokens.',
  prompt_tuning: 'Prompt tuning learns a few virtual token embeddings prepended to every input.',
};
export const DEEPSPEED_BLURB =
  'DeepSpeed ZeRO is a distributed memory optimization: it shards optimizer states, gradients and (stage 3) ' +
  'parameters across GPUs, giving access to their aggregate memory, and combines with PEFT.';

export interface GuideChoice {
  techniques: TechniqueKind[];
  zero3: boolean;
}

/** Techniques the seed table marks suitable for every chosen goal; full fine-tuning stays as the baseline. */
export function chooseTechniques(goals: GoalId[]): GuideChoice {
  const ok = (col: Column) => goals.every((g) => GOAL_TABLE[g][col]);
  const techniques: TechniqueKind[] = ['full'];
  if (ok('lora')) techniques.push('lora');
  if (ok('qlora')) techniques.push('qlora');
  if (ok('dora')) techniques.push('dora');
  if (ok('peft')) techniques.push('ia3', 'prompt_tuning');
  if (techniques.length < 3)
    for (const k of ['lora', 'qlora'] as const) if (!techniques.includes(k)) techniques.push(k);
  return { techniques, zero3: goals.length > 0 && ok('deepspeed') && goals.includes('multiGpu') };
}

/** "QLoRA: 0.66 % of parameters trained, 71 % less memory than full fine-tuning here." */
export function claims(report: EstimateReport): string[] {
  const full = report.techniques.find((t) => t.technique === 'full');
  return report.techniques
    .filter((t) => t.technique !== 'full')
    .map((t) => {
      const parts = [
        `${t.label}: ${t.trainablePercent < 0.1 ? t.trainablePercent.toFixed(3) : t.trainablePercent.toFixed(2)} ` +
          '% of parameters trained',
      ];
      if (full) {
        const mem = 1 - t.memory.nvidiaSmiBytes / full.memory.nvidiaSmiBytes;
        parts.push(
          `${Math.abs(mem * 100).toFixed(0)} % ${mem >= 0 ? 'less' : 'more'} memory than full fine-tuning here`,
        );
        if (t.costUsd !== null && full.costUsd !== null && full.costUsd > 0) {
          const c = 1 - t.costUsd / full.costUsd;
          parts.push(`${Math.abs(c * 100).toFixed(0)} % ${c >= 0 ? 'cheaper' : 'more expensive'}`);
        }
      }
      return parts.join(', ') + '.';
    });
}

/** The seed table's column for a technique; null for full fine-tuning (the baseline, not a column). */
function columnOf(kind: TechniqueKind): Column | null {
  if (kind === 'lora' || kind === 'qlora' || kind === 'dora') return kind;
  if (kind === 'ia3' || kind === 'prompt_tuning') return 'peft';
  return null;
}

/** Whether the seed table marks a technique as suited to a goal (null: the table has no column for it). */
export function tableMarks(goal: GoalId, kind: TechniqueKind): boolean | null {
  const col = columnOf(kind);
  return col === null ? null : GOAL_TABLE[goal][col];
}

/** Every technique the table has a column for, plus the baseline: what the guide estimates to rank its choice. */
export const TABLE_KINDS: TechniqueKind[] = ['full', 'lora', 'qlora', 'dora', 'ia3', 'prompt_tuning'];

interface Metric {
  /** Lower is better; null = unknown for this technique. */
  value: (t: TechniqueEstimate) => number | null;
  show: (v: number) => string;
  /** "peaks at", "trains", "costs". */
  verb: string;
}

/**
 * The figure of this plan's estimate each goal is about. Cost is the estimated cost when every technique has a
 * price, else the wall time (same GPUs, so time is what the bill follows). "Aggregate GPU memory" is about the
 * sharding strategy, not the technique: its ranking is by memory per GPU.
 */
export function goalMetric(goal: GoalId, report: Pick<EstimateReport, 'techniques'>): Metric {
  if (goal === 'params')
    return { value: (t) => t.trainableParams, show: (v) => `${count(v)} parameters`, verb: 'trains' };
  if (goal === 'cost') {
    const priced = report.techniques.every((t) => t.costUsd !== null);
    return priced
      ? { value: (t) => t.costUsd, show: (v) => usd(v), verb: 'costs' }
      : { value: (t) => t.wallSeconds, show: (v) => duration(v), verb: 'takes' };
  }
  return { value: (t) => t.memory.nvidiaSmiBytes, show: (v) => gib(v), verb: 'peaks at' };
}

/**
 * The guide's techniques ordered by this plan's numbers for the first goal (full fine-tuning stays first, as the
 * baseline).
 */
export function rankKinds(
  kinds: readonly TechniqueKind[],
  goals: readonly GoalId[],
  report: EstimateReport,
): TechniqueKind[] {
  const goal = GOALS.find((g) => goals.includes(g.id))?.id;
  if (!goal) return [...kinds];
  const metric = goalMetric(goal, report);
  const valueOf = (k: TechniqueKind) => {
    const t = report.techniques.find((x) => x.technique === k);
    return (t && metric.value(t)) ?? Number.POSITIVE_INFINITY;
  };
  const rest = kinds.filter((k) => k !== 'full').sort((a, b) => valueOf(a) - valueOf(b));
  return kinds.includes('full') ? ['full', ...rest] : rest;
}

const GOAL_CLAIM: Record<GoalId, string> = {
  cost: 'lower cost',
  memory: 'lower memory use',
  params: 'fewer trainable parameters',
  multiGpu: 'aggregate GPU memory',
};

/**
 * Where the seed table and this plan's numbers disagree, one plain sentence each with both facts: a technique the
 * table marks for a goal, and the best technique it does not mark that does better on this plan ("The seed table
 * marks DoRA for lower memory use and not LoRA, but on this plan DoRA peaks at 14.2 GiB, 67 % more than LoRA's
 * 8.5 GiB."). Not for "aggregate GPU memory": that is the strategy's doing, not the technique's.
 */
/**
 * A difference smaller than this share is within the estimate's own precision (the ranges are wider), so it is not
 * a disagreement with the table: "$4.53, 0 % more than $4.53" says nothing.
 */
export const MATERIAL_DIFFERENCE = 0.05;

export function disagreements(goals: readonly GoalId[], report: EstimateReport): string[] {
  const out: string[] = [];
  for (const goal of goals) {
    if (goal === 'multiGpu') continue;
    const metric = goalMetric(goal, report);
    const withValue = report.techniques
      .map((t) => ({ t, v: metric.value(t), marked: tableMarks(goal, t.technique) }))
      .filter((x): x is { t: TechniqueEstimate; v: number; marked: boolean } => x.v !== null && x.marked !== null);
    const unmarked = withValue.filter((x) => !x.marked).sort((a, b) => a.v - b.v);
    for (const m of withValue.filter((x) => x.marked)) {
      const better = unmarked.find((u) => u.v < m.v * (1 - MATERIAL_DIFFERENCE));
      if (!better) continue;
      const more = better.v > 0 ? `, ${Math.round((m.v / better.v - 1) * 100)} % more than` : ', more than';
      out.push(
        `The seed table marks ${m.t.label} for ${GOAL_CLAIM[goal]} and not ${better.t.label}, ` +
          `but on this plan ${m.t.label} ${metric.verb} ${metric.show(m.v)}${more} ` +
          `${better.t.label}'s ${metric.show(better.v)}.`,
      );
    }
  }
  return out;
}

/**
 * The plan the guide estimates to rank: this plan with every technique of the table (the draft's own settings
 * kept).
 */
export function tablePlan(plan: Plan): Plan {
  return { ...plan, techniques: TABLE_KINDS.map((k) => sameKind(plan.techniques, k)) };
}

function sameKind(techniques: readonly Technique[], kind: TechniqueKind): Technique {
  return techniques.find((t) => t.kind === kind) ?? TechniqueSchema.parse({ kind });
}

/**
 * The draft as the guide sets it: the chosen techniques in ranked order (a technique already in the plan keeps its
 * settings), the scenario's sequence length and example size, and ZeRO-3 over several GPUs for aggregate memory.
 * With its changes, field by field, for the list beside the button and for undo.
 */
export function guideResult(
  draft: Draft,
  scenarioId: ScenarioId,
  goals: readonly GoalId[],
  ranking: EstimateReport | null,
): { next: Draft; applied: AppliedChange } {
  const s = SCENARIOS.find((x) => x.id === scenarioId)!;
  const choice = chooseTechniques([...goals]);
  const kinds = ranking ? rankKinds(choice.techniques, goals, ranking) : choice.techniques;
  const gpus = draft.distribution.gpusPerNode * draft.distribution.nodes;
  const next: Draft = {
    ...draft,
    techniques: kinds.map((k) => sameKind(draft.techniques, k)),
    training: { ...draft.training, seqLen: s.seqLen },
    data: { ...draft.data, mode: 'examples', meanTokensPerExample: s.meanTokens },
    distribution: choice.zero3
      ? { ...draft.distribution, strategy: 'zero3', gpusPerNode: gpus > 1 ? draft.distribution.gpusPerNode : 4 }
      : draft.distribution,
  };
  return { next, applied: { label: `the scenario guide (${s.label})`, changes: diffFields(draft, next) } };
}

/**
 * "Human-like chatbot responses" is, in practice, supervised fine-tuning followed by preference training (issue 19):
 * the guide offers the second stage as a linked plan. The DPO plan is this plan with objective DPO, its base the SFT
 * plan's output (objective.basePlanId), the reference where TRL takes it (the PEFT base with the adapter disabled
 * when the plan compares an adapter — full fine-tuning, which has none, then falls back to a frozen copy, shared/
 * estimate/objective.ts `referenceMode` — else a frozen copy), and DPOConfig's own learning rate
 * (trl/trainer/dpo_config.py: learning_rate=1e-6). Everything else is the SFT plan's, so the two are estimated on
 * the same hardware.
 */
export const PREFERENCE_SCENARIOS: ReadonlySet<ScenarioId> = new Set(['chat']);
const DPO_LEARNING_RATE = 1e-6;
const ADAPTERS: ReadonlySet<TechniqueKind> = new Set(['lora', 'qlora', 'dora', 'vera', 'loha', 'lora_fa', 'ia3']);

export function sftStage(plan: Plan): Plan {
  return { ...plan, objective: { ...plan.objective, kind: 'sft', basePlanId: null } };
}

export function dpoStage(plan: Plan, basePlanId: string | null): Plan {
  const adapter = plan.techniques.some((t) => ADAPTERS.has(t.kind));
  return {
    ...plan,
    name: `${plan.name} → DPO`.slice(0, 200),
    objective: { ...plan.objective, kind: 'dpo', reference: adapter ? 'peft_base' : 'copy', basePlanId },
    training: { ...plan.training, learningRate: DPO_LEARNING_RATE },
  };
}

export interface StageFigures {
  label: string;
  peakBytes: number;
  wallSeconds: number;
  costUsd: number | null;
}

export interface StageTotals {
  /** The technique both stages are shown for, and why it is that one (for the table's caption). */
  technique: { index: number; label: string; why: string };
  stages: StageFigures[];
  total: StageFigures;
}

/**
 * The two stages' figures for one technique, and their total (time and cost add; memory is a max). The technique is
 * the one the results' headline leads with on the SFT stage (shared/estimate/advice.ts `bestMarks`: the cheapest
 * that fits, the fastest when nothing has a price — the results summary's own choice), so the table and the
 * headline never name different techniques; when nothing fits, the plan's first technique, said so.
 */
export function stageTotals(sft: EstimateReport, dpo: EstimateReport): StageTotals {
  const marks = bestMarks(sft);
  const lead = marks.cost ?? marks.time;
  const chosen = sft.techniques.find((t) => t.index === lead) ?? sft.techniques[0]!;
  const that = fitState(chosen) === 'fits' ? 'that fits' : 'that may fit';
  const why =
    lead === null
      ? 'the plan’s first technique: none fits'
      : marks.cost !== null
        ? `${marks.time === lead ? 'cheapest and fastest' : 'cheapest'} ${that}`
        : `fastest ${that}`;
  const pick = (label: string, r: EstimateReport): StageFigures => {
    const t = r.techniques.find((x) => x.index === chosen.index) ?? r.techniques[0]!;
    return { label, peakBytes: t.memory.nvidiaSmiBytes, wallSeconds: t.wallSeconds, costUsd: t.costUsd };
  };
  const stages = [pick('SFT', sft), pick('DPO', dpo)];
  const costs = stages.map((s) => s.costUsd);
  return {
    technique: { index: chosen.index, label: chosen.label, why },
    stages,
    total: {
      label: 'SFT → DPO',
      peakBytes: Math.max(...stages.map((s) => s.peakBytes)),
      wallSeconds: stages.reduce((a, s) => a + s.wallSeconds, 0),
      costUsd: costs.every((c): c is number => c !== null) ? costs.reduce((a, c) => a + c, 0) : null,
    },
  };
}
