/**
 * The estimator's entry point: a plan in, one result per technique out — exact parameters, per-GPU
 * memory by part, time, cost, fit — each figure with its formula, the plan's numbers and sources.
 * Pure: no I/O, the same in the CLI, the app and the tests.
 */
import { findCatalogModel } from '../catalog/models';
import type { ModelSpec } from '../domain/model-spec';
import { PlanSchema, type Plan, type PlanInput, type Technique } from '../domain/plan';
import { STRATEGY_TRAITS } from '../domain/strategies';
import { describeArchitecture, type Architecture } from './architecture';
import { estimateCost, type CostEstimate } from './cost';
import { resolveGpu, type ResolvedGpu } from './hardware';
import {
  ALLOCATOR_SLACK,
  CUDA_CONTEXT_BYTES,
  effectivePrecision,
  GiB,
  memoryAt,
  memoryProfile,
  PART_LABELS,
  type MemoryBreakdown,
  type MemoryParts,
  type MemoryProfile,
  type PartKey,
  type Phase,
} from './memory';
import { SOURCES, type SourceId } from './sources';
import { EstimateInputError, techniqueParams, TECHNIQUE_LABELS, type TechniqueParams } from './techniques';
import { describeAssumption, estimateTime, MFU_HALF_TOKENS, TECHNIQUE_EFFICIENCY, type TimeEstimate } from './time';

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

export interface TechniqueEstimate {
  index: number;
  technique: Technique['kind'];
  label: string;
  totalParams: number;
  trainableParams: number;
  trainablePercent: number;
  memory: {
    allocatedBytes: number;
    reservedBytes: number;
    nvidiaSmiBytes: number;
    hostBytes: number;
    nvmeBytes: number;
    peakPhase: Phase;
    parts: MemoryParts;
  };
  checkpoint: { modelBytes: number; adapterBytes: number | null; resumableBytes: number };
  flopsPerToken: number;
  mfu: number;
  mfuIsDefault: boolean;
  tokensPerSecond: number;
  stepSeconds: number;
  steps: number;
  trainingTokens: number;
  wallSeconds: number;
  gpuHours: number;
  costUsd: number | null;
  cost: CostEstimate;
  fits: boolean;
  fit: { capacityBytes: number; usableBytes: number; marginBytes: number; headroomPercent: number };
  maxMicroBatch: number;
  maxSeqLen: number;
  explain: Explanation[];
  notes: string[];
}

export interface EstimateReport {
  tuneplanEstimateVersion: 1;
  plan: {
    name: string;
    model: string;
    gpu: string;
    gpus: number;
    strategy: string;
    microBatch: number;
    seqLen: number;
    precision: string;
    optimizer: string;
  };
  model: {
    name: string;
    totalParams: number;
    activeParams: number;
    layers: number;
    hiddenSize: number;
    vocabSize: number;
  };
  techniques: TechniqueEstimate[];
  sources: Array<{ id: string; title: string; url: string; date: string }>;
}

export function resolveModel(plan: Pick<Plan, 'model'>): ModelSpec {
  if (plan.model.source === 'custom') return plan.model.spec;
  const found = findCatalogModel(plan.model.id);
  if (!found)
    throw new EstimateInputError(
      'model.id',
      `"${plan.model.id}" is not in the model catalog; pick one from the list or import its config.json`,
    );
  return found.spec;
}

const gib = (bytes: number) => `${(bytes / GiB).toFixed(2)} GiB`;
const n = (x: number) => Math.round(x).toLocaleString('en-US');

/** Everything about one technique that does not depend on the micro-batch: reused by sweeps. */
export interface PreparedTechnique {
  index: number;
  technique: Technique;
  params: TechniqueParams;
  profile: MemoryProfile;
}

export function prepareTechnique(
  plan: Plan,
  arch: Architecture,
  technique: Technique,
  index: number,
  distribution = plan.distribution,
): PreparedTechnique {
  const params = techniqueParams(arch, technique, index);
  const profile = memoryProfile(arch, params, technique, plan.training, distribution);
  return { index, technique, params, profile };
}

/** Largest value in [1, hi] for which `fits` holds, assuming it is monotone (memory never falls as it grows). */
export function largestFitting(hi: number, fits: (v: number) => boolean): number {
  if (!fits(1)) return 0;
  let lo = 1;
  let top = hi;
  if (fits(top)) return top;
  while (top - lo > 1) {
    const mid = Math.floor((lo + top) / 2);
    if (fits(mid)) lo = mid;
    else top = mid;
  }
  return lo;
}

export function usableBytes(gpu: ResolvedGpu, headroomPct: number): number {
  return gpu.memoryBytes * (1 - headroomPct / 100);
}

function explainMemory(p: PreparedTechnique, mem: MemoryBreakdown, plan: Plan): Explanation[] {
  const { profile, params, technique } = p;
  const b = profile.bytes;
  const N = profile.gpus;
  const T = params.trainableParams;
  const part = (
    key: PartKey,
    formula: string,
    substituted: string,
    sources: SourceId[],
    note?: string,
  ): Explanation => ({
    key: `memory.${key}`,
    label: PART_LABELS[key],
    value: mem.parts[key],
    unit: 'bytes',
    formula,
    substituted,
    sources,
    ...(note ? { note } : {}),
  });
  const tokens = plan.training.microBatch * (plan.training.seqLen + profile.extraTokens);
  const perToken = mem.perTokenLayer.map((r) => `${r.tensor} ${n(r.bytes)} B`).join('; ');
  const layerBytes = mem.perTokenLayer.reduce((s, r) => s + r.bytes, 0);
  const shardNote = (what: string, sharded: boolean) =>
    sharded && N > 1 ? ` / ${N} GPUs (${what} sharded by ${plan.distribution.strategy})` : '';
  const traits = STRATEGY_TRAITS[plan.distribution.strategy];
  const shards = traits.shards;
  return [
    part(
      'frozenWeights',
      technique.kind === 'qlora'
        ? 'linear weights × (4 + constants) bits / 8 + other weights × 2 B'
        : 'frozen parameters × bytes per weight',
      profile.quantizedLinearBytesPerParam !== null
        ? `linear layers at ${(profile.quantizedLinearBytesPerParam * 8).toFixed(3)} bits, the rest at ${b.baseWeight} B = ${gib(mem.parts.frozenWeights)}`
        : `${n(params.frozenBaseParams)} × ${b.baseWeight} B${shardNote('parameters', shards.parameters)} = ${gib(mem.parts.frozenWeights)}`,
      technique.kind === 'qlora' ? ['qlora'] : ['estimatorGuide'],
      plan.distribution.offloadParams !== 'none'
        ? 'Offloaded: parameters live in host memory or NVMe and are gathered layer by layer.'
        : undefined,
    ),
    part(
      'trainableWeights',
      'trainable parameters × bytes per weight',
      `${n(T)} × ${b.trainableWeight} B${shardNote('parameters', shards.parameters)} = ${gib(mem.parts.trainableWeights)}`,
      technique.kind === 'full' ? ['zero'] : ['peftLora'],
      technique.kind !== 'full' && technique.kind !== 'ln_tuning'
        ? 'PEFT keeps adapter weights in fp32 (autocast_adapter_dtype=True).'
        : undefined,
    ),
    part(
      'gradients',
      'trainable parameters × bytes per gradient (when live at the peak)',
      `${n(T)} × ${b.gradient} B${shardNote('gradients', shards.gradients)} = ${gib(profile.gradients)}; live at the ${mem.phase} peak: ${gib(mem.parts.gradients)}`,
      ['zero', 'pytorchAdamW'],
      profile.gradientsPersist
        ? 'Gradients persist through the forward pass (gradient accumulation, DDP buckets or DeepSpeed partitions).'
        : 'With one micro-batch per step, zero_grad(set_to_none=True) frees gradients before the forward pass.',
    ),
    part(
      'optimizerStates',
      `trainable parameters × ${b.optimizerPerParam} B (${plan.training.optimizer}${technique.kind === 'full' && effectivePrecision(plan.training, plan.distribution) === 'mixed' ? ', fp32 master weights included' : ''})`,
      `${n(T)} × ${b.optimizerPerParam} B${shardNote('optimizer states', shards.optimizer)} = ${gib(mem.parts.optimizerStates)}`,
      plan.training.optimizer.includes('8bit')
        ? ['bnb8bit']
        : plan.training.optimizer === 'adafactor'
          ? ['adafactor']
          : plan.training.optimizer === 'lion'
            ? ['lion']
            : ['zero', 'pytorchAdamW'],
      plan.distribution.offloadOptimizer !== 'none'
        ? `Offloaded to ${plan.distribution.offloadOptimizer === 'cpu' ? 'host RAM' : 'NVMe'}.`
        : undefined,
    ),
    part(
      'activations',
      plan.training.gradientCheckpointing
        ? 'tokens × (L × layer input + one layer recomputed)'
        : 'tokens × L × saved bytes per token per layer (+ KV cache at the forward end)',
      `${n(tokens)} tokens × ${profile.arch.spec.numLayers} layers × ${n(layerBytes)} B [${perToken}]${mem.kvCacheBytes ? ` + KV cache ${gib(mem.kvCacheBytes)}` : ''} = ${gib(mem.parts.activations)} at the ${mem.phase} peak`,
      ['hfLlama', 'peftLora', 'korthikanti'],
      'ZeRO and FSDP do not shard activations: each GPU holds its own micro-batch.',
    ),
    part(
      'logits',
      plan.training.lossKernel === 'chunked'
        ? 'tokens × 12·h B (chunked cross-entropy)'
        : 'tokens × V × (10 B at the forward end | 12 B at the backward start)',
      `${n(tokens)} × ${n(profile.arch.spec.vocabSize)} = ${gib(mem.parts.logits)} at the ${mem.phase} peak`,
      plan.training.lossKernel === 'chunked' ? ['liger'] : ['hfLoss'],
    ),
    part(
      'optimizerTransients',
      'one optimizer-state-sized temporary (foreach sqrt(v)); + fp32 gradient copy in mixed precision',
      `${gib(profile.optimizerTransients)} (live only during the step)`,
      ['pytorchAdamW'],
    ),
    part(
      'communication',
      traits.family === 'ddp'
        ? 'DDP gradient buckets (copy of all gradients) when GPUs > 1'
        : traits.family === 'deepspeed'
          ? 'DeepSpeed buckets (5e8 elements) / gathered layers'
          : 'FSDP gathered layers (current + prefetched) and one layer of gradients',
      gib(mem.parts.communication),
      traits.family === 'ddp' ? ['pytorchDdp'] : traits.family === 'deepspeed' ? ['deepspeedConfig'] : ['fsdp'],
    ),
    part(
      'allocatorSlack',
      `allocated × ${ALLOCATOR_SLACK}`,
      `${gib(mem.allocatedBytes)} × ${ALLOCATOR_SLACK} = ${gib(mem.parts.allocatorSlack)}`,
      ['cudaMemory', 'estimatorGuide'],
    ),
    part('cudaContext', 'fixed per process (driver, cuBLAS/cuDNN workspaces)', gib(CUDA_CONTEXT_BYTES), [
      'estimatorGuide',
    ]),
    {
      key: 'memory.peak',
      label: 'Peak memory per GPU',
      value: mem.reservedBytes,
      unit: 'bytes',
      formula:
        'max(forward end, backward start, optimizer step) allocated, + allocator slack = reserved; + CUDA context = nvidia-smi',
      substituted: `forward ${gib(mem.phases.forward)}, backward ${gib(mem.phases.backward)}, optimizer ${gib(mem.phases.optimizer)} → ${mem.phase}; reserved ${gib(mem.reservedBytes)}; nvidia-smi ${gib(mem.nvidiaSmiBytes)}`,
      sources: ['estimatorGuide', 'cudaMemory'],
    },
  ];
}

export function estimateTechnique(
  plan: Plan,
  arch: Architecture,
  gpu: ResolvedGpu,
  prepared: PreparedTechnique,
): TechniqueEstimate {
  const { params, profile, technique, index } = prepared;
  const t = plan.training;
  const mem = memoryAt(profile, t.microBatch, t.seqLen, true);
  const time: TimeEstimate = estimateTime(arch, profile, gpu, plan.data, plan.hardware.mfu);
  const cost = estimateCost(plan.pricing, gpu, profile.gpus, time.wallSeconds, time.trainingTokens);
  const usable = usableBytes(gpu, plan.hardware.headroomPct);
  const fitsAt = (b: number, s: number) => memoryAt(profile, b, s).nvidiaSmiBytes <= usable;
  const fits = mem.nvidiaSmiBytes <= usable;
  const maxMicroBatch = largestFitting(65_536, (b) => fitsAt(b, t.seqLen));
  const maxSeqLen = largestFitting(Math.max(arch.spec.maxPositionEmbeddings, t.seqLen), (s) => fitsAt(t.microBatch, s));
  const modelBytes = params.totalParams * 2;
  const adapterBytes =
    technique.kind === 'full'
      ? null
      : Math.max(params.addedParams, params.trainableParams) * profile.bytes.trainableWeight;
  const resumableBytes = (adapterBytes ?? modelBytes) + params.trainableParams * profile.bytes.optimizerPerParam;

  const eff = TECHNIQUE_EFFICIENCY[technique.kind];
  const explain: Explanation[] = [
    {
      key: 'params.total',
      label: 'Total parameters',
      value: params.totalParams,
      unit: 'parameters',
      formula: 'V·h + head + L·(attention + MLP + norms) + final norm (+ added adapter parameters)',
      substituted: `${n(arch.totalParams)} base + ${n(params.addedParams)} added = ${n(params.totalParams)}`,
      sources: ['catalogModels'],
    },
    {
      key: 'params.trainable',
      label: 'Trainable parameters',
      value: params.trainableParams,
      unit: 'parameters',
      formula: params.formula,
      substituted: params.substituted,
      sources: techniqueSources(technique.kind),
    },
    ...explainMemory(prepared, mem, plan),
    {
      key: 'memory.host',
      label: 'Host RAM for offload (per node)',
      value: profile.hostBytes,
      unit: 'bytes',
      formula: '(offloaded states) × 1.5 buffer factor',
      substituted: gib(profile.hostBytes),
      sources: ['zeroInfinity', 'deepspeedConfig'],
    },
    {
      key: 'time.flopsPerToken',
      label: 'FLOPs per token',
      value: time.flopsPerToken,
      unit: 'FLOP',
      formula:
        technique.kind === 'full'
          ? '3 × (2·P_matmul + 2·L·s·a·d)'
          : '2·(2·P_matmul) + 3·(2·L·s·a·d) (frozen weights: no weight gradients)',
      substituted: `${(time.flopsPerToken / 1e9).toFixed(2)} GFLOP${t.gradientCheckpointing ? ' (incl. one recomputed forward)' : ''}`,
      sources: ['transformerMath', 'flashAttention'],
    },
    {
      key: 'time.mfu',
      label: 'Model FLOPs utilisation',
      value: time.mfu,
      unit: 'ratio',
      formula: time.mfuFromPlan
        ? 'set in the plan'
        : `ceiling(GPU class) × tokens/(tokens + ${MFU_HALF_TOKENS}) × technique factor`,
      substituted: time.mfuFromPlan
        ? `${(time.mfu * 100).toFixed(1)} % (default would be ${(time.mfuDefault * 100).toFixed(1)} %)`
        : `${(time.mfuDefault * 100).toFixed(1)} % at ${n(time.tokensPerMicroBatch)} tokens per micro-batch${eff ? `; × ${eff.factor}: ${eff.why}` : ''}`,
      sources: ['peftBench'],
      ...(time.mfuFromPlan ? {} : { assumptions: [describeAssumption('mfuHalfTokens')] }),
    },
    {
      key: 'time.tokensPerSecond',
      label: 'Training tokens per second',
      value: time.tokensPerSecond,
      unit: 'tokens/s',
      formula: 'tokens per step / (compute + optimizer step + exposed communication + offload)',
      substituted: `step ${time.stepSeconds.toFixed(3)} s = compute ${time.computeSeconds.toFixed(3)} + optimizer ${time.optimizerSeconds.toFixed(3)} + comm ${time.communicationSeconds.toFixed(3)} + offload ${time.offloadSeconds.toFixed(3)}`,
      sources: ['transformerMath', 'pytorchAdamW'],
      assumptions: time.assumptions.map(describeAssumption),
    },
    {
      key: 'time.wall',
      label: 'Wall time',
      value: time.wallSeconds,
      unit: 'seconds',
      formula: 'steps × step time',
      substituted: `${n(time.steps)} steps × ${time.stepSeconds.toFixed(3)} s`,
      sources: ['transformerMath'],
    },
    {
      key: 'time.gpuHours',
      label: 'GPU-hours',
      value: time.gpuHours,
      unit: 'GPU-hours',
      formula: 'wall hours × GPUs',
      substituted: `${(time.wallSeconds / 3600).toFixed(3)} h × ${profile.gpus}`,
      sources: [],
    },
    {
      key: 'cost',
      label: 'Cost',
      value: cost.costUsd,
      unit: 'USD',
      formula: cost.formula,
      substituted: cost.substituted || 'no price known',
      sources: plan.pricing.mode === 'service' ? ['azureFinetuneBilling'] : ['catalogPrices'],
      note: [cost.priceSource, ...cost.flags].filter(Boolean).join(' '),
    },
    {
      key: 'fit',
      label: 'Fits on the GPU',
      value: usable - mem.nvidiaSmiBytes,
      unit: 'bytes',
      formula: 'nvidia-smi peak ≤ GPU memory × (1 − headroom)',
      substituted: `${gib(mem.nvidiaSmiBytes)} vs ${gib(gpu.memoryBytes)} × ${(1 - plan.hardware.headroomPct / 100).toFixed(2)} = ${gib(usable)}`,
      sources: ['catalogGpus'],
    },
  ];

  return {
    index,
    technique: technique.kind,
    label: TECHNIQUE_LABELS[technique.kind],
    totalParams: params.totalParams,
    trainableParams: params.trainableParams,
    trainablePercent: (100 * params.trainableParams) / params.totalParams,
    memory: {
      allocatedBytes: mem.allocatedBytes,
      reservedBytes: mem.reservedBytes,
      nvidiaSmiBytes: mem.nvidiaSmiBytes,
      hostBytes: profile.hostBytes,
      nvmeBytes: profile.nvmeBytes,
      peakPhase: mem.phase,
      parts: mem.parts,
    },
    checkpoint: { modelBytes, adapterBytes, resumableBytes },
    flopsPerToken: time.flopsPerToken,
    mfu: time.mfu,
    mfuIsDefault: !time.mfuFromPlan,
    tokensPerSecond: time.tokensPerSecond,
    stepSeconds: time.stepSeconds,
    steps: time.steps,
    trainingTokens: time.trainingTokens,
    wallSeconds: time.wallSeconds,
    gpuHours: time.gpuHours,
    costUsd: cost.costUsd,
    cost,
    fits,
    fit: {
      capacityBytes: gpu.memoryBytes,
      usableBytes: usable,
      marginBytes: usable - mem.nvidiaSmiBytes,
      headroomPercent: plan.hardware.headroomPct,
    },
    maxMicroBatch,
    maxSeqLen,
    explain,
    notes: [...params.notes, ...profile.notes, ...cost.flags],
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

/** Validates a plan (throws zod errors naming the field) and estimates every technique in it. */
export function estimatePlan(input: PlanInput | Plan): EstimateReport {
  const plan = PlanSchema.parse(input);
  const spec = resolveModel(plan);
  const arch = describeArchitecture(spec);
  const gpu = resolveGpu(plan.hardware.gpu);
  const techniques = plan.techniques.map((t, i) =>
    estimateTechnique(plan, arch, gpu, prepareTechnique(plan, arch, t, i)),
  );
  const used = new Set<SourceId>(techniques.flatMap((t) => t.explain.flatMap((e) => e.sources)));
  return {
    tuneplanEstimateVersion: 1,
    plan: {
      name: plan.name,
      model: spec.name,
      gpu: gpu.name,
      gpus: plan.distribution.gpusPerNode * plan.distribution.nodes,
      strategy: plan.distribution.strategy,
      microBatch: plan.training.microBatch,
      seqLen: plan.training.seqLen,
      precision: plan.training.precision,
      optimizer: plan.training.optimizer,
    },
    model: {
      name: spec.name,
      totalParams: arch.totalParams,
      activeParams: arch.activeParams,
      layers: spec.numLayers,
      hiddenSize: spec.hiddenSize,
      vocabSize: spec.vocabSize,
    },
    techniques,
    sources: [...used].map((id) => SOURCES[id]),
  };
}
