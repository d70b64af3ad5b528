/**
 * The TRL script of each objective (issue 19; shared/exporters/trl-objectives.ts): the TRL 1.16 trainer and config it
 * imports, the settings the estimate used, the reference model, the data format, and the targets that refuse.
 * tests/python/test_exports_objectives.py trains each of these scripts on a tiny model with the real TRL.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { objectiveUnsupported, OBJECTIVE_SUPPORT } from '../../shared/domain/export-capabilities';
import { OBJECTIVE_KINDS, PlanSchema, type ObjectiveKind, type Plan } from '../../shared/domain/plan';
import { exportFiles, type ExportFormat } from '../../shared/exporters/training';

const python = spawnSync('python3', ['--version']).status === 0 ? 'python3' : null;

const planFor = (objective: object, over: object = {}, techniques: object[] = [{ kind: 'lora' }, { kind: 'full' }]) =>
  PlanSchema.parse({
    name: 'Objective test',
    model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
    techniques,
    training: { microBatch: 4, gradAccum: 2, seqLen: 1024 },
    objective,
    ...over,
  });

const file = (plan: Plan, format: ExportFormat, index: number, name: string) => {
  const f = exportFiles(plan, format, index, 't').find((x) => x.path === name);
  if (!f) throw new Error(`${format} export has no ${name}`);
  return f.content;
};
const script = (plan: Plan, index = 0, format: ExportFormat = 'hf') => file(plan, format, index, 'train.py');

describe('each objective runs its TRL 1.16 trainer', () => {
  const expected: Record<ObjectiveKind, RegExp> = {
    sft: /^from trl import SFTConfig, SFTTrainer$/m,
    dpo: /^from trl import DPOConfig, DPOTrainer$/m,
    ipo: /^from trl import DPOConfig, DPOTrainer$/m,
    kto: /^from trl import KTOConfig, KTOTrainer$/m,
    // trl/experimental/orpo/__init__.py, trl/experimental/cpo/__init__.py
    orpo: /^from trl\.experimental\.orpo import ORPOConfig, ORPOTrainer$/m,
    simpo: /^from trl\.experimental\.cpo import CPOConfig, CPOTrainer$/m,
    reward: /^from trl import RewardConfig, RewardTrainer$/m,
    grpo: /^from trl import GRPOConfig, GRPOTrainer$/m,
  };

  it.each(OBJECTIVE_KINDS)('%s: imports, config class, trainer call, and valid Python', (kind) => {
    const plan = planFor({ kind, numGenerations: 8 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-objective-'));
    const written: string[] = [];
    plan.techniques.forEach((_, i) => {
      for (const format of ['hf', 'deepspeed', 'azureml'] as const) {
        const s = script(plan, i, format);
        expect(s).toMatch(expected[kind]);
        const [, config, trainer] = /import (\w+), (\w+)$/m.exec(expected[kind].source.replace(/\\|\$|\^/g, ''))!;
        expect(s).toContain(`    args = ${config}(`);
        expect(s).toContain(`    trainer = ${trainer}(`);
        const target = path.join(dir, `train_${written.length}.py`);
        fs.writeFileSync(target, s);
        written.push(target);
      }
    });
    if (python) {
      const r = spawnSync(python, ['-m', 'py_compile', ...written], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('every setting the estimate used is in the script: batch, accumulation, length, precision, distribution', () => {
    const plan = planFor(
      { kind: 'dpo' },
      {
        training: { microBatch: 3, gradAccum: 5, seqLen: 1536, gradientCheckpointing: true, precision: 'mixed' },
        distribution: { gpusPerNode: 4, strategy: 'zero3' },
      },
    );
    const s = script(plan, 0, 'deepspeed');
    for (const line of [
      'per_device_train_batch_size=3,',
      'gradient_accumulation_steps=5,',
      'max_length=1536,',
      'gradient_checkpointing=True,',
      'bf16=True,',
      'optim="adamw_torch",',
      'deepspeed="ds_config.json",',
    ])
      expect(s).toContain(`        ${line}`);
    const ds = JSON.parse(file(plan, 'deepspeed', 0, 'ds_config.json')) as { train_batch_size: number };
    expect(ds.train_batch_size).toBe(3 * 5 * 4);
    // The SFT-only arguments are not written for a preference trainer.
    expect(s).not.toMatch(/packing=|loss_type="nll"/);
  });
});

describe('DPO and IPO (trl/trainer/dpo_config.py, dpo_trainer.py)', () => {
  it('loss_type is "sigmoid" for DPO and "ipo" for IPO; beta is the plan’s, else DPOConfig’s default 0.1', () => {
    expect(script(planFor({ kind: 'dpo' }))).toMatch(
      /loss_type="sigmoid",[^\n]*\n\s+beta=0\.1, {2}# the DPOConfig default/,
    );
    expect(script(planFor({ kind: 'ipo', beta: 0.3 }))).toMatch(/loss_type="ipo",[^\n]*\n\s+beta=0\.3, {2}# IPO/);
  });

  it('reference "copy" loads a frozen copy and passes ref_model, under PEFT and full fine-tuning alike', () => {
    const plan = planFor({ kind: 'dpo', reference: 'copy' });
    for (const i of [0, 1]) {
      const s = script(plan, i);
      expect(s).toMatch(
        /ref_model = AutoModelForCausalLM\.from_pretrained\(\n\s+cli\.model,\n\s+dtype=torch\.bfloat16/,
      );
      expect(s).toContain('        ref_model=ref_model,');
      expect(s).toContain('precompute_ref_log_probs=False,');
    }
  });

  it('reference "peft_base": no ref_model under PEFT (TRL disables the adapter); full loads a copy and says so', () => {
    const plan = planFor({ kind: 'dpo', reference: 'peft_base' });
    const lora = script(plan, 0);
    expect(lora).not.toMatch(/ref_model =|ref_model=/);
    expect(lora).toContain('peft_config=peft_config,');
    const full = script(plan, 1);
    expect(full).toContain('        ref_model=ref_model,');
    expect(full).toMatch(/# REFERENCE: the plan asks for the adapter-disabled base .* loads a frozen copy/);
  });

  it('reference "precomputed" sets precompute_ref_log_probs and loads no reference', () => {
    const s = script(planFor({ kind: 'dpo', reference: 'precomputed' }), 1);
    expect(s).toContain('precompute_ref_log_probs=True,');
    expect(s).not.toMatch(/ref_model =|ref_model=/);
  });

  it('a QLoRA reference copy is quantized like the policy (as TRL builds its own copy)', () => {
    const plan = planFor({ kind: 'dpo' }, {}, [{ kind: 'qlora' }]);
    expect(script(plan)).toMatch(/ref_model = AutoModelForCausalLM\.from_pretrained\([^)]*quantization_config=/);
  });

  it('packing cannot be expressed: the header says so', () => {
    const s = script(planFor({ kind: 'dpo' }, { training: { packing: true } }));
    expect(s).toMatch(/# NOT EXPRESSED: packing — TRL 1\.16's DPOTrainer has no packing/);
  });
});

describe('KTO, ORPO, SimPO, reward model', () => {
  it('KTO: loss "kto", the reference rules of DPO, and a refusal of micro batch 1 (KTOTrainer.__init__)', () => {
    const s = script(planFor({ kind: 'kto', reference: 'precomputed' }));
    expect(s).toContain('loss_type="kto",');
    expect(s).toContain('precompute_ref_log_probs=True,');
    // KTOTrainer.__init__ refuses batch size 1 ("Actual (not effective) batch size must be > 1"): the plan schema
    // refuses it at training.microBatch, so no export of such a plan is ever written.
    expect(() => planFor({ kind: 'kto' }, { training: { microBatch: 1 } })).toThrow(
      /training[\s\S]*microBatch[\s\S]*KTO needs a micro-batch of at least 2/,
    );
  });

  it('ORPO and SimPO have no reference; SimPO is CPO with loss_type "simpo" and cpo_alpha 0', () => {
    const orpo = script(planFor({ kind: 'orpo', reference: 'copy' }));
    expect(orpo).not.toMatch(/ref_model|precompute_ref/);
    expect(orpo).toContain('beta=0.1,');
    const simpo = script(planFor({ kind: 'simpo' }));
    expect(simpo).toMatch(/loss_type="simpo",\n\s+cpo_alpha=0\.0,/);
    expect(simpo).not.toContain('ref_model');
  });

  it('ORPO and SimPO compute full logits: a plan estimated with the fused LM head says so', () => {
    const s = script(planFor({ kind: 'orpo' }, { training: { stack: 'trl' } }));
    expect(s).toMatch(/# ESTIMATED AS: TRL's fused LM head .* ORPOTrainer computes the model's full logits/);
    expect(script(planFor({ kind: 'dpo' }, { training: { stack: 'trl' } }))).not.toContain('ESTIMATED AS');
  });

  it('reward: a one-label sequence classifier, PEFT task SEQ_CLS, and matching AutoPeft class in the README', () => {
    const plan = planFor({ kind: 'reward' });
    const s = script(plan);
    expect(s).toMatch(/model = AutoModelForSequenceClassification\.from_pretrained\([^)]*num_labels=1,/);
    expect(s).toContain('task_type="SEQ_CLS"');
    expect(s).toContain('model.config.pad_token_id = tokenizer.pad_token_id');
    expect(file(plan, 'hf', 0, 'README.md')).toContain('AutoPeftModelForSequenceClassification.from_pretrained');
  });

  it('LLaMA-Adapter is refused beyond SFT (TRL’s preference trainers call the model in ways it cannot)', () => {
    const plan = planFor({ kind: 'dpo' }, { model: { source: 'catalog', id: 'Llama-3.1-8B' } }, [
      { kind: 'adaption_prompt' },
    ]);
    const files = exportFiles(plan, 'hf', 0, 't');
    expect(files[0]!.path).toBe('train-NOT-SUPPORTED.md');
    expect(files[0]!.content).toMatch(/DPO with LLaMA-Adapter .* is not exported/);
  });
});

describe('GRPO (trl/trainer/grpo_config.py, grpo_trainer.py)', () => {
  const grpo = (objective: object, over: object = {}) =>
    planFor({ kind: 'grpo', numGenerations: 8, completionTokens: 256, ...objective }, over);

  it('writes num_generations, max_completion_length and beta (default 0.0: no reference)', () => {
    const s = script(grpo({}));
    expect(s).toContain('        num_generations=8,');
    expect(s).toContain('        max_completion_length=256,');
    expect(s).toMatch(/beta=0, {2}# the GRPOConfig default in TRL 1\.16 \(no reference model\)/);
    // Evaluation batches must hold whole prompt groups (GRPOConfig.__post_init__).
    expect(s).toContain('        per_device_eval_batch_size=8,');
  });

  it('vLLM colocate: mode, memory share, sleep mode, tensor parallel size; requirements pull trl[vllm]', () => {
    const plan = grpo(
      { generation: 'vllm_colocate', vllmGpuMemoryUtilization: 0.45, vllmSleepMode: true, vllmTensorParallel: 2 },
      { distribution: { gpusPerNode: 2 } },
    );
    const s = script(plan);
    for (const line of [
      'use_vllm=True,',
      'vllm_mode="colocate",',
      'vllm_gpu_memory_utilization=0.45,',
      'vllm_enable_sleep_mode=True,',
      'vllm_tensor_parallel_size=2,',
    ])
      expect(s).toContain(`        ${line}`);
    expect(file(plan, 'hf', 0, 'requirements.txt')).toMatch(/^trl\[vllm\]>=1\.16,<2$/m);
  });

  it('vLLM colocate refuses a tensor parallel size that does not divide the GPUs (vllm_generation.py)', () => {
    const files = exportFiles(grpo({ vllmTensorParallel: 2 }), 'hf', 0, 't');
    expect(files[0]!.path).toBe('train-NOT-SUPPORTED.md');
    expect(files[0]!.content).toContain('tensor_parallel_size (2) must divide world size (1) evenly');
  });

  it('vLLM server: server mode in the script, the trl vllm-serve line on the GPUs after the training ones', () => {
    const plan = grpo({ generation: 'vllm_server', vllmServerGpus: 2, vllmTensorParallel: 2 });
    const s = script(plan);
    expect(s).toContain('        vllm_mode="server",');
    expect(s).not.toContain('vllm_gpu_memory_utilization');
    const readme = file(plan, 'hf', 0, 'README.md');
    expect(readme).toContain(
      'CUDA_VISIBLE_DEVICES=1,2 trl vllm-serve --model microsoft/Phi-3-mini-4k-instruct ' +
        '--tensor-parallel-size 2 --max-model-len 768 --port 8000',
    );
  });

  it('transformers generation: use_vllm False, no vLLM settings, no vLLM requirement', () => {
    const plan = grpo({ generation: 'transformers' });
    const s = script(plan);
    expect(s).toContain('        use_vllm=False,');
    expect(s).not.toMatch(/vllm_mode|vllm_gpu/);
    expect(file(plan, 'hf', 0, 'requirements.txt')).not.toContain('vllm');
  });

  it('exports a clearly marked placeholder reward function and passes it as reward_funcs', () => {
    const s = script(grpo({}));
    expect(s).toMatch(/# PLACEHOLDER REWARD — REPLACE IT\./);
    expect(s).toMatch(/^def placeholder_length_reward\(completions, \*\*kwargs\) -> list\[float\]:$/m);
    expect(s).toContain('        reward_funcs=[placeholder_length_reward],');
  });
});

describe('data in the format each trainer reads (TRL "Dataset formats and types")', () => {
  const keys: Record<ObjectiveKind, string[]> = {
    sft: ['messages'],
    dpo: ['chosen', 'prompt', 'rejected'],
    ipo: ['chosen', 'prompt', 'rejected'],
    orpo: ['chosen', 'prompt', 'rejected'],
    simpo: ['chosen', 'prompt', 'rejected'],
    reward: ['chosen', 'prompt', 'rejected'],
    kto: ['completion', 'label', 'prompt'],
    grpo: ['prompt'],
  };
  it.each(OBJECTIVE_KINDS)('%s: data/train.jsonl, the docstring and the README agree', (kind) => {
    const plan = planFor({ kind });
    const rows = file(plan, 'hf', 0, 'data/train.jsonl')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const row of rows) expect(Object.keys(row).sort()).toEqual(keys[kind]);
    const readme = file(plan, 'hf', 0, 'README.md');
    for (const k of keys[kind]) expect(readme).toContain(`"${k}"`);
    if (kind === 'kto') expect(rows.map((r) => r.label)).toEqual([true, false]);
  });
});

describe('targets that cannot run an objective say so (export-capabilities OBJECTIVE_SUPPORT)', () => {
  it('KAITO, Olive and the hosted summary refuse every non-SFT objective, naming it and the alternative', () => {
    for (const kind of OBJECTIVE_KINDS.filter((k) => k !== 'sft')) {
      const plan = planFor({ kind, numGenerations: 8 });
      for (const format of ['kaito', 'olive', 'service'] as const) {
        expect(objectiveUnsupported(plan, format)).toBe(true);
        const files = exportFiles(plan, format, 0, 't');
        expect(files.map((f) => f.path)).toEqual([`${format}-NOT-SUPPORTED.md`, 'README.md']);
        expect(files[0]!.content).toMatch(new RegExp(`objective "${kind}"`));
        expect(files[0]!.content).toContain('Export the Hugging Face (TRL) script');
      }
      expect(exportFiles(plan, 'kaito', 0, 't')[0]!.content).toMatch(/SFTTrainer .*fine_tuning\.py/);
      expect(exportFiles(plan, 'olive', 0, 't')[0]!.content).toMatch(/olive\/passes\/pytorch\/lora\.py/);
    }
  });

  it('SFT plans still export to KAITO and Olive; the TRL targets take every objective', () => {
    const sft = planFor({ kind: 'sft' });
    expect(exportFiles(sft, 'kaito', 0, 't').map((f) => f.path)).toContain('kaito-workspace.yaml');
    expect(exportFiles(sft, 'olive', 0, 't').map((f) => f.path)).toContain('olive-workflow.json');
    for (const target of ['json', 'hf', 'deepspeed', 'azureml'] as const)
      expect(OBJECTIVE_SUPPORT[target]).toEqual(OBJECTIVE_KINDS);
  });
});
