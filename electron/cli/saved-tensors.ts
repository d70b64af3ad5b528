/**
 * `npm run validate`'s per-layer check of the activation term: what one decoder layer keeps for its backward, per
 * token, in the real transformers classes (tests/python/test_saved_tensors.py counts the tensors autograd saves)
 * against the per-layer figure of Tuneplan's estimate. The Python tier writes
 * build/out/test-results/saved-tensors.json; validate prints it when it is there. Python is never needed here:
 * without the file, validate says how to produce it.
 */
import { readTestResults } from './mem-tracker';

export const SAVED_TENSORS_FILE = 'build/out/test-results/saved-tensors.json';
/** The precision regimes' rows (tests/python/test_saved_tensors_precision.py: autocast, DeepSpeed's cast, fp32). */
export const SAVED_TENSORS_PRECISION_FILE = 'build/out/test-results/saved-tensors-precision.json';

export interface SavedTensorsRow {
  family: string;
  mode: string;
  /** Bytes per token per layer. */
  measured: number;
  tuneplan: number;
}
export interface SavedTensorsResult {
  about: string;
  rows: SavedTensorsRow[];
}

/** Both Python modules' rows, in one list (null when neither has run). */
export function readSavedTensors(root: string): SavedTensorsResult | null {
  const parts = [SAVED_TENSORS_FILE, SAVED_TENSORS_PRECISION_FILE]
    .map((file) => readTestResults<SavedTensorsResult>(root, file))
    .filter((r): r is SavedTensorsResult => r !== null);
  if (parts.length === 0) return null;
  return { about: parts.map((r) => r.about).join('; '), rows: parts.flatMap((r) => r.rows) };
}

export function savedTensorsLines(result: SavedTensorsResult | null): string[] {
  if (!result)
    return [
      `Saved tensors per layer: no results (${SAVED_TENSORS_FILE}); \`npm test\` writes them in its Python tier.`,
    ];
  const errors = result.rows.map((r) => Math.abs((r.tuneplan - r.measured) / r.measured) * 100);
  const worst = errors.length ? Math.max(...errors) : 0;
  return [
    `Saved tensors per layer, bytes per token (${result.about}), real transformers class against Tuneplan:`,
    ...result.rows.map(
      (r) =>
        `  ${`${r.family} ${r.mode}`.padEnd(32)} ` +
        `measured ${Math.round(r.measured).toLocaleString('en-US').padStart(7)} B` +
        `  Tuneplan ${r.tuneplan.toLocaleString('en-US').padStart(7)} B  ` +
        `${(((r.tuneplan - r.measured) / r.measured) * 100).toFixed(1)} %`,
    ),
    `  ${result.rows.length} comparisons, worst ${worst.toFixed(1)} %`,
  ];
}
