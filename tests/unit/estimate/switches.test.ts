/**
 * Issue 15: training switches, padded batches, QLoRA run-time buffers, ranges and three-state fit — known answers
 * derived from the mechanisms cited in shared/estimate/memory.ts (torchtune, PyTorch, bitsandbytes source).
 */
import { describe, expect, it } from 'vitest';
import { CATALOG_MODELS } from '../../../shared/catalog/models';
import type { PlanInput } from '../../../shared/domain/plan';
import { estimatePlan } from '../../../shared/estimate/estimate';
import { peakSequence, fitStateFor } from '../../../shared/estimate/ranges';

const llama = CATALOG_MODELS.find((m) => m.spec.hfId === 'meta-llama/Llama-3.2-3B')!;
const V = 128_256;
const h = 3072;
const I = 8192;
const L = 28;

function est(
  training: PlanInput['training'],
  extra: Partial<PlanInput> = {},
  technique: PlanInput['techniques'] = [{ kind: 'full' }],
) {
  return estimatePlan({
    name: 't',
    model: { source: 'catalog', id: llama.id },
    techniques: technique,
    training: { precision: 'pure_bf16', microBatch: 2, seqLen: 4096, packing: true, ...training },
    hardware: { gpu: { source: 'catalog', id: 'a100-80gb-sxm' } },
    ...extra,
  }).techniques[0]!;
}
const saved = (t: ReturnType<typeof est>) => t.explain.find((e) => e.key === 'memory.activations')!;

describe('torch.compile (min-cut partitioner recomputes fused element-wise ops)', () => {
  it('saves 2·(4h − 2h) + 2·2h bytes of RMSNorm tensors and one I-wide SwiGLU tensor per token per layer fewer', () => {
    const eager = est({ stack: 'torchtune' });
    const compiled = est({ stack: 'torchtune', compile: true });
    const tokens = 2 * 4096;
    // per layer: 2 norms × (4h+4 → 2h+4), the 2 normalized products x·rsqrt the weight gradients read (2h each:
    // rebuilt from the saved input and rsqrt, torch/_functorch/partitioners.py `is_materialized_backwards`) and
    // 3·2·I → 2·2·I. torchtune compiles the decoder layers alone (torchtune/training/_compile.py `compile_model`), so
    // its final norm keeps the fp32 upcast.
    const perTokenLayer = 2 * (4 * h - 2 * h) + 2 * 2 * h + 2 * I;
    const expectedDrop = tokens * L * perTokenLayer;
    const activationsDrop = eager.memory.parts.activations - compiled.memory.parts.activations;
    expect(activationsDrop).toBeCloseTo(expectedDrop, -3);
    expect(saved(compiled).sources).toContain('torchCompilePartitioner');
  });
});

describe('optimizer step in backward (torchtune optimizer_in_bwd)', () => {
  it('keeps only the largest parameter gradient (tied embedding V·h) and its own step temporaries', () => {
    const opts = { stack: 'torchtune' as const, gradientCheckpointing: true, lossKernel: 'chunked' as const };
    const t = est({ ...opts, optimizerInBackward: true });
    const without = est(opts);
    expect(without.memory.peakPhase).toBe('optimizer');
    expect(without.memory.parts.gradients).toBe(3_212_749_824 * 2);
    // The step of the largest parameter: its gradient and one state-sized foreach temporary, nothing else.
    const step = t.explain.find((e) => e.key === 'memory.gradients')!;
    expect(step.note).toMatch(/only the largest one/);
    expect(t.memory.allocatedBytes).toBeLessThan(without.memory.allocatedBytes);
    expect(without.memory.allocatedBytes - t.memory.allocatedBytes).toBeGreaterThanOrEqual(
      (3_212_749_824 - V * h) * 2 * 2 - 2 * 4096 * 2 * 10 * V,
    );
  });
});

describe('activation offloading (torchtune OffloadActivations)', () => {
  it('moves the checkpointed layer inputs to pinned host RAM, keeping about two layers on the GPU', () => {
    const on = est({ stack: 'torchtune', gradientCheckpointing: true, activationOffload: true });
    const off = est({ stack: 'torchtune', gradientCheckpointing: true });
    const offloaded = 2 * 4096 * (L - 2) * h * 2;
    expect(off.memory.parts.activations - on.memory.parts.activations).toBe(offloaded);
    expect(on.memory.hostBytes - off.memory.hostBytes).toBe(offloaded);
    expect(saved(on).note).toMatch(/pinned host RAM/);
  });
});

describe('QLoRA run-time buffer (bitsandbytes MatMul4Bit dequantizes to the compute dtype)', () => {
  it('adds the largest linear weight in bf16 to the forward and backward peaks', () => {
    const q = est({ packing: true }, {}, [{ kind: 'qlora', rank: 16 }]);
    const frozen = q.explain.find((e) => e.key === 'memory.frozenWeights')!;
    expect(frozen.note).toMatch(/dequantized/);
    expect(frozen.sources).toContain('bnbDequant');
    // gate_proj / up_proj / down_proj: 3072 × 8192 × 2 B
    expect(frozen.note).toContain(`${((h * I * 2) / 2 ** 30).toFixed(2)} GiB`);
  });
});

describe('padded batches: the peak is the batch holding the longest example', () => {
  it('sizes the peak at the longest example when known, at the full length (low end: the mean) when not', () => {
    const base = { training: { seqLen: 4096, packing: false }, data: { mode: 'examples' as const } };
    expect(
      peakSequence({
        training: { ...est({}).memory, ...base.training } as never,
        data: { mode: 'examples', meanTokensPerExample: 300, maxTokensPerExample: 1200 } as never,
      }),
    ).toEqual({ expected: 1200, low: 1200, high: 1200, known: true });
    const known = est({ packing: false }, { data: { meanTokensPerExample: 300, maxTokensPerExample: 1200 } });
    const unknown = est({ packing: false }, { data: { meanTokensPerExample: 300 } });
    expect(known.memory.peakSeqLen).toBe(1200);
    expect(unknown.memory.peakSeqLen).toBe(4096);
    expect(unknown.memory.low.allocatedBytes).toBeLessThan(known.memory.allocatedBytes);
    expect(known.paddingWastePercent).toBeGreaterThan(0);
    expect(est({ packing: true }).paddingWastePercent).toBe(0);
  });
});

describe('ranges and three-state fit', () => {
  it('gives low ≤ expected ≤ high for every counter and for wall time', () => {
    for (const t of [est({}), est({ gradientCheckpointing: true }, {}, [{ kind: 'lora' }])]) {
      for (const k of ['allocatedBytes', 'activeBytes', 'reservedBytes', 'nvidiaSmiBytes', 'hostBytes'] as const) {
        expect(t.memory.low[k]).toBeLessThanOrEqual(t.memory[k]);
        expect(t.memory.high[k]).toBeGreaterThanOrEqual(t.memory[k]);
      }
      expect(t.memory.activeBytes).toBe(t.memory.allocatedBytes);
      expect(t.wallSecondsLow).toBeLessThan(t.wallSeconds);
      expect(t.wallSecondsHigh).toBeGreaterThan(t.wallSeconds);
    }
  });

  it('fits / may not fit / does not fit', () => {
    expect(fitStateFor(10, 12, 20)).toBe('fits');
    expect(fitStateFor(10, 25, 20)).toBe('may-not-fit');
    expect(fitStateFor(21, 25, 20)).toBe('does-not-fit');
    const t = est({ gradientCheckpointing: true }, {}, [{ kind: 'lora' }]);
    expect(t.fit.state).toBe('fits');
    const big = est({}, { hardware: { gpu: { source: 'catalog', id: 'a100-80gb-sxm' }, headroomPct: 10 } });
    expect(big.fit.state).toBe(
      big.fits ? (big.memory.high.nvidiaSmiBytes <= big.fit.usableBytes ? 'fits' : 'may-not-fit') : 'does-not-fit',
    );
  });
});

describe('torchtune stack', () => {
  it('upcasts logits to fp32 in the model (8 B per logit at forward end, no 16-bit copy), builds no KV cache', () => {
    const tt = est({ stack: 'torchtune' });
    const hf = est({ stack: 'transformers' });
    expect(tt.explain.find((e) => e.key === 'memory.logits')!.sources).toEqual(['torchtuneModel']);
    expect(hf.memory.allocatedBytes).toBeGreaterThan(tt.memory.allocatedBytes - 2 * 4096 * V * 4);
  });
});
