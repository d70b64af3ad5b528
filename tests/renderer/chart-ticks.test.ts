import { describe, expect, it } from 'vitest';
import { logTicks, niceStep, niceTicks, timeUnit } from '../../renderer/charts/ticks';
import { errorBarSpan } from '../../renderer/charts/chart-data';

/** 1, 2 or 5 × 10ⁿ. */
const isRound = (step: number) => {
  const m = step / 10 ** Math.floor(Math.log10(step) + 1e-12);
  return [1, 2, 5].some((r) => Math.abs(m - r) < 1e-9);
};

describe('round axis ticks', () => {
  it('steps are 1, 2 or 5 × 10ⁿ and the last tick covers the maximum', () => {
    expect(niceTicks(84)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(80)).toEqual([0, 20, 40, 60, 80]);
    expect(niceTicks(0.72)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(3)).toEqual([0, 1, 2, 3]);
    for (const max of [0.013, 0.5, 1, 7.3, 12, 63.9, 141, 999, 12345]) {
      const ticks = niceTicks(max);
      const step = ticks[1]! - ticks[0]!;
      expect(isRound(niceStep(max))).toBe(true);
      expect(ticks[0]).toBe(0);
      expect(ticks[ticks.length - 1]!).toBeGreaterThanOrEqual(max);
      expect(ticks.length).toBeLessThanOrEqual(7);
      ticks.slice(1).forEach((t, i) => expect(t - ticks[i]!).toBeCloseTo(step, 9));
    }
  });

  it('log axes tick at powers of ten, from half a decade below the smallest value to above the largest', () => {
    expect(logTicks(4_000_000, 3_800_000_000)).toEqual([1e6, 1e7, 1e8, 1e9, 1e10]);
    // 2.4 M is under half a decade above 1 M: the bar would be a sliver, so the axis starts a decade lower.
    expect(logTicks(2_400_000, 3_800_000_000)).toEqual([1e5, 1e6, 1e7, 1e8, 1e9, 1e10]);
    // Exactly a power of ten (issue 20): at 10 M on a 10 M floor the bar had no height, at 1 B no tick above it.
    expect(logTicks(10_000_000, 1_000_000_000)).toEqual([1e6, 1e7, 1e8, 1e9, 1e10]);
    for (const [min, max] of [
      [1, 1],
      [10, 10],
      [61_440, 7_615_616_512],
      [999_999, 1_000_001],
    ] as const) {
      const ticks = logTicks(min, max);
      expect(Math.log10(min) - Math.log10(ticks[0]!)).toBeGreaterThanOrEqual(0.5);
      expect(ticks[ticks.length - 1]!).toBeGreaterThan(max);
    }
  });

  it('time reads in minutes, hours or days by its size', () => {
    expect(timeUnit(43 * 60).label).toBe('min');
    expect(timeUnit(7 * 3600).label).toBe('h');
    expect(timeUnit(20 * 86400).label).toBe('days');
  });

  it('error bars get distances from the value, not the ends', () => {
    expect(errorBarSpan(18.2, 16.9, 20.4)).toEqual([expect.closeTo(1.3, 9), expect.closeTo(2.2, 9)]);
    expect(errorBarSpan(5, 6, 4)).toEqual([0, 0]);
  });
});
