/**
 * Recommendation sweep (ESTIMATOR.md §8): every catalog GPU × 1..maxGpus × every technique of the
 * plan × micro-batch 1..64, keeping the plan's global batch (gradient accumulation adjusts). Reports
 * the cheapest and the fastest options that fit and meet the deadline, and why the others fail.
 */
import { CATALOG_GPUS } from '../catalog/gpus';
import { cheapestPerGpuHour } from '../catalog/prices';
import { PlanSchema, type Plan, type PlanInput } from '../domain/plan';
import { describeArchitecture } from './architecture';
import { prepareTechnique, resolveModel, usableBytes } from './estimate';
import { fromCatalog, type ResolvedGpu } from './hardware';
import { allocatedBudget, GiB, memoryAt, nvidiaSmiFromAllocated, type Phase } from './memory';
import { TECHNIQUE_LABELS } from './techniques';
import { estimateTime } from './time';

export const MAX_SWEEP_MICRO_BATCH = 64;

export interface RecommendedOption {
  gpuId: string;
  gpuName: string;
  gpus: number;
  techniqueIndex: number;
  technique: string;
  microBatch: number;
  gradAccum: number;
  peakGiB: number;
  wallSeconds: number;
  costUsd: number | null;
  usdPerGpuHour: number | null;
  priceSource: string | null;
}

export interface Rejection {
  gpuId: string;
  gpus: number;
  technique: string;
  reason: string;
}

export interface Recommendation {
  considered: number;
  fitting: number;
  cheapest: RecommendedOption | null;
  fastest: RecommendedOption | null;
  topByCost: RecommendedOption[];
  rejected: Rejection[];
}

export function recommend(input: PlanInput | Plan): Recommendation {
  const plan = PlanSchema.parse(input);
  const arch = describeArchitecture(resolveModel(plan));
  const globalBatch =
    plan.training.microBatch * plan.training.gradAccum * plan.distribution.gpusPerNode * plan.distribution.nodes;
  const deadline = plan.goals.deadlineHours;
  const options: RecommendedOption[] = [];
  const rejected: Rejection[] = [];
  let considered = 0;

  const gpus = CATALOG_GPUS.map(fromCatalog).filter((g): g is ResolvedGpu => g !== null);
  for (const [index, technique] of plan.techniques.entries()) {
    for (const gpu of gpus) {
      const price = cheapestPerGpuHour(gpu.id);
      let lastFailure: string | null = null;
      for (let n = 1; n <= plan.goals.maxGpus; n++) {
        considered += MAX_SWEEP_MICRO_BATCH;
        const distribution = { ...plan.distribution, gpusPerNode: n, nodes: 1 };
        const prepared = prepareTechnique(plan, arch, technique, index, distribution);
        // Memory is affine in the micro-batch from 2 up (k, v are repeated from 2 on): evaluate 1, 2, 3 and extrapolate per phase.
        const at = (b: number) => memoryAt(prepared.profile, b, plan.training.seqLen).phases;
        const p1 = at(1);
        const p2 = at(2);
        const p3 = at(3);
        const allowed = allocatedBudget(usableBytes(gpu, plan.hardware.headroomPct));
        const peakAt = (b: number) => {
          if (b === 1) return Math.max(p1.forward, p1.backward, p1.optimizer);
          let worst = 0;
          for (const k of ['forward', 'backward', 'optimizer'] as Phase[])
            worst = Math.max(worst, p2[k] + (b - 2) * (p3[k] - p2[k]));
          return worst;
        };
        let best = 0;
        for (let b = 1; b <= MAX_SWEEP_MICRO_BATCH; b++) if (peakAt(b) <= allowed) best = b;
        if (best === 0) {
          lastFailure = `needs ${(nvidiaSmiFromAllocated(peakAt(1)) / GiB).toFixed(1)} GiB per GPU at micro-batch 1, ${gpu.name} offers ${(usableBytes(gpu, plan.hardware.headroomPct) / GiB).toFixed(1)} GiB after headroom`;
          continue;
        }
        const microBatch = Math.min(best, globalBatch);
        const gradAccum = Math.max(1, Math.round(globalBatch / (microBatch * n)));
        const profile = { ...prepared.profile, training: { ...prepared.profile.training, gradAccum, microBatch } };
        const time = estimateTime(arch, profile, gpu, plan.data, null, microBatch);
        const hours = time.wallSeconds / 3600;
        const option: RecommendedOption = {
          gpuId: gpu.id,
          gpuName: gpu.name,
          gpus: n,
          techniqueIndex: index,
          technique: TECHNIQUE_LABELS[technique.kind],
          microBatch,
          gradAccum,
          peakGiB: nvidiaSmiFromAllocated(peakAt(microBatch)) / GiB,
          wallSeconds: time.wallSeconds,
          costUsd: price ? hours * n * price.usdPerGpuHour : null,
          usdPerGpuHour: price?.usdPerGpuHour ?? null,
          priceSource: price ? `${price.price.provider} ${price.price.sku}, ${price.price.date}` : null,
        };
        if (deadline !== null && hours > deadline) {
          rejected.push({
            gpuId: gpu.id,
            gpus: n,
            technique: option.technique,
            reason: `takes ${hours.toFixed(1)} h, over the ${deadline} h deadline`,
          });
          continue;
        }
        options.push(option);
        lastFailure = null;
      }
      if (lastFailure)
        rejected.push({
          gpuId: gpu.id,
          gpus: plan.goals.maxGpus,
          technique: TECHNIQUE_LABELS[technique.kind],
          reason: `does not fit even on ${plan.goals.maxGpus} GPUs: ${lastFailure}`,
        });
    }
  }
  const priced = options
    .filter((o) => o.costUsd !== null)
    .sort((a, b) => a.costUsd! - b.costUsd! || a.wallSeconds - b.wallSeconds);
  const fastest =
    [...options].sort(
      (a, b) => a.wallSeconds - b.wallSeconds || (a.costUsd ?? Infinity) - (b.costUsd ?? Infinity),
    )[0] ?? null;
  return {
    considered,
    fitting: options.length,
    cheapest: priced[0] ?? null,
    fastest,
    topByCost: priced.slice(0, 10),
    rejected,
  };
}
