/**
 * Plans sized to a fit state by computing, not by hard-coded GiB (issue 15 §8): one LoRA plan of Phi-3-mini on a
 * custom GPU whose capacity (no headroom, so capacity = usable memory) is set between peaks the estimator gives it
 * at a roomy capacity. Shared by the lever tests (tests/unit/advice) and the lever table's (tests/renderer).
 */
import type { PlanInput } from '../../../shared/domain/plan';
import { estimatePlan, type TechniqueEstimate } from '../../../shared/estimate/estimate';

const GiB = 2 ** 30;

type Training = NonNullable<PlanInput['training']>;

/** Phi-3-mini LoRA, micro-batch 4 × 4, 2,048 tokens, no checkpointing, on a GPU of `memoryGiB` with no headroom. */
export function loraPlan(memoryGiB: number, training: Training = {}): PlanInput {
  return {
    name: 'sized',
    model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
    techniques: [{ kind: 'lora' }],
    training: { microBatch: 4, gradAccum: 4, seqLen: 2048, gradientCheckpointing: false, ...training },
    hardware: {
      gpu: { source: 'custom', name: 'Sized GPU', memoryGiB, bf16Tflops: 165, bandwidthGBs: 1008 },
      headroomPct: 0,
    },
  };
}

export const one = (plan: PlanInput): TechniqueEstimate => estimatePlan(plan).techniques[0]!;

const ROOMY_GIB = 400;

function sized(memoryBytes: number, training: Training = {}): PlanInput {
  const plan = loraPlan(memoryBytes / GiB, training);
  // The peaks do not depend on the capacity (an SFT plan): the sized plan's are the roomy plan's.
  const [roomy, t] = [one(loraPlan(ROOMY_GIB, training)), one(plan)];
  if (
    t.memory.nvidiaSmiBytes !== roomy.memory.nvidiaSmiBytes ||
    t.memory.high.nvidiaSmiBytes !== roomy.memory.high.nvidiaSmiBytes
  )
    throw new Error('the peaks changed with the capacity');
  return plan;
}

/** May not fit: the usable memory lies halfway between the expected and the high nvidia-smi peak. */
export function mayNotFitPlan(): PlanInput {
  const t = one(loraPlan(ROOMY_GIB));
  if (!(t.memory.high.nvidiaSmiBytes > t.memory.nvidiaSmiBytes)) throw new Error('no spread between expected and high');
  return sized((t.memory.nvidiaSmiBytes + t.memory.high.nvidiaSmiBytes) / 2);
}

/**
 * Does not fit, and two of its levers land in different states: gradient checkpointing (slower: it recomputes) makes
 * it a sure fit, expandable allocator segments (no slower) make it "may not fit". The usable memory lies above the
 * checkpointed high peak and the expandable expected peak, below the expandable high peak.
 */
export function overWithSureAndMaybeLevers(): PlanInput {
  const checkpointed = one(loraPlan(ROOMY_GIB, { gradientCheckpointing: true }));
  const expandable = one(loraPlan(ROOMY_GIB, { expandableSegments: true }));
  const base = one(loraPlan(ROOMY_GIB));
  const lo = Math.max(checkpointed.memory.high.nvidiaSmiBytes, expandable.memory.nvidiaSmiBytes);
  // Below the plan's own expected peak too, so that the plan itself does not fit.
  const hi = Math.min(expandable.memory.high.nvidiaSmiBytes, base.memory.nvidiaSmiBytes);
  if (!(lo < hi)) throw new Error('no capacity puts the two levers in different states');
  return sized((lo + hi) / 2);
}
