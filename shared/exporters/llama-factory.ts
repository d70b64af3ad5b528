/**
 * LLaMA-Factory export: a training YAML for `llamafactory-cli train`, plus ds_config.json (ZeRO) or an accelerate
 * FSDP config, a dataset_info.json for the stub data and a README with the launch lines. Keys are the fields of
 * LLaMA-Factory's argument dataclasses (hiyouga/LLaMA-Factory src/llamafactory/hparams/{model,data,finetuning}_args.py
 * and TrainingArguments): its HfArgumentParser refuses any other key ("Some specified arguments are not used by the
 * HfArgumentParser", hparams/parser.py _parse_args). Written for LLaMA-Factory 0.9.5 (commit ff6d4d1).
 */
import { stringify as toYaml } from 'yaml';
import { PLAN_TO_HF_OPTIM } from '../import/configs/facts';
import {
  DECODER_LAYER_CLASS,
  frameworkContext,
  frameworkDsConfig,
  hashHeader,
  modelUnsupported,
  notSupportedFiles,
  targetNames,
  usesDeepSpeed,
  usesFsdp,
  type FrameworkCtx,
  type FrameworkFile,
} from './framework-context';
import { fsdpOffloadProblem, isDeepSpeed, STRATEGY_TRAITS } from '../domain/strategies';
import { groupsByLength, objectiveRefusal, syncsEachBatch } from '../domain/export-capabilities';
import { allocatorEnv } from './header';
import type { ObjectiveKind } from '../domain/plan';
import { ligerFlagForChunkedLoss } from '../estimate/kernels';

export const LLAMA_FACTORY_VERSION = 'LLaMA-Factory 0.9.5';

/** LLaMA-Factory chat templates (src/llamafactory/data/template.py register_template names) per model type. */
const TEMPLATES: Record<string, string> = {
  llama: 'llama3',
  mistral: 'mistral',
  mixtral: 'mistral',
  qwen2: 'qwen',
  qwen3: 'qwen3_nothink',
  gemma2: 'gemma2',
  phi3: 'phi',
  phi3small: 'phi_small',
};

/**
 * The plan's precision → LLaMA-Factory's flags. pure_bf16 is refused under ZeRO-3 (hparams/parser.py: "`pure_bf16` is
 * incompatible with DeepSpeed ZeRO-3").
 */
export function llamaFactoryPrecision(c: FrameworkCtx): Record<string, boolean> {
  const p = c.plan.training.precision;
  if (p === 'pure_bf16')
    return STRATEGY_TRAITS[c.plan.distribution.strategy].zeroStage === 3 ? { bf16: true } : { pure_bf16: true };
  if (p === 'mixed') return { bf16: true };
  if (p === 'pure_fp16') return { fp16: true };
  return {};
}

/**
 * The plan's objective as LLaMA-Factory's stage and preference loss (hparams/finetuning_args.py at ff6d4d1: stage L460,
 * pref_loss L183, pref_beta L171 default 0.1). DPO's relatives are losses of stage dpo; KTO and the reward model are
 * stages of their own. GRPO has no stage (refused in llamaFactoryUnsupported).
 */
export const LLAMA_FACTORY_OBJECTIVES: Partial<Record<ObjectiveKind, { stage: string; pref_loss?: string }>> = {
  sft: { stage: 'sft' },
  dpo: { stage: 'dpo', pref_loss: 'sigmoid' },
  ipo: { stage: 'dpo', pref_loss: 'ipo' },
  orpo: { stage: 'dpo', pref_loss: 'orpo' },
  simpo: { stage: 'dpo', pref_loss: 'simpo' },
  kto: { stage: 'kto' },
  reward: { stage: 'rm' },
};

/**
 * Objectives whose LLaMA-Factory trainer loads a reference model (use_ref_model, finetuning_args.py L593;
 * KTO always).
 */
const usesReference = (k: ObjectiveKind) => k === 'dpo' || k === 'ipo' || k === 'kto';

/** The stage, loss, beta and reference-model keys for the plan's objective. */
function objectiveKeys(c: FrameworkCtx): Record<string, unknown> {
  const o = c.plan.objective;
  const { stage, pref_loss } = LLAMA_FACTORY_OBJECTIVES[o.kind] ?? { stage: 'sft' };
  if (stage === 'sft' || stage === 'rm') return { stage };
  return {
    stage,
    ...(pref_loss ? { pref_loss } : {}),
    // null = the trainer's default; LLaMA-Factory's pref_beta default is 0.1, as TRL's DPOConfig / KTOConfig beta.
    pref_beta: o.beta ?? 0.1,
    // Under LoRA with no ref_model, create_ref_model returns None (train/trainer_utils.py L137-138) and the trainer
    // uses the adapter-disabled base; a frozen copy needs ref_model pointing at the base (L123-135). Full fine-tuning
    // always loads a copy (L139-146).
    ...(usesReference(o.kind) && c.technique.kind !== 'full' && o.reference === 'copy' ? { ref_model: c.hfId } : {}),
  };
}

/**
 * Whether the YAML groups batches by length (training.samplingStrategy 'group_by_length'). LLaMA-Factory passes
 * transformers' own key through (hparams/training_args.py extends Seq2SeqTrainingArguments): `train_sampling_strategy`
 * from transformers 5.2 (training_args.py line 1309 in 5.2.0, 1380 in 5.24), a boolean `group_by_length` up to 5.1
 * (line 1180 in 5.1.0); 0.9.5 accepts transformers 4.55-5.8 (src/llamafactory/extras/misc.py line 97), so the README
 * pins transformers >= 5.2 for this key. Only stage sft: transformers' LengthGroupedSampler reads `input_ids` rows
 * (trainer.py lines 1115-1125 in 5.24); the dpo / rm stages' pairwise rows hold chosen_input_ids instead
 * (data/processor/pairwise.py line 90), and the kto stage (its own _get_train_sampler, train/kto/trainer.py line 136)
 * has not been checked with it.
 */
export function llamaFactoryLengthGrouped(c: FrameworkCtx): boolean {
  return groupsByLength(c.plan);
}

export function llamaFactoryConfig(c: FrameworkCtx): Record<string, unknown> {
  const t = c.technique;
  const tr = c.plan.training;
  const lora = t.kind !== 'full';
  const quant = t.kind === 'qlora';
  return {
    model_name_or_path: c.hfId,
    ...(quant
      ? {
          quantization_bit: t.quantType === 'int8' ? 8 : 4,
          quantization_method: 'bnb',
          ...(t.quantType === 'int8' ? {} : { quantization_type: t.quantType, double_quantization: t.doubleQuant }),
        }
      : {}),
    ...(c.arch.spec.modelType === 'phi3small' ? { trust_remote_code: true } : {}),
    flash_attn: tr.attention === 'eager' ? 'disabled' : 'sdpa',
    ...(tr.gradientCheckpointing ? {} : { disable_gradient_checkpointing: true }),
    enable_liger_kernel: ligerFlagForChunkedLoss(tr.lossKernel, c.plan.objective.kind, 'llama-factory'),
    ...objectiveKeys(c),
    do_train: true,
    finetuning_type: lora ? 'lora' : 'full',
    ...(lora
      ? {
          lora_rank: t.rank,
          lora_alpha: t.alpha,
          lora_dropout: t.dropout,
          lora_target: t.targets === 'all-linear' ? 'all' : targetNames(c).join(','),
          ...(t.kind === 'dora' ? { use_dora: true } : {}),
        }
      : {}),
    ...(usesDeepSpeed(c.plan) ? { deepspeed: 'ds_config.json' } : {}),
    dataset: 'train',
    dataset_dir: 'data',
    template: TEMPLATES[c.arch.spec.modelType] ?? 'default',
    cutoff_len: tr.seqLen,
    packing: tr.packing,
    output_dir: `outputs/${c.slug}-${t.kind}`,
    logging_steps: 10,
    save_strategy: 'epoch',
    report_to: 'none',
    per_device_train_batch_size: tr.microBatch,
    gradient_accumulation_steps: tr.gradAccum,
    learning_rate: tr.learningRate,
    num_train_epochs: tr.epochs,
    lr_scheduler_type: 'cosine',
    // No warmup_ratio: transformers 5 removed it from TrainingArguments (warmup_steps takes a ratio < 1 there), so it
    // is refused by the parser on one side of LLaMA-Factory's transformers range; an integer warmup_steps works on
    // both.
    warmup_steps: 10,
    optim: PLAN_TO_HF_OPTIM[tr.optimizer],
    ...(tr.optimizer === 'sgd_momentum' ? { optim_args: 'momentum=0.9' } : {}),
    torch_compile: tr.compile,
    ...(llamaFactoryLengthGrouped(c) ? { train_sampling_strategy: 'group_by_length' } : {}),
    // FSDP with gradient accumulation: reduce-scatter every micro-batch, as estimated (export-capabilities.ts
    // syncsEachBatch). LLaMA-Factory hands the YAML to transformers' TrainingArguments, whose accelerator_config takes
    // the dict (trainer_pt_utils.py AcceleratorConfig).
    ...(syncsEachBatch(c.plan)
      ? { accelerator_config: { gradient_accumulation_kwargs: { sync_each_batch: true } } }
      : {}),
    ...llamaFactoryPrecision(c),
    ddp_timeout: 180000000,
  };
}

function fsdpAccelerateConfig(c: FrameworkCtx): Record<string, unknown> {
  const d = c.plan.distribution;
  const layer = DECODER_LAYER_CLASS[c.arch.spec.modelType];
  // As LLaMA-Factory's examples/accelerate/fsdp_config.yaml, with the plan's sharding, offload and sizes.
  return {
    compute_environment: 'LOCAL_MACHINE',
    debug: false,
    distributed_type: 'FSDP',
    downcast_bf16: 'no',
    fsdp_config: {
      fsdp_auto_wrap_policy: 'TRANSFORMER_BASED_WRAP',
      ...(layer ? { fsdp_transformer_layer_cls_to_wrap: layer } : {}),
      fsdp_backward_prefetch: 'BACKWARD_PRE',
      fsdp_forward_prefetch: false,
      fsdp_cpu_ram_efficient_loading: true,
      fsdp_offload_params: d.offloadParams !== 'none',
      fsdp_sharding_strategy: STRATEGY_TRAITS[d.strategy].fsdpShardingStrategy,
      fsdp_state_dict_type: 'FULL_STATE_DICT',
      fsdp_sync_module_states: true,
      fsdp_use_orig_params: true,
    },
    machine_rank: 0,
    main_training_function: 'main',
    mixed_precision:
      c.plan.training.precision === 'pure_fp16' ? 'fp16' : c.plan.training.precision === 'fp32' ? 'no' : 'bf16',
    num_machines: d.nodes,
    num_processes: c.gpus,
    ...(d.nodes > 1 ? { main_process_ip: '<MASTER_ADDR>', main_process_port: 29500 } : {}),
    rdzv_backend: 'static',
    same_network: true,
    use_cpu: false,
  };
}

/** Why LLaMA-Factory cannot run this plan as planned, or null. */
export function llamaFactoryUnsupported(c: FrameworkCtx): string | null {
  const refusal = objectiveRefusal(c.plan, 'llama-factory');
  if (refusal) return refusal;
  const o = c.plan.objective;
  // CustomDPOTrainer sets precompute_ref_log_probs = False (src/llamafactory/train/dpo/trainer.py L70).
  if (usesReference(o.kind) && o.reference === 'precomputed')
    return (
      `LLaMA-Factory never precomputes the reference log-probabilities (train/dpo/trainer.py sets ` +
      `precompute_ref_log_probs = False): set objective.reference to copy or peft_base, or export the Hugging Face ` +
      `script.`
    );
  const k = c.technique.kind;
  if (!['full', 'lora', 'qlora', 'dora'].includes(k))
    return (
      `LLaMA-Factory's finetuning_type is lora, oft, freeze or full (hparams/finetuning_args.py); ${k} ` +
      `is not one of them. Export the Hugging Face script instead.`
    );
  const d = c.plan.distribution;
  const offload = fsdpOffloadProblem(d, 'LLaMA-Factory (FSDP through accelerate)', 'fsdp_offload_params');
  if (offload) return offload;
  if (c.plan.training.optimizerInBackward)
    return 'LLaMA-Factory has no optimizer-in-backward step; turn it off in the plan.';
  return null;
}

export function llamaFactoryFiles(
  plan: Parameters<typeof frameworkContext>[0],
  index: number,
  version: string,
): FrameworkFile[] {
  const c = frameworkContext(plan, index, version, 'llama-factory');
  const why = modelUnsupported(c) ?? llamaFactoryUnsupported(c);
  if (why) return notSupportedFiles(c, 'llamafactory', LLAMA_FACTORY_VERSION, why);
  const d = plan.distribution;
  const extra = [
    ...(plan.training.precision === 'pure_bf16' && STRATEGY_TRAITS[d.strategy].zeroStage === 3
      ? ['pure_bf16 is refused under ZeRO-3 (hparams/parser.py); bf16 with DeepSpeed bf16 mode is written instead.']
      : []),
    // LLaMA-Factory has no pure fp16: `fp16: true` is fp16 autocast, and init_adapter casts the trainable parameters
    // to fp32 for it (model/adapter.py cast_trainable_params_to_fp32, at ff6d4d1).
    ...(plan.training.precision === 'pure_fp16' && !isDeepSpeed(d.strategy)
      ? [
          'ESTIMATED AS: pure fp16 (16-bit trainable weights, no autocast). LLaMA-Factory’s fp16: true is fp16 ' +
            'autocast over fp32 trainable parameters (model/adapter.py cast_trainable_params_to_fp32): this run ' +
            'needs more memory than estimated, most for a full fine-tune.',
        ]
      : []),
    ...(plan.training.samplingStrategy === 'group_by_length' && !llamaFactoryLengthGrouped(c)
      ? [
          plan.training.stack === 'torchtune'
            ? 'Not applied: batches grouped by length — the plan runs on torchtune, which has no length-grouped ' +
              'sampler; the estimate assumed random order, as this run draws its batches.'
            : `Not applied: batches grouped by length — written for LLaMA-Factory's sft stage only ` +
              `(transformers' LengthGroupedSampler reads input_ids rows), not its ` +
              `${String(objectiveKeys(c)['stage'])} stage; the estimate assumed random order, as this run draws ` +
              'its batches.',
        ]
      : []),
  ];
  const files: FrameworkFile[] = [
    {
      path: 'llamafactory_config.yaml',
      mediaType: 'application/yaml',
      content: `${hashHeader(c, LLAMA_FACTORY_VERSION, extra)}\n${toYaml(llamaFactoryConfig(c), { lineWidth: 0 })}`,
    },
  ];
  if (usesDeepSpeed(plan))
    files.push({
      path: 'ds_config.json',
      mediaType: 'application/json',
      content: `${JSON.stringify(frameworkDsConfig(c), null, 2)}\n`,
    });
  if (usesFsdp(plan))
    files.push({
      path: 'fsdp_config.yaml',
      mediaType: 'application/yaml',
      content:
        `${hashHeader(c, 'accelerate 1.x (LLaMA-Factory FSDP)')}\n` +
        `${toYaml(fsdpAccelerateConfig(c), { lineWidth: 0 })}`,
    });
  files.push({
    path: 'data/dataset_info.json',
    mediaType: 'application/json',
    // data/README.md of LLaMA-Factory: a sharegpt-format dataset with OpenAI-style "messages".
    content: `${JSON.stringify(
      {
        train: {
          file_name: 'train.jsonl',
          formatting: 'sharegpt',
          // data/README.md "Preference Dataset" (ranking, chosen, rejected) and "KTO Dataset" (kto_tag).
          ...(pairwise(plan.objective.kind) ? { ranking: true } : {}),
          columns: {
            messages: 'messages',
            ...(pairwise(plan.objective.kind) ? { chosen: 'chosen', rejected: 'rejected' } : {}),
            ...(plan.objective.kind === 'kto' ? { kto_tag: 'label' } : {}),
          },
          tags: {
            role_tag: 'role',
            content_tag: 'content',
            user_tag: 'user',
            assistant_tag: 'assistant',
            system_tag: 'system',
          },
        },
      },
      null,
      2,
    )}\n`,
  });
  files.push({ path: 'data/train.jsonl', mediaType: 'application/jsonl', content: stubData(plan.objective.kind) });
  // LLaMA-Factory's torchrun launch sets PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True over the caller's value
  // unless OPTIM_TORCH=0 (src/llamafactory/launcher.py lines 80-83 at ff6d4d1): a plan estimated without expandable
  // segments switches that off, so the run allocates as estimated.
  const torchrun = !usesFsdp(plan) && c.gpus > 1;
  const env = `${torchrun && !plan.training.expandableSegments ? 'OPTIM_TORCH=0 ' : ''}${allocatorEnv(plan)} `;
  const launch =
    env +
    (usesFsdp(plan)
      ? `accelerate launch --config_file fsdp_config.yaml $(python -c "import llamafactory, os; ` +
        `print(os.path.join(os.path.dirname(llamafactory.__file__), 'launcher.py'))") llamafactory_config.yaml`
      : c.gpus > 1
        ? `FORCE_TORCHRUN=1 NNODES=${d.nodes} NPROC_PER_NODE=${d.gpusPerNode}${
            d.nodes > 1 ? ' ' + 'NODE_RANK=<0..N-1> MASTER_ADDR=<MASTER_ADDR> MASTER_PORT=29500' : ''
          } llamafactory-cli train llamafactory_config.yaml`
        : 'llamafactory-cli train llamafactory_config.yaml');
  files.push({
    path: 'README.md',
    mediaType: 'text/markdown',
    content:
      `# ${plan.name} — ` +
      `LLaMA-Factory\n\n${hashHeader(c, LLAMA_FACTORY_VERSION).replace(/^# /gm, '')}\n\n\`\`\`bash\npip ` +
      `install "llamafactory[torch,metrics]>=0.9.4,<0.10"` +
      `${plan.techniques[index]!.kind === 'qlora' ? ' bitsandbytes' : ''}` +
      `${plan.training.lossKernel === 'chunked' ? ' liger-kernel' : ''}` +
      `${llamaFactoryLengthGrouped(c) ? ' "transformers>=5.2"' : ''}` +
      `${usesDeepSpeed(plan) ? ' deepspeed' : ''}\n${launch}\n\`\`\`\n\nPut your data in \`data/train.jsonl\` ` +
      `(${DATA_SHAPE[plan.objective.kind] ?? 'one chat per line'}, as the stub shows); ` +
      `\`data/dataset_info.json\` registers it as \`train\`.\n`,
  });
  return files;
}

/**
 * Preference pairs: stage dpo (every pref_loss) and rm read chosen / rejected (data/README.md
 * "Preference Dataset").
 */
const pairwise = (k: ObjectiveKind) => k === 'dpo' || k === 'ipo' || k === 'orpo' || k === 'simpo' || k === 'reward';

const DATA_SHAPE: Partial<Record<ObjectiveKind, string>> = {
  dpo: 'one prompt per line in `messages`, the better answer in `chosen` and the worse in `rejected`',
  ipo: 'one prompt per line in `messages`, the better answer in `chosen` and the worse in `rejected`',
  orpo: 'one prompt per line in `messages`, the better answer in `chosen` and the worse in `rejected`',
  simpo: 'one prompt per line in `messages`, the better answer in `chosen` and the worse in `rejected`',
  reward: 'one prompt per line in `messages`, the better answer in `chosen` and the worse in `rejected`',
  kto: 'one chat per line in `messages` and whether its answer is desirable in `label` (true / false)',
};

/**
 * One line of stub data in the shape dataset_info.json declares: sharegpt with role/content tags; for pairs the
 * chosen and rejected answers are single messages (SharegptDatasetConverter, src/llamafactory/data/converter.py), for
 * KTO a boolean tag (data/README.md "KTO Dataset").
 */
function stubData(kind: ObjectiveKind): string {
  const user = { role: 'user', content: 'Hello' };
  const good = { role: 'assistant', content: 'Hi! How can I help?' };
  if (pairwise(kind))
    return `${JSON.stringify({ messages: [user], chosen: good, rejected: { role: 'assistant', content: 'What?' } })}\n`;
  if (kind === 'kto') return `${JSON.stringify({ messages: [user, good], label: true })}\n`;
  return (
    '{"messages": [{"role": "user", "content": "Hello"}, ' +
    '{"role": "assistant", "content": "Hi! How can I help?"}]}\n'
  );
}
