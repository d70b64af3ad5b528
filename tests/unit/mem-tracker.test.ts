import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MEM_TRACKER_FILE, memTrackerLines, readMemTracker } from '../../electron/cli/mem-tracker';

describe("validate's PyTorch memory-tracker section (issue 12 item 6)", () => {
  it('says how to produce the comparison when the Python tier has not written it', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneplan-memtracker-'));
    try {
      expect(readMemTracker(root)).toBeNull();
      expect(memTrackerLines(null)[0]).toMatch(/no results .*npm test/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('prints each part with both figures and the signed difference', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneplan-memtracker-'));
    try {
      fs.mkdirSync(path.dirname(path.join(root, MEM_TRACKER_FILE)), { recursive: true });
      const result = {
        about: 'tiny Llama',
        torch: '2.13.0+cpu',
        transformers: '5.24.0',
        rows: [
          { part: 'weights', tuneplanBytes: 110, memTrackerBytes: 100 },
          { part: 'gradients', tuneplanBytes: 5, memTrackerBytes: 0 },
        ],
      };
      fs.writeFileSync(path.join(root, MEM_TRACKER_FILE), JSON.stringify(result));
      const lines = memTrackerLines(readMemTracker(root));
      expect(lines[0]).toContain('torch 2.13.0+cpu, transformers 5.24.0');
      expect(lines[1]).toMatch(/weights .*Tuneplan +110 B .*MemTracker +100 B +10\.0 %$/);
      expect(lines[2]).toMatch(/gradients .* n\/a$/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
