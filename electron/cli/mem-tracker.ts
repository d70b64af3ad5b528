/**
 * `npm run validate`'s comparison with PyTorch's own memory tracking (issue 12 item 6). The Python tier's
 * tests/python/test_memory_tracker.py runs a real training step of a tiny Llama under FakeTensorMode with
 * torch.distributed._tools.mem_tracker.MemTracker and writes its per-part table to
 * build/out/test-results/mem-tracker.json; validate prints it when it is there. Python is never needed
 * here: without the file, validate says how to produce it.
 */
import fs from 'node:fs';
import path from 'node:path';

export const MEM_TRACKER_FILE = 'build/out/test-results/mem-tracker.json';

export interface MemTrackerRow {
  part: string;
  tuneplanBytes: number;
  memTrackerBytes: number;
}
export interface MemTrackerResult {
  about: string;
  torch: string;
  transformers: string;
  rows: MemTrackerRow[];
}

/** A results file the Python tier writes under build/out/test-results, or null when it is absent or has no rows. */
export function readTestResults<T extends { rows: unknown[] }>(root: string, file: string): T | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as T;
    return Array.isArray(parsed.rows) ? parsed : null;
  } catch {
    return null;
  }
}

export function readMemTracker(root: string): MemTrackerResult | null {
  return readTestResults<MemTrackerResult>(root, MEM_TRACKER_FILE);
}

export function memTrackerLines(result: MemTrackerResult | null): string[] {
  if (!result)
    return [`PyTorch memory tracker: no results (${MEM_TRACKER_FILE}); \`npm test\` writes them in its Python tier.`];
  const pct = (r: MemTrackerRow) =>
    r.memTrackerBytes > 0
      ? `${(((r.tuneplanBytes - r.memTrackerBytes) / r.memTrackerBytes) * 100).toFixed(1)} %`
      : 'n/a';
  return [
    `PyTorch memory tracker (${result.about}; torch ${result.torch}, transformers ${result.transformers}):`,
    ...result.rows.map(
      (r) =>
        `  ${r.part.padEnd(36)} Tuneplan ${r.tuneplanBytes.toLocaleString('en-US').padStart(12)} B` +
        `  MemTracker ${r.memTrackerBytes.toLocaleString('en-US').padStart(12)} B  ${pct(r)}`,
    ),
  ];
}
