/**
 * Issue 19 review fixes in the estimate: GRPO's reference under PEFT (trl/trainer/grpo_trainer.py:987-990), the
 * reference copy in the policy's load dtype (dpo_trainer.py:924, grpo_trainer.py:1001), the reward model's score head
 * (transformers/modeling_layers.py:138), LoRA dropout under disable_dropout (trl/trainer/utils.py:194) and the
 * wording of the objective explanations.
 */
import { describe, expect, it } from 'vitest';
import { PlanSchema, type Plan } from '../../../shared/domain/plan';
import { describeArchitecture } from '../../../shared/estimate/architecture';
import { estimatePlan, planArchitecture, prepareTechnique, resolveModel } from '../../../shared/estimate/estimate';
import { leversFor } from '../../../shared/estimate/levers';
import { resolveGpu } from '../../../shared/estimate/hardware';
import { savedBytesPerTokenPerLayer } from '../../../shared/estimate/memory';
import { disablesDropout, referenceMode, vllmMaxModelLength } from '../../../shared/estimate/objective';

const plan = (objective: object, techniques: object[] = [{ kind: 'lora' }], over: object = {}): Plan =>
  PlanSchema.parse({
    name: 'review',
    model: { source: 'catalog', id: 'Llama-3.1-8B' },
    techniques,
    training: { microBatch: 2, gradAccum: 2, seqLen: 1024, stack: 'trl', gradientCheckpointing: true },
    hardware: { gpu: { source: 'catalog', id: 'a100-80gb-sxm' } },
    objective,
    ...over,
  });
const explain = (p: Plan, key: string, i = 0) => estimatePlan(p).techniques[i]!.explain.find((e) => e.key === key)!;

describe('GRPO reference under PEFT (grpo_trainer.py:987-990: ref_model None for any PEFT model)', () => {
  it('is the adapter-disabled base whatever objective.reference says; full fine-tuning loads a copy', () => {
    for (const reference of ['copy', 'peft_base', 'precomputed'] as const) {
      const o = plan({ kind: 'grpo', beta: 0.04, reference, numGenerations: 4 }).objective;
      expect(referenceMode(o, { kind: 'lora' })).toBe('peft_base');
      expect(referenceMode(o, { kind: 'full' })).toBe('copy');
    }
  });

  it('holds no reference copy in memory, offers no peft-base lever, and says why', () => {
    const p = plan({ kind: 'grpo', beta: 0.04, reference: 'copy', numGenerations: 4 });
    const t = estimatePlan(p).techniques[0]!;
    expect(t.memory.parts.referenceModel).toBe(0);
    expect(leversFor(p, 0).map((l) => l.id)).not.toContain('peft-base-reference');
    const e = explain(p, 'memory.referenceModel');
    expect(e.note).toMatch(/_generate_and_score_completions/);
    expect(e.note).toMatch(/whatever objective\.reference \("copy"\)/);
    expect(e.note).not.toMatch(/after the policy forward/);
  });
});

describe('reference copy in the policy load dtype (dpo_trainer.py:924 setdefault("dtype", self.model.dtype))', () => {
  const arch = describeArchitecture(resolveModel(plan({ kind: 'dpo' })));
  it('full fine-tuning under mixed precision (fp32 load, no DeepSpeed) sizes the copy at 4 B per parameter', () => {
    const p = plan({ kind: 'dpo', reference: 'copy' }, [{ kind: 'full' }], {
      training: { microBatch: 1, gradAccum: 2, seqLen: 512, stack: 'trl', precision: 'mixed' },
    });
    const prepared = prepareTechnique(p, arch, p.techniques[0]!, 0);
    expect(prepared.profile.referenceWeights).toBe(arch.totalParams * 4);
    const e = explain(p, 'memory.referenceModel');
    expect(e.substituted).toContain(`${arch.totalParams.toLocaleString('en-US')} × 4 B = `);
  });

  it('pure bf16 stays at 2 B; the text multiplies out', () => {
    const p = plan({ kind: 'dpo', reference: 'copy' }, [{ kind: 'lora' }]);
    const prepared = prepareTechnique(p, arch, p.techniques[0]!, 0);
    expect(prepared.profile.referenceWeights).toBe(arch.totalParams * 2);
  });

  it('QLoRA: quantized linear weights plus the 16-bit rest, and "N × B" adds up to the GiB shown', () => {
    const p = plan({ kind: 'dpo', reference: 'copy' }, [{ kind: 'qlora' }]);
    const prepared = prepareTechnique(p, arch, p.techniques[0]!, 0);
    const terms = prepared.profile.referenceTerms;
    expect(terms).toHaveLength(2);
    expect(prepared.profile.referenceWeights).toBeCloseTo(
      terms.reduce((s, t) => s + t.params * t.bytes, 0),
      0,
    );
    const text = explain(p, 'memory.referenceModel').substituted;
    // Every "params × bytes B" product in the text, summed, is the GiB figure that follows them.
    const m = /^\((.*)\) = ([\d.]+) GiB/.exec(text)!;
    const sum = m[1]!
      .split(' + ')
      .map((x) => /([\d,]+) × ([\d.]+) B/.exec(x)!)
      .reduce((s, x) => s + Number(x[1]!.replace(/,/g, '')) * Number(x[2]), 0);
    expect(sum / 2 ** 30).toBeCloseTo(Number(m[2]), 1);
  });
});

describe('reward model: score head h × 1, no LM head (modeling_layers.py:138 GenericForSequenceClassification)', () => {
  const h = 4096;
  const V = 128_256;
  it('counts h × 1 instead of the untied V·h head, in parameters and FLOPs', () => {
    const sft = plan({ kind: 'sft' }, [{ kind: 'full' }]);
    const rm = plan({ kind: 'reward' }, [{ kind: 'full' }]);
    const a = planArchitecture(sft);
    const b = planArchitecture(rm);
    expect(b.totalParams).toBe(a.totalParams - V * h + h);
    expect(b.matmulParamsPerToken).toBe(a.matmulParamsPerToken - V * h + h);
    const ea = estimatePlan(sft).techniques[0]!;
    const eb = estimatePlan(rm).techniques[0]!;
    expect(eb.totalParams).toBe(a.totalParams - V * h + h);
    expect(eb.trainableParams).toBe(ea.trainableParams - V * h + h);
    expect(ea.flopsPerToken - eb.flopsPerToken).toBeGreaterThan(6 * (V * h - h) * 0.99);
  });

  it('tied embeddings: nothing leaves storage, the head matmul does', () => {
    const p = (kind: string) =>
      PlanSchema.parse({ ...plan({ kind }), model: { source: 'catalog', id: 'Llama-3.2-1B' } });
    const a = planArchitecture(p('sft'));
    const b = planArchitecture(p('reward'));
    expect(a.lmHeadParams).toBe(0);
    expect(b.totalParams).toBe(a.totalParams + a.spec.hiddenSize);
    expect(b.matmulParamsPerToken).toBe(
      a.matmulParamsPerToken - a.spec.vocabSize * a.spec.hiddenSize + a.spec.hiddenSize,
    );
  });

  it('the logits explanation shows one score per token, no vocabulary', () => {
    const e = explain(plan({ kind: 'reward' }, [{ kind: 'full' }]), 'memory.logits');
    expect(e.substituted).toMatch(/× 1 score/);
    expect(e.substituted).not.toContain(V.toLocaleString('en-US'));
  });
});

describe('LoRA dropout under disable_dropout (dpo_config.py:185 … ; utils.py:194 sets p = 0)', () => {
  it('no dropout mask for DPO / IPO / KTO / reward / ORPO / SimPO; GRPO and SFT keep it', () => {
    expect(['dpo', 'ipo', 'kto', 'reward', 'orpo', 'simpo'].every((k) => disablesDropout(k as never))).toBe(true);
    expect(disablesDropout('grpo')).toBe(false);
    expect(disablesDropout('sft')).toBe(false);
    const perToken = (kind: string, dropout: number) => {
      const p = plan(kind === 'grpo' ? { kind, numGenerations: 4 } : { kind }, [{ kind: 'lora', dropout }]);
      const arch = planArchitecture(p);
      return savedBytesPerTokenPerLayer(prepareTechnique(p, arch, p.techniques[0]!, 0).profile, 2, 1);
    };
    expect(perToken('dpo', 0.05)).toBe(perToken('dpo', 0));
    expect(perToken('orpo', 0.05)).toBe(perToken('orpo', 0));
    expect(perToken('sft', 0.05)).toBeGreaterThan(perToken('sft', 0));
    expect(perToken('grpo', 0.05)).toBeGreaterThan(perToken('grpo', 0));
  });
});

describe('GRPO vLLM context (grpo_config.py:664 vllm_max_model_length)', () => {
  it('is prompt + completion; the lower-utilization lever keeps room for one such sequence', () => {
    const o = plan({ kind: 'grpo', promptTokens: 256, completionTokens: 768, numGenerations: 4 }).objective;
    expect(vllmMaxModelLength(o)).toBe(1024);
    // A plan that does not fit, so memory levers are offered.
    const p = plan(
      { kind: 'grpo', promptTokens: 256, completionTokens: 768, vllmGpuMemoryUtilization: 0.9, numGenerations: 4 },
      [{ kind: 'full' }],
    );
    const arch = planArchitecture(p);
    const g = prepareTechnique(p, arch, p.techniques[0]!, 0).profile.generation;
    for (const l of leversFor(p, 0).filter((x) => x.id === 'lower-vllm-memory')) {
      const u = (l.patch as { objective: { vllmGpuMemoryUtilization: number } }).objective.vllmGpuMemoryUtilization;
      expect(u * resolveGpu(p.hardware.gpu).memoryBytes - g.vllmWeightsBytes).toBeGreaterThan(1024 * g.kvBytesPerToken);
    }
  });

  it('the generation explanation says when the weight-sync buffer counts', () => {
    const p = plan({ kind: 'grpo', vllmGpuMemoryUtilization: 0.3, numGenerations: 4 });
    const e = explain(p, 'memory.generation');
    expect(e.note).toMatch(/weight-sync buffer .* exists only while the weights are loaded into vLLM/);
    expect(e.note).toMatch(/context window is prompt \+ completion = /);
    const t = estimatePlan(p).techniques[0]!;
    if (t.memory.peakPhase !== 'generation') expect(e.substituted).not.toMatch(/weight-sync/);
  });
});
