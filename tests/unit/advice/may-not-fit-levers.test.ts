/**
 * Levers with three-state fit (issue 15 §8: fits / may not fit / does not fit). A plan that may not fit (expected
 * peak fits, high end does not) is offered the memory levers that make it a sure fit, each stating the re-estimate
 * of its patched plan; levers rank sure fits before "may not fit" before "still over"; the text says which.
 * The plans are sized by computing (may-not-fit-plans.ts), not by hard-coded GiB.
 */
import { describe, expect, it } from 'vitest';
import { PlanSchema, type PlanInput } from '../../../shared/domain/plan';
import { fitState } from '../../../shared/estimate/advice';
import { describeLever, leversFor, type Lever, type LeverId } from '../../../shared/estimate/levers';
import { gib } from '../../../shared/format';
import { applyMergePatch } from '../../../shared/merge-patch';
import { loraPlan, mayNotFitPlan, one, overWithSureAndMaybeLevers } from './may-not-fit-plans';

/** The re-estimate of the patched plan, in the lever's own fields. */
function restated(plan: PlanInput, l: Lever) {
  const after = one(applyMergePatch(plan, l.patch) as PlanInput);
  return {
    reservedBytesAfter: after.memory.reservedBytes,
    nvidiaSmiBytesAfter: after.memory.nvidiaSmiBytes,
    stateAfter: fitState(after),
    wallSecondsAfter: after.wallSeconds,
  };
}

const RANK = { fits: 0, 'may-not-fit': 1, 'does-not-fit': 2 } as const;

/** Levers that only lower memory (never offered to a plan that surely fits). */
const MEMORY_ONLY: LeverId[] = [
  'gradient-checkpointing',
  'smaller-micro-batch',
  'chunked-loss',
  'expandable-segments',
  'group-by-length',
  'optimizer-8bit',
  'qlora',
  'lower-rank',
  'fewer-targets',
  'sharding',
  'cpu-offload',
  'shorter-sequence',
];

describe('levers for a plan that may not fit (issue 15 §8)', () => {
  const plan = mayNotFitPlan();
  const base = one(plan);
  const levers = leversFor(plan, 0);

  it('offers memory levers that make it a sure fit, each with the figures of its re-estimate', () => {
    expect(fitState(base)).toBe('may-not-fit');
    expect(base.memory.nvidiaSmiBytes).toBeLessThanOrEqual(base.fit.usableBytes);
    expect(base.memory.high.nvidiaSmiBytes).toBeGreaterThan(base.fit.usableBytes);
    const memory = levers.filter((l) => MEMORY_ONLY.includes(l.id));
    expect(memory.map((l) => l.id)).toContain('gradient-checkpointing');
    for (const l of memory) {
      expect(l.stateAfter, l.id).toBe('fits');
      expect({ ...l, ...restated(plan, l) }).toEqual(l);
      // A sure fit: the re-estimate's high end fits too.
      const after = one(applyMergePatch(plan, l.patch) as PlanInput);
      expect(after.memory.high.nvidiaSmiBytes).toBeLessThanOrEqual(after.fit.usableBytes);
    }
    // Every lever, memory or speed, is its re-estimate; none leaves the expected peak over.
    for (const l of levers) {
      expect({ ...l, ...restated(plan, l) }).toEqual(l);
      expect(l.stateAfter).not.toBe('does-not-fit');
    }
    expect(new Set(levers.map((l) => l.id)).size).toBe(levers.length);
  });

  it('picks the smallest micro-batch change that surely fits (the larger ones do not)', () => {
    const lever = levers.find((l) => l.id === 'smaller-micro-batch');
    expect(lever).toBeDefined();
    const m = PlanSchema.parse(applyMergePatch(plan, lever!.patch)).training.microBatch;
    for (const x of [2, 1].filter((x) => x > m))
      expect(fitState(one(loraPlan(base.fit.capacityBytes / 2 ** 30, { microBatch: x, gradAccum: 16 / x })))).toBe(
        'may-not-fit',
      );
  });

  it('ranks sure fits before "may not fit", each by time after', () => {
    expect(levers.some((l) => l.stateAfter === 'fits')).toBe(true);
    for (let i = 1; i < levers.length; i++) {
      const [a, b] = [levers[i - 1]!, levers[i]!];
      expect(RANK[b.stateAfter]).toBeGreaterThanOrEqual(RANK[a.stateAfter]);
      if (a.stateAfter === b.stateAfter) expect(b.wallSecondsAfter).toBeGreaterThanOrEqual(a.wallSecondsAfter);
    }
  });

  it('describes each lever in the words of its state', () => {
    for (const l of levers) {
      const text = describeLever(l, 'LoRA');
      expect(text).toContain(`peak ${gib(l.nvidiaSmiBytesAfter)}`);
      if (l.stateAfter === 'fits') expect(text).toMatch(/, fits$/);
      else expect(text).toMatch(/, may not fit \(high end over\)$/);
    }
  });
});

describe('levers for a plan that does not fit, ranked by state (issue 15 §8)', () => {
  const plan = overWithSureAndMaybeLevers();
  const levers = leversFor(plan, 0);
  const find = (id: LeverId) => levers.find((l) => l.id === id);

  it('ranks a sure fit above a faster "may not fit"', () => {
    expect(fitState(one(plan))).toBe('does-not-fit');
    const sure = find('gradient-checkpointing');
    const maybe = find('expandable-segments');
    expect(sure?.stateAfter).toBe('fits');
    expect(maybe?.stateAfter).toBe('may-not-fit');
    // Ranked by time alone, the faster "may not fit" would come first.
    expect(maybe!.wallSecondsAfter).toBeLessThan(sure!.wallSecondsAfter);
    expect(levers.indexOf(sure!)).toBeLessThan(levers.indexOf(maybe!));
    for (let i = 1; i < levers.length; i++)
      expect(RANK[levers[i]!.stateAfter]).toBeGreaterThanOrEqual(RANK[levers[i - 1]!.stateAfter]);
    for (const l of levers) expect({ ...l, ...restated(plan, l) }).toEqual(l);
  });

  it('says "fits", "may not fit (high end over)" and "still over" for the three states', () => {
    const states = new Set(levers.map((l) => l.stateAfter));
    expect([...states].sort()).toEqual(['does-not-fit', 'fits', 'may-not-fit']);
    const words = {
      fits: /, fits$/,
      'may-not-fit': /, may not fit \(high end over\)$/,
      'does-not-fit': /, still over$/,
    };
    for (const l of levers) expect(describeLever(l, 'LoRA')).toMatch(words[l.stateAfter]);
  });
});

describe('a lever kind offers its least change that surely fits before a smaller one that may not', () => {
  it('micro-batch: 1 (a sure fit) rather than 2 (high end over) when the plan at 4 does not fit', () => {
    const at = (microBatch: number) => one(loraPlan(400, { microBatch, gradAccum: 16 / microBatch }));
    const [mb1, mb2, mb4] = [at(1), at(2), at(4)];
    // Usable memory above micro-batch 1's high end and 2's expected peak, below 2's high end and 4's expected peak.
    const lo = Math.max(mb1.memory.high.nvidiaSmiBytes, mb2.memory.nvidiaSmiBytes);
    const hi = Math.min(mb2.memory.high.nvidiaSmiBytes, mb4.memory.nvidiaSmiBytes);
    expect(lo).toBeLessThan(hi);
    const plan = loraPlan((lo + hi) / 2 / 2 ** 30, { microBatch: 4, gradAccum: 4 });
    expect(fitState(one(plan))).toBe('does-not-fit');
    const lever = leversFor(plan, 0).find((l) => l.id === 'smaller-micro-batch');
    expect(lever?.stateAfter).toBe('fits');
    expect(lever?.patch).toMatchObject({ training: { microBatch: 1, gradAccum: 16 } });
  });
});
