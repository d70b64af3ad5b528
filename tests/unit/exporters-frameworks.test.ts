/**
 * LLaMA-Factory, axolotl and torchtune exports (issue 18 item 4) against the upstream rules, each citing its source.
 * The generated configs were also checked with the frameworks' own classes installed --no-deps in a throwaway
 * location (LLaMA-Factory 0.9.5 HfArgumentParser over hparams._TRAIN_ARGS with allow_extra_keys=False; axolotl 0.19
 * AxolotlInputConfig); torchtune 0.6.1 could not be imported next to torch 2.13 (its torchao pin), so its configs are
 * checked here by the cited rules only.
 */
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PlanSchema, type PlanInput } from '../../shared/domain/plan';
import { newPlanFromTemplate } from '../../shared/domain/plan-template';
import { TORCHTUNE_MODELS } from '../../shared/domain/torchtune-builders';
import { EXPORT_FORMATS, exportFiles, FORMAT_LABELS } from '../../shared/exporters/training';
import { targetEstimate } from '../../shared/exporters/framework-context';

const plan = (
  over: Partial<PlanInput> & { training?: Record<string, unknown>; distribution?: Record<string, unknown> },
) => {
  const t = newPlanFromTemplate();
  return PlanSchema.parse({ ...t, ...over, training: { ...t.training, ...(over.training ?? {}) } });
};
const files = (p: ReturnType<typeof plan>, f: 'llama-factory' | 'axolotl' | 'torchtune') =>
  exportFiles(p, f, 0, 'test');
const yamlOf = (fs: ReturnType<typeof files>, path: string) =>
  parseYaml(fs.find((f) => f.path === path)!.content) as Record<string, unknown>;

describe('export targets', () => {
  it('lists the three framework targets with labels', () => {
    for (const f of ['llama-factory', 'axolotl', 'torchtune'] as const) {
      expect(EXPORT_FORMATS).toContain(f);
      expect(FORMAT_LABELS[f]).toBeTruthy();
    }
  });
});

describe('LLaMA-Factory', () => {
  const lora = plan({
    model: { source: 'catalog', id: 'Llama-3.1-8B' },
    techniques: [{ kind: 'lora', rank: 8, alpha: 16, targets: 'qv' }],
  });
  it(
    'writes lora_target as comma-separated module names, or "all" (hparams/finetuning_args.py ' +
      'LoraArguments.lora_target)',
    () => {
      expect(yamlOf(files(lora, 'llama-factory'), 'llamafactory_config.yaml')).toMatchObject({
        finetuning_type: 'lora',
        lora_rank: 8,
        lora_alpha: 16,
        lora_target: 'q_proj,v_proj',
      });
      const all = plan({ model: { source: 'catalog', id: 'Llama-3.1-8B' }, techniques: [{ kind: 'lora' }] });
      expect(yamlOf(files(all, 'llama-factory'), 'llamafactory_config.yaml').lora_target).toBe('all');
    },
  );
  it(
    'never writes pure_bf16 with ZeRO-3 (hparams/parser.py: "`pure_bf16` is incompatible with DeepSpeed ' + 'ZeRO-3")',
    () => {
      const z3 = plan({
        model: { source: 'catalog', id: 'Llama-3.1-8B' },
        techniques: [{ kind: 'lora' }],
        training: { precision: 'pure_bf16' },
        distribution: { gpusPerNode: 4, strategy: 'zero3' },
      });
      const fs = files(z3, 'llama-factory');
      const cfg = yamlOf(fs, 'llamafactory_config.yaml');
      expect(cfg.pure_bf16).toBeUndefined();
      expect(cfg).toMatchObject({ bf16: true, deepspeed: 'ds_config.json' });
      // "auto" batch sizes and precision: the HF Trainer fills them (transformers/integrations/deepspeed.py
      // trainer_config_process).
      const ds = JSON.parse(fs.find((f) => f.path === 'ds_config.json')!.content) as Record<string, unknown>;
      expect(ds).toMatchObject({
        train_micro_batch_size_per_gpu: 'auto',
        bf16: { enabled: 'auto' },
        zero_optimization: { stage: 3 },
      });
    },
  );
  it('quantizes only LoRA (hparams/parser.py: "Quantization is only compatible with the LoRA or OFT method")', () => {
    const q = plan({
      model: { source: 'catalog', id: 'Llama-3.1-8B' },
      techniques: [{ kind: 'qlora', quantType: 'fp4', doubleQuant: false }],
    });
    expect(yamlOf(files(q, 'llama-factory'), 'llamafactory_config.yaml')).toMatchObject({
      finetuning_type: 'lora',
      quantization_bit: 4,
      quantization_method: 'bnb',
      quantization_type: 'fp4',
      double_quantization: false,
    });
    const full = yamlOf(
      files(
        plan({ model: { source: 'catalog', id: 'Llama-3.1-8B' }, techniques: [{ kind: 'full' }] }),
        'llama-factory',
      ),
      'llamafactory_config.yaml',
    );
    expect(full.quantization_bit).toBeUndefined();
  });
  it(
    'does not write warmup_ratio, which transformers 5 TrainingArguments no longer accepts (seen with its ' + 'parser)',
    () => {
      expect(yamlOf(files(lora, 'llama-factory'), 'llamafactory_config.yaml').warmup_ratio).toBeUndefined();
    },
  );
  it(
    'refuses techniques outside finetuning_type (lora, oft, freeze, full) and FSDP with optimizer-only ' + 'offload',
    () => {
      const ia3 = plan({ model: { source: 'catalog', id: 'Llama-3.1-8B' }, techniques: [{ kind: 'ia3' }] });
      expect(files(ia3, 'llama-factory')[0]!.path).toBe('llamafactory-NOT-SUPPORTED.md');
      const fsdp = plan({
        model: { source: 'catalog', id: 'Llama-3.1-8B' },
        techniques: [{ kind: 'lora' }],
        distribution: { gpusPerNode: 2, strategy: 'fsdp_grad_op', offloadOptimizer: 'cpu' },
      });
      expect(files(fsdp, 'llama-factory')[0]!.content).toMatch(/offload both or neither/);
    },
  );
});

describe('axolotl', () => {
  it('always writes bf16, whose schema default is "auto" (utils/schemas/config.py AxolotlInputConfig.bf16)', () => {
    for (const precision of ['pure_bf16', 'mixed', 'fp32', 'pure_fp16'] as const) {
      const cfg = yamlOf(
        files(
          plan({
            model: { source: 'catalog', id: 'Llama-3.1-8B' },
            techniques: [{ kind: 'lora' }],
            training: { precision },
          }),
          'axolotl',
        ),
        'axolotl_config.yaml',
      );
      expect(typeof cfg.bf16, precision).toBe('boolean');
    }
  });
  it('writes QLoRA as adapter qlora with load_in_4bit and the bnb overrides (utils/schemas/peft.py)', () => {
    const q = plan({ model: { source: 'catalog', id: 'Llama-3.1-8B' }, techniques: [{ kind: 'qlora', rank: 32 }] });
    expect(yamlOf(files(q, 'axolotl'), 'axolotl_config.yaml')).toMatchObject({
      adapter: 'qlora',
      load_in_4bit: true,
      lora_r: 32,
      lora_target_linear: true,
      bnb_config_kwargs: { bnb_4bit_quant_type: 'nf4' },
    });
  });
  it('writes FSDP2 with reshard_after_forward for the sharding (utils/schemas/fsdp.py FSDPConfig)', () => {
    const f = plan({
      model: { source: 'catalog', id: 'Llama-3.1-8B' },
      techniques: [{ kind: 'lora' }],
      distribution: { gpusPerNode: 8, strategy: 'fsdp_grad_op' },
    });
    expect(yamlOf(files(f, 'axolotl'), 'axolotl_config.yaml')).toMatchObject({
      fsdp_version: 2,
      fsdp_config: { reshard_after_forward: false, transformer_layer_cls_to_wrap: 'LlamaDecoderLayer' },
    });
  });
});

describe('torchtune', () => {
  it('names a builder torchtune ships for every catalog model it maps (torchtune/models/<family>/__init__.py)', () => {
    // Copied from torchtune@bd2a0fc torchtune/models/{llama3_1,llama3_2,qwen2_5,gemma2,phi3,phi4}/__init__.py __all__.
    const shipped = new Set([
      'llama3_1_8b',
      'llama3_1_70b',
      'llama3_2_1b',
      'llama3_2_3b',
      'qwen2_5_0_5b',
      'qwen2_5_1_5b_base',
      'qwen2_5_7b_base',
      'qwen2_5_14b_base',
      'gemma2_2b',
      'gemma2_9b',
      'phi3_mini',
      'phi4_14b',
    ]);
    for (const m of TORCHTUNE_MODELS) expect(shipped.has(m.base), m.base).toBe(true);
  });
  it('writes the recipe, builder, dtype and FSDP keys the recipes read', () => {
    const p = plan({
      model: { source: 'catalog', id: 'Qwen2.5-7B' },
      techniques: [{ kind: 'qlora', targets: 'attention' }],
      distribution: { gpusPerNode: 4, strategy: 'fsdp_full', offloadOptimizer: 'cpu', offloadParams: 'cpu' },
    });
    const fs = files(p, 'torchtune');
    const text = fs.find((f) => f.path === 'torchtune_config.yaml')!.content;
    expect(text).toMatch(
      new RegExp(
        '^# Run: PYTORCH_ALLOC_CONF=expandable_segments:False PYTORCH_CUDA_ALLOC_CONF=expandable_segments:False ' +
          'tune run --nnodes 1 --nproc_per_node 4 lora_finetune_distributed --config torchtune_config.yaml$',
        'm',
      ),
    );
    // Qwen2.5 has no qlora_ builders: lora_ with quantize_base (torchtune/models/qwen2_5/_model_builders.py).
    expect(parseYaml(text)).toMatchObject({
      model: {
        _component_: 'torchtune.models.qwen2_5.lora_qwen2_5_7b_base',
        quantize_base: true,
        lora_attn_modules: ['q_proj', 'k_proj', 'v_proj', 'output_proj'],
        apply_lora_to_mlp: false,
      },
      dtype: 'bf16',
      fsdp_cpu_offload: true,
      fsdp_reshard_after_forward: true,
    });
  });
  it('refuses what torchtune cannot run: fp16/autocast, DeepSpeed, plain DDP on several GPUs', () => {
    const base: Partial<PlanInput> = {
      model: { source: 'catalog', id: 'Llama-3.1-8B' },
      techniques: [{ kind: 'lora' }],
    };
    expect(files(plan({ ...base, training: { precision: 'pure_fp16' } }), 'torchtune')[0]!.content).toMatch(
      /bf16 or fp32/,
    );
    expect(
      files(plan({ ...base, distribution: { gpusPerNode: 2, strategy: 'zero2' } }), 'torchtune')[0]!.content,
    ).toMatch(/not DeepSpeed/);
    expect(
      files(plan({ ...base, distribution: { gpusPerNode: 2, strategy: 'ddp' } }), 'torchtune')[0]!.content,
    ).toMatch(/always shard/);
  });
});

describe('the estimate each framework export carries is the job that framework runs', () => {
  // LLaMA-Factory (model/model_utils/kv_cache.py configure_kv_cache) and axolotl (loaders/utils.py lines 63–64) set
  // use_cache=False for training; both score SFT with the model's own loss over the full logits (transformers
  // Trainer.compute_loss), not TRL's fused LM head.
  const base = (training: PlanInput['training']) =>
    PlanSchema.parse({
      name: 'framework estimate',
      model: { source: 'catalog', id: 'Llama-3.1-8B' },
      techniques: [{ kind: 'lora' }],
      training: { microBatch: 4, seqLen: 4096, gradientCheckpointing: false, ...training },
      hardware: { gpu: { source: 'catalog', id: 'a100-80gb-sxm' } },
    });

  it('a TRL-stack SFT plan exported to LLaMA-Factory or axolotl is estimated with the full logits', () => {
    // Mixed precision: all three build fp32 adapters, so the logits are the only difference.
    const p = base({ stack: 'trl', precision: 'mixed' });
    const trl = targetEstimate(p, 0, 'hf');
    for (const target of ['llama-factory', 'axolotl'] as const) {
      const t = targetEstimate(p, 0, target);
      // The model's fp32 logits: at least 4 B × vocabulary per token more than the fused head's tile.
      expect(t.memory.activeBytes - trl.memory.activeBytes, target).toBeGreaterThan(4 * 128_256 * 4 * 4096);
    }
    // The chunked loss turns Liger's fused linear cross-entropy on in both: no full logits to add.
    const chunked = base({ stack: 'trl', lossKernel: 'chunked' });
    expect(targetEstimate(chunked, 0, 'llama-factory').memory.activeBytes).toBeLessThan(
      targetEstimate(p, 0, 'llama-factory').memory.activeBytes,
    );
  });

  it("estimates the adapters in each framework's own dtype (forward-dtypes.ts)", () => {
    // QLoRA: TRL's SFTTrainer casts a bitsandbytes model's adapters to bf16 (sft_trainer.py); LLaMA-Factory builds
    // them with PEFT's fp32 default and upcasts them itself (model/adapter.py), axolotl's SFT keeps PEFT's default.
    const p = base({ stack: 'trl', precision: 'mixed' });
    const q = PlanSchema.parse({ ...p, techniques: [{ kind: 'qlora' }] });
    const weights = (plan: typeof p, t: 'hf' | 'llama-factory' | 'axolotl') =>
      targetEstimate(plan, 0, t).memory.parts.trainableWeights;
    expect(weights(q, 'llama-factory')).toBe(2 * weights(q, 'hf'));
    expect(weights(q, 'axolotl')).toBe(2 * weights(q, 'hf'));
    const note = (plan: typeof p, t: 'hf' | 'llama-factory') =>
      targetEstimate(plan, 0, t).explain.find((e) => e.key === 'memory.trainableWeights')!.note ?? '';
    expect(note(q, 'hf')).toContain('casts QLoRA adapters to bf16');
    expect(note(q, 'llama-factory')).toContain('PEFT keeps adapter weights in fp32');
    // A plain LoRA: fp32 adapters in all three, pure bf16 included (LLaMA-Factory's pure_bf16 calls get_peft_model
    // with PEFT's default too).
    const lora = base({ stack: 'trl', precision: 'pure_bf16' });
    for (const t of ['llama-factory', 'axolotl'] as const) expect(weights(lora, t)).toBe(weights(lora, 'hf'));
  });

  it('keeps no KV cache in training, where transformers alone would (use_cache defaults to True)', () => {
    const p = base({ stack: 'transformers' });
    const activations = (target: 'hf' | 'llama-factory' | 'axolotl') =>
      targetEstimate(p, 0, target).explain.find((e) => e.key === 'memory.activations')!.substituted;
    // Llama-3.1-8B: 2 (k, v) × 32 layers × 8 heads × 128 × 2 B = 131,072 B a token; 4 × 4,096 tokens = 2.00 GiB.
    expect(activations('hf')).toContain('+ KV cache 2.00 GiB');
    for (const target of ['llama-factory', 'axolotl'] as const)
      expect(activations(target), target).not.toContain('KV cache');
  });
});

describe('where a framework trains differently from the estimate, its header says so', () => {
  const header = (p: ReturnType<typeof plan>, f: 'axolotl' | 'torchtune', path: string) =>
    files(p, f).find((x) => x.path === path)!.content;

  it('axolotl: bf16 weights for a mixed-precision full fine-tune, FSDP2 for an FSDP plan', () => {
    const mixedFull = plan({ techniques: [{ kind: 'full' }], training: { precision: 'mixed' } });
    expect(header(mixedFull, 'axolotl', 'axolotl_config.yaml')).toContain('ESTIMATED AS: mixed precision with fp32');
    const lora = plan({ techniques: [{ kind: 'lora' }], training: { precision: 'mixed' } });
    expect(header(lora, 'axolotl', 'axolotl_config.yaml')).not.toContain('ESTIMATED AS: mixed precision');
    const fsdp = plan({ distribution: { strategy: 'fsdp_full', gpusPerNode: 4 } });
    expect(header(fsdp, 'axolotl', 'axolotl_config.yaml')).toContain('ESTIMATED AS: FSDP1');
    expect(header(lora, 'axolotl', 'axolotl_config.yaml')).not.toContain('ESTIMATED AS: FSDP1');
  });

  it('torchtune: the chunked loss it writes is the successor of the one the estimate models', () => {
    const chunked = plan({ training: { lossKernel: 'chunked' } });
    expect(header(chunked, 'torchtune', 'torchtune_config.yaml')).toContain('ESTIMATED AS: CEWithChunkedOutputLoss');
    const standard = plan({ training: { lossKernel: 'standard' } });
    expect(header(standard, 'torchtune', 'torchtune_config.yaml')).not.toContain('CEWithChunkedOutputLoss');
  });
});
