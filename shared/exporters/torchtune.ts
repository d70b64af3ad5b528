/**
 * torchtune export: a recipe config for `tune run <recipe> --config torchtune_config.yaml` and a README. Keys are
 * those the recipes read (pytorch/torchtune recipes/{lora,full}_finetune_{distributed,single_device}.py: cfg.model,
 * cfg.tokenizer, cfg.checkpointer, cfg.dataset, cfg.optimizer, cfg.loss, batch_size, epochs,
 * gradient_accumulation_steps, dtype, enable_activation_checkpointing, enable_activation_offloading, compile,
 * optimizer_in_bwd, fsdp_cpu_offload, fsdp_reshard_after_forward), laid out as recipes/configs/qwen2_5/3B_lora.yaml.
 * Written for torchtune 0.6 (commit bd2a0fc).
 */
import { stringify as toYaml } from 'yaml';
import { torchtuneModelFor, type TorchtuneModel } from '../domain/torchtune-builders';
import type { Training } from '../domain/plan';
import {
  frameworkContext,
  hashHeader,
  modelUnsupported,
  notSupportedFiles,
  usesDeepSpeed,
  type FrameworkCtx,
  type FrameworkFile,
} from './framework-context';
import { fsdpOffloadProblem, STRATEGY_TRAITS } from '../domain/strategies';
import { objectiveRefusal } from '../domain/export-capabilities';
import { allocatorEnv } from './header';

export const TORCHTUNE_VERSION = 'torchtune 0.6';

const OPTIMIZERS: Record<Training['optimizer'], Record<string, unknown>> = {
  adamw: { _component_: 'torch.optim.AdamW', fused: false },
  adamw_torch_fused: { _component_: 'torch.optim.AdamW', fused: true },
  adamw_8bit: { _component_: 'bitsandbytes.optim.AdamW8bit' },
  paged_adamw: { _component_: 'bitsandbytes.optim.PagedAdamW' },
  paged_adamw_8bit: { _component_: 'bitsandbytes.optim.PagedAdamW8bit' },
  sgd_momentum: { _component_: 'torch.optim.SGD', momentum: 0.9 },
  lion: { _component_: 'bitsandbytes.optim.Lion' },
  adafactor: { _component_: 'torch.optim.Adafactor' },
};

/** The plan's targets as torchtune's builder arguments (torchtune/modules/peft/lora.py LORA_ATTN_MODULES). */
function loraTargets(c: FrameworkCtx): { lora_attn_modules: string[]; apply_lora_to_mlp: boolean } | null {
  const t = c.technique;
  if (t.targets === 'all-linear')
    return { lora_attn_modules: ['q_proj', 'k_proj', 'v_proj', 'output_proj'], apply_lora_to_mlp: true };
  if (t.targets === 'attention')
    return { lora_attn_modules: ['q_proj', 'k_proj', 'v_proj', 'output_proj'], apply_lora_to_mlp: false };
  if (t.targets === 'qv') return { lora_attn_modules: ['q_proj', 'v_proj'], apply_lora_to_mlp: false };
  if (t.targets === 'mlp') return { lora_attn_modules: [], apply_lora_to_mlp: true };
  const names = new Set(t.customModules.map((n) => n.split('.').pop()!));
  const attn = ['q_proj', 'k_proj', 'v_proj', 'o_proj'].filter((n) => names.has(n));
  const mlp = ['gate_proj', 'up_proj', 'down_proj'];
  const hasMlp = mlp.some((n) => names.has(n));
  if (hasMlp && !mlp.every((n) => names.has(n))) return null;
  if ([...names].some((n) => !attn.includes(n) && !mlp.includes(n))) return null;
  return { lora_attn_modules: attn.map((n) => (n === 'o_proj' ? 'output_proj' : n)), apply_lora_to_mlp: hasMlp };
}

export function torchtuneUnsupported(c: FrameworkCtx, m: TorchtuneModel | undefined): string | null {
  const p = c.plan;
  const t = c.technique;
  // The objective first (issue 19): the SFT recipes below cannot run DPO or GRPO (OBJECTIVE_SUPPORT).
  const refusal = objectiveRefusal(p, 'torchtune');
  if (refusal) return refusal;
  if (!m)
    return (
      `torchtune has no model builder for ` +
      `${p.model.source === 'catalog' ? p.model.id : p.model.spec.name} that Tuneplan knows ` +
      `(shared/domain/torchtune-builders.ts). Export the Hugging Face script instead.`
    );
  if (!['full', 'lora', 'qlora', 'dora'].includes(t.kind))
    return `torchtune's recipes fine-tune fully or with LoRA / QLoRA / DoRA; ${t.kind} is not one of them.`;
  if (t.kind === 'qlora' && (t.quantType !== 'nf4' || !t.doubleQuant))
    return (
      "torchtune quantizes the base with torchao NF4 (double-quantized scales) only; set the plan's " +
      'QLoRA to nf4 with double quantization.'
    );
  if (p.training.precision === 'mixed' || p.training.precision === 'pure_fp16')
    return (
      'torchtune trains in one dtype, bf16 or fp32 (training.get_dtype refuses fp16; there is no ' +
      "autocast): set the plan's precision to pure bf16 or fp32."
    );
  if (usesDeepSpeed(p))
    return 'torchtune shards with FSDP2, not DeepSpeed: pick FSDP full shard or shard-grad-op in the plan.';
  // The recipe keys Tuneplan writes (fsdp_reshard_after_forward) shard over every GPU; hybrid sharding is not written.
  if (STRATEGY_TRAITS[p.distribution.strategy].shardWithinNode)
    return 'Tuneplan does not write hybrid sharding for torchtune recipes: pick FSDP full shard or shard-grad-op.';
  if (STRATEGY_TRAITS[p.distribution.strategy].family === 'ddp' && c.gpus > 1)
    return (
      "torchtune's distributed recipes always shard with FSDP2: pick FSDP full shard or shard-grad-op " +
      'for more than one GPU.'
    );
  if (p.distribution.offloadParams === 'nvme' || p.distribution.offloadOptimizer === 'nvme')
    return 'torchtune offloads to CPU only (fsdp_cpu_offload), not to NVMe.';
  const offload = fsdpOffloadProblem(p.distribution, 'torchtune', 'fsdp_cpu_offload');
  if (offload) return offload;
  if (p.training.optimizerInBackward && p.training.gradAccum > 1)
    return 'optimizer_in_bwd requires gradient_accumulation_steps=1 (torchtune recipes).';
  if (t.kind !== 'full' && !loraTargets(c))
    return (
      'torchtune adapts q/k/v/output projections and the whole MLP (apply_lora_to_mlp); these custom ' +
      'targets cannot be expressed.'
    );
  return null;
}

export function torchtuneRecipe(c: FrameworkCtx): string {
  const distributed = c.gpus > 1 || STRATEGY_TRAITS[c.plan.distribution.strategy].family !== 'ddp';
  return `${c.technique.kind === 'full' ? 'full' : 'lora'}_finetune_${distributed ? 'distributed' : 'single_device'}`;
}

export function torchtuneConfig(c: FrameworkCtx, m: TorchtuneModel): Record<string, unknown> {
  const t = c.technique;
  const tr = c.plan.training;
  const d = c.plan.distribution;
  const lora = t.kind !== 'full';
  const prefix = !lora ? '' : t.kind === 'qlora' && m.qloraBuilder ? 'qlora_' : 'lora_';
  const checkpointDir = `/tmp/${c.hfId.split('/').pop()}`;
  const distributed = torchtuneRecipe(c).endsWith('distributed');
  return {
    output_dir: `outputs/${c.slug}-${t.kind}`,
    model: {
      _component_: `torchtune.models.${m.family}.${prefix}${m.base}`,
      ...(lora
        ? {
            ...loraTargets(c)!,
            apply_lora_to_output: false,
            lora_rank: t.rank,
            lora_alpha: t.alpha,
            lora_dropout: t.dropout,
            ...(t.kind === 'dora' ? { use_dora: true } : {}),
            ...(t.kind === 'qlora' && !m.qloraBuilder ? { quantize_base: true } : {}),
          }
        : {}),
    },
    tokenizer: { _component_: m.tokenizer, path: `${checkpointDir}/<tokenizer file>`, max_seq_len: tr.seqLen },
    checkpointer: {
      _component_: 'torchtune.training.FullModelHFCheckpointer',
      checkpoint_dir: checkpointDir,
      checkpoint_files: { filename_format: 'model-{}-of-{}.safetensors', max_filename: '<N>' },
      recipe_checkpoint: null,
      output_dir: '${output_dir}',
      model_type: m.modelType,
    },
    resume_from_checkpoint: false,
    ...(lora ? { save_adapter_weights_only: false } : {}),
    dataset: {
      _component_: 'torchtune.datasets.chat_dataset',
      source: 'json',
      data_files: 'data/train.jsonl',
      conversation_column: 'messages',
      conversation_style: 'openai',
      split: 'train',
      packed: tr.packing,
    },
    seed: null,
    shuffle: true,
    batch_size: tr.microBatch,
    optimizer: { ...OPTIMIZERS[tr.optimizer], lr: tr.learningRate },
    lr_scheduler: {
      _component_: 'torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup',
      num_warmup_steps: 100,
    },
    loss: {
      _component_:
        tr.lossKernel === 'chunked' ? 'torchtune.modules.loss.LinearCrossEntropyLoss' : 'torch.nn.CrossEntropyLoss',
    },
    epochs: tr.epochs,
    max_steps_per_epoch: null,
    gradient_accumulation_steps: tr.gradAccum,
    ...(t.kind === 'full' ? { optimizer_in_bwd: tr.optimizerInBackward } : {}),
    clip_grad_norm: null,
    compile: tr.compile,
    ...(distributed
      ? {
          fsdp_cpu_offload: d.offloadParams === 'cpu',
          fsdp_reshard_after_forward: STRATEGY_TRAITS[d.strategy].fsdpShardingStrategy !== 'SHARD_GRAD_OP',
        }
      : {}),
    metric_logger: { _component_: 'torchtune.training.metric_logging.DiskLogger', log_dir: '${output_dir}/logs' },
    log_every_n_steps: 1,
    log_peak_memory_stats: true,
    device: 'cuda',
    dtype: tr.precision === 'fp32' ? 'fp32' : 'bf16',
    enable_activation_checkpointing: tr.gradientCheckpointing,
    enable_activation_offloading: tr.activationOffload,
  };
}

export function torchtuneFiles(
  plan: Parameters<typeof frameworkContext>[0],
  index: number,
  version: string,
): FrameworkFile[] {
  const c = frameworkContext(plan, index, version, 'torchtune');
  const m = plan.model.source === 'catalog' ? torchtuneModelFor(plan.model.id) : undefined;
  const why = modelUnsupported(c) ?? torchtuneUnsupported(c, m);
  if (why || !m) return notSupportedFiles(c, 'torchtune', TORCHTUNE_VERSION, why ?? '');
  const recipe = torchtuneRecipe(c);
  const d = plan.distribution;
  const run = `${allocatorEnv(plan)} tune run ${
    recipe.endsWith('distributed')
      ? `--nnodes ${d.nodes} --nproc_per_node ` +
        `${d.gpusPerNode}${d.nodes > 1 ? ' --rdzv_backend c10d --rdzv_endpoint <MASTER_ADDR>:29500' : ''} `
      : ''
  }${recipe} --config torchtune_config.yaml`;
  const extra = [
    `Config for ${recipe.replace(/_/g, ' ')} in ${recipe}.py`,
    `Run: ${run}`,
    ...(plan.training.stack !== 'torchtune'
      ? [
          "The plan's estimate assumes the transformers stack; set training.stack to torchtune in the plan " +
            "for torchtune's memory (fp32 logits, expanded GQA keys).",
        ]
      : []),
    ...(plan.training.lossKernel === 'chunked'
      ? [
          'ESTIMATED AS: CEWithChunkedOutputLoss, the chunked loss of torchtune’s published ablation (README at ' +
            '1814feb). This config uses its successor, LinearCrossEntropyLoss (torchtune/modules/loss/' +
            'cross_entropy_loss.py), which drops ignored tokens before the output projection: it needs less memory ' +
            'than estimated.',
        ]
      : []),
  ];
  return [
    {
      path: 'torchtune_config.yaml',
      mediaType: 'application/yaml',
      content: `${hashHeader(c, TORCHTUNE_VERSION, extra)}\n${toYaml(torchtuneConfig(c, m), { lineWidth: 0 })}`,
    },
    {
      path: 'data/train.jsonl',
      mediaType: 'application/jsonl',
      content:
        '{"messages": [{"role": "user", "content": "Hello"}, ' +
        '{"role": "assistant", "content": "Hi! How can I help?"}]}\n',
    },
    {
      path: 'README.md',
      mediaType: 'text/markdown',
      content:
        `# ${plan.name} — torchtune\n\n${hashHeader(c, TORCHTUNE_VERSION).replace(/^# /gm, '')}\n\n` +
        `\`\`\`bash\npip install "torchtune>=0.6,<0.7" torchao${
          plan.training.optimizer.includes('8bit') ||
          plan.training.optimizer.startsWith('paged') ||
          plan.training.optimizer === 'lion'
            ? ' bitsandbytes'
            : ''
        }\n` +
        `tune download ${c.hfId} --output-dir /tmp/${c.hfId.split('/').pop()}\n${run}\n\`\`\`\n\n` +
        `Set \`checkpointer.checkpoint_files\` (max_filename) and \`tokenizer.path\` to the downloaded files; ` +
        `put your data in \`data/train.jsonl\` (OpenAI-style \`messages\`).\n`,
    },
  ];
}
