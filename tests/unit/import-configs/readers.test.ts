/**
 * Each foreign config reader against real files (tests/fixtures/import-configs/README.md names their sources) and
 * the combiner that merges several into one plan (issue 18 item 5).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importConfigs } from '../../../shared/import/configs/combine';
import { ConfigImportError } from '../../../shared/import/configs/facts';
import { readConfigFile } from '../../../shared/import/configs/read';

const DIR = path.resolve(__dirname, '../../fixtures/import-configs');
const file = (rel: string) => ({ name: path.basename(rel), content: fs.readFileSync(path.join(DIR, rel), 'utf8') });
const bytes = (rel: string) => ({
  name: path.basename(rel),
  content: new Uint8Array(fs.readFileSync(path.join(DIR, rel))),
});
const fieldsOf = (r: ReturnType<typeof importConfigs>) =>
  Object.fromEntries(r.determined.map((d) => [d.field, d.value]));
const openOf = (r: ReturnType<typeof importConfigs>) => r.open.map((o) => o.field);

describe('DeepSpeed ds_config.json', () => {
  it('reads stage and offload, and leaves "auto" batch sizes and precision open', () => {
    const r = importConfigs([file('deepspeed/llamafactory-ds_z3_offload_config.json')]);
    expect(r.files[0]!.format).toBe('deepspeed');
    expect(r.plan.distribution).toMatchObject({ strategy: 'zero3', offloadOptimizer: 'cpu', offloadParams: 'cpu' });
    expect(openOf(r)).toEqual(
      expect.arrayContaining(['training.microBatch', 'training.gradAccum', 'training.precision']),
    );
    expect(r.open.find((o) => o.field === 'training.microBatch')!.reason).toMatch(/"auto"/);
    expect(r.notes.join('\n')).toMatch(/stage3_prefetch_bucket_size/);
  });
  it('reads bf16.enabled true as bf16 and ZeRO-2 without offload', () => {
    const z2 = readConfigFile('ds_z2_config.json', file('deepspeed/llamafactory-ds_z2_config.json').content);
    expect(z2.facts.find((f) => f.field === 'distribution.strategy')!.value).toBe('zero2');
    const ax = importConfigs([file('deepspeed/axolotl-zero3_bf16.json')]);
    expect(fieldsOf(ax)['training.precision']).toBe('pure_bf16');
  });
  it('refuses an unknown ZeRO stage naming the key', () => {
    expect(() => readConfigFile('ds.json', '{"zero_optimization": {"stage": 4}}')).toThrow(
      /zero_optimization\.stage must be 0, 1, 2 or 3/,
    );
  });
});

describe('PEFT adapter_config.json', () => {
  it('reads LoRA rank, alpha, dropout, q+v targets and the catalog base model', () => {
    const r = importConfigs([file('generated/peft-lora/adapter_config.json')]);
    expect(r.plan.model).toEqual({ source: 'catalog', id: 'Llama-3.2-1B' });
    expect(r.plan.techniques).toHaveLength(1);
    expect(r.plan.techniques[0]).toMatchObject({ kind: 'lora', rank: 8, alpha: 16, dropout: 0.1, targets: 'qv' });
  });
  it('reads DoRA and maps PEFT-expanded all-linear module paths back to all-linear', () => {
    const r = importConfigs([file('generated/peft-dora/adapter_config.json')]);
    expect(r.plan.model).toEqual({ source: 'catalog', id: 'Qwen2.5-0.5B' });
    expect(r.plan.techniques[0]).toMatchObject({ kind: 'dora', rank: 32, alpha: 64, targets: 'all-linear' });
  });
  it('reads IA3, prompt tuning and LoHa', () => {
    expect(importConfigs([file('generated/peft-ia3/adapter_config.json')]).plan.techniques[0]!.kind).toBe('ia3');
    const pt = importConfigs([file('generated/peft-prompt-tuning/adapter_config.json')]);
    expect(pt.plan.techniques[0]).toMatchObject({ kind: 'prompt_tuning', virtualTokens: 24 });
    expect(openOf(pt)).not.toContain('technique.rank');
    expect(importConfigs([file('generated/peft-loha/adapter_config.json')]).plan.techniques[0]).toMatchObject({
      kind: 'loha',
      rank: 8,
      alpha: 8,
    });
  });
  it('adapter + the 4-bit base config.json make QLoRA with the base quantization', () => {
    const r = importConfigs([
      file('generated/peft-lora/adapter_config.json'),
      { ...file('generated/base-4bit/config.json') },
    ]);
    expect(r.plan.techniques[0]).toMatchObject({ kind: 'qlora', quantType: 'nf4', doubleQuant: true, rank: 8 });
    expect(r.plan.model.source).toBe('custom'); // the config.json's shape, named by the adapter's Hub id
    expect(r.plan.model.source === 'custom' && r.plan.model.spec.hfId).toBe('meta-llama/Llama-3.2-1B');
    expect(r.conflicts).toEqual([]);
  });
});

describe('accelerate config YAML', () => {
  it('reads DeepSpeed stage/offload/accumulation and the process count', () => {
    const r = importConfigs([file('generated/accelerate/deepspeed_zero2.yaml')]);
    expect(r.plan.distribution).toMatchObject({ strategy: 'zero2', offloadOptimizer: 'cpu', gpusPerNode: 8, nodes: 1 });
    expect(r.plan.training.gradAccum).toBe(4);
    expect(r.open.find((o) => o.field === 'training.precision')!.reason).toMatch(/autocast/);
  });
  it('reads FSDP full shard with offload over two machines (num_processes is the total)', () => {
    const r = importConfigs([file('generated/accelerate/fsdp_2nodes.yaml')]);
    expect(r.plan.distribution).toMatchObject({
      strategy: 'fsdp_full',
      nodes: 2,
      gpusPerNode: 8,
      offloadParams: 'cpu',
    });
  });
  it('reads MULTI_GPU as DDP', () => {
    expect(importConfigs([file('generated/accelerate/multi_gpu.yaml')]).plan.distribution).toMatchObject({
      strategy: 'ddp',
      gpusPerNode: 4,
    });
  });
});

describe('TrainingArguments / SFTConfig JSON', () => {
  it('reads batch, accumulation, epochs, learning rate, optimizer and checkpointing', () => {
    const r = importConfigs([file('generated/trainer/training_args.json')]);
    expect(r.files[0]!.format).toBe('training-args');
    expect(r.plan.training).toMatchObject({
      microBatch: 4,
      gradAccum: 8,
      epochs: 2,
      learningRate: 1e-4,
      optimizer: 'paged_adamw_8bit',
      gradientCheckpointing: true,
    });
    expect(openOf(r)).toEqual(
      expect.arrayContaining(['model', 'technique.kind', 'training.precision', 'distribution.gpusPerNode']),
    );
  });
  it("reads SFTConfig's max_length and packing", () => {
    const r = importConfigs([file('generated/trainer/sft_config.json')]);
    expect(r.plan.training).toMatchObject({
      seqLen: 4096,
      packing: true,
      optimizer: 'adamw_torch_fused',
      microBatch: 2,
    });
  });
  it('refuses training_args.bin as a pickle and asks for the JSON', () => {
    expect(() => importConfigs([bytes('generated/trainer/training_args.bin')])).toThrow(ConfigImportError);
    expect(() => importConfigs([bytes('generated/trainer/training_args.bin')])).toThrow(/pickle.*to_json_string/s);
  });
});

describe('LLaMA-Factory YAML', () => {
  it('reads the LoRA example with its defaults (alpha = 2 × rank, dropout 0, all targets)', () => {
    const r = importConfigs([file('llama-factory/qwen3_lora_sft.yaml')]);
    expect(r.plan.techniques[0]).toMatchObject({ kind: 'lora', rank: 8, alpha: 16, dropout: 0, targets: 'all-linear' });
    expect(r.plan.training).toMatchObject({
      seqLen: 2048,
      microBatch: 1,
      gradAccum: 8,
      learningRate: 1e-4,
      epochs: 3,
      precision: 'mixed',
      gradientCheckpointing: true,
    });
    // Qwen3-4B-Instruct-2507 is not in the catalog: the model stays open until its config.json is imported too.
    expect(openOf(r)).toContain('model');
  });
  it('reads on-the-fly 4-bit quantization as QLoRA and the bundled ZeRO-3 file', () => {
    expect(importConfigs([file('llama-factory/qwen3_lora_sft_otfq.yaml')]).plan.techniques[0]).toMatchObject({
      kind: 'qlora',
      quantType: 'nf4',
      doubleQuant: true,
    });
    const full = importConfigs([
      file('llama-factory/qwen3_full_sft.yaml'),
      file('deepspeed/llamafactory-ds_z3_config.json'),
    ]);
    expect(full.plan.techniques[0]!.kind).toBe('full');
    expect(full.plan.distribution.strategy).toBe('zero3');
    expect(full.conflicts).toEqual([]);
  });
});

describe('axolotl YAML', () => {
  it('reads the QLoRA example', () => {
    const r = importConfigs([file('axolotl/qlora-1b.yml')]);
    // NousResearch/Llama-3.2-1B: same repository name
    expect(r.plan.model).toEqual({ source: 'catalog', id: 'Llama-3.2-1B' });
    expect(r.plan.techniques[0]).toMatchObject({
      kind: 'qlora',
      rank: 32,
      alpha: 16,
      dropout: 0.05,
      targets: 'all-linear',
    });
    expect(r.plan.training).toMatchObject({
      seqLen: 2048,
      packing: true,
      microBatch: 2,
      gradAccum: 4,
      epochs: 1,
      optimizer: 'adamw_8bit',
      learningRate: 2e-4,
      gradientCheckpointing: true,
    });
  });
  it('reads full fine-tuning (no adapter) and a learning rate written as 2e-5', () => {
    const r = importConfigs([file('axolotl/fft-8b.yaml')]);
    expect(r.plan.techniques[0]!.kind).toBe('full');
    expect(r.plan.training).toMatchObject({ learningRate: 2e-5, seqLen: 8192, optimizer: 'paged_adamw_8bit' });
  });
});

describe('torchtune recipe YAML', () => {
  it('reads the Qwen2.5-3B LoRA config (distributed recipe, model not in the catalog)', () => {
    const r = importConfigs([file('torchtune/qwen2_5-3B_lora.yaml')]);
    expect(r.plan.training).toMatchObject({
      stack: 'torchtune',
      microBatch: 2,
      gradAccum: 8,
      learningRate: 3e-4,
      optimizer: 'adamw_torch_fused',
      precision: 'pure_bf16',
      lossKernel: 'chunked',
    });
    expect(r.plan.techniques[0]).toMatchObject({
      kind: 'lora',
      rank: 8,
      alpha: 16,
      dropout: 0,
      targets: 'custom',
      customModules: ['down_proj', 'gate_proj', 'o_proj', 'q_proj', 'up_proj', 'v_proj'],
    }); // no k_proj: not a preset
    expect(r.plan.distribution.strategy).toBe('fsdp_full');
    expect(openOf(r)).toEqual(expect.arrayContaining(['model', 'training.seqLen', 'distribution.gpusPerNode']));
  });
  it('reads the Llama 3.1 8B QLoRA single-device config', () => {
    const r = importConfigs([file('torchtune/llama3_1-8B_qlora_single_device.yaml')]);
    expect(r.plan.model).toEqual({ source: 'catalog', id: 'Llama-3.1-8B' });
    expect(r.plan.techniques[0]).toMatchObject({ kind: 'qlora', quantType: 'nf4' });
    expect(r.plan.distribution).toMatchObject({ gpusPerNode: 1, strategy: 'ddp' });
    expect(r.plan.training.gradientCheckpointing).toBe(true);
  });
  it('reads the full fine-tuning config (fused AdamW, optimizer_in_bwd off)', () => {
    const r = importConfigs([file('torchtune/llama3_1-8B_full.yaml')]);
    expect(r.plan.techniques[0]!.kind).toBe('full');
    expect(r.plan.training).toMatchObject({
      optimizer: 'adamw_torch_fused',
      optimizerInBackward: false,
      learningRate: 2e-5,
    }); // fused: True
  });
});

describe('combining files', () => {
  it('reports a conflict and keeps the first file', () => {
    const r = importConfigs([
      file('generated/accelerate/deepspeed_zero2.yaml'),
      file('deepspeed/llamafactory-ds_z3_config.json'),
    ]);
    const c = r.conflicts.find((x) => x.field === 'distribution.strategy')!;
    expect(c.kept).toBe('deepspeed_zero2.yaml');
    expect(c.values.map((v) => v.value)).toEqual(['zero2', 'zero3']);
    expect(r.plan.distribution.strategy).toBe('zero2');
  });
  it('adapter + ds_config + TrainingArguments fill one plan', () => {
    const r = importConfigs([
      file('generated/peft-lora/adapter_config.json'),
      file('deepspeed/llamafactory-ds_z2_config.json'),
      file('generated/trainer/training_args.json'),
      file('generated/accelerate/multi_gpu.yaml'),
    ]);
    expect(r.plan.techniques[0]!.kind).toBe('lora');
    expect(r.plan.distribution).toMatchObject({ strategy: 'zero2', gpusPerNode: 4 });
    expect(r.plan.training).toMatchObject({ microBatch: 4, gradAccum: 8 });
    expect(r.plan.notes).toMatch(/Imported from adapter_config\.json/);
  });
  it('names the file and the formats when a file is not a config', () => {
    expect(() => importConfigs([{ name: 'data.json', content: '{"text": "hi"}' }])).toThrow(
      /data\.json: not a training config.*DeepSpeed/,
    );
    expect(() => importConfigs([{ name: 'x.yaml', content: 'a: [' }])).toThrow(
      /x\.yaml is neither JSON nor valid YAML/,
    );
  });
});
