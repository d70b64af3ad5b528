/**
 * Round axis ticks: steps of 1, 2 or 5 × 10ⁿ (the "nice numbers" of Heckbert, "Nice numbers for graph labels",
 * Graphics Gems, 1990), so an axis reads 0, 20, 40, 60, 80 GiB rather than 0, 21, 42, 63, 84.
 */

/** The smallest step of the form 1, 2 or 5 × 10ⁿ that covers `span` in at most `maxTicks - 1` steps. */
export function niceStep(span: number, maxTicks = 6): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, maxTicks - 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) {
    const step = m * power;
    // A tolerance so 0.3 / 0.1 style float noise does not skip a step.
    if (step >= raw * (1 - 1e-9)) return step;
  }
  return 10 * power;
}

/** Ticks from 0 up to the first round value at or above `max`: [0, step, 2·step, …]. */
export function niceTicks(max: number, maxTicks = 6): number[] {
  const step = niceStep(max, maxTicks);
  const n = Math.max(1, Math.ceil(max / step - 1e-9));
  // toPrecision strips float noise (0.30000000000000004 → 0.3).
  return Array.from({ length: n + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

/**
 * Powers of ten for a log axis of bars (1, 10, 100, … — round on a log scale). A log bar grows from the axis' lowest
 * tick, so that tick sits at least half a decade below the smallest value (a LoRA at 10.5 M on a 10 M floor was a
 * sliver, at exactly 10 M no bar at all), and the top tick lies above the largest value (issue 20).
 */
export function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(Math.max(1, min)) - 0.5);
  const hi = Math.floor(Math.log10(Math.max(1, max, min))) + 1;
  return Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
}

/** The unit a time axis reads best in, from its largest value: minutes under 2 h, days over 72 h, else hours. */
export function timeUnit(maxSeconds: number): { label: 'min' | 'h' | 'days'; seconds: number } {
  if (maxSeconds < 2 * 3600) return { label: 'min', seconds: 60 };
  if (maxSeconds > 72 * 3600) return { label: 'days', seconds: 86400 };
  return { label: 'h', seconds: 3600 };
}
