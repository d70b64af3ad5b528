/**
 * Explanations: one small named helper per figure, each giving the formula, this plan's numbers
 * substituted into it, and its sources (ESTIMATOR.md). The estimate (estimate.ts) computes the
 * figures; this file only says how they were computed.
 */
import { groupsByLength } from '../domain/export-capabilities';
import type { Plan, Technique, Training } from '../domain/plan';
import { STRATEGY_TRAITS } from '../domain/strategies';
import type { Architecture } from './architecture';
import type { CostEstimate } from './cost';
import { optimizerImplementation } from './optimizer-impl';
import { BNB_OPTIMIZERS } from './bnb-states';
import { isInt4Base, pagingSecondsPerStep } from './kernels';
import type { FromDataReport, PreparedTechnique } from './estimate';
import type { ResolvedGpu } from './hardware';
import {
  trlFusedHead,
  torchtuneKeepsCompiledLoss,
  CUDA_CONTEXT_BYTES,
  MEMORY_RANGE,
  effectivePrecision,
  forwardOf,
  PART_LABELS,
  type BackwardMoment,
  type MemoryBreakdown,
  type PartKey,
} from './memory';
import { gib as formatGib } from '../format';
import type { SourceId } from './sources';
import { explainVision } from './explain-vision';
import { DTYPE_BYTES, lohaDeltaDtype } from './forward-dtypes';
import { fitStateFor, TIME_RANGE, type MemoryCounters } from './ranges';
import { NCCL_CHANNELS, ncclBufferBytes } from './distributed';
import { explainObjective } from './explain-objective';
import { OBJECTIVE_LABELS, OBJECTIVE_TRAINERS } from './objective';
import { publishedMfu } from './mfu';
import { describeAssumption, MFU_CEILING, MFU_HALF_TOKENS, TECHNIQUE_EFFICIENCY, type TimeEstimate } from './time';

export interface Explanation {
  key: string;
  label: string;
  value: number | null;
  unit: string;
  formula: string;
  substituted: string;
  sources: SourceId[];
  note?: string;
  /** Engineering assumptions (no published source) this figure rests on, each said as such. */
  assumptions?: string[];
}

/** Everything one technique's explanations read. */
export interface ExplainContext {
  plan: Plan;
  arch: Architecture;
  gpu: ResolvedGpu;
  prepared: PreparedTechnique;
  mem: MemoryBreakdown;
  time: TimeEstimate;
  cost: CostEstimate;
  usableBytes: number;
  /** Low and high ends of the memory counters (issue 15 §8); absent in callers that only need the expected figure. */
  range?: { low: MemoryCounters; high: MemoryCounters };
  /** What the user's data statistics gave the estimate (issue 17); null or absent without `data.stats`. */
  fromData?: FromDataReport | null;
}

const gib = (bytes: number) => formatGib(bytes, 2, { grouping: false });
const n = (x: number) => Math.round(x).toLocaleString('en-US');

export function explainTechnique(c: ExplainContext): Explanation[] {
  return [
    explainTotalParams(c),
    explainTrainableParams(c),
    explainFrozenWeights(c),
    explainTrainableWeights(c),
    explainGradients(c),
    explainOptimizerStates(c),
    explainActivations(c),
    explainLogits(c),
    explainOptimizerTransients(c),
    explainCommunication(c),
    explainAllocatorSlack(c),
    explainCudaContext(c),
    explainPeak(c),
    explainHostRam(c),
    explainFlops(c),
    explainMfu(c),
    explainThroughput(c),
    explainCommunicationTime(c),
    explainWallTime(c),
    explainGpuHours(c),
    explainCost(c),
    explainFit(c),
    ...(c.fromData ? [explainFromData(c, c.fromData)] : []),
    ...explainObjective(c), // issue 19: reference model, generation engine, time by phase (explain-objective.ts)
    ...explainVision(c), // issue 16: image tokens, the image side's activations and FLOPs (explain-vision.ts)
  ];
}

// ── parameters ────────────────────────────────────────────────────────────────────────────────

function explainTotalParams({ arch, prepared: { params } }: ExplainContext): Explanation {
  return {
    key: 'params.total',
    label: 'Total parameters',
    value: params.totalParams,
    unit: 'parameters',
    formula: 'V·h + head + L·(attention + MLP + norms) + final norm (+ added adapter parameters)',
    substituted: `${n(arch.totalParams)} base + ${n(params.addedParams)} added = ${n(params.totalParams)}`,
    sources: ['catalogModels'],
  };
}

function explainTrainableParams({ prepared: { params, technique } }: ExplainContext): Explanation {
  return {
    key: 'params.trainable',
    label: 'Trainable parameters',
    value: params.trainableParams,
    unit: 'parameters',
    formula: params.formula,
    substituted: params.substituted,
    sources: techniqueSources(technique.kind),
  };
}

function techniqueSources(kind: Technique['kind']): SourceId[] {
  switch (kind) {
    case 'lora':
    case 'lora_fa':
    case 'loha':
    case 'vera':
      return ['lora', 'peftLora'];
    case 'qlora':
      return ['qlora', 'lora'];
    case 'dora':
      return ['dora'];
    case 'ia3':
      return ['ia3'];
    case 'prompt_tuning':
    case 'p_tuning':
      return ['promptTuning'];
    case 'prefix_tuning':
      return ['prefixTuning'];
    default:
      return ['catalogModels'];
  }
}

// ── memory by part ────────────────────────────────────────────────────────────────────────────

function memoryPart(
  { mem }: ExplainContext,
  key: PartKey,
  formula: string,
  substituted: string,
  sources: SourceId[],
  note?: string,
): Explanation {
  return {
    key: `memory.${key}`,
    label: PART_LABELS[key],
    value: mem.parts[key],
    unit: 'bytes',
    formula,
    substituted,
    sources,
    ...(note ? { note } : {}),
  };
}

/** " / N GPUs (what sharded by strategy)" when the strategy shards it over more than one GPU. */
function shardNote({ plan, prepared }: ExplainContext, what: string, sharded: boolean): string {
  const N = prepared.profile.shardGpus; // hybrid sharding splits over one node's GPUs
  return sharded && N > 1 ? ` / ${N} GPUs (${what} sharded by ${plan.distribution.strategy})` : '';
}

const shardsOf = (c: ExplainContext) => STRATEGY_TRAITS[c.plan.distribution.strategy].shards;

function explainFrozenWeights(c: ExplainContext): Explanation {
  const { profile, params, technique } = c.prepared;
  const b = profile.bytes;
  return memoryPart(
    c,
    'frozenWeights',
    isInt4Base(technique)
      ? 'Σ per linear: qweight in·out/2 + (qzeros out/2 + scales 2·out) × ceil(in / group)' +
          `${technique.quantType === 'gptq' ? ' + g_idx 4·in' : ''} B + other weights × 2 B`
      : technique.kind === 'qlora'
        ? 'linear weights × (4 + constants) bits / 8 + other weights × 2 B'
        : 'frozen parameters × bytes per weight',
    profile.quantizedLinearBytesPerParam !== null
      ? `linear layers at ${(profile.quantizedLinearBytesPerParam * 8).toFixed(3)} bits, the rest at ${b.baseWeight} ` +
          `B = ${gib(c.mem.parts.frozenWeights)}`
      : `${n(params.frozenBaseParams)} × ${b.baseWeight} B${shardNote(c, 'parameters', shardsOf(c).parameters)} = ` +
          `${gib(c.mem.parts.frozenWeights)}`,
    isInt4Base(technique)
      ? ['gptqmodelKernels', 'hfQuantizedLoading']
      : technique.kind === 'qlora'
        ? ['qlora', 'bnbDequant', 'hfQuantizedLoading']
        : ['estimatorGuide'],
    [
      c.plan.distribution.offloadParams !== 'none'
        ? 'Offloaded: parameters live in host memory or NVMe and are gathered layer by layer.'
        : profile.dequantBytes > 0
          ? `Includes one weight dequantized to the compute dtype while its matmul runs (largest linear layer, ` +
            `${gib(profile.dequantBytes)}), in the forward and again in the backward.`
          : '',
      profile.loadHostBytes > 0
        ? `Loading: ${gib(profile.loadHostBytes)} of host RAM per node at the load peak (transformers 5.24 reads ` +
          (isInt4Base(technique)
            ? 'up to 4 tensors at once from the pre-quantized checkpoint'
            : 'one 16-bit tensor at a time and quantizes it on the GPU; the GPU peak while loading is the ' +
              'quantized weights so far plus that one tensor, below the training peak') +
          ', largest tensor × 2 B per process, page cache of the safetensors files aside).'
        : '',
    ]
      .filter(Boolean)
      .join(' ') || undefined,
  );
}

function explainTrainableWeights(c: ExplainContext): Explanation {
  const { profile, params, technique } = c.prepared;
  return memoryPart(
    c,
    'trainableWeights',
    'trainable parameters × bytes per weight',
    `${n(params.trainableParams)} × ${profile.bytes.trainableWeight} B` +
      `${shardNote(c, 'parameters', shardsOf(c).parameters)} = ${gib(c.mem.parts.trainableWeights)}`,
    technique.kind === 'full' ? ['zero'] : ['peftLora'],
    technique.kind === 'full' || technique.kind === 'ln_tuning'
      ? undefined
      : profile.training.stack === 'torchtune'
        ? 'torchtune builds its adapters under the recipe’s dtype (LoRALinear lora_a / lora_b): they train in it.'
        : forwardOf(profile).adapterStored === 'fp32'
          ? 'PEFT keeps adapter weights in fp32 (autocast_adapter_dtype=True).'
          : (forwardOf(profile).adapterNote ?? 'The adapters are stored in 16 bits.'),
  );
}

function explainGradients(c: ExplainContext): Explanation {
  const { profile, params } = c.prepared;
  return memoryPart(
    c,
    'gradients',
    'trainable parameters × bytes per gradient (when live at the peak)',
    `${n(params.trainableParams)} × ${profile.bytes.gradient} B${shardNote(c, 'gradients', shardsOf(c).gradients)} = ` +
      `${gib(profile.gradients)}; live at the ${c.mem.phase} peak: ${gib(c.mem.parts.gradients)}`,
    ['zero', 'pytorchAdamW'],
    profile.optimizerInBackward
      ? `Optimizer step in backward: each parameter steps as soon as its gradient is complete and the gradient is ` +
          `freed, so only the largest one (${gib(profile.gradients)}) is alive at a time.`
      : profile.gradientsPersist
        ? 'Gradients persist through the forward pass (gradient accumulation, DDP buckets or DeepSpeed partitions).'
        : 'With one micro-batch per step, zero_grad(set_to_none=True) frees gradients before the forward pass.',
  );
}

/** How bitsandbytes sizes the states it allocates (bnb-states.ts); the figure above is summed tensor by tensor. */
function bnbStatesNote(bits: 8 | 32, stack: Training['stack']): string {
  if (bits === 32) return 'bitsandbytes keeps 32-bit states in fp32 whatever the parameter dtype (4 B per state).';
  return (
    'bitsandbytes 8-bit, tensor by tensor (optimizer.py Optimizer2State.init_state): 1 B per state element plus an ' +
    'fp32 absmax per 256 elements; tensors under 4,096 elements keep fp32 states' +
    (stack === 'torchtune'
      ? '; torchtune registers no override, so the embedding is 8-bit too.'
      : '; transformers’ Trainer gives every nn.Embedding weight 32-bit states (register_module_override).')
  );
}

function explainOptimizerStates(c: ExplainContext): Explanation {
  const { profile, params, technique } = c.prepared;
  const { training, distribution } = c.plan;
  const b = profile.bytes;
  const master = technique.kind === 'full' && effectivePrecision(training, distribution) === 'mixed';
  return memoryPart(
    c,
    'optimizerStates',
    `trainable parameters × ${b.optimizerPerParam} B (${training.optimizer}` +
      `${master ? ', fp32 master weights included' : ''})`,
    `${n(params.trainableParams)} × ${b.optimizerPerParam} B` +
      `${shardNote(c, 'optimizer states', shardsOf(c).optimizer)} = ${gib(c.mem.parts.optimizerStates)}`,
    [
      ...new Set<SourceId>([
        ...(training.optimizer.includes('8bit')
          ? (['bnb8bit'] as const)
          : training.optimizer === 'adafactor'
            ? (['adafactor'] as const)
            : training.optimizer === 'lion'
              ? (['lion'] as const)
              : (['zero', 'pytorchAdamW'] as const)),
        // Which class and kernel the optim name selects in transformers (foreach, fused, 8-bit, paged; issue 20).
        ...optimizerImplementation(training.optimizer).sources,
        ...(profile.pagedOptimizerBytes > 0 ? (['bnbPagedOptimizer'] as const) : []),
      ]),
    ],
    [
      `Implementation: ${optimizerImplementation(training.optimizer).text}`,
      BNB_OPTIMIZERS[training.optimizer] ? bnbStatesNote(BNB_OPTIMIZERS[training.optimizer]!.bits, training.stack) : '',
      profile.pagedOptimizerBytes > 0
        ? `Paged: ${gib(profile.pagedOptimizerBytes)} of these states (tensors ≥ 1e5 elements) are in CUDA managed ` +
          'memory — in nvidia-smi, not in PyTorch’s allocated or reserved; under memory pressure the driver moves ' +
          `them to host RAM and each step pages them back over PCIe (2 × ${gib(profile.pagedOptimizerBytes)} ≈ ` +
          `${pagingSecondsPerStep(profile.pagedOptimizerBytes).toFixed(2)} s at 25 GB/s), so a peak over the ` +
          'usable memory by no more than them is "may not fit", not "does not fit".'
        : '',
      distribution.offloadOptimizer !== 'none'
        ? `Offloaded to ${distribution.offloadOptimizer === 'cpu' ? 'host RAM' : 'NVMe'}.`
        : '',
      firstStepNote(c.mem),
    ]
      .filter(Boolean)
      .join(' '),
  );
}

/**
 * The optimizer creates its moments in its first step (memory.ts MemoryProfile.lazyOptimizerStates), so the first
 * step peaks lower than every later one when the peak is in the forward or backward: said when it differs.
 */
function firstStepNote(mem: MemoryBreakdown): string {
  const gap = mem.allocatedBytes - mem.firstStepAllocatedBytes;
  if (gap < 0.01 * mem.allocatedBytes) return '';
  return (
    `The optimizer creates its moments in its first step (PyTorch's "lazy state initialization"), so the first step ` +
    `peaks at ${gib(mem.firstStepAllocatedBytes)} allocated and every later one at ${gib(mem.allocatedBytes)}: a ` +
    'run that gets through its first step can still run out of memory in its second.'
  );
}

/** The moments of the backward pass (memory.ts `BackwardMoment`), for the explanations. */
const BACKWARD_MOMENT_LABELS: Record<BackwardMoment, string> = {
  loss: 'at the loss backward',
  head: 'at the output head’s backward',
  recompute: 'at the first recomputed layer',
  layer: 'at the first layer’s backward',
  end: 'at the last layer’s backward, every gradient made',
};

/** "backward peak (at the loss backward)", or just "forward peak". */
const peakMoment = (mem: MemoryBreakdown) =>
  mem.phase === 'backward' ? `backward peak (${BACKWARD_MOMENT_LABELS[mem.backwardMoment]})` : `${mem.phase} peak`;

/** Tokens in one micro-batch, including virtual tokens (prompt/prefix tuning). */
const microBatchTokens = ({ plan, prepared }: ExplainContext) =>
  plan.training.microBatch * (plan.training.seqLen + prepared.profile.extraTokens);

/**
 * What the forward's dtypes (forward-dtypes.ts) change in the saved tensors: fp32 weights under autocast, adapters
 * under autocast or in 16 bits, and LoHa's delta weights.
 */
function forwardNotes(c: ExplainContext): { notes: string[]; autocast: boolean } {
  const profile = c.prepared.profile;
  const fwd = forwardOf(profile);
  const notes: string[] = [];
  if (fwd.castsPerProjection)
    notes.push(
      'Mixed precision: fp32 weights run under torch.autocast, so the residual stream and the norms stay fp32 (4 B), ' +
        'each projection keeps its own bf16 copy of its input' +
        (c.plan.training.gradientCheckpointing ? ', and each checkpointed layer input is fp32.' : '.'),
    );
  else if (fwd.autocast && fwd.adapter === 'fp32')
    notes.push(
      'Under autocast each adapter computes A·x in bf16 and keeps a bf16 input: its own copy where PEFT casts the ' +
        'input to fp32 first, the norm output itself on a quantized base (PEFT skips that cast under autocast).',
    );
  if (fwd.adapterNote !== null)
    notes.push(
      `${fwd.adapterNote} An adapter whose input already has that dtype keeps the very tensor its projection reads, ` +
        'once for all the modules reading it (unless a dropout makes a copy per module).',
    );
  const delta = profile.adapterSavedWeightsPerLayer ?? 0;
  if (delta > 0)
    notes.push(
      `LoHa keeps each module's delta weight ΔW for its backward: ${n(delta)} B per layer ` +
        `(Σ out·in × ${DTYPE_BYTES[lohaDeltaDtype(fwd)]} B)` +
        (c.plan.training.gradientCheckpointing
          ? ', for the recomputed layer only (checkpointing).'
          : ` × ${profile.arch.spec.numLayers} layers until the backward.`),
    );
  return { notes, autocast: fwd.autocast };
}

/**
 * The layer's backward working set (memory.ts layerBackwardBytesPerToken): what a layer's own backward adds to its
 * saved tensors, in the first layer's and the last layer's backward moments.
 */
function layerBackwardNote(c: ExplainContext): string {
  const { mem } = c;
  const { bytesPerToken, stage } = mem.layerBackward;
  const compiled = c.plan.training.compile;
  const fused = c.prepared.profile.kernels !== 'none' && c.prepared.profile.arch.spec.mlp === 'gated';
  const what =
    stage === 'norm'
      ? 'the post-attention RMSNorm’s fp32 backward (PowBackward0 holds its input gradient, the pow(1) copy, 2· that ' +
        'and its result, 16·h, next to the fp32 gradient of x_fp32, 4·h) and the output gradient a·h, less the ' +
        'MLP’s saved tensors released before it'
      : 'the MLP product’s backward: the layer’s output gradient (a·h, held for the residual add) and the gradient ' +
        `of act(gate)·up with the new gradients of act(gate) and up (a·I each)${
          fused
            ? '; the fused kernel writes both into the saved gate and up, so only a·I stays'
            : compiled
              ? '; compiled, Inductor writes one of the two into the dying up output, so 2·a·I'
              : ', 3·a·I'
        }${c.prepared.technique.kind === 'full' ? ', less down_proj’s saved input released before it (a·I)' : ''}`;
  return (
    `Layer backward working set: ${n(bytesPerToken)} B per token on top of that layer’s saved tensors, in the first ` +
    `and last layers’ backward — ${what} (autograd frees a node’s saved tensors and consumed gradients right after ` +
    'it runs: torch/csrc/autograd/engine.cpp evaluate_function; transformers modeling_llama.py LlamaMLP, ' +
    'LlamaRMSNorm).'
  );
}

function explainActivations(c: ExplainContext): Explanation {
  const { mem } = c;
  const forward = forwardNotes(c);
  const perToken = mem.perTokenLayer.map((r) => `${r.tensor} ${n(r.bytes)} B`).join('; ');
  const layerBytes = mem.perTokenLayer.reduce((s, r) => s + r.bytes, 0);
  return memoryPart(
    c,
    'activations',
    c.plan.training.gradientCheckpointing
      ? 'tokens × L × layer input through the forward; one layer recomputed at a time in the backward, after the loss'
      : 'tokens × L × saved bytes per token per layer (+ KV cache at the forward end)',
    `${n(microBatchTokens(c))} tokens × ${c.prepared.profile.arch.spec.numLayers} layers × ${n(layerBytes)} B [` +
      `${perToken}]${mem.kvCacheBytes ? ` + KV cache ${gib(mem.kvCacheBytes)}` : ''} = ` +
      `${gib(mem.parts.activations)} at the ${peakMoment(mem)}`,
    [
      ...(c.plan.training.stack === 'torchtune' ? (['torchtuneModel'] as const) : (['hfLlama'] as const)),
      'peftLora',
      'korthikanti',
      ...(c.plan.training.compile ? (['torchCompilePartitioner'] as const) : []),
      ...(c.plan.training.activationOffload ? (['torchtuneActivationOffload'] as const) : []),
      ...(c.prepared.profile.kernels === 'liger' ? (['ligerKernels'] as const) : []),
      ...(c.prepared.profile.kernels === 'unsloth' ? (['unslothKernels'] as const) : []),
      ...(c.prepared.profile.int4SavedWeightsPerLayer > 0 ? (['gptqmodelKernels'] as const) : []),
      ...(forward.autocast ? (['torchAutocast'] as const) : []),
      ...(forward.notes.length > 0 ? (['mixedPrecisionDtypes'] as const) : []),
    ],
    [
      'ZeRO and FSDP do not shard activations: each GPU holds its own micro-batch.',
      layerBackwardNote(c),
      ...forward.notes,
      c.plan.training.compile
        ? 'torch.compile: RMSNorm keeps its 16-bit input and rsqrt (the fp32 upcast and the normalized product its ' +
          'weight gradient reads are recomputed) and the MLP keeps gate and up (act(gate) is recomputed).'
        : '',
      mem.offloadedActivationBytes > 0 && c.prepared.profile.kernels === 'unsloth' && !c.plan.training.activationOffload
        ? `Unsloth offloaded checkpointing: ${gib(mem.offloadedActivationBytes)} of checkpointed layer inputs ` +
          '(L − 1 layers × tokens × h × 2 B; the last layer stays) wait in pinned host RAM; the GPU keeps two ' +
          'layer-input buffers to copy them back into (unsloth_zoo UnslothCheckpointFunction).'
        : mem.offloadedActivationBytes > 0
          ? `Activation offloading: ${gib(mem.offloadedActivationBytes)} of saved tensors wait in pinned host RAM; ` +
            `about two layers' worth stays on the GPU.`
          : '',
      c.prepared.profile.kernels !== 'none'
        ? `${c.prepared.profile.kernels === 'liger' ? 'Liger' : 'Unsloth'} kernels: fused RMSNorm keeps its 16-bit ` +
          'input and fp32 rstd (a·h + 4 B per norm per token), the fused MLP keeps gate and up (2·a·I), RoPE ' +
          'saves only cos/sin (no change: the stock RoPE saves no activation either).'
        : '',
      c.prepared.profile.int4SavedWeightsPerLayer > 0
        ? `${c.prepared.technique.quantType.toUpperCase()} base: the trainable gptqmodel kernel dequantizes each ` +
          'weight and torch.mm keeps it for the input gradient: ' +
          `${gib(c.prepared.profile.int4SavedWeightsPerLayer)} per layer (Σ in·out × 2 B)` +
          (c.plan.training.gradientCheckpointing
            ? ', for the recomputed layer only (checkpointing).'
            : ` × ${c.prepared.profile.arch.spec.numLayers} layers until the backward.`)
        : '',
      `Sized at the longest batch: ${n(mem.seqLen)} tokens per sequence${
        c.plan.training.packing
          ? ' (packed)'
          : c.fromData
            ? ` (from your data: padded to its longest example` +
              `${c.fromData.exact ? '' : ', extrapolated by a quick pass; the range spans its uncertainty'})`
            : c.plan.data.maxTokensPerExample === null && c.plan.data.mode === 'examples'
              ? ' (padded; longest example unknown, so the full sequence length; the low end uses the mean example)'
              : ' (padded to the longest example)'
      }.`,
    ]
      .filter(Boolean)
      .join(' '),
  );
}

function explainLogits(c: ExplainContext): Explanation {
  // Preference / RL trainers compute their own log-probs: no chunked loss kernel runs for them (memory.ts modelLoss).
  const chunked = c.plan.training.lossKernel === 'chunked' && c.plan.objective.kind === 'sft';
  if (c.plan.objective.kind === 'reward')
    return memoryPart(
      c,
      'logits',
      'tokens × (a + 4 B) at the forward end | tokens × 8 B at the loss backward (one score per token)',
      `${n(microBatchTokens(c))} tokens × 1 score = ${gib(c.mem.parts.logits)} at the ${peakMoment(c.mem)}`,
      ['trlPreference'],
      'A reward model has no LM head and no vocabulary logits: AutoModelForSequenceClassification (num_labels 1, ' +
        'trl/trainer/reward_trainer.py) ends in a score head Linear(h, 1) over every token ' +
        '(transformers/modeling_layers.py GenericForSequenceClassification), its 16-bit output, the fp32 upcast ' +
        'and its gradient; the loss reads the last non-pad token.',
    );
  if (trlFusedHead(c.prepared.profile)) {
    const h = c.prepared.profile.arch.spec.hiddenSize;
    return memoryPart(
      c,
      'logits',
      'TRL fused LM head: forward t·h·a + n·(h·a + 36 B) + tile; backward n·h·(2a + 4) + 20 B·n + tile (+ V·h·4 fp32 ' +
        'head-gradient accumulator when the head trains); tile = min(n, 4,096) × 32,768 × a; n ' +
        '= b·(s − 1) scored tokens',
      `${n(microBatchTokens(c))} tokens, h = ${n(h)}, no logits tensor = ${gib(c.mem.parts.logits)} at ` +
        `the ${peakMoment(c.mem)}`,
      ['trlFusedHead'],
      c.plan.objective.kind !== 'sft'
        ? // The preference and RL trainers call the fused head themselves (objective.ts fusedHeadFor): name that one.
          `${OBJECTIVE_LABELS[c.plan.objective.kind]} trains with TRL 1.16 ` +
            `${OBJECTIVE_TRAINERS[c.plan.objective.kind]} (the exported train.py), which scores every token — the ` +
            `policy's and any reference's — through TRL's fused LM head (add_fused_lm_head, model(..., ` +
            `fused_lm_head=True); trl/kernels/chunked_logprob.py) in tiles of 4,096 tokens × 32,768 vocabulary ` +
            `entries: the (batch, sequence, vocabulary) logits never exist, and no KV cache is kept ` +
            `(use_cache=False). The trainer always takes this head, whatever lossKernel says.`
        : `TRL 1.16 SFTTrainer with loss_type "nll" (the exported train.py) scores every token through its fused ` +
            `LM head (trl/trainer/sft_trainer.py:1611, trl/kernels/chunked_logprob.py) in tiles of 4,096 tokens × ` +
            `32,768 vocabulary entries: the (batch, sequence, vocabulary) logits never exist, and no KV cache is ` +
            `kept (use_cache=False).` +
            `${
              chunked
                ? ' lossKernel "chunked" runs this same head: TRL switches Liger’s fused linear cross-entropy off ' +
                  '(sft_trainer.py:1140), so the estimate equals what the export runs.'
                : ' lossKernel "standard" cannot ' +
                  'be expressed with TRL 1.16’s SFTTrainer (the fused head is always on for loss_type "nll"), so the ' +
                  'estimate models the fused head the export runs.'
            }`,
    );
  }
  return memoryPart(
    c,
    'logits',
    chunked
      ? 'tokens × 12·h B (chunked cross-entropy)'
      : 'tokens × V × (10 B at the forward end | 12 B at the loss backward)',
    `${n(microBatchTokens(c))} × ${n(c.prepared.profile.arch.spec.vocabSize)} = ${gib(c.mem.parts.logits)} at ` +
      `the ${peakMoment(c.mem)}`,
    c.plan.training.stack === 'torchtune' ? ['torchtuneModel'] : chunked ? ['liger'] : ['hfLoss'],
    c.plan.training.stack === 'torchtune'
      ? chunked
        ? c.plan.training.compile
          ? 'torchtune chunked cross-entropy, compiled: every 16-bit chunk is kept for the backward, the upcast is ' +
            'fused away, and the backward writes one chunk’s 16-bit gradient at a time (nine chunks at most); with ' +
            'a trainable head, its V·h gradient accumulates chunk by chunk.'
          : 'torchtune chunked cross-entropy, eager: each chunk’s log_softmax keeps its fp32 output for the ' +
            'backward, so chunking saves only the upcast copy; compile the loss to keep just the 16-bit chunks.'
        : 'torchtune upcasts the logits to fp32 in the model (the 16-bit logits are a temporary).' +
          (c.plan.training.compile && !torchtuneKeepsCompiledLoss(c.prepared.profile)
            ? ' compile=True leaves this loss eager: only lora_finetune_single_device keeps what ' +
              'training.compile_loss returns.'
            : '')
      : undefined,
  );
}

function explainOptimizerTransients(c: ExplainContext): Explanation {
  return memoryPart(
    c,
    'optimizerTransients',
    c.prepared.profile.optimizerInBackward
      ? "one parameter's step temporaries (optimizer in backward: a step per parameter)"
      : c.plan.training.optimizer === 'adamw_torch_fused'
        ? 'none: fused AdamW updates in place (torch._fused_adamw_); + fp32 gradient copy in mixed precision'
        : 'one optimizer-state-sized temporary (foreach sqrt(v)); + fp32 gradient copy in mixed precision',
    `${gib(c.prepared.profile.optimizerTransients)} (live only during the step)`,
    c.prepared.profile.optimizerInBackward ? ['pytorchAdamW', 'torchtuneOptimizerInBackward'] : ['pytorchAdamW'],
    'Range: from none (a fused or for-loop step works in place) to this figure (foreach, PyTorch’s default on CUDA).',
  );
}

function explainCommunication(c: ExplainContext): Explanation {
  const family = STRATEGY_TRAITS[c.plan.distribution.strategy].family;
  // One line per named buffer of the strategy (distributed.ts): formula, this plan's numbers, the upstream source.
  const parts = c.prepared.profile.distributedParts.filter((p) => p.bytes > 0);
  const phases = (p: (typeof parts)[number]) =>
    (['forward', 'backward', 'optimizer'] as const).filter((ph) => p.phases[ph]).join('/');
  return memoryPart(
    c,
    'communication',
    parts.length > 0
      ? parts.map((p) => `${p.label}: ${p.formula}`).join('; ')
      : 'none: one GPU, nothing to reduce or gather',
    parts.length > 0
      ? parts.map((p) => `${p.label} ${p.substituted} (${phases(p)})`).join('; ') +
          ` → ${gib(c.mem.parts.communication)} at the ${c.mem.phase} peak`
      : gib(c.mem.parts.communication),
    family === 'ddp' ? ['pytorchDdp'] : family === 'deepspeed' ? ['deepspeedConfig'] : ['fsdp'],
    parts.length > 0 ? `Sources: ${parts.map((p) => p.source).join('; ')}.` : undefined,
  );
}

function explainAllocatorSlack(c: ExplainContext): Explanation {
  const a = c.mem.allocator;
  const regime = a.expandable
    ? 'expandable segments on: one growing segment per pool, freed ranges reused'
    : a.shapes === 'fixed'
      ? 'fixed shapes (packed or full-length batches): the same sizes recur and cached blocks are reused'
      : a.shapes === 'longest_first'
        ? 'longest batch first: the shorter batches after it are cut from its cached blocks'
        : 'shuffled unpacked batches: a longer batch reserves new segments; before an allocation fails the ' +
          'allocator frees the whole free segments shorter batches left and retries, so what stays is the layer ' +
          'in flight' +
          (a.cachedSpareBytes > 0
            ? `; with memory to spare reserved (and nvidia-smi) may keep up to ${gib(a.cachedSpareBytes)} more`
            : '');
  const at = a.phase === c.mem.phase ? '' : ` (set at the ${a.phase} moment, which reserved more)`;
  return memoryPart(
    c,
    'allocatorSlack',
    'rounding of the live tensors (512 B blocks; ≤ 1 MiB in 2 MiB segments, 1–10 MiB in shared 20 MiB segments, ' +
      'larger in 2 MiB-rounded segments) + fragmentation of what churns with the batch shape',
    `rounding ${gib(a.roundingBytes)} + fragmentation ${gib(a.fragmentationBytes)} of ${gib(a.churnBytes)} ` +
      `churned${at} = ${gib(c.mem.parts.allocatorSlack)}; ${regime}; expandable_segments ` +
      `${a.expandable ? 'on' : 'off'}`,
    a.shapes === 'variable' && !a.expandable
      ? ['cudaCachingAllocator', 'torchtuneExpandableSegments', 'cudaMemory']
      : ['cudaCachingAllocator', 'cudaMemory'],
    'PyTorch’s caching allocator (c10/cuda/CUDACachingAllocator.cpp round_size, get_allocation_size, should_split, ' +
      'get_free_block) keeps freed blocks cached: reserved − allocated follows the sizes in play. Fragmentation ' +
      'range, each layer’s working set approximated by its saved tensors: fixed shapes or the longest batch ' +
      'first none to two layers’ (expected one); shuffled unpacked batches one layer’s to two — a longer batch ' +
      'reserves new segments and the shorter batches’ cached ones stay while memory is to spare (up to ' +
      'everything that churns once more: torchtune #1185), but before an allocation fails the allocator frees ' +
      'whole free segments and retries (release_available_cached_blocks, release_cached_blocks), so only the free ' +
      'space inside segments holding live blocks counts toward a fit; expandable segments none to one layer’s. ' +
      'vLLM’s up-front share and bitsandbytes paged states (cudaMallocManaged) are outside the allocator.',
  );
}

function explainCudaContext(c: ExplainContext): Explanation {
  const comms = c.prepared.profile.ncclCommunicators;
  const nccl = ncclBufferBytes(comms, NCCL_CHANNELS.expected);
  return memoryPart(
    c,
    'cudaContext',
    comms > 0
      ? 'fixed per process (driver, cuBLAS/cuDNN workspaces) + NCCL buffers: communicators × channels × 2 × ' +
          'NCCL_BUFFSIZE (4 MiB), outside PyTorch’s allocator'
      : 'fixed per process (driver, cuBLAS/cuDNN workspaces)',
    comms > 0
      ? `${gib(CUDA_CONTEXT_BYTES)} + ${comms} × ${NCCL_CHANNELS.expected} × 2 × 4 MiB = ` +
          `${gib(CUDA_CONTEXT_BYTES + nccl)} (channels ${NCCL_CHANNELS.low}–${NCCL_CHANNELS.high} over the range)`
      : gib(CUDA_CONTEXT_BYTES),
    comms > 0 ? ['estimatorGuide', 'nccl'] : ['estimatorGuide'],
  );
}

function explainPeak({ mem, range }: ExplainContext): Explanation {
  const r = range
    ? `; range: allocated ${gib(range.low.allocatedBytes)}–${gib(range.high.allocatedBytes)}, reserved ` +
      `${gib(range.low.reservedBytes)}–${gib(range.high.reservedBytes)}, nvidia-smi ` +
      `${gib(range.low.nvidiaSmiBytes)}–${gib(range.high.nvidiaSmiBytes)}`
    : '';
  return {
    key: 'memory.peak',
    label: 'Peak memory per GPU',
    value: mem.reservedBytes,
    unit: 'bytes',
    formula:
      'max(forward end, backward (loss, head, first recomputed layer, last layer), optimizer step) allocated, + ' +
      'allocator slack = reserved; + CUDA context = nvidia-smi',
    substituted:
      `forward ${gib(mem.phases.forward)}, backward ${gib(mem.phases.backward)} (` +
      `${BACKWARD_MOMENT_LABELS[mem.backwardMoment]}), optimizer ${gib(mem.phases.optimizer)} → ${mem.phase}; ` +
      `reserved ${gib(mem.reservedBytes)}; nvidia-smi ${gib(mem.nvidiaSmiBytes)}${r}`,
    sources: ['estimatorGuide', 'cudaMemory'],
    note:
      'PyTorch’s peak active bytes (torch.cuda.memory_stats active_bytes.all.peak) are ' +
      'predicted equal to allocated.',
    assumptions: [
      `Range inputs: allocator fragmentation ${allocatorRangeText(mem.allocator)} (rounding of the live ` +
        `tensors at every end), CUDA context ${gib(MEMORY_RANGE.low.cudaContextBytes)}–` +
        `${gib(MEMORY_RANGE.high.cudaContextBytes)}, optimizer-step temporaries none–foreach, saved activations ` +
        `and logits ×${MEMORY_RANGE.low.activationFactor}–×${MEMORY_RANGE.high.activationFactor} (kernel and ` +
        `library versions; an engineering assumption), and for padded batches with an unknown longest example, ` +
        `mean-length to full-length batches.`,
    ],
  };
}

/** The fragmentation's low–high ends in words, for the regime the plan is in (allocator.ts fragmentationBytes). */
function allocatorRangeText(a: MemoryBreakdown['allocator']): string {
  if (a.expandable) return 'none to one layer’s working set (expandable segments)';
  if (a.shapes !== 'variable') return 'none to two layers’ working sets (fixed shapes or longest batch first)';
  return 'one layer’s working set to two (shuffled batches; more stays cached only while memory is to spare)';
}

function explainHostRam({ prepared: { profile } }: ExplainContext): Explanation {
  // The offload allocations (offload.ts), each with the library call that makes it; other host buffers (Unsloth's
  // pinned checkpoint buffers) make up the rest of hostBytes.
  const parts = profile.offload.parts.filter((p) => p.where !== 'gpu');
  const host = parts.filter((p) => p.where === 'host');
  const pinned = host.filter((p) => p.pinned).reduce((sum, p) => sum + p.bytes, 0);
  const fsdp = STRATEGY_TRAITS[profile.distribution.strategy].family === 'fsdp';
  return {
    key: 'memory.host',
    label: 'Host RAM for offload (per node)',
    value: profile.hostBytes,
    unit: 'bytes',
    formula: parts.length
      ? 'Σ offloaded allocations per node (each as the library allocates it)'
      : 'no offloaded states',
    substituted: parts.length
      ? parts.map((p) => `${p.label}${p.where === 'nvme' ? ' [NVMe]' : ''}: ${p.substituted} (${p.source})`).join('; ')
      : gib(profile.hostBytes),
    sources: fsdp ? ['fsdp'] : ['zeroInfinity', 'deepspeedConfig'],
    ...(host.length
      ? {
          note:
            `${gib(pinned)} of it is page-locked (pinned): it cannot be swapped out and counts against the ` +
            'locked-memory limit (ulimit -l).' +
            (profile.nvmeBytes > 0 ? ` NVMe: ${gib(profile.nvmeBytes)} per node.` : ''),
        }
      : {}),
  };
}

// ── time ──────────────────────────────────────────────────────────────────────────────────────

function explainFlops({ time, plan, prepared: { technique } }: ExplainContext): Explanation {
  return {
    key: 'time.flopsPerToken',
    label: 'FLOPs per token',
    value: time.flopsPerToken,
    unit: 'FLOP',
    formula:
      technique.kind === 'full'
        ? '3 × (2·P_matmul + 2·L·s·a·d)'
        : '2·(2·P_matmul) + 3·(2·L·s·a·d) (frozen weights: no weight gradients)',
    substituted:
      `${(time.flopsPerToken / 1e9).toFixed(2)} GFLOP` +
      `${plan.training.gradientCheckpointing ? ' (incl. one recomputed forward)' : ''}`,
    sources: ['transformerMath', 'flashAttention'],
  };
}

function explainMfu({ time, gpu, prepared: { technique } }: ExplainContext): Explanation {
  const eff = TECHNIQUE_EFFICIENCY[technique.kind];
  const published = publishedMfu(gpu);
  const fill = `tokens/(tokens + ${MFU_HALF_TOKENS})`;
  return {
    key: 'time.mfu',
    label: 'Model FLOPs utilisation',
    value: time.mfu,
    unit: 'ratio',
    formula: time.mfuFromPlan
      ? 'set in the plan'
      : published
        ? `published MFU × [${fill}] / [its run's tokens/(tokens + ${MFU_HALF_TOKENS})] × technique factor`
        : `ceiling(GPU class) × ${fill} × technique factor`,
    substituted: time.mfuFromPlan
      ? `${(time.mfu * 100).toFixed(1)} % (default would be ${(time.mfuDefault * 100).toFixed(1)} %)`
      : `${(time.mfuDefault * 100).toFixed(1)} % at ${n(time.tokensPerMicroBatch)} tokens per micro-batch` +
        (published
          ? ` (published ${(published.mfu * 100).toFixed(1)} % at ${n(published.tokens)} tokens)`
          : ` (ceiling ${MFU_CEILING[gpu.tier] * 100} % for this GPU class: no published MFU for its generation)`) +
        `${eff ? `; × ${eff.factor}: ${eff.why}` : ''}`,
    sources: published ? [/V100/i.test(gpu.name) ? 'megatronV1' : 'torchtitanPerformance', 'peftBench'] : ['peftBench'],
    ...(published ? { note: published.source } : {}),
    ...(time.mfuFromPlan ? {} : { assumptions: [describeAssumption('mfuHalfTokens')] }),
  };
}

function explainCommunicationTime({ time }: ExplainContext): Explanation {
  const c = time.communication;
  const share = time.stepSeconds > 0 ? (100 * time.communicationSeconds) / time.stepSeconds : 0;
  const links =
    `inside a node ${c.interconnect.intra.label} (${c.interconnect.intra.busGBs.toFixed(1)} GB/s bus)` +
    (c.interconnect.inter
      ? `; between nodes ${c.interconnect.inter.label} (${c.interconnect.inter.busGBs.toFixed(1)} GB/s bus)`
      : '');
  const each = c.collectives
    .map(
      (x) =>
        `${x.op} of ${x.label} ${gib(x.bytes)} × ${x.callsPerStep} over ${x.ranks} GPUs at ` +
        `${x.busGBs.toFixed(1)} GB/s = ${x.seconds.toFixed(3)} s`,
    )
    .join('; ');
  return {
    key: 'time.communication',
    label: 'Communication per step',
    value: time.communicationSeconds,
    unit: 'seconds',
    formula:
      'Σ payload × ring factor (all-reduce 2(n−1)/n, reduce-scatter and all-gather (n−1)/n) × calls ÷ bus bandwidth; ' +
      'exposed = total − min(overlap × total, compute)',
    substituted: c.collectives.length
      ? `${each}; total ${c.seconds.toFixed(3)} s, hidden ${c.hiddenSeconds.toFixed(3)} s, exposed ` +
        `${time.communicationSeconds.toFixed(3)} s = ${share.toFixed(1)} % of the step. ${links}`
      : `one GPU: no collectives. ${links}`,
    sources: ['ncclTestsPerformance', 'interconnectDatasheets', 'pytorchDdp', 'zero'],
    ...(c.collectives.length
      ? { assumptions: [describeAssumption('collectiveEfficiency'), describeAssumption('commOverlap')] }
      : {}),
  };
}

function explainThroughput({ time }: ExplainContext): Explanation {
  return {
    key: 'time.tokensPerSecond',
    label: 'Training tokens per second',
    value: time.tokensPerSecond,
    unit: 'tokens/s',
    formula: 'tokens per step / (compute + optimizer step + exposed communication + offload)',
    substituted:
      `step ${time.stepSeconds.toFixed(3)} s = compute ${time.computeSeconds.toFixed(3)} + optimizer ` +
      `${time.optimizerSeconds.toFixed(3)} + comm ${time.communicationSeconds.toFixed(3)} + offload ` +
      `${time.offloadSeconds.toFixed(3)}`,
    sources: ['transformerMath', 'pytorchAdamW'],
    assumptions: time.assumptions.map(describeAssumption),
  };
}

function explainWallTime({ time }: ExplainContext): Explanation {
  const share = time.stepSeconds > 0 ? (100 * time.communicationSeconds) / time.stepSeconds : 0;
  return {
    key: 'time.wall',
    label: 'Wall time',
    value: time.wallSeconds,
    unit: 'seconds',
    formula: 'steps × step time',
    substituted:
      `${n(time.steps)} steps × ${time.stepSeconds.toFixed(3)} s; communication ` + `${share.toFixed(1)} % of a step`,
    sources: ['transformerMath'],
    assumptions: [
      `Range: the compute time ±${TIME_RANGE.mfuSpread * 100} % for the MFU's uncertainty (an engineering assumption ` +
        `until recorded runs calibrate it), and communication from all of it hidden behind compute to none.`,
    ],
  };
}

function explainGpuHours({ time, prepared: { profile } }: ExplainContext): Explanation {
  return {
    key: 'time.gpuHours',
    label: 'GPU-hours',
    value: time.gpuHours,
    unit: 'GPU-hours',
    formula: 'wall hours × GPUs',
    substituted: `${(time.wallSeconds / 3600).toFixed(3)} h × ${profile.gpus}`,
    sources: [],
  };
}

// ── cost and fit ──────────────────────────────────────────────────────────────────────────────

function explainCost({ cost, plan }: ExplainContext): Explanation {
  return {
    key: 'cost',
    label: 'Cost',
    value: cost.costUsd,
    unit: 'USD',
    formula: cost.formula,
    substituted: cost.substituted || 'no price known',
    sources: plan.pricing.mode === 'service' ? ['azureFinetuneBilling'] : ['catalogPrices'],
    note: [cost.priceSource, ...cost.flags].filter(Boolean).join(' '),
  };
}

function explainFit({ mem, gpu, plan, usableBytes, range }: ExplainContext): Explanation {
  const state = fitStateFor(
    mem.nvidiaSmiBytes,
    range?.high.nvidiaSmiBytes ?? mem.nvidiaSmiBytes,
    usableBytes,
    mem.pagedBytes,
  );
  return {
    key: 'fit',
    label: 'Fits on the GPU',
    value: usableBytes - mem.nvidiaSmiBytes,
    unit: 'bytes',
    formula:
      'nvidia-smi peak ≤ GPU memory × (1 − headroom): fits when the high end does, may not fit when only ' +
      'the expected figure does',
    substituted:
      `${gib(mem.nvidiaSmiBytes)}${range ? ` (high ${gib(range.high.nvidiaSmiBytes)})` : ''} vs ` +
      `${gib(gpu.memoryBytes)} × ${(1 - plan.hardware.headroomPct / 100).toFixed(2)} = ${gib(usableBytes)} → ` +
      `${state === 'fits' ? 'fits' : state === 'may-not-fit' ? 'may not fit' : 'does not fit'}`,
    sources: ['catalogGpus'],
  };
}

// ── the user's data ───────────────────────────────────────────────────────────────────────────

/** "from your data: …": what the statistics of the user's data file changed in this estimate (issue 17). */
function explainFromData({ plan }: ExplainContext, d: FromDataReport): Explanation {
  const t = plan.training;
  const pct = (x: number) => `${x.toFixed(1)} %`;
  const risk = d.risk;
  const riskText = !risk
    ? 'packed: no padding, so no batch is longer than micro-batch × sequence length'
    : risk.examplesOver === 0
      ? `every padded batch fits: the longest kept example (${n(d.longestExample)} tokens) is within the ` +
        `${n(risk.longestThatFits)} tokens a micro-batch of ${t.microBatch} can hold`
      : `${n(risk.examplesOver)} examples are longer than the ${n(risk.longestThatFits)} tokens a micro-batch of ` +
        `${t.microBatch} can hold in memory, so with shuffled padded batches some step of every epoch runs out of ` +
        `memory (probability ${pct(100 * risk.probabilityPerEpoch)} per epoch, ` +
        `${pct(100 * risk.probabilityWithin100Steps)} within the first 100 steps; the first around step ` +
        `${n(risk.expectedFirstStep ?? 0)})`;
  return {
    key: 'data.fromStats',
    label: 'From your data',
    value: d.tokensPerEpoch,
    unit: 'tokens',
    formula: t.packing
      ? 'tokens per epoch = real tokens after truncation; rows = best-fit-decreasing packed sequences; peak = ' +
        'micro-batch × sequence length'
      : 'tokens per epoch = real tokens after truncation; processed = micro-batch × expected longest of micro-batch ' +
        'draws; peak = micro-batch × longest kept example',
    substituted:
      `from your data: ${n(d.examples)} examples (${d.pass} pass${d.exact ? ', exact' : ', extrapolated'}` +
      `), ${n(d.overSeqLen)} longer than ${n(t.seqLen)} (${d.overflow === 'drop' ? 'dropped' : 'truncated'}); ` +
      `${n(d.tokensPerEpoch)} real tokens per epoch; padding waste ${pct(d.paddingWastePercent)}` +
      `${
        t.packing
          ? ' (packing)'
          : groupsByLength(plan)
            ? ' (padded batches grouped by length)'
            : ' (random padded batches)'
      }; peak batch ` +
      `${n(d.peakBatchTokens)} tokens; ${riskText}`,
    sources: ['hfTrainerSampler', 'trlPacking'],
    note:
      'Only statistics of the data are kept in the plan (lengths, percentiles, the 256 longest examples), ' +
      'never the data or its path.',
  };
}
