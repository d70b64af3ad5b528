/** A recorded run: what actually happened when a plan's technique was trained. */
import { z } from 'zod';
import { TECHNIQUE_KINDS } from './plan';

const nonNeg = (max: number) =>
  z
    .number({ message: 'must be a number' })
    .finite('must be a finite number')
    .min(0, 'must be 0 or more')
    .max(max, `must be at most ${max}`);

export const LossPointSchema = z.object({
  step: z.number().int().min(0).max(1e12),
  loss: z.number().finite().min(-1e6).max(1e6),
});

/**
 * Which trainer family wrote an imported run, read from the keys it logged (shared/import/run-objective.ts): 'dpo'
 * is TRL's DPOTrainer whatever its loss_type (sigmoid, ipo, …), 'cpo' its CPOTrainer (SimPO is loss_type "simpo"
 * there), 'orpo' ORPOTrainer, 'kto' KTOTrainer, 'reward' RewardTrainer, 'grpo' GRPOTrainer, 'sft' a supervised
 * language-model loss only (Trainer, SFTTrainer). The logs do not say the loss_type, so IPO reads as 'dpo'.
 */
export const RUN_OBJECTIVES = ['sft', 'dpo', 'cpo', 'orpo', 'kto', 'reward', 'grpo'] as const;
export type RunObjective = (typeof RUN_OBJECTIVES)[number];

export const MetricPointSchema = z.object({
  step: z.number().int().min(0).max(1e12),
  value: z.number().finite().min(-1e12).max(1e12),
});
/** One logged metric over the run, named by its key in the log (`rewards/margins`, `eval_reward`, `kl`). */
export const MetricCurveSchema = z.object({
  key: z.string().min(1).max(200),
  points: z.array(MetricPointSchema).max(2_000, 'at most 2,000 points per metric curve'),
});
export type MetricCurve = z.infer<typeof MetricCurveSchema>;

export const RunResultSchema = z.object({
  technique: z.enum(TECHNIQUE_KINDS),
  /** Which of the plan's techniques this run used (0-based). */
  techniqueIndex: z.number().int().min(0).max(15).default(0),
  gpuName: z.string().trim().min(1, 'name the GPU').max(200),
  gpuCount: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100_000),
  peakMemoryBytes: nonNeg(1e15).nullable().default(null),
  memoryCounter: z.enum(['allocated', 'reserved', 'nvidia-smi']).default('reserved'),
  wallSeconds: nonNeg(1e9).nullable().default(null),
  tokensPerSecond: nonNeg(1e12).nullable().default(null),
  costUsd: nonNeg(1e12).nullable().default(null),
  /** The last logged training loss (a Trainer's `train_loss` is the mean, kept in meanLoss). */
  finalLoss: z.number().finite().min(-1e6).max(1e6).nullable().default(null),
  /** The Trainer's `train_loss`: the training loss averaged over the whole run. */
  meanLoss: z.number().finite().min(-1e6).max(1e6).nullable().default(null),
  samplesPerSecond: nonNeg(1e12).nullable().default(null),
  steps: z.number().int().min(0).max(1e12).nullable().default(null),
  epochs: nonNeg(1e6).nullable().default(null),
  lossCurve: z.array(LossPointSchema).max(10_000, 'at most 10,000 loss points').default([]),
  evalCurve: z.array(LossPointSchema).max(10_000, 'at most 10,000 eval loss points').default([]),
  /** What the importer noticed (mid-run checkpoint, NaN losses, downsampled curve), shown with the run. */
  warnings: z.array(z.string().max(1000)).max(50, 'at most 50 warnings').default([]),
  source: z.enum(['manual', 'trainer_state', 'llama-factory']).default('manual'),
  /** The objective the imported logs show (issue 19); null for a run typed by hand or logs that do not say. */
  objective: z.enum(RUN_OBJECTIVES).nullable().default(null),
  /** The objective's own curves: rewards, log-probs, margins, KL, completion lengths (issue 19). */
  metricCurves: z.array(MetricCurveSchema).max(32, 'at most 32 metric curves').default([]),
  notes: z.string().max(20_000).default(''),
});
export type RunResult = z.infer<typeof RunResultSchema>;
export type RunResultInput = z.input<typeof RunResultSchema>;
