/**
 * Peak GPU memory per GPU, in bytes, broken into its parts (ESTIMATOR.md §3–6).
 *
 * The peak is the largest of the moments of a training step:
 *  - forward end: weights, optimizer states, every saved activation, the KV cache the model returns,
 *    and the logits being turned into a loss;
 *  - backward, at its largest moment (`BackwardMoment`): the loss's backward (the stored activations, the loss
 *    gradient over the vocabulary, the first gradients); the output head's backward (torchtune's chunked output);
 *    the first layer recomputed under checkpointing (after the logits are freed); the last layer's backward (every
 *    gradient made, one layer's tensors left);
 *  - optimizer step: weights, gradients, optimizer states and the step's temporaries.
 * Gradients live through the forward only when they persist (gradient accumulation, DDP buckets,
 * DeepSpeed's partitions); with one micro-batch per step they are freed by zero_grad(set_to_none).
 */
import type { Data, Distribution, Objective, Technique, Training } from '../domain/plan';
import { mlpActivation } from '../domain/model-spec';
import { GiB } from '../format';
import { isDeepSpeed, STRATEGY_TRAITS } from '../domain/strategies';
import {
  DTYPE_BYTES,
  forwardDtypes,
  lohaDeltaDtype,
  type FloatDtype,
  type ForwardDtypes,
  type Runner,
} from './forward-dtypes';
import { groupsByLength } from '../domain/export-capabilities';
import { headWidth, type Architecture, type LinearModule } from './architecture';
import { imageLoad, imageNotes, visionMemory, type ImageLoad } from './vision';
import { LORA_FAMILY, type TechniqueParams } from './techniques';
import { BNB_OPTIMIZERS, bnbOptimizerStateBytes, trainableTensors } from './bnb-states';
import {
  cachedSpareBytes,
  fragmentationBytes,
  persistentRounding,
  roundingBytes,
  type AllocatorEnd,
  type PersistentRounding,
  type ShapeRegime,
} from './allocator';
import {
  int4BaseBytes,
  int4SavedWeightsPerLayer,
  isInt4Base,
  kernelsFor,
  ligerChunkTokens,
  ligerFusedLinearCrossEntropy,
  loadHostBytesPerProcess,
  pagedStateShare,
  UNSLOTH_GPU_BUFFERS,
  UNSLOTH_INITIAL_PINNED_ELEMENTS,
  UNSLOTH_OFFLOAD_MIN_BYTES,
  unslothChunks,
} from './kernels';
import {
  fusedHeadFor,
  generationBatchPerGpu,
  kvBytesPerToken,
  noGradLayerBytesPerToken,
  disablesDropout,
  referenceMode,
  SFT_OBJECTIVE,
  type ReferenceMode,
} from './objective';
import {
  distributedParts,
  frameworkZero,
  ncclBufferBytes,
  ncclCommunicators,
  NCCL_CHANNELS,
  partsByPhase,
  shardGroupSize,
  zero3StepElements,
  type DistributedPart,
} from './distributed';
import {
  fsdp1ShardStagingPart,
  fsdpCpuOffload,
  fsdpVersion,
  offloadBytes,
  offloadProfile,
  type OffloadProfile,
} from './offload';

/** CUDA context, cuBLAS/cuDNN workspaces: counted by nvidia-smi, not by PyTorch (0.3–1.5 GiB, ESTIMATOR.md §6). */
export const CUDA_CONTEXT_BYTES = 0.5 * GiB;
/** DeepSpeed reduce_bucket_size and allgather_bucket_size default (elements). */
export const DS_BUCKET_ELEMENTS = 5e8;

export const PART_KEYS = [
  'frozenWeights',
  'trainableWeights',
  'gradients',
  'optimizerStates',
  'activations',
  'logits',
  'referenceModel',
  'generation',
  'optimizerTransients',
  'communication',
  'allocatorSlack',
  'cudaContext',
] as const;
export type PartKey = (typeof PART_KEYS)[number];
export type MemoryParts = Record<PartKey, number>;

export const PART_LABELS: Record<PartKey, string> = {
  frozenWeights: 'Frozen weights',
  trainableWeights: 'Trainable weights',
  gradients: 'Gradients',
  optimizerStates: 'Optimizer states (and master weights)',
  activations: 'Activations',
  logits: 'Logits and loss',
  referenceModel: 'Reference model',
  generation: 'Generation engine (vLLM weights + KV cache)',
  optimizerTransients: 'Optimizer-step temporaries',
  communication: 'Communication buffers',
  allocatorSlack: 'Allocator slack',
  cudaContext: 'CUDA context',
};

export type Phase = 'forward' | 'backward' | 'optimizer';
/** The moment of the peak: a phase of the training step, or GRPO's generation (issue 19). */
export type PeakPhase = Phase | 'generation';
/**
 * Which moment of the backward pass holds its peak: the loss's backward (logits and their gradients), the output
 * head's backward (torchtune's chunked output), the first layer recomputed under checkpointing, the first layer's
 * backward without it (`layer`: when the loss leaves less behind than that layer's backward working set), or the last
 * layer's backward (every gradient made).
 */
export type BackwardMoment = 'loss' | 'head' | 'recompute' | 'layer' | 'end';

/**
 * TRL 1.16's fused LM head tiles: tokens per tile (trl/kernels/chunked_logprob.py:31 TOKEN_CHUNK_SIZE) and vocabulary
 * entries per tile (trl/trainer/utils.py:1506 _CHUNKED_LOGPROB_CHUNK_SIZE).
 */
export const TRL_TOKEN_TILE = 4096;
export const TRL_VOCAB_CHUNK = 32_768;

/**
 * Whether the run scores its loss through TRL's fused LM head: the 'trl' stack, except PEFT's adaption prompt, which
 * the export trains with the model's own loss (transformers Trainer.compute_loss: the full logits).
 */
export function trlFusedHead(
  profile: Pick<MemoryProfile, 'training' | 'technique'> & { objective?: Objective; fullLogitsTrainer?: string },
): boolean {
  // Issue 19: the preference and RL trainers pick their head themselves (objective.ts fusedHeadFor), unless the
  // export's framework runs its own trainer over the full logits (MemoryProfile.fullLogitsTrainer).
  const byObjective = fusedHeadFor((profile.objective ?? SFT_OBJECTIVE).kind);
  if (byObjective !== null)
    return byObjective && !profile.fullLogitsTrainer && profile.technique.kind !== 'adaption_prompt';
  return profile.training.stack === 'trl' && !profile.fullLogitsTrainer && profile.technique.kind !== 'adaption_prompt';
}

/**
 * Whether torchtune's recipe keeps the compiled standard loss: only lora_finetune_single_device assigns
 * `training.compile_loss`'s result (memory.ts, standard cross-entropy). The recipe is picked as the torchtune export
 * picks it (shared/exporters/torchtune.ts torchtuneRecipe): full or LoRA, single device when one GPU under DDP.
 */
export function torchtuneKeepsCompiledLoss(
  profile: Pick<MemoryProfile, 'technique' | 'gpus' | 'distribution'>,
): boolean {
  const distributed = profile.gpus > 1 || STRATEGY_TRAITS[profile.distribution.strategy].family !== 'ddp';
  return profile.technique.kind !== 'full' && !distributed;
}

/** torchtune CEWithChunkedOutputLoss's default num_output_chunks (torchtune/modules/loss/ce_chunked_output_loss.py). */
export const TORCHTUNE_OUTPUT_CHUNKS = 8;

export interface Bytes {
  /** Bytes per element of each class of tensor. */
  activation: number;
  baseWeight: number;
  trainableWeight: number;
  gradient: number;
  /** Optimizer states per trainable parameter, master weights included. */
  optimizerPerParam: number;
  /** The size of one optimizer state element (the temporaries of a step are that big). */
  stateElement: number;
}

export interface MemoryProfile {
  arch: Architecture;
  params: TechniqueParams;
  technique: Technique;
  training: Training;
  distribution: Distribution;
  gpus: number;
  bytes: Bytes;
  /**
   * The dtypes the forward runs in (forward-dtypes.ts): autocast, the residual stream, the adapters. Optional:
   * profiles built by hand are read through forwardOf.
   */
  forward?: ForwardDtypes;
  /** Model-state bytes on each GPU, independent of batch and sequence. */
  frozenWeights: number;
  trainableWeights: number;
  gradients: number;
  optimizerStates: number;
  optimizerTransients: number;
  communication: number;
  /** The gradient of the output head, allocated first in the backward pass. */
  firstGradients: number;
  gradientsPersist: boolean;
  /** Host RAM and NVMe for offloaded states, per node. */
  hostBytes: number;
  nvmeBytes: number;
  /** The offloaded allocations behind hostBytes and nvmeBytes, and the host-link traffic of FSDP offload. */
  offload: OffloadProfile;
  /** Tokens added to every sequence (prompt tuning, p-tuning) and extra keys (prefix tuning). */
  extraTokens: number;
  extraKeys: number;
  quantizedLinearBytesPerParam: number | null;
  /**
   * Run-time weight buffer of a quantized base: one linear weight dequantized to the compute dtype, alive while its
   * matmul runs in the forward and again in the backward (issue 15 §4).
   */
  dequantBytes: number;
  /** The step runs inside backward, one parameter at a time: gradients never all exist together. */
  optimizerInBackward: boolean;
  /** Issue 15 §6: the fused kernels that actually run (kernels.ts kernelsFor: 'none' where the library has none). */
  kernels: Training['kernels'];
  /**
   * GPTQ/AWQ base: dequantized 16-bit weights one layer keeps for its backward (kernels.ts isInt4Base);
   * 0 otherwise.
   */
  int4SavedWeightsPerLayer: number;
  /**
   * LoHa: the delta weights one layer keeps for its backward (F.linear keeps ΔW for the input's gradient), per layer
   * on average; 0 for every other technique. Optional: 0 when absent.
   */
  adapterSavedWeightsPerLayer?: number;
  /**
   * bitsandbytes paged optimizer: optimizer-state bytes per GPU in CUDA managed memory (kernels.ts pagedStateShare):
   * counted in nvidia-smi, not in PyTorch's allocated/reserved/active, and evictable to host RAM under pressure.
   */
  pagedOptimizerBytes: number;
  /** Host RAM per node while the checkpoint loads (and, for bitsandbytes, is quantized): kernels.ts. */
  loadHostBytes: number;
  /**
   * The optimizer-state bytes on each GPU that the first optimizer step creates (paged ones included): every
   * optimizer the stacks run builds its moments lazily, so the first forward and backward run without them. Master
   * weights are built before training. Optional: profiles built before it count none.
   */
  lazyOptimizerStates?: number;
  /**
   * FSDP with more than one shard: the root unit's embedding gradient, made last in the backward and unsharded until
   * the root reduce-scatters at its end (distributed.ts fsdp.rootGradient has the head's). Optional: 0 when absent.
   */
  rootEndGradient?: number;
  notes: string[];
  /** The strategy's named buffers (distributed.ts); `communication` is the part alive in every phase. */
  distributedParts: DistributedPart[];
  /** Communication bytes alive only in some phases (ZeRO-1/2 buckets in backward, gathered parameters). */
  communicationExtra: Record<Phase, number>;
  /** GPUs a sharded state is split over (one node for hybrid sharding) and NCCL communicators per GPU. */
  shardGpus: number;
  ncclCommunicators: number;
  /** Issue 19: the plan's objective (SFT when the caller passes none). */
  objective: Objective;
  /**
   * A framework's preference trainer that computes the full logits in place of TRL's fused LM head (LLaMA-Factory's
   * CustomDPOTrainer / CustomKTOTrainer: estimate.ts EstimateOptions); absent for TRL.
   */
  fullLogitsTrainer?: string;
  /** The export's framework turns the model's cache off for training (EstimateOptions.trainingCacheOff). */
  trainingCacheOff?: string;
  /** How the reference policy is obtained at training time (objective.ts referenceMode). */
  reference: ReferenceMode;
  /** Reference-model weights per GPU: a frozen copy ('copy'), sharded with the parameters under ZeRO-3/FSDP. */
  referenceWeights: number;
  /** What referenceWeights is made of before sharding: parameters × bytes each (none without a copy). */
  referenceTerms: ReferenceTerm[];
  generation: GenerationProfile;
  /** Issue 16: a vision-language plan's images (vision.ts imageLoad); null or absent for text only. */
  images?: ImageLoad | null;
  /**
   * Issue 15 §3: whether the shapes that churn every step repeat (allocator.ts ShapeRegime: packing, a token budget or
   * full-length examples) or follow each batch's longest example; absent = decided from training.packing alone.
   */
  allocatorShapes?: ShapeRegime;
}

export interface ReferenceTerm {
  what: string;
  params: number;
  bytes: number;
}

/** GRPO's generation engine on a training GPU (issue 19); engine 'none' for every other objective. */
export interface GenerationProfile {
  engine: 'none' | Objective['generation'];
  /** vLLM colocate: gpu_memory_utilization × the GPU's memory, taken when the engine starts. */
  vllmShareBytes: number;
  /** The model's weights as vLLM holds them on one GPU (÷ tensor parallel): inside its share. */
  vllmWeightsBytes: number;
  /** vLLM colocate with vllm_enable_sleep_mode: the share is released during the update. */
  sleepMode: boolean;
  kvBytesPerToken: number;
  /**
   * transformers generate under ZeRO-3: the rest of the weights gathered for generation
   * (ds3_gather_for_generation).
   */
  gatheredWeightsBytes: number;
  /** Weight sync into vLLM: one gathered weight tensor at a time (the largest). */
  weightSyncBytes: number;
}

export interface MemoryBreakdown {
  parts: MemoryParts;
  phase: PeakPhase;
  /** GRPO: the generation moment's bytes (0 for objectives without generation). */
  generationBytes: number;
  allocatedBytes: number;
  reservedBytes: number;
  nvidiaSmiBytes: number;
  phases: Record<Phase, number>;
  /** The moment of the backward pass its figure is taken at (the peak when `phase` is backward). */
  backwardMoment: BackwardMoment;
  /** Saved activations per token per layer, by tensor, for the explanation. */
  perTokenLayer: Array<{ tensor: string; bytes: number }>;
  /** The layer's backward working set per token (layerBackwardBytesPerToken) and the stage that sets it. */
  layerBackward: { bytesPerToken: number; stage: 'mlp' | 'norm' };
  kvCacheBytes: number;
  /** Saved activations held in pinned host RAM by activation offloading (0 without it). */
  offloadedActivationBytes: number;
  /**
   * bitsandbytes paged optimizer states in CUDA managed memory: in nvidiaSmiBytes and in parts.optimizerStates, not in
   * allocatedBytes or reservedBytes; the driver can evict them to host RAM (fit treats them as "may not fit").
   */
  pagedBytes: number;
  /** The sequence length the peak was sized at (the longest batch). */
  seqLen: number;
  /** Issue 15 §3: what makes reserved − allocated (allocator.ts), at the moment that sets the reserved peak. */
  allocator: AllocatorBreakdown;
  /**
   * The first training step's allocated peak: its forward and backward run before the optimizer has created its
   * moments (MemoryProfile.lazyOptimizerStates), its optimizer step with them. With the step in the backward
   * (torchtune optimizer_in_bwd) the moments appear during that backward; its end is the optimizer moment, which
   * holds them. Every later step peaks at allocatedBytes.
   */
  firstStepAllocatedBytes: number;
}

/** reserved − allocated by cause (allocator.ts), at the moment that sets the reserved peak. */
export interface AllocatorBreakdown {
  /** The moment whose reserved bytes are the largest (the allocated peak's, or an earlier one that reserved more). */
  phase: PeakPhase;
  /** Segment and block rounding of the live tensors (persistent states, gradients, activations, logits). */
  roundingBytes: number;
  /** Cached freed blocks the requests at that moment cannot reuse. */
  fragmentationBytes: number;
  /** Bytes at that moment whose size follows the batch's shape (activations, logits): what fragments. */
  churnBytes: number;
  /**
   * Shuffled, unpacked batches: what reserved may keep beyond this with memory to spare (allocator.ts
   * cachedSpareBytes); released before an out-of-memory error, so outside the fit. 0 otherwise.
   */
  cachedSpareBytes: number;
  shapes: ShapeRegime;
  expandable: boolean;
}

/**
 * DeepSpeed's bf16/fp16 modes always keep fp32 master weights and fp32 optimizer states
 * (BF16_Optimizer / FP16_Optimizer), so under a ZeRO stage a "pure" 16-bit plan trains as mixed precision.
 */
export function effectivePrecision(training: Training, distribution: Distribution): Training['precision'] {
  return isDeepSpeed(distribution.strategy) &&
    (training.precision === 'pure_bf16' || training.precision === 'pure_fp16')
    ? 'mixed'
    : training.precision;
}

/** Bytes per element for each class of tensor, from the precision regime (ESTIMATOR.md §3 table). */
export function bytesFor(
  technique: Technique,
  training: Training,
  distribution: Distribution,
  forward: ForwardDtypes = forwardDtypes(technique, training, distribution),
): Bytes {
  const p = effectivePrecision(training, distribution);
  const compute = p === 'fp32' ? 4 : 2;
  // Full fine-tuning and LayerNorm tuning train base-dtype weights; PEFT adapters are stored as their runner keeps
  // them (forward-dtypes.ts: fp32 by PEFT's autocast_adapter_dtype, the recipe's dtype in torchtune, bf16 where a TRL
  // trainer casts a bitsandbytes model's); prompt-family parameters in fp32.
  const adapter16 = forward.adapterStored !== null && forward.adapterStored !== 'fp32';
  const trainableWeight =
    technique.kind === 'full' || technique.kind === 'ln_tuning' || training.stack === 'torchtune'
      ? compute
      : adapter16
        ? 2
        : 4;
  const master = technique.kind === 'full' && p === 'mixed' ? 4 : 0; // fp32 master copy (ZeRO K=12 includes it)
  // Optimizer states follow the parameter dtype unless mixed precision keeps them in fp32; torch's AdamW builds
  // bf16 adapters' states in bf16 (torch/optim/adam.py `_init_group`: zeros_like(p)).
  const stateElement = (p === 'mixed' && !adapter16) || trainableWeight === 4 ? 4 : trainableWeight;
  const perState: Record<Training['optimizer'], number> = {
    adamw: 2 * stateElement,
    // bitsandbytes keeps 32-bit states in fp32 whatever the parameter dtype; 8-bit ones at 1 B per state plus an
    // fp32 absmax per 256 (bnb-states.ts has the per-tensor rule memoryProfile uses; these are per-parameter rates).
    paged_adamw: 8,
    adamw_torch_fused: 2 * stateElement, // the same exp_avg and exp_avg_sq as `adamw`
    adamw_8bit: 2, // both moments in 8 bits (bitsandbytes)
    paged_adamw_8bit: 2,
    adafactor: 0, // factored: computed per matrix in optimizerBytes()
    sgd_momentum: stateElement,
    lion: 4,
  };
  return {
    activation: compute,
    baseWeight: compute,
    trainableWeight,
    gradient: trainableWeight,
    optimizerPerParam: perState[training.optimizer] + master,
    stateElement,
  };
}

/** Adafactor's factored second moment: rows + columns per matrix, full size for vectors (fp32). */
function adafactorStateElements(arch: Architecture, params: TechniqueParams, rank: number): number {
  const L = arch.spec.numLayers;
  if (params.kind === 'full') {
    const perLayer =
      arch.modules.reduce((s, m) => s + (m.in + m.out + (m.bias ? m.out : 0)) * m.count, 0) + arch.normParamsPerLayer;
    return (
      L * perLayer +
      arch.spec.vocabSize +
      arch.spec.hiddenSize +
      (arch.lmHeadParams ? headWidth(arch) + arch.spec.hiddenSize : 0) +
      arch.finalNormParams
    );
  }
  if (params.adapted.length > 0) {
    // Each LoRA factor is a matrix: rows + columns of A (r × in) and of B (out × r).
    return L * params.adapted.reduce((s, a) => s + (a.module.in + a.module.out + 2 * rank) * a.module.count, 0);
  }
  return params.trainableParams; // vectors and small matrices: full size
}

function sharding(d: Distribution) {
  return { ...STRATEGY_TRAITS[d.strategy].shards, deepspeed: isDeepSpeed(d.strategy) };
}

export function memoryProfile(
  arch: Architecture,
  params: TechniqueParams,
  technique: Technique,
  training: Training,
  distribution: Distribution,
  objective: Objective = SFT_OBJECTIVE,
  gpuMemoryBytes = 0,
  data?: Partial<
    Pick<
      Data,
      | 'imagesPerExample'
      | 'imageWidth'
      | 'imageHeight'
      | 'mode'
      | 'meanTokensPerExample'
      | 'maxTokensPerExample'
      | 'stats'
    >
  >,
  runner: Runner = 'trl',
): MemoryProfile {
  const N = distribution.gpusPerNode * distribution.nodes;
  // Sharded states are split over the shard group: every GPU, or one node's GPUs for hybrid sharding.
  const S = shardGroupSize(distribution);
  const forward = forwardDtypes(technique, training, distribution, runner, objective.kind);
  const b = bytesFor(technique, training, distribution, forward);
  const shard = sharding(distribution);
  const notes: string[] = [];
  if (technique.kind === 'full' && effectivePrecision(training, distribution) !== training.precision) {
    notes.push(
      'DeepSpeed keeps fp32 master weights and optimizer states in bf16/fp16 mode: this plan trains as mixed ' +
        'precision (16 B per parameter).',
    );
  }
  const T = params.trainableParams;

  // Frozen base weights; QLoRA stores the decoder's linear layers in 4 or 8 bits (embeddings, head and norms stay
  // 16-bit).
  let quantizedLinearBytesPerParam: number | null = null;
  let frozenBytes = params.frozenBaseParams * b.baseWeight;
  if (technique.kind === 'qlora') {
    const linearParams = arch.spec.numLayers * arch.modules.reduce((s, m) => s + m.in * m.out * m.count, 0);
    if (isInt4Base(technique)) {
      // GPTQ/AWQ int4 checkpoints: the exact packed layout, module by module (kernels.ts int4PackedBytes).
      quantizedLinearBytesPerParam = int4BaseBytes(arch, technique) / linearParams;
    } else if (technique.quantType === 'int8') {
      quantizedLinearBytesPerParam = 1 + 4 / 4096; // LLM.int8(): 1 byte + an fp32 scale per row (≈ per 4096 weights)
    } else {
      // NF4/FP4: 4 bits + fp32 absmax per 64 weights (0.5 bit), or 8-bit absmax + fp32 per 256 blocks with double
      // quantization (0.127 bit).
      const constantBits = technique.doubleQuant ? 8 / 64 + 32 / (64 * 256) : 32 / 64;
      quantizedLinearBytesPerParam = (4 + constantBits) / 8;
    }
    frozenBytes = (params.frozenBaseParams - linearParams) * b.baseWeight + linearParams * quantizedLinearBytesPerParam;
    notes.push(
      `QLoRA: decoder linear layers at ${(quantizedLinearBytesPerParam * 8).toFixed(3)} bits per weight; embeddings, ` +
        `head and norms stay 16-bit.`,
    );
    if (isInt4Base(technique))
      notes.push(
        `${technique.quantType.toUpperCase()} base (group size ${technique.quantGroupSize}): gptqmodel's trainable ` +
          'kernels dequantize each weight for its matmul, and autograd keeps that 16-bit copy until the layer’s ' +
          'backward (gradient checkpointing limits it to the layer being recomputed).',
      );
  }
  if (technique.kind === 'lora_fa') {
    // LoRA-FA's frozen A matrices are stored in fp32 but take no gradient or optimizer state.
    frozenBytes += (params.addedParams - params.trainableParams) * 4;
  }
  if (technique.kind === 'vera' && params.adapted.length > 0) {
    // (No adapted module — PEFT refuses such a plan, and the estimate says so — means no shared projections.)
    // Shared frozen projections A (r × max in) and B (max out × r), fp32, stored once.
    const maxIn = Math.max(...params.adapted.map((a) => a.module.in));
    const maxOut = Math.max(...params.adapted.map((a) => a.module.out));
    frozenBytes += technique.rank * (maxIn + maxOut) * 4;
  }

  const paramShards = shard.parameters ? S : 1;
  // What leaves the GPU (offload.ts): DeepSpeed offloads the optimizer (states, master and gradient partitions) and
  // ZeRO-3 parameters separately; FSDP's one CPU offload switch moves parameters, gradients and the optimizer step.
  const fsdp = STRATEGY_TRAITS[distribution.strategy].family === 'fsdp';
  const offloadParams = fsdp ? fsdpCpuOffload(distribution) : distribution.offloadParams !== 'none';
  const offloadOptimizer = fsdp ? fsdpCpuOffload(distribution) : distribution.offloadOptimizer !== 'none';
  const frozenWeights = offloadParams ? 0 : frozenBytes / paramShards;
  const trainableWeights = offloadParams ? 0 : (T * b.trainableWeight) / paramShards;

  const mixed = technique.kind === 'full' && effectivePrecision(training, distribution) === 'mixed';
  // bitsandbytes optimizers: per-tensor state bytes (bnb-states.ts: 8-bit blocks, fp32 below 4096 elements, the
  // Trainer's 32-bit embedding override).
  const bnbStates = BNB_OPTIMIZERS[training.optimizer];
  const optimizerTotal =
    training.optimizer === 'adafactor'
      ? adafactorStateElements(arch, params, technique.rank) * 4 + (mixed ? 4 * T : 0)
      : bnbStates
        ? bnbOptimizerStateBytes(
            trainableTensors(arch, params, technique),
            bnbStates.states,
            bnbStates.bits,
            training.stack,
          ) + (mixed ? 4 * T : 0)
        : T * b.optimizerPerParam;
  const optimizerStates = offloadOptimizer ? 0 : optimizerTotal / (shard.optimizer ? S : 1);
  const gradientsFull = T * b.gradient;
  let gradients = offloadOptimizer ? 0 : gradientsFull / (shard.gradients ? S : 1);
  // FSDP1 with use_orig_params=True (the accelerate export's fsdp_use_orig_params) lets one FlatParameter mix frozen
  // and trainable parameters; autograd then produces the gradient of the whole FlatParameter, frozen parts included
  // (torch/distributed/fsdp/fully_sharded_data_parallel.py FullyShardedDataParallel docstring: mixing "higher than
  // expected gradient memory usage"; _flat_param.py _validate_tensors_to_flatten permits non-uniform requires_grad).
  // TRANSFORMER_BASED_WRAP leaves embeddings, final norm and head in the root unit, so frozen embeddings beside the
  // trainable final norm still get a (sharded) gradient. PEFT adapters are wrapped as their own units (transformers
  // distributed/fsdp.py update_fsdp_plugin_peft → peft fsdp_auto_wrap_policy), so LoRA mixes nothing.
  // Stored bytes of a trainable parameter as FSDP keeps its shard: fp32 for a mixed-precision full fine-tune (the
  // export loads fp32 weights: exporters/training.ts loadDtype).
  const trainableStoredBytes = mixed ? 4 : b.trainableWeight;
  const frozenInMixedUnits =
    fsdp && fsdpVersion(training) === 1 && technique.kind === 'full' && technique.freezeEmbeddings
      ? arch.embeddingParams + arch.positionParams + arch.lmHeadParams
      : 0;
  if (frozenInMixedUnits > 0 && !offloadOptimizer) {
    gradients += (frozenInMixedUnits * trainableStoredBytes) / (shard.gradients ? S : 1);
    notes.push(
      'FSDP1 use_orig_params: the frozen embeddings share the root FlatParameter with the trainable final norm, so ' +
        'their gradient is materialized too (counted under gradients).',
    );
  }

  // One step's temporaries: PyTorch's foreach AdamW builds a sqrt(v) list as big as a state; mixed precision
  // also casts the gradient partition to fp32 for the update. 8-bit optimizers update in place.
  let transientElements = 0;
  if (!offloadOptimizer) {
    // ZeRO-3 steps one sub_group_size group at a time: its temporaries are bounded by the group (distributed.ts).
    const partition = T / (shard.optimizer ? S : 1);
    const local = shard.deepspeed && shard.parameters ? zero3StepElements(partition) : partition;
    const eightBit = training.optimizer === 'adamw_8bit' || training.optimizer === 'paged_adamw_8bit';
    // torch's fused AdamW updates params, exp_avg and exp_avg_sq in place in one kernel (torch/optim/adam.py
    // `_fused_adam` calls torch._fused_adamw_ on the grouped lists; torch 2.13): no sqrt(v) list is built.
    const fused = training.optimizer === 'adamw_torch_fused';
    transientElements = eightBit || fused ? 0 : local;
    if (training.optimizer === 'adafactor')
      transientElements = Math.min(local, largestTrainableTensor(arch, params, technique.rank));
  }
  let optimizerTransients = transientElements * b.stateElement;
  if (!offloadOptimizer && mixed)
    optimizerTransients +=
      (shard.deepspeed && shard.parameters ? zero3StepElements(T / S) : T / (shard.optimizer ? S : 1)) * 4;

  // Offloaded states in host RAM and on NVMe, and the staging buffers offload adds on the GPU (offload.ts).
  const offload = offloadProfile({
    training,
    distribution,
    totalParams: params.totalParams,
    trainableParams: T,
    frozenBytes,
    trainableStoredBytes,
    stateBytes: optimizerTotal - (mixed ? 4 * T : 0),
    largestTrainableTensor: largestTrainableTensor(arch, params, technique.rank),
    frozenInMixedUnits,
  });
  notes.push(...offload.notes);

  // FSDP's root unit (embeddings, final norm, head) reduce-scatters after every layer (distributed.ts
  // fsdp.rootGradient): with more than one shard, the head's gradient (the tied embedding's when tied) and the final
  // norm's exist unsharded from the head's backward on, and the embedding's, made last, at the backward's end. A full
  // fine-tune trains the root; with frozen embeddings FSDP1's mixed FlatParameter still makes their gradient
  // (frozenInMixedUnits), FSDP2 only the final norm's.
  const fsdpRoot = fsdp && shard.gradients && S > 1 && technique.kind === 'full';
  const wholeRoot = !technique.freezeEmbeddings || frozenInMixedUnits > 0;
  const rootHeadParams = fsdpRoot ? (wholeRoot ? headWidth(arch) * arch.spec.hiddenSize : 0) + arch.finalNormParams : 0;
  const rootEndGradient = fsdpRoot && wholeRoot ? (arch.embeddingParams + arch.positionParams) * b.gradient : 0;

  // Communication buffers: the strategy's named parts (distributed.ts), each in the phases it is allocated in.
  const replicated = STRATEGY_TRAITS[distribution.strategy].family === 'ddp';
  const distParts = distributedParts({
    arch,
    training,
    distribution,
    trainableParams: T,
    fullFineTune: params.kind === 'full',
    weightBytes: b.baseWeight,
    gradientBytes: b.gradient,
    largestTrainableTensor: largestTrainableTensor(arch, params, technique.rank),
    fullGradientBytes: gradientsFull,
    // A full fine-tune trains the root (embeddings, final norm, head); with frozen embeddings FSDP1's mixed
    // FlatParameter still makes their gradient (frozenInMixedUnits), FSDP2 only the final norm's.
    rootGradientParams: rootHeadParams,
    // The frameworks' own DeepSpeed configs leave the buckets to transformers' "auto" and overlap_comm off.
    ...(runner === 'trl' ? {} : { zero: frameworkZero(arch.spec.hiddenSize) }),
  });
  for (const p of offload.parts)
    if (p.where === 'gpu') distParts.push({ ...p, phases: { forward: true, backward: true, optimizer: true } });
  const staging = fsdp1ShardStagingPart(arch, training, distribution, mixed, trainableStoredBytes);
  if (staging) distParts.push(staging);
  const byPhase = partsByPhase(distParts);
  const communication = Math.min(byPhase.forward, byPhase.backward, byPhase.optimizer);
  const communicationExtra: Record<Phase, number> = {
    forward: byPhase.forward - communication,
    backward: byPhase.backward - communication,
    optimizer: byPhase.optimizer - communication,
  };
  if (replicated && N > 1)
    notes.push('DDP: gradient buckets copy every gradient (PyTorch default gradient_as_bucket_view=False).');

  let gradientsPersist = training.gradAccum > 1 || shard.deepspeed || (replicated && N > 1);
  const optimizerInBackward = training.optimizerInBackward && !offloadOptimizer;
  if (optimizerInBackward) {
    // torchtune optimizer_in_bwd: one optimizer per parameter, stepped from a post-accumulate-grad hook that then
    // sets the gradient to None (torchtune/training/memory.py `register_optim_in_bwd_hooks`, `optim_step`;
    // recipes/full_finetune_single_device.py `_setup_optimizer`). Only one parameter's gradient and the
    // temporaries of its own step exist at a time; the largest such tensor is what counts.
    const largest = largestTrainableTensor(arch, params, technique.rank);
    gradients = Math.min(gradients, largest * b.gradient);
    optimizerTransients = Math.min(optimizerTransients, transientElements > 0 ? largest * b.stateElement : 0);
    gradientsPersist = false;
    notes.push(
      'Optimizer step in backward: each gradient is freed after its own step, so the gradients ' +
        'never all exist at once.',
    );
  }

  // A quantized base dequantizes each linear weight to the compute dtype for its matmul, in the forward and again
  // in the backward: bitsandbytes MatMul4Bit.forward `F.dequantize_4bit(B, quant_state).to(A.dtype)`
  // (bitsandbytes/autograd/_functions.py) and torchao's NF4 `linear_nf4` (`weight.to(input.dtype)`). One weight at
  // a time: the largest linear layer's.
  const dequantBytes =
    technique.kind === 'qlora' ? Math.max(...arch.modules.map((mod) => mod.in * mod.out)) * b.activation : 0;
  const headTrainable = technique.kind === 'full' && !technique.freezeEmbeddings;
  // Under FSDP's root unit the head's gradient is the unsharded fsdp.rootGradient part instead.
  const firstGradients =
    headTrainable && rootHeadParams === 0
      ? (headWidth(arch) * arch.spec.hiddenSize * b.gradient) / (shard.gradients ? S : 1)
      : 0;

  // Host RAM (per node) and NVMe for offloaded states: the allocations offload.ts lists, each from its library.
  let hostBytes = offloadBytes(offload, 'host');
  const nvmeBytes = offloadBytes(offload, 'nvme');

  const extraTokens = technique.kind === 'prompt_tuning' || technique.kind === 'p_tuning' ? technique.virtualTokens : 0;
  const extraKeys = technique.kind === 'prefix_tuning' ? technique.virtualTokens : 0;

  // Issue 15 §4 and §6 (kernels.ts has the sources): the kernels that run, a GPTQ/AWQ base's saved dequantized
  // weights, paged optimizer states and the host RAM of loading.
  const kernels = kernelsFor(arch, training, objective.kind, runner);
  if (kernels === 'liger' && (training.kernels ?? 'none') === 'none')
    notes.push(
      'The chunked loss turns Liger on (use_liger_kernel), and Liger applies its RMSNorm, SwiGLU and RoPE kernels ' +
        'too: estimated with them.',
    );
  else if ((training.kernels ?? 'none') !== kernels)
    notes.push(
      training.stack === 'torchtune'
        ? 'torchtune builds its own modules and never applies Liger or Unsloth kernels: estimated without them.'
        : `${training.kernels === 'liger' ? 'Liger' : 'Unsloth'} has no kernels for model type ` +
            `${arch.spec.vision?.modelType ?? arch.spec.modelType}: estimated with the stock modules.`,
    );
  // unsloth_zoo initialize_unsloth_gradient_checkpointing: 200 pinned host buffers of 128 Ki 16-bit elements.
  if (kernels === 'unsloth' && training.gradientCheckpointing)
    hostBytes += distribution.gpusPerNode * UNSLOTH_INITIAL_PINNED_ELEMENTS * b.activation;
  const int4Saved = isInt4Base(technique) ? int4SavedWeightsPerLayer(arch, b.activation) : 0;
  // LoHa's delta weight: F.linear(x, ΔW) keeps ΔW (out × in, in the dtype it is built in: forward-dtypes.ts
  // lohaDeltaDtype) for the input's gradient, one per adapted module per layer (peft tuners/loha/layer.py
  // _get_delta_activations).
  const lohaDelta = DTYPE_BYTES[lohaDeltaDtype(forward)];
  const adapterSavedWeights =
    technique.kind === 'loha'
      ? params.adapted.reduce(
          (sum, { module: mod, layers }) =>
            sum + mod.in * mod.out * mod.activeCount * lohaDelta * Math.min(1, layers / arch.spec.numLayers),
          0,
        )
      : 0;
  const paged = training.optimizer === 'paged_adamw' || training.optimizer === 'paged_adamw_8bit';
  // Mixed precision's fp32 master copy is an ordinary tensor, not a bitsandbytes state: never paged, and there before
  // training (the moments are made by the first step: lazyOptimizerStates below).
  const masterOnGpu = offloadOptimizer || !mixed ? 0 : (4 * T) / (shard.optimizer ? S : 1);
  const pagedOptimizerBytes =
    paged && !offloadOptimizer ? (optimizerStates - masterOnGpu) * pagedStateShare(arch, params, technique) : 0;
  if (pagedOptimizerBytes > 0)
    notes.push(
      'Paged optimizer: states of tensors with at least 1e5 elements live in CUDA managed memory (bitsandbytes ' +
        'get_paged → cudaMallocManaged): nvidia-smi counts them, PyTorch’s allocated and reserved do not, and the ' +
        'driver pages them to host RAM when the GPU runs out, at the cost of PCIe copies every step.',
    );
  const loadHostBytes = distribution.gpusPerNode * loadHostBytesPerProcess(arch, technique);
  // The first step's state: torch.optim creates exp_avg and exp_avg_sq in the first step() (torch/optim/adam.py
  // `_init_group`, "Lazy state initialization": `if len(state) == 0`), as do bitsandbytes (Optimizer8bit.step →
  // init_state), torchao's low-bit AdamW and transformers' Adafactor. DeepSpeed builds its fp32 master partitions at
  // initialization but leaves the moments to the first step (runtime/zero/stage_1_and_2.py and stage3.py
  // `initialize_optimizer_states`: "other optimizers ... do lazy initialization of the state at the first call to
  // step"). Mixed precision's master copy (4 bytes a parameter) therefore exists from the start.
  const lazyOptimizerStates = Math.max(0, optimizerStates - masterOnGpu);
  const images = imageLoad(arch, technique, data);
  notes.push(...imageNotes(arch, images, data?.imagesPerExample ?? 0, training.seqLen));

  return {
    arch,
    params,
    technique,
    training,
    distribution,
    gpus: N,
    bytes: b,
    frozenWeights,
    trainableWeights,
    gradients,
    optimizerStates,
    optimizerTransients,
    communication,
    firstGradients,
    gradientsPersist,
    hostBytes,
    nvmeBytes,
    offload,
    extraTokens,
    extraKeys,
    quantizedLinearBytesPerParam,
    dequantBytes,
    optimizerInBackward,
    kernels,
    int4SavedWeightsPerLayer: int4Saved,
    adapterSavedWeightsPerLayer: adapterSavedWeights,
    forward,
    pagedOptimizerBytes,
    loadHostBytes,
    lazyOptimizerStates,
    rootEndGradient,
    notes,
    distributedParts: distParts,
    communicationExtra,
    shardGpus: S,
    ncclCommunicators: ncclCommunicators(distribution),
    ...objectiveStates(
      arch,
      technique,
      distribution,
      objective,
      b,
      frozenBytes,
      paramShards,
      gpuMemoryBytes,
      notes,
      training,
      quantizedLinearBytesPerParam,
    ),
    images,
    allocatorShapes: shapeRegime(training, objective, data),
  };
}

/**
 * Issue 15 §3 (allocator.ts ShapeRegime): whether the tensors that churn every step have the same shapes from step to
 * step. Packed batches (TRL packing, torchtune's PackedDataset) and a token budget (packed sequences) are always
 * seqLen long; unpacked batches are padded to their longest example (transformers DataCollatorWithPadding, TRL's
 * DataCollatorForLanguageModeling), so their shapes vary unless every example reaches the sequence length (the
 * shortest one in the statistics, or the plan's mean, at or above it). GRPO pads completions to the longest of the
 * batch. Without data the plan's default (unpacked, lengths that vary) holds. Unpacked batches drawn by transformers'
 * LengthGroupedSampler (training.samplingStrategy 'group_by_length', SFT only) come longest first: 'longest_first'.
 */
export function shapeRegime(
  training: Pick<Training, 'packing' | 'seqLen'> & Partial<Pick<Training, 'samplingStrategy'>>,
  objective: Pick<Objective, 'kind'>,
  data?: Partial<Pick<Data, 'mode' | 'meanTokensPerExample' | 'maxTokensPerExample' | 'stats'>>,
): ShapeRegime {
  if (objective.kind === 'grpo') return 'variable';
  if (training.packing || data?.mode === 'tokens') return 'fixed';
  const shortest = data?.stats ? data.stats.lengths.quantiles[0] : data?.meanTokensPerExample;
  if (shortest !== undefined && shortest >= training.seqLen) return 'fixed';
  if (data?.stats && data.stats.lengths.quantiles[0] === data.stats.lengths.max) return 'fixed';
  // Only the objectives whose trainers take the sampler (domain/export-capabilities.ts groupsByLength).
  return groupsByLength({ training, objective }) ? 'longest_first' : 'variable';
}

/**
 * The persistent inventory's rounding (allocator.ts persistentRounding), once per profile: weights one tensor per
 * parameter tensor, adapters, optimizer states per trainable tensor (AdamW: exp_avg and exp_avg_sq, and the fp32
 * master copy of mixed precision), the reference copy. Sharded states keep the tensor count with each shard's bytes
 * (FSDP2 and ZeRO-3 shard per parameter; flat buffers round less, so this is the upper side). Paged optimizer states
 * are cudaMallocManaged (kernels.ts pagedStateShare), outside the caching allocator.
 */
const persistentCache = new WeakMap<MemoryProfile, PersistentRounding>();
function persistentRoundingOf(profile: MemoryProfile): PersistentRounding {
  const hit = persistentCache.get(profile);
  if (hit) return hit;
  const { arch, params, technique, training, distribution } = profile;
  const full = technique.kind === 'full';
  const mixed = full && effectivePrecision(training, distribution) === 'mixed';
  const twoStates = !['sgd_momentum', 'lion'].includes(training.optimizer);
  const trainable = trainableTensors(arch, params, technique);
  const expandable = training.expandableSegments ?? false;
  const r = persistentRounding({
    arch,
    weightBytes: profile.frozenWeights + (full ? profile.trainableWeights : 0),
    trainable,
    adapterBytes: full ? 0 : profile.trainableWeights,
    optimizerStateBytes: Math.max(0, profile.optimizerStates - (profile.pagedOptimizerBytes ?? 0)),
    stateCopies: (twoStates ? 2 : 1) + (mixed ? 1 : 0),
    gradientBytes: profile.gradients,
    referenceBytes: profile.referenceWeights,
    expandable,
  });
  persistentCache.set(profile, r);
  return r;
}

/**
 * Rounding per byte of the layers' saved tensors at `tokens` (each labelled row of savedBytesPerTokenPerLayer taken as
 * one tensor of tokens × its bytes per token, one per layer: small and 1–10 MiB ones share segments across the layers),
 * and of the checkpointed layer inputs (tokens × hidden × activation bytes, one per layer). The per-token rows are
 * computed once per profile. A row that sums several tensors is rounded as one, the upper side.
 */
const rowsCache = new WeakMap<MemoryProfile, number[]>();
function activationRounding(profile: MemoryProfile, tokens: number, expandable: boolean) {
  let rows = rowsCache.get(profile);
  if (!rows) {
    const labelled: Array<{ tensor: string; bytes: number }> = [];
    savedBytesPerTokenPerLayer(profile, profile.training.microBatch, 1, labelled);
    rows = labelled.map((r) => r.bytes);
    rowsCache.set(profile, rows);
  }
  const L = Math.max(1, profile.arch.spec.numLayers);
  let layerBytes = 0;
  let layerRounding = 0;
  for (const perToken of rows) {
    layerBytes += tokens * perToken * L;
    layerRounding += roundingBytes(tokens * perToken, L, expandable);
  }
  const input = tokens * profile.arch.spec.hiddenSize * profile.bytes.activation;
  return {
    perLayerByte: layerBytes > 0 ? layerRounding / layerBytes : 0,
    perCheckpointByte: input > 0 ? roundingBytes(input, L, expandable) / (input * L) : 0,
  };
}

/**
 * Issue 19: the reference model's weights and the generation engine's standing bytes (objective.ts has the rules).
 * The reference copy is built like the policy (DPOTrainer.__init__ / GRPOTrainer.__init__: `create_model_from_path`
 * with the policy's dtype and quantization_config), so it weighs what the frozen base weighs; under ZeRO-3 TRL's
 * `prepare_deepspeed` keeps stage 3 for it (sharded; other stages become stage 0, whole on every GPU:
 * trl/models/utils.py prepare_deepspeed) and FSDP's `prepare_fsdp` shards it like the policy.
 */
function objectiveStates(
  arch: Architecture,
  technique: Technique,
  distribution: Distribution,
  objective: Objective,
  b: Bytes,
  frozenBytes: number,
  paramShards: number,
  gpuMemoryBytes: number,
  notes: string[],
  training: Training,
  quantizedLinearBytesPerParam: number | null,
): Pick<MemoryProfile, 'objective' | 'reference' | 'referenceWeights' | 'referenceTerms' | 'generation'> {
  const reference = referenceMode(objective, technique);
  // The base as stored: QLoRA's quantized base (frozenBytes), else every parameter in the compute dtype.
  const baseBytes = technique.kind === 'qlora' ? frozenBytes : arch.totalParams * b.baseWeight;
  // The reference copy is loaded in the policy's dtype (trl/trainer/dpo_trainer.py:924 and grpo_trainer.py:1001
  // `model_init_kwargs.setdefault("dtype", self.model.dtype)`; kto_trainer.py:935 likewise): fp32 for a full fine-tune
  // under mixed precision without DeepSpeed (the export's load dtype, exporters/training.ts loadDtype), QLoRA's
  // quantized linear layers at their quantized bytes (the same quantization_config) and the rest at the load dtype.
  const loadBytes = policyLoadBytes(training, distribution, technique);
  const referenceTerms: ReferenceTerm[] = [];
  if (reference === 'copy') {
    if (technique.kind === 'qlora' && quantizedLinearBytesPerParam !== null) {
      const linear = arch.spec.numLayers * arch.modules.reduce((s, m) => s + m.in * m.out * m.count, 0);
      referenceTerms.push(
        { what: 'quantized linear weights', params: linear, bytes: quantizedLinearBytesPerParam },
        { what: 'embeddings, head and norms', params: arch.totalParams - linear, bytes: loadBytes },
      );
    } else referenceTerms.push({ what: 'weights', params: arch.totalParams, bytes: loadBytes });
  }
  const referenceWeights = referenceTerms.reduce((s, t) => s + t.params * t.bytes, 0) / paramShards;
  const grpo = objective.kind === 'grpo';
  const engine = grpo ? objective.generation : 'none';
  const tp = objective.vllmTensorParallel;
  const largestTensor = Math.max(arch.spec.vocabSize * arch.spec.hiddenSize, ...arch.modules.map((m) => m.in * m.out));
  const N = distribution.gpusPerNode * distribution.nodes;
  const generation: GenerationProfile = {
    engine,
    // vllm/v1/worker/gpu_worker.py Worker.determine_available_memory: the KV cache gets total GPU memory ×
    // gpu_memory_utilization minus vLLM's own peak (weights and profiling activations): the whole share is taken.
    vllmShareBytes: engine === 'vllm_colocate' ? objective.vllmGpuMemoryUtilization * gpuMemoryBytes : 0,
    vllmWeightsBytes: engine === 'vllm_colocate' ? baseBytes / tp : 0,
    sleepMode: engine === 'vllm_colocate' && objective.vllmSleepMode,
    kvBytesPerToken: kvBytesPerToken(arch, b.activation),
    // trl/models/utils.py unwrap_model_for_generation gathers every ZeRO-3 parameter when ds3_gather_for_generation
    // (GRPOConfig default True).
    gatheredWeightsBytes:
      engine === 'transformers' && paramShards > 1 ? arch.totalParams * b.baseWeight * (1 - 1 / paramShards) : 0,
    // trl/generation/vllm_generation.py sync_weights: each parameter gathered (`gather_params([param])`) and loaded
    // into vLLM (colocate) or broadcast to the server one at a time.
    weightSyncBytes: engine === 'vllm_colocate' || engine === 'vllm_server' ? largestTensor * b.baseWeight : 0,
  };
  if (engine === 'vllm_server')
    notes.push(
      `GRPO server mode: ${objective.vllmServerGpus} generation GPUs run vLLM beside the ${N} training GPUs ` +
        '(trl vllm-serve); they run as long as the training and are counted in the GPU-hours and cost.',
    );
  if (reference === 'copy' && paramShards === 1 && N > 1)
    notes.push('Reference model: a whole frozen copy on every GPU (TRL prepares it as ZeRO stage 0 unless stage 3).');
  return { objective, reference, referenceWeights, referenceTerms, generation };
}

/**
 * Bytes per parameter of the policy as the export loads it (exporters/training.ts loadDtype: fp32, or fp16 for pure
 * fp16, fp32 for a full fine-tune under mixed precision unless DeepSpeed casts it, else bf16). The reference copy
 * takes this dtype from the policy (trl/trainer/dpo_trainer.py:924, grpo_trainer.py:1001).
 */
export function policyLoadBytes(
  training: Pick<Training, 'precision'>,
  distribution: Pick<Distribution, 'strategy'>,
  technique: Pick<Technique, 'kind'>,
): 2 | 4 {
  const p = training.precision;
  if (p === 'fp32') return 4;
  if (p === 'mixed' && technique.kind === 'full' && !isDeepSpeed(distribution.strategy)) return 4;
  return 2;
}

/** Adafactor updates one tensor at a time: its temporaries are as big as the largest trainable tensor. */
function largestTrainableTensor(arch: Architecture, params: TechniqueParams, rank: number): number {
  if (params.kind === 'full')
    return Math.max(arch.spec.vocabSize * arch.spec.hiddenSize, ...arch.modules.map((m) => m.in * m.out));
  if (params.adapted.length > 0)
    return Math.max(...params.adapted.map((a) => Math.max(a.module.in, a.module.out))) * rank;
  return params.trainableParams;
}

/**
 * Tensors one decoder layer saves for backward, per token (HF transformers + PEFT, SDPA attention).
 * Derived from what each op keeps for its gradient; a frozen linear keeps only its weight, so a
 * technique changes which inputs are saved (ESTIMATOR.md §4). Returns their sum in bytes; the
 * labelled tensors are collected only when `rows` is passed (searches and sweeps skip the labels).
 */
export function savedBytesPerTokenPerLayer(
  profile: MemoryProfile,
  microBatch: number,
  keysPerQuery: number,
  rows?: Array<{ tensor: string; bytes: number }>,
): number {
  const { arch, technique, training } = profile;
  const m = arch.spec;
  const a = profile.bytes.activation;
  const h = m.hiddenSize;
  // A MoE layer's routed experts have their own width (moe_intermediate_size); the dense MLP's is intermediate_size.
  const I = m.moe ? (m.moe.expertIntermediateSize ?? m.intermediateSize) : m.intermediateSize;
  const qW = arch.qWidth;
  const kvW = arch.kvWidth;
  const full = technique.kind === 'full';
  const normTrainable = full || technique.kind === 'ln_tuning';
  let total = 0;
  // Labels are built lazily (a function) so the hot path allocates no strings.
  const add = (tensor: string | (() => string), bytes: number) => {
    if (bytes <= 0) return;
    total += bytes;
    if (rows) rows.push({ tensor: typeof tensor === 'function' ? tensor() : tensor, bytes });
  };

  // Norms. HF RMSNorm upcasts to fp32 and pow() keeps that copy; LayerNorm keeps its input and fp32 mean/rstd.
  // Each kind, per norm over `width` elements normalized in `rows` groups per token (normBytes below); every row was
  // checked against the tensors the real transformers classes save (tests/python/test_saved_tensors.py).
  const normCount = m.normsPerLayer;
  // Liger's and Unsloth's fused RMSNorm keep the 16-bit input and the fp32 rstd per row, and compute the weight's
  // gradient from them (Liger src/liger_kernel/ops/rms_norm.py LigerRMSNormFunction.forward `save_for_backward(X, W,
  // RSTD)`; unsloth/kernels/rms_layernorm.py Fast_RMS_Layernorm `save_for_backward(X, W, r)`).
  const fusedKernels = profile.kernels !== undefined && profile.kernels !== 'none';
  const normBytes = (width: number, rows: number) => normBytesPerToken(profile, normTrainable, width, rows);
  // The decoder layer's own norms read the residual stream (fp32 when fp32 weights run under autocast:
  // forward-dtypes.ts); q/k norms and MLA's latent norms read 16-bit projection outputs (normBytes).
  const fwd = forwardOf(profile);
  const residual = fwd.residual;
  const layerNorm = (width: number, rows: number) => normBytesPerToken(profile, normTrainable, width, rows, residual);
  // Each linear layer reading an fp32 norm output under autocast casts its own bf16 copy and keeps it (autocast
  // caches only casts of leaf weights: ATen autocast_mode.cpp cached_cast); a 16-bit norm output is one tensor.
  const normOut = normOutputBytes(profile);
  const castsEach = fwd.autocast && normOut === 4;
  if (m.norm === 'rmsnorm' && fusedKernels) {
    add(() => `${normCount} RMSNorm inputs (fused ${profile.kernels} kernel) + fp32 rstd`, normCount * layerNorm(h, 1));
  } else if (m.norm === 'rmsnorm' && training.compile) {
    // Inductor fuses the norm and its min-cut partitioner recomputes the fp32 upcast in the backward
    // (torch/_functorch/partitioners.py `min_cut_rematerialization_partition`): the 16-bit input and rstd stay.
    // The normalized product x·rsqrt that the weight's gradient reads is recomputed too: its only backward users are
    // the pointwise mul and the sum over tokens, both fusible, so `is_materialized_backwards` is false and
    // `should_ban_recomputation` lets the partitioner rebuild it from the saved input and rsqrt. (The norm's output,
    // read by the q/k/v and gate/up matmuls' weight gradients, is materialized in the backward and stays: counted as
    // the attention and MLP inputs below.) Eager, `mul` saves it (below), as Liger's fused norm does not.
    add(
      () => `${normCount} RMSNorm inputs (compiled: upcast and x·rsqrt recomputed) + rsqrt`,
      normCount * layerNorm(h, 1),
    );
  } else if (m.norm === 'rmsnorm') {
    const kept = normBytesPerToken(profile, false, h, 1, residual);
    add(
      () => `${normCount} RMSNorm inputs in fp32 (4·h each)${kept > 4 * h + 4 ? ' and 16-bit (T5)' : ''} + rsqrt`,
      normCount * kept,
    );
    // Llama-style `weight * hidden_states.to(input_dtype)` keeps the 16-bit normalized copy for the weight's gradient;
    // Gemma's `output * (1.0 + self.weight.float())` keeps the fp32 one (models/gemma GemmaRMSNorm).
    if (normTrainable)
      add(
        () =>
          `${normCount} normalized outputs (weight gradient${normScalesInFp32(m) || residual === 4 ? ', fp32' : ''})`,
        normCount * (layerNorm(h, 1) - kept),
      );
  } else if (m.norm === 'layernorm-nobias') {
    // CohereLayerNorm (models/cohere): fp32 math in Python ops; `hidden_states - mean` is computed twice (for the
    // variance and for the output), pow and mul each keep one copy, and the weight's mul keeps the fp32 normalized
    // output when the weight trains.
    add(() => `${normCount} LayerNorm centred inputs in fp32 (2 × 4·h each) + rsqrt`, normCount * layerNorm(h, 1));
  } else {
    // nn.LayerNorm keeps its input and fp32 mean / rstd (native_layer_norm). Parallel blocks whose norms read one
    // input (ModelSpec.sharedNormInput) keep it once.
    // Under autocast each LayerNorm casts its own fp32 copy of a 16-bit shared input.
    const inputs = m.sharedNormInput && !(fwd.autocast && residual !== 4) ? 1 : normCount;
    add(
      () =>
        `${inputs === normCount ? normCount : `${normCount} LayerNorms on one`} LayerNorm input${
          inputs === 1 ? '' : 's'
        }${fwd.autocast ? ' (fp32 under autocast)' : ''} + mean/rstd`,
      inputs * (fwd.autocast ? 4 : residual) * h + normCount * 8,
    );
  }
  // q/k norms (Qwen3, Gemma 3 per head; OLMo 2 over the whole projection): the same norm kind over q and k, before
  // the rotary embedding; the projection's own output is then not kept (the upcast's backward needs nothing).
  if (m.qkNorm !== 'none') {
    const rows = m.qkNorm === 'head' ? [m.numHeads, m.numKvHeads] : [1, 1];
    add(
      () => `q and k norms (${m.qkNorm === 'head' ? 'per head' : 'whole projection'})`,
      normBytes(qW, rows[0]!) + normBytes(kvW, rows[1]!),
    );
  }

  // Attention. With a padding mask (micro-batch > 1, no packing) transformers repeats k and v to every query
  // head before SDPA, so the saved k and v are a·d wide; without one, SDPA handles GQA natively.
  // torchtune always expands k and v to every query head before SDPA (torchtune/modules/attention.py, "expand the
  // key and value tensors to have the same shape as the query tensor", 1814feb lines 284–290).
  const repeatKv =
    m.numKvHeads !== m.numHeads && (training.stack === 'torchtune' || (microBatch > 1 && !training.packing));
  const kvSaved = repeatKv ? qW : kvW;
  const attentionReaders = castsEach ? normReaders(arch, 'attention') : 1;
  if (full)
    add(
      () =>
        attentionReaders > 1
          ? `attention input: ${attentionReaders} bf16 copies, one per projection (autocast)`
          : 'attention input (q/k/v weight gradients)',
      a * h * attentionReaders,
    );
  if (m.mla) {
    // Multi-head latent attention (models/deepseek_v3 DeepseekV3Attention): q_a_layernorm and kv_a_layernorm over
    // the latents; kv_b_proj's output (per head nope + v) stays whole because value_states is a split view of it;
    // q and k are concatenations of their nope and rotary parts (heads × (nope + rope) each); with the base
    // training, q_b_proj and kv_b_proj keep the normalized latents they read.
    const { qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim, vHeadDim } = m.mla;
    const H = m.numHeads;
    if (qLoraRank !== null)
      add(
        'q_a_layernorm' + (full ? ' (and q_b_proj input)' : ''),
        normBytes(qLoraRank, 1) + (full ? a * qLoraRank : 0),
      );
    add(
      'kv_a_layernorm' + (full ? ' (and kv_b_proj input)' : ''),
      normBytes(kvLoraRank, 1) + (full ? a * kvLoraRank : 0),
    );
    add(
      'q, k (nope + rotary, concatenated) and the kv_b_proj output that v views',
      a * (H * (qkNopeHeadDim + qkRopeHeadDim) * (1 + keysPerQuery) + H * (qkNopeHeadDim + vHeadDim) * keysPerQuery),
    );
  } else
    add(
      () => `q, k, v saved by attention${repeatKv ? ' (k, v repeated to all heads: padding mask)' : ''}`,
      a * (qW + 2 * kvSaved * keysPerQuery),
    );
  // One fused q/k/v projection (Phi-3 qkv_proj, GPT-NeoX / Falcon / BLOOM query_key_value, GPT-2 c_attn): q, k and v
  // are views of its output, so a saved view keeps the whole (qW + 2·kvW) buffer. With rotary embeddings q and k are
  // new tensors and v is still a view (models/phi3 Phi3Attention `value_states = qkv[..., query_pos + kv_pos :]`):
  // the buffer stays beside them. Falcon broadcasts k and v to every query head first (models/falcon
  // FalconAttention, expand + reshape): copies, no view left.
  const extraQkv = fusedQkvExtra(profile, repeatKv, kvSaved);
  if (extraQkv > 0)
    add(
      () =>
        ((m.modelType === 'falcon' && m.normsPerLayer === 2) || m.modelType === 'chatglm') && m.numKvHeads < m.numHeads
          ? 'k, v broadcast to every head'
          : 'fused q/k/v output kept by its views',
      a * extraQkv,
    );
  const eager = eagerAttention(profile);
  if (sdpaMathPath(profile)) {
    // Multi-query Falcon hands scaled_dot_product_attention one kv head for many query heads without enable_gqa: the
    // flash and memory-efficient kernels refuse unequal head counts (sdp_utils check_batch_size_and_num_heads_dense),
    // so the math path runs, keeping the scaled q and the probabilities in the input dtype, one per head per key.
    add(
      'attention probabilities + scaled q (SDPA math path: one kv head)',
      a * m.numHeads * keysPerQuery * training.seqLen + a * qW,
    );
  } else if (eager) {
    // Eager: the fp32 softmax output and the 16-bit probabilities, one score per head per key (Korthikanti's 5·a·s/h
    // term).
    add('attention scores: softmax fp32 + probabilities', m.numHeads * (4 + a) * keysPerQuery * training.seqLen);
  } else {
    add('attention output + log-sum-exp', a * (m.mla ? m.numHeads * m.mla.vHeadDim : qW) + 4 * m.numHeads);
  }
  // The o_proj input. SDPA writes its output in the memory layout of q: q made by element-wise ops on the
  // transposed projection (Llama-style rotary, or none) is laid out (batch, seq, heads, dim), so transformers'
  // `attn_output.transpose(1, 2).contiguous()` is a no-op and o_proj keeps the very tensor SDPA saved (counted
  // above). Rotary embeddings built with torch.cat (partial rotary: models/phi3, phi, gpt_neox apply_rotary_pos_emb)
  // leave q contiguous as (batch, heads, seq, dim), and eager attention's matmul output is laid out that way too: the
  // transpose then copies.
  if (full && (eager || CONCATENATED_ROTARY.has(m.modelType) || m.mla))
    add('o_proj input', a * (m.mla ? m.numHeads * m.mla.vHeadDim : qW));
  // An attention mask (padded batches; Falcon builds one always: models/falcon `allow_is_causal_skip=False`) is a
  // boolean tensor that scaled_dot_product_attention converts to the query's dtype in every layer and keeps for its
  // backward: one (seq × keys) plane per sequence, `a · keys` bytes per token.
  if (!eager && attentionMaskPassed(profile, microBatch))
    add('attention mask converted by SDPA', a * training.seqLen * keysPerQuery);

  // Encoder-decoder models (ModelSpec.encoder, task seq2seq): the rows above are one encoder layer's (self-attention,
  // MLP, two norms); a decoder layer adds its cross-attention block (models/t5 T5LayerCrossAttention, models/bart
  // BartDecoderLayer encoder_attn): a norm, q over the target, k and v over the source (one per source token, taken
  // as long as the target), the output and log-sum-exp, and with the base training the q projection's input.
  const enc = m.encoder;
  const experts = m.moe ? m.moe.topK : 1; // MLP tensors per token: one per active expert
  // Routed experts under fp32 weights run in fp32: transformers 5's grouped experts call torch._grouped_mm, which no
  // autocast list names (ATen autocast_mode.h AT_FORALL_LOWER_PRECISION_FP), over fp32 routed copies of the stream.
  const ea = m.moe && fwd.castsPerProjection ? 4 : a;
  if (enc?.task === 'seq2seq' && enc.decoderLayers > 0) {
    const cross = normBytes(h, 1) + a * (qW + 2 * kvW * keysPerQuery) + a * qW + 4 * m.numHeads + (full ? a * h : 0);
    add(
      () =>
        `decoder cross-attention: norm, q, the source's k and v, output + lse ` +
        `(${enc.decoderLayers} of ${m.numLayers} layers)`,
      (cross * enc.decoderLayers) / m.numLayers,
    );
  }

  // The model's own dropout (ModelSpec.dropout), where the trainer leaves it on: each nn.Dropout with p > 0 keeps a
  // one-byte mask per element (ATen native_dropout on CUDA returns a bool mask, kept for native_dropout_backward). Per
  // layer: the hidden dropouts after the attention output and after the MLP (one for Falcon's parallel block, whose
  // single dropout_add takes both; a decoder's cross-attention adds one), the MLP activation's, and the attention
  // probabilities' under eager attention (scaled_dot_product_attention's flash and memory-efficient kernels keep the
  // random generator's state instead of a mask).
  // The preference trainers' disable_dropout_in_model (trl/trainer/utils.py) sets p = 0 on nn.Dropout modules only:
  // dropout called as a function with the config's probability stays on (OPT, BART, StarCoder2 hidden dropout,
  // Falcon's and BLOOM's dropout_add; every transformers 5 attention's `dropout=self.attention_dropout`).
  const drop = m.dropout ?? null;
  if (drop) {
    const on =
      !disablesDropout((profile.objective ?? SFT_OBJECTIVE).kind) || FUNCTIONAL_HIDDEN_DROPOUT.has(m.modelType);
    const hiddenPerLayer =
      on && drop.hidden > 0
        ? (m.modelType === 'falcon' ? 1 : 2) + (enc?.task === 'seq2seq' ? enc.decoderLayers / m.numLayers : 0)
        : 0;
    const bytes =
      hiddenPerLayer * h +
      (on && drop.activation > 0 ? experts * I : 0) +
      (drop.attention > 0 && eager ? m.numHeads * training.seqLen * keysPerQuery : 0);
    if (bytes > 0) add('dropout masks (1 B per element)', bytes);
  }

  // MLP, by what the activation keeps (ModelSpec.activation): F.silu / F.gelu keep their input, ReLU its output,
  // gelu_new (NewGELUActivation's Python ops: pow, tanh, 0.5·x and 1 + tanh) four tensors; a gated MLP's product
  // keeps act(gate) and up besides. MoE: per active expert.
  const activation = mlpActivation(m);
  const actKeeps = activation === 'gelu_new' ? 4 : 1;
  // Bytes per I-element the activation keeps. Under CUDA autocast gelu_new's pow runs in fp32 (ATen autocast_mode.h
  // AT_FORALL_FP32: pow), and everything after it is promoted to fp32: pow keeps an fp32 copy of its input, tanh its
  // fp32 output, and the last product 0.5·x (16-bit) and 1 + tanh (fp32): 4 + 4 + 2 + 4 B.
  const actBytes = activation === 'gelu_new' && fwd.autocast ? 4 + 4 + a + 4 : actKeeps * ea;
  const gated = m.mlp === 'gated';
  const perExpert = experts > 1 ? ` × ${experts} active experts` : '';
  if (fusedKernels && gated) {
    // Liger LigerSiLUMulFunction / LigerGELUMulFunction `save_for_backward(a, b)` (ops/swiglu.py, ops/geglu.py) and
    // Unsloth's fused MLP keep gate and up; act(gate) is recomputed in the backward.
    add(() => `MLP gate, up (fused ${profile.kernels} kernel)${perExpert}`, experts * 2 * ea * I);
  } else if (training.compile) {
    // Compiled: the activation (and a gated MLP's product) is one fused kernel, recomputed in the backward (min-cut
    // partitioner): the matmul outputs it reads stay.
    add(() => `MLP ${gated ? 'gate, up' : 'up'} (compiled)${perExpert}`, experts * (gated ? 2 : 1) * ea * I);
  } else if (gated) {
    add(
      () =>
        `MLP gate${actKeeps > 1 ? ` and ${activation}'s ${actKeeps - 1} intermediates` : ''}, act(gate), ` +
        `up${perExpert}`,
      experts * (actBytes + 2 * ea) * I,
    );
  } else {
    add(
      () =>
        `MLP ${activation} ${
          activation === 'relu' ? 'output' : actKeeps > 1 ? `input and ${actKeeps - 1} intermediates` : 'input'
        }${actBytes > actKeeps * ea ? ' (fp32 under autocast)' : ''}${perExpert}`,
      experts * actBytes * I,
    );
  }
  if (m.moe && m.moe.sharedIntermediateSize > 0) {
    // Shared experts (Qwen2-MoE shared_expert, DeepSeek shared_experts): a dense SwiGLU MLP on every token, and
    // Qwen2-MoE's sigmoid gate keeps the shared output and its gate value (models/qwen2_moe Qwen2MoeSparseMoeBlock).
    const Is = m.moe.sharedIntermediateSize;
    add('shared expert gate, act(gate), up', 3 * a * Is + (m.moe.sharedExpertGate ? a * h + a : 0));
    // With the base training it keeps its down input, and, where the router reads an fp32 copy (DeepSeek, below),
    // the 16-bit norm output its gate/up projections read (under autocast over an fp32 stream, a bf16 copy for each
    // projection reading it).
    const sharedReads = castsEach ? normReaders(arch, 'shared') : m.mla ? 1 : 0;
    if (full) add('shared expert down input', a * Is + sharedReads * a * h);
  }
  if (m.moe) {
    // transformers 5's MoE blocks (models/mixtral MixtralSparseMoeBlock and its grouped_mm experts; qwen2_moe,
    // qwen3_moe alike): the router's fp32 softmax output (4·E), the top-k weights, their sum and the routing indices
    // (int64: the top-k choice and three per routed token for the sort), and each routed token's expert output, kept
    // by its product with the routing weight (top-k · a·h).
    const E = m.moe.numExperts;
    add(
      () => `MoE routing: softmax over ${E} experts, top-${experts} weights and indices, weighted expert outputs`,
      experts * ea * h + 4 * E + 40 * experts + 4,
    );
  }
  if (full) {
    // down_proj's input is the activation's (or the product's) output; ReLU's output is the tensor it kept already.
    // (An activation dropout in between, T5DenseActDense's, makes down_proj's input a new tensor.)
    const actDropout = (m.dropout?.activation ?? 0) > 0;
    const downInput =
      !gated && activation === 'relu' && !fusedKernels && !training.compile && !actDropout ? 0 : experts * ea * I;
    // One norm for attention and MLP (parallel blocks: Phi-2, GPT-J, Cohere): the MLP reads the very tensor the
    // q/k/v projections kept. Routed experts read their own routed copies; under autocast over an fp32 stream each
    // dense projection casts its own copy.
    const upInput = m.moe
      ? ea * h * experts
      : castsEach
        ? a * h * normReaders(arch, 'mlp')
        : m.normsPerLayer === 1
          ? 0
          : a * h;
    add('MLP inputs (gate/up and down weight gradients)', upInput + downInput);
    // The router's weight gradient reads the norm output itself; the experts read their routed copies (above).
    // DeepSeek's router multiplies in fp32 (models/deepseek_v3 DeepseekV3TopkRouter:
    // `hidden_states.type(torch.float32)`).
    // Under autocast that fp32 F.linear runs in bf16 and keeps its bf16 copy.
    if (m.moe) add('router input (its weight gradient)', (m.mla && !fwd.autocast ? 4 : a) * h);
  }

  // PEFT layers: a function of the profile alone, built once per profile (adapterRowsOf).
  for (const row of adapterRowsOf(profile)) add(row.tensor, row.bytes);
  return total;
}

/**
 * The PEFT layers' rows of savedBytesPerTokenPerLayer: they depend on the profile only, not on the batch, so they are
 * built once per profile (memoryAt's copies with another sequence length share its params and forward dtypes).
 */
const ADAPTER_ROWS = new WeakMap<
  TechniqueParams,
  { forward: ForwardDtypes; rows: Array<{ tensor: () => string; bytes: number }> }
>();

function adapterRowsOf(profile: MemoryProfile): Array<{ tensor: () => string; bytes: number }> {
  const fwd = forwardOf(profile);
  const cached = ADAPTER_ROWS.get(profile.params);
  if (cached && cached.forward === fwd) return cached.rows;
  const rows: Array<{ tensor: () => string; bytes: number }> = [];
  const add = (tensor: string | (() => string), bytes: number) => {
    if (bytes > 0) rows.push({ tensor: typeof tensor === 'function' ? tensor : () => tensor, bytes });
  };
  const { arch, technique, params } = profile;
  const m = arch.spec;
  const a = profile.bytes.activation;
  const qW = arch.qWidth;
  const normOut = normOutputBytes(profile);
  const eager = eagerAttention(profile);
  // nn.Dropout with p = 0 returns its input (ATen Dropout.cpp `_dropout`: `if (p == 0 || !train ...) return input`):
  // no mask where the objective's trainer disables dropout (objective.ts disablesDropout). LoHa's dropout is a rank
  // dropout over its weight (peft tuners/loha/layer.py get_delta_weight: a mask per output row, not per token).
  const dropout =
    technique.dropout > 0 && technique.kind !== 'loha' && !disablesDropout((profile.objective ?? SFT_OBJECTIVE).kind);
  // The adapter weights' dtype in the forward, and the dtype of what the adapter computes: autocast runs lora_A and
  // lora_B in bf16 whatever their weights' dtype (forward-dtypes.ts).
  const adapterDtype: FloatDtype = fwd.adapter ?? (profile.bytes.trainableWeight === 4 ? 'fp32' : fwd.compute);
  const rBytes = fwd.autocast ? a : DTYPE_BYTES[adapterDtype];
  // Each adapted module counts in the layers that have it (AdaptedModule.layers: an encoder-decoder's encoder and
  // decoder modules, DeepSeek's dense-layer MLP), averaged over the model's layers.
  let share = 1;
  // Labels are built only when shown (rows cached per profile): each captures its module's share.
  const perModule = (mod: LinearModule, what: () => string, bytes: number) => {
    const sh = share;
    add(
      () => `${mod.name}: ${what()}${sh < 1 ? ` (${Math.round(sh * m.numLayers)} of ${m.numLayers} layers)` : ''}`,
      bytes * mod.activeCount * sh,
    );
  };
  // The tensor an adapter's first matmul keeps, by what it reads (adapterInputKey). PEFT casts the input to the
  // adapter's dtype (`_cast_input_dtype`, a new tensor when the dtypes differ) — except its bitsandbytes and AWQ
  // layers under autocast (peft tuners/lora/bnb.py and awq.py: `requires_conversion = not
  // torch.is_autocast_enabled()`) — and autocast then casts an fp32 input to bf16 (another new tensor). Otherwise the
  // adapter keeps the very tensor its projection reads, one per layer group for every module reading it (torchtune's
  // LoRALinear likewise, torchtune/modules/peft/lora.py at 1814feb, lines 129–131). A dropout makes a new tensor per
  // module.
  const sharedInputs = new Set<string>();
  const oInputKept = !(eager || CONCATENATED_ROTARY.has(m.modelType) || m.mla);
  const normOutDtype: FloatDtype = normOut === 4 ? 'fp32' : fwd.compute;
  const skipsCast = fwd.autocast && technique.kind === 'qlora' && technique.quantType !== 'gptq';
  const adapterInput = (mod: LinearModule, castTo: FloatDtype, group: number): { bytes: number; what: string } => {
    const key = adapterInputKey(mod, m, oInputKept);
    const xDtype = key === 'attention norm output' || key === 'MLP norm output' ? normOutDtype : fwd.compute;
    const cast = castTo !== xDtype && !skipsCast;
    if (fwd.autocast && (cast ? castTo : xDtype) === 'fp32')
      return { bytes: a * mod.in, what: 'bf16 copy of the input (autocast)' };
    if (cast) return { bytes: DTYPE_BYTES[castTo] * mod.in, what: `input cast to ${castTo}` };
    const xBytes = DTYPE_BYTES[xDtype];
    if (dropout) return { bytes: xBytes * mod.in, what: 'input after dropout' };
    if (key === null || sharedInputs.has(`${group}:${key}`)) return { bytes: 0, what: '' };
    sharedInputs.add(`${group}:${key}`);
    return { bytes: xBytes * mod.in, what: `input (the ${key}, kept once)` };
  };
  const label =
    (...parts: string[]) =>
    () =>
      parts.filter((p) => p !== '').join(', ');
  if (LORA_FAMILY.includes(technique.kind)) {
    const r = technique.rank;
    const rName = rBytes === 4 ? 'fp32' : '16-bit';
    const deltaDtype = lohaDeltaDtype(fwd);
    for (const { module: mod, layers, group = 0 } of params.adapted) {
      share = Math.min(1, layers / m.numLayers);
      const mask = dropout ? mod.in : 0; // dropout keeps a 1-byte mask
      const maskLabel = mask > 0 ? 'dropout mask' : '';
      switch (technique.kind) {
        case 'lora_fa':
          // A is frozen: the input is not needed, only A·x for B's gradient.
          perModule(mod, label(`A·x for B (${rName})`, maskLabel), rBytes * r + mask);
          break;
        case 'vera':
          // The shared A and B are frozen buffers: λ_d's gradient reads A·x, λ_b's the projection through B.
          perModule(mod, label(`projections for λ_d, λ_b (${rName})`, maskLabel), rBytes * (r + mod.out) + mask);
          break;
        case 'loha': {
          // F.linear(x, ΔW) keeps the input for ΔW's gradient; ΔW itself is kept per layer (adapterSavedWeights).
          const x = adapterInput(mod, deltaDtype, group);
          if (x.bytes > 0) perModule(mod, label(x.what), x.bytes);
          break;
        }
        case 'dora': {
          // peft tuners/lora/dora.py DoraLinearLayer.forward: the base result and the LoRA result, both kept by the
          // magnitude's products.
          const x = adapterInput(mod, adapterDtype, group);
          perModule(
            mod,
            label(x.what, `A·x (${rName})`, maskLabel, 'base and LoRA results'),
            x.bytes + rBytes * r + mask + (a + rBytes) * mod.out,
          );
          break;
        }
        default: {
          const x = adapterInput(mod, adapterDtype, group);
          perModule(mod, label(x.what, maskLabel, `A·x (${rName})`), x.bytes + rBytes * r + mask);
        }
      }
    }
  } else if (technique.kind === 'ia3') {
    for (const { module: mod, layers } of params.adapted) {
      share = Math.min(1, layers / m.numLayers);
      const ff = mod.name === 'down_proj' || mod.name === 'w2';
      // peft tuners/ia3/layer.py Linear.forward: a feed-forward module scales its input cast to the vector's dtype
      // (a plain multiply, not an autocast op); the others scale the base output.
      perModule(
        mod,
        () => (ff ? `input cast to the vector's dtype (scaled input)` : 'base output (scaled output)'),
        ff ? DTYPE_BYTES[adapterDtype] * mod.in : a * mod.out,
      );
    }
  } else if (technique.kind === 'adaption_prompt') {
    const n = technique.virtualTokens;
    add('adapter attention: scores fp32 + probabilities + output', m.numHeads * n * (4 + a) + a * qW);
  }
  ADAPTER_ROWS.set(profile.params, { forward: fwd, rows });
  return rows;
}

/**
 * RMSNorms that apply their weight to the fp32 normalized value before casting back, so the weight's gradient reads the
 * fp32 copy: Gemma's `output * (1.0 + self.weight.float())` (models/gemma GemmaRMSNorm, gemma2, gemma3) and OLMo 2's
 * `(self.weight * hidden_states).to(input_dtype)` (models/olmo2 Olmo2RMSNorm).
 */
function normScalesInFp32(m: Architecture['spec']): boolean {
  return (
    m.modelType === 'gemma' || m.modelType === 'gemma2' || m.modelType === 'gemma3_text' || m.modelType === 'olmo2'
  );
}

/**
 * Families whose hidden (and activation) dropout is a function call with the config's probability, which TRL's
 * disable_dropout_in_model cannot zero (models/opt, bart, starcoder2 `nn.functional.dropout`; falcon, bloom
 * `dropout_add`).
 */
const FUNCTIONAL_HIDDEN_DROPOUT: ReadonlySet<Architecture['spec']['modelType']> = new Set([
  'opt',
  'bart',
  'starcoder2',
  'falcon',
  'bloom',
]);

/**
 * Whether the layer's attention runs eagerly (scores, softmax and probabilities kept): the plan says so, or the class
 * has no SDPA path (models/bloom BloomAttention's baddbmm and softmax; models/deberta_v2 DisentangledSelfAttention).
 */
function eagerAttention(profile: MemoryProfile): boolean {
  const t = profile.arch.spec.modelType;
  return profile.training.attention === 'eager' || t === 'bloom' || t === 'deberta-v2' || sdpaMathPath(profile);
}

/** Multi-query Falcon (one kv head, one norm per layer: the RW layout of falcon-7b) under SDPA: its math path. */
function sdpaMathPath(profile: MemoryProfile): boolean {
  const m = profile.arch.spec;
  return (
    profile.training.attention !== 'eager' &&
    m.modelType === 'falcon' &&
    m.normsPerLayer === 1 &&
    m.numKvHeads === 1 &&
    m.numHeads > 1
  );
}

/**
 * The tensor an adapter on this module reads, by the module's role (savedBytesPerTokenPerLayer): q/k/v (and MLA's
 * q_a / kv_a) the attention norm's output, the MLP's gate and up the MLP norm's (the attention norm's in a parallel
 * block), down_proj the MLP product; o_proj reads the attention output SDPA keeps already (null: nothing new) unless
 * a transpose copies it (eager attention, concatenated rotary, MLA). Anything else is its own tensor.
 */
function adapterInputKey(mod: LinearModule, m: Architecture['spec'], oInputKept: boolean): string | null {
  const scope = mod.scope === 'shared' ? 'shared expert ' : '';
  switch (mod.role) {
    case 'q':
    case 'k':
    case 'v':
    case 'qkv':
    case 'q_a':
    case 'kv_a':
      return 'attention norm output';
    case 'gate':
    case 'up':
    case 'gate_up':
    case 'router':
    case 'shared_gate':
      if (mod.storage === 'experts') return `${mod.name} routed input`;
      return m.normsPerLayer === 1 && !m.moe ? 'attention norm output' : 'MLP norm output';
    case 'down':
      return mod.storage === 'experts' ? `${mod.name} routed product` : `${scope}MLP product`;
    case 'o':
      return oInputKept ? null : 'attention output';
    default:
      return `${mod.name} input`;
  }
}

/**
 * Families whose rotary embedding concatenates the rotated and passed-through halves (savedBytesPerTokenPerLayer; GLM's
 * partial_rotary_factor 0.5);
 * multi-head latent attention's q is a concatenation too (checked on ModelSpec.mla).
 */
const CONCATENATED_ROTARY: ReadonlySet<Architecture['spec']['modelType']> = new Set([
  'phi3',
  'phi',
  'gpt_neox',
  'glm',
  'glm4',
]);

/**
 * Whether transformers hands scaled_dot_product_attention an attention mask: batches padded to their longest example
 * (micro-batch > 1, no packing: sdpa_mask skips the mask only when nothing is padded), and Falcon always. torchtune's
 * unpacked batches run causal without a mask.
 */
function attentionMaskPassed(profile: MemoryProfile, microBatch: number): boolean {
  if (profile.training.stack === 'torchtune') return false;
  if (profile.arch.spec.modelType === 'falcon') return true;
  return microBatch > 1 && !profile.training.packing;
}

/**
 * Bytes per token one norm of the spec's kind keeps over `width` elements in `rows` groups
 * (savedBytesPerTokenPerLayer):
 * eager HF RMSNorm the fp32 upcast and rsqrt, plus the normalized output when the weight trains (16-bit; Gemma fp32);
 * fused (Liger / Unsloth) or compiled RMSNorm the 16-bit input and rsqrt; nn.LayerNorm its input and fp32 mean/rstd;
 * CohereLayerNorm two fp32 centred copies and rsqrt, plus the fp32 normalized output when the weight trains.
 */
function normBytesPerToken(
  profile: MemoryProfile,
  trainable: boolean,
  width: number,
  rows: number,
  input: number = profile.bytes.activation,
): number {
  const m = profile.arch.spec;
  const a = profile.bytes.activation;
  // nn.LayerNorm under CUDA autocast runs in fp32 (ATen autocast_mode.h AT_FORALL_FP32: layer_norm,
  // native_layer_norm): its input is cast to an fp32 copy, and that copy is what it keeps.
  if (m.norm === 'layernorm') return (forwardOf(profile).autocast ? 4 : input) * width + 8 * rows;
  if (m.norm === 'layernorm-nobias') return 8 * width + 4 * rows + (trainable ? 4 * width : 0);
  if ((profile.kernels !== undefined && profile.kernels !== 'none') || profile.training.compile)
    return input * width + 4 * rows;
  // T5LayerNorm multiplies the 16-bit input itself by the fp32 rsqrt (models/t5 `hidden_states * torch.rsqrt(...)`):
  // that input is kept too (an fp32 input is the upcast itself).
  const t5 = (m.modelType === 't5' || m.modelType === 'mt5') && input !== 4 ? a * width : 0;
  // The weight's gradient reads the normalized value in the input's dtype (`hidden_states.to(input_dtype)`), Gemma's
  // and OLMo 2's in fp32.
  return 4 * width + 4 * rows + t5 + (trainable ? (normScalesInFp32(m) ? 4 : input) * width : 0);
}

/** The profile's forward dtypes (forward-dtypes.ts), for profiles built without them. */
export function forwardOf(profile: MemoryProfile): ForwardDtypes {
  return (
    profile.forward ??
    forwardDtypes(profile.technique, profile.training, profile.distribution, 'trl', profile.objective?.kind)
  );
}

/**
 * Bytes per element of a decoder layer's norm outputs (what the q/k/v, MLP and router projections read): the
 * residual stream's dtype (HF norms cast back to the input dtype), fp32 for nn.LayerNorm under autocast
 * (normBytesPerToken).
 */
function normOutputBytes(profile: MemoryProfile): number {
  const fwd = forwardOf(profile);
  return fwd.autocast && profile.arch.spec.norm === 'layernorm' ? 4 : fwd.residual;
}

/**
 * How many of a layer's linear layers read the attention norm's output, the dense MLP's, or (MoE) the shared
 * expert's (adapterInputKey names what each reads): under autocast over an fp32 stream each keeps its own bf16 copy.
 */
function normReaders(arch: Architecture, block: 'attention' | 'mlp' | 'shared'): number {
  return arch.modules.filter((mod) => {
    const key = adapterInputKey(mod, arch.spec, true);
    if (key !== 'attention norm output' && key !== 'MLP norm output') return false;
    if (block === 'attention') return mod.part === 'attention';
    if (mod.role === 'router' || mod.storage !== 'linear') return false;
    const shared = mod.scope === 'shared' || mod.role === 'shared_gate';
    return block === 'shared' ? shared : mod.part === 'mlp' && !shared;
  }).length;
}

/**
 * Elements per token a fused q/k/v projection keeps beyond the q, k and v widths savedBytesPerTokenPerLayer counts
 * (see there): the projection's whole output while a saved tensor is still a view of it, or Falcon's broadcast k, v.
 */
function fusedQkvExtra(profile: MemoryProfile, repeatKv: boolean, kvSaved: number): number {
  const { arch } = profile;
  const m = arch.spec;
  if (m.mla || !arch.modules.some((mod) => mod.role === 'qkv')) return 0;
  const qW = arch.qWidth;
  const kvW = arch.kvWidth;
  // Falcon's _split_heads and ChatGLM's `key_layer.unsqueeze(-2).expand(...).contiguous()` (Hub modeling_chatglm.py)
  // broadcast k and v to every head: copies, and with the rotary's cat no view of the buffer is left.
  const falconNewArch = m.modelType === 'falcon' && m.normsPerLayer === 2; // new_decoder_architecture
  if ((falconNewArch || m.modelType === 'chatglm') && m.numKvHeads < m.numHeads) return 2 * (qW - kvSaved);
  // GPT-2 and OPT learn positions, BLOOM adds ALiBi to the scores: no rotary copy of q and k.
  const rotary = m.learnedPositions === 0 && m.modelType !== 'bloom';
  // Saved: q (a rotary copy or a view), k (a copy when rotated or repeated), v (a view unless repeated).
  const copies = (rotary ? qW : 0) + (rotary || repeatKv ? kvSaved : 0) + (repeatKv ? kvSaved : 0);
  const bufferKept = !rotary || !repeatKv;
  return copies + (bufferKept ? qW + 2 * kvW : 0) - (qW + 2 * kvSaved);
}

/**
 * The layer's backward working set: the gradient tensors alive together at the largest moment of one decoder layer's
 * backward, net of the layer's saved tensors already released by then, per token (bytes). Autograd runs the layer's
 * nodes one at a time, highest sequence number first (torch/csrc/autograd/engine.cpp ReadyQueue); a node's outputs
 * are allocated while its incoming gradient is still held (the `apply` of the generated node reads `grads[0]` until
 * it returns), and its saved tensors are freed right after it ran (engine.cpp `evaluate_function`:
 * `fn.release_variables()`), recomputed ones too (torch/utils/checkpoint.py `_checkpoint_hook.unpack_hook` drops its
 * handle on the recomputed tensor). Two moments compete, in a Llama-style layer (transformers
 * models/llama/modeling_llama.py:164 `down_proj(act_fn(gate_proj(x)) * up_proj(x))`, :308/:314 the residual adds;
 * torchtune/modules/feed_forward.py at 1814feb, lines 50–53, the same order):
 *  - the MLP product's backward. The final residual add passes the layer's output gradient g (a·h) on to both
 *    branches as one tensor (AddBackward0 with alpha 1); the residual branch's copy waits in the input buffer of the
 *    post-attention sum until the norm's gradient joins it, so g is held through the whole MLP. down_proj's backward
 *    makes the gradient of the product (a·I); the product's MulBackward0 then makes the gradients of act(gate) and of
 *    up (a·I each) while it still holds the product's: a·(h + 3·I) eager. Compiled, Inductor's fused pointwise kernel
 *    writes one of the two into the buffer of the dying up_proj output (`in_out_ptr0`, "# reuse"; seen in the
 *    generated backward of torch 2.13): a·(h + 2·I). Liger's swiglu_backward (liger_kernel/ops/swiglu.py
 *    `_swiglu_backward_kernel` stores da, db into a_ptr, b_ptr) and Unsloth's fused MLP write both into the saved
 *    gate and up: a·(h + I). A plain MLP has no product: one I-wide gradient fewer. down_proj's saved input (a·I,
 *    kept for its weight gradient when the base trains) is released when its node ran. Per active expert.
 *  - eager RMSNorm (HF LlamaRMSNorm, modeling_llama.py:63–67; torchtune RMSNorm the same ops): after the MLP's saved
 *    tensors are released, the post-attention norm's PowBackward0 (`grad * (exp * self.pow(exp - 1))`,
 *    FunctionsManual.cpp pow_backward) holds its fp32 input gradient (MeanBackward's expand / h), the `pow(1)` copy,
 *    `2·` that and its result (4·4·h), next to MulBackward0's fp32 gradient of x_fp32 waiting for it (4·h) and g:
 *    a·h + 20·h, less the MLP's saved tensors. Compiled or fused norms keep their fp32 math in registers.
 * The attention's backward (g, the o_proj input gradient and q, k, v gradients) comes after every MLP and norm tensor
 * is released: smaller for every catalog model (I ≥ h).
 */
export function layerBackwardBytesPerToken(profile: MemoryProfile): { bytes: number; stage: 'mlp' | 'norm' } {
  const { training, technique } = profile;
  const m = profile.arch.spec;
  const a = profile.bytes.activation;
  const h = m.hiddenSize;
  // A MoE layer's routed experts have their own width (moe_intermediate_size); the dense MLP's is intermediate_size.
  const I = m.moe ? (m.moe.expertIntermediateSize ?? m.intermediateSize) : m.intermediateSize;
  const experts = m.moe ? m.moe.topK : 1;
  const fused = profile.kernels !== undefined && profile.kernels !== 'none';
  const gated = m.mlp === 'gated';
  // I-wide gradients alive at the product's backward: its own, and the new buffers for act(gate) and up.
  const widths = (fused && gated ? 1 : training.compile ? 2 : 3) - (gated ? 0 : 1);
  const baseTrains = technique.kind === 'full';
  // The layer's output gradient g has the residual stream's dtype (fp32 when fp32 weights run under autocast), and a
  // MoE's routed experts then compute in fp32 (savedBytesPerTokenPerLayer).
  const fwd = forwardOf(profile);
  const g = fwd.residual * h;
  const ea = m.moe && fwd.castsPerProjection ? 4 : a;
  const mlp = g + experts * ea * I * (widths - (baseTrains ? 1 : 0));
  if (m.norm !== 'rmsnorm' || fused || training.compile) return { bytes: mlp, stage: 'mlp' };
  // Released before the norm's backward: the MLP's saved tensors (savedBytesPerTokenPerLayer, eager rows).
  const mlpSaved = experts * (gated ? 3 : 2) * ea * I + (baseTrains ? experts * ea * (h + I) : 0);
  const norm = g + 20 * h - mlpSaved;
  return norm > mlp ? { bytes: norm, stage: 'norm' } : { bytes: mlp, stage: 'mlp' };
}

/**
 * The inputs of the memory model no source pins down for a given plan, each with the value the expected figure
 * uses; `MEMORY_RANGE` holds the low and high ends that give every figure its range (issue 15 §8).
 */
export interface MemoryAssumptions {
  /**
   * reserved − allocated: which end of the caching allocator's fragmentation (allocator.ts fragmentationBytes; the
   * rounding of the live tensors is the same at every end).
   */
  allocator: AllocatorEnd;
  /** CUDA context and library workspaces seen by nvidia-smi (0.3–1.5 GiB, ESTIMATOR.md §6). */
  cudaContextBytes: number;
  /** Share of the optimizer-step temporaries that exist: 0 for an in-place (fused, for-loop) step, 1 for foreach. */
  optimizerTransientFactor: number;
  /** Saved activations and logits relative to the tensors counted here (kernel and library versions differ). */
  activationFactor: number;
  /** NCCL channels per communicator (distributed.ts NCCL_CHANNELS: picked by NCCL from the topology). */
  ncclChannels: number;
}

export const EXPECTED_MEMORY: MemoryAssumptions = {
  allocator: 'expected',
  cudaContextBytes: CUDA_CONTEXT_BYTES,
  optimizerTransientFactor: 1,
  activationFactor: 1,
  ncclChannels: NCCL_CHANNELS.expected,
};

/**
 * Low and high ends of each uncertain input. Allocator: the ends of allocator.ts fragmentationBytes (each with its
 * mechanism there). CUDA context: the range of ESTIMATOR.md §6.
 * Optimizer temporaries: PyTorch picks foreach on CUDA unless a fused or for-loop step is asked for
 * (torch/optim/optimizer.py `_default_to_fused_or_foreach`), and a library may ask (torchtune configs set
 * `fused: True`), so the low end has none. Activations ±10 %: an engineering assumption (no source pins it) for
 * what differs between attention backends (flash vs memory-efficient log-sum-exp padding), RMSNorm and loss
 * implementations across library versions; recorded runs narrow it.
 */
export const MEMORY_RANGE: Record<'low' | 'high', MemoryAssumptions> = {
  low: {
    allocator: 'low',
    cudaContextBytes: 0.3 * GiB,
    optimizerTransientFactor: 0,
    activationFactor: 0.9,
    ncclChannels: NCCL_CHANNELS.low,
  },
  high: {
    allocator: 'high',
    cudaContextBytes: 1.5 * GiB,
    optimizerTransientFactor: 1,
    activationFactor: 1.1,
    ncclChannels: NCCL_CHANNELS.high,
  },
};

export function memoryAt(
  profile: MemoryProfile,
  microBatch: number,
  seqLen: number,
  detail = false,
  assume: MemoryAssumptions = EXPECTED_MEMORY,
): MemoryBreakdown {
  const { arch, training } = profile;
  const m = arch.spec;
  const a = profile.bytes.activation;
  const L = m.numLayers;
  const s = seqLen + profile.extraTokens;
  const keysPerQuery = (s + profile.extraKeys) / s;
  const tokens = microBatch * s;
  const perTokenLayer: Array<{ tensor: string; bytes: number }> = [];
  const layerBytesPerToken = savedBytesPerTokenPerLayer(
    eagerAttention(profile) || attentionMaskPassed(profile, microBatch)
      ? { ...profile, training: { ...training, seqLen: s } }
      : profile,
    microBatch,
    keysPerQuery,
    detail ? perTokenLayer : undefined,
  );
  // The saved tensors alive through the forward. Per-layer checkpointing keeps only each layer's input; the layer's
  // own tensors come back one layer at a time in the backward (the recompute moments below).
  // The residual stream's dtype: fp32 when fp32 weights run under autocast (forward-dtypes.ts).
  const residual = forwardOf(profile).residual;
  const checkpointInputPerToken = residual * m.hiddenSize;
  const storedPerLayer = training.gradientCheckpointing ? checkpointInputPerToken : layerBytesPerToken;
  let stored = tokens * L * storedPerLayer;

  // Activation offloading (torchtune/training/_activation_offloading.py `OffloadActivations`): every saved tensor
  // of at least min_offload_size = 1024 bytes moves to pinned host RAM in the forward and comes back in the
  // backward, except the output head's (get_act_offloading_ctx_manager wraps it in NoOpManager). With streams
  // (use_streams=True) a tensor stays on the GPU until its copy finishes and the next layer's is prefetched in the
  // backward: about two layers' worth stays (the one in flight and the one being brought back).
  let offloadedActivationBytes = 0;
  if (training.activationOffload) {
    const kept = Math.min(L, 2) * storedPerLayer * tokens;
    offloadedActivationBytes = Math.max(0, tokens * L * storedPerLayer - kept);
    stored -= offloadedActivationBytes;
  }
  // Unsloth's "unsloth" gradient checkpointing (kernels.ts): every checkpointed layer input over 2 MiB but the last
  // layer's goes to pinned host RAM; the GPU keeps that one and the buffers the backward copies them back into.
  const layerInput = tokens * checkpointInputPerToken;
  if (
    profile.kernels === 'unsloth' &&
    training.gradientCheckpointing &&
    !training.activationOffload &&
    layerInput > UNSLOTH_OFFLOAD_MIN_BYTES
  ) {
    const moved = Math.max(0, L - 1) * layerInput;
    offloadedActivationBytes += moved;
    stored += UNSLOTH_GPU_BUFFERS * layerInput - moved;
  }
  // The final norm's input: HF RMSNorm and torchtune's RMSNorm keep the fp32 upcast; torch.compile fuses it away only
  // where it compiles the norm (torchtune compiles the decoder layers alone: torchtune/training/_compile.py
  // `compile_model`, so its final norm stays eager).
  // Liger's and Unsloth's fused norm replaces the final norm too (keeps its input and rstd).
  const fusedNorm =
    (training.compile && training.stack !== 'torchtune') ||
    (profile.kernels !== undefined && profile.kernels !== 'none');
  const finalNormPerToken = (fusedNorm ? residual : 4) * m.hiddenSize;
  stored += tokens * finalNormPerToken;
  // Issue 16: the image side (vision.ts): what a trained tower, a trained projector and mllama's cross-attention save
  // for backward, and the tower's forward working set, alone at the start of the forward.
  const vision = visionMemory(arch, profile.images ?? null, microBatch, a, training);
  stored += vision.savedBytes;
  stored *= assume.activationFactor;
  // Weights a layer keeps for its backward: a GPTQ/AWQ base's dequantized copies (kernels.ts isInt4Base) and LoHa's
  // delta weights. Every layer's without checkpointing, the recomputed layer's with it.
  const savedWeights = (profile.int4SavedWeightsPerLayer ?? 0) + (profile.adapterSavedWeightsPerLayer ?? 0);
  if (!training.gradientCheckpointing) stored += L * savedWeights;
  // One layer's saved tensors, alive while that layer's backward runs (recomputed first under checkpointing, with the
  // layer's input brought back).
  const oneLayer =
    tokens *
      (layerBytesPerToken + (training.gradientCheckpointing ? checkpointInputPerToken : 0)) *
      assume.activationFactor +
    savedWeights;
  // The gradient tensors that layer's own backward makes, at its largest moment (layerBackwardBytesPerToken): on top
  // of its saved tensors while it runs, recomputed or not.
  const layerBackward = layerBackwardBytesPerToken(profile);
  const layerWorking = tokens * layerBackward.bytes * assume.activationFactor;

  // transformers: use_cache defaults to True without gradient checkpointing, and the returned cache keeps k and v of
  // every layer alive. torchtune builds no cache in training (kv_cache is None unless setup_caches is called).
  // TRL's SFTTrainer asks for no cache either (trl/trainer/sft_trainer.py:1564 `inputs["use_cache"] = False`; its fused
  // head again at trl/trainer/utils.py:1612).
  const kvCacheBytes =
    training.gradientCheckpointing ||
    training.stack === 'torchtune' ||
    trlFusedHead(profile) ||
    // LLaMA-Factory (model/model_utils/kv_cache.py configure_kv_cache: `use_cache = False` when trainable) and axolotl
    // (loaders/utils.py lines 63–64) turn the cache off for training.
    profile.trainingCacheOff !== undefined ||
    // Issue 19: every preference/RL trainer passes use_cache=False (dpo_trainer.py `_compute_loss`,
    // orpo_trainer.py `concatenated_forward`, reward_trainer.py `compute_loss`).
    profile.objective.kind !== 'sft'
      ? 0
      : tokens * L * 2 * arch.kvWidth * a * keysPerQuery * assume.activationFactor;

  // Logits, by moment: the forward end (`logitsForward`), the loss's backward (`logitsBackward`) and — torchtune's
  // chunked output with a trainable head — the head's backward (`logitsHead`, with the head's weight gradient).
  // Issue 16: a sequence-classification model (ModelSpec.encoder) has num_labels logits, not vocabulary logits (an
  // upper bound here: counted per token, where the classifier runs once per sequence).
  const V = m.encoder?.task === 'classification' ? (m.encoder.numLabels ?? 2) : m.vocabSize;
  const torchtune = training.stack === 'torchtune';
  const headGradient = profile.firstGradients;
  // Issue 19: the fused / chunked cross-entropy kernels replace the model's own loss; the preference and RL trainers
  // compute their log-probs from the logits themselves (ORPO / CPO `concatenated_forward`: `outputs.logits`;
  // LLaMA-Factory's CustomDPOTrainer / CustomKTOTrainer likewise), so those kernels never run for them (the TRL export
  // says "NOT EXPRESSED: chunked / fused cross-entropy"; trl-objectives.ts). Only the TRL fused head applies.
  const modelLoss = profile.objective.kind === 'sft';
  let logitsForward: number;
  let logitsBackward: number;
  let logitsHead = 0;
  if (training.lossKernel === 'chunked' && torchtune) {
    // torchtune CEWithChunkedOutputLoss (torchtune/modules/loss/ce_chunked_output_loss.py, num_output_chunks = 8): the
    // head writes every chunk of 16-bit logits (TransformerDecoder.chunked_output), and each chunk's loss keeps its
    // chunk for the backward. Compiled (the recipe compiles `compute_cross_entropy`, training/_compile.py
    // `compile_loss`), the upcast and log-softmax are one fused kernel that saves only the 16-bit input; in the
    // backward one kernel writes the chunk's 16-bit gradient while the saved chunks are still there (nine chunks at
    // most). Eager, each chunk's log_softmax saves its fp32 output for the backward, so all of them exist at the
    // forward end (the recipe's `del logits` frees the 16-bit chunks only once the loss is built); the backward adds
    // one chunk's fp32 nll and log-softmax gradients and its 16-bit cast. Autograd runs ready nodes highest sequence
    // number first (torch/csrc/autograd/engine.cpp, ReadyQueue ordering), so every loss node runs before the head's
    // backward.
    const chunks = TORCHTUNE_OUTPUT_CHUNKS;
    if (training.compile) {
      logitsForward = tokens * V * a;
      logitsBackward = tokens * V * a * (1 + 1 / chunks);
    } else {
      logitsForward = tokens * V * (a + 4 + 4 / chunks);
      logitsBackward = tokens * V * (4 + (4 + 4 + a) / chunks);
    }
    if (headGradient > 0) {
      // The head's backward, one chunk at a time: each chunk's weight gradient (V·h) is made while the gradient
      // accumulated from the chunks before it is held (torch/csrc/autograd/input_buffer.cpp `accumulate`), next to the
      // 16-bit logit gradients not yet consumed: all C of them with the first chunk's, C − 1 with the second's.
      const chunk = (tokens * V * a) / chunks;
      logitsHead = Math.max(chunks * chunk + headGradient, (chunks - 1) * chunk + 2 * headGradient) - headGradient;
    }
  } else if (trlFusedHead(profile)) {
    // TRL 1.16 SFTTrainer with loss_type "nll" (what the exported train.py sets) never builds the logits: compute_loss
    // calls `model(**inputs, fused_lm_head=True)` (trl/trainer/sft_trainer.py:1611) after `add_fused_lm_head`
    // (sft_trainer.py:1144), whose forward scores the tokens with a label, `hidden_states[mask]`
    // (trl/trainer/utils.py:1645), through `ChunkedLogProbFunction` in tiles of 4,096 tokens × 32,768 vocabulary
    // entries (utils.py:1506, trl/kernels/chunked_logprob.py:31). TRL switches Liger's fused linear cross-entropy off
    // (sft_trainer.py:1140), so lossKernel 'chunked' runs this same head. With n = b·(s − 1) scored tokens (every label
    // valid: the worst batch) and t = b·s:
    //  - forward, inside the head: the backbone output t·h (alive in `_fused_forward` until it returns), the gathered
    //    hidden n·h (saved for backward, chunked_logprob.py:386), the int64 targets and seven fp32 running statistics
    //    per token (36 B), and one tile `mm_buf` of min(n, 4096) × 32,768 in the compute dtype
    //    (chunked_logprob.py:347);
    //  - backward, as the head's backward returns: the saved hidden n·h, its fp32 gradient accumulator n·h·4
    //    (chunked_logprob.py:406) and that gradient's cast n·h, the tile again (chunked_logprob.py:413), the targets,
    //    log Z, entropy and the fp32 incoming gradient (20 B per token); with a trainable head, the fp32
    //    weight-gradient accumulator V·h·4 (chunked_logprob.py:409) beside the head's gradient (counted with the
    //    gradients).
    const n = microBatch * (s - 1);
    const tile = Math.min(n, TRL_TOKEN_TILE) * TRL_VOCAB_CHUNK * a;
    logitsForward = tokens * m.hiddenSize * a + n * (m.hiddenSize * a + 36) + tile;
    logitsBackward = n * m.hiddenSize * (2 * a + 4) + n * 20 + tile + (headGradient > 0 ? V * m.hiddenSize * 4 : 0);
  } else if (modelLoss && profile.kernels === 'liger' && ligerFusedLinearCrossEntropy(training.stack, false)) {
    // Liger fused linear cross-entropy (kernels.ts; ops/fused_linear_cross_entropy.py): no logits tensor. Inside the
    // forward: the head's input t·h, grad_input t·h (zeros_like(_input)), one chunk of 16-bit logits turned into its
    // gradient in place, the fp32 per-token loss, and with a trainable head grad_weight (zeros_like(weight)), which
    // becomes the head's gradient. The backward only scales the saved grad_input.
    const chunk = ligerChunkTokens(tokens, V, m.hiddenSize);
    logitsForward = 2 * tokens * m.hiddenSize * a + chunk * V * a + 4 * tokens + headGradient;
    logitsBackward = tokens * m.hiddenSize * a;
  } else if (modelLoss && profile.kernels === 'unsloth') {
    // Unsloth's fused cross-entropy (kernels.ts; unsloth_zoo/fused_losses/cross_entropy_loss.py UnslothFusedLoss):
    // grad_inputs = empty_like(hidden_states), grad_lm_head = zeros_like(weight) when the head trains, and per chunk
    // (torch.func.grad_and_value) the 16-bit logits, their fp32 upcast and fp32 gradient. The backward scales the
    // saved grad_inputs.
    const chunkTokens = tokens / unslothChunks(tokens, V);
    logitsForward = 2 * tokens * m.hiddenSize * a + chunkTokens * V * (a + 8) + headGradient;
    logitsBackward = tokens * m.hiddenSize * a;
  } else if (modelLoss && training.lossKernel === 'chunked') {
    // Fused/chunked cross-entropy: only chunks of logits exist; about an fp32 hidden-sized buffer per token for each
    // pass.
    logitsForward = tokens * 3 * 4 * m.hiddenSize;
    logitsBackward = logitsForward;
  } else if (torchtune) {
    // torchtune casts the head's output to fp32 (`self.output(h).float()`, torchtune/modules/transformer.py 652): the
    // 16-bit logits are a temporary. Forward end: fp32 logits + log-probabilities (8 B); compiled, cross-entropy is one
    // kernel that keeps only its fp32 input (4 B). Backward: the recipe's `del logits` leaves the loss's saved tensors;
    // eager, nll_loss's fp32 gradient and log_softmax's fp32 gradient exist next to the saved log-probabilities (12 B);
    // compiled, one fp32 gradient next to the saved fp32 logits (8 B). The 16-bit cast comes after those are freed.
    // Only lora_finetune_single_device runs this loss compiled: `training.compile_loss` returns `torch.compile(loss)`
    // for any loss but CEWithChunkedOutputLoss (which it patches in place; torchtune/training/_compile.py at 1814feb),
    // and that recipe keeps the result (`self._loss_fn = training.compile_loss(...)`, recipes/
    // lora_finetune_single_device.py line 296) while full_finetune_single_device (line 292), full_finetune_distributed
    // and lora_finetune_distributed call it and drop it (the same at bd2a0fc), so their cross-entropy stays eager.
    const compiledLoss = training.compile && torchtuneKeepsCompiledLoss(profile);
    logitsForward = tokens * V * (compiledLoss ? 4 : 8);
    logitsBackward = tokens * V * (compiledLoss ? 8 : 12);
  } else {
    logitsForward = tokens * V * (a + (a === 4 ? 0 : 4) + (training.compile ? 0 : 4));
    logitsBackward = tokens * V * (training.compile ? 10 : 12);
  }
  logitsForward *= assume.activationFactor;
  logitsBackward *= assume.activationFactor;
  logitsHead *= assume.activationFactor;
  if (profile.objective.kind === 'reward') {
    // AutoModelForSequenceClassification with num_labels 1 (reward_trainer.py): the `score` head writes one value per
    // token, not V; the loss reads the last token's. fp32 upcast and its gradient: 8 B per token.
    logitsForward = tokens * (a + 4) * assume.activationFactor;
    logitsBackward = tokens * 8 * assume.activationFactor;
    logitsHead = 0;
  }
  const extra = objectiveAt(profile, microBatch, s, assume.activationFactor);

  const states = profile.frozenWeights + profile.trainableWeights + profile.optimizerStates + profile.communication;
  const persistentGrads = profile.gradientsPersist ? profile.gradients : 0;
  const transients = profile.optimizerTransients * assume.optimizerTransientFactor;
  // Optimizer in backward: each parameter steps once its gradient is complete, after the backward start, when the
  // head's gradient (the tied embedding's, whose hook fires last) is alive; that moment takes the optimizer slot.
  const stepGradients = profile.optimizerInBackward
    ? Math.max(profile.firstGradients, profile.gradients)
    : profile.gradients;
  const earlyGradients = profile.gradientsPersist ? profile.gradients : profile.firstGradients;
  // A tied embedding's gradient is summed from the head's and the embedding's at the very end of the backward: one
  // more V·h gradient exists while the two are added (input_buffer.cpp `accumulate`).
  const tiedExtra = arch.lmHeadParams === 0 ? profile.firstGradients : 0;

  // The backward's moments: the loss's backward (logits), the head's backward (torchtune chunked output), the first
  // layer's backward (recomputed under checkpointing: every checkpointed input still stored, the logits already
  // freed; without it every layer's saved tensors are), and the last layer's backward (every gradient made, one
  // layer's tensors left). Both layer moments hold that layer's backward working set (layerWorking).
  // Plain comparisons rather than an array: this runs in every sweep's inner loop.
  let backwardMoment: { name: BackwardMoment; activations: number; logits: number; gradients: number } = {
    name: 'loss',
    activations: stored,
    logits: logitsBackward,
    gradients: earlyGradients,
  };
  let backwardBytes = stored + logitsBackward + earlyGradients;
  if (logitsHead > logitsBackward) {
    backwardMoment = { name: 'head', activations: stored, logits: logitsHead, gradients: earlyGradients };
    backwardBytes = stored + logitsHead + earlyGradients;
  }
  if (training.gradientCheckpointing && oneLayer + layerWorking > backwardMoment.logits) {
    backwardMoment = {
      name: 'recompute',
      activations: stored + oneLayer + layerWorking,
      logits: 0,
      gradients: earlyGradients,
    };
    backwardBytes = stored + oneLayer + layerWorking + earlyGradients;
  } else if (!training.gradientCheckpointing && layerWorking > backwardMoment.logits) {
    // Without checkpointing the first layer's saved tensors are in `stored` already; a loss that leaves less than
    // the working set behind (fused heads, a reward head) peaks here instead.
    backwardMoment = { name: 'layer', activations: stored + layerWorking, logits: 0, gradients: earlyGradients };
    backwardBytes = stored + layerWorking + earlyGradients;
  }
  const endGradients =
    (profile.optimizerInBackward ? stepGradients : profile.gradients) + (profile.rootEndGradient ?? 0);
  const endActivations = Math.max(oneLayer + layerWorking, tiedExtra);
  if (endActivations + endGradients > backwardBytes) {
    backwardMoment = { name: 'end', activations: endActivations, logits: 0, gradients: endGradients };
    backwardBytes = endActivations + endGradients;
  }

  // Issue 19: the reference weights and a colocated vLLM without sleep mode stay through every phase; the reference's
  // no-grad forward runs after the policy's forward, its saved activations still alive (objectiveAt).
  const standing = profile.referenceWeights + extra.residentGeneration;
  // Issue 16: the vision tower runs first; its working set is the forward's largest moment when it exceeds what the
  // forward's end holds (vision.ts visionMemory).
  const towerForward = vision.forwardBytes * assume.activationFactor;
  const towerStart = towerForward > stored + kvCacheBytes + logitsForward + extra.referenceForward;
  const phases: Record<Phase, number> = {
    forward:
      states +
      persistentGrads +
      (towerStart ? towerForward : stored + kvCacheBytes + logitsForward + extra.referenceForward) +
      profile.dequantBytes +
      profile.communicationExtra.forward +
      standing,
    backward: states + backwardBytes + profile.dequantBytes + profile.communicationExtra.backward + standing,
    optimizer: states + stepGradients + transients + profile.communicationExtra.optimizer + standing,
  };
  const updatePhase: Phase =
    phases.backward >= phases.forward && phases.backward >= phases.optimizer
      ? 'backward'
      : phases.forward >= phases.optimizer
        ? 'forward'
        : 'optimizer';
  // GRPO's generation moment: model states, the reference weights and the engine (gradients were freed by the last
  // optimizer step's zero_grad; generation starts each accumulation cycle).
  const generationBytes =
    extra.generationPhase > 0
      ? states + profile.referenceWeights + extra.residentGeneration + extra.generationPhase
      : 0;
  const phase: PeakPhase = generationBytes > phases[updatePhase] ? 'generation' : updatePhase;
  // Paged optimizer states (kernels.ts pagedStateShare) are cudaMallocManaged by bitsandbytes: in every phase's total
  // and in nvidia-smi, never in PyTorch's allocated, reserved or active counters.
  const pagedBytes = profile.pagedOptimizerBytes ?? 0;
  const allocatedBytes = (phase === 'generation' ? generationBytes : phases[phase]) - pagedBytes;
  // The first step: the forward, the backward (and GRPO's first generation) without the lazily created states, paged
  // ones included (they are in every phase's total); its optimizer moment with them.
  const lazy = profile.lazyOptimizerStates ?? 0;
  const firstStepAllocatedBytes = Math.max(
    phases.forward - lazy,
    phases.backward - lazy,
    phases.optimizer - pagedBytes,
    generationBytes > 0 ? generationBytes - lazy : 0,
  );
  // NCCL's buffers are cudaMalloc'ed by NCCL itself: in nvidia-smi, not in allocated or reserved (distributed.ts).
  const nccl = ncclBufferBytes(profile.ncclCommunicators, assume.ncclChannels);
  const inGeneration = phase === 'generation';
  // Issue 15 §3: reserved − allocated from the caching allocator (allocator.ts). Reserved never shrinks within a run
  // (freed blocks stay cached), so the reserved peak is the largest over the step's moments of what each moment has
  // allocated + the rounding of its live tensors + the cached blocks its requests cannot reuse. vLLM's share is one
  // block taken up front and paged optimizer states are cudaMallocManaged: neither is rounded nor fragments here.
  const expandable = training.expandableSegments ?? false;
  const shapes: ShapeRegime = profile.allocatorShapes ?? (training.packing ? 'fixed' : 'variable');
  const persistent = persistentRoundingOf(profile);
  const actRound = activationRounding(profile, tokens, expandable);
  const checkpointStored = training.gradientCheckpointing ? Math.min(stored, tokens * L * checkpointInputPerToken) : 0;
  const momentSlack = (gradients: number, activations: number, logits: number, dataChurn: number) => {
    const inputs = Math.min(activations, checkpointStored);
    const rounding =
      persistent.statesBytes +
      persistent.perGradientByte * gradients +
      inputs * actRound.perCheckpointByte +
      Math.max(0, activations - inputs) * actRound.perLayerByte +
      roundingBytes(logits, 1, expandable);
    const fragmentation = fragmentationBytes({
      shapes,
      expandable,
      dataChurnBytes: dataChurn,
      layerBytes: oneLayer,
      end: assume.allocator,
    });
    return { rounding, fragmentation, churn: Math.max(0, dataChurn) };
  };
  const forwardActivations = towerStart ? towerForward : stored + kvCacheBytes;
  const forwardLogits = towerStart ? 0 : logitsForward;
  const forwardChurn = forwardActivations + forwardLogits + (towerStart ? 0 : extra.referenceForward);
  const moments: Array<{ phase: PeakPhase; bytes: number; slack: ReturnType<typeof momentSlack> }> = [
    {
      phase: 'forward',
      bytes: phases.forward,
      slack: momentSlack(persistentGrads, forwardActivations, forwardLogits, forwardChurn),
    },
    {
      phase: 'backward',
      bytes: phases.backward,
      slack: momentSlack(
        backwardMoment.gradients,
        backwardMoment.activations,
        backwardMoment.logits,
        backwardMoment.activations + backwardMoment.logits,
      ),
    },
    { phase: 'optimizer', bytes: phases.optimizer, slack: momentSlack(stepGradients, 0, 0, 0) },
  ];
  if (generationBytes > 0)
    moments.push({
      phase: 'generation',
      bytes: generationBytes,
      slack: momentSlack(0, 0, 0, extra.generationPhase - extra.generationPhaseVllm),
    });
  let reservedBytes = allocatedBytes;
  let allocator: AllocatorBreakdown = {
    phase,
    roundingBytes: 0,
    fragmentationBytes: 0,
    churnBytes: 0,
    cachedSpareBytes: 0,
    shapes,
    expandable,
  };
  for (const m of moments) {
    const reserved = m.bytes - pagedBytes + m.slack.rounding + m.slack.fragmentation;
    // The allocated peak's own moment always counts; an earlier moment counts when it reserved more.
    if (m.phase === phase ? reserved >= reservedBytes : reserved > reservedBytes) {
      reservedBytes = Math.max(reserved, allocatedBytes);
      allocator = {
        phase: m.phase,
        roundingBytes: m.slack.rounding,
        fragmentationBytes: m.slack.fragmentation,
        churnBytes: m.slack.churn,
        cachedSpareBytes: cachedSpareBytes(shapes, expandable, m.slack.churn),
        shapes,
        expandable,
      };
    }
  }
  const allocatorSlack = reservedBytes - allocatedBytes;
  const parts: MemoryParts = {
    frozenWeights: profile.frozenWeights + (phase === 'optimizer' || inGeneration ? 0 : profile.dequantBytes),
    trainableWeights: profile.trainableWeights,
    gradients: inGeneration
      ? 0
      : phase === 'optimizer'
        ? stepGradients
        : phase === 'backward'
          ? backwardMoment.gradients
          : persistentGrads,
    optimizerStates: profile.optimizerStates,
    activations:
      phase === 'optimizer' || inGeneration
        ? 0
        : phase === 'forward'
          ? towerStart
            ? towerForward
            : stored + kvCacheBytes
          : backwardMoment.activations,
    logits: phase === 'forward' ? (towerStart ? 0 : logitsForward) : phase === 'backward' ? backwardMoment.logits : 0,
    referenceModel: profile.referenceWeights + (phase === 'forward' && !towerStart ? extra.referenceForward : 0),
    generation: extra.residentGeneration + (inGeneration ? extra.generationPhase : 0),
    optimizerTransients: phase === 'optimizer' ? transients : 0,
    communication: profile.communication + (inGeneration ? 0 : profile.communicationExtra[phase]),
    allocatorSlack,
    cudaContext: assume.cudaContextBytes + nccl,
  };
  return {
    parts,
    phase,
    allocatedBytes,
    reservedBytes,
    nvidiaSmiBytes: reservedBytes + assume.cudaContextBytes + nccl + pagedBytes,
    pagedBytes,
    phases,
    generationBytes,
    backwardMoment: backwardMoment.name,
    perTokenLayer,
    layerBackward: { bytesPerToken: layerBackward.bytes, stage: layerBackward.stage },
    kvCacheBytes,
    offloadedActivationBytes,
    seqLen: s,
    allocator,
    firstStepAllocatedBytes,
  };
}

/** What the objective adds at one micro-batch and sequence length (issue 19). */
export interface ObjectiveAt {
  /** The reference's no-grad forward, on top of the policy's forward end: one layer's tensors and its log-prob head. */
  referenceForward: number;
  /** Bytes of the generation engine held through the update (vLLM colocate without sleep mode). */
  residentGeneration: number;
  /** Bytes alive only while generating: vLLM's share with sleep mode, generate()'s KV cache, the weight sync. */
  generationPhase: number;
  /** The part of generationPhase that is vLLM's up-front share. */
  generationPhaseVllm: number;
  /** transformers generate: the KV cache of the generation batch (0 otherwise). */
  generateKvBytes: number;
}

export function objectiveAt(profile: MemoryProfile, microBatch: number, seqLen: number, factor = 1): ObjectiveAt {
  const o = profile.objective;
  const a = profile.bytes.activation;
  const arch = profile.arch;
  const tokens = microBatch * seqLen;
  let referenceForward = 0;
  if (o.kind !== 'grpo' && (profile.reference === 'copy' || profile.reference === 'peft_base')) {
    // DPOTrainer._compute_loss / KTOTrainer._compute_loss run the reference under torch.no_grad() after the policy's
    // forward, gradient checkpointing switched off for it (`disable_gradient_checkpointing`): nothing is saved, so
    // one layer's intermediates exist at a time, plus the fused log-prob head's tile (4,096 tokens × 32,768 entries,
    // trl/kernels/chunked_logprob.py), the backbone output it reads and its fp32 per-token results.
    // Without the fused head (MemoryProfile.fullLogitsTrainer: LLaMA-Factory's concatenated_forward
    // `model(...).logits.to(torch.float32)` then log_softmax in get_batch_logps), the reference's logits exist whole:
    // the fp32 copy and its log-softmax, 8 B per vocabulary entry (the 16-bit logits are freed by the cast).
    const tile = trlFusedHead(profile)
      ? Math.min(tokens, TRL_TOKEN_TILE) * TRL_VOCAB_CHUNK * a
      : tokens * profile.arch.spec.vocabSize * 8;
    referenceForward =
      (tokens * noGradLayerBytesPerToken(arch, a) + tokens * arch.spec.hiddenSize * a + tile + tokens * 8) * factor;
  }
  const g = profile.generation;
  let residentGeneration = 0;
  let generationPhase = 0;
  let generationPhaseVllm = 0;
  let generateKvBytes = 0;
  if (g.engine === 'vllm_colocate') {
    // Without sleep mode the share stays taken through the update; with it, TRL sleeps the engine (level 2: weights
    // and KV cache released) after generating and wakes it for the next (trl/generation/vllm_generation.py
    // `self.llm.sleep(level=2)`, `wake_up(tags=["weights"])`, `wake_up(tags=["kv_cache"])`).
    if (g.sleepMode) {
      generationPhase = g.vllmShareBytes + g.weightSyncBytes;
      generationPhaseVllm = g.vllmShareBytes;
    } else {
      residentGeneration = g.vllmShareBytes;
      generationPhase = g.weightSyncBytes;
    }
  } else if (g.engine === 'vllm_server') {
    generationPhase = g.weightSyncBytes; // the engine runs on its own GPUs
  } else if (g.engine === 'transformers') {
    // GRPOTrainer._generate_single_turn: `unwrapped_model.generate(**generate_inputs)` over the process's whole
    // generation batch under torch.no_grad(): a KV cache of every sequence at its full length, the prefill's
    // one-layer intermediates over the prompts, and the full weights under ZeRO-3.
    const batch = generationBatchPerGpu({ microBatch, gradAccum: profile.training.gradAccum });
    generateKvBytes = batch * seqLen * g.kvBytesPerToken;
    const prefill = batch * o.promptTokens * noGradLayerBytesPerToken(arch, a);
    generationPhase = (generateKvBytes + prefill) * factor + g.gatheredWeightsBytes;
  }
  return { referenceForward, residentGeneration, generationPhase, generationPhaseVllm, generateKvBytes };
}
