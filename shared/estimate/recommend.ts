/**
 * Recommendation sweep (ESTIMATOR.md §8, issue 14 item 3). For every technique of the plan — never another one —
 * on the user's own hardware (always) and every catalog GPU (unless owned-only), at every GPU count up to the
 * limit that divides the plan's global batch G = GPUs × micro-batch × accumulation, it tries every split of
 * G / GPUs into micro-batch × accumulation (micro-batch ≤ 64, or the plan's own when larger) and keeps the
 * fastest split that fits. The global batch is kept exactly: a GPU count that does not divide it is skipped
 * and listed, never rounded.
 *
 * Options are ranked by cost or by time, within a budget and a deadline. Owned hardware is costed at the price
 * the user entered or none ("your hardware": nothing to rent) and is then ranked by time, ahead of rentals when
 * sorting by cost. Owned hardware whose figures are unknown is listed under `needsFigures`, never ranked.
 *
 * Each option's memory and time are the estimator's own (memoryProfile, memoryRange, estimateTime with the option's
 * training and distribution), so applying an option to the plan and estimating gives the same figures
 * (tests/unit/estimate/recommend-properties.test.ts).
 */
import { CATALOG_GPUS } from '../catalog/gpus';
import { cheapestPerGpuHour } from '../catalog/prices';
import { PlanSchema, type Distribution, type GpuRef, type Plan, type PlanInput, type Technique } from '../domain/plan';
import { gib, GiB, usd } from '../format';
import { isFitting } from './advice';
import { estimateCost } from './cost';
import { planArchitecture, usableBytes } from './estimate';
import { fromCatalog, type ResolvedGpu } from './hardware';
import { DEFAULT_INTERCONNECT, resolveInterconnect, type InterconnectChoice } from './interconnect';
import { memoryProfile, type MemoryProfile } from './memory';
import {
  FIT_RULES,
  howToEnterFigures,
  ownedFromPlan,
  resolveOwned,
  type FigureField,
  type HardwareKind,
  type OwnedHardware,
} from './owned-hardware';
import { fitStateFor, memoryRange, type FitState } from './ranges';
import { techniqueParams, TECHNIQUE_LABELS } from './techniques';
import { estimateTime } from './time';

export const MAX_SWEEP_MICRO_BATCH = 64;
export const RECOMMEND_SORTS = ['cost', 'time'] as const;
export type RecommendSort = (typeof RECOMMEND_SORTS)[number];

/** What the caller may override; absent fields come from the plan's goals. */
export interface RecommendOptions {
  /** Default: time when only a budget is given (the fastest within it), else cost. */
  sort?: RecommendSort | null;
  budgetUsd?: number | null;
  /** undefined = the plan's goals.deadlineHours; null = no deadline. */
  deadlineHours?: number | null;
  /** undefined = the plan's goals.maxGpus. */
  maxGpus?: number;
  ownedOnly?: boolean;
  /** Owned hardware besides the plan's GPU (always included): this machine, saved profiles, custom GPUs. */
  owned?: readonly OwnedHardware[];
}

export interface RecommendedOption {
  /** Catalog id, or 'custom' for hardware given by its figures (see gpuRef). */
  gpuId: string;
  gpuName: string;
  /** The plan's hardware.gpu to apply this option. */
  gpuRef: GpuRef;
  deviceKind: HardwareKind;
  gpus: number;
  techniqueIndex: number;
  techniqueKind: Technique['kind'];
  technique: string;
  microBatch: number;
  gradAccum: number;
  reservedBytes: number;
  nvidiaSmiBytes: number;
  /** ranges.ts: 'fits' or 'may-not-fit' (the high end of the memory range is over); never 'does-not-fit'. */
  fitState: FitState;
  /** nvidia-smi figure in GiB (the results panel shows it). */
  peakGiB: number;
  wallSeconds: number;
  costUsd: number | null;
  usdPerGpuHour: number | null;
  owned: boolean;
  /** OwnedHardware.id ('plan', 'machine', 'profile:…', 'custom:…'); null for a rental. */
  ownedId: string | null;
  priceSource: string | null;
}

export interface Rejection {
  gpuId: string;
  gpuName: string;
  gpus: number;
  techniqueIndex: number;
  technique: string;
  owned: boolean;
  ownedId: string | null;
  kind: 'memory' | 'deadline' | 'budget' | 'no-price';
  reason: string;
  /** The figures of the fastest split that fits (for deadline and budget rejections); null when none fits. */
  wallSeconds: number | null;
  costUsd: number | null;
}

export interface NeedsFigures {
  ownedId: string;
  label: string;
  deviceKind: HardwareKind;
  fitRule: string;
  count: number;
  known: Partial<Record<FigureField, number>>;
  missing: FigureField[];
  howToEnter: string;
  note: string;
}

export interface Recommendation {
  globalBatch: number;
  sortedBy: RecommendSort;
  filters: { budgetUsd: number | null; deadlineHours: number | null; maxGpus: number; ownedOnly: boolean };
  /** Hardware × GPU count × technique × split evaluated. */
  considered: number;
  /** Hardware × GPU count × technique combinations with a split that fits in memory. */
  fitting: number;
  /** The lowest known cost among the ranked options (owned hardware without a price has none). */
  cheapest: RecommendedOption | null;
  fastest: RecommendedOption | null;
  /** Every option that fits and meets the budget and deadline, best first by `sortedBy`. */
  ranked: RecommendedOption[];
  rejected: Rejection[];
  needsFigures: NeedsFigures[];
  /** GPU counts up to the limit that cannot keep the global batch. */
  skippedGpuCounts: Array<{ gpus: number; reason: string }>;
}

interface Hardware {
  gpu: ResolvedGpu;
  ref: GpuRef;
  kind: HardwareKind;
  owned: OwnedHardware | null;
  counts: number[];
  /** The plan's MFU applies to the plan's own GPU only; elsewhere the default for that GPU. */
  mfu: number | null;
}

const divisors = (n: number, max: number): number[] => {
  const out: number[] = [];
  for (let d = 1; d <= Math.min(n, max); d++) if (n % d === 0) out.push(d);
  return out;
};

const refKey = (ref: GpuRef): string =>
  ref.source === 'catalog' ? ref.id : `custom:${ref.name}:${ref.memoryGiB}:${ref.bf16Tflops}:${ref.bandwidthGBs}`;

export function recommend(input: PlanInput | Plan, options: RecommendOptions = {}): Recommendation {
  const plan = PlanSchema.parse(input);
  const arch = planArchitecture(plan);
  const t = plan.training;
  const globalBatch = t.microBatch * t.gradAccum * plan.distribution.gpusPerNode * plan.distribution.nodes;
  const maxGpus = options.maxGpus ?? plan.goals.maxGpus;
  const deadline = options.deadlineHours === undefined ? plan.goals.deadlineHours : options.deadlineHours;
  const budget = options.budgetUsd ?? null;
  const ownedOnly = options.ownedOnly ?? false;
  const sortedBy: RecommendSort = options.sort ?? (budget !== null && deadline === null ? 'time' : 'cost');
  const maxMicroBatch = Math.max(MAX_SWEEP_MICRO_BATCH, t.microBatch);

  const skippedGpuCounts: Recommendation['skippedGpuCounts'] = [];
  const counts: number[] = [];
  for (let n = 1; n <= maxGpus; n++) {
    if (globalBatch % n === 0) counts.push(n);
    else
      skippedGpuCounts.push({
        gpus: n,
        reason: `the global batch of ${globalBatch} is not a multiple of ${n} GPUs`,
      });
  }

  // Hardware: owned first (the plan's GPU, then the rest), then the catalog's, each (device, count) once.
  const hardware: Hardware[] = [];
  const needsFigures: NeedsFigures[] = [];
  const covered = new Map<string, number>();
  for (const owned of [ownedFromPlan(plan), ...(options.owned ?? [])]) {
    const gpu = resolveOwned(owned);
    if (!gpu || !owned.gpuRef) {
      needsFigures.push({
        ownedId: owned.id,
        label: owned.label,
        deviceKind: owned.deviceKind,
        fitRule: FIT_RULES[owned.deviceKind],
        count: owned.count,
        known: owned.known,
        missing: owned.missing,
        howToEnter: howToEnterFigures(owned),
        note: owned.note,
      });
      continue;
    }
    const key = refKey(owned.gpuRef);
    const already = covered.get(key) ?? 0;
    const ownedCounts = counts.filter((n) => n > already && n <= owned.count);
    covered.set(key, Math.max(already, owned.count));
    if (ownedCounts.length)
      hardware.push({
        gpu,
        ref: owned.gpuRef,
        kind: owned.deviceKind,
        owned,
        counts: ownedCounts,
        mfu: owned.id === 'plan' ? plan.hardware.mfu : null,
      });
  }
  if (!ownedOnly)
    for (const catalogGpu of CATALOG_GPUS) {
      const gpu = fromCatalog(catalogGpu);
      if (!gpu) continue;
      const ownedUpTo = covered.get(catalogGpu.id) ?? 0;
      const rentCounts = counts.filter((n) => n > ownedUpTo);
      if (rentCounts.length)
        hardware.push({
          gpu,
          ref: { source: 'catalog', id: gpu.id },
          kind: gpu.tier === 'apple' ? 'apple-unified' : 'gpu',
          owned: null,
          counts: rentCounts,
          mfu: null,
        });
    }

  // Memory does not depend on the GPU model: one profile and one peak per technique × GPU count × split.
  interface Split {
    microBatch: number;
    gradAccum: number;
    profile: MemoryProfile;
    reservedBytes: number;
    nvidiaSmiBytes: number;
    highNvidiaSmiBytes: number;
  }
  const splitCache = new Map<string, Split[]>();
  const params = plan.techniques.map((technique, index) => techniqueParams(arch, technique, index));
  // GRPO's colocated vLLM takes a share of each GPU's memory (issue 19): its peak depends on the GPU's capacity.
  const colocate = plan.objective.kind === 'grpo' && plan.objective.generation === 'vllm_colocate';
  const splitsFor = (index: number, n: number, gpuMemoryBytes: number): Split[] => {
    const key = colocate ? `${index}:${n}:${gpuMemoryBytes}` : `${index}:${n}`;
    const cached = splitCache.get(key);
    if (cached) return cached;
    const technique = plan.techniques[index]!;
    const distribution: Distribution = { ...plan.distribution, gpusPerNode: n, nodes: 1 };
    const perGpu = globalBatch / n;
    const splits = divisors(perGpu, maxMicroBatch).map((microBatch): Split => {
      const training = { ...t, microBatch, gradAccum: perGpu / microBatch };
      // The global batch is kept, so TRL's generation batch (micro-batch × GPUs × accumulation) still divides by
      // num_generations as the plan's schema checked (grpo_config.py GRPOConfig.__post_init__).
      const profile = memoryProfile(
        arch,
        params[index]!,
        technique,
        training,
        distribution,
        plan.objective,
        gpuMemoryBytes,
        plan.data,
      );
      // The estimator's own peak for this split (the longest batch, expected allocator figures, and the high end).
      const range = memoryRange(profile, { training, data: plan.data });
      return {
        microBatch,
        gradAccum: training.gradAccum,
        profile,
        reservedBytes: range.expected.reservedBytes,
        nvidiaSmiBytes: range.expected.nvidiaSmiBytes,
        highNvidiaSmiBytes: range.high.nvidiaSmiBytes,
      };
    });
    splitCache.set(key, splits);
    return splits;
  };

  const ranked: RecommendedOption[] = [];
  const rejected: Rejection[] = [];
  let considered = 0;
  let fitting = 0;
  for (const hw of hardware) {
    const usable = usableBytes(hw.gpu, plan.hardware.headroomPct);
    const rental = hw.owned ? null : cheapestPerGpuHour(hw.gpu.id);
    for (const n of hw.counts) {
      for (const [index, technique] of plan.techniques.entries()) {
        const splits = splitsFor(index, n, hw.gpu.memoryBytes);
        considered += splits.length;
        const base = {
          gpuId: hw.gpu.id,
          gpuName: hw.gpu.name,
          gpus: n,
          techniqueIndex: index,
          technique: TECHNIQUE_LABELS[technique.kind],
          owned: hw.owned !== null,
          ownedId: hw.owned?.id ?? null,
        };
        let best: { split: Split; wallSeconds: number; trainingTokens: number } | null = null;
        for (const split of splits) {
          // The estimate's rule (estimate.ts `fits`), through advice.ts like every other fit decision.
          if (!isFitting({ fits: split.nvidiaSmiBytes <= usable })) continue;
          const time = estimateTime(
            arch,
            split.profile,
            hw.gpu,
            plan.data,
            hw.mfu,
            split.microBatch,
            candidateLinks(plan.hardware, hw.gpu, split.profile.distribution),
          );
          if (!best || time.wallSeconds < best.wallSeconds)
            best = { split, wallSeconds: time.wallSeconds, trainingTokens: time.trainingTokens };
        }
        if (!best) {
          const least = splits.reduce((a, b) => (b.nvidiaSmiBytes < a.nvidiaSmiBytes ? b : a));
          rejected.push({
            ...base,
            kind: 'memory',
            reason:
              `needs ${gib(least.nvidiaSmiBytes, 1, { grouping: false })} per GPU at its smallest split ` +
              `(micro-batch ${least.microBatch} × accumulation ${least.gradAccum}); ` +
              `${hw.gpu.name} offers ${gib(usable, 1, { grouping: false })} ` +
              `after ${plan.hardware.headroomPct} % headroom`,
            wallSeconds: null,
            costUsd: null,
          });
          continue;
        }
        fitting++;
        const hours = best.wallSeconds / 3600;
        let costUsd: number | null = null;
        let usdPerGpuHour: number | null = null;
        let priceSource: string | null = null;
        if (hw.owned?.price) {
          const cost = estimateCost(
            { ...plan.pricing, mode: 'platform', ...hw.owned.price },
            hw.gpu,
            n,
            best.wallSeconds,
            best.trainingTokens,
          );
          costUsd = cost.platformUsd;
          usdPerGpuHour = cost.usdPerGpuHour;
          priceSource = cost.priceSource || null;
        } else if (rental) {
          usdPerGpuHour = rental.usdPerGpuHour;
          costUsd = hours * n * rental.usdPerGpuHour;
          priceSource = `${rental.price.provider} ${rental.price.sku}, ${rental.price.date}`;
        }
        const option: RecommendedOption = {
          ...base,
          gpuRef: hw.ref,
          deviceKind: hw.kind,
          techniqueKind: technique.kind,
          microBatch: best.split.microBatch,
          gradAccum: best.split.gradAccum,
          reservedBytes: best.split.reservedBytes,
          nvidiaSmiBytes: best.split.nvidiaSmiBytes,
          fitState: fitStateFor(best.split.nvidiaSmiBytes, best.split.highNvidiaSmiBytes, usable),
          peakGiB: best.split.nvidiaSmiBytes / GiB,
          wallSeconds: best.wallSeconds,
          costUsd,
          usdPerGpuHour,
          priceSource,
        };
        const reject = (kind: Rejection['kind'], reason: string) =>
          rejected.push({ ...base, kind, reason, wallSeconds: best.wallSeconds, costUsd });
        if (deadline !== null && hours > deadline) {
          reject('deadline', `takes ${hours.toFixed(1)} h, over the ${deadline} h deadline`);
          continue;
        }
        if (budget !== null && costUsd !== null && costUsd > budget) {
          reject('budget', `costs ${usd(costUsd)}, over the ${usd(budget)} budget`);
          continue;
        }
        if (budget !== null && costUsd === null && !option.owned) {
          reject('no-price', `no price is known for ${hw.gpu.name}, so the ${usd(budget)} budget cannot be checked`);
          continue;
        }
        ranked.push(option);
      }
    }
  }

  ranked.sort(sortedBy === 'cost' ? byCost : byTime);
  let cheapest: RecommendedOption | null = null;
  let fastest: RecommendedOption | null = null;
  for (const o of ranked) {
    if (o.costUsd !== null && (cheapest === null || byCost(o, cheapest) < 0)) cheapest = o;
    if (fastest === null || byTime(o, fastest) < 0) fastest = o;
  }
  return {
    globalBatch,
    sortedBy,
    filters: { budgetUsd: budget, deadlineHours: deadline, maxGpus, ownedOnly },
    considered,
    fitting,
    cheapest,
    fastest,
    ranked,
    rejected,
    needsFigures,
    skippedGpuCounts,
  };
}

/**
 * Cost order: owned hardware without a price first (nothing to rent), by time; then every priced option by cost;
 * then rentals without a price, by time. Ties: time, fewer GPUs, the plan's technique order, the GPU id.
 */
const costGroup = (o: RecommendedOption) => (o.costUsd !== null ? 1 : o.owned ? 0 : 2);
function byCost(a: RecommendedOption, b: RecommendedOption): number {
  return costGroup(a) - costGroup(b) || knownCostOrder(a.costUsd, b.costUsd) || tieBreak(a, b);
}

/** Time order; ties: the known cost (unknown last), then the rest of tieBreak. */
function byTime(a: RecommendedOption, b: RecommendedOption): number {
  return (
    a.wallSeconds - b.wallSeconds ||
    knownCostOrder(a.costUsd, b.costUsd) ||
    Number(b.owned) - Number(a.owned) ||
    tieBreak(a, b)
  );
}

function knownCostOrder(a: number | null, b: number | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return a - b;
}

function tieBreak(a: RecommendedOption, b: RecommendedOption): number {
  return (
    a.wallSeconds - b.wallSeconds ||
    a.gpus - b.gpus ||
    a.techniqueIndex - b.techniqueIndex ||
    a.gpuId.localeCompare(b.gpuId) ||
    (a.ownedId ?? '').localeCompare(b.ownedId ?? '')
  );
}

/**
 * The plan's interconnect for a candidate GPU: its network between nodes and adapters per node; the link inside a node
 * is the candidate's own (the plan's choice only for the plan's GPU), and a choice the candidate cannot have (NVLink
 * on a card without it, an NVLink domain it does not span) falls back to the defaults.
 */
function candidateLinks(
  hardware: Plan['hardware'],
  gpu: ResolvedGpu,
  distribution: Parameters<typeof resolveInterconnect>[2],
): InterconnectChoice {
  const same = hardware.gpu.source === 'catalog' ? hardware.gpu.id === gpu.id : gpu.id === 'custom';
  const choice: InterconnectChoice = { ...hardware, intraNode: same ? hardware.intraNode : null };
  try {
    resolveInterconnect(gpu, choice, distribution);
    return choice;
  } catch {
    return { ...DEFAULT_INTERCONNECT, nicsPerNode: hardware.nicsPerNode };
  }
}
