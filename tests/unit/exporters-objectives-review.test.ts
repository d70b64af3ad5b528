/**
 * Issue 19 review fixes in the exports: vLLM's context window for GRPO (trl/trainer/grpo_config.py:664,
 * axolotl schemas/vllm.py max_model_len), LLaMA-Factory's full-logits preference trainers (src/llamafactory/train/dpo/
 * trainer.py concatenated_forward), axolotl's adapter reference (src/axolotl/train.py setup_reference_model) and
 * disable_dropout left at TRL's defaults.
 */
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PlanSchema, type Plan } from '../../shared/domain/plan';
import { newPlanFromTemplate } from '../../shared/domain/plan-template';
import { estimatePlan } from '../../shared/estimate/estimate';
import { gib } from '../../shared/format';
import { frameworkContext } from '../../shared/exporters/framework-context';
import { exportFiles, type ExportFormat } from '../../shared/exporters/training';

const plan = (objective: object, technique: object = { kind: 'lora', rank: 8 }, training: object = {}): Plan => {
  const t = newPlanFromTemplate();
  return PlanSchema.parse({
    ...t,
    model: { source: 'catalog', id: 'Llama-3.1-8B' },
    techniques: [technique],
    training: { ...t.training, precision: 'pure_bf16', microBatch: 4, gradAccum: 2, seqLen: 1024, ...training },
    hardware: { gpu: { source: 'catalog', id: 'a100-80gb-sxm' } },
    objective,
  });
};
const file = (p: Plan, f: ExportFormat, name: string) => exportFiles(p, f, 0, 't').find((x) => x.path === name);
interface Cfg {
  vllm: { max_model_len?: number };
  rl_adapter_ref_model?: unknown;
}
const yamlOf = (p: Plan, f: ExportFormat, name: string) => parseYaml(file(p, f, name)!.content) as Cfg;
const refusal = (p: Plan, f: ExportFormat) =>
  exportFiles(p, f, 0, 't').find((x) => x.path.endsWith('-NOT-SUPPORTED.md'))?.content ?? null;

describe('GRPO with vLLM: the context window is prompt + completion (grpo_config.py:664 vllm_max_model_length)', () => {
  const grpo = (over: object = {}) =>
    plan({ kind: 'grpo', promptTokens: 256, completionTokens: 768, numGenerations: 8, ...over });

  it('the TRL script sets vllm_max_model_length in colocate mode', () => {
    const s = file(grpo({ generation: 'vllm_colocate' }), 'hf', 'train.py')!.content;
    expect(s).toMatch(/^ {8}vllm_max_model_length=1024,/m);
    expect(file(grpo({ generation: 'transformers' }), 'hf', 'train.py')!.content).not.toContain('vllm_max_model');
  });

  it('the README starts trl vllm-serve with --max-model-len in server mode', () => {
    const readme = file(grpo({ generation: 'vllm_server', vllmServerGpus: 1 }), 'hf', 'README.md')!.content;
    expect(readme).toMatch(/trl vllm-serve .*--max-model-len 1024/);
  });

  it('axolotl writes vllm.max_model_len (schemas/vllm.py VllmConfig.max_model_len)', () => {
    const ok = grpo({ generation: 'vllm_colocate', vllmGpuMemoryUtilization: 0.5 });
    expect(yamlOf(ok, 'axolotl', 'axolotl_config.yaml').vllm.max_model_len).toBe(1024);
    const server = grpo({ generation: 'vllm_server', vllmServerGpus: 1 });
    expect(yamlOf(server, 'axolotl', 'axolotl_config.yaml').vllm.max_model_len).toBe(1024);
  });

  it('axolotl colocate refuses when vLLM cannot hold one full-context sequence (the key is not passed on)', () => {
    // Llama-3.1-8B: 131,072 tokens × 131,072 B = 16 GiB of KV; 0.3 × 80 GiB − 15 GiB of weights leaves about 9.
    const why = refusal(grpo({ generation: 'vllm_colocate', vllmGpuMemoryUtilization: 0.3 }), 'axolotl');
    expect(why).toMatch(/131,072 tokens/);
    expect(why).toMatch(/vllm_max_model_length/);
  });
});

describe('LLaMA-Factory preference stages compute the full logits (CustomDPOTrainer.concatenated_forward)', () => {
  it('the header peak of a DPO export is the TRL one plus the logits', () => {
    const p = plan({ kind: 'dpo', reference: 'peft_base' }, { kind: 'lora', rank: 8 }, { gradientCheckpointing: true });
    const trl = estimatePlan(p).techniques[0]!;
    const lf = frameworkContext(p, 0, 't', 'llama-factory').estimate;
    // 2 × 4 sequences × the padded length × 128,256 vocabulary entries × at least 8 B (fp32 logits and log-softmax).
    const logits = 2 * 4 * lf.memory.peakSeqLen * 128_256 * 8;
    expect(lf.memory.parts.logits).toBeGreaterThan(logits);
    expect(trl.memory.parts.logits).toBeLessThan(logits / 10);
    expect(lf.memory.reservedBytes - trl.memory.reservedBytes).toBeGreaterThan(logits);
    const header = file(p, 'llama-factory', 'llamafactory_config.yaml')!.content;
    expect(header).toContain(`peak ${gib(lf.memory.reservedBytes)} per GPU`);
    expect(header).not.toContain(`peak ${gib(trl.memory.reservedBytes)} per GPU`);
    // The TRL export keeps the fused head's estimate.
    expect(frameworkContext(p, 0, 't', 'axolotl').estimate.memory.reservedBytes).toBe(trl.memory.reservedBytes);
  });
});

describe('axolotl DPO / KTO with an adapter (src/axolotl/train.py setup_reference_model)', () => {
  it('estimates the adapter-disabled reference axolotl runs, and says so; no rl_adapter_ref_model key', () => {
    for (const kind of ['dpo', 'kto'] as const) {
      const copy = plan({ kind, reference: 'copy' });
      const base = plan({ kind, reference: 'peft_base' });
      const ctx = frameworkContext(copy, 0, 't', 'axolotl');
      expect(ctx.estimate.memory.parts.referenceModel).toBe(
        estimatePlan(base).techniques[0]!.memory.parts.referenceModel,
      );
      expect(estimatePlan(copy).techniques[0]!.memory.parts.referenceModel).toBeGreaterThan(15e9);
      const cfg = file(copy, 'axolotl', 'axolotl_config.yaml')!.content;
      expect(cfg).toMatch(/REFERENCE: axolotl uses the base with the adapter disabled/);
      expect(yamlOf(copy, 'axolotl', 'axolotl_config.yaml').rl_adapter_ref_model).toBeUndefined();
      expect(file(base, 'axolotl', 'axolotl_config.yaml')!.content).not.toMatch(/REFERENCE:/);
    }
  });
});

describe('disable_dropout stays at the TRL defaults the estimate assumes (True for DPO…, False for GRPO)', () => {
  it.each(['dpo', 'ipo', 'kto', 'orpo', 'simpo', 'reward', 'grpo'] as const)('%s: not written', (kind) => {
    const s = file(plan({ kind, numGenerations: 8 }), 'hf', 'train.py')!.content;
    expect(s).not.toContain('disable_dropout');
  });
});
