import { describe, expect, it } from 'vitest';
import { newPlanFromTemplate } from '../../shared/domain/plan-template';
import { PlanSchema } from '../../shared/domain/plan';
import { targetEstimate } from '../../shared/exporters/framework-context';
import { exportFiles } from '../../shared/exporters/training';

// The TRL script always runs SFTTrainer's fused-head loss (trl/trainer/sft_trainer.py, loss_type="nll").
describe('the estimate and the exported script agree on the training library', () => {
  it('a new plan is estimated as the TRL script the export runs', () => {
    expect(newPlanFromTemplate().training.stack).toBe('trl');
  });

  it('a plan estimated as the model’s own loss says, in every TRL-script file, that the script uses less', () => {
    const plan = PlanSchema.parse({ ...newPlanFromTemplate(), training: { stack: 'transformers' } });
    for (const format of ['hf', 'deepspeed', 'azureml'] as const) {
      const files = exportFiles(plan, format, 1, 'test');
      expect(
        files.some((f) => f.content.includes('ESTIMATED AS: the model')),
        format,
      ).toBe(true);
    }
    const trl = newPlanFromTemplate();
    for (const f of exportFiles(trl, 'hf', 1, 'test')) expect(f.content).not.toContain('ESTIMATED AS');
  });
});

describe('one header stamp for every target (shared/exporters/header.ts)', () => {
  it('framework exports name the switches their target cannot express, from the capability table', () => {
    const plan = PlanSchema.parse({
      ...newPlanFromTemplate(),
      model: { source: 'catalog', id: 'Llama-3.1-8B' },
      techniques: [{ kind: 'lora' }],
      training: { ...newPlanFromTemplate().training, activationOffload: true },
    });
    const config = (format: 'llama-factory' | 'axolotl' | 'torchtune') =>
      exportFiles(plan, format, 0, 'test').find((f) => f.path.endsWith('.yaml'))!.content;
    // export-capabilities.ts: LLaMA-Factory has no activation offloading; axolotl and torchtune do.
    expect(config('llama-factory')).toMatch(/# NOT EXPRESSED: activation offloading/);
    expect(config('axolotl')).not.toMatch(/NOT EXPRESSED/);
    expect(config('torchtune')).not.toMatch(/NOT EXPRESSED/);
    // The same estimate line as the TRL script's header, with the figures of the job axolotl runs (its own chunked
    // loss applies no Liger layer kernels: framework-context.ts targetEstimate).
    const line = (text: string) => /# Estimate: peak .*$/m.exec(text)![0];
    const hf = line(exportFiles(plan, 'hf', 0, 'test').find((f) => f.path === 'train.py')!.content);
    const axolotl = line(config('axolotl'));
    const shape = /^# Estimate: peak [\d.]+ GiB per GPU \(PyTorch reserved; [\d.]+ GiB in nvidia-smi\), [\d,]+ tok\/s/;
    expect(hf).toMatch(shape);
    expect(axolotl).toMatch(shape);
    const reserved = (t: 'hf' | 'axolotl') => (targetEstimate(plan, 0, t).memory.reservedBytes / 2 ** 30).toFixed(1);
    expect(hf).toContain(`peak ${reserved('hf')} GiB`);
    expect(axolotl).toContain(`peak ${reserved('axolotl')} GiB`);
  });
});
