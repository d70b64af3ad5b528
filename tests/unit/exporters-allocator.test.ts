/**
 * Expandable allocator segments (training.expandableSegments, issue 15 §3) in every export: the TRL script sets it
 * before torch is imported, the frameworks' launch lines carry it both ways (their launchers change PyTorch's
 * default), the hosted targets say they cannot (tests/python/test_allocator_setting.py checks PyTorch reads it).
 */
import { describe, expect, it } from 'vitest';
import { PlanSchema, type PlanInput } from '../../shared/domain/plan';
import { newPlanFromTemplate } from '../../shared/domain/plan-template';
import { allocatorEnv } from '../../shared/exporters/header';
import { exportFiles, type ExportFormat } from '../../shared/exporters/training';

const plan = (expandableSegments: boolean, over: Partial<PlanInput> = {}) => {
  const t = newPlanFromTemplate();
  return PlanSchema.parse({
    ...t,
    model: { source: 'catalog', id: 'Llama-3.1-8B' },
    techniques: [{ kind: 'lora' }],
    ...over,
    training: { ...t.training, expandableSegments },
  });
};
const text = (p: ReturnType<typeof plan>, f: ExportFormat, path: string) =>
  exportFiles(p, f, 0, 'test').find((x) => x.path === path)?.content ?? '';

describe('expandable allocator segments in exports', () => {
  it('names both variables with one value, the plan’s', () => {
    expect(allocatorEnv(plan(true))).toBe(
      'PYTORCH_ALLOC_CONF=expandable_segments:True PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True',
    );
    expect(allocatorEnv(plan(false))).toBe(
      'PYTORCH_ALLOC_CONF=expandable_segments:False PYTORCH_CUDA_ALLOC_CONF=expandable_segments:False',
    );
  });

  it('the TRL script sets the plan’s value before `import torch`, both ways (an environment may have it on)', () => {
    for (const [on, value] of [
      [true, 'True'],
      [false, 'False'],
    ] as const) {
      const script = text(plan(on), 'hf', 'train.py');
      const at = script.indexOf(`"expandable_segments:${value}"`);
      expect(at).toBeGreaterThan(0);
      expect(at).toBeLessThan(script.indexOf('\nimport torch\n'));
      expect(script).toMatch(/^import re$/m);
      expect(script).not.toContain(`"expandable_segments:${on ? 'False' : 'True'}"`);
    }
  });

  it.each([
    ['llama-factory', 'llamafactory-cli train'],
    ['axolotl', 'axolotl train'],
    ['torchtune', 'tune run'],
  ] as const)('%s: the launch line carries the setting both ways', (format, command) => {
    for (const on of [true, false]) {
      const readme = text(plan(on), format, 'README.md');
      const line = readme.split('\n').find((l) => l.includes(command));
      expect(line, readme).toContain(`${allocatorEnv(plan(on))} `);
    }
  });

  it(
    "LLaMA-Factory's torchrun launch overrides the variable unless OPTIM_TORCH=0 (launcher.py lines 80-83): " +
      'a multi-GPU plan without expandable segments sets it',
    () => {
      const multi = { distribution: { gpusPerNode: 4, nodes: 1, strategy: 'ddp' } } as Partial<PlanInput>;
      const off = text(plan(false, multi), 'llama-factory', 'README.md');
      expect(off).toMatch(/OPTIM_TORCH=0 PYTORCH_ALLOC_CONF=expandable_segments:False .*llamafactory-cli train/);
      const on = text(plan(true, multi), 'llama-factory', 'README.md');
      expect(on).not.toMatch(/OPTIM_TORCH/);
      expect(text(plan(false), 'llama-factory', 'README.md')).not.toMatch(/OPTIM_TORCH/);
    },
  );

  it('hosted targets say they cannot express it', () => {
    for (const format of ['kaito', 'olive', 'service'] as const) {
      const all = exportFiles(plan(true), format, 0, 'test')
        .map((f) => f.content)
        .join('\n');
      expect(all, format).toMatch(/NOT EXPRESSED: expandable allocator segments \(training\.expandableSegments\)/);
      const without = exportFiles(plan(false), format, 0, 'test')
        .map((f) => f.content)
        .join('\n');
      expect(without, format).not.toMatch(/expandable allocator segments/);
    }
  });
});

/**
 * Length-grouped batches (training.samplingStrategy: group_by_length): transformers 5.24 TrainingArguments
 * train_sampling_strategy (training_args.py line 1380) in the TRL script, the same key in LLaMA-Factory's YAML (with
 * transformers >= 5.2 pinned, before which the key was the boolean group_by_length), axolotl's group_by_length
 * (src/axolotl/utils/schemas/training.py line 109); torchtune and the hosted targets say they cannot.
 */
describe('length-grouped batches (training.samplingStrategy) in exports', () => {
  const sampled = (strategy: 'random' | 'group_by_length', over: Partial<PlanInput> = {}) => {
    const t = newPlanFromTemplate();
    return PlanSchema.parse({
      ...t,
      model: { source: 'catalog', id: 'Llama-3.1-8B' },
      techniques: [{ kind: 'lora' }],
      ...over,
      training: { ...t.training, ...(over.training ?? {}), samplingStrategy: strategy },
    });
  };
  const all = (p: ReturnType<typeof sampled>, f: ExportFormat) =>
    exportFiles(p, f, 0, 'test')
      .map((x) => x.content)
      .join('\n');
  const NOT_EXPRESSED = /NOT EXPRESSED: batches grouped by length/;

  it('the TRL script passes train_sampling_strategy only when the plan groups by length', () => {
    for (const format of ['hf', 'deepspeed', 'azureml'] as const) {
      const on = all(sampled('group_by_length'), format);
      expect(on, format).toMatch(/^ {8}train_sampling_strategy="group_by_length",/m);
      expect(on, format).not.toMatch(NOT_EXPRESSED);
      expect(all(sampled('random'), format), format).not.toMatch(/train_sampling_strategy|group_by_length/);
    }
    // Inside the config call, before it closes.
    const script = text(sampled('group_by_length'), 'hf', 'train.py');
    const at = script.indexOf('train_sampling_strategy=');
    expect(at).toBeGreaterThan(script.indexOf('    args = SFTConfig('));
    expect(at).toBeLessThan(script.indexOf('report_to="none"'));
  });

  it('a TRL trainer without input_ids rows (DPO) gets no kwarg; the estimate did not assume it, and it says so', () => {
    const dpo = sampled('group_by_length', { objective: { kind: 'dpo' } });
    const script = text(dpo, 'hf', 'train.py');
    expect(script).toMatch(/DPOConfig\(/);
    expect(script).not.toMatch(/train_sampling_strategy/);
    expect(script).toMatch(/Not applied: batches grouped by length — DPOTrainer .*the estimate assumed random order/);
    expect(script).not.toMatch(NOT_EXPRESSED);
    // Hosted targets do not call it a difference from the estimate either.
    expect(all(dpo, 'kaito')).not.toMatch(NOT_EXPRESSED);
  });

  it('a plan on the torchtune stack: not applied anywhere, and no target calls it a difference', () => {
    const tt = sampled('group_by_length', { training: { stack: 'torchtune' } });
    for (const format of ['hf', 'torchtune', 'llama-factory', 'axolotl', 'kaito'] as const)
      expect(all(tt, format), format).not.toMatch(/train_sampling_strategy|^group_by_length:|NOT EXPRESSED: batches/m);
    expect(text(tt, 'hf', 'train.py')).toMatch(/Not applied: batches grouped by length — the plan runs on torchtune/);
  });

  it('LLaMA-Factory: train_sampling_strategy in the YAML and transformers >= 5.2 in the install line', () => {
    const on = text(sampled('group_by_length'), 'llama-factory', 'llamafactory_config.yaml');
    expect(on).toMatch(/^train_sampling_strategy: group_by_length$/m);
    expect(on).not.toMatch(/^group_by_length:/m);
    expect(text(sampled('group_by_length'), 'llama-factory', 'README.md')).toMatch(
      /pip install "llamafactory\[torch,metrics\]>=0\.9\.4,<0\.10".* "transformers>=5\.2"/,
    );
    expect(text(sampled('random'), 'llama-factory', 'llamafactory_config.yaml')).not.toMatch(/sampling_strategy/);
    expect(text(sampled('random'), 'llama-factory', 'README.md')).not.toMatch(/transformers>=5\.2/);
  });

  it('axolotl: group_by_length: true only when the plan groups by length', () => {
    expect(text(sampled('group_by_length'), 'axolotl', 'axolotl_config.yaml')).toMatch(/^group_by_length: true$/m);
    expect(text(sampled('random'), 'axolotl', 'axolotl_config.yaml')).not.toMatch(/group_by_length/);
  });

  it('torchtune and the hosted targets say they cannot express it', () => {
    for (const format of ['torchtune', 'kaito', 'olive', 'service'] as const) {
      expect(all(sampled('group_by_length'), format), format).toMatch(
        /NOT EXPRESSED: batches grouped by length, longest first \(training\.samplingStrategy: group_by_length\)/,
      );
      expect(all(sampled('random'), format), format).not.toMatch(/grouped by length/);
    }
  });
});
