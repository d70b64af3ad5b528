/** Human formatting shared by the CLI and the app: every number with its unit (GiB = 2^30 bytes). */
export const GiB = 2 ** 30;
/** 2^20 bytes: nvidia-smi and rocm-smi report memory in MiB. */
export const MiB = 2 ** 20;

/**
 * Bytes as GiB with `digits` decimals: "1,234.5 GiB". `grouping: false` leaves out the thousands separator
 * ("1234.50 GiB"), as the estimate's worked formulas and reasons print it (shared/estimate/explain.ts).
 */
export function gib(bytes: number, digits = 1, { grouping = true }: { grouping?: boolean } = {}): string {
  const value = bytes / GiB;
  const figure = grouping
    ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : value.toFixed(digits);
  return `${figure} GiB`;
}

export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function compactParams(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} K`;
  return String(n);
}

export function percent(p: number): string {
  return `${p < 0.1 ? p.toFixed(3) : p.toFixed(2)} %`;
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  if (h < 48) return `${h} h ${minutes % 60} min`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

/**
 * Money, the one formatter for it (CLI, estimate texts, renderer): the symbol before the figure, "$8.00", "-$3.50",
 * "$1,234.57", rounded to cents for display only (plans, exports and the estimate keep full precision). Amounts under
 * 10 cents keep two significant digits ("$0.0035"), so a per-token price or a tiny run never reads "$0.00".
 * Intl.NumberFormat's `currency` style places the sign and symbol by the en-US convention.
 */
export function usd(n: number | null): string {
  if (n === null) return 'unknown price';
  const small = n !== 0 && Math.abs(n) < 0.1;
  return n.toLocaleString(
    'en-US',
    small
      ? { style: 'currency', currency: 'USD', maximumSignificantDigits: 2 }
      : { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 },
  );
}

/** A price per unit, rounded for display: "$5.07/h", "$1.69/GPU-h", "$0.0030/1K tokens". */
export function usdRate(n: number, per: 'h' | 'GPU-h' | '1K tokens'): string {
  return `${usd(n)}/${per}`;
}

/** A money axis tick: "$0", "$20", "$2.5" (no cents where the tick has none). */
export function usdTick(n: number): string {
  return n.toLocaleString('en-US', {
    style: 'currency',
    currency: 'USD',
    minimumFractionDigits: 0,
    maximumFractionDigits: 3,
  });
}

export function tokensPerSecond(n: number): string {
  return `${count(n)} tok/s`;
}
