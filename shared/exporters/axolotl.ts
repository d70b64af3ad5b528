/**
 * axolotl export: a config for `axolotl train axolotl_config.yaml`, plus ds_config.json under ZeRO and a README.
 * Keys are fields of axolotl's pydantic input schema (axolotl-ai-cloud/axolotl src/axolotl/utils/schemas/config.py
 * AxolotlInputConfig with peft.py LoraConfig, training.py HyperparametersConfig, model.py ModelInputConfig, fsdp.py
 * FSDPConfig), written for axolotl 0.19 (commit 067b021).
 */
import { stringify as toYaml } from 'yaml';
import { PLAN_TO_HF_OPTIM } from '../import/configs/facts';
import {
  axolotlAdapterReference,
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
import { fsdpOffloadProblem, isFsdp, STRATEGY_TRAITS } from '../domain/strategies';
import { groupsByLength, objectiveRefusal, syncsEachBatch } from '../domain/export-capabilities';
import { allocatorEnv } from './header';
import type { ObjectiveKind } from '../domain/plan';
import { kvBytesPerToken, vllmMaxModelLength } from '../estimate/objective';
import { resolveGpu } from '../estimate/hardware';
import { gib } from '../format';

export const AXOLOTL_VERSION = 'axolotl 0.19';

/**
 * config.py: bf16/fp16 are AMP; bfloat16/float16 are "No AMP" (weights in that dtype). bf16 defaults to "auto", so it
 * is always written.
 */
export function axolotlPrecision(p: FrameworkCtx['plan']['training']['precision']): Record<string, boolean> {
  if (p === 'pure_bf16') return { bf16: false, bfloat16: true };
  if (p === 'mixed') return { bf16: true };
  if (p === 'pure_fp16') return { bf16: false, float16: true };
  return { bf16: false, fp16: false };
}

/**
 * The dataset entry per objective, as docs/rlhf.qmd lays them out (axolotl @ 067b021): DPO / IPO / SimPO read
 * chat_template.default with messages + chosen + rejected messages (prompt_strategies/dpo/chat_template.py default,
 * L9-90); ORPO chat_template.argilla with chosen / rejected conversations (prompt_strategies/orpo/chat_template.py
 * argilla, L251); KTO a user-defined dict type with prompt / completion / label (prompt_strategies/kto/user_defined.py
 * default); GRPO a transform from rewards.py (docs/rlhf.qmd "Reward functions": type '{file_name}.{fn_name}').
 */
const PAIRS = {
  path: 'data/train.jsonl',
  split: 'train',
  type: 'chat_template.default',
  field_messages: 'messages',
  field_chosen: 'chosen',
  field_rejected: 'rejected',
  message_property_mappings: { role: 'role', content: 'content' },
  roles: { user: ['user'], assistant: ['assistant'], system: ['system'] },
};
const DATASETS: Record<ObjectiveKind, Record<string, unknown>> = {
  sft: { path: 'data/train.jsonl', type: 'chat_template', field_messages: 'messages' },
  dpo: PAIRS,
  ipo: PAIRS,
  simpo: PAIRS,
  orpo: { path: 'data/train.jsonl', split: 'train', type: 'chat_template.argilla' },
  kto: {
    path: 'data/train.jsonl',
    split: 'train',
    type: {
      field_prompt: 'prompt',
      field_completion: 'completion',
      field_label: 'label',
      prompt_format: '{prompt}',
      completion_format: '{completion}',
    },
  },
  // Refused (OBJECTIVE_SUPPORT: reward modelling is not exported to axolotl); kept so the table is total.
  reward: { path: 'data/train.jsonl', type: 'chat_template', field_messages: 'messages' },
  grpo: { path: 'data/train.jsonl', split: 'train', type: 'rewards.prompt_transform' },
};

/**
 * rl and its fields (schemas/config.py rl L262, rl_beta L1315, simpo_gamma L1297, precompute_ref_log_probs L315;
 * core/builders/rl.py _build_training_arguments L122-160: trl.beta, else rl_beta, else orpo_alpha becomes the TRL
 * config's beta; rl simpo runs CPOConfig with loss_type "simpo" and simpo_gamma = cfg.simpo_gamma as given, so it
 * is always written — None would replace CPOConfig's 0.5 default, trl/experimental/cpo/cpo_config.py L136-138).
 * IPO is `rl: dpo` with `dpo_loss_type: ["ipo"]` (docs/rlhf.qmd "IPO": `rl: ipo` is to be deprecated).
 */
function objectiveKeys(c: FrameworkCtx): Record<string, unknown> {
  const o = c.plan.objective;
  const beta = o.beta === null ? {} : { rl_beta: o.beta };
  switch (o.kind) {
    case 'sft':
    case 'reward':
      return {};
    case 'dpo':
    case 'ipo':
      return {
        rl: 'dpo',
        ...(o.kind === 'ipo' ? { dpo_loss_type: ['ipo'] } : {}),
        ...beta,
        ...(o.reference === 'precomputed' ? { precompute_ref_log_probs: true } : {}),
      };
    case 'orpo':
      return { rl: 'orpo', ...beta, remove_unused_columns: false };
    case 'simpo':
      return { rl: 'simpo', ...beta, simpo_gamma: 0.5 };
    case 'kto':
      return { rl: 'kto', ...beta, remove_unused_columns: false };
    case 'grpo':
      return grpoKeys(c);
  }
}

/**
 * GRPO: the trl block (schemas/trl.py TRLConfig: beta, max_completion_length, use_vllm, vllm_mode,
 * vllm_server_host / port, reward_funcs, num_generations, vllm_enable_sleep_mode) and the vllm block (schemas/vllm.py
 * VllmConfig: tensor_parallel_size, gpu_memory_utilization, host, port), which core/trainers/grpo/__init__.py
 * set_training_args_kwargs (L62-105) turns into GRPOConfig: in colocate mode the vllm block's gpu_memory_utilization
 * and tensor_parallel_size become vllm_gpu_memory_utilization / vllm_tensor_parallel_size.
 */
function grpoKeys(c: FrameworkCtx): Record<string, unknown> {
  const o = c.plan.objective;
  return {
    rl: 'grpo',
    trl: {
      // null = TRL's default (GRPOConfig.beta 0.0: no reference model).
      ...(o.beta === null ? {} : { beta: o.beta }),
      num_generations: o.numGenerations,
      max_completion_length: o.completionTokens,
      reward_funcs: ['rewards.reward_len'],
      use_vllm: o.generation !== 'transformers',
      ...(o.generation === 'vllm_colocate'
        ? { vllm_mode: 'colocate', vllm_enable_sleep_mode: o.vllmSleepMode }
        : o.generation === 'vllm_server'
          ? { vllm_mode: 'server', vllm_server_host: '127.0.0.1', vllm_server_port: 8000 }
          : {}),
    },
    // vllm.max_model_len (schemas/vllm.py VllmConfig.max_model_len L33): prompt + completion, the sequence the
    // estimate sized the KV cache for (objective.ts vllmMaxModelLength). `axolotl vllm-serve` reads it
    // (cli/vllm_serve.py L67); colocate mode does not pass it on (axolotlUnsupported checks what that costs).
    ...(o.generation === 'vllm_colocate'
      ? {
          vllm: {
            gpu_memory_utilization: o.vllmGpuMemoryUtilization,
            tensor_parallel_size: o.vllmTensorParallel,
            max_model_len: vllmMaxModelLength(o),
          },
        }
      : o.generation === 'vllm_server'
        ? {
            vllm: {
              host: '127.0.0.1',
              port: 8000,
              tensor_parallel_size: o.vllmTensorParallel,
              max_model_len: vllmMaxModelLength(o),
            },
          }
        : {}),
  };
}

/** GRPO's reward function and prompt transform, loaded by name from the config's folder (docs/rlhf.qmd). */
const REWARDS_PY = `# Reward functions and the dataset transform for axolotl's GRPO (docs/rlhf.qmd "Reward functions").
# Replace reward_len with your task's reward: it gets the generated completions (and every dataset column as a
# keyword argument) and returns one float per completion.


def reward_len(completions, **kwargs) -> list[float]:
    # Conversational prompts give each completion as a list of messages.
    texts = [c[0]["content"] if isinstance(c, list) else c for c in completions]
    return [-abs(50 - len(t)) / 50 for t in texts]


def prompt_transform(cfg, *args, **kwargs):
    def transform_fn(example, tokenizer=None):
        return {"prompt": [{"role": "user", "content": example["prompt"]}]}

    return transform_fn, {"remove_columns": []}
`;

/** One line of stub data in the shape DATASETS declares. */
function stubData(kind: ObjectiveKind): string {
  const user = { role: 'user', content: 'Hello' };
  const good = { role: 'assistant', content: 'Hi! How can I help?' };
  const bad = { role: 'assistant', content: 'What?' };
  switch (kind) {
    case 'dpo':
    case 'ipo':
    case 'simpo':
      return `${JSON.stringify({ messages: [user], chosen: good, rejected: bad })}\n`;
    case 'orpo':
      return `${JSON.stringify({ prompt: 'Hello', chosen: [user, good], rejected: [user, bad] })}\n`;
    case 'kto':
      return `${JSON.stringify({ prompt: 'Hello', completion: 'Hi! How can I help?', label: true })}\n`;
    case 'grpo':
      return `${JSON.stringify({ prompt: 'What is 2 + 2?' })}\n`;
    default:
      return (
        '{"messages": [{"role": "user", "content": "Hello"}, ' +
        '{"role": "assistant", "content": "Hi! How can I help?"}]}\n'
      );
  }
}

const DATA_SHAPE: Partial<Record<ObjectiveKind, string>> = {
  dpo: 'the prompt in `messages`, the better answer in `chosen`, the worse in `rejected`',
  ipo: 'the prompt in `messages`, the better answer in `chosen`, the worse in `rejected`',
  simpo: 'the prompt in `messages`, the better answer in `chosen`, the worse in `rejected`',
  orpo: 'the prompt, and the chosen and rejected conversations',
  kto: 'a prompt, a completion and whether it is desirable in `label`',
  grpo: 'one prompt per line; edit `rewards.py` for your reward',
};

export function axolotlConfig(c: FrameworkCtx): Record<string, unknown> {
  const t = c.technique;
  const tr = c.plan.training;
  const d = c.plan.distribution;
  const lora = t.kind !== 'full';
  const int8 = t.kind === 'qlora' && t.quantType === 'int8';
  const layer = DECODER_LAYER_CLASS[c.arch.spec.modelType];
  return {
    base_model: c.hfId,
    ...(c.arch.spec.modelType === 'phi3small' ? { trust_remote_code: true } : {}),
    ...(t.kind === 'qlora'
      ? int8
        ? { load_in_8bit: true }
        : {
            load_in_4bit: true,
            // peft.py LoraConfig.bnb_config_kwargs: overrides of axolotl's BitsAndBytesConfig (nf4 + double quant by
            // default).
            bnb_config_kwargs: { bnb_4bit_quant_type: t.quantType, bnb_4bit_use_double_quant: t.doubleQuant },
          }
      : {}),
    ...(lora
      ? {
          adapter: t.kind === 'qlora' && !int8 ? 'qlora' : 'lora',
          lora_r: t.rank,
          lora_alpha: t.alpha,
          lora_dropout: t.dropout,
          ...(t.targets === 'all-linear' ? { lora_target_linear: true } : { lora_target_modules: targetNames(c) }),
          ...(t.kind === 'dora' ? { peft_use_dora: true } : {}),
        }
      : {}),
    ...objectiveKeys(c),
    datasets: [DATASETS[c.plan.objective.kind]],
    val_set_size: 0,
    output_dir: `outputs/${c.slug}-${t.kind}`,
    sequence_len: tr.seqLen,
    sample_packing: tr.packing,
    micro_batch_size: tr.microBatch,
    gradient_accumulation_steps: tr.gradAccum,
    // FSDP with gradient accumulation: reduce-scatter every micro-batch, as estimated (export-capabilities.ts
    // syncsEachBatch). axolotl takes `accelerator_config` as a dict (utils/schemas/config.py line 454) and builds
    // transformers' AcceleratorConfig from it (core/builders/base.py lines 573–576, at 067b021).
    ...(syncsEachBatch(c.plan)
      ? { accelerator_config: { gradient_accumulation_kwargs: { sync_each_batch: true } } }
      : {}),
    num_epochs: tr.epochs,
    learning_rate: tr.learningRate,
    optimizer: PLAN_TO_HF_OPTIM[tr.optimizer],
    ...(tr.optimizer === 'sgd_momentum' ? { optim_args: { momentum: 0.9 } } : {}),
    lr_scheduler: 'cosine',
    warmup_ratio: 0.1,
    ...axolotlPrecision(tr.precision),
    gradient_checkpointing: tr.gradientCheckpointing,
    activation_offloading: tr.activationOffload,
    attn_implementation: tr.attention,
    chunked_cross_entropy: tr.lossKernel === 'chunked',
    torch_compile: tr.compile,
    // Length-grouped batches: axolotl's group_by_length (src/axolotl/utils/schemas/training.py line 109) becomes
    // train_sampling_strategy="group_by_length" in the causal (SFT) builder only (src/axolotl/core/builders/causal.py
    // lines 270-271 at 067b021); the preference and GRPO trainers cannot use it
    // (domain/export-capabilities.ts groupsByLength).
    ...(axolotlLengthGrouped(c) ? { group_by_length: true } : {}),
    ...(usesDeepSpeed(c.plan) ? { deepspeed: 'ds_config.json' } : {}),
    ...(usesFsdp(c.plan)
      ? {
          fsdp_version: 2,
          fsdp_config: {
            offload_params: d.offloadParams !== 'none',
            reshard_after_forward: STRATEGY_TRAITS[d.strategy].fsdpShardingStrategy === 'FULL_SHARD',
            state_dict_type: 'FULL_STATE_DICT',
            auto_wrap_policy: 'TRANSFORMER_BASED_WRAP',
            ...(layer ? { transformer_layer_cls_to_wrap: layer } : {}),
          },
        }
      : {}),
    logging_steps: 10,
    saves_per_epoch: 1,
  };
}

/**
 * GRPO with colocated vLLM: axolotl's GRPO builder passes vllm.gpu_memory_utilization and tensor_parallel_size to
 * GRPOConfig but not vllm.max_model_len (core/trainers/grpo/__init__.py set_training_args_kwargs L72-79), so TRL gives
 * vLLM max_model_len=None (trl/trainer/grpo_trainer.py:1123, trl/generation/vllm_generation.py:351) and vLLM takes the
 * model's whole context, refusing to start when its KV cache cannot hold one such sequence. The KV room is counted as
 * the estimate counts it (time.ts objectiveTime: the share minus 16-bit weights ÷ tensor parallel, per GPU).
 */
function colocatedContextShortfall(c: FrameworkCtx): string | null {
  const o = c.plan.objective;
  if (o.kind !== 'grpo' || o.generation !== 'vllm_colocate') return null;
  const context = c.arch.spec.maxPositionEmbeddings;
  if (context <= vllmMaxModelLength(o)) return null;
  const tp = o.vllmTensorParallel;
  const share = o.vllmGpuMemoryUtilization * resolveGpu(c.plan.hardware.gpu).memoryBytes;
  const kvRoom = share - (c.arch.totalParams * 2) / tp;
  const needed = (context * kvBytesPerToken(c.arch, 2)) / tp;
  if (kvRoom >= needed) return null;
  return (
    `axolotl does not pass vllm.max_model_len to a colocated vLLM (core/trainers/grpo/__init__.py), so vLLM would ` +
    `size for the model's whole context, ${context.toLocaleString('en-US')} tokens: one such sequence needs ` +
    `${gib(needed)} of KV cache, and gpu_memory_utilization ${o.vllmGpuMemoryUtilization} leaves about ` +
    `${gib(Math.max(0, kvRoom))} after the weights, so vLLM would refuse to start. Export the Hugging Face script ` +
    '(it sets vllm_max_model_length), use vLLM server mode, or raise gpu_memory_utilization.'
  );
}

/**
 * DPO / IPO / KTO with an adapter and a frozen-copy reference: axolotl cannot load the copy. train.py
 * setup_reference_model (L139) sets model_ref = None (the adapter-disabled base) unless cfg.rl_adapter_ref_model, and
 * that key is not a field of AxolotlInputConfig (schemas/config.py @ 067b021), so validate_config's `model_dump`
 * (utils/config/__init__.py L480-499; pydantic's default extra="ignore") drops it before train.py reads it. The key is
 * therefore not written; the header's estimate is the adapter-disabled job axolotl runs (framework-context.ts
 * targetEstimate), and this note says so.
 */
function axolotlReferenceNotes(c: FrameworkCtx): string[] {
  if (!axolotlAdapterReference(c.plan, c.technique)) return [];
  return [
    'REFERENCE: axolotl uses the base with the adapter disabled as reference for adapter training (src/axolotl/' +
      'train.py setup_reference_model; its rl_adapter_ref_model switch is not in the 0.19 config schema, which ' +
      'drops it), not the frozen copy the plan asks for: the estimate above is for the adapter-disabled reference. ' +
      'Export the Hugging Face script to train with a frozen copy.',
  ];
}

/** Whether the config groups batches by length: SFT only (training.samplingStrategy 'group_by_length'). */
function axolotlLengthGrouped(c: FrameworkCtx): boolean {
  return groupsByLength(c.plan);
}

export function axolotlUnsupported(c: FrameworkCtx): string | null {
  const refusal = objectiveRefusal(c.plan, 'axolotl');
  if (refusal) return refusal;
  const o = c.plan.objective;
  // precompute_ref_log_probs reaches DPOConfig only (core/trainers/dpo/__init__.py L43-46, rl dpo / ipo).
  if (o.kind === 'kto' && o.reference === 'precomputed')
    return (
      'axolotl passes precompute_ref_log_probs to DPO and IPO only (core/trainers/dpo/__init__.py), not KTO: set ' +
      'objective.reference to copy or peft_base, or export the Hugging Face script.'
    );
  const k = c.technique.kind;
  const vllmContext = colocatedContextShortfall(c);
  if (vllmContext) return vllmContext;
  if (!['full', 'lora', 'qlora', 'dora'].includes(k))
    return (
      `axolotl's built-in adapters are lora and qlora (schemas/peft.py); ${k} is not one of them. Export ` +
      `the Hugging Face script instead.`
    );
  const d = c.plan.distribution;
  // The axolotl export writes FSDP2's reshard_after_forward only, which cannot say "shard within a node, replicate
  // across nodes": refuse rather than silently train full shard (issue 15, exports stay honest).
  if (STRATEGY_TRAITS[d.strategy].shardWithinNode)
    return (
      'Tuneplan does not write hybrid sharding (shard within a node) for axolotl: export the accelerate config ' +
      '(the DeepSpeed / accelerate target writes fsdp_sharding_strategy: HYBRID_SHARD) or pick FSDP full shard.'
    );
  const offload = fsdpOffloadProblem(d, 'axolotl (FSDP through accelerate)', 'fsdp_offload_params');
  if (offload) return offload;
  if (c.plan.training.optimizerInBackward) return 'axolotl has no optimizer-in-backward step; turn it off in the plan.';
  return null;
}

export function axolotlFiles(
  plan: Parameters<typeof frameworkContext>[0],
  index: number,
  version: string,
): FrameworkFile[] {
  const c = frameworkContext(plan, index, version, 'axolotl');
  const why = modelUnsupported(c) ?? axolotlUnsupported(c);
  if (why) return notSupportedFiles(c, 'axolotl', AXOLOTL_VERSION, why);
  const notes = [
    ...axolotlReferenceNotes(c),
    ...(plan.training.samplingStrategy === 'group_by_length' && !axolotlLengthGrouped(c)
      ? [
          plan.training.stack === 'torchtune'
            ? 'Not applied: batches grouped by length — the plan runs on torchtune, which has no length-grouped ' +
              'sampler; the estimate assumed random order, as this run draws its batches.'
            : `Not applied: batches grouped by length — axolotl passes group_by_length to its SFT trainer only, ` +
              `not to rl: ${plan.objective.kind}; the estimate assumed random order, as this run draws its batches.`,
        ]
      : []),
    // Where axolotl trains differently from the job the estimate sizes, said rather than left silent (issue 15).
    ...(plan.training.precision === 'mixed' && c.technique.kind === 'full'
      ? [
          'ESTIMATED AS: mixed precision with fp32 master weights (16 B a trained parameter). axolotl’s bf16: true ' +
            'loads the weights in bf16 and keeps only the embeddings, head and norms in fp32, and those only outside ' +
            'FSDP (src/axolotl/utils/config/__init__.py torch_dtype, loaders/model.py ' +
            '_convert_embedding_modules_dtype, at 067b021): this run needs less memory than estimated and updates ' +
            'bf16 weights.',
        ]
      : []),
    ...(isFsdp(plan.distribution.strategy)
      ? [
          'ESTIMATED AS: FSDP1, accelerate’s default. axolotl runs FSDP2 (fsdp_version: 2), which has no ' +
            'FlatParameter: no shard staging copy and no gradients for frozen parameters sharing a unit, so ' +
            'slightly less memory than estimated.',
        ]
      : []),
  ];
  const d = plan.distribution;
  const files: FrameworkFile[] = [
    {
      path: 'axolotl_config.yaml',
      mediaType: 'application/yaml',
      content: `${hashHeader(c, AXOLOTL_VERSION, notes)}\n${toYaml(axolotlConfig(c), { lineWidth: 0 })}`,
    },
  ];
  if (usesDeepSpeed(plan))
    files.push({
      path: 'ds_config.json',
      mediaType: 'application/json',
      content: `${JSON.stringify(frameworkDsConfig(c), null, 2)}\n`,
    });
  files.push({ path: 'data/train.jsonl', mediaType: 'application/jsonl', content: stubData(plan.objective.kind) });
  if (plan.objective.kind === 'grpo')
    files.push({ path: 'rewards.py', mediaType: 'text/x-python', content: REWARDS_PY });
  const o = plan.objective;
  // Server mode: the vLLM server runs on its own GPUs, started first (docs/rlhf.qmd GRPO: `axolotl vllm-serve`).
  const serve =
    o.kind === 'grpo' && o.generation === 'vllm_server'
      ? `CUDA_VISIBLE_DEVICES=<${o.vllmServerGpus} generation GPU(s)> axolotl vllm-serve axolotl_config.yaml &\n`
      : '';
  const launch = `${allocatorEnv(plan)} ${
    c.gpus > 1
      ? `accelerate launch --num_processes ${c.gpus} --num_machines ${d.nodes}${
          d.nodes > 1 ? ' ' + '--machine_rank <0..N-1> --main_process_ip <MASTER_ADDR> --main_process_port 29500' : ''
        } -m axolotl.cli.train axolotl_config.yaml`
      : 'axolotl train axolotl_config.yaml'
  }`;
  files.push({
    path: 'README.md',
    mediaType: 'text/markdown',
    content:
      `# ${plan.name} — ` +
      `axolotl\n\n${hashHeader(c, AXOLOTL_VERSION, notes).replace(/^# /gm, '')}\n\n\`\`\`bash\npip install ` +
      `"axolotl${o.kind === 'grpo' && o.generation !== 'transformers' ? '[vllm]' : ''}>=0.19,<0.20"` +
      `${usesDeepSpeed(plan) ? ' deepspeed' : ''}\n${serve}${launch}\n\`\`\`\n\nPut your data in ` +
      `\`data/train.jsonl\` (${DATA_SHAPE[o.kind] ?? 'one chat per line in `messages`'}, as the stub shows).\n`,
  });
  return files;
}
