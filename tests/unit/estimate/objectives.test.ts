import { describe, expect, it } from 'vitest';
import { findCatalogModel } from '../../../shared/catalog/models';
import { PlanSchema, type PlanInput } from '../../../shared/domain/plan';
import { describeArchitecture } from '../../../shared/estimate/architecture';
import { estimatePlan } from '../../../shared/estimate/estimate';
import { leversFor } from '../../../shared/estimate/levers';
import { objectiveAt } from '../../../shared/estimate/memory';
import { prepareTechnique } from '../../../shared/estimate/estimate';
import { kvBytesPerToken, referenceMode } from '../../../shared/estimate/objective';
import { recommend } from '../../../shared/estimate/recommend';

const base: PlanInput = {
  name: 'objectives',
  model: { source: 'catalog', id: 'Llama-3.1-8B' },
  techniques: [{ kind: 'full' }],
  training: { microBatch: 2, gradAccum: 4, seqLen: 1024, precision: 'pure_bf16', stack: 'trl' },
  data: { examples: 10_000, meanTokensPerExample: 600 },
  hardware: { gpu: { source: 'catalog', id: 'h100-sxm' } },
};
const plan = (over: Partial<PlanInput> & { objective?: PlanInput['objective'] }) => ({ ...base, ...over });
const one = (p: PlanInput) => estimatePlan(p).techniques[0]!;

describe('known answers from the sources', () => {
  const arch = describeArchitecture(findCatalogModel('Llama-3.1-8B')!.spec);

  it('KV-cache bytes per token = 2 · layers · kv_heads · head_dim · 2 B: Llama-3.1-8B 131,072 B', () => {
    expect(kvBytesPerToken(arch, 2)).toBe(2 * 32 * 8 * 128 * 2);
    expect(kvBytesPerToken(arch, 2)).toBe(131_072);
  });

  it('a reference copy weighs parameters × dtype bytes (bf16: 2 B each), whole on one GPU, ÷ N under ZeRO-3', () => {
    const dpo = one(plan({ objective: { kind: 'dpo', reference: 'copy' } }));
    expect(dpo.memory.parts.referenceModel).toBeGreaterThanOrEqual(arch.totalParams * 2);
    const p = PlanSchema.parse(
      plan({
        objective: { kind: 'dpo', reference: 'copy' },
        distribution: { strategy: 'zero3', gpusPerNode: 8 },
      }),
    );
    const prepared = prepareTechnique(p, arch, p.techniques[0]!, 0);
    expect(prepared.profile.referenceWeights).toBeCloseTo((arch.totalParams * 2) / 8, 0);
  });

  it("TRL's concatenated batch: a DPO micro-batch of b pairs is 2b sequences (activations of SFT at 2b)", () => {
    const sft2b = one(plan({ training: { ...base.training, microBatch: 4 } }));
    const dpo = one(plan({ objective: { kind: 'dpo', reference: 'precomputed' } }));
    // With a precomputed reference nothing else differs: the policy's saved activations equal SFT's at 2b.
    expect(dpo.memory.parts.activations).toBeCloseTo(sft2b.memory.parts.activations, -3);
  });

  it('the precomputed reference costs a one-off forward pass, reported as reference time', () => {
    const pre = one(plan({ objective: { kind: 'dpo', reference: 'precomputed' } }));
    expect(pre.phases.referenceSeconds).toBeGreaterThan(0);
    expect(pre.phases.generationSeconds).toBe(0);
    expect(pre.phases.updateSeconds + pre.phases.referenceSeconds).toBeCloseTo(pre.wallSeconds, 6);
  });
});

describe('properties', () => {
  it('DPO with a reference copy needs at least the memory of SFT', () => {
    for (const kind of ['full', 'lora', 'qlora'] as const) {
      const techniques = [{ kind }];
      const sft = one(plan({ techniques }));
      const dpo = one(plan({ techniques, objective: { kind: 'dpo', reference: 'copy' } }));
      expect(dpo.memory.allocatedBytes, kind).toBeGreaterThan(sft.memory.allocatedBytes);
      expect(dpo.wallSeconds, kind).toBeGreaterThan(sft.wallSeconds);
    }
  });

  it('precomputed ≤ PEFT base ≤ copy in memory; the PEFT base holds no reference weights', () => {
    const techniques = [{ kind: 'lora' as const }];
    const at = (reference: 'copy' | 'peft_base' | 'precomputed') =>
      one(plan({ techniques, objective: { kind: 'dpo', reference } }));
    const copy = at('copy');
    const peft = at('peft_base');
    const pre = at('precomputed');
    expect(pre.memory.allocatedBytes).toBeLessThanOrEqual(peft.memory.allocatedBytes);
    expect(peft.memory.allocatedBytes).toBeLessThan(copy.memory.allocatedBytes);
    expect(copy.memory.allocatedBytes - peft.memory.allocatedBytes).toBeGreaterThan(15e9); // ≈ 8 B params × 2 B
    expect(pre.phases.referenceSeconds).toBeLessThan(peft.phases.referenceSeconds);
  });

  it('the PEFT base cannot be the reference of full fine-tuning: TRL loads a copy', () => {
    expect(
      referenceMode(PlanSchema.parse(plan({ objective: { kind: 'dpo', reference: 'peft_base' } })).objective, {
        kind: 'full',
      }),
    ).toBe('copy');
    const r = estimatePlan(plan({ objective: { kind: 'dpo', reference: 'peft_base' } }));
    expect(r.warnings.map((w) => w.code)).toContain('reference-peft-base-full');
  });

  it('ORPO, SimPO and reward modelling keep no reference; the reward model builds no vocabulary logits', () => {
    for (const kind of ['orpo', 'simpo', 'reward'] as const) {
      const e = one(plan({ techniques: [{ kind: 'lora' }], objective: { kind } }));
      expect(e.memory.parts.referenceModel, kind).toBe(0);
      expect(e.phases.referenceSeconds, kind).toBe(0);
    }
    const reward = one(plan({ techniques: [{ kind: 'lora' }], objective: { kind: 'reward' } }));
    const orpo = one(plan({ techniques: [{ kind: 'lora' }], objective: { kind: 'orpo' } }));
    expect(reward.memory.parts.logits).toBeLessThan(orpo.memory.parts.logits / 100);
  });

  it('GRPO transformers generate: the KV cache grows linearly with generations × completion length', () => {
    const kvAt = (numGenerations: number, completionTokens: number) => {
      const p = PlanSchema.parse(
        plan({
          techniques: [{ kind: 'lora' }],
          training: { ...base.training, microBatch: 8, gradAccum: 2 },
          objective: { kind: 'grpo', generation: 'transformers', numGenerations, completionTokens, promptTokens: 256 },
        }),
      );
      const arch = describeArchitecture(findCatalogModel('Llama-3.1-8B')!.spec);
      const prof = prepareTechnique(p, arch, p.techniques[0]!, 0).profile;
      // The generation batch is micro-batch × accumulation sequences of prompt + completion tokens.
      return objectiveAt(prof, 8, 256 + completionTokens).generateKvBytes;
    };
    const kv = kvBytesPerToken(describeArchitecture(findCatalogModel('Llama-3.1-8B')!.spec), 2);
    expect(kvAt(8, 512)).toBe(16 * (256 + 512) * kv);
    expect(kvAt(8, 1280) - kvAt(8, 512)).toBe(16 * 768 * kv); // linear in completion length
    // More generations per prompt at the same batch: the same sequences are generated (TRL repeats each prompt);
    // the memory follows the batch, the rows per epoch follow the generations.
    expect(kvAt(16, 512)).toBe(kvAt(8, 512));
  });

  it('GRPO vLLM colocate takes gpu_memory_utilization × GPU memory; sleep mode never raises the peak', () => {
    const grpo = (vllmSleepMode: boolean, util = 0.3) =>
      one(
        plan({
          techniques: [{ kind: 'lora' }],
          training: { ...base.training, microBatch: 4, gradAccum: 4 },
          objective: { kind: 'grpo', generation: 'vllm_colocate', vllmGpuMemoryUtilization: util, vllmSleepMode },
        }),
      );
    const awake = grpo(false);
    const asleep = grpo(true);
    expect(awake.memory.parts.generation).toBeGreaterThanOrEqual(0.3 * awake.fit.capacityBytes);
    expect(asleep.memory.allocatedBytes).toBeLessThanOrEqual(awake.memory.allocatedBytes);
    expect(grpo(false, 0.2).memory.allocatedBytes).toBeLessThan(awake.memory.allocatedBytes);
    expect(awake.phases.generationSeconds).toBeGreaterThan(0);
    expect(awake.phases.generationSeconds + awake.phases.referenceSeconds + awake.phases.updateSeconds).toBeCloseTo(
      awake.wallSeconds,
      6,
    );
  });

  it('GRPO β > 0 loads a reference; β = 0 (the default) does not', () => {
    const at = (beta: number | null) =>
      one(plan({ training: { ...base.training, microBatch: 4 }, objective: { kind: 'grpo', beta } }));
    expect(at(null).memory.parts.referenceModel).toBe(0);
    expect(at(0.04).memory.parts.referenceModel).toBeGreaterThan(15e9);
    expect(at(0.04).phases.referenceSeconds).toBeGreaterThan(0);
  });

  it('GRPO server mode bills the generation GPUs and keeps vLLM off the training GPUs', () => {
    const server = one(
      plan({
        techniques: [{ kind: 'lora' }],
        objective: { kind: 'grpo', generation: 'vllm_server', vllmServerGpus: 2 },
      }),
    );
    const colocate = one(plan({ techniques: [{ kind: 'lora' }], objective: { kind: 'grpo' } }));
    expect(server.gpuHours).toBeCloseTo((server.wallSeconds / 3600) * 3, 6);
    expect(server.memory.parts.generation).toBeLessThan(colocate.memory.parts.generation);
    expect(server.notes.join(' ')).toMatch(/generation GPUs/);
  });

  it('SFT plans report no reference, no generation and the whole run as update time', () => {
    const sft = one(base);
    expect(sft.objective).toBe('sft');
    expect(sft.memory.parts.referenceModel).toBe(0);
    expect(sft.memory.parts.generation).toBe(0);
    expect(sft.phases).toEqual({ generationSeconds: 0, referenceSeconds: 0, updateSeconds: sft.wallSeconds });
  });
});

describe('levers and recommendation', () => {
  it('a DPO copy that does not fit offers the PEFT base and precomputed log-probs, each with its saving', () => {
    const p = plan({
      techniques: [{ kind: 'lora' }],
      hardware: { gpu: { source: 'catalog', id: 'l40s' } },
      objective: { kind: 'dpo', reference: 'copy' },
      training: { ...base.training, microBatch: 8 },
    });
    const before = one(p);
    const ids = leversFor(p, 0);
    const pre = ids.find((l) => l.id === 'precompute-reference');
    const peft = ids.find((l) => l.id === 'peft-base-reference');
    expect(pre).toBeDefined();
    expect(peft).toBeDefined();
    expect(pre!.nvidiaSmiBytesAfter).toBeLessThan(before.memory.nvidiaSmiBytes);
    expect(peft!.nvidiaSmiBytesAfter).toBeLessThan(before.memory.nvidiaSmiBytes);
    // Not offered where it cannot apply: full fine-tuning has no PEFT base.
    const full = leversFor({ ...p, techniques: [{ kind: 'full' }] }, 0);
    expect(full.some((l) => l.id === 'peft-base-reference')).toBe(false);
  });

  it('GRPO colocate levers: lower gpu_memory_utilization, sleep mode, fewer generations (dividing the batch)', () => {
    const p = plan({
      model: { source: 'catalog', id: 'Llama-3.1-8B' },
      techniques: [{ kind: 'full' }],
      training: { ...base.training, microBatch: 4, gradAccum: 4 },
      hardware: { gpu: { source: 'catalog', id: 'h100-sxm' } },
      objective: { kind: 'grpo', numGenerations: 8, vllmGpuMemoryUtilization: 0.5 },
    });
    const levers = leversFor(p, 0);
    const ids = levers.map((l) => l.id);
    expect(ids).toContain('lower-vllm-memory');
    expect(ids).toContain('vllm-sleep-mode');
    const fewer = levers.find((l) => l.id === 'fewer-generations');
    if (fewer) {
      const g = (fewer.patch as { objective: { numGenerations: number } }).objective.numGenerations;
      expect(16 % g).toBe(0);
    }
  });

  it('recommendation keeps the GRPO generation batch divisible by num_generations', () => {
    const p = plan({
      techniques: [{ kind: 'lora' }],
      training: { ...base.training, microBatch: 4, gradAccum: 2 },
      objective: { kind: 'grpo', numGenerations: 8 },
      goals: { maxGpus: 8 },
    });
    const rec = recommend(p);
    expect(rec.ranked.length).toBeGreaterThan(0);
    for (const o of rec.ranked) expect((o.microBatch * o.gradAccum * o.gpus) % 8).toBe(0);
  });
});
