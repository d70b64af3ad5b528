/**
 * The plan's objective (issue 19) in the LLaMA-Factory, axolotl and torchtune exports: written as each framework
 * expects it, or refused plainly naming the targets that run it. Every rule cites the upstream source read for it:
 * hiyouga/LLaMA-Factory @ ff6d4d12eeb035d6ce06805a5733dd7b29f2ac30, axolotl-ai-cloud/axolotl @
 * 067b021c8b87a9e5e380b9173c704cf7340e30f5, pytorch/torchtune @ bd2a0fc7c31430972728494fa01aaeeb0ebf1ba1.
 */
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { OBJECTIVE_SUPPORT, objectiveRefusal } from '../../shared/domain/export-capabilities';
import { OBJECTIVE_KINDS, PlanSchema, type ObjectiveKind } from '../../shared/domain/plan';
import { newPlanFromTemplate } from '../../shared/domain/plan-template';
import { exportFiles } from '../../shared/exporters/training';

type Target = 'llama-factory' | 'axolotl' | 'torchtune';
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
const files = (p: ReturnType<typeof plan>, f: Target) => exportFiles(p, f, 0, 'test');
const yamlOf = (p: ReturnType<typeof plan>, f: Target, path: string) => {
  const file = files(p, f).find((x) => x.path === path);
  expect(file, `${f} writes ${path}`).toBeDefined();
  return parseYaml(file!.content) as Record<string, unknown>;
};
const refusalOf = (p: ReturnType<typeof plan>, f: Target) =>
  files(p, f).find((x) => x.path.endsWith('-NOT-SUPPORTED.md'))?.content ?? null;

describe('LLaMA-Factory objectives (src/llamafactory/hparams/finetuning_args.py)', () => {
  // stage: Literal["pt", "sft", "rm", "ppo", "dpo", "kto"] (L460);
  // pref_loss: sigmoid|hinge|ipo|kto_pair|orpo|simpo (L183).
  const expected: Array<[ObjectiveKind, string, string | undefined]> = [
    ['sft', 'sft', undefined],
    ['dpo', 'dpo', 'sigmoid'],
    ['ipo', 'dpo', 'ipo'],
    ['orpo', 'dpo', 'orpo'],
    ['simpo', 'dpo', 'simpo'],
    ['kto', 'kto', undefined],
    ['reward', 'rm', undefined],
  ];
  it.each(expected)('%s → stage %s, pref_loss %s', (kind, stage, prefLoss) => {
    const cfg = yamlOf(plan({ kind, beta: 0.2 }), 'llama-factory', 'llamafactory_config.yaml');
    expect(cfg.stage).toBe(stage);
    expect(cfg.pref_loss).toBe(prefLoss);
    // pref_beta (L171) only where a preference loss reads it: stages dpo and kto.
    expect(cfg.pref_beta).toBe(stage === 'dpo' || stage === 'kto' ? 0.2 : undefined);
  });

  it("writes LLaMA-Factory's default pref_beta 0.1 when the plan keeps the trainer default (beta null)", () => {
    expect(yamlOf(plan({ kind: 'dpo' }), 'llama-factory', 'llamafactory_config.yaml').pref_beta).toBe(0.1);
  });

  it('declares preference pairs (ranking, chosen, rejected) and KTO tags in dataset_info.json (data/README.md)', () => {
    const info = (k: ObjectiveKind) =>
      (
        JSON.parse(
          files(plan({ kind: k }), 'llama-factory').find((f) => f.path === 'data/dataset_info.json')!.content,
        ) as {
          train: { ranking?: boolean; columns: Record<string, string> };
        }
      ).train;
    expect(info('dpo')).toMatchObject({ ranking: true, columns: { chosen: 'chosen', rejected: 'rejected' } });
    expect(info('reward').ranking).toBe(true);
    expect(info('kto').columns.kto_tag).toBe('label');
    expect(info('sft').ranking).toBeUndefined();
    // The stub line has the declared columns: chosen / rejected as single assistant messages (converter.py L190-211).
    const stub = JSON.parse(
      files(plan({ kind: 'dpo' }), 'llama-factory').find((f) => f.path === 'data/train.jsonl')!.content,
    ) as { messages: unknown[]; chosen: { role: string }; rejected: { role: string } };
    expect(stub.messages).toHaveLength(1); // ranking examples have an odd number of messages (converter.py L173-174)
    expect([stub.chosen.role, stub.rejected.role]).toEqual(['assistant', 'assistant']);
    const kto = JSON.parse(
      files(plan({ kind: 'kto' }), 'llama-factory').find((f) => f.path === 'data/train.jsonl')!.content,
    ) as { label: unknown };
    expect(typeof kto.label).toBe('boolean'); // isinstance(example[kto_tag], bool) (converter.py L182)
  });

  it('keeps the reference the plan chose: LoRA uses the adapter-disabled base unless ref_model names a copy', () => {
    // create_ref_model (train/trainer_utils.py L123-146): ref_model given → that model; LoRA without → None (the
    // adapter-disabled base); full → a copy of the model.
    const cfg = (reference: string, technique?: Record<string, unknown>) =>
      yamlOf(plan({ kind: 'dpo', reference }, technique), 'llama-factory', 'llamafactory_config.yaml');
    expect(cfg('copy').ref_model).toBe('meta-llama/Llama-3.1-8B');
    expect(cfg('peft_base').ref_model).toBeUndefined();
    expect(cfg('copy', { kind: 'full' }).ref_model).toBeUndefined();
    // ORPO / SimPO load no reference at all (use_ref_model, finetuning_args.py L593).
    expect(yamlOf(plan({ kind: 'orpo' }), 'llama-factory', 'llamafactory_config.yaml').ref_model).toBeUndefined();
  });

  // train/dpo/trainer.py L70: precompute_ref_log_probs = False.
  it('refuses precomputed reference log-probs (LLaMA-Factory never precomputes them) and GRPO', () => {
    expect(refusalOf(plan({ kind: 'dpo', reference: 'precomputed' }), 'llama-factory')).toMatch(
      /never precomputes the reference log-probabilities.*objective\.reference/s,
    );
    const grpo = refusalOf(plan({ kind: 'grpo', generation: 'transformers', numGenerations: 8 }), 'llama-factory');
    expect(grpo).toMatch(/objective is grpo \(objective\.kind\), which the llama-factory export cannot run/);
    expect(grpo).toMatch(/Export it as hf, deepspeed, azureml, axolotl instead/);
  });
});

describe('axolotl objectives (src/axolotl/utils/schemas/config.py, core/builders/rl.py)', () => {
  // RLType: utils/schemas/enums.py L28-38; IPO: docs/rlhf.qmd.
  it('writes rl as RLType names it, IPO as dpo_loss_type ["ipo"]', () => {
    const cfg = (kind: ObjectiveKind) => yamlOf(plan({ kind, beta: 0.3 }), 'axolotl', 'axolotl_config.yaml');
    expect(cfg('sft').rl).toBeUndefined();
    expect(cfg('dpo')).toMatchObject({ rl: 'dpo', rl_beta: 0.3 });
    expect(cfg('dpo').dpo_loss_type).toBeUndefined();
    expect(cfg('ipo')).toMatchObject({ rl: 'dpo', dpo_loss_type: ['ipo'], rl_beta: 0.3 });
    expect(cfg('orpo')).toMatchObject({ rl: 'orpo', rl_beta: 0.3 });
    expect(cfg('kto')).toMatchObject({ rl: 'kto', rl_beta: 0.3 });
    // rl.py L135-138 passes cfg.simpo_gamma to CPOConfig as is: written, with TRL CPOConfig's default 0.5.
    expect(cfg('simpo')).toMatchObject({ rl: 'simpo', simpo_gamma: 0.5 });
    // beta null: no rl_beta, so TRL's own default applies (rl.py L122-128 sets beta only from a given key).
    expect(yamlOf(plan({ kind: 'dpo' }), 'axolotl', 'axolotl_config.yaml').rl_beta).toBeUndefined();
  });

  it('uses the dataset types each method reads (prompt_strategies/{dpo,orpo,kto})', () => {
    const ds = (kind: ObjectiveKind) =>
      (yamlOf(plan({ kind }), 'axolotl', 'axolotl_config.yaml').datasets as Array<Record<string, unknown>>)[0]!;
    expect(ds('dpo')).toMatchObject({ type: 'chat_template.default', field_chosen: 'chosen' });
    expect(ds('orpo').type).toBe('chat_template.argilla');
    expect(ds('kto').type).toMatchObject({ field_label: 'label', field_completion: 'completion' });
    // GRPO at vLLM's default 0.3 share is refused for Llama-3.1-8B (axolotl colocate cannot cap vLLM's context):
    // a share that holds one full-context sequence.
    const grpo = yamlOf(plan({ kind: 'grpo', vllmGpuMemoryUtilization: 0.5 }), 'axolotl', 'axolotl_config.yaml');
    expect((grpo.datasets as Array<Record<string, unknown>>)[0]!.type).toBe('rewards.prompt_transform');
  });

  it('writes precompute_ref_log_probs for DPO (core/trainers/dpo/__init__.py L43-46) and refuses it for KTO', () => {
    expect(
      yamlOf(plan({ kind: 'dpo', reference: 'precomputed' }), 'axolotl', 'axolotl_config.yaml')
        .precompute_ref_log_probs,
    ).toBe(true);
    expect(refusalOf(plan({ kind: 'kto', reference: 'precomputed' }), 'axolotl')).toMatch(/not KTO/);
  });

  it('writes GRPO with its trl and vllm blocks (schemas/trl.py and vllm.py, core/trainers/grpo/__init__.py)', () => {
    const colocate = plan({
      kind: 'grpo',
      beta: 0.04,
      numGenerations: 4,
      completionTokens: 256,
      generation: 'vllm_colocate',
      vllmGpuMemoryUtilization: 0.4,
      vllmSleepMode: true,
    });
    const cfg = yamlOf(colocate, 'axolotl', 'axolotl_config.yaml');
    expect(cfg.rl).toBe('grpo');
    expect(cfg.trl).toEqual({
      beta: 0.04,
      num_generations: 4,
      max_completion_length: 256,
      reward_funcs: ['rewards.reward_len'],
      use_vllm: true,
      vllm_mode: 'colocate',
      vllm_enable_sleep_mode: true,
    });
    // Colocate: gpu_memory_utilization and tensor_parallel_size come from the vllm block (grpo/__init__.py L72-79).
    // max_model_len: prompt + completion (schemas/vllm.py VllmConfig.max_model_len; objective.ts vllmMaxModelLength).
    expect(cfg.vllm).toEqual({ gpu_memory_utilization: 0.4, tensor_parallel_size: 1, max_model_len: 512 + 256 });
    const all = files(colocate, 'axolotl');
    // reward_funcs name '{file_name}.{fn_name}' (docs/rlhf.qmd): rewards.py defines both names the config uses.
    const rewards = all.find((f) => f.path === 'rewards.py')!.content;
    expect(rewards).toMatch(/^def reward_len\(completions, \*\*kwargs\)/m);
    expect(rewards).toMatch(/^def prompt_transform\(cfg, \*args, \*\*kwargs\)/m);
    expect(all.find((f) => f.path === 'README.md')!.content).toContain('axolotl[vllm]');

    const server = plan({ kind: 'grpo', generation: 'vllm_server', vllmServerGpus: 2, numGenerations: 8 });
    const s = yamlOf(server, 'axolotl', 'axolotl_config.yaml');
    expect(s.trl).toMatchObject({ use_vllm: true, vllm_mode: 'server', vllm_server_port: 8000 });
    expect(files(server, 'axolotl').find((f) => f.path === 'README.md')!.content).toMatch(
      /CUDA_VISIBLE_DEVICES=<2 generation GPU\(s\)> axolotl vllm-serve axolotl_config\.yaml/,
    );
    const hf = yamlOf(
      plan({ kind: 'grpo', generation: 'transformers', numGenerations: 8 }),
      'axolotl',
      'axolotl_config.yaml',
    );
    expect(hf.trl).toMatchObject({ use_vllm: false });
    expect(hf.vllm).toBeUndefined();
  });

  it('refuses reward modelling, naming the targets that run it', () => {
    expect(refusalOf(plan({ kind: 'reward' }), 'axolotl')).toMatch(
      /objective is reward .*Export it as hf, deepspeed, azureml, llama-factory instead/s,
    );
  });
});

describe('torchtune objectives', () => {
  it('exports SFT only for now and refuses the others by name', () => {
    for (const kind of OBJECTIVE_KINDS.filter((k) => k !== 'sft')) {
      const p = plan(kind === 'grpo' ? { kind, numGenerations: 8 } : { kind });
      expect(refusalOf(p, 'torchtune'), kind).toMatch(new RegExp(`objective is ${kind} \\(objective\\.kind\\)`));
    }
    expect(refusalOf(plan({ kind: 'sft' }), 'torchtune')).toBeNull();
  });
});

describe('OBJECTIVE_SUPPORT for the framework targets', () => {
  it('answers for every objective, and the refusal is null exactly where the objective is listed', () => {
    for (const target of ['llama-factory', 'axolotl', 'torchtune'] as const)
      for (const kind of OBJECTIVE_KINDS) {
        const supported = OBJECTIVE_SUPPORT[target]!.includes(kind);
        expect(objectiveRefusal({ objective: { kind } as never }, target) === null, `${target} ${kind}`).toBe(
          supported,
        );
      }
  });
});
