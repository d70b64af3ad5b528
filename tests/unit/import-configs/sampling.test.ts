/**
 * training.samplingStrategy read back from the configs that carry it: TrainingArguments / TRL configs
 * (train_sampling_strategy, transformers >= 5.2; the boolean group_by_length before), LLaMA-Factory's YAML (the same
 * keys) and axolotl's group_by_length; and the exports that write it import back to the same plan value.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PlanSchema } from '../../../shared/domain/plan';
import { newPlanFromTemplate } from '../../../shared/domain/plan-template';
import { exportFiles } from '../../../shared/exporters/training';
import { importConfigs } from '../../../shared/import/configs/combine';

const TRAINER = path.resolve(__dirname, '../../fixtures/import-configs/generated/trainer');
/** transformers 5.24's own TrainingArguments.to_json_string() output, with one key changed. */
const trainingArgs = (over: Record<string, unknown>, drop: string[] = []) => {
  const json = JSON.parse(fs.readFileSync(path.join(TRAINER, 'training_args.json'), 'utf8')) as Record<string, unknown>;
  for (const k of drop) delete json[k];
  return { name: 'training_args.json', content: JSON.stringify({ ...json, ...over }) };
};
const open = (r: ReturnType<typeof importConfigs>) => r.open.map((o) => o.field);

describe('batch order from TrainingArguments JSON', () => {
  it('train_sampling_strategy: random and group_by_length map to the plan; sequential reads as unsorted', () => {
    expect(importConfigs([trainingArgs({})]).plan.training.samplingStrategy).toBe('random');
    const grouped = importConfigs([trainingArgs({ train_sampling_strategy: 'group_by_length' })]);
    expect(grouped.plan.training.samplingStrategy).toBe('group_by_length');
    const kto = importConfigs([
      { name: 'kto_config.json', content: fs.readFileSync(path.join(TRAINER, 'kto_config.json'), 'utf8') },
    ]);
    expect(kto.plan.training.samplingStrategy).toBe('random');
  });
  it('batch_rebalance has no plan value: left open, named', () => {
    const r = importConfigs([trainingArgs({ train_sampling_strategy: 'batch_rebalance' })]);
    expect(open(r)).toContain('training.samplingStrategy');
    expect(r.open.find((o) => o.field === 'training.samplingStrategy')!.reason).toMatch(
      /"batch_rebalance" has no plan value/,
    );
  });
  it('the older boolean group_by_length (transformers ≤ 5.1)', () => {
    const r = importConfigs([trainingArgs({ group_by_length: true }, ['train_sampling_strategy'])]);
    expect(r.plan.training.samplingStrategy).toBe('group_by_length');
  });
});

describe('export → import keeps the batch order', () => {
  const plan = (samplingStrategy: 'random' | 'group_by_length', kind: 'sft' | 'dpo' = 'sft') => {
    const t = newPlanFromTemplate();
    return PlanSchema.parse({
      ...t,
      model: { source: 'catalog', id: 'Llama-3.1-8B' },
      techniques: [{ kind: 'lora' }],
      objective: { kind },
      training: { ...t.training, samplingStrategy },
    });
  };
  const back = (p: ReturnType<typeof plan>, format: 'llama-factory' | 'axolotl') =>
    importConfigs(
      exportFiles(p, format, 0, 'test')
        .filter(
          (f) => /\.(ya?ml|json)$/.test(f.path) && f.path !== 'data/dataset_info.json' && !f.path.startsWith('data/'),
        )
        .map((f) => ({ name: f.path, content: f.content })),
    ).plan;
  it.each(['llama-factory', 'axolotl'] as const)('%s', (format) => {
    expect(back(plan('group_by_length'), format).training.samplingStrategy).toBe('group_by_length');
    expect(back(plan('random'), format).training.samplingStrategy).toBe('random');
  });
  it('axolotl writes group_by_length for SFT only; a DPO config says it is not expressed', () => {
    const files = exportFiles(plan('group_by_length', 'dpo'), 'axolotl', 0, 'test');
    const yaml = files.find((f) => f.path === 'axolotl_config.yaml')!.content;
    expect(yaml).not.toMatch(/^group_by_length:/m);
    expect(yaml).toMatch(/Not applied: batches grouped by length — axolotl passes group_by_length to its SFT/);
  });
});
