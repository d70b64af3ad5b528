/**
 * Owned hardware in the recommendation (issue 14 item 3): probed machines become owned hardware through the real
 * probe parsers fed the real tool output in tests/fixtures/probes (see its README for where each comes from);
 * unknown figures are "needs your figures", never ranked; a budget, a deadline and the filters act as stated.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAppleSysctl, parseNvidiaSmi } from '../../../electron/services/probes/parsers';
import type { GpuInfo, MachineProbe } from '../../../shared/domain/machine';
import { PlanSchema, type PlanInput } from '../../../shared/domain/plan';
import {
  deviceKindOfRef,
  ownedFromCustom,
  ownedFromPlan,
  ownedFromProbe,
  resolveOwned,
} from '../../../shared/estimate/owned-hardware';
import { recommend } from '../../../shared/estimate/recommend';
import { FAKE_PROBE } from '../../helpers/fake-probe';

const probes = path.resolve(__dirname, '../../fixtures/probes');
function gpusFrom(parsed: { gpus: GpuInfo[] } | { reason: string }): GpuInfo[] {
  if (!('gpus' in parsed)) throw new Error(parsed.reason);
  return parsed.gpus;
}
const nvidia = (file: string) => gpusFrom(parseNvidiaSmi(fs.readFileSync(path.join(probes, file), 'utf8')));
const machine = (gpus: GpuInfo[]): MachineProbe => ({ ...FAKE_PROBE, gpus });

const gb10 = ownedFromProbe(machine(nvidia('nvidia-smi-gb10-dgx-spark.txt')), {
  id: 'profile:spark',
  origin: 'profile',
  name: 'DGX Spark',
});
const cpuOnly = ownedFromProbe(machine([]), { id: 'machine', origin: 'machine', name: 'this machine' });
// The sample in parseAppleSysctl's comment: `sysctl -n machdep.cpu.brand_string hw.memsize` on an M2 Ultra.
const apple = ownedFromProbe(machine(gpusFrom(parseAppleSysctl('Apple M2 Ultra\n206158430208\n'))), {
  id: 'profile:mac',
  origin: 'profile',
  name: 'Mac Studio',
});
const rtx4090 = ownedFromProbe(machine(nvidia('nvidia-smi-rtx4090.txt')), {
  id: 'machine',
  origin: 'machine',
  name: 'this machine',
});

const plan: PlanInput = {
  name: 'Qwen LoRA',
  model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
  techniques: [{ kind: 'lora' }, { kind: 'qlora' }],
  training: { microBatch: 2, gradAccum: 4, seqLen: 1024, gradientCheckpointing: true },
  data: { mode: 'examples', examples: 5000, meanTokensPerExample: 400 },
  hardware: { gpu: { source: 'catalog', id: 'a100-80gb-sxm' } },
};

describe('machine profiles → owned hardware', () => {
  it('a catalog GPU is usable with the catalog figures', () => {
    expect(rtx4090).toMatchObject({
      deviceKind: 'gpu',
      count: 1,
      gpuRef: { source: 'catalog', id: 'rtx-4090' },
      missing: [],
    });
    expect(resolveOwned(rtx4090)?.tflops16).toBeGreaterThan(0);
  });

  it('memory reported as [N/A] on a GPU the catalog does not know: every figure is asked for', () => {
    expect(gb10).toMatchObject({ deviceKind: 'gpu', gpuRef: null, known: {} });
    expect(gb10.missing).toEqual(['memoryGiB', 'bf16Tflops', 'bandwidthGBs']);
    expect(gb10.note).toMatch(/memory is unknown/);
    expect(resolveOwned(gb10)).toBeNull();
  });

  it('a CPU-only machine knows its RAM and asks for its throughput', () => {
    expect(cpuOnly).toMatchObject({ deviceKind: 'cpu', gpuRef: null, known: { memoryGiB: 64 } });
    expect(cpuOnly.missing).toEqual(['bf16Tflops', 'bandwidthGBs']);
  });

  it('Apple silicon is unified memory: the RAM is known, the catalog publishes no TFLOPS for it', () => {
    expect(apple).toMatchObject({ deviceKind: 'apple-unified', gpuRef: null, known: { memoryGiB: 192 } });
    expect(apple.missing).toEqual(['bf16Tflops', 'bandwidthGBs']);
  });

  it('the plan’s GPU: a catalog part with no published TFLOPS needs figures; a custom one is the user’s', () => {
    // The catalog's A10G (AWS G5) has no published dense 16-bit TFLOPS.
    const a10g = ownedFromPlan(PlanSchema.parse({ ...plan, hardware: { gpu: { source: 'catalog', id: 'a10g' } } }));
    expect(a10g).toMatchObject({ gpuRef: null, known: { memoryGiB: 24 }, missing: ['bf16Tflops', 'bandwidthGBs'] });
    expect(recommend({ ...plan, hardware: { gpu: { source: 'catalog', id: 'a10g' } } }).needsFigures).toMatchObject([
      { ownedId: 'plan', missing: ['bf16Tflops', 'bandwidthGBs'] },
    ]);
    const cpu = {
      source: 'custom' as const,
      name: 'CPU only: Fake CPU (8 cores)',
      memoryGiB: 64,
      bf16Tflops: 0.5,
      bandwidthGBs: 50,
    };
    expect(deviceKindOfRef(cpu)).toBe('cpu');
    expect(deviceKindOfRef({ source: 'catalog', id: 'apple-m4-max' })).toBe('apple-unified');
    expect(ownedFromCustom(cpu, 1)).toMatchObject({ deviceKind: 'cpu', missing: [], origin: 'custom' });
  });
});

describe('recommend with owned hardware', () => {
  it('owned hardware with unknown figures is listed as needing figures and never ranked or rejected', () => {
    const rec = recommend(plan, { owned: [gb10, cpuOnly, apple, rtx4090] });
    expect(rec.needsFigures.map((n) => n.ownedId)).toEqual(['profile:spark', 'machine', 'profile:mac']);
    const unknownIds = new Set(['profile:spark', 'profile:mac']);
    for (const o of [...rec.ranked, ...rec.rejected]) expect(unknownIds.has(o.ownedId ?? '')).toBe(false);
    const spark = rec.needsFigures[0]!;
    expect(spark.howToEnter).toMatch(/memory \(GiB\), dense bf16 TFLOPS, memory bandwidth \(GB\/s\)/);
    expect(rec.needsFigures[1]!.fitRule).toMatch(/system RAM/);
    // This machine's 4090 is ranked as owned hardware.
    expect(rec.ranked.some((o) => o.ownedId === 'machine' && o.gpuId === 'rtx-4090')).toBe(true);
  });

  it('owned-only leaves out every rental; owned hardware is never suggested at more GPUs than there are', () => {
    const rec = recommend(plan, { owned: [rtx4090], ownedOnly: true });
    expect(rec.ranked.length).toBeGreaterThan(0);
    expect(rec.ranked.every((o) => o.owned)).toBe(true);
    expect(rec.ranked.every((o) => o.gpus === 1)).toBe(true);
    expect(new Set(rec.ranked.map((o) => o.gpuId))).toEqual(new Set(['a100-80gb-sxm', 'rtx-4090']));
  });

  it('the same GPU owned and in the catalog is listed once per count: owned counts are not rented too', () => {
    const rec = recommend({ ...plan, distribution: { gpusPerNode: 2 } });
    const a100 = rec.ranked.filter((o) => o.gpuId === 'a100-80gb-sxm' && o.techniqueIndex === 0);
    expect(a100.filter((o) => o.gpus <= 2).every((o) => o.owned)).toBe(true);
    expect(a100.filter((o) => o.gpus > 2).every((o) => !o.owned && o.costUsd !== null)).toBe(true);
  });

  it('a budget keeps priced options within it and owned ones; unpriced rentals are rejected as unverifiable', () => {
    const all = recommend(plan);
    const priced = all.ranked.filter((o) => o.costUsd !== null).map((o) => o.costUsd!);
    const budget = priced.sort((a, b) => a - b)[Math.floor(priced.length / 2)]!;
    const rec = recommend(plan, { budgetUsd: budget });
    expect(rec.sortedBy).toBe('time');
    expect(rec.ranked.every((o) => (o.costUsd === null ? o.owned : o.costUsd <= budget))).toBe(true);
    expect(rec.rejected.some((r) => r.kind === 'budget' && r.costUsd! > budget)).toBe(true);
    expect(rec.ranked.map((o) => o.wallSeconds)).toEqual(rec.ranked.map((o) => o.wallSeconds).sort((a, b) => a - b));
    expect(rec.fastest).toBe(rec.ranked[0]);
  });

  it('a deadline rejects slower options with their time; the CLI’s figure overrides the plan’s goal', () => {
    const all = recommend(plan, { sort: 'time' });
    const deadline = all.ranked[Math.floor(all.ranked.length / 2)]!.wallSeconds / 3600;
    const rec = recommend({ ...plan, goals: { deadlineHours: 100_000 } }, { deadlineHours: deadline });
    expect(rec.filters.deadlineHours).toBe(deadline);
    expect(rec.ranked.every((o) => o.wallSeconds / 3600 <= deadline)).toBe(true);
    const late = rec.rejected.filter((r) => r.kind === 'deadline');
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((r) => r.wallSeconds! / 3600 > deadline && /over the .* h deadline/.test(r.reason))).toBe(true);
  });

  it('sorted by cost: owned without a price first by time, then priced by cost, then unpriced rentals by time', () => {
    const rec = recommend(plan, { sort: 'cost' });
    const group = (o: (typeof rec.ranked)[number]) => (o.costUsd !== null ? 1 : o.owned ? 0 : 2);
    const groups = rec.ranked.map(group);
    expect(groups).toEqual([...groups].sort((a, b) => a - b));
    const priced = rec.ranked.filter((o) => o.costUsd !== null).map((o) => o.costUsd!);
    expect(priced).toEqual([...priced].sort((a, b) => a - b));
    expect(rec.cheapest?.costUsd).toBe(priced[0]);
    expect(rec.ranked[0]!.owned).toBe(true);
  });

  it('max GPUs bounds every option; a memory rejection names the figure and the capacity', () => {
    const rec = recommend({ ...plan, techniques: [{ kind: 'full' }] }, { maxGpus: 2 });
    expect(rec.filters.maxGpus).toBe(2);
    expect([...rec.ranked, ...rec.rejected].every((o) => o.gpus <= 2)).toBe(true);
    const memory = rec.rejected.find((r) => r.kind === 'memory' && r.gpuId === 'rtx-4090');
    expect(memory?.reason).toMatch(
      /needs \d+\.\d GiB per GPU .* NVIDIA GeForce RTX 4090 offers 21\.6 GiB after 10 % headroom/,
    );
  });
});
