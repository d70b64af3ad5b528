/**
 * "What would make it fit" (issue 14.2): for one technique, the single changes to the plan that lower its peak
 * (or, when it already fits, make it faster or cheaper), each with ONE concrete value and the figures the
 * estimator gives for the changed plan. No rule of thumb: every candidate is re-estimated with the same code
 * `estimatePlan` runs (`estimateTechnique` on the patched plan), and its fit is read through `fitState`.
 *
 * Fit has three states (advice.ts fitState, issue 15 §8): fits / may not fit (expected peak fits, high end does not) /
 * does not fit; each lever states the re-estimate's (`stateAfter`). A lever's value, by the technique's state:
 *  - does not fit: the smallest change of its kind whose expected peak fits ('fits' or 'may-not-fit'); when none
 *    does, its largest useful step (the candidate with the lowest peak, kept only if it lowers the peak at all).
 *  - may not fit: the smallest change of each memory kind that makes it a sure fit ('fits': the high end fits too),
 *    and the faster / cheaper changes below.
 *  - fits (or may not fit): the value that is fastest (or cheapest) while its expected peak still fits, kept only if
 *    it is faster (or cheaper).
 * "More GPUs" and the micro-batch levers keep the global batch (GPUs × micro-batch × accumulation) exactly.
 *
 * Each lever carries `patch`, an RFC 7386 merge patch on the plan file as it stands (technique changes carry the
 * whole `techniques` array): `estimatePlan(applyMergePatch(file, patch)).techniques[i]` gives exactly its figures.
 * Levers cost tens of re-estimates: the app computes them after the table renders, never while typing.
 */
import { groupsByLength } from '../domain/export-capabilities';
import { PlanSchema, type Plan, type PlanInput, type Technique } from '../domain/plan';
import { STRATEGY_TRAITS, type Strategy } from '../domain/strategies';
import { gib } from '../format';
import { applyMergePatch } from '../merge-patch';
import { fitState, isFitting, type FitState } from './advice';
import type { Architecture } from './architecture';
import { estimateTechnique, planArchitecture, prepareTechnique, type TechniqueEstimate } from './estimate';
import { resolveGpu, type ResolvedGpu } from './hardware';
import { deviceKindOfRef } from './owned-hardware';
import { LORA_FAMILY } from './techniques';
import { referenceMode, vllmMaxModelLength } from './objective';

export type LeverId =
  | 'gradient-checkpointing'
  | 'smaller-micro-batch'
  | 'chunked-loss'
  // Issue 15 §3: the caching allocator's fragmentation (allocator.ts fragmentationBytes).
  | 'expandable-segments'
  | 'group-by-length'
  | 'optimizer-8bit'
  | 'qlora'
  | 'lower-rank'
  | 'fewer-targets'
  | 'sharding'
  | 'cpu-offload'
  | 'shorter-sequence'
  | 'more-gpus'
  // Issue 19: the objective's own levers (each only where it applies).
  | 'precompute-reference'
  | 'peft-base-reference'
  | 'lower-vllm-memory'
  | 'vllm-sleep-mode'
  | 'fewer-generations'
  // For a technique that fits: faster or cheaper.
  | 'no-gradient-checkpointing'
  | 'larger-micro-batch'
  | 'no-offload'
  | 'lora-instead-of-qlora'
  | 'fewer-gpus';

/** The CLI's `techniques[i].fit.levers[]` entry; keys in this order. */
export interface Lever {
  id: LeverId;
  label: string;
  patch: Record<string, unknown>;
  reservedBytesAfter: number;
  nvidiaSmiBytesAfter: number;
  /** The re-estimate's fit (`fit.state`): fits / may-not-fit (expected fits, high end over) / does-not-fit. */
  stateAfter: FitState;
  wallSecondsAfter: number;
}

interface Candidate {
  /** The change in words; a function when the words quote the re-estimate's own figures. */
  label: string | ((after: TechniqueEstimate) => string);
  patch: Record<string, unknown>;
}

interface Evaluated {
  label: string;
  patch: Record<string, unknown>;
  estimate: TechniqueEstimate;
}

interface Ctx {
  plan: Plan;
  index: number;
  technique: Technique;
  arch: Architecture;
  gpu: ResolvedGpu;
  base: TechniqueEstimate;
  gpus: number;
  globalBatch: number;
}

function evaluate(ctx: Ctx, c: Candidate): Evaluated | null {
  // Merging into the parsed plan gives the plan `PlanSchema.parse(applyMergePatch(file, patch))` gives: patches
  // carry only complete values the schema accepts (the candidates are built within its bounds and its
  // strategy/offload rules; the property test re-parses every patched file), and zod fills defaults per field.
  // Not re-parsing here saves a schema pass per candidate (issue 14: levers < 20 ms).
  const plan = applyMergePatch(ctx.plan, c.patch) as Plan;
  const technique = plan.techniques[ctx.index];
  if (!technique) return null;
  try {
    const estimate = estimateTechnique(plan, ctx.arch, ctx.gpu, prepareTechnique(plan, ctx.arch, technique, ctx.index));
    return { label: typeof c.label === 'string' ? c.label : c.label(estimate), patch: c.patch, estimate };
  } catch {
    return null; // a change the estimator refuses (named by its own error elsewhere) is no lever
  }
}

const techniquePatch = (ctx: Ctx, change: Partial<Technique>) => ({
  techniques: ctx.plan.techniques.map((t, j) => (j === ctx.index ? { ...t, ...change } : t)),
});

const divisors = (n: number): number[] => {
  const out: number[] = [];
  for (let d = 1; d * d <= n; d++)
    if (n % d === 0) {
      out.push(d);
      if (d * d !== n) out.push(n / d);
    }
  return out.sort((a, b) => a - b);
};

const shardCount = (s: Strategy) => Object.values(STRATEGY_TRAITS[s].shards).filter(Boolean).length;

const pct = (percent: number) => `${percent.toFixed(1)} %`;

/**
 * Picks one value of a kind. Candidates come smallest change first. Not fitting ('fit'): the first whose expected
 * peak fits, else the lowest peak if it is lower than now. May not fit ('sure-fit'): the first that surely fits
 * (state 'fits'), else none. Fitting: the fastest (or cheapest) that fits, if it beats the plan as is.
 */
function pick(ctx: Ctx, evaluated: Evaluated[], goal: 'fit' | 'sure-fit' | 'faster' | 'cheaper'): Evaluated | null {
  if (goal === 'sure-fit') return evaluated.find((e) => fitState(e.estimate) === 'fits') ?? null;
  if (goal === 'fit') {
    // The least change that surely fits; else the least whose expected peak fits (its high end over); else the
    // lowest peak. A bigger change that surely fits beats a smaller one that may not (issue 15 §8).
    const fitting =
      evaluated.find((e) => fitState(e.estimate) === 'fits') ?? evaluated.find((e) => isFitting(e.estimate));
    if (fitting) return fitting;
    const lowest = evaluated.reduce<Evaluated | null>(
      (best, e) => (best === null || e.estimate.memory.nvidiaSmiBytes < best.estimate.memory.nvidiaSmiBytes ? e : best),
      null,
    );
    return lowest && lowest.estimate.memory.nvidiaSmiBytes < ctx.base.memory.nvidiaSmiBytes ? lowest : null;
  }
  const fitting = evaluated.filter((e) => isFitting(e.estimate));
  const score = (t: TechniqueEstimate) => (goal === 'faster' ? t.wallSeconds : (t.costUsd ?? t.gpuHours));
  const best = fitting.reduce<Evaluated | null>(
    (b, e) => (b === null || score(e.estimate) < score(b.estimate) ? e : b),
    null,
  );
  // A relative margin keeps float noise from passing as an improvement.
  return best && score(best.estimate) < score(ctx.base) * (1 - 1e-9) ? best : null;
}

/** Global batch kept: candidate (GPUs, micro-batch, accumulation) with GPUs × micro-batch × accumulation = G. */
function batchPatch(ctx: Ctx, gpus: number, microBatch: number) {
  const gradAccum = ctx.globalBatch / (gpus * microBatch);
  const nodes = ctx.plan.distribution.nodes;
  return {
    ...(gpus !== ctx.gpus ? { distribution: { gpusPerNode: gpus / nodes } } : {}),
    training: { microBatch, gradAccum },
  };
}

function memoryLevers(ctx: Ctx): Array<[LeverId, Candidate[]]> {
  const { plan, technique: t } = ctx;
  const tr = plan.training;
  const d = plan.distribution;
  const out: Array<[LeverId, Candidate[]]> = [];
  if (!tr.gradientCheckpointing)
    out.push([
      'gradient-checkpointing',
      [{ label: 'Gradient checkpointing on', patch: { training: { gradientCheckpointing: true } } }],
    ]);
  const perGpu = tr.microBatch * tr.gradAccum;
  out.push([
    'smaller-micro-batch',
    divisors(perGpu)
      .filter((m) => m < tr.microBatch)
      .reverse()
      .map((m) => ({
        label: `Micro-batch ${m} × accumulation ${perGpu / m} (global batch ${ctx.globalBatch} kept)`,
        patch: batchPatch(ctx, ctx.gpus, m),
      })),
  ]);
  if (tr.lossKernel !== 'chunked')
    out.push([
      'chunked-loss',
      [{ label: 'Chunked (fused) cross-entropy loss', patch: { training: { lossKernel: 'chunked' } } }],
    ]);
  out.push(...allocatorLevers(ctx));
  const eightBit: Partial<Record<Plan['training']['optimizer'], Plan['training']['optimizer']>> = {
    adamw: 'adamw_8bit',
    adamw_torch_fused: 'adamw_8bit',
    paged_adamw: 'paged_adamw_8bit',
  };
  const to8 = eightBit[tr.optimizer];
  if (to8 && ctx.base.trainableParams > 0)
    out.push([
      'optimizer-8bit',
      [
        {
          label: `${to8 === 'paged_adamw_8bit' ? 'Paged 8-bit' : '8-bit'} AdamW (bitsandbytes)`,
          patch: { training: { optimizer: to8 } },
        },
      ],
    ]);
  if (t.kind === 'lora')
    out.push([
      'qlora',
      [
        {
          label: 'QLoRA (4-bit NF4 base weights) instead of LoRA',
          patch: techniquePatch(ctx, { kind: 'qlora', quantType: 'nf4' }),
        },
      ],
    ]);
  if (LORA_FAMILY.includes(t.kind)) {
    const ranks: number[] = [];
    for (let r = Math.floor(t.rank / 2); r >= 1; r = Math.floor(r / 2)) ranks.push(r);
    out.push([
      'lower-rank',
      ranks.map((r) => ({ label: `Rank ${r} (now ${t.rank})`, patch: techniquePatch(ctx, { rank: r }) })),
    ]);
    const presets = (['all-linear', 'mlp', 'attention', 'qv'] as const).filter((p) => p !== t.targets);
    out.push([
      'fewer-targets',
      presets.map((p) => ({ label: `Target modules: ${p}`, patch: techniquePatch(ctx, { targets: p }) })),
    ]);
  }
  if (ctx.gpus > 1) {
    const order: Strategy[] = ['zero1', 'zero2', 'fsdp_grad_op', 'zero3', 'fsdp_full'];
    out.push([
      'sharding',
      order
        .filter((s) => shardCount(s) > shardCount(d.strategy))
        .filter(
          (s) =>
            (d.offloadOptimizer === 'none' || STRATEGY_TRAITS[s].optimizerOffload.includes(d.offloadOptimizer)) &&
            (d.offloadParams === 'none' || STRATEGY_TRAITS[s].paramOffload.includes(d.offloadParams)),
        )
        .map((s) => ({ label: STRATEGY_TRAITS[s].label, patch: { distribution: { strategy: s } } })),
    ]);
  }
  const offload: Candidate[] = [];
  // FSDP has no optimizer-only offload (offload.ts fsdpCpuOffload): its one switch is the candidate below.
  if (d.offloadOptimizer === 'none' && ctx.base.trainableParams > 0 && STRATEGY_TRAITS[d.strategy].family !== 'fsdp') {
    const s: Strategy = STRATEGY_TRAITS[d.strategy].optimizerOffload.includes('cpu') ? d.strategy : 'zero2';
    offload.push({
      label: `Optimizer states offloaded to CPU RAM${s !== d.strategy ? ` (${STRATEGY_TRAITS[s].label})` : ''}`,
      patch: { distribution: { ...(s !== d.strategy ? { strategy: s } : {}), offloadOptimizer: 'cpu' } },
    });
  }
  if (d.offloadParams === 'none') {
    const s: Strategy = STRATEGY_TRAITS[d.strategy].paramOffload.includes('cpu') ? d.strategy : 'zero3';
    offload.push({
      label:
        'Optimizer states and parameters offloaded to CPU RAM' +
        (s !== d.strategy ? ` (${STRATEGY_TRAITS[s].label})` : ''),
      patch: {
        distribution: { ...(s !== d.strategy ? { strategy: s } : {}), offloadOptimizer: 'cpu', offloadParams: 'cpu' },
      },
    });
  }
  out.push(['cpu-offload', offload]);
  // Shorter sequence: the longest that fits at this micro-batch (the estimate's own search), in steps of 64 tokens
  // where the sequence is that long; when none fits, 128 tokens as the largest useful step.
  const maxSeq = ctx.base.maxSeqLen;
  const seq =
    maxSeq >= tr.seqLen
      ? null
      : maxSeq >= 64
        ? Math.floor(maxSeq / 64) * 64
        : maxSeq > 0
          ? maxSeq
          : Math.min(128, Math.floor(tr.seqLen / 2));
  if (seq !== null && seq >= 1 && seq < tr.seqLen)
    out.push([
      'shorter-sequence',
      [
        {
          label: `Sequence length ${seq.toLocaleString('en-US')} tokens (now ${tr.seqLen.toLocaleString('en-US')})`,
          patch: { training: { seqLen: seq } },
        },
      ],
    ]);
  out.push(['more-gpus', gpuCandidates(ctx, (n) => n > ctx.gpus)]);
  out.push(...objectiveLevers(ctx));
  return out;
}

/**
 * Whether "batches grouped by length" is a change the plan can take: it samples at random now, its batches are padded
 * (not packed), and with the order switched its run really groups (domain/export-capabilities.ts groupsByLength: the
 * objective's trainer takes LengthGroupedSampler — LENGTH_GROUPED_OBJECTIVES — and the stack is not torchtune).
 */
function canGroupByLength(ctx: Ctx): boolean {
  const tr = ctx.plan.training;
  return (
    tr.samplingStrategy === 'random' &&
    !tr.packing &&
    groupsByLength({ training: { ...tr, samplingStrategy: 'group_by_length' }, objective: ctx.plan.objective })
  );
}

/**
 * Issue 15 §3: expandable allocator segments (PYTORCH_ALLOC_CONF expandable_segments:True), re-estimated like every
 * other lever (memory.ts reads it into the allocator's fragmentation, allocator.ts fragmentationBytes), so it is kept
 * only when its re-estimate lowers the peak or makes the technique fit (`pick`); the label quotes the allocator slack
 * before and after from the estimates. A setting of PyTorch's CUDA caching allocator, so only on a CUDA-class device
 * — not Apple silicon's MPS allocator, not a CPU-only machine (owned-hardware.ts deviceKindOfRef). Batches grouped by
 * length change no fit; they are a speed lever (speedLevers, `canGroupByLength`).
 */
function allocatorLevers(ctx: Ctx): Array<[LeverId, Candidate[]]> {
  const tr = ctx.plan.training;
  const slack = (after: TechniqueEstimate) =>
    `allocator slack ${gib(ctx.base.memory.parts.allocatorSlack)} → ${gib(after.memory.parts.allocatorSlack)}`;
  const out: Array<[LeverId, Candidate[]]> = [];
  if (!tr.expandableSegments && deviceKindOfRef(ctx.plan.hardware.gpu) === 'gpu')
    out.push([
      'expandable-segments',
      [
        {
          label: (after) =>
            'Expandable allocator segments (expandable_segments: the caching allocator grows one segment instead of ' +
            `caching blocks a longer batch cannot reuse; ${slack(after)})`,
          patch: { training: { expandableSegments: true } },
        },
      ],
    ]);
  // Batch order changes no fit (the allocator frees whole cached segments before an OOM, allocator.ts): grouping by
  // length is a speed lever (less padding), offered by speedLevers.
  return out;
}

/**
 * Issue 19: levers of the objective, each offered only where TRL can do it (objective.ts referenceMode): a
 * precomputed reference (DPOConfig.precompute_ref_log_probs; not GRPO, whose completions are generated online), the
 * adapter-disabled base as reference (PEFT techniques only), a lower vllm_gpu_memory_utilization that still holds
 * vLLM's weights and one full sequence's KV cache, vLLM sleep mode, and fewer generations per prompt with the prompts
 * per step kept (the accumulation shrinks with the generations, so the generation batch still divides by them).
 */
function objectiveLevers(ctx: Ctx): Array<[LeverId, Candidate[]]> {
  const o = ctx.plan.objective;
  const out: Array<[LeverId, Candidate[]]> = [];
  const refMode = referenceMode(o, ctx.technique);
  if (refMode === 'copy' || refMode === 'peft_base') {
    if (o.kind !== 'grpo')
      out.push([
        'precompute-reference',
        [
          {
            label: 'Precompute the reference log-probs before training (precompute_ref_log_probs)',
            patch: { objective: { reference: 'precomputed' } },
          },
        ],
      ]);
    if (refMode === 'copy' && ctx.technique.kind !== 'full')
      out.push([
        'peft-base-reference',
        [
          {
            label: 'Use the PEFT base (adapter disabled) as the reference instead of a copy',
            patch: { objective: { reference: 'peft_base' } },
          },
        ],
      ]);
  }
  if (o.kind !== 'grpo') return out;
  if (o.generation === 'vllm_colocate') {
    // vLLM refuses to start when its KV cache cannot hold one max_model_len sequence; the export sets max_model_len to
    // prompt + completion (objective.ts vllmMaxModelLength). The floor is the estimate's own vLLM weights per GPU and
    // that one sequence's KV cache (split over the tensor-parallel ranks), as memory.ts sizes them.
    const g = prepareTechnique(ctx.plan, ctx.arch, ctx.technique, ctx.index).profile.generation;
    const floor =
      (g.vllmWeightsBytes + (vllmMaxModelLength(o) * g.kvBytesPerToken) / o.vllmTensorParallel) / ctx.gpu.memoryBytes;
    const utils: number[] = [];
    for (let u = Math.round(o.vllmGpuMemoryUtilization * 100) - 5; u >= 5; u -= 5)
      if (u / 100 > floor) utils.push(u / 100);
    out.push([
      'lower-vllm-memory',
      utils.map((u) => ({
        label:
          `vLLM gpu_memory_utilization ${u} (now ${o.vllmGpuMemoryUtilization}; ` +
          'KV cache shrinks, decoding may take more rounds)',
        patch: { objective: { vllmGpuMemoryUtilization: u } },
      })),
    ]);
    if (!o.vllmSleepMode)
      out.push([
        'vllm-sleep-mode',
        [
          {
            label: 'vLLM sleep mode (vllm_enable_sleep_mode: weights and KV cache leave the GPU during the update)',
            patch: { objective: { vllmSleepMode: true } },
          },
        ],
      ]);
  }
  out.push(['fewer-generations', fewerGenerations(ctx)]);
  return out;
}

function fewerGenerations(ctx: Ctx): Candidate[] {
  const o = ctx.plan.objective;
  const tr = ctx.plan.training;
  const out: Candidate[] = [];
  for (let g = o.numGenerations - 1; g >= 2; g--) {
    const accum = (tr.gradAccum * g) / o.numGenerations;
    if (!Number.isInteger(accum) || accum < 1) continue;
    if ((tr.microBatch * ctx.gpus * accum) % g !== 0) continue;
    out.push({
      label: `${g} generations per prompt (now ${o.numGenerations}), accumulation ${accum}: the same prompts per step`,
      patch: { objective: { numGenerations: g }, training: { gradAccum: accum } },
    });
  }
  return out;
}

/** GPU counts (a multiple of the node count, within the plan's goal) that keep the global batch exactly. */
function gpuCandidates(ctx: Ctx, keep: (n: number) => boolean): Candidate[] {
  const nodes = ctx.plan.distribution.nodes;
  const tr = ctx.plan.training;
  return divisors(ctx.globalBatch)
    .filter((n) => keep(n) && n % nodes === 0 && n <= ctx.plan.goals.maxGpus && n / nodes <= 1024)
    .map((n) => {
      const perGpu = ctx.globalBatch / n;
      // The plan's micro-batch where it divides the per-GPU batch, else the largest that does below it.
      const m = Math.max(...divisors(perGpu).filter((x) => x <= tr.microBatch));
      return {
        label: `${n} GPUs: micro-batch ${m} × accumulation ${perGpu / m} (global batch ${ctx.globalBatch} kept)`,
        patch: batchPatch(ctx, n, m),
      };
    });
}

function speedLevers(ctx: Ctx): Array<[LeverId, Candidate[], 'faster' | 'cheaper']> {
  const { plan, technique: t } = ctx;
  const tr = plan.training;
  const d = plan.distribution;
  const out: Array<[LeverId, Candidate[], 'faster' | 'cheaper']> = [];
  if (tr.gradientCheckpointing)
    out.push([
      'no-gradient-checkpointing',
      [
        {
          label: 'Gradient checkpointing off (no recomputation)',
          patch: { training: { gradientCheckpointing: false } },
        },
      ],
      'faster',
    ]);
  const perGpu = tr.microBatch * tr.gradAccum;
  out.push([
    'larger-micro-batch',
    divisors(perGpu)
      .filter((m) => m > tr.microBatch)
      .map((m) => ({
        label: `Micro-batch ${m} × accumulation ${perGpu / m} (global batch ${ctx.globalBatch} kept)`,
        patch: batchPatch(ctx, ctx.gpus, m),
      })),
    'faster',
  ]);
  if (d.offloadOptimizer !== 'none' || d.offloadParams !== 'none')
    out.push([
      'no-offload',
      [{ label: 'No CPU/NVMe offload', patch: { distribution: { offloadOptimizer: 'none', offloadParams: 'none' } } }],
      'faster',
    ]);
  if (t.kind === 'qlora')
    out.push([
      'lora-instead-of-qlora',
      [{ label: 'LoRA (16-bit base weights) instead of QLoRA', patch: techniquePatch(ctx, { kind: 'lora' }) }],
      'faster',
    ]);
  // Batches grouped by length pad each micro-batch to similar lengths: the re-estimate reads the grouped padding
  // (data-batches.ts, from the data statistics), so the lever is kept only when that is faster.
  if (canGroupByLength(ctx))
    out.push([
      'group-by-length',
      [
        {
          label: (after) =>
            'Batches grouped by length (LengthGroupedSampler: each micro-batch holds examples of similar length; ' +
            `padding waste ${pct(ctx.base.paddingWastePercent)} → ${pct(after.paddingWastePercent)})`,
          patch: { training: { samplingStrategy: 'group_by_length' } },
        },
      ],
      'faster',
    ]);
  out.push(['more-gpus', gpuCandidates(ctx, (n) => n > ctx.gpus), 'faster']);
  if (ctx.plan.objective.kind === 'grpo') out.push(['fewer-generations', fewerGenerations(ctx), 'faster']);
  out.push(['fewer-gpus', gpuCandidates(ctx, (n) => n < ctx.gpus).reverse(), 'cheaper']);
  return out;
}

const toLever = (id: LeverId, e: Evaluated): Lever => ({
  id,
  label: e.label,
  patch: e.patch,
  reservedBytesAfter: e.estimate.memory.reservedBytes,
  nvidiaSmiBytesAfter: e.estimate.memory.nvidiaSmiBytes,
  stateAfter: fitState(e.estimate),
  wallSecondsAfter: e.estimate.wallSeconds,
});

/** Sure fits first, then "may not fit", then "still over". */
const STATE_RANK: Record<FitState, number> = { fits: 0, 'may-not-fit': 1, 'does-not-fit': 2 };

/**
 * The levers for one technique of a plan (a plan file as it stands, or a parsed plan). Order: levers after which
 * the technique surely fits ('fits'), by wall time after; then those after which it may not fit, by wall time
 * after; then the others by bytes saved, most first. One lever per id (a technique that may not fit gets both the
 * memory and the speed levers; where both offer "more GPUs", the one ranked first stays).
 */
export function leversFor(input: PlanInput | Plan, techniqueIndex: number): Lever[] {
  const plan = PlanSchema.parse(input);
  const technique = plan.techniques[techniqueIndex];
  if (!technique) throw new RangeError(`techniqueIndex must be 0 to ${plan.techniques.length - 1}`);
  const arch = planArchitecture(plan);
  const gpu = resolveGpu(plan.hardware.gpu);
  const base = estimateTechnique(plan, arch, gpu, prepareTechnique(plan, arch, technique, techniqueIndex));
  const gpus = plan.distribution.gpusPerNode * plan.distribution.nodes;
  const ctx: Ctx = {
    plan,
    index: techniqueIndex,
    technique,
    arch,
    gpu,
    base,
    gpus,
    globalBatch: gpus * plan.training.microBatch * plan.training.gradAccum,
  };
  const levers: Lever[] = [];
  const evalAll = (cs: Candidate[]) => cs.map((c) => evaluate(ctx, c)).filter((e): e is Evaluated => e !== null);
  const state = fitState(base);
  if (state !== 'fits') {
    const goal = state === 'does-not-fit' ? 'fit' : 'sure-fit';
    for (const [id, candidates] of memoryLevers(ctx)) {
      const chosen = pick(ctx, evalAll(candidates), goal);
      if (chosen) levers.push(toLever(id, chosen));
    }
  }
  if (isFitting(base)) {
    for (const [id, candidates, goal] of speedLevers(ctx)) {
      const chosen = pick(ctx, evalAll(candidates), goal);
      if (chosen) levers.push(toLever(id, chosen));
    }
  }
  const seen = new Set<LeverId>();
  return levers
    .sort((a, b) =>
      a.stateAfter !== b.stateAfter
        ? STATE_RANK[a.stateAfter] - STATE_RANK[b.stateAfter]
        : a.stateAfter !== 'does-not-fit'
          ? a.wallSecondsAfter - b.wallSecondsAfter
          : a.nvidiaSmiBytesAfter - b.nvidiaSmiBytesAfter,
    )
    .filter((l) => {
      if (seen.has(l.id)) return false;
      seen.add(l.id);
      return true;
    });
}

/** A lever's fit after, in words (the CLI's text and the UI's lever table say the same). */
export const STATE_AFTER_TEXT: Record<FitState, string> = {
  fits: 'fits',
  'may-not-fit': 'may not fit (high end over)',
  'does-not-fit': 'still over',
};

/** One line for a lever, for the CLI table and the UI's tooltip. */
export function describeLever(l: Lever, techniqueLabel: string): string {
  return (
    `${techniqueLabel}: ${l.label} → peak ${gib(l.nvidiaSmiBytesAfter)} (nvidia-smi), ` + STATE_AFTER_TEXT[l.stateAfter]
  );
}
