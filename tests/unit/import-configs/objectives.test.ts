/**
 * Issue 19: the training objective read back from configs. LLaMA-Factory and axolotl exports of every objective they
 * run import back to the same objective (kind, beta, reference, GRPO counts); TRL 1.16's own DPOConfig / GRPOConfig /
 * KTOConfig JSON (written by tests/python/fixtures_gen/save_trl_objective_configs.py) read as the objective they
 * configure.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OBJECTIVE_SUPPORT } from '../../../shared/domain/export-capabilities';
import { PlanSchema, type ObjectiveKind } from '../../../shared/domain/plan';
import { newPlanFromTemplate } from '../../../shared/domain/plan-template';
import { exportFiles } from '../../../shared/exporters/training';
import { importConfigs } from '../../../shared/import/configs/combine';

const DIR = path.resolve(__dirname, '../../fixtures/import-configs/generated/trainer');
const file = (name: string) => ({ name, content: fs.readFileSync(path.join(DIR, name), 'utf8') });

const plan = (objective: Record<string, unknown>, technique: Record<string, unknown> = { kind: 'lora', rank: 8 }) => {
  const t = newPlanFromTemplate();
  return PlanSchema.parse({
    ...t,
    model: { source: 'catalog', id: 'Llama-3.1-8B' },
    techniques: [technique],
    training: { ...t.training, precision: 'pure_bf16', microBatch: 4, gradAccum: 2 },
    objective,
  });
};

function roundTrip(p: ReturnType<typeof plan>, target: 'llama-factory' | 'axolotl') {
  const out = exportFiles(p, target, 0, 'test');
  const name = target === 'llama-factory' ? 'llamafactory_config.yaml' : 'axolotl_config.yaml';
  const config = out.find((f) => f.path === name);
  expect(config, `${target} exports ${p.objective.kind}`).toBeDefined();
  return importConfigs([{ name, content: config!.content }]);
}

describe.each(['llama-factory', 'axolotl'] as const)('%s export → import keeps the objective', (target) => {
  const kinds = OBJECTIVE_SUPPORT[target]!;
  it.each(kinds.map((k) => [k]))('%s', (kind: ObjectiveKind) => {
    const objective =
      kind === 'grpo'
        ? { kind, beta: 0.04, numGenerations: 4, completionTokens: 256, generation: 'transformers' }
        : kind === 'sft'
          ? { kind }
          : { kind, beta: 0.25 };
    const r = roundTrip(plan(objective), target);
    expect(r.plan.objective.kind).toBe(kind);
    expect(r.determined.find((d) => d.field === 'objective.kind')?.value).toBe(kind);
    if (kind === 'sft' || kind === 'reward') return;
    expect(r.plan.objective.beta).toBe(kind === 'grpo' ? 0.04 : 0.25);
    if (kind === 'grpo') {
      expect(r.plan.objective.numGenerations).toBe(4);
      expect(r.plan.objective.completionTokens).toBe(256);
    }
  });

  it('keeps a precomputed reference for DPO where the framework writes it, and the reference source', () => {
    if (target === 'axolotl') {
      const r = roundTrip(plan({ kind: 'dpo', reference: 'precomputed' }), target);
      expect(r.plan.objective.reference).toBe('precomputed');
    } else {
      // LLaMA-Factory: ref_model under LoRA is a copy, without it the adapter-disabled base
      // (trainer_utils.py L123-146).
      expect(roundTrip(plan({ kind: 'dpo', reference: 'copy' }), target).plan.objective.reference).toBe('copy');
      expect(roundTrip(plan({ kind: 'dpo', reference: 'peft_base' }), target).plan.objective.reference).toBe(
        'peft_base',
      );
    }
  });
});

describe("TRL 1.16's own config JSON", () => {
  it('reads DPOConfig with loss_type ["ipo"] and precompute_ref_log_probs as IPO with a precomputed reference', () => {
    const raw = JSON.parse(file('dpo_config_ipo.json').content) as Record<string, unknown>;
    expect(raw.loss_type).toEqual(['ipo']); // the file really is what the test says
    const r = importConfigs([file('dpo_config_ipo.json')]);
    expect(r.plan.objective).toMatchObject({ kind: 'ipo', beta: 0.2, reference: 'precomputed' });
    expect(r.plan.training.seqLen).toBe(1024); // DPOConfig.max_length: prompt + completion
  });

  it("reads the default DPOConfig as DPO with TRL's beta 0.1", () => {
    expect(importConfigs([file('dpo_config.json')]).plan.objective).toMatchObject({ kind: 'dpo', beta: 0.1 });
  });

  it('reads GRPOConfig as GRPO with its generations and completion length, and notes the vLLM settings', () => {
    const r = importConfigs([file('grpo_config.json')]);
    expect(r.plan.objective).toMatchObject({ kind: 'grpo', beta: 0.04, numGenerations: 8, completionTokens: 256 });
    expect(r.notes.join('\n')).toMatch(/use_vllm with vllm_mode colocate/);
  });

  it('reads KTOConfig as KTO', () => {
    expect(importConfigs([file('kto_config.json')]).plan.objective).toMatchObject({ kind: 'kto', beta: 0.1 });
  });

  it('reads SFTConfig as SFT and leaves plain TrainingArguments open, keeping the template objective', () => {
    expect(importConfigs([file('sft_config.json')]).plan.objective.kind).toBe('sft');
    const plain = importConfigs([file('training_args.json')]);
    expect(plain.open.map((o) => o.field)).toContain('objective.kind');
    expect(plain.open.map((o) => o.field)).not.toContain('objective.beta');
  });
});
