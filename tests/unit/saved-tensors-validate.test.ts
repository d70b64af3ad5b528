import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  SAVED_TENSORS_FILE,
  SAVED_TENSORS_PRECISION_FILE,
  readSavedTensors,
  savedTensorsLines,
} from '../../electron/cli/saved-tensors';

describe("validate's saved-tensors-per-layer section", () => {
  it('says how to produce the comparison when the Python tier has not written it', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneplan-saved-'));
    try {
      expect(readSavedTensors(root)).toBeNull();
      expect(savedTensorsLines(null)[0]).toMatch(/no results .*npm test/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('prints each family with both figures, the signed difference and the worst', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneplan-saved-'));
    try {
      fs.mkdirSync(path.dirname(path.join(root, SAVED_TENSORS_FILE)), { recursive: true });
      const rows = [
        { family: 'llama', mode: 'lora', measured: 5016, tuneplan: 5016 },
        { family: 'gptj', mode: 'full', measured: 1000, tuneplan: 981 },
      ];
      fs.writeFileSync(path.join(root, SAVED_TENSORS_FILE), JSON.stringify({ about: 'one layer', rows }));
      const lines = savedTensorsLines(readSavedTensors(root));
      expect(lines[0]).toContain('(one layer)');
      expect(lines[1]).toMatch(/llama lora +measured +5,016 B +Tuneplan +5,016 B +0\.0 %$/);
      expect(lines[2]).toMatch(/gptj full .* -1\.9 %$/);
      expect(lines[3]).toBe('  2 comparisons, worst 1.9 %');
      // The precision regimes' module writes its own file; validate prints both modules' rows as one list.
      const mixed = [{ family: 'llama', mode: 'full, mixed', measured: 6936, tuneplan: 7000 }];
      fs.writeFileSync(
        path.join(root, SAVED_TENSORS_PRECISION_FILE),
        JSON.stringify({ about: 'mixed precision', rows: mixed }),
      );
      const both = savedTensorsLines(readSavedTensors(root));
      expect(both[0]).toContain('(one layer; mixed precision)');
      expect(both[3]).toMatch(/llama full, mixed +measured +6,936 B +Tuneplan +7,000 B +0\.9 %$/);
      expect(both[4]).toBe('  3 comparisons, worst 1.9 %');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
