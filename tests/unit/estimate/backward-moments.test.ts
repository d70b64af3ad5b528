/**
 * Issue 15, the torchtune discrepancy: the backward pass has several moments, and the logits, a recomputed layer and
 * the gradients peak at different ones. Known answers from the mechanisms cited in shared/estimate/memory.ts
 * (torchtune CEWithChunkedOutputLoss and recipes at 1814feb, torch.utils.checkpoint, autograd's engine order).
 */
import { describe, expect, it } from 'vitest';
import { CATALOG_MODELS } from '../../../shared/catalog/models';
import type { PlanInput } from '../../../shared/domain/plan';
import { estimatePlan } from '../../../shared/estimate/estimate';

const llama = CATALOG_MODELS.find((m) => m.spec.hfId === 'meta-llama/Llama-3.2-3B')!;
const V = 128_256;
const h = 3072;
const L = 28;
const P = 3_212_749_824;
const tokens = 2 * 4096;

function est(training: PlanInput['training'], technique: PlanInput['techniques'] = [{ kind: 'full' }]) {
  return estimatePlan({
    name: 't',
    model: { source: 'catalog', id: llama.id },
    techniques: technique,
    training: { precision: 'pure_bf16', microBatch: 2, seqLen: 4096, packing: true, stack: 'torchtune', ...training },
    hardware: { gpu: { source: 'catalog', id: 'a100-80gb-sxm' } },
  }).techniques[0]!;
}

// torchtune's default LoRA config (llama3_2/3B_lora_single_device.yaml): r = 64 on q, v, output_proj and the MLP.
const lora: PlanInput['techniques'] = [
  {
    kind: 'lora',
    rank: 64,
    dropout: 0,
    targets: 'custom',
    customModules: ['q_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
  },
];
const readmeFinalRows = {
  compile: true,
  lossKernel: 'chunked' as const,
  gradientCheckpointing: true,
  activationOffload: true,
  optimizer: 'adamw_torch_fused' as const,
};

describe('compiled chunked cross-entropy (torchtune CEWithChunkedOutputLoss, 8 chunks)', () => {
  it('keeps every 16-bit chunk to the forward end and one more chunk (its gradient) in the loss backward', () => {
    const t = est(readmeFinalRows, lora);
    expect(t.memory.peakPhase).toBe('backward');
    // Nine 16-bit chunks: the eight saved ones and the gradient being written; no fp32 chunk (one fused kernel).
    expect(t.memory.parts.logits).toBe(tokens * V * 2 * (1 + 1 / 8));
  });

  it('eager, keeps every chunk’s fp32 log-probabilities too (log_softmax saves its output)', () => {
    const eager = est({ ...readmeFinalRows, compile: false }, lora);
    // Forward end: the 16-bit chunks (freed by the recipe's `del logits` only after the loss), every chunk's fp32
    // log-probabilities, and the last chunk's fp32 upcast. That beats the backward's 4 + (4 + 4 + 2)/8 B per logit.
    expect(eager.memory.peakPhase).toBe('forward');
    expect(eager.memory.parts.logits).toBe(tokens * V * (2 + 4 + 4 / 8));
  });
});

describe('checkpointed recompute runs after the loss and head backward', () => {
  it('does not add a recomputed layer to the logits moment (LoRA: the peak is states + stored inputs + logits)', () => {
    const t = est(readmeFinalRows, lora);
    // Stored through the forward with offloading: two layer inputs on the GPU, plus the eager final norm's fp32 input.
    const stored = 2 * tokens * h * 2 + tokens * 4 * h;
    expect(t.memory.parts.activations).toBe(stored);
    const states = t.memory.parts.frozenWeights + t.memory.parts.trainableWeights + t.memory.parts.optimizerStates;
    expect(t.memory.allocatedBytes).toBe(states + stored + tokens * V * 2 * (9 / 8));
  });

  it('full fine-tuning with a fused step peaks at the end of the backward: every gradient and one layer', () => {
    const t = est({
      compile: true,
      lossKernel: 'chunked',
      gradientCheckpointing: true,
      optimizer: 'adamw_torch_fused',
    });
    expect(t.memory.peakPhase).toBe('backward');
    expect(t.memory.parts.gradients).toBe(P * 2);
    expect(t.memory.parts.logits).toBe(0);
    // One layer's saved tensors plus its checkpointed input, and the layer's backward working set (memory.ts
    // layerBackwardBytesPerToken; compiled full fine-tuning: a·(h + 2·I) − a·I, I = 8,192).
    const withoutCkpt = est({ compile: true, lossKernel: 'chunked', optimizer: 'adamw_torch_fused' });
    const layer = (withoutCkpt.memory.parts.activations - tokens * 4 * h) / L;
    expect(t.memory.parts.activations).toBeCloseTo(layer + tokens * h * 2 + tokens * 2 * (h + 8192), -3);
    // The foreach step's state-sized temporary would make the optimizer step the peak instead.
    expect(est({ compile: true, lossKernel: 'chunked', gradientCheckpointing: true }).memory.peakPhase).toBe(
      'optimizer',
    );
  });
});

describe('head backward with a trainable tied head (torchtune chunked output)', () => {
  it('holds the accumulated V·h gradient and the next chunk’s while seven logit-gradient chunks wait', () => {
    const t = est({ ...readmeFinalRows, optimizerInBackward: true, optimizer: 'adamw' });
    const chunk = (tokens * V * 2) / 8;
    const G = V * h * 2;
    expect(t.memory.parts.gradients).toBe(G);
    expect(t.memory.parts.logits).toBe(Math.max(8 * chunk + G, 7 * chunk + 2 * G) - G);
  });
});

describe('torchtune standard cross-entropy after `self.output(h).float()`', () => {
  it('backward: saved fp32 log-probabilities + nll and log_softmax gradients (12 B); compiled: 8 B', () => {
    expect(est({ gradientCheckpointing: true }, lora).memory.parts.logits).toBe(tokens * V * 12);
    expect(est({ gradientCheckpointing: true, compile: true }, lora).memory.parts.logits).toBe(tokens * V * 8);
  });

  // training.compile_loss returns torch.compile(loss) for the standard loss (torchtune/training/_compile.py at
  // 1814feb); lora_finetune_single_device keeps it (line 296), full_finetune_single_device drops it (line 292), as do
  // the distributed recipes: with compile=True their cross-entropy still runs eager.
  it('only lora_finetune_single_device keeps the compiled loss: the full and distributed recipes run it eager', () => {
    const full = est({ gradientCheckpointing: true, compile: true });
    expect(full.memory.parts.logits).toBe(tokens * V * 12);
    const compiledDistributed = estimatePlan({
      name: 't',
      model: { source: 'catalog', id: llama.id },
      techniques: lora,
      training: {
        precision: 'pure_bf16',
        microBatch: 2,
        seqLen: 4096,
        packing: true,
        stack: 'torchtune',
        compile: true,
        gradientCheckpointing: true,
      },
      distribution: { gpusPerNode: 2, strategy: 'fsdp_full' },
      hardware: { gpu: { source: 'catalog', id: 'a100-80gb-sxm' } },
    }).techniques[0]!;
    expect(compiledDistributed.memory.parts.logits).toBe(tokens * V * 12);
    // The chunked loss is patched in place, so every recipe compiles it (8 chunks + one gradient chunk).
    const chunked = est({
      gradientCheckpointing: true,
      compile: true,
      lossKernel: 'chunked',
      optimizerInBackward: true,
    });
    expect(chunked.memory.parts.logits).toBeLessThan(tokens * V * 4);
  });
});
