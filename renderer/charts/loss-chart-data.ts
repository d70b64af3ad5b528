/**
 * One data array for the loss chart: Recharts' LineChart shares its `data` between lines, and eval steps
 * (every eval_steps) are not the training log steps (every logging_steps), so each row holds the step and the
 * training loss and/or eval loss logged at it; `connectNulls` on the lines bridges the gaps.
 */
export interface LossChartRow {
  step: number;
  loss?: number;
  evalLoss?: number;
}

export function lossChartData(
  lossCurve: ReadonlyArray<{ step: number; loss: number }>,
  evalCurve: ReadonlyArray<{ step: number; loss: number }>,
): LossChartRow[] {
  const rows = new Map<number, LossChartRow>();
  const row = (step: number) => {
    let r = rows.get(step);
    if (!r) rows.set(step, (r = { step }));
    return r;
  };
  for (const p of lossCurve) row(p.step).loss = p.loss;
  for (const p of evalCurve) row(p.step).evalLoss = p.loss;
  return [...rows.values()].sort((a, b) => a.step - b.step);
}

/**
 * The objective's own curves (issue 19) as chart views: a metric picker lists the views a run has data for, each
 * with the y-axis it is read on. Keys are TRL's log keys (shared/import/run-objective.ts cites where each trainer
 * logs them); a view shows its training keys and, dashed, their `eval_` twins.
 *   DPO rewards/* are the implicit rewards β·(log π(y|x) − log π_ref(y|x)) (trl/trainer/dpo_trainer.py), in nats
 *   scaled by β; logps/* are a completion's log-probability summed over its tokens; rewards/accuracies is the share
 *   of pairs whose chosen reward beats the rejected one. GRPO's reward is the mean over the batch's completions of
 *   the summed reward functions, reward_std their standard deviation, kl the mean per-token k3 estimate against the
 *   reference (grpo_trainer.py).
 */
export interface MetricSeries {
  /** Row field holding this series (`m0`, `m1`, …): log keys contain '/' and recharts reads dataKey as a path. */
  field: string;
  key: string;
  name: string;
  eval: boolean;
}
export interface MetricView {
  id: string;
  label: string;
  /** The y axis's label with its unit. */
  axis: string;
  /** Unit appended to values in the tooltip ('%' for shares shown as percentages). */
  unit: string;
  percent: boolean;
  series: MetricSeries[];
  /** GRPO's reward ± reward_std, drawn as a band (row field `band` = [low, high]). */
  band: boolean;
}
export type MetricRow = { step: number; band?: [number, number] } & Record<string, number | [number, number]>;

interface ViewSpec {
  id: string;
  label: string;
  axis: string;
  unit: string;
  percent?: boolean;
  keys: ReadonlyArray<string | RegExp>;
  band?: { mean: string; std: string };
  names?: Record<string, string>;
}

const IMPLICIT_REWARD = 'β·log(π/π_ref) (nats)';
const VIEW_SPECS: readonly ViewSpec[] = [
  {
    id: 'rewards',
    label: 'Rewards: chosen vs rejected',
    axis: IMPLICIT_REWARD,
    unit: 'nats',
    keys: ['rewards/chosen', 'rewards/rejected'],
  },
  {
    id: 'margins',
    label: 'Reward margin (chosen − rejected)',
    axis: IMPLICIT_REWARD,
    unit: 'nats',
    keys: ['rewards/margins'],
  },
  {
    id: 'accuracy',
    label: 'Preference accuracy',
    axis: 'chosen reward > rejected (%)',
    unit: '%',
    percent: true,
    keys: ['rewards/accuracies'],
  },
  {
    id: 'logps',
    label: 'Log-probabilities: chosen vs rejected',
    axis: 'completion log-prob (nats)',
    unit: 'nats',
    keys: ['logps/chosen', 'logps/rejected'],
  },
  { id: 'nll', label: 'NLL loss on the chosen', axis: 'loss (nats per token)', unit: 'nats/token', keys: ['nll_loss'] },
  { id: 'log-odds', label: 'Log odds ratio', axis: 'log odds ratio (nats)', unit: 'nats', keys: ['log_odds_ratio'] },
  {
    id: 'reward',
    label: 'Reward ± reward_std',
    axis: "reward (reward functions' sum)",
    unit: 'reward',
    keys: ['reward', /^rewards\/.+\/mean$/],
    band: { mean: 'reward', std: 'reward_std' },
    names: { reward: 'reward (mean)' },
  },
  {
    id: 'length',
    label: 'Completion length',
    axis: 'completion length (tokens)',
    unit: 'tokens',
    keys: ['completions/mean_length'],
  },
  { id: 'kl', label: 'KL to the reference', axis: 'KL (nats per token)', unit: 'nats/token', keys: ['kl'] },
  {
    id: 'clipped',
    label: 'Completions cut at the length limit',
    axis: 'completions truncated (%)',
    unit: '%',
    percent: true,
    keys: ['completions/clipped_ratio'],
  },
  { id: 'entropy', label: 'Entropy', axis: 'entropy (nats per token)', unit: 'nats/token', keys: ['entropy'] },
  {
    id: 'zero-std',
    label: 'Groups with equal rewards',
    axis: 'groups scored alike (%)',
    unit: '%',
    percent: true,
    keys: ['frac_reward_zero_std'],
  },
  {
    id: 'rm-accuracy',
    label: 'Accuracy',
    axis: 'pairs ranked right (%)',
    unit: '%',
    percent: true,
    keys: ['accuracy'],
  },
  { id: 'rm-margin', label: 'Margin', axis: 'reward margin (logits)', unit: 'logits', keys: ['margin'] },
  { id: 'rm-mean', label: 'Mean reward', axis: 'reward (logits)', unit: 'logits', keys: ['mean_reward'] },
];

const matches = (pattern: string | RegExp, key: string) =>
  typeof pattern === 'string' ? pattern === key : pattern.test(key);
/** `rewards/reward_length/mean` → `reward_length (mean)`. */
const seriesName = (key: string, spec: ViewSpec) =>
  spec.names?.[key] ?? (/^rewards\/(.+)\/mean$/.exec(key)?.[1] ?? null)?.concat(' (mean)') ?? key;

/**
 * The views `curves` fill, in the order above (DPO: rewards, margin, accuracy, log-probs; GRPO: reward, length, KL);
 * a logged key no view names gets a view of its own, so nothing imported is hidden.
 */
export function metricViews(curves: ReadonlyArray<{ key: string }>): MetricView[] {
  const training = curves.map((c) => c.key).filter((k) => !k.startsWith('eval_'));
  const has = new Set(curves.map((c) => c.key));
  const used = new Set<string>();
  const views: MetricView[] = [];
  const build = (spec: ViewSpec, keys: string[]): MetricView => {
    const series: MetricSeries[] = [];
    for (const key of keys) {
      used.add(key);
      series.push({ field: `m${series.length}`, key, name: seriesName(key, spec), eval: false });
    }
    for (const key of keys)
      if (has.has(`eval_${key}`))
        series.push({
          field: `m${series.length}`,
          key: `eval_${key}`,
          name: `eval ${seriesName(key, spec)}`,
          eval: true,
        });
    const band = spec.band !== undefined && has.has(spec.band.mean) && has.has(spec.band.std);
    if (band) used.add(spec.band!.std);
    return {
      id: spec.id,
      label: spec.label,
      axis: spec.axis,
      unit: spec.unit,
      percent: spec.percent ?? false,
      series,
      band,
    };
  };
  for (const spec of VIEW_SPECS) {
    const keys = spec.keys.flatMap((p) => training.filter((k) => matches(p, k)));
    if (keys.length) views.push(build(spec, [...new Set(keys)]));
  }
  for (const key of training)
    if (!used.has(key)) views.push(build({ id: `key:${key}`, label: key, axis: key, unit: '', keys: [key] }, [key]));
  return views;
}

/** One row per logged step with each series' value (×100 for shares) and the reward ± std band. */
export function metricChartData(curves: ReadonlyArray<MetricCurveLike>, view: MetricView): MetricRow[] {
  const byKey = new Map(curves.map((c) => [c.key, c.points]));
  const rows = new Map<number, MetricRow>();
  const row = (step: number) => {
    let r = rows.get(step);
    if (!r) rows.set(step, (r = { step } as MetricRow));
    return r;
  };
  const scale = view.percent ? 100 : 1;
  for (const s of view.series) for (const p of byKey.get(s.key) ?? []) row(p.step)[s.field] = p.value * scale;
  if (view.band) {
    const std = new Map((byKey.get('reward_std') ?? []).map((p) => [p.step, p.value]));
    for (const p of byKey.get('reward') ?? []) {
      const sd = std.get(p.step);
      if (sd !== undefined) row(p.step).band = [p.value - sd, p.value + sd];
    }
  }
  return [...rows.values()].sort((a, b) => a.step - b.step);
}

interface MetricCurveLike {
  key: string;
  points: ReadonlyArray<{ step: number; value: number }>;
}
