/**
 * The estimator's entry point: a plan in, one result per technique out — exact parameters, per-GPU
 * memory by part, time, cost, fit — each figure with its formula, the plan's numbers and sources.
 * Pure: no I/O, the same in the CLI, the app and the tests.
 */
import { findCatalogModel } from '../catalog/models';
import type { ModelSpec } from '../domain/model-spec';
import { PlanSchema, type ObjectiveKind, type Plan, type PlanInput, type Technique } from '../domain/plan';
import { describeArchitecture, rewardArchitecture, type Architecture } from './architecture';
import { estimateCost, type CostEstimate } from './cost';
import { explainTechnique, type Explanation } from './explain';
import { resolveGpu, type ResolvedGpu } from './hardware';
import { memoryAt, memoryProfile, type MemoryParts, type MemoryProfile, type PeakPhase } from './memory';
import { SOURCES, type SourceId } from './sources';
import { EstimateInputError, techniqueParams, TECHNIQUE_LABELS, type TechniqueParams } from './techniques';
import { estimateTime, type TimeEstimate } from './time';
import { upgradePlanDocument } from '../domain/plan-migrations';
import { fitStateFor, memoryRange, wallRange, type FitState, type MemoryCounters } from './ranges';
import { dataBatches, type DataBatches } from './data-batches';
import { budgetRisk } from '../data/batching';
import type { DataStats } from '../domain/data-stats';
import { deviceKind, planWarnings, type DeviceKind, type PlanWarning } from './warnings';
import type { Runner } from './forward-dtypes';

export type { Explanation };

export interface TechniqueEstimate {
  index: number;
  technique: Technique['kind'];
  label: string;
  totalParams: number;
  trainableParams: number;
  trainablePercent: number;
  memory: {
    allocatedBytes: number;
    /** PyTorch's peak active bytes (= allocated in this model; see ranges.ts). */
    activeBytes: number;
    reservedBytes: number;
    nvidiaSmiBytes: number;
    hostBytes: number;
    nvmeBytes: number;
    /** The first step's peak active bytes, before the optimizer has created its state (ranges.ts). */
    firstStepActiveBytes: number;
    peakPhase: PeakPhase;
    parts: MemoryParts;
    /** The sequence length of the peak batch (the longest example when batches are padded). */
    peakSeqLen: number;
    /**
     * Issue 15 §3: shuffled, unpacked batches — what PyTorch's reserved (and nvidia-smi) may keep beyond these figures
     * while memory is to spare; released before an out-of-memory error, so outside the fit (allocator.ts).
     */
    cachedSpareBytes: number;
    /** Low and high ends of every counter above (issue 15 §8; the inputs they spread over: ranges.ts). */
    low: MemoryCounters;
    high: MemoryCounters;
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
  wallSecondsLow: number;
  wallSecondsHigh: number;
  /**
   * Issue 15 §7: the links the step's collectives ran over and their time per step (seconds): all collectives back to
   * back, the part hidden behind compute, the exposed rest (in stepSeconds) and its share of the step.
   */
  communication: {
    intraNode: string;
    interNode: string | null;
    seconds: number;
    hiddenSeconds: number;
    exposedSeconds: number;
    sharePercent: number;
  };
  /** The training objective this estimate models (plan.objective.kind). */
  objective: ObjectiveKind;
  /**
   * The whole run's time split by what the GPUs do: GRPO's generation (decode), the reference model's forwards (or
   * the one-off precompute pass), and the policy's forward/backward/step. SFT: 0, 0, wallSeconds.
   */
  phases: { generationSeconds: number; referenceSeconds: number; updateSeconds: number };
  /** Share of processed tokens that are padding (unpacked batches run to their longest example). */
  paddingWastePercent: number;
  gpuHours: number;
  costUsd: number | null;
  cost: CostEstimate;
  fits: boolean;
  fit: {
    capacityBytes: number;
    usableBytes: number;
    marginBytes: number;
    headroomPercent: number;
    /** fits (high end fits) / may-not-fit (expected fits, high does not) / does-not-fit (expected does not). */
    state: FitState;
  };
  maxMicroBatch: number;
  maxSeqLen: number;
  /** What the user's data statistics (`data.stats`) gave this estimate; absent when the plan has none. */
  fromData?: FromDataReport;
  explain: Explanation[];
  notes: string[];
}

export interface EstimateReport {
  tuneplanEstimateVersion: 2;
  /** What runs the training: a CPU-only machine's estimate is rough (issue 14.7). */
  device: { kind: DeviceKind; rough: boolean };
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
  /** Warnings about the plan, each naming its field (shared/estimate/warnings.ts). */
  warnings: PlanWarning[];
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

/**
 * The architecture the plan trains: the model's, with a reward model's score head in place of its LM head
 * (architecture.ts rewardArchitecture). Every estimate and export of the plan reads this one.
 */
export function planArchitecture(plan: Pick<Plan, 'model' | 'objective'>, spec = resolveModel(plan)): Architecture {
  const arch = describeArchitecture(spec);
  return plan.objective.kind === 'reward' ? rewardArchitecture(arch) : arch;
}

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
  gpuMemoryBytes?: number,
  runner: Runner = 'trl',
): PreparedTechnique {
  const params = techniqueParams(arch, technique, index);
  // GRPO's colocated vLLM takes a share of the GPU's memory (issue 19): the profile needs the GPU's capacity.
  const memory = gpuMemoryBytes ?? (plan.objective.kind === 'grpo' ? resolveGpu(plan.hardware.gpu).memoryBytes : 0);
  const profile = memoryProfile(
    arch,
    params,
    technique,
    plan.training,
    distribution,
    plan.objective,
    memory,
    plan.data, // issue 16: images per example (vision.ts)
    runner,
  );
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

export function estimateTechnique(
  plan: Plan,
  arch: Architecture,
  gpu: ResolvedGpu,
  prepared: PreparedTechnique,
): TechniqueEstimate {
  const { params, profile, technique, index } = prepared;
  const t = plan.training;
  const range = memoryRange(profile, plan);
  const mem = range.expected;
  const batches = dataBatches(plan);
  const peakSeq = batches.peak.expected;
  const rows = batches.sequencesPerRow; // sequences per example: a micro-batch of b examples holds b × rows
  const time: TimeEstimate = estimateTime(
    arch,
    profile,
    gpu,
    plan.data,
    plan.hardware.mfu,
    t.microBatch,
    plan.hardware,
  );
  // GRPO server mode: the generation GPUs run (and are paid for) as long as the training GPUs (time.billedGpus).
  const cost = estimateCost(plan.pricing, gpu, time.billedGpus, time.wallSeconds, time.trainingTokens, t.epochs);
  const usable = usableBytes(gpu, plan.hardware.headroomPct);
  const fitsAt = (b: number, s: number) => memoryAt(profile, b * rows, s).nvidiaSmiBytes <= usable;
  const fits = mem.nvidiaSmiBytes <= usable;
  const maxMicroBatch = largestFitting(65_536, (b) => fitsAt(b, peakSeq));
  const maxSeqLen = largestFitting(Math.max(arch.spec.maxPositionEmbeddings, t.seqLen), (s) => fitsAt(t.microBatch, s));
  const fromData = plan.data.stats ? fromDataReport(plan, plan.data.stats, batches, profile.gpus, fitsAt) : null;
  const modelBytes = params.totalParams * 2;
  const adapterBytes =
    technique.kind === 'full'
      ? null
      : Math.max(params.addedParams, params.trainableParams) * profile.bytes.trainableWeight;
  const resumableBytes = (adapterBytes ?? modelBytes) + params.trainableParams * profile.bytes.optimizerPerParam;

  const explain = explainTechnique({
    plan,
    arch,
    gpu,
    prepared,
    mem,
    time,
    cost,
    usableBytes: usable,
    range,
    fromData,
  });
  const wall = wallRange(time.wallSeconds, time.computeSeconds, time.stepSeconds, {
    seconds: time.communication.seconds,
    hiddenSeconds: time.communication.hiddenSeconds,
    steps: time.steps,
  });

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
      activeBytes: mem.allocatedBytes,
      // Loading (and quantizing) comes before training: the host peak is the larger of the two (kernels.ts).
      hostBytes: Math.max(profile.hostBytes + mem.offloadedActivationBytes, profile.loadHostBytes),
      nvmeBytes: profile.nvmeBytes,
      firstStepActiveBytes: mem.firstStepAllocatedBytes,
      peakPhase: mem.phase,
      parts: mem.parts,
      peakSeqLen: mem.seqLen,
      cachedSpareBytes: mem.allocator.cachedSpareBytes,
      low: range.low,
      high: range.high,
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
    wallSecondsLow: wall.low,
    wallSecondsHigh: wall.high,
    communication: {
      intraNode: time.communication.interconnect.intra.label,
      interNode: time.communication.interconnect.inter?.label ?? null,
      seconds: time.communication.seconds,
      hiddenSeconds: time.communication.hiddenSeconds,
      exposedSeconds: time.communicationSeconds,
      sharePercent: time.stepSeconds > 0 ? (100 * time.communicationSeconds) / time.stepSeconds : 0,
    },
    objective: plan.objective.kind,
    phases: {
      generationSeconds: time.generationSeconds,
      referenceSeconds: time.referenceSeconds,
      updateSeconds: time.wallSeconds - time.generationSeconds - time.referenceSeconds,
    },
    paddingWastePercent:
      time.processedTokensPerSecond > 0
        ? Math.max(0, 100 * (1 - time.tokensPerSecond / time.processedTokensPerSecond))
        : 0,
    gpuHours: time.gpuHours,
    costUsd: cost.costUsd,
    cost,
    fits,
    fit: {
      capacityBytes: gpu.memoryBytes,
      usableBytes: usable,
      marginBytes: usable - mem.nvidiaSmiBytes,
      headroomPercent: plan.hardware.headroomPct,
      state: fitStateFor(mem.nvidiaSmiBytes, range.high.nvidiaSmiBytes, usable, mem.pagedBytes),
    },
    maxMicroBatch,
    maxSeqLen,
    ...(fromData ? { fromData } : {}),
    explain,
    notes: [...params.notes, ...profile.notes, ...cost.flags],
  };
}

/**
 * What the estimate took from the user's data statistics (issue 17), per technique (the risk depends on its memory).
 */
export interface FromDataReport {
  /** quick (a sample, extrapolated) or full (every example counted) pass; exact when every token was counted. */
  pass: 'quick' | 'full';
  exact: boolean;
  examples: number;
  /** Examples longer than the sequence length, truncated or dropped as the statistics say. */
  overSeqLen: number;
  overflow: 'truncate' | 'drop';
  /** Real tokens of one epoch, after truncation or dropping. */
  tokensPerEpoch: number;
  /** The longest example kept (tokens per sequence, after truncation): the padded peak batch holds it. */
  longestExample: number;
  /** Tokens of the batch the peak is sized at (micro-batch × longest, or micro-batch × seqLen when packed). */
  peakBatchTokens: number;
  /**
   * Share of computed tokens that are padding, in percent: padded batches (random, or grouped by length when the
   * run groups them: export-capabilities.ts groupsByLength), or packing's unfilled tails.
   */
  paddingWastePercent: number;
  /** Shuffled padded batches only (null when packed): the chance that a step's batch is longer than memory allows. */
  risk: {
    /** Tokens per micro-batch that fit (the largest padded batch within the usable memory). */
    budgetTokens: number;
    longestThatFits: number;
    examplesOver: number;
    probabilityPerEpoch: number;
    /** Probability that one of the first 100 optimizer steps exceeds memory. */
    probabilityWithin100Steps: number;
    /** The expected optimizer step of the first one over memory (null when none is). */
    expectedFirstStep: number | null;
  } | null;
}

/**
 * budgetRisk (shared/data/batching.ts) over the optimizer steps of this plan: every GPU draws its own micro-batch
 * from one shuffled epoch (DistributedSampler), and an optimizer step consumes micro-batch × accumulation × GPUs
 * examples.
 */
function fromDataReport(
  plan: Plan,
  stats: DataStats,
  batches: DataBatches,
  gpus: number,
  fitsAt: (b: number, s: number) => boolean,
): FromDataReport {
  const t = plan.training;
  const b = batches.batching!;
  const spe = stats.lengths.sequencesPerExample;
  let risk: FromDataReport['risk'] = null;
  if (!t.packing) {
    const longestFits = largestFitting(t.seqLen, (s) => fitsAt(t.microBatch, s));
    const budgetTokens = longestFits * t.microBatch * spe;
    const opts = { microBatch: t.microBatch, seqLen: t.seqLen, overflow: b.overflow, sequencesPerExample: spe };
    const r = budgetRisk(stats.lengths, batches.rowsPerEpoch, opts, budgetTokens);
    const examplesPerStep = t.microBatch * t.gradAccum * gpus;
    const microStepsPer = t.gradAccum * gpus; // micro-batches of b examples drawn per optimizer step
    risk = {
      budgetTokens,
      longestThatFits: r.longestThatFits,
      examplesOver: r.examplesOver,
      probabilityPerEpoch: r.probabilityPerEpoch,
      probabilityWithin100Steps: r.probabilityWithinSteps(100 * microStepsPer),
      // The first over-long example lands on average at example (N + 1) / (m + 1) of the epoch (batching.ts).
      expectedFirstStep:
        r.examplesOver > 0
          ? Math.max(1, Math.ceil((batches.rowsPerEpoch + 1) / (r.examplesOver + 1) / examplesPerStep))
          : null,
    };
  }
  return {
    pass: stats.pass.kind,
    exact: stats.pass.exact,
    examples: stats.examples,
    overSeqLen: b.overSeqLen,
    overflow: b.overflow,
    tokensPerEpoch: b.tokensPerEpoch,
    longestExample: batches.peak.expected,
    peakBatchTokens: t.microBatch * batches.sequencesPerRow * batches.peak.expected,
    paddingWastePercent: 100 * batches.paddingShare,
    risk,
  };
}

/** What the estimate assumes beyond the plan: the trainer an export's framework runs (issue 19). */
export interface EstimateOptions {
  /**
   * The framework's preference trainer computes the full logits instead of TRL's fused LM head (LLaMA-Factory:
   * exporters/framework-context.ts); named in the explanation.
   */
  fullLogitsTrainer?: string;
  /** The framework sets use_cache=False for training (LLaMA-Factory, axolotl): no KV cache is kept. */
  trainingCacheOff?: string;
  /**
   * Who runs the job (forward-dtypes.ts Runner): the adapters' dtype, the DeepSpeed block and Liger follow it; the TRL
   * script unless a framework export says otherwise.
   */
  runner?: Runner;
}

/** Validates a plan (throws zod errors naming the field) and estimates every technique in it. */
export function estimatePlan(input: PlanInput | Plan, options: EstimateOptions = {}): EstimateReport {
  // A document of an older plan format is upgraded first (shared/domain/plan-migrations.ts); one the chain refuses
  // is parsed as it is, so the schema names its problem.
  const upgraded = upgradePlanDocument(input);
  const plan = PlanSchema.parse(upgraded.ok ? upgraded.document : input);
  const spec = resolveModel(plan);
  const arch = planArchitecture(plan, spec);
  const gpu = resolveGpu(plan.hardware.gpu);
  const techniques = plan.techniques.map((t, i) => {
    const prepared = prepareTechnique(plan, arch, t, i, plan.distribution, undefined, options.runner);
    if (options.fullLogitsTrainer) prepared.profile.fullLogitsTrainer = options.fullLogitsTrainer;
    if (options.trainingCacheOff) prepared.profile.trainingCacheOff = options.trainingCacheOff;
    return estimateTechnique(plan, arch, gpu, prepared);
  });
  const used = new Set<SourceId>(techniques.flatMap((t) => t.explain.flatMap((e) => e.sources)));
  return {
    // 2: issue 14 — warnings, device, adamw_torch_fused; recommendation keeps the global batch.
    tuneplanEstimateVersion: 2,
    device: { kind: deviceKind(plan.hardware.gpu), rough: deviceKind(plan.hardware.gpu) === 'cpu' },
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
    warnings: planWarnings(plan, spec, techniques),
  };
}
