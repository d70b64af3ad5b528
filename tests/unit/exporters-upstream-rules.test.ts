/**
 * Issue 18: the upstream rules the exports must follow, one test per rule, each citing the upstream file (and the
 * release read) it encodes. When an upstream release changes a rule, the test that names it is the one to update.
 * The Python tier (tests/python/test_gpu_configs.py, test_exports_run.py) runs the same rules in the real libraries.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PlanSchema, type Plan, type PlanInput } from '../../shared/domain/plan';
import {
  AZUREML_ENVIRONMENT,
  exportFiles,
  KAITO_PRESETS,
  loadDtype,
  OPTIM,
  UPSTREAM_VERSIONS,
  type ExportFormat,
} from '../../shared/exporters/training';

const root = path.resolve(__dirname, '../..');

const plan = (over: Partial<PlanInput> = {}, kind: string = 'lora'): Plan =>
  PlanSchema.parse({
    name: 'Rules',
    model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
    techniques: [{ kind }],
    training: { precision: 'mixed' },
    ...over,
  });
const file = (p: Plan, format: ExportFormat, name: string) => {
  const f = exportFiles(p, format, 0, 't').find((x) => x.path === name);
  if (!f)
    throw new Error(
      `${format} export has no ${name}: ${exportFiles(p, format, 0, 't')
        .map((x) => x.path)
        .join(', ')}`,
    );
  return f.content;
};
const yaml = <T>(p: Plan, format: ExportFormat, name: string) => parseYaml(file(p, format, name)) as T;

describe('accelerate 1.15 config rules', () => {
  it(
    'DeepSpeed with deepspeed_config_file has no mixed_precision (utils/dataclasses.py ' +
      'DeepSpeedPlugin._deepspeed_config_checks)',
    () => {
      for (const precision of ['mixed', 'pure_bf16', 'pure_fp16', 'fp32'] as const)
        for (const strategy of ['zero1', 'zero2', 'zero3'] as const) {
          const cfg = yaml<Record<string, unknown>>(
            plan({ training: { precision }, distribution: { gpusPerNode: 4, strategy } }),
            'deepspeed',
            'accelerate_config.yaml',
          );
          expect(cfg, `${strategy} ${precision}`).not.toHaveProperty('mixed_precision');
          expect(cfg).toMatchObject({ deepspeed_config: { deepspeed_config_file: 'ds_config.json' } });
        }
    },
  );

  it(
    'multi-node configs carry the rendezvous (utils/launch.py: main_process_ip is asserted for num_machines ' + '> 1)',
    () => {
      for (const strategy of ['ddp', 'zero3', 'fsdp_full'] as const) {
        const p = plan({ distribution: { gpusPerNode: 4, nodes: 3, strategy } });
        const cfg = yaml<Record<string, unknown>>(p, 'deepspeed', 'accelerate_config.yaml');
        expect(cfg).toMatchObject({ num_machines: 3, num_processes: 12, main_process_port: 29500 });
        expect(cfg.main_process_ip).toBeTypeOf('string');
        const launch = file(p, 'deepspeed', 'launch.sh');
        expect(launch).toContain('--machine_rank "$MACHINE_RANK" --main_process_ip "$MAIN_PROCESS_IP"');
        if (strategy === 'zero3')
          // accelerate's DeepSpeed multi-node default is pdsh with a hostfile; `standard` is one torchrun per node.
          expect(cfg).toMatchObject({ deepspeed_config: { deepspeed_multinode_launcher: 'standard' } });
      }
    },
  );
});

describe('FSDP offload (torch/distributed/fsdp/api.py CPUOffload: one switch, offload_params)', () => {
  it('both offloads on write fsdp_offload_params: true; the optimizer alone is refused, naming the fix', () => {
    const fsdp = (offloadOptimizer: 'cpu' | 'none', offloadParams: 'cpu' | 'none') =>
      plan({ distribution: { gpusPerNode: 4, strategy: 'fsdp_full', offloadOptimizer, offloadParams } });
    const both = yaml<{ fsdp_config: { fsdp_offload_params: boolean } }>(
      fsdp('cpu', 'cpu'),
      'deepspeed',
      'accelerate_config.yaml',
    );
    expect(both.fsdp_config.fsdp_offload_params).toBe(true);
    // Parameters alone: offload_params moves the optimizer states too, as the estimate counts.
    const params = yaml<{ fsdp_config: { fsdp_offload_params: boolean } }>(
      fsdp('none', 'cpu'),
      'deepspeed',
      'accelerate_config.yaml',
    );
    expect(params.fsdp_config.fsdp_offload_params).toBe(true);
    for (const format of ['hf', 'deepspeed'] as const) {
      const files = exportFiles(fsdp('cpu', 'none'), format, 0, 't');
      expect(files.map((f) => f.path)).not.toContain('train.py');
      expect(files.map((f) => f.path)).not.toContain('accelerate_config.yaml');
      const reason = files.find((f) => f.path === 'train-NOT-SUPPORTED.md')!.content;
      expect(reason).toMatch(/one offload switch \(fsdp_offload_params\).*set both offloads in the plan to cpu/s);
    }
  });
});

describe('transformers 5.24 DeepSpeed integration (integrations/deepspeed.py trainer_config_process)', () => {
  it('ds_config fp16/bf16 equal the trainer flags (fill_match "fp16.enabled" / "bf16.enabled")', () => {
    for (const precision of ['mixed', 'pure_bf16', 'pure_fp16', 'fp32'] as const) {
      const p = plan({ training: { precision }, distribution: { gpusPerNode: 2, strategy: 'zero2' } });
      const ds = JSON.parse(file(p, 'deepspeed', 'ds_config.json')) as {
        bf16: { enabled: boolean };
        fp16: { enabled: boolean };
      };
      const script = file(p, 'deepspeed', 'train.py');
      expect(script, precision).toContain(`bf16=${ds.bf16.enabled ? 'True' : 'False'},`);
      expect(script, precision).toContain(`fp16=${ds.fp16.enabled ? 'True' : 'False'},`);
    }
  });

  it('batch sizes agree: train_batch_size = micro × accumulation × world size', () => {
    const p = plan({
      training: { microBatch: 3, gradAccum: 5 },
      distribution: { gpusPerNode: 4, nodes: 2, strategy: 'zero3' },
    });
    const ds = JSON.parse(file(p, 'deepspeed', 'ds_config.json')) as Record<string, number>;
    expect(ds).toMatchObject({
      train_batch_size: 120,
      train_micro_batch_size_per_gpu: 3,
      gradient_accumulation_steps: 5,
    });
    expect(file(p, 'deepspeed', 'train.py')).toMatch(
      /per_device_train_batch_size=3,\n\s+gradient_accumulation_steps=5,/,
    );
  });

  it('ZeRO-3: SFTConfig is built before from_pretrained (set_hf_deepspeed_config → zero.Init on load)', () => {
    const script = file(plan({ distribution: { gpusPerNode: 4, strategy: 'zero3' } }), 'deepspeed', 'train.py');
    expect(script.indexOf('args = SFTConfig(')).toBeGreaterThan(0);
    expect(script.indexOf('args = SFTConfig(')).toBeLessThan(script.indexOf('AutoModelForCausalLM.from_pretrained('));
  });
});

describe('transformers / TRL / PEFT script rules', () => {
  it('optim is set explicitly to a TrainingArguments OptimizerNames value (training_args.py)', () => {
    // transformers 5.24 training_args.py class OptimizerNames: the values the plan's optimizers map to.
    const names = [
      'adamw_torch',
      'adamw_bnb_8bit',
      'paged_adamw_32bit',
      'paged_adamw_8bit',
      'adafactor',
      'sgd',
      'lion_32bit',
      'adamw_torch_fused',
    ];
    for (const [opt, name] of Object.entries(OPTIM)) {
      expect(names).toContain(name);
      const script = file(plan({ training: { optimizer: opt as Plan['training']['optimizer'] } }), 'hf', 'train.py');
      expect(script).toContain(`optim="${name}",`);
    }
    // trainer_optimizer.py _get_sgd reads momentum from optim_args (huggingface/transformers PR #44203).
    expect(file(plan({ training: { optimizer: 'sgd_momentum' } }), 'hf', 'train.py')).toContain(
      'optim_args="momentum=0.9"',
    );
  });

  it('loss_type is explicit (trl 1.16 sft_config.py: "nll"; "chunked_nll" is a deprecated alias)', () => {
    expect(file(plan(), 'hf', 'train.py')).toContain('loss_type="nll",');
  });

  it('weights load in the dtype the estimate counts (shared/estimate/memory.ts bytesFor baseWeight)', () => {
    expect(loadDtype(plan(), { kind: 'lora' })).toBe('bfloat16'); // Phi-3-mini LoRA in mixed: 2-byte frozen weights
    expect(file(plan(), 'hf', 'train.py')).toContain('dtype=torch.bfloat16,');
    expect(loadDtype(plan(), { kind: 'full' })).toBe('float32'); // fp32 weights = the estimate's 2 B + 4 B master
    expect(loadDtype(plan({ training: { precision: 'fp32' } }), { kind: 'lora' })).toBe('float32');
    expect(loadDtype(plan({ training: { precision: 'pure_fp16' } }), { kind: 'lora' })).toBe('float16');
  });

  it('multi-GPU QLoRA under DDP loads each rank on its own GPU; sharded QLoRA sets bnb_4bit_quant_storage', () => {
    const ddp = file(plan({ distribution: { gpusPerNode: 4, strategy: 'ddp' } }, 'qlora'), 'deepspeed', 'train.py');
    expect(ddp).toContain('device_map={"": PartialState().local_process_index},');
    for (const strategy of ['zero3', 'fsdp_full'] as const) {
      const s = file(plan({ distribution: { gpusPerNode: 4, strategy } }, 'qlora'), 'deepspeed', 'train.py');
      expect(s, strategy).toContain('bnb_4bit_quant_storage=torch.bfloat16');
      expect(s, strategy).not.toContain('device_map');
    }
  });

  it('FSDP gathers a full state dict before the final save (PEFT docs accelerate/fsdp.md)', () => {
    const s = file(plan({ distribution: { gpusPerNode: 4, strategy: 'fsdp_full' } }), 'deepspeed', 'train.py');
    expect(s.indexOf('set_state_dict_type("FULL_STATE_DICT")')).toBeLessThan(s.indexOf('trainer.save_model('));
    expect(s).toContain('set_state_dict_type("FULL_STATE_DICT")');
  });

  it('LoRA-FA trains with PEFT create_lorafa_optimizer (peft/optimizers/lorafa.py), not plain LoRA', () => {
    const s = file(plan({}, 'lora_fa'), 'hf', 'train.py');
    expect(s).toContain('optimizer = create_lorafa_optimizer(model, r=16, lora_alpha=32, lr=0.0002)');
    expect(s).toContain('optimizers=(optimizer, None),');
    expect(s).not.toContain('peft_config=peft_config,');
  });

  it('IA3 and LN tuning targets are the modules the estimate counts (ia3TargetNames, lnTuningTargets)', () => {
    expect(file(plan({ model: { source: 'catalog', id: 'Llama-3.1-8B' } }, 'ia3'), 'hf', 'train.py')).toContain(
      'IA3Config(target_modules=["k_proj", "v_proj", "down_proj"], feedforward_modules=["down_proj"]',
    );
    // peft 0.21.2 utils/constants.py has no LN-tuning default for phi3: the export names the norms.
    expect(file(plan({}, 'ln_tuning'), 'hf', 'train.py')).toMatch(/LNTuningConfig\(target_modules=\["input_layernorm"/);
    expect(file(plan({ model: { source: 'catalog', id: 'Llama-3.1-8B' } }, 'ln_tuning'), 'hf', 'train.py')).toContain(
      'LNTuningConfig(task_type="CAUSAL_LM")',
    );
  });

  it('MoE experts under PEFT lora.ParamWrapper get lora_dropout=0, said in the header', () => {
    const p = plan({ model: { source: 'catalog', id: 'Qwen3-30B-A3B' } });
    const s = file(p, 'hf', 'train.py');
    expect(s).toContain('lora_dropout=0,');
    expect(s).toMatch(/# lora_dropout is 0 here, not the plan's 0\.05/);
  });

  it('Phi-3-small loads with trust_remote_code (exportSupport)', () => {
    const s = file(plan({ model: { source: 'catalog', id: 'Phi-3-small-8k-instruct' } }), 'hf', 'train.py');
    expect(s).toContain('trust_remote_code=True');
  });

  it('a switch the target cannot express is named in the header (export-capabilities unsupportedSwitches)', () => {
    const p = plan({ training: { optimizerInBackward: true, activationOffload: true } });
    const hf = file(p, 'hf', 'train.py');
    expect(hf).toMatch(/# NOT EXPRESSED: optimizer step in backward/);
    expect(hf).toContain('activation_offloading=True,');
    expect(file(p, 'deepspeed', 'train.py')).toMatch(/# NOT EXPRESSED: activation offloading/);
  });

  it('a plan that does not fit says so on the first line', () => {
    const p = plan(
      {
        model: { source: 'catalog', id: 'Llama-3.1-70B' },
        hardware: { gpu: { source: 'catalog', id: 'a100-80gb-sxm' } },
      },
      'full',
    );
    for (const f of ['train.py', 'README.md'])
      expect(
        file(p, 'hf', f)
          .split('\n')
          .find((l) => l.trim() !== '' && !l.startsWith('#!') && !l.startsWith('# ' + 'Rules')),
      ).toMatch(/DOES NOT FIT/);
    expect(file(p, 'hf', 'train.py')).toMatch(/Learning rate 0\.0002 is an adapter rate/);
  });
});

describe('requirements and versions', () => {
  it('UPSTREAM_VERSIONS are the versions the Python tier pins (tests/python/requirements.txt)', () => {
    const pins = fs.readFileSync(path.join(root, 'tests/python/requirements.txt'), 'utf8');
    for (const [name, v] of Object.entries(UPSTREAM_VERSIONS))
      expect(pins, name).toMatch(new RegExp(`^${name}==${v.replace(/\./g, '\\.')}(\\+cpu)?$`, 'm'));
  });

  it('requirement ranges include the current releases (no trl<1)', () => {
    const reqs = file(plan({}, 'qlora'), 'hf', 'requirements.txt');
    expect(reqs).toContain('trl>=1.0,<2');
    expect(reqs).not.toMatch(/trl[^\n]*<1\b/);
  });
});

describe('Azure ML CLI v2 command job (commandJob.schema.json)', () => {
  it('one accelerate launcher per node, no nested per-GPU distribution; VM size with the plan GPUs', () => {
    const one = yaml<Record<string, unknown>>(
      plan({ distribution: { gpusPerNode: 4, strategy: 'zero3' } }),
      'azureml',
      'azureml-job.yml',
    );
    expect(one).not.toHaveProperty('distribution');
    expect(one.command).toContain(
      'accelerate launch --config_file accelerate_config.yaml train.py --data ${{inputs.train_data}} ' +
        '--output ${{outputs.model}}',
    );
    expect(one).toMatchObject({
      inputs: { train_data: { type: 'uri_file', path: 'data/train.jsonl' } },
      outputs: { model: { type: 'uri_folder' } },
      environment: AZUREML_ENVIRONMENT,
    });
    const p = plan({
      distribution: { gpusPerNode: 4, nodes: 2, strategy: 'zero3' },
      hardware: { gpu: { source: 'catalog', id: 'a100-80gb-pcie' } },
    });
    const two = yaml<Record<string, unknown>>(p, 'azureml', 'azureml-job.yml');
    expect(two).toMatchObject({
      distribution: { type: 'pytorch', process_count_per_instance: 1 },
      resources: { instance_count: 2 },
    });
    expect(two.command).toMatch(
      /--machine_rank \$NODE_RANK --main_process_ip \$MASTER_ADDR --main_process_port \$MASTER_PORT/,
    );
    // prices.json: Standard_NC96ads_A100_v4 has 4 × A100 80GB PCIe.
    expect(file(p, 'azureml', 'azureml-job.yml')).toContain(
      'az ml compute create --name tuneplan-4gpu --type AmlCompute --size Standard_NC96ads_A100_v4',
    );
  });
});

describe('KAITO (kaito-project/kaito api/v1beta1, presets/workspace/models)', () => {
  it('maps only exact tuning presets; Qwen2.5-7B is not the Coder preset; Phi-4 has one', () => {
    // transformer_runtime_tuning_parameters.go TransformerTuningParameters keys.
    const tuning = [
      'phi-4',
      'phi-4-mini-instruct',
      'phi-3-mini-4k-instruct',
      'phi-3-mini-128k-instruct',
      'phi-3-medium-4k-instruct',
      'phi-3-medium-128k-instruct',
      'phi-3.5-mini-instruct',
      'mistral-7b-v0.3',
      'qwen2.5-coder-7b-instruct',
      'qwen2.5-coder-32b-instruct',
    ];
    for (const preset of Object.values(KAITO_PRESETS)) expect(tuning).toContain(preset);
    expect(KAITO_PRESETS['Qwen2.5-7B']).toBeUndefined();
    const phi4 = yaml<{ tuning: { preset: { name: string } } }>(
      plan({ model: { source: 'catalog', id: 'Phi-4' } }),
      'kaito',
      'kaito-workspace.yaml',
    );
    expect(phi4.tuning.preset.name).toBe('phi-4');
    expect(exportFiles(plan({ model: { source: 'catalog', id: 'Qwen2.5-7B' } }), 'kaito', 0, 't')[0]!.content).toMatch(
      /not one of them/,
    );
  });

  it("writes a tuning ConfigMap with the plan's hyperparameters, referenced by tuning.config", () => {
    const p = plan({ training: { microBatch: 2, gradAccum: 8, learningRate: 1e-4, epochs: 2 } }, 'qlora');
    const cm = yaml<{ kind: string; metadata: { name: string }; data: Record<string, string> }>(
      p,
      'kaito',
      'kaito-tuning-configmap.yaml',
    );
    const ws = yaml<{ tuning: { config: string } }>(p, 'kaito', 'kaito-workspace.yaml');
    expect(cm.kind).toBe('ConfigMap');
    expect(ws.tuning.config).toBe(cm.metadata.name);
    // charts/kaito/workspace/templates/qlora-params.yaml layout: training_config.{ModelConfig, QuantizationConfig,
    // LoraConfig, TrainingArguments, DatasetConfig}.
    const tc = (
      parseYaml(cm.data['training_config.yaml']!) as { training_config: Record<string, Record<string, unknown>> }
    ).training_config;
    expect(tc.LoraConfig).toMatchObject({ r: 16, lora_alpha: 32, lora_dropout: 0.05 });
    expect(tc.QuantizationConfig).toMatchObject({
      load_in_4bit: true,
      bnb_4bit_quant_type: 'nf4',
      bnb_4bit_use_double_quant: true,
    });
    expect(tc.TrainingArguments).toMatchObject({
      per_device_train_batch_size: 2,
      gradient_accumulation_steps: 8,
      learning_rate: 1e-4,
      num_train_epochs: 2,
    });
    expect(file(p, 'kaito', 'README.md')).toContain('kubectl apply -f kaito-tuning-configmap.yaml');
  });

  it('refuses multi-node plans (workspace_validation.go validateCreateWithTuning) instead of shrinking them', () => {
    const files = exportFiles(plan({ distribution: { gpusPerNode: 8, nodes: 2, strategy: 'ddp' } }), 'kaito', 0, 't');
    expect(files[0]!.path).toBe('kaito-NOT-SUPPORTED.md');
    expect(files[0]!.content).toMatch(/multinode/);
  });
});

describe('Olive (microsoft/Olive olive/passes/pytorch/lora.py)', () => {
  const pass = (p: Plan) =>
    (JSON.parse(file(p, 'olive', 'olive-workflow.json')) as { passes: { finetune: Record<string, unknown> } }).passes
      .finetune;
  it('QLoRA writes quant_type and double_quant (QLoRA._default_config: double_quant defaults to False)', () => {
    expect(pass(plan({}, 'qlora'))).toMatchObject({ type: 'QLoRA', quant_type: 'nf4', double_quant: true });
  });
  it('int8 QLoRA is refused (QLoRA.get_quant_model loads 4-bit only)', () => {
    const p = PlanSchema.parse({ ...plan({}, 'qlora'), techniques: [{ kind: 'qlora', quantType: 'int8' }] });
    expect(exportFiles(p, 'olive', 0, 't')[0]!.path).toBe('olive-NOT-SUPPORTED.md');
  });
  it('LoHa takes rank_dropout, not lora_dropout (LoHa.get_peft_model)', () => {
    const f = pass(plan({}, 'loha'));
    expect(f).toMatchObject({ type: 'LoHa', rank_dropout: 0.05 });
    expect(f).not.toHaveProperty('lora_dropout');
  });
  it('ships requirements and the olive run line (olive/cli/run.py --config)', () => {
    expect(file(plan(), 'olive', 'requirements.txt')).toMatch(/^olive-ai\[finetune,gpu\]/m);
    expect(file(plan(), 'olive', 'README.md')).toContain('olive run --config olive-workflow.json');
  });
});

describe('a runnable export folder', () => {
  it(
    'README has install, 1-GPU and plan launch lines, data format, schedule and adapter loading; data stub ' +
      'is one format',
    () => {
      const p = plan({ distribution: { gpusPerNode: 4, strategy: 'zero2' } });
      const readme = file(p, 'deepspeed', 'README.md');
      for (const s of [
        'pip install -r requirements.txt',
        '--num_processes 1',
        'accelerate launch --config_file accelerate_config.yaml train.py',
        '## Data',
        'warmup',
        'AutoPeftModelForCausalLM',
        'merge_and_unload',
        '--eval-fraction',
      ])
        expect(readme, s).toContain(s);
      const lines = file(p, 'deepspeed', 'data/train.jsonl').trim().split('\n');
      expect(lines.length).toBeGreaterThan(1);
      for (const l of lines) expect(Object.keys(JSON.parse(l) as object)).toEqual(['messages']);
    },
  );
});

describe('FSDP with gradient accumulation reduces every micro-batch, as estimated', () => {
  // transformers trainer.py runs the accumulation's other micro-batches under accelerator.no_sync unless
  // gradient_accumulation_kwargs sync_each_batch is set; under no_sync FSDP keeps the full unsharded gradients
  // (torch/distributed/fsdp/fully_sharded_data_parallel.py `no_sync` note). The estimate counts sharded gradients and a
  // reduce-scatter per micro-batch (domain/export-capabilities.ts syncsEachBatch).
  const fsdp = (gradAccum: number, strategy: 'fsdp_full' | 'ddp' | 'zero3' = 'fsdp_full', gpusPerNode = 4) =>
    plan({ training: { precision: 'mixed', gradAccum }, distribution: { gpusPerNode, strategy } }, 'full');
  const kwargs = { gradient_accumulation_kwargs: { sync_each_batch: true } };

  it('the TRL script passes accelerator_config to its TrainingArguments', () => {
    expect(file(fsdp(4), 'deepspeed', 'train.py')).toContain(
      'accelerator_config={"gradient_accumulation_kwargs": {"sync_each_batch": True}},',
    );
    for (const p of [fsdp(1), fsdp(4, 'ddp'), fsdp(4, 'zero3'), fsdp(4, 'fsdp_full', 1)])
      expect(file(p, 'deepspeed', 'train.py')).not.toContain('accelerator_config');
  });

  it('LLaMA-Factory and axolotl write accelerator_config in their YAML', () => {
    expect(yaml<Record<string, unknown>>(fsdp(4), 'llama-factory', 'llamafactory_config.yaml')).toMatchObject({
      accelerator_config: kwargs,
    });
    expect(yaml<Record<string, unknown>>(fsdp(1), 'llama-factory', 'llamafactory_config.yaml')).not.toHaveProperty(
      'accelerator_config',
    );
    expect(yaml<Record<string, unknown>>(fsdp(4), 'axolotl', 'axolotl_config.yaml')).toMatchObject({
      accelerator_config: kwargs,
    });
  });
});

describe('evaluation runs in the training micro-batch', () => {
  it('the TRL script pins per_device_eval_batch_size (transformers defaults to 8 rows)', () => {
    for (const microBatch of [1, 4, 16])
      expect(file(plan({ training: { precision: 'mixed', microBatch } }), 'hf', 'train.py')).toContain(
        `per_device_eval_batch_size=${microBatch},`,
      );
    // GRPO keeps its own (GRPOConfig.__post_init__ divisibility by num_generations), written once.
    const grpo = file(
      plan({
        training: { precision: 'mixed', microBatch: 8 },
        objective: { kind: 'grpo', numGenerations: 4 },
      }),
      'hf',
      'train.py',
    );
    expect(grpo.match(/per_device_eval_batch_size=/g)).toHaveLength(1);
    expect(grpo).toContain('per_device_eval_batch_size=4,'); // num_generations, not the micro-batch (8)
  });
});

describe('TRL packing packs what was estimated', () => {
  it('writes packing_strategy="wrapped" (rows of max_length, no mask), never the padding-free default', () => {
    // trl/trainer/sft_trainer.py: "bfd" and "bfd_split" force padding_free; transformers then builds a block-diagonal
    // mask over the whole micro-batch for SDPA and eager attention (masking_utils.py find_packed_sequence_indices).
    const packed = file(plan({ training: { precision: 'mixed', packing: true } }), 'hf', 'train.py');
    expect(packed).toContain('packing=True,');
    expect(packed).toContain('packing_strategy="wrapped",');
    expect(file(plan({ training: { precision: 'mixed', packing: false } }), 'hf', 'train.py')).not.toContain(
      'packing_strategy',
    );
  });
});
