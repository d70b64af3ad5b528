import { describe, expect, it } from 'vitest';
import { findCatalogModel } from '../../../shared/catalog/models';
import {
  DistributionSchema,
  PlanSchema,
  TechniqueSchema,
  TrainingSchema,
  type PlanInput,
} from '../../../shared/domain/plan';
import { describeArchitecture } from '../../../shared/estimate/architecture';
import { estimatePlan } from '../../../shared/estimate/estimate';
import { memoryAt, memoryProfile } from '../../../shared/estimate/memory';
import { GiB } from '../../../shared/format';
import { techniqueParams } from '../../../shared/estimate/techniques';

const base: PlanInput = {
  name: 't',
  model: { source: 'catalog', id: 'Llama-3.2-3B' },
  techniques: [{ kind: 'full' }],
  // The PEFT benchmark's length-bucketed batches come long to short (electron/cli/reference.ts): group_by_length.
  training: { microBatch: 4, seqLen: 768, precision: 'pure_bf16', samplingStrategy: 'group_by_length' },
  hardware: { gpu: { source: 'catalog', id: 'l40s' } },
};

describe('model states (ZeRO paper, Table 1: Ψ = 7.5 B, N_d = 64, K = 12)', () => {
  const arch = describeArchitecture(findCatalogModel('Llama-3.2-3B')!.spec);
  const technique = TechniqueSchema.parse({ kind: 'full' });
  const params = { ...techniqueParams(arch, technique), trainableParams: 7.5e9, frozenBaseParams: 0 };
  const training = TrainingSchema.parse({ precision: 'mixed', optimizer: 'adamw' });
  const states = (strategy: 'ddp' | 'zero1' | 'zero2' | 'zero3') => {
    const p = memoryProfile(arch, params, technique, training, DistributionSchema.parse({ gpusPerNode: 64, strategy }));
    return (p.trainableWeights + p.gradients + p.optimizerStates) / 1e9;
  };
  it('baseline 120 GB, stage 1 31.4 GB, stage 2 16.6 GB, stage 3 1.9 GB per GPU', () => {
    expect(states('ddp')).toBeCloseTo(120, 6);
    expect(states('zero1')).toBeCloseTo(31.40625, 6);
    expect(states('zero2')).toBeCloseTo(16.640625, 6);
    expect(states('zero3')).toBeCloseTo(1.875, 6);
  });
});

describe('QLoRA storage constants (QLoRA paper §3)', () => {
  const arch = describeArchitecture(findCatalogModel('Phi-3-mini-4k-instruct')!.spec);
  const profileFor = (doubleQuant: boolean) => {
    const t = TechniqueSchema.parse({ kind: 'qlora', doubleQuant });
    return memoryProfile(arch, techniqueParams(arch, t), t, TrainingSchema.parse({}), DistributionSchema.parse({}));
  };
  it('0.5 bit per parameter of constants without double quantization, 0.127 with it', () => {
    expect(profileFor(false).quantizedLinearBytesPerParam! * 8 - 4).toBeCloseTo(0.5, 9);
    expect(profileFor(true).quantizedLinearBytesPerParam! * 8 - 4).toBeCloseTo(0.126953125, 9);
  });
  it('keeps embeddings and the head in 16-bit', () => {
    const p = profileFor(true);
    const linear = 32 * (3072 * 9216 + 3072 * 3072 + 3072 * 16384 + 8192 * 3072);
    const other = arch.totalParams - linear;
    expect(p.frozenWeights).toBeCloseTo(other * 2 + linear * (4.126953125 / 8), 0);
  });
});

describe('peak memory', () => {
  it('matches the PEFT benchmark within 10 % for full fine-tuning and LoRA (reserved counter)', () => {
    const full = estimatePlan(base).techniques[0]!;
    expect(full.memory.reservedBytes / GiB).toBeGreaterThan(36.199 * 0.9);
    expect(full.memory.reservedBytes / GiB).toBeLessThan(36.199 * 1.1);
    const lora = estimatePlan({ ...base, techniques: [{ kind: 'lora', rank: 32, targets: 'qv', dropout: 0 }] })
      .techniques[0]!;
    expect(Math.abs(lora.memory.reservedBytes / GiB / 20.762 - 1)).toBeLessThan(0.1);
  });

  it('reports allocated ≤ reserved ≤ nvidia-smi, and the parts sum to nvidia-smi', () => {
    const t = estimatePlan(base).techniques[0]!;
    expect(t.memory.allocatedBytes).toBeLessThan(t.memory.reservedBytes);
    expect(t.memory.reservedBytes).toBeLessThan(t.memory.nvidiaSmiBytes);
    const sum = Object.values(t.memory.parts).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(t.memory.nvidiaSmiBytes, 0);
  });

  it('full fine-tuning at short context peaks in the optimizer step (foreach temporaries)', () => {
    const t = estimatePlan({
      ...base,
      model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
      training: { microBatch: 1, seqLen: 512 },
    }).techniques[0]!;
    expect(t.memory.peakPhase).toBe('optimizer');
    expect(t.memory.parts.optimizerTransients).toBeGreaterThan(6 * GiB);
  });

  it('LoRA dropout saves the adapted inputs again; chunked cross-entropy removes most of the logits', () => {
    const at = (over: object, training: object = {}) =>
      estimatePlan({
        ...base,
        techniques: [{ kind: 'lora', targets: 'all-linear', ...over }],
        training: { ...base.training, ...training },
      }).techniques[0]!.memory;
    expect(at({ dropout: 0.1 }).allocatedBytes).toBeGreaterThan(at({ dropout: 0 }).allocatedBytes);
    expect(at({}, { lossKernel: 'chunked' }).parts.logits).toBeLessThan(at({}).parts.logits / 5);
  });

  it('gradient checkpointing keeps only layer inputs', () => {
    const on = estimatePlan({ ...base, training: { ...base.training, gradientCheckpointing: true } }).techniques[0]!;
    const off = estimatePlan(base).techniques[0]!;
    expect(on.memory.parts.activations).toBeLessThan(off.memory.parts.activations / 5);
    expect(on.flopsPerToken).toBeGreaterThan(off.flopsPerToken);
  });

  it('CPU offload moves optimizer states to host RAM and reports it', () => {
    const plan = PlanSchema.parse({
      ...base,
      distribution: { strategy: 'zero3', gpusPerNode: 2, offloadOptimizer: 'cpu', offloadParams: 'cpu' },
    });
    const t = estimatePlan(plan).techniques[0]!;
    expect(t.memory.parts.optimizerStates).toBe(0);
    expect(t.memory.parts.trainableWeights).toBe(0);
    expect(t.memory.hostBytes).toBeGreaterThan(3.2e9 * 18);
  });

  it('explains the activation term with this plan’s numbers', () => {
    const e = estimatePlan(base).techniques[0]!.explain.find((x) => x.key === 'memory.activations')!;
    expect(e.substituted).toContain('3,072 tokens × 28 layers');
    expect(e.sources).toContain('hfLlama');
  });

  it('a micro-batch of 1 lets SDPA handle GQA without repeating k and v', () => {
    const arch = describeArchitecture(findCatalogModel('Llama-3.2-3B')!.spec);
    const t = TechniqueSchema.parse({ kind: 'lora' });
    const profile = memoryProfile(
      arch,
      techniqueParams(arch, t),
      t,
      TrainingSchema.parse({}),
      DistributionSchema.parse({}),
    );
    const perToken = (b: number) => memoryAt(profile, b, 1024, true).perTokenLayer.reduce((s, r) => s + r.bytes, 0);
    expect(perToken(1)).toBeLessThan(perToken(2));
  });
});
