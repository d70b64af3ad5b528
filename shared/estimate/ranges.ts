/**
 * Ranges (issue 15 §8): every memory and time figure as low / expected / high, from the spread of the inputs the
 * model cannot pin down for a given plan — each named here and in the explanation:
 *  - memory: allocator slack, CUDA context, whether the optimizer step builds temporaries, the saved-tensor set
 *    (memory.ts `MEMORY_RANGE`), and — for unpacked batches whose longest example is unknown — the longest batch;
 *  - time: the model FLOPs utilisation (`TIME_RANGE`) and how much communication hides behind compute (none to all).
 * Fit has three states: fits (the high end fits), may not fit (expected fits, high does not), does not fit.
 */
import type { Plan } from '../domain/plan';
import { dataBatches, type PeakSequence } from './data-batches';
import { EXPECTED_MEMORY, memoryAt, MEMORY_RANGE, type MemoryBreakdown, type MemoryProfile } from './memory';

export type FitState = 'fits' | 'may-not-fit' | 'does-not-fit';

/** The counters a memory figure is reported in; `active` is PyTorch's peak active bytes. */
export interface MemoryCounters {
  allocatedBytes: number;
  /**
   * torch.cuda.memory_stats()['active_bytes.all.peak']: blocks in use, counted at their allocated size. It equals
   * allocated except for blocks a side stream still holds after they were freed (record_stream), which the
   * estimate does not model (c10/cuda/CUDACachingAllocator.cpp: `active` vs `allocated` stats).
   */
  activeBytes: number;
  reservedBytes: number;
  nvidiaSmiBytes: number;
  hostBytes: number;
  nvmeBytes: number;
  /**
   * Peak active bytes of the first training step, whose forward and backward run before the optimizer creates its
   * state (memory.ts MemoryProfile.lazyOptimizerStates); every later step peaks at activeBytes.
   */
  firstStepActiveBytes: number;
}

/**
 * The sequence length the peak is sized at. Packed batches (and token budgets) are full length. Unpacked batches are
 * padded to their longest example, so the peak batch holds the longest example the data has: from the user's data
 * statistics (`data.stats`, whose quick-pass range spreads it), else `data.maxTokensPerExample`; when that is unknown
 * the expected figure keeps format 1's full length and the low end takes the mean example (no batch is shorter than
 * the mean example on average). data-batches.ts holds the rule.
 */
export function peakSequence(plan: Pick<Plan, 'training' | 'data'>): PeakSequence {
  return dataBatches(plan).peak;
}

export function counters(mem: MemoryBreakdown, profile: MemoryProfile): MemoryCounters {
  return {
    allocatedBytes: mem.allocatedBytes,
    activeBytes: mem.allocatedBytes,
    reservedBytes: mem.reservedBytes,
    nvidiaSmiBytes: mem.nvidiaSmiBytes,
    hostBytes: profile.hostBytes + mem.offloadedActivationBytes,
    nvmeBytes: profile.nvmeBytes,
    firstStepActiveBytes: mem.firstStepAllocatedBytes,
  };
}

export function memoryRange(
  profile: MemoryProfile,
  plan: Pick<Plan, 'training' | 'data'>,
): { expected: MemoryBreakdown; low: MemoryCounters; high: MemoryCounters } {
  // The profile's objective decides the rows (pairs, GRPO completions: data-batches.ts), whoever built the plan slice.
  const batches = dataBatches({ ...plan, objective: profile.objective });
  const seq = batches.peak;
  // Preference data: each example is two sequences (chosen and rejected), so a micro-batch holds 2b rows.
  const b = plan.training.microBatch * batches.sequencesPerRow;
  const expected = memoryAt(profile, b, seq.expected, true, EXPECTED_MEMORY);
  const low = memoryAt(profile, b, seq.low, false, MEMORY_RANGE.low);
  const high = memoryAt(profile, b, seq.high, false, MEMORY_RANGE.high);
  return { expected, low: counters(low, profile), high: counters(high, profile) };
}

/**
 * Time: the default MFU is a model (time.ts) that no published source pins for a given stack; its spread is an
 * engineering assumption, ±15 % of the compute time, until recorded runs calibrate it (calibration.ts).
 */
export const TIME_RANGE = { mfuSpread: 0.15 } as const;

export function wallRange(
  wallSeconds: number,
  computeSeconds: number,
  stepSeconds: number,
  comm?: { seconds: number; hiddenSeconds: number; steps: number },
): { low: number; high: number } {
  const computeShare = stepSeconds > 0 ? computeSeconds / stepSeconds : 1;
  const spread = TIME_RANGE.mfuSpread * computeShare;
  // Communication overlap (time.ts commOverlap): the high end hides none of the traffic, the low end all of it that
  // fits behind the compute.
  const hidden = comm?.hiddenSeconds ?? 0;
  const hiddenMax = comm ? Math.min(comm.seconds, computeSeconds) : 0;
  const steps = comm?.steps ?? 0;
  return {
    low: Math.max(0, wallSeconds * (1 - spread) - (hiddenMax - hidden) * steps),
    high: wallSeconds * (1 + spread) + hidden * steps,
  };
}

/**
 * Three-state fit from the expected and high nvidia-smi peaks against the usable memory. `evictableBytes`: paged
 * optimizer states (memory.ts MemoryBreakdown.pagedBytes) the driver can move to host RAM, so a peak that is over
 * only by them still runs, paging over PCIe: "may not fit", never "does not fit".
 */
export function fitStateFor(
  expectedBytes: number,
  highBytes: number,
  usableBytes: number,
  evictableBytes = 0,
): FitState {
  if (expectedBytes > usableBytes) return expectedBytes - evictableBytes > usableBytes ? 'does-not-fit' : 'may-not-fit';
  return highBytes > usableBytes ? 'may-not-fit' : 'fits';
}
