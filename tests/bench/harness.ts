/** Tiny benchmark harness: median of repeated runs, a table, and tests/bench/results.json. */
import fs from 'node:fs';
import path from 'node:path';
import { median as sharedMedian } from '../../shared/stats';

export interface BenchResult {
  value: number;
  unit: string;
  target: number;
  ok: boolean;
}

export const results: Record<string, BenchResult> = {};

export function median(values: number[]): number {
  return sharedMedian(values) ?? Number.NaN;
}

export function timeMs(fn: () => void, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(times);
}

export function record(name: string, value: number, unit: string, target: number): void {
  results[name] = { value: Number(value.toPrecision(4)), unit, target, ok: value <= target };
}

export function report(file: string): void {
  const rows = Object.entries(results).map(([name, r]) => [
    name,
    `${r.value} ${r.unit}`,
    `≤ ${r.target} ${r.unit}`,
    r.ok ? 'ok' : 'SLOW',
  ]);
  const widths = [0, 1, 2, 3].map((i) =>
    Math.max(...[['benchmark', 'median', 'target', ''], ...rows].map((r) => r[i]!.length)),
  );
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(['benchmark', 'median', 'target', '']));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  rows.forEach((r) => console.log(line(r)));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
}
