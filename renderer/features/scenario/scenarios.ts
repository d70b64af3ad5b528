/**
 * The scenario guide, from the project's seed document (its "fine-tuning scenarios" table, Persian
 * original in shared/seed): what each technique is marked suitable for. Every claim shown to the user
 * is then backed by this plan's own estimate.
 */
import type { TechniqueKind } from '../../../shared/domain/plan';
import type { EstimateReport } from '../../../shared/estimate/estimate';

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
  'DeepSpeed ZeRO is a distributed memory optimization: it shards optimizer states, gradients and (stage 3) parameters across GPUs, giving access to their aggregate memory, and combines with PEFT.';

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
        `${t.label}: ${t.trainablePercent < 0.1 ? t.trainablePercent.toFixed(3) : t.trainablePercent.toFixed(2)} % of parameters trained`,
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
