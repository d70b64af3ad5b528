import { describe, expect, it } from 'vitest';
import { findCatalogModel } from '../../../shared/catalog/models';
import { type PlanInput } from '../../../shared/domain/plan';
import {
  cachedSpareBytes,
  classRounding,
  fragmentationBytes,
  groupFootprint,
  parameterTensors,
  roundingBytes,
  roundSize,
  type FragmentationInput,
} from '../../../shared/estimate/allocator';
import { describeArchitecture } from '../../../shared/estimate/architecture';
import { estimatePlan } from '../../../shared/estimate/estimate';
import { shapeRegime } from '../../../shared/estimate/memory';
import { GiB } from '../../../shared/format';

const MiB = 2 ** 20;
const KiB = 2 ** 10;

// Known answers from c10/cuda/CUDACachingAllocator.cpp: round_size, get_allocation_size, should_split.
describe('caching allocator block and segment rounding', () => {
  it('rounds every request to 512 B (kMinBlockSize)', () => {
    expect(roundSize(1)).toBe(512);
    expect(roundSize(512)).toBe(512);
    expect(roundSize(513)).toBe(1024);
  });

  it('packs 600 KiB tensors three to a 2 MiB small segment (kSmallBuffer)', () => {
    expect(groupFootprint(600 * KiB, 1).reservedBytes).toBe(2 * MiB);
    expect(groupFootprint(600 * KiB, 3).reservedBytes).toBe(2 * MiB);
    expect(groupFootprint(600 * KiB, 4).reservedBytes).toBe(4 * MiB);
    expect(groupFootprint(600 * KiB, 3).blockBytes).toBe(3 * 600 * KiB);
  });

  it('gives a 1.5 MiB request a 20 MiB segment (kLargeBuffer) that thirteen of them share', () => {
    expect(groupFootprint(1.5 * MiB, 1).reservedBytes).toBe(20 * MiB);
    expect(groupFootprint(1.5 * MiB, 13).reservedBytes).toBe(20 * MiB);
    expect(groupFootprint(1.5 * MiB, 14).reservedBytes).toBe(40 * MiB);
    // 13 × 1.5 = 19.5 MiB: the 0.5 MiB tail is ≤ kSmallSize, so should_split keeps it in the last block.
    expect(groupFootprint(1.5 * MiB, 13).blockBytes).toBe(20 * MiB);
  });

  it('puts a 100.3 MiB tensor in a 102 MiB segment and splits off the 1.7 MiB remainder', () => {
    const bytes = Math.round(100.3 * MiB);
    const f = groupFootprint(bytes, 1);
    expect(f.reservedBytes).toBe(102 * MiB);
    expect(f.blockBytes).toBe(roundSize(bytes)); // remaining > kSmallSize: split, cached
    // 101.5 MiB leaves 0.5 MiB: not split, the block keeps it (allocated_bytes counts block->size).
    expect(groupFootprint(101.5 * MiB, 1).blockBytes).toBe(102 * MiB);
    expect(roundingBytes(100 * MiB)).toBe(0);
  });

  it('with expandable segments splits down to 512 B: only the 512 B rounding is left', () => {
    expect(roundingBytes(1.5 * MiB, 1, true)).toBe(0);
    expect(roundingBytes(100.3 * MiB, 1, true)).toBeLessThan(512);
    expect(roundingBytes(600 * KiB + 1, 1, true)).toBe(511);
  });

  it('lists every parameter tensor of the model, adding up to its parameters', () => {
    const arch = describeArchitecture(findCatalogModel('Llama-3.2-3B')!.spec);
    const tensors = parameterTensors(arch);
    expect(tensors.reduce((s, t) => s + t.numel * t.count, 0)).toBe(arch.totalParams);
    // 28 layers × 7 linear weights, 2 norms each, final norm, embedding (tied head).
    expect(tensors.filter((t) => t.numel > 2 * MiB).reduce((s, t) => s + t.count, 0)).toBe(28 * 7 + 1);
    // bf16 Llama-3.2-3B weights are whole 2 MiB multiples but for k/v (6 MiB: three to a 20 MiB segment) and norms.
    const rounding = classRounding(tensors, arch.totalParams * 2);
    expect(rounding).toBeGreaterThan(0);
    expect(rounding).toBeLessThan(0.2 * GiB);
  });
});

describe('fragmentation of what churns every step', () => {
  const base: Omit<FragmentationInput, 'end' | 'shapes' | 'expandable'> = {
    dataChurnBytes: 10 * GiB,
    layerBytes: 0.5 * GiB,
  };
  const at = (shapes: FragmentationInput['shapes'], expandable: boolean) =>
    (['low', 'expected', 'high'] as const).map((end) => fragmentationBytes({ ...base, shapes, expandable, end }));

  it('orders low ≤ expected ≤ high in every regime', () => {
    for (const shapes of ['fixed', 'variable', 'longest_first'] as const)
      for (const expandable of [false, true]) {
        const [low, expected, high] = at(shapes, expandable);
        expect(low).toBeLessThanOrEqual(expected!);
        expect(expected).toBeLessThanOrEqual(high!);
      }
  });

  it(
    'variable shapes: one layer to two (whole free segments are released before an OOM, release_cached_blocks); ' +
      'what reserved may keep with memory to spare is all that churns once more, outside the fit',
    () => {
      expect(at('variable', false)).toEqual([0.5 * GiB, 0.5 * GiB, 1 * GiB]);
      expect(cachedSpareBytes('variable', false, 10 * GiB)).toBe(10 * GiB);
      for (const [shapes, expandable] of [
        ['fixed', false],
        ['longest_first', false],
        ['variable', true],
      ] as const)
        expect(cachedSpareBytes(shapes, expandable, 10 * GiB)).toBe(0);
    },
  );

  it('fixed shapes reuse cached blocks: one layer expected; expandable segments none', () => {
    expect(at('fixed', false)).toEqual([0, 0.5 * GiB, 1 * GiB]);
    expect(at('longest_first', false)).toEqual(at('fixed', false));
    expect(at('variable', true)).toEqual([0, 0, 0.5 * GiB]);
  });

  it('is bounded by what churns', () => {
    const f = fragmentationBytes({
      dataChurnBytes: 0.2 * GiB,
      layerBytes: GiB,
      shapes: 'fixed',
      expandable: false,
      end: 'high',
    });
    expect(f).toBe(0.2 * GiB);
    expect(fragmentationBytes({ ...base, dataChurnBytes: 0, shapes: 'variable', expandable: false, end: 'high' })).toBe(
      0,
    );
  });
});

describe('shape regime from the plan', () => {
  const training = { packing: false, seqLen: 2048 };
  it('packing and token budgets are fixed; unpacked varying data is variable; GRPO varies', () => {
    expect(shapeRegime({ ...training, packing: true }, { kind: 'sft' })).toBe('fixed');
    expect(shapeRegime(training, { kind: 'sft' }, { mode: 'tokens' })).toBe('fixed');
    expect(shapeRegime(training, { kind: 'sft' })).toBe('variable');
    expect(shapeRegime(training, { kind: 'sft' }, { mode: 'examples', meanTokensPerExample: 512 })).toBe('variable');
    expect(shapeRegime(training, { kind: 'sft' }, { mode: 'examples', meanTokensPerExample: 4096 })).toBe('fixed');
    expect(shapeRegime({ ...training, packing: true }, { kind: 'grpo' })).toBe('variable');
  });
});

describe('reserved − allocated in the estimate', () => {
  const plan: PlanInput = {
    name: 't',
    model: { source: 'catalog', id: 'Llama-3.2-3B' },
    techniques: [{ kind: 'lora', rank: 32, targets: 'qv', dropout: 0 }],
    training: { microBatch: 4, seqLen: 768, precision: 'pure_bf16' },
    hardware: { gpu: { source: 'catalog', id: 'l40s' } },
  };
  const est = (training: object, data: object = {}) =>
    estimatePlan({ ...plan, training: { ...plan.training, ...training }, data: { meanTokensPerExample: 210, ...data } })
      .techniques[0]!;

  it('expandable segments lower reserved, not allocated', () => {
    const off = est({});
    const on = est({ expandableSegments: true });
    expect(on.memory.allocatedBytes).toBe(off.memory.allocatedBytes);
    expect(on.memory.reservedBytes).toBeLessThan(off.memory.reservedBytes);
    expect(on.memory.parts.allocatorSlack).toBeLessThan(0.05 * GiB);
    expect(on.memory.high.reservedBytes).toBeLessThan(off.memory.high.reservedBytes);
    // Shuffled unpacked batches: what reserved may keep with room to spare, none with expandable segments.
    expect(off.memory.cachedSpareBytes).toBeGreaterThan(GiB);
    expect(on.memory.cachedSpareBytes).toBe(0);
  });

  it('packed batches fragment as little as unpacked ones near the limit, less with room to spare', () => {
    // The longest example unknown: the unpacked expected peak is sized at the full sequence, like packing.
    const unpacked = est({ packing: false });
    const packed = est({ packing: true });
    expect(packed.memory.peakSeqLen).toBe(unpacked.memory.peakSeqLen);
    expect(packed.memory.parts.allocatorSlack).toBeLessThanOrEqual(unpacked.memory.parts.allocatorSlack);
    expect(packed.memory.cachedSpareBytes).toBe(0);
    expect(unpacked.memory.cachedSpareBytes).toBeGreaterThan(GiB);
  });

  it('keeps allocated ≤ reserved at every end of the range, and the ends ordered', () => {
    const t = est({});
    expect(t.memory.low.reservedBytes).toBeLessThanOrEqual(t.memory.reservedBytes);
    expect(t.memory.reservedBytes).toBeLessThanOrEqual(t.memory.high.reservedBytes);
    for (const c of [t.memory.low, t.memory.high]) expect(c.allocatedBytes).toBeLessThanOrEqual(c.reservedBytes);
    expect(t.memory.activeBytes).toBe(t.memory.allocatedBytes);
  });

  it('scales with the churned bytes, not with the frozen weights: a 70B base with a tiny batch', () => {
    const t = estimatePlan({
      ...plan,
      model: { source: 'catalog', id: 'Llama-3.1-70B' },
      techniques: [{ kind: 'lora', rank: 8, targets: 'qv', dropout: 0 }],
      training: { microBatch: 1, seqLen: 128, precision: 'pure_bf16', gradientCheckpointing: true },
      hardware: { gpu: { source: 'catalog', id: 'h200' } },
    }).techniques[0]!;
    expect(t.memory.allocatedBytes).toBeGreaterThan(120 * GiB);
    // The old flat 5 % of allocated gave over 6 GiB; the frozen weights are laid out once and barely round.
    expect(t.memory.parts.allocatorSlack).toBeLessThan(0.5 * GiB);
    expect(t.memory.parts.allocatorSlack).toBeGreaterThan(0);
  });

  it('explains the slack with its numbers and the expandable-segments setting', () => {
    const t = est({});
    const text = JSON.stringify(t.explain);
    expect(text).toMatch(/rounding \d+\.\d+ GiB \+ fragmentation \d+\.\d+ GiB of \d+\.\d+ GiB churned/);
    expect(text).toContain('expandable_segments off');
    expect(text).toContain('Range inputs: allocator fragmentation one layer');
  });

  it('shuffled and longest-first batches fit the same; only what stays cached with room to spare differs', () => {
    const slackOf = (training: PlanInput['training']) =>
      estimatePlan({
        name: 'a',
        model: { source: 'catalog', id: 'Llama-3.2-3B' },
        techniques: [{ kind: 'lora' }],
        training,
      }).techniques[0]!;
    const shuffled = slackOf({ microBatch: 4, seqLen: 2048 });
    const grouped = slackOf({ microBatch: 4, seqLen: 2048, samplingStrategy: 'group_by_length' });
    expect(shuffled.memory.parts.allocatorSlack).toBeCloseTo(grouped.memory.parts.allocatorSlack, 0);
    expect(shuffled.memory.high.reservedBytes).toBeCloseTo(grouped.memory.high.reservedBytes, 0);
    expect(shuffled.fit.state).toBe(grouped.fit.state);
    expect(shuffled.memory.cachedSpareBytes).toBeGreaterThan(0);
    expect(grouped.memory.cachedSpareBytes).toBe(0);
    const e = shuffled.explain.find((x) => x.key === 'memory.allocatorSlack')!;
    expect(e.note).toContain('release_cached_blocks');
    expect(e.substituted).toMatch(/with memory to spare reserved \(and nvidia-smi\) may keep up to [\d.]+ GiB more/);
    expect(e.assumptions).toBeUndefined();
  });

  it('batches grouped by length are longest first for SFT only: the other trainers cannot take the sampler', () => {
    const t = { packing: false, seqLen: 2048, samplingStrategy: 'group_by_length' as const };
    expect(shapeRegime(t, { kind: 'sft' })).toBe('longest_first');
    for (const kind of ['dpo', 'kto', 'reward', 'grpo'] as const) expect(shapeRegime(t, { kind })).toBe('variable');
    expect(shapeRegime({ ...t, samplingStrategy: 'random' }, { kind: 'sft' })).toBe('variable');
  });
});
