import { describe, expect, it } from 'vitest';
import { PlanSchema, type PlanInput } from '../../shared/domain/plan';
import { bestMarks } from '../../shared/estimate/advice';
import { estimatePlan, type EstimateReport } from '../../shared/estimate/estimate';
import { GiB } from '../../shared/format';
import {
  durationRangeText,
  fitText,
  memoryRangeText,
  memoryText,
  resultsSummary,
  roughGib,
  whereText,
} from '../../renderer/features/results/summary';
import { comparisonRows } from '../../renderer/features/results/ComparisonTable';

const estimate = (extra: Partial<PlanInput> = {}) =>
  estimatePlan(
    PlanSchema.parse({
      name: 's',
      model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
      techniques: [{ kind: 'full' }, { kind: 'lora' }, { kind: 'qlora' }, { kind: 'dora' }],
      ...extra,
    }),
  );

/** A copy of the report with technique `i`'s fit set to `state` (margin and high end made consistent with it). */
function withFit(report: EstimateReport, i: number, state: 'fits' | 'may-not-fit' | 'does-not-fit'): EstimateReport {
  const r = structuredClone(report);
  const t = r.techniques[i]!;
  const usable = t.fit.usableBytes;
  t.memory.nvidiaSmiBytes = state === 'does-not-fit' ? usable + 5 * GiB : usable - 18 * GiB;
  t.memory.high.nvidiaSmiBytes = state === 'fits' ? usable - 10 * GiB : usable + 6 * GiB;
  t.fit.marginBytes = usable - t.memory.nvidiaSmiBytes;
  t.fits = state !== 'does-not-fit';
  t.fit.state = state;
  return r;
}

describe('results summary sentence', () => {
  it('leads with the cheapest technique that fits, says its spare memory, time and cost', () => {
    let r = estimate();
    for (const i of [0, 1, 2, 3]) r = withFit(r, i, i === 3 ? 'does-not-fit' : 'fits');
    const lead = r.techniques[bestMarks(r).cost!]!;
    const s = resultsSummary(r);
    expect(s.state).toBe('fits');
    expect(s.index).toBe(lead.index);
    expect(s.text).toMatch(
      new RegExp(
        `^${lead.label} fits one NVIDIA A100 80GB SXM4 with 18 GiB spare, \\d+ min, \\$\\d+\\.\\d\\d — cheapest`,
      ),
    );
  });

  it('never leads with a technique that does not fit, however fast and cheap', () => {
    let r = estimate();
    for (const i of [0, 1, 2]) r = withFit(r, i, 'fits');
    r = withFit(r, 3, 'does-not-fit');
    r.techniques[3]!.wallSeconds = 1;
    r.techniques[3]!.costUsd = 0.01;
    const s = resultsSummary(r);
    expect(s.text.startsWith('DoRA')).toBe(false);
    expect(s.text).not.toContain('DoRA');
  });

  it('when the best only may fit, says so with both figures and names the best that surely fits', () => {
    let r = estimate();
    for (const [i, state] of (['may-not-fit', 'may-not-fit', 'fits', 'does-not-fit'] as const).entries())
      r = withFit(r, i, state);
    r.techniques.forEach((t, i) => {
      t.wallSeconds = [4000, 2600, 3700, 3000][i]!;
      t.costUsd = [4.1, 2.48, 3.54, 2.9][i]!;
    });
    const s = resultsSummary(r);
    expect(s.state).toBe('may-not-fit');
    expect(s.text).toMatch(
      new RegExp(
        '^LoRA may not fit one NVIDIA A100 80GB SXM4 \\(expected \\d+ GiB fits, high \\d+ GiB does not\\), ' +
          '\\d+ min, \\$2\\.48 — cheapest and fastest that may fit; QLoRA surely fits \\(.+, \\$\\d+\\.\\d\\d\\)\\.$',
      ),
    );
  });

  it('when nothing fits, names the closest technique and by how much', () => {
    let r = estimate({ hardware: { gpu: { source: 'catalog', id: 'rtx-4090' } } });
    for (const i of [0, 1, 2, 3]) r = withFit(r, i, 'does-not-fit');
    r.techniques[2]!.memory.nvidiaSmiBytes -= 2 * GiB;
    r.techniques[2]!.fit.marginBytes += 2 * GiB;
    const closest = r.techniques.reduce((a, b) => (b.memory.nvidiaSmiBytes < a.memory.nvidiaSmiBytes ? b : a));
    const s = resultsSummary(r);
    expect(s.state).toBe('none');
    expect(s.index).toBe(closest.index);
    expect(s.text).toBe(
      `Nothing fits one NVIDIA GeForce RTX 4090: ${closest.label} comes closest, ` +
        `over by ${roughGib(-closest.fit.marginBytes)}.`,
    );
  });

  it('without a price, leads with the fastest that fits and says the price is unknown', () => {
    let r = estimate();
    for (const i of [0, 1, 2, 3]) r = withFit(r, i, 'fits');
    for (const t of r.techniques) t.costUsd = null;
    const fastest = r.techniques.reduce((a, b) => (b.wallSeconds < a.wallSeconds ? b : a));
    const s = resultsSummary(r);
    expect(s.index).toBe(fastest.index);
    expect(s.text).toMatch(/— fastest that fits \(price unknown\)\.$/);
    expect(s.text).not.toContain('$');
  });

  it('names the fastest too when it is not the cheapest', () => {
    let r = estimate();
    for (const i of [0, 1, 2, 3]) r = withFit(r, i, 'fits');
    r.techniques[0]!.wallSeconds = 60; // full fine-tuning fastest, LoRA still cheapest
    r.techniques[0]!.costUsd = 99;
    const s = resultsSummary(r);
    expect(s.text).toMatch(/^LoRA fits .* — cheapest that fits; Full fine-tuning is fastest \(1 min, \$99\.00\)\.$/);
  });

  it('counts GPUs: "2 × …" for more than one', () => {
    const r = estimate({ distribution: { gpusPerNode: 2 } });
    expect(whereText(r)).toBe('2 × NVIDIA A100 80GB SXM4');
  });
});

describe('a machine without a GPU (issue 14.7)', () => {
  const cpu = estimate({
    techniques: [{ kind: 'lora' }, { kind: 'qlora' }],
    model: { source: 'catalog', id: 'Llama-3.2-1B' },
    hardware: {
      gpu: { source: 'custom', name: 'CPU only: Xeon (8 cores)', memoryGiB: 64, bf16Tflops: 0.5, bandwidthGBs: 50 },
    },
  });

  it('the estimate says CPU and rough', () => {
    expect(cpu.device).toEqual({ kind: 'cpu', rough: true });
  });

  it('the table has CPU labels: no nvidia-smi, no GPU-hours, a rough time', () => {
    const rows = comparisonRows(cpu.device);
    const labels = rows.map((r) => r.label);
    expect(labels.join(' ')).not.toMatch(/nvidia-smi|GPU-h|GPU-hours|Reserved by PyTorch|per GPU/);
    expect(labels).toContain('Peak memory (RAM)');
    expect(labels).toContain('Wall time (rough CPU estimate)');
    const wall = rows.find((r) => r.key === 'wall')!.show(cpu.techniques[0]!);
    expect(wall.text).toMatch(/^about /);
    // The GPU table keeps its rows.
    expect(comparisonRows({ kind: 'gpu', rough: false }).map((r) => r.key)).toEqual(
      expect.arrayContaining(['memory', 'reserved', 'gpuh', 'host']),
    );
  });

  it('time ranges read in one unit, chosen by the high end', () => {
    expect(durationRangeText(37 * 60, 50 * 60)).toBe('37–50 min');
    expect(durationRangeText(3.42 * 3600, 4.49 * 3600)).toBe('3.4–4.5 h');
    expect(durationRangeText(50 * 3600, 70 * 3600)).toBe('2.1–2.9 days');
    expect(durationRangeText(12, 20)).toBe('12–20 s');
  });

  it('memory is rounded with its unit', () => {
    expect(roughGib(3 * GiB)).toBe('3 GiB');
    expect(roughGib(18.4 * GiB)).toBe('18 GiB');
    expect(memoryText(18.24 * GiB, { kind: 'cpu' })).toBe('18 GiB');
    expect(memoryText(3.44 * GiB, { kind: 'cpu' })).toBe('3.4 GiB');
    expect(memoryText(18.24 * GiB, { kind: 'gpu' })).toBe('18.2 GiB');
    expect(memoryRangeText(16.94 * GiB, 20.44 * GiB, { kind: 'gpu' })).toBe('16.9–20.4 GiB');
    const mem = comparisonRows(cpu.device)
      .find((r) => r.key === 'memory')!
      .show(cpu.techniques[0]!);
    expect(mem.text).toMatch(/^\d+(\.\d)? GiB$/);
  });

  it('the sentence says where and that the time is rough', () => {
    const s = resultsSummary(cpu);
    expect(s.text).toContain('the RAM of CPU only: Xeon (8 cores)');
    if (s.state !== 'none') expect(s.text).toContain('(rough CPU estimate)');
    expect(s.text).not.toMatch(/GPU-h|nvidia-smi/);
  });
});

describe('fit wording', () => {
  it('three states, each with its figures', () => {
    let r = estimate();
    for (const [i, state] of (['may-not-fit', 'may-not-fit', 'fits', 'does-not-fit'] as const).entries())
      r = withFit(r, i, state);
    const [full, , qlora, dora] = r.techniques;
    expect(fitText(qlora!, r.device)).toMatch(/^fits, \d+\.\d GiB spare$/);
    expect(fitText(full!, r.device)).toBe(
      `may not fit: expected ${memoryText(full!.memory.nvidiaSmiBytes, r.device)} fits, ` +
        `high ${memoryText(full!.memory.high.nvidiaSmiBytes, r.device)} does not`,
    );
    expect(fitText(dora!, r.device)).toBe(`over by ${memoryText(-dora!.fit.marginBytes, r.device)}`);
  });
});
