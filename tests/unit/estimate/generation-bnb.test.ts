/**
 * GRPO generation with a bitsandbytes 4-bit base in vLLM (TRL passes quantization="bitsandbytes" for a 4-bit policy:
 * trl/generation/vllm_generation.py): bitsandbytes 0.50 runs its fused 4-bit kernel for at most 4 rows
 * (backends/cuda/ops.py _GEMM_4BIT_CUSTOM_FLOOR_M) and otherwise dequantizes to 16 bits and calls F.linear
 * (autograd/_functions.py matmul_4bit). A batched decode step then moves the packed weights plus the 16-bit ones
 * written and read: slower than a 16-bit base, not four times faster.
 */
import { describe, expect, it } from 'vitest';
import type { PlanInput } from '../../../shared/domain/plan';
import { estimatePlan } from '../../../shared/estimate/estimate';

const grpo = (microBatch: number, numGenerations: number): PlanInput => ({
  name: 'bnb decode',
  model: { source: 'catalog', id: 'Llama-3.1-8B' },
  techniques: [{ kind: 'lora' }, { kind: 'qlora' }],
  training: { microBatch, gradAccum: 1, seqLen: 1024, stack: 'trl' },
  data: { examples: 1_000, meanTokensPerExample: 600 },
  hardware: { gpu: { source: 'catalog', id: 'h100-sxm' } },
  objective: { kind: 'grpo', generation: 'vllm_colocate', numGenerations, promptTokens: 256, completionTokens: 256 },
});

describe('vLLM decode over a bitsandbytes 4-bit base', () => {
  it('a batched decode (more than 4 sequences) is slower than over the 16-bit base: dequantize + linear', () => {
    const [lora, qlora] = estimatePlan(grpo(16, 8)).techniques;
    expect(qlora!.phases.generationSeconds).toBeGreaterThan(lora!.phases.generationSeconds);
  });

  it('up to 4 sequences the fused kernel reads the packed weights only: faster than the 16-bit base', () => {
    const [lora, qlora] = estimatePlan(grpo(2, 2)).techniques;
    expect(qlora!.phases.generationSeconds).toBeLessThan(lora!.phases.generationSeconds);
  });
});

describe('the explanation names the dequantized copy', () => {
  it('the generation line adds the 16-bit copy and says why, only when bitsandbytes dequantizes', () => {
    const [lora, qlora] = estimatePlan(grpo(16, 8)).techniques;
    const text = (t: typeof lora) => JSON.stringify(t!.explain.find((e) => e.key === 'memory.generation'));
    expect(text(qlora)).toMatch(/16-bit dequantized copy \d/);
    expect(text(qlora)).toContain('_GEMM_4BIT_CUSTOM_FLOOR_M');
    expect(text(lora)).not.toContain('dequantized copy');
  });
});
