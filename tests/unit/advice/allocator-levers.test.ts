/**
 * Levers for the caching allocator's two plan settings (issue 15 §3): expandable segments and batches grouped by
 * length (longest first). Each is a re-estimated candidate like every other lever: offered only when the re-estimate
 * lowers the peak of a technique that does not fit (or makes it fit), and only where the setting exists (expandable
 * segments: a CUDA-class device; grouping: unpacked SFT).
 *
 * The plans are sized by computing, not by hard-coded GiB: the GPU's capacity is set between the plan's own peak and
 * the lower peak the allocator settings give, so the plan does not fit only because of fragmentation.
 */
import { describe, expect, it } from 'vitest';
import type { PlanInput } from '../../../shared/domain/plan';
import { fitState, isFitting } from '../../../shared/estimate/advice';
import { estimatePlan, type TechniqueEstimate } from '../../../shared/estimate/estimate';
import { describeLever, leversFor, type Lever } from '../../../shared/estimate/levers';
import { gib } from '../../../shared/format';
import { applyMergePatch } from '../../../shared/merge-patch';

const GiB = 2 ** 30;

type Training = NonNullable<PlanInput['training']>;

/** Phi-3-mini LoRA, unpacked and shuffled (the schema's defaults), no checkpointing: activations churn every step. */
function fragmented(memoryGiB: number, over: Partial<PlanInput> = {}, name = 'Sized GPU'): PlanInput {
  const { training, ...rest } = over;
  return {
    name: 'fragmented',
    model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
    techniques: [{ kind: 'lora' }],
    training: { microBatch: 1, gradAccum: 4, seqLen: 2048, gradientCheckpointing: false, ...training },
    hardware: { gpu: { source: 'custom', name, memoryGiB, bf16Tflops: 165, bandwidthGBs: 1008 }, headroomPct: 0 },
    ...rest,
  };
}

const one = (plan: PlanInput): TechniqueEstimate => estimatePlan(plan).techniques[0]!;
const withTraining = (plan: PlanInput, training: Training): PlanInput => ({
  ...plan,
  training: { ...plan.training, ...training },
});
const ids = (levers: Lever[]) => levers.map((l) => l.id);

/**
 * A GPU between the plan's peak and the highest of the peaks the given allocator settings give it: the plan does
 * not fit, each setting's re-estimate would. Peaks are read at a roomy capacity first (an SFT peak does not depend on
 * the GPU's capacity; the test checks that too).
 */
function sizedBetween(over: Partial<PlanInput>, settings: Training[], name?: string) {
  const roomy = fragmented(200, over, name);
  const basePeak = one(roomy).memory.nvidiaSmiBytes;
  const afterPeaks = settings.map((s) => one(withTraining(roomy, s)).memory.nvidiaSmiBytes);
  for (const p of afterPeaks) expect(p).toBeLessThan(basePeak);
  const memoryGiB = (Math.max(...afterPeaks) + basePeak) / 2 / GiB;
  const plan = fragmented(memoryGiB, over, name);
  expect(one(plan).memory.nvidiaSmiBytes).toBe(basePeak);
  return plan;
}

/**
 * A GPU between the plan's expected peak (and the high ends the settings give it) and the plan's own high end: the
 * plan may not fit, each setting's re-estimate surely fits. With shuffled, unpacked batches the expected
 * fragmentation is one layer's working set whatever the order (the allocator releases whole free segments before an
 * OOM); the settings lower what reserved can reach with room to spare, the high end.
 */
function sizedBelowHigh(over: Partial<PlanInput>, settings: Training[], name?: string) {
  const roomy = one(fragmented(200, over, name));
  const afterHighs = settings.map((s) => one(withTraining(fragmented(200, over, name), s)).memory.high.nvidiaSmiBytes);
  for (const h of afterHighs) expect(h).toBeLessThan(roomy.memory.high.nvidiaSmiBytes);
  const floor = Math.max(...afterHighs, roomy.memory.nvidiaSmiBytes);
  const plan = fragmented((floor + roomy.memory.high.nvidiaSmiBytes) / 2 / GiB, over, name);
  expect(fitState(one(plan))).toBe('may-not-fit');
  return plan;
}

const EXPANDABLE: Training = { expandableSegments: true };
const GROUPED: Training = { samplingStrategy: 'group_by_length' };

describe('allocator levers (issue 15 §3)', () => {
  it('offers expandable segments to a shuffled plan whose high end is over only because of fragmentation', () => {
    const plan = sizedBelowHigh({}, [EXPANDABLE]);
    const before = one(plan);
    expect(fitState(before)).toBe('may-not-fit');
    // Batch order does not change what fits: the allocator frees whole cached segments before an OOM (allocator.ts).
    expect(one(withTraining(plan, GROUPED)).memory.high.nvidiaSmiBytes).toBe(before.memory.high.nvidiaSmiBytes);
    // Only the allocator's slack differs: the tensors (allocated) are the same.
    for (const s of [EXPANDABLE]) {
      const after = one(withTraining(plan, s));
      expect(after.memory.allocatedBytes).toBe(before.memory.allocatedBytes);
      expect(after.memory.parts.allocatorSlack).toBeLessThanOrEqual(before.memory.parts.allocatorSlack);
      expect(after.memory.high.reservedBytes - after.memory.high.allocatedBytes).toBeLessThan(
        before.memory.high.reservedBytes - before.memory.high.allocatedBytes,
      );
    }
    const levers = leversFor(plan, 0);
    for (const [id, patch] of [['expandable-segments', { training: { expandableSegments: true } }]] as const) {
      const lever = levers.find((l) => l.id === id);
      expect(lever, id).toBeDefined();
      expect(lever!.patch).toEqual(patch);
      // The lever's figures are the re-estimate of the patched plan.
      const after = one(applyMergePatch(plan, lever!.patch) as PlanInput);
      expect(lever!.nvidiaSmiBytesAfter).toBe(after.memory.nvidiaSmiBytes);
      expect(lever!.reservedBytesAfter).toBe(after.memory.reservedBytes);
      expect(lever!.wallSecondsAfter).toBe(after.wallSeconds);
      expect(lever!.stateAfter).toBe(fitState(after));
      // For a plan that may not fit, a lever is one whose re-estimate surely fits.
      expect(lever!.nvidiaSmiBytesAfter).toBeLessThanOrEqual(before.memory.nvidiaSmiBytes);
      expect(isFitting(after)).toBe(true);
      expect(lever!.stateAfter).toBe('fits');
      // The label quotes the allocator slack before and after from the two estimates.
      expect(lever!.label).toContain(
        `allocator slack ${gib(before.memory.parts.allocatorSlack)} → ${gib(after.memory.parts.allocatorSlack)}`,
      );
      expect(describeLever(lever!, 'LoRA')).toContain(`peak ${gib(after.memory.nvidiaSmiBytes)}`);
    }
    expect(levers.find((l) => l.id === 'expandable-segments')!.label).toMatch(/expandable_segments/);
  });

  it('does not offer grouping to a packed plan (its rows are all seqLen long), only expandable segments', () => {
    const plan = sizedBetween({ training: { packing: true } }, [EXPANDABLE]);
    expect(fitState(one(plan))).toBe('does-not-fit');
    const levers = ids(leversFor(plan, 0));
    expect(levers).toContain('expandable-segments');
    expect(levers).not.toContain('group-by-length');
  });

  it('does not offer grouping to a DPO plan: its trainer cannot group, so the estimate does not assume it', () => {
    // DPOTrainer cannot take transformers' LengthGroupedSampler (exporters/trl-objectives.ts LENGTH_GROUPED), and
    // memory.ts shapeRegime keeps a DPO plan's batches shuffled whatever samplingStrategy says.
    const dpo: Partial<PlanInput> = { objective: { kind: 'dpo', reference: 'peft_base' } };
    const plan = sizedBetween(dpo, [EXPANDABLE]);
    expect(fitState(one(plan))).toBe('does-not-fit');
    expect(one(withTraining(plan, GROUPED)).memory.nvidiaSmiBytes).toBe(one(plan).memory.nvidiaSmiBytes);
    const levers = ids(leversFor(plan, 0));
    expect(levers).toContain('expandable-segments');
    expect(levers).not.toContain('group-by-length');
  });

  it('does not offer expandable segments again when they are on', () => {
    const roomy = fragmented(200, { training: EXPANDABLE });
    const peak = one(roomy).memory.nvidiaSmiBytes;
    // Over by a little: a plan that does not fit with expandable segments already on.
    const plan = fragmented((peak * 0.98) / GiB, { training: EXPANDABLE });
    expect(fitState(one(plan))).toBe('does-not-fit');
    const levers = leversFor(plan, 0);
    expect(levers.length).toBeGreaterThan(0);
    expect(ids(levers)).not.toContain('expandable-segments');
    // Grouping is offered only if its re-estimate lowers the peak (with expandable segments the expected
    // fragmentation is none whatever the batch order, so here it does not).
    const grouped = one(withTraining(plan, GROUPED)).memory.nvidiaSmiBytes;
    expect(ids(levers).includes('group-by-length')).toBe(grouped < peak);
  });

  it('does not offer grouping when the batches are already grouped, nor either setting when the plan fits', () => {
    const plan = sizedBetween({ training: GROUPED }, [EXPANDABLE]);
    const levers = ids(leversFor(plan, 0));
    expect(levers).toContain('expandable-segments');
    expect(levers).not.toContain('group-by-length');
    const fits = fragmented(200);
    expect(fitState(one(fits))).not.toBe('does-not-fit');
    const speed = ids(leversFor(fits, 0));
    expect(speed).not.toContain('expandable-segments');
    expect(speed).not.toContain('group-by-length');
  });

  it('does not offer expandable segments on Apple silicon (a CUDA allocator setting; MPS has none)', () => {
    const plan = sizedBelowHigh({}, [EXPANDABLE], 'Apple M3 Max (40-core GPU)');
    const levers = ids(leversFor(plan, 0));
    expect(levers).not.toContain('expandable-segments');
  });
});
