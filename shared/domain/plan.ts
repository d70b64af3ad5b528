/**
 * The plan: what the user wants to fine-tune, how, and on what. This schema is both what the
 * database stores and the JSON export format, so every field has a default and a bound.
 */
import { z } from 'zod';
import { DataStatsSchema } from './data-stats';
import { ModelSpecSchema } from './model-spec';
import { STRATEGY_TRAITS } from './strategies';

export const PLAN_SCHEMA_VERSION = 4;

const num = (min: number, max: number, what = '') =>
  z
    .number({ message: 'must be a number' })
    .finite('must be a finite number')
    .min(min, `must be at least ${min}${what}`)
    .max(max, `must be at most ${max}${what}`);
const int = (min: number, max: number, what = '') => num(min, max, what).int('must be a whole number');

export const ModelRefSchema = z.discriminatedUnion('source', [
  z.object({ source: z.literal('catalog'), id: z.string().min(1, 'pick a model').max(200) }),
  z.object({ source: z.literal('custom'), spec: ModelSpecSchema }),
]);
export type ModelRef = z.infer<typeof ModelRefSchema>;

export const TECHNIQUE_KINDS = [
  'full',
  'lora',
  'qlora',
  'dora',
  'ia3',
  'prompt_tuning',
  'prefix_tuning',
  'p_tuning',
  'vera',
  'loha',
  'lora_fa',
  'ln_tuning',
  'adaption_prompt',
] as const;
export type TechniqueKind = (typeof TECHNIQUE_KINDS)[number];

export const LORA_TARGETS = ['all-linear', 'attention', 'qv', 'mlp', 'custom'] as const;
/** QLoRA base formats: bitsandbytes (quantized while loading) and pre-quantized GPTQ / AWQ int4 checkpoints. */
export const QUANT_TYPES = ['nf4', 'fp4', 'int8', 'gptq', 'awq'] as const;
export type QuantType = (typeof QUANT_TYPES)[number];

export const TechniqueSchema = z
  .object({
    kind: z.enum(TECHNIQUE_KINDS),
    /** LoRA family (lora, qlora, dora, vera, loha, lora_fa). */
    rank: int(1, 65_536).default(16),
    alpha: num(0, 1_000_000).default(32),
    dropout: num(0, 0.95).default(0.05),
    targets: z.enum(LORA_TARGETS).default('all-linear'),
    /** Module names for `targets: custom` (PEFT matches by suffix: `q_proj`, `qkv_proj`, ...). */
    customModules: z.array(z.string().trim().min(1).max(100)).max(64).default([]),
    /**
     * QLoRA base quantization: bitsandbytes quantizes at load time (nf4, fp4, int8); 'gptq' and 'awq' load a checkpoint
     * already packed in 4 bits (int32 qweight, per-group fp16 scales and packed zeros; GPTQ adds g_idx). Plan format 4.
     */
    quantType: z.enum(QUANT_TYPES).default('nf4'),
    doubleQuant: z.boolean().default(true),
    /**
     * GPTQ/AWQ: input rows per group of scales and zeros (GPTQConfig / AwqConfig group_size, default 128); -1 = one
     * group per column, as GPTQ writes it. Plan format 4.
     */
    quantGroupSize: z
      .number({ message: 'must be a number' })
      .int('must be a whole number')
      .min(-1, 'must be -1 (one group per column) or at least 8')
      .max(1_000_000, 'must be at most 1000000')
      .refine((g) => g === -1 || g >= 8, 'must be -1 (one group per column) or at least 8')
      .default(128),
    /** Prompt / prefix / p-tuning. */
    virtualTokens: int(1, 100_000).default(20),
    /** Full fine-tuning with frozen input embeddings and output head. */
    freezeEmbeddings: z.boolean().default(false),
  })
  .superRefine((t, ctx) => {
    if (
      t.targets === 'custom' &&
      t.customModules.length === 0 &&
      ['lora', 'qlora', 'dora', 'vera', 'loha', 'lora_fa'].includes(t.kind)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['customModules'],
        message: 'list at least one module name, or pick a preset target',
      });
    }
  });
export type Technique = z.infer<typeof TechniqueSchema>;
export type TechniqueInput = z.input<typeof TechniqueSchema>;

export const PRECISIONS = ['pure_bf16', 'mixed', 'fp32', 'pure_fp16'] as const;
export const OPTIMIZERS = [
  'adamw',
  'adamw_8bit',
  'paged_adamw',
  'paged_adamw_8bit',
  'adafactor',
  'sgd_momentum',
  'lion',
  /**
   * torch.optim.AdamW(fused=True): transformers' default `optim` on torch >= 2.8 ("adamw_torch_fused",
   * transformers/training_args.py, TrainingArguments.default_optim). Same states as `adamw`; the step is one
   * in-place kernel (torch/optim/adam.py `_fused_adam` → torch._fused_adamw_), so it has no state-sized temporaries.
   */
  'adamw_torch_fused',
] as const;

export const KERNEL_SETS = ['none', 'liger', 'unsloth'] as const;
export type KernelSet = (typeof KERNEL_SETS)[number];

export const TrainingSchema = z.object({
  precision: z.enum(PRECISIONS).default('pure_bf16'),
  optimizer: z.enum(OPTIMIZERS).default('adamw'),
  microBatch: int(1, 65_536).default(4),
  gradAccum: int(1, 65_536).default(1),
  seqLen: int(1, 10_000_000, ' tokens').default(2048),
  packing: z.boolean().default(false),
  gradientCheckpointing: z.boolean().default(false),
  attention: z.enum(['sdpa', 'eager']).default('sdpa'),
  lossKernel: z.enum(['standard', 'chunked']).default('standard'),
  /**
   * The training library the run uses: its code decides which tensors exist (transformers keeps bf16 logits and a
   * KV cache; torchtune upcasts logits to fp32 and expands GQA keys before attention). Plan format 2.
   * 'trl': TRL 1.16's SFTTrainer, as Tuneplan's transformers export runs it (loss_type "nll" through TRL's fused LM
   * head: log-probabilities in tiles, no logits tensor, no KV cache). Plan format 3.
   */
  stack: z.enum(['transformers', 'torchtune', 'trl']).default('transformers'),
  /** torch.compile of the model (and loss): fused element-wise ops save fewer tensors for backward. Plan format 2. */
  compile: z.boolean().default(false),
  /** The optimizer step runs inside backward, one parameter at a time (torchtune optimizer_in_bwd). Plan format 2. */
  optimizerInBackward: z.boolean().default(false),
  /**
   * Saved activations move to pinned host RAM during the forward (torchtune enable_activation_offloading). Plan format
   * 2.
   */
  activationOffload: z.boolean().default(false),
  /**
   * Fused kernels (issue 15 §6). 'liger': transformers' use_liger_kernel=True (liger_kernel.transformers
   * _apply_liger_kernel_to_instance: RMSNorm, SwiGLU/GeGLU, RoPE, and fused linear cross-entropy outside TRL).
   * 'unsloth': Unsloth's FastLanguageModel (fused RMSNorm and MLP, chunked fused cross-entropy, and with gradient
   * checkpointing its "unsloth" mode that moves the checkpointed layer inputs to pinned host RAM). Plan format 4.
   */
  kernels: z.enum(KERNEL_SETS).default('none'),
  /**
   * PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True: the caching allocator maps segments in 2 MiB pages and grows
   * them instead of reserving a new segment per size class, so freed blocks fragment far less
   * (c10/cuda/CUDACachingAllocator.cpp ExpandableSegment). Issue 15 §3. Plan format 4.
   */
  expandableSegments: z.boolean().default(false),
  /**
   * The order batches are drawn in (transformers TrainingArguments train_sampling_strategy). 'random': shuffled.
   * 'group_by_length': LengthGroupedSampler groups examples of similar length and puts the longest batch first
   * (transformers/trainer_pt_utils.py get_length_grouped_indices, "so that an OOM happens sooner rather than later"):
   * the caching allocator's first segments are then the largest and later batches reuse them. Issue 15 §3. Plan
   * format 4.
   */
  samplingStrategy: z.enum(['random', 'group_by_length']).default('random'),
  epochs: num(0.01, 10_000).default(3),
  learningRate: num(0, 10).default(2e-4),
});
export type Training = z.infer<typeof TrainingSchema>;

export const DataSchema = z.object({
  mode: z.enum(['examples', 'tokens']).default('examples'),
  examples: int(1, 1e12).default(10_000),
  meanTokensPerExample: num(1, 10_000_000, ' tokens').default(512),
  /**
   * The longest example, in tokens. Unpacked batches are padded to their longest sequence, so the peak is a batch
   * holding it; null = unknown (memory is sized at the full sequence length). Plan format 2.
   */
  maxTokensPerExample: num(1, 10_000_000, ' tokens').nullable().default(null),
  totalTokens: num(1, 1e15, ' tokens').default(5_000_000),
  /**
   * Statistics of the user's own data file (issue 17; shared/domain/data-stats.ts): length quantiles, the longest
   * examples, tokens per epoch — never the data or its path. When present the estimate takes the peak batch, the
   * real tokens and the padding from them instead of the fields above. Absent = none analysed. Plan format 3.
   */
  stats: DataStatsSchema.optional(),
  /**
   * Vision-language models (issue 16): images in each example (0 = text only) and their size in pixels before the
   * processor resizes them (null = unknown: models whose image tokens follow the image's size are sized at the
   * processor's largest image; shared/estimate/vision.ts). Ignored for a text-only model. Plan format 4.
   */
  imagesPerExample: int(0, 1_000).default(0),
  imageWidth: int(1, 100_000, ' px').nullable().default(null),
  imageHeight: int(1, 100_000, ' px').nullable().default(null),
});
export type Data = z.infer<typeof DataSchema>;

// fsdp_hybrid was added to the enum without a plan migration: older plan files cannot contain it.
export const STRATEGIES = ['ddp', 'zero1', 'zero2', 'zero3', 'fsdp_full', 'fsdp_grad_op', 'fsdp_hybrid'] as const;
export const DistributionSchema = z
  .object({
    gpusPerNode: int(1, 1024).default(1),
    nodes: int(1, 100_000).default(1),
    strategy: z.enum(STRATEGIES).default('ddp'),
    offloadOptimizer: z.enum(['none', 'cpu', 'nvme']).default('none'),
    offloadParams: z.enum(['none', 'cpu', 'nvme']).default('none'),
  })
  .superRefine((d, ctx) => {
    const traits = STRATEGY_TRAITS[d.strategy];
    if (d.offloadParams !== 'none' && !traits.paramOffload.includes(d.offloadParams)) {
      ctx.addIssue({
        code: 'custom',
        path: ['offloadParams'],
        message:
          d.offloadParams === 'nvme'
            ? 'parameter offload to NVMe needs ZeRO-3 (ZeRO-Infinity)'
            : 'parameter offload needs ZeRO-3 or FSDP full shard',
      });
    }
    if (d.offloadOptimizer !== 'none' && !traits.optimizerOffload.includes(d.offloadOptimizer)) {
      ctx.addIssue({
        code: 'custom',
        path: ['offloadOptimizer'],
        message:
          d.offloadOptimizer === 'nvme'
            ? 'NVMe offload needs ZeRO-3 (ZeRO-Infinity)'
            : 'optimizer offload needs a ZeRO stage or FSDP (pick one under strategy)',
      });
    }
  });
export type Distribution = z.infer<typeof DistributionSchema>;

export const GpuRefSchema = z.discriminatedUnion('source', [
  z.object({ source: z.literal('catalog'), id: z.string().min(1).max(100) }),
  z.object({
    source: z.literal('custom'),
    name: z.string().trim().min(1).max(100),
    memoryGiB: num(0.5, 100_000, ' GiB'),
    bf16Tflops: num(0.01, 1_000_000, ' TFLOPS'),
    bandwidthGBs: num(1, 1_000_000, ' GB/s'),
  }),
]);
export type GpuRef = z.infer<typeof GpuRefSchema>;

/** Links between the GPUs of one node (issue 15 §7); bandwidths and their sources: shared/estimate/interconnect.ts. */
export const INTRA_NODE_LINKS = ['nvlink', 'pcie'] as const;
/** Networks between nodes: an NVLink domain across trays (GB200 NVL72), InfiniBand NDR/HDR/EDR, Ethernet. */
export const INTER_NODE_LINKS = [
  'nvlink',
  'infiniband_400',
  'infiniband_200',
  'infiniband_100',
  'ethernet_100',
  'ethernet_25',
] as const;
export const HardwareSchema = z.object({
  gpu: GpuRefSchema.default({ source: 'catalog', id: 'a100-80gb-sxm' }),
  /** Model FLOPs utilisation 0..1; null = the estimator's default for this technique and GPU (shown). */
  mfu: num(0.001, 1).nullable().default(null),
  headroomPct: num(0, 90, ' %').default(10),
  /** The link inside a node; null = the GPU catalog's (NVLink/NVSwitch on SXM/OAM boards, PCIe on cards). Format 4. */
  intraNode: z.enum(INTRA_NODE_LINKS).nullable().default(null),
  /**
   * The network between nodes, used when distribution.nodes > 1; the default is what format 3 assumed (one 200 Gb/s
   * HDR link per node), a conservative choice for cloud nodes. Format 4.
   */
  interNode: z.enum(INTER_NODE_LINKS).default('infiniband_200'),
  /** Network adapters per node at that speed; null = one per GPU (rail-optimised DGX/HGX design). Format 4. */
  nicsPerNode: int(1, 64).nullable().default(1),
});
export type Hardware = z.infer<typeof HardwareSchema>;

export const PricingSchema = z.object({
  mode: z.enum(['platform', 'service']).default('platform'),
  /** Own GPUs / cloud: USD per GPU-hour; null = taken from the VM SKU, or unknown. */
  usdPerGpuHour: num(0, 100_000, ' USD').nullable().default(null),
  /** A SKU from the price catalog (`provider:sku`); its hourly price covers all its GPUs. */
  vmSku: z.string().max(200).nullable().default(null),
  /** Model as a service: unknown prices stay null and are flagged, never invented. */
  serviceUsdPer1kTokens: num(0, 100_000, ' USD').nullable().default(null),
  serviceHostingUsdPerHour: num(0, 100_000, ' USD').nullable().default(null),
  serviceHostingHours: num(0, 1_000_000, ' h').default(0),
});
export type Pricing = z.infer<typeof PricingSchema>;

export const GoalsSchema = z.object({
  /** Finish within this many hours (recommendations reject slower options); null = no deadline. */
  deadlineHours: num(0.01, 1_000_000, ' h').nullable().default(null),
  /** Largest GPU count the recommendation may suggest. */
  maxGpus: int(1, 1024).default(8),
});
export type Goals = z.infer<typeof GoalsSchema>;

/**
 * The training objective (issue 19): one per plan, beside the compared techniques. Every technique and distribution
 * combines with it. Names follow TRL 1.16 (trl/trainer/*_config.py, trl/experimental/*): 'dpo' and 'ipo' are
 * DPOTrainer loss types, 'simpo' is CPOTrainer's loss_type="simpo", 'orpo' ORPOTrainer, 'kto' KTOTrainer, 'reward'
 * RewardTrainer (a sequence-classification head trained on pairs), 'grpo' GRPOTrainer. Plan format 4.
 */
export const OBJECTIVE_KINDS = ['sft', 'dpo', 'ipo', 'orpo', 'simpo', 'kto', 'reward', 'grpo'] as const;
export type ObjectiveKind = (typeof OBJECTIVE_KINDS)[number];
/**
 * Where the reference log-probabilities of DPO/IPO/KTO (and GRPO with beta > 0) come from: a frozen second copy of
 * the model, the base model with the adapter disabled (PEFT techniques only; TRL does this when no ref_model is
 * passed with a peft_config), or computed once before training (DPOConfig.precompute_ref_log_probs).
 */
export const REFERENCE_SOURCES = ['copy', 'peft_base', 'precomputed'] as const;
/**
 * GRPO generation: vLLM in the training processes (GRPOConfig vllm_mode="colocate"), a vLLM server on separate GPUs
 * (vllm_mode="server"), or transformers' generate (use_vllm=False).
 */
export const GENERATION_ENGINES = ['vllm_colocate', 'vllm_server', 'transformers'] as const;

export const ObjectiveSchema = z.object({
  kind: z.enum(OBJECTIVE_KINDS).default('sft'),
  reference: z.enum(REFERENCE_SOURCES).default('copy'),
  /** KL / preference temperature; null = the trainer's own default (DPO 0.1, GRPO 0.0: no reference model). */
  beta: num(0, 1_000).nullable().default(null),
  /** Prompt tokens per example (preference pairs and GRPO prompts); the rest of training.seqLen is the completion. */
  promptTokens: int(1, 10_000_000, ' tokens').default(512),
  /** GRPO: completions sampled per prompt (GRPOConfig.num_generations, default 8; at least 2). */
  numGenerations: int(2, 4_096).default(8),
  /** GRPO: longest completion (GRPOConfig.max_completion_length, default 512). */
  completionTokens: int(1, 10_000_000, ' tokens').default(512),
  generation: z.enum(GENERATION_ENGINES).default('vllm_colocate'),
  /** vLLM colocate: the share of each GPU vLLM takes for its weights and KV cache (default 0.3). */
  vllmGpuMemoryUtilization: num(0.01, 0.99).default(0.3),
  /** vLLM colocate: vllm_enable_sleep_mode (weights and cache leave the GPU during the update). */
  vllmSleepMode: z.boolean().default(false),
  /** vLLM server mode: GPUs that run the generation server (beside the training GPUs). */
  vllmServerGpus: int(1, 1_024).default(1),
  /** vLLM tensor parallel size (vllm_tensor_parallel_size, default 1). */
  vllmTensorParallel: int(1, 64).default(1),
  /** The plan whose output is this plan's base model (SFT → DPO, the scenario guide); null = none. */
  basePlanId: z.string().max(200).nullable().default(null),
});
export type Objective = z.infer<typeof ObjectiveSchema>;

export const PlanSchema = z
  .object({
    schemaVersion: z.literal(PLAN_SCHEMA_VERSION).default(PLAN_SCHEMA_VERSION),
    name: z
      .string({ message: 'must be text' })
      .trim()
      .min(1, 'give the plan a name')
      .max(200, 'must be at most 200 characters'),
    notes: z.string().max(20_000, 'must be at most 20,000 characters').default(''),
    model: ModelRefSchema,
    techniques: z
      .array(TechniqueSchema)
      .min(1, 'pick at least one technique')
      .max(16, 'compare at most 16 techniques')
      .prefault([{ kind: 'lora' }]),
    training: TrainingSchema.prefault({}),
    data: DataSchema.prefault({}),
    distribution: DistributionSchema.prefault({}),
    hardware: HardwareSchema.prefault({}),
    pricing: PricingSchema.prefault({}),
    goals: GoalsSchema.prefault({}),
    /** Plan format 4. */
    objective: ObjectiveSchema.prefault({}),
  })
  .superRefine((plan, ctx) => {
    // trl/trainer/grpo_config.py GRPOConfig.__post_init__ (TRL 1.16): generation_batch_size defaults to
    // per_device_train_batch_size × num_processes × steps_per_generation (= gradient_accumulation_steps) and must be
    // divisible by num_generations, or the config refuses to build.
    // trl/trainer/kto_trainer.py KTOTrainer.__init__ (TRL 1.16): with its default loss (the KL term), "Actual (not
    // effective) batch size must be > 1": the KL completions are the other examples of the same micro-batch.
    if (plan.objective.kind === 'kto' && plan.training.microBatch < 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['training', 'microBatch'],
        message:
          "KTO needs a micro-batch of at least 2 (TRL's KL term pairs each example with the others in its batch)",
      });
    }
    if (plan.objective.kind !== 'grpo') return;
    const processes = plan.distribution.gpusPerNode * plan.distribution.nodes;
    const generationBatch = plan.training.microBatch * processes * plan.training.gradAccum;
    if (generationBatch % plan.objective.numGenerations !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['objective', 'numGenerations'],
        message:
          `the generation batch (micro batch ${plan.training.microBatch} × ${processes} GPUs × gradient accumulation ` +
          `${plan.training.gradAccum} = ${generationBatch}) must divide by the generations per prompt, as TRL's ` +
          'GRPOConfig requires: pick a divisor of it, or change the batch',
      });
    }
  });
export type Plan = z.infer<typeof PlanSchema>;
export type PlanInput = z.input<typeof PlanSchema>;

/** A human label for a plan's model, for lists. */
export function modelLabel(ref: ModelRef): string {
  return ref.source === 'catalog' ? ref.id : ref.spec.name;
}
