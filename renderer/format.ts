/** The renderer uses the shared formatting (also used by the CLI). */
export * from '../shared/format';

/**
 * A measured or imported value for display, to `digits` significant figures: "1.235", "0.03389", "2,316" (whole
 * numbers from 10^digits up). The value itself keeps its full precision wherever it is stored.
 */
export function significant(n: number, digits = 4): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 10 ** digits) return Math.round(n).toLocaleString('en-US');
  return n.toLocaleString('en-US', { maximumSignificantDigits: digits });
}
