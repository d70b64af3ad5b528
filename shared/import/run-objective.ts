/**
 * The objective of an imported run and its own curves (issue 19), read from the keys the trainer logged. TRL's
 * trainers each log a recognisable set (TRL 1.16, trl/trainer and trl/experimental):
 *   DPOTrainer   rewards/chosen, rewards/rejected, rewards/accuracies, rewards/margins, logps/chosen, logps/rejected,
 *                logits/chosen, logits/rejected (dpo_trainer.py L1567-1601)
 *   KTOTrainer   kl, rewards/chosen, rewards/rejected, rewards/margins, logps/* (no rewards/accuracies)
 *                (kto_trainer.py L1484-1546)
 *   CPOTrainer   rewards/*, logps/*, logits/*, nll_loss (experimental/cpo/cpo_trainer.py L894-912); SimPO is its
 *                loss_type "simpo"
 *   ORPOTrainer  rewards/*, logps/*, logits/*, nll_loss, log_odds_ratio, log_odds_chosen
 *                (experimental/orpo/orpo_trainer.py L853-869)
 *   RewardTrainer min_reward, mean_reward, max_reward, accuracy, margin (reward_trainer.py L803-815)
 *   GRPOTrainer  reward, reward_std, rewards/<reward function>/mean and /std, frac_reward_zero_std,
 *                completions/mean_length, completions/clipped_ratio, …, kl (only when beta != 0), entropy,
 *                clip_ratio/* (grpo_trainer.py L2293-2310, L2823-2830, L3268-3283). RLOOTrainer logs the same
 *                completions/* and reward keys, so its runs read as 'grpo' too.
 * Evaluation entries carry the same keys with an `eval_` prefix (Trainer.evaluate's metric_key_prefix).
 * Real files: tests/fixtures/runs/<versions>/{dpo,grpo}/trainer_state.json.
 */
import { downsampleEvenly } from './run-import';
import type { MetricCurve, RunObjective } from '../domain/run-result';

/** Points kept per metric curve (MetricCurveSchema); the loss curve keeps 10,000. */
export const MAX_METRIC_POINTS = 2_000;
/** MetricPointSchema's bound. */
const MAX_ABS_METRIC = 1e12;

export function detectObjective(keys: ReadonlySet<string>): RunObjective | null {
  const any = (prefix: string) => [...keys].some((k) => k.startsWith(prefix));
  if (any('completions/') || (keys.has('reward') && keys.has('reward_std'))) return 'grpo';
  if (keys.has('log_odds_ratio')) return 'orpo';
  if (keys.has('rewards/chosen') || keys.has('rewards/margins')) {
    if (keys.has('nll_loss')) return 'cpo';
    if (keys.has('rewards/accuracies')) return 'dpo';
    if (keys.has('kl')) return 'kto';
    return 'dpo';
  }
  if (keys.has('accuracy') && keys.has('margin')) return 'reward';
  if (keys.has('loss')) return 'sft';
  return null;
}

/** The preference trainers' shared log keys (DPOTrainer, CPOTrainer, ORPOTrainer log these alike). */
const PAIRED_KEYS = [
  'rewards/margins',
  'rewards/accuracies',
  'rewards/chosen',
  'rewards/rejected',
  'logps/chosen',
  'logps/rejected',
] as const;

/** The keys worth a curve per objective, in display order; GRPO adds one per reward function. */
const CURVE_KEYS: Record<RunObjective, readonly string[]> = {
  sft: [],
  dpo: PAIRED_KEYS,
  cpo: [...PAIRED_KEYS, 'nll_loss'],
  orpo: [...PAIRED_KEYS, 'nll_loss', 'log_odds_ratio'],
  kto: ['rewards/margins', 'rewards/chosen', 'rewards/rejected', 'logps/chosen', 'logps/rejected', 'kl'],
  reward: ['accuracy', 'margin', 'mean_reward'],
  grpo: [
    'reward',
    'reward_std',
    'frac_reward_zero_std',
    'completions/mean_length',
    'completions/clipped_ratio',
    'kl',
    'entropy',
  ],
};

/** The curve keys for `objective` among `keys` (training keys, without the eval_ prefix). */
export function curveKeys(objective: RunObjective | null, keys: ReadonlySet<string>): string[] {
  if (!objective) return [];
  const fixed = CURVE_KEYS[objective].filter((k) => keys.has(k));
  if (objective !== 'grpo') return fixed;
  const perFunction = [...keys].filter((k) => /^rewards\/.+\/mean$/.test(k)).sort();
  return [fixed[0], fixed[1], ...perFunction, ...fixed.slice(2)].filter((k): k is string => k !== undefined);
}

type Entry = Record<string, unknown>;
const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Curves for `keys` from the log entries: each training key, then its `eval_` twin where evaluations logged it.
 * Non-finite and out-of-range values are left out; long curves are thinned evenly (first and last kept).
 */
export function metricCurves(
  name: string,
  history: readonly Entry[],
  keys: readonly string[],
  warnings: string[],
): MetricCurve[] {
  const curves: MetricCurve[] = [];
  let thinned = 0;
  for (const key of keys.flatMap((k) => [k, `eval_${k}`])) {
    const points: MetricCurve['points'] = [];
    for (const e of history) {
      const step = finite(e.step);
      const value = finite(e[key]);
      if (step === null || step < 0 || value === null || Math.abs(value) > MAX_ABS_METRIC) continue;
      points.push({ step: Math.round(step), value });
    }
    if (points.length === 0) continue;
    if (points.length > MAX_METRIC_POINTS) thinned++;
    curves.push({ key, points: downsampleEvenly(points, MAX_METRIC_POINTS) });
  }
  if (thinned)
    warnings.push(
      `${name}: ${thinned} metric curve(s) have more than ${MAX_METRIC_POINTS.toLocaleString('en-US')} points; ` +
        'evenly spaced ones were kept (first and last included).',
    );
  return curves.slice(0, 32);
}

/** The set of keys the training entries (those with a loss) logged. */
export function trainingKeys(history: readonly Entry[]): Set<string> {
  const keys = new Set<string>();
  for (const e of history) if ('loss' in e) for (const k of Object.keys(e)) keys.add(k);
  return keys;
}
