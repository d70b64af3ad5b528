import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PlanSchema, type PlanInput } from '../../../shared/domain/plan';
import { newPlanFromTemplate, PLAN_TEMPLATE, TEMPLATE_SOURCES } from '../../../shared/domain/plan-template';
import { bestMarks, fitState } from '../../../shared/estimate/advice';
import { estimatePlan, type TechniqueEstimate } from '../../../shared/estimate/estimate';
import { leversFor } from '../../../shared/estimate/levers';
import { contextLimit, deviceKind } from '../../../shared/estimate/warnings';
import { applyMergePatch } from '../../../shared/merge-patch';

const GiB = 2 ** 30;
const phi3 = { source: 'catalog', id: 'Phi-3-mini-4k-instruct' } as const;

/** Full fine-tuning of Phi-3-mini on one 24 GiB card: far over; LoRA with checkpointing fits. */
const overPlan: PlanInput = {
  name: 'over',
  model: phi3,
  techniques: [{ kind: 'full' }, { kind: 'lora' }],
  training: { microBatch: 4, gradAccum: 4, seqLen: 2048, gradientCheckpointing: false },
  hardware: { gpu: { source: 'catalog', id: 'rtx-4090' } },
};

describe('fitState and bestMarks (issue 14.1)', () => {
  const fake = (index: number, fits: boolean, wallSeconds: number, costUsd: number | null) =>
    ({ index, fits, wallSeconds, costUsd }) as TechniqueEstimate;

  it('routes fit through one function', () => {
    expect(fitState(fake(0, true, 1, 1))).toBe('fits');
    expect(fitState(fake(0, false, 1, 1))).toBe('does-not-fit');
  });

  it('never marks a technique that does not fit, however fast or cheap', () => {
    const marks = bestMarks({
      techniques: [fake(0, false, 10, 1), fake(1, true, 100, 9), fake(2, true, 50, null), fake(3, false, 1, 0.5)],
    });
    expect(marks).toEqual({ time: 2, cost: 1 });
  });

  it('gives no mark when nothing fits', () => {
    expect(bestMarks({ techniques: [fake(0, false, 1, 1)] })).toEqual({ time: null, cost: null });
  });

  it('never marks a non-fitting technique of a real estimate', () => {
    const report = estimatePlan(overPlan);
    const marks = bestMarks(report);
    for (const i of [marks.time, marks.cost]) if (i !== null) expect(report.techniques[i]!.fits).toBe(true);
  });
});

describe('levers (issue 14.2)', () => {
  it('gives a non-fitting technique levers with the estimator’s own figures, fitting ones first by time', () => {
    const levers = leversFor(overPlan, 0);
    expect(levers.length).toBeGreaterThan(0);
    for (const l of levers) {
      expect(Object.keys(l)).toEqual([
        'id',
        'label',
        'patch',
        'reservedBytesAfter',
        'nvidiaSmiBytesAfter',
        'stateAfter',
        'wallSecondsAfter',
      ]);
      const after = estimatePlan(applyMergePatch(overPlan, l.patch) as PlanInput).techniques[0]!;
      expect(after.memory.reservedBytes).toBe(l.reservedBytesAfter);
      expect(after.memory.nvidiaSmiBytes).toBe(l.nvidiaSmiBytesAfter);
      expect(fitState(after)).toBe(l.stateAfter);
      expect(after.wallSeconds).toBe(l.wallSecondsAfter);
    }
    // Sure fits first, then "may not fit", then "still over"; by time after within the first two, by peak after in
    // the last.
    const rank = { fits: 0, 'may-not-fit': 1, 'does-not-fit': 2 } as const;
    for (let i = 1; i < levers.length; i++) {
      const [a, b] = [levers[i - 1]!, levers[i]!];
      expect(rank[b.stateAfter]).toBeGreaterThanOrEqual(rank[a.stateAfter]);
      if (a.stateAfter !== b.stateAfter) continue;
      if (a.stateAfter === 'does-not-fit') expect(b.nvidiaSmiBytesAfter).toBeGreaterThanOrEqual(a.nvidiaSmiBytesAfter);
      else expect(b.wallSecondsAfter).toBeGreaterThanOrEqual(a.wallSecondsAfter);
    }
  });

  it('keeps the global batch in the micro-batch and GPU levers', () => {
    const plan: PlanInput = {
      ...overPlan,
      techniques: [{ kind: 'full' }],
      distribution: { gpusPerNode: 2, strategy: 'zero3' },
      goals: { maxGpus: 16 },
    };
    const global = 2 * 4 * 4;
    for (const l of leversFor(plan, 0).filter((x) => ['smaller-micro-batch', 'more-gpus'].includes(x.id))) {
      const p = PlanSchema.parse(applyMergePatch(plan, l.patch));
      expect(p.distribution.gpusPerNode * p.distribution.nodes * p.training.microBatch * p.training.gradAccum).toBe(
        global,
      );
    }
  });

  it('picks the smallest micro-batch change that fits (the next smaller one does not fit)', () => {
    const plan: PlanInput = { ...overPlan, techniques: [{ kind: 'lora' }], training: { microBatch: 16, gradAccum: 1 } };
    const lever = leversFor(plan, 0).find((l) => l.id === 'smaller-micro-batch');
    if (lever && lever.stateAfter !== 'does-not-fit') {
      const m = PlanSchema.parse(applyMergePatch(plan, lever.patch)).training.microBatch;
      const larger = [16, 8, 4, 2, 1].filter((x) => x > m && x < 16);
      for (const x of larger)
        expect(fitState(estimatePlan({ ...plan, training: { microBatch: x, gradAccum: 16 / x } }).techniques[0]!)).toBe(
          'does-not-fit',
        );
    }
  });

  it('offers only faster or cheaper changes that still fit for a technique that fits', () => {
    const plan: PlanInput = {
      name: 'fits',
      model: phi3,
      techniques: [{ kind: 'lora' }],
      training: { microBatch: 1, gradAccum: 8, gradientCheckpointing: true, lossKernel: 'chunked' },
      hardware: { gpu: { source: 'catalog', id: 'h100-sxm' } },
    };
    const base = estimatePlan(plan).techniques[0]!;
    expect(fitState(base)).toBe('fits');
    const levers = leversFor(plan, 0);
    expect(levers.map((l) => l.id)).toContain('no-gradient-checkpointing');
    for (const l of levers) {
      expect(l.stateAfter).not.toBe('does-not-fit');
      const after = estimatePlan(applyMergePatch(plan, l.patch) as PlanInput).techniques[0]!;
      expect(
        after.wallSeconds < base.wallSeconds || (after.costUsd ?? after.gpuHours) < (base.costUsd ?? base.gpuHours),
      ).toBe(true);
    }
  });

  it('property: for random plans, every lever’s patch re-estimates to its stated figures', () => {
    const arb = fc.record({
      kind: fc.constantFrom('full' as const, 'lora' as const, 'qlora' as const, 'dora' as const, 'ia3' as const),
      rank: fc.constantFrom(4, 16, 64),
      microBatch: fc.constantFrom(1, 2, 4, 8),
      gradAccum: fc.constantFrom(1, 2, 4),
      seqLen: fc.constantFrom(512, 2048, 8192),
      checkpointing: fc.boolean(),
      lossKernel: fc.constantFrom('standard' as const, 'chunked' as const),
      optimizer: fc.constantFrom('adamw' as const, 'adamw_torch_fused' as const, 'adamw_8bit' as const),
      gpus: fc.constantFrom(1, 2, 4),
      strategy: fc.constantFrom('ddp' as const, 'zero2' as const, 'zero3' as const, 'fsdp_full' as const),
      gpu: fc.constantFrom('rtx-4090', 'a100-80gb-sxm', 'l4'),
    });
    fc.assert(
      fc.property(arb, (r) => {
        const plan: PlanInput = {
          name: 'property',
          model: phi3,
          techniques: [{ kind: 'lora' }, { kind: r.kind, rank: r.rank }],
          training: {
            microBatch: r.microBatch,
            gradAccum: r.gradAccum,
            seqLen: r.seqLen,
            gradientCheckpointing: r.checkpointing,
            lossKernel: r.lossKernel,
            optimizer: r.optimizer,
          },
          distribution: { gpusPerNode: r.gpus, strategy: r.strategy },
          hardware: { gpu: { source: 'catalog', id: r.gpu } },
        };
        const before = estimatePlan(plan).techniques[1]!;
        const levers = leversFor(plan, 1);
        expect(new Set(levers.map((l) => l.id)).size).toBe(levers.length);
        for (const l of levers) {
          const after = estimatePlan(applyMergePatch(plan, l.patch) as PlanInput).techniques[1]!;
          expect([after.memory.reservedBytes, after.memory.nvidiaSmiBytes, fitState(after), after.wallSeconds]).toEqual(
            [l.reservedBytesAfter, l.nvidiaSmiBytesAfter, l.stateAfter, l.wallSecondsAfter],
          );
          // A lever for a plan that does not fit lowers its peak or makes its expected peak fit; one for a plan that
          // fits or may not fit keeps its expected peak fitting.
          if (fitState(before) === 'does-not-fit')
            expect(l.stateAfter !== 'does-not-fit' || l.nvidiaSmiBytesAfter < before.memory.nvidiaSmiBytes).toBe(true);
          else expect(l.stateAfter).not.toBe('does-not-fit');
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('optimizer adamw_torch_fused (issue 14.5)', () => {
  it('has AdamW’s states and no state-sized step temporaries (torch _fused_adamw_ is in place)', () => {
    const at = (optimizer: 'adamw' | 'adamw_torch_fused') =>
      estimatePlan({ ...overPlan, techniques: [{ kind: 'full' }], training: { optimizer } }).techniques[0]!.memory
        .parts;
    const foreach = at('adamw');
    const fused = at('adamw_torch_fused');
    expect(fused.optimizerStates).toBe(foreach.optimizerStates);
    const withStep = estimatePlan({
      ...overPlan,
      techniques: [{ kind: 'full' }],
      training: { optimizer: 'adamw', microBatch: 1, seqLen: 16, gradientCheckpointing: true },
    }).techniques[0]!;
    const fusedStep = estimatePlan({
      ...overPlan,
      techniques: [{ kind: 'full' }],
      training: { optimizer: 'adamw_torch_fused', microBatch: 1, seqLen: 16, gradientCheckpointing: true },
    }).techniques[0]!;
    expect(withStep.memory.peakPhase).toBe('optimizer');
    expect(withStep.memory.parts.optimizerTransients).toBeGreaterThan(0);
    expect(fusedStep.memory.parts.optimizerTransients).toBe(0);
  });
});

describe('new-plan template (issue 14.5)', () => {
  it('follows TRL SFTConfig and transformers defaults, each with its source', () => {
    const plan = newPlanFromTemplate();
    expect(plan.training).toMatchObject({
      gradientCheckpointing: true,
      precision: 'pure_bf16',
      lossKernel: 'chunked',
      learningRate: 2e-5,
      optimizer: 'adamw_torch_fused',
      seqLen: 1024,
      microBatch: 8,
    });
    const training = PLAN_TEMPLATE.training as Record<string, unknown>;
    for (const field of Object.keys(TEMPLATE_SOURCES)) {
      expect(training[field.replace('training.', '')], field).toBeDefined();
      expect(TEMPLATE_SOURCES[field as keyof typeof TEMPLATE_SOURCES].version).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  it('leaves the schema defaults (old files) as they were', () => {
    const old = PlanSchema.parse({ name: 'old', model: phi3 });
    expect(old.training).toMatchObject({
      gradientCheckpointing: false,
      optimizer: 'adamw',
      lossKernel: 'standard',
      learningRate: 2e-4,
    });
  });
});

describe('warnings (issue 14.6)', () => {
  const codes = (plan: PlanInput) => estimatePlan(plan).warnings.map((w) => w.code);

  it('flags a sequence above the model’s context on training.seqLen', () => {
    const w = estimatePlan({ ...overPlan, training: { seqLen: 8192 } }).warnings.find(
      (x) => x.code === 'seq-exceeds-context',
    );
    expect(w).toMatchObject({ field: 'training.seqLen', message: expect.stringMatching(/4,096/) });
    expect(codes({ ...overPlan, training: { seqLen: 4096 } })).not.toContain('seq-exceeds-context');
  });

  it('reads RoPE scaling where the spec carries it (YaRN: original × factor)', () => {
    const spec = { maxPositionEmbeddings: 32_768 } as Parameters<typeof contextLimit>[0];
    expect(contextLimit(spec)).toBe(32_768);
    expect(
      contextLimit({ ...spec, ropeScaling: { type: 'yarn', factor: 4, originalMaxPositionEmbeddings: 32_768 } }),
    ).toBe(131_072);
    expect(contextLimit({ ...spec, ropeScaling: { type: 'longrope', factor: 32 } })).toBe(32_768);
  });

  it('flags a hosted service that does not offer the model', () => {
    const service: PlanInput = { ...overPlan, pricing: { mode: 'service' } };
    expect(codes(service)).not.toContain('service-model-unavailable');
    expect(codes({ ...service, model: { source: 'catalog', id: 'Qwen2.5-7B' } })).toContain(
      'service-model-unavailable',
    );
  });

  it('flags a technique that fits with under 5 % headroom, naming it', () => {
    const base: PlanInput = { ...overPlan, techniques: [{ kind: 'lora' }], training: { gradientCheckpointing: true } };
    const t = estimatePlan(base).techniques[0]!;
    expect(t.fits).toBe(true);
    // A custom GPU whose capacity leaves 3 % spare above this peak, with no reserved headroom.
    const memoryGiB = t.memory.nvidiaSmiBytes / 0.97 / GiB;
    const tight = estimatePlan({
      ...base,
      hardware: {
        gpu: { source: 'custom', name: 'tight', memoryGiB, bf16Tflops: 100, bandwidthGBs: 1000 },
        headroomPct: 0,
      },
    });
    expect(tight.warnings).toContainEqual(expect.objectContaining({ code: 'low-headroom', technique: 0 }));
    expect(codes(base)).not.toContain('low-headroom');
  });
});

describe('CPU-only machine (issue 14.7)', () => {
  const cpu = {
    source: 'custom',
    name: 'CPU only: AMD EPYC (16 cores)',
    memoryGiB: 128,
    bf16Tflops: 1,
    bandwidthGBs: 50,
  } as const;
  it('says the estimate is a rough CPU one', () => {
    expect(deviceKind(cpu)).toBe('cpu');
    expect(deviceKind({ source: 'catalog', id: 'a100-80gb-sxm' })).toBe('gpu');
    const report = estimatePlan({ ...overPlan, hardware: { gpu: cpu } });
    expect(report.device).toEqual({ kind: 'cpu', rough: true });
    expect(report.warnings).toContainEqual(expect.objectContaining({ code: 'cpu-estimate', field: 'hardware.gpu' }));
  });
});
