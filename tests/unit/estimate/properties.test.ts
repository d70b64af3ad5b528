import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CATALOG_GPUS } from '../../../shared/catalog/gpus';
import { CATALOG_MODELS } from '../../../shared/catalog/models';
import { OPTIMIZERS, PRECISIONS, STRATEGIES, TECHNIQUE_KINDS, type PlanInput } from '../../../shared/domain/plan';
import { estimatePlan } from '../../../shared/estimate/estimate';

const gpuIds = CATALOG_GPUS.filter((g) => g.tflops16 !== null).map((g) => g.id);

const techniqueArb = fc.record({
  kind: fc.constantFrom(...TECHNIQUE_KINDS),
  rank: fc.integer({ min: 1, max: 256 }),
  dropout: fc.constantFrom(0, 0.05, 0.1),
  targets: fc.constantFrom('all-linear' as const, 'attention' as const, 'qv' as const, 'mlp' as const),
  virtualTokens: fc.integer({ min: 1, max: 256 }),
  doubleQuant: fc.boolean(),
  quantType: fc.constantFrom('nf4' as const, 'fp4' as const, 'int8' as const),
});

const planArb = fc
  .record({
    model: fc.constantFrom(...CATALOG_MODELS.map((m) => m.id)),
    techniques: fc.array(techniqueArb, { minLength: 1, maxLength: 3 }),
    microBatch: fc.integer({ min: 1, max: 64 }),
    seqLen: fc.integer({ min: 16, max: 16384 }),
    gradAccum: fc.integer({ min: 1, max: 16 }),
    precision: fc.constantFrom(...PRECISIONS),
    optimizer: fc.constantFrom(...OPTIMIZERS),
    checkpointing: fc.boolean(),
    packing: fc.boolean(),
    attention: fc.constantFrom('sdpa' as const, 'eager' as const),
    lossKernel: fc.constantFrom('standard' as const, 'chunked' as const),
    gpus: fc.integer({ min: 1, max: 16 }),
    nodes: fc.integer({ min: 1, max: 4 }),
    strategy: fc.constantFrom(...STRATEGIES),
    gpu: fc.constantFrom(...gpuIds),
  })
  .map((r): PlanInput => ({
    name: 'property',
    model: { source: 'catalog', id: r.model },
    techniques: r.techniques,
    training: {
      microBatch: r.microBatch,
      seqLen: r.seqLen,
      gradAccum: r.gradAccum,
      precision: r.precision,
      optimizer: r.optimizer,
      gradientCheckpointing: r.checkpointing,
      packing: r.packing,
      attention: r.attention,
      lossKernel: r.lossKernel,
    },
    distribution: { gpusPerNode: r.gpus, nodes: r.nodes, strategy: r.strategy },
    hardware: { gpu: { source: 'catalog', id: r.gpu } },
  }));

const finiteNonNegative = (v: unknown, path: string): void => {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw new Error(`${path} = ${v}`);
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v))
      if (k !== 'marginBytes' && k !== 'value') finiteNonNegative(x, `${path}.${k}`);
  }
};

describe('estimator invariants (property-based)', () => {
  it('never returns NaN, negative or infinite figures for a valid plan', () => {
    fc.assert(
      fc.property(planArb, (plan) => {
        const report = estimatePlan(plan);
        for (const t of report.techniques) {
          finiteNonNegative({ ...t, explain: undefined, notes: undefined, cost: undefined }, t.label);
          expect(Number.isFinite(t.fit.marginBytes)).toBe(true);
          if (t.costUsd !== null) expect(t.costUsd).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('the first step never peaks above the later steps, at every end of the range', () => {
    fc.assert(
      fc.property(planArb, (plan) => {
        for (const t of estimatePlan(plan).techniques)
          for (const m of [t.memory, t.memory.low, t.memory.high])
            expect(m.firstStepActiveBytes).toBeLessThanOrEqual(m.activeBytes);
      }),
      { numRuns: 150, seed: 20261202 },
    );
  });

  it('memory never decreases when micro-batch, sequence or rank grow', () => {
    fc.assert(
      fc.property(
        planArb,
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 2048 }),
        fc.integer({ min: 1, max: 64 }),
        (plan, db, ds, dr) => {
          const peak = (p: PlanInput) => estimatePlan(p).techniques.map((t) => t.memory.allocatedBytes);
          const before = peak(plan);
          const more = (over: Partial<NonNullable<PlanInput['training']>>) =>
            peak({ ...plan, training: { ...plan.training, ...over } });
          const t = plan.training!;
          more({ microBatch: t.microBatch! + db }).forEach((v, i) =>
            expect(v).toBeGreaterThanOrEqual(before[i]! * (1 - 1e-12)),
          );
          more({ seqLen: t.seqLen! + ds }).forEach((v, i) =>
            expect(v).toBeGreaterThanOrEqual(before[i]! * (1 - 1e-12)),
          );
          const ranked = peak({
            ...plan,
            techniques: plan.techniques!.map((x) => ({ ...x, rank: (x.rank ?? 16) + dr })),
          });
          ranked.forEach((v, i) => expect(v).toBeGreaterThanOrEqual(before[i]! * (1 - 1e-12)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('ZeRO-3 model states per GPU fall as GPUs are added', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CATALOG_MODELS.map((m) => m.id)),
        fc.constantFrom('full' as const, 'lora' as const),
        fc.integer({ min: 1, max: 63 }),
        (model, kind, n) => {
          const states = (gpus: number) => {
            const p = estimatePlan({
              name: 'z',
              model: { source: 'catalog', id: model },
              techniques: [{ kind }],
              distribution: { strategy: 'zero3', gpusPerNode: gpus },
            }).techniques[0]!.memory.parts;
            return p.frozenWeights + p.trainableWeights + p.optimizerStates + (p.gradients > 0 ? p.gradients : 0);
          };
          expect(states(n + 1)).toBeLessThan(states(n));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('rejects invalid plans naming the field', () => {
    const cases: Array<[unknown, string]> = [
      [{ name: 'x', model: { source: 'catalog', id: 'Phi-4' }, training: { microBatch: 0 } }, 'training.microBatch'],
      [{ name: 'x', model: { source: 'catalog', id: 'Phi-4' }, training: { seqLen: 1.5 } }, 'training.seqLen'],
      [
        { name: 'x', model: { source: 'catalog', id: 'Phi-4' }, techniques: [{ kind: 'lora', rank: -1 }] },
        'techniques[0].rank',
      ],
      [{ name: 'x', model: { source: 'catalog', id: 'Phi-4' }, techniques: [{ kind: 'magic' }] }, 'techniques[0].kind'],
      [
        {
          name: 'x',
          model: { source: 'catalog', id: 'Phi-4' },
          distribution: { strategy: 'ddp', offloadParams: 'cpu' },
        },
        'distribution.offloadParams',
      ],
      [{ name: 'x', model: { source: 'catalog', id: 'Phi-4' }, hardware: { headroomPct: 95 } }, 'hardware.headroomPct'],
      [{ name: '', model: { source: 'catalog', id: 'Phi-4' } }, 'name'],
      [
        { name: 'x', model: { source: 'catalog', id: 'Phi-4' }, training: { microBatch: Number.NaN } },
        'training.microBatch',
      ],
    ];
    for (const [plan, path] of cases) {
      let message = '';
      try {
        estimatePlan(plan as PlanInput);
      } catch (error) {
        message = JSON.stringify((error as { issues?: unknown }).issues ?? (error as Error).message);
      }
      expect(message, path).toContain(
        JSON.stringify(
          path
            .split(/[.[\]]/)
            .filter(Boolean)
            .map((p) => (/^\d+$/.test(p) ? Number(p) : p)),
        ).slice(1, -1),
      );
    }
    expect(() => estimatePlan({ name: 'x', model: { source: 'catalog', id: 'No-Such-Model' } })).toThrow(
      /model\.id: "No-Such-Model" is not in the model catalog/,
    );
    expect(() =>
      estimatePlan({
        name: 'x',
        model: { source: 'catalog', id: 'Phi-4' },
        hardware: { gpu: { source: 'catalog', id: 'apple-m4-max' } },
      }),
    ).toThrow(/hardware\.gpu\.id: .* no published 16-bit TFLOPS/);
  });
});
