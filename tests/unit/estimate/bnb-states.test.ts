/**
 * Issue 15: bitsandbytes optimizer states as bitsandbytes 0.50.2 allocates them (bitsandbytes/optim/optimizer.py
 * Optimizer2State.init_state): 8-bit states of 1 B per element plus an fp32 absmax per 256-element block, fp32 states
 * for tensors under min_8bit_size = 4096 elements and for every 32-bit optimizer, and transformers' Trainer's 32-bit
 * override for nn.Embedding weights (trainer.py create_optimizer), which torchtune does not register.
 */
import { describe, expect, it } from 'vitest';
import { findCatalogModel } from '../../../shared/catalog/models';
import { DistributionSchema, TechniqueSchema, TrainingSchema } from '../../../shared/domain/plan';
import { describeArchitecture } from '../../../shared/estimate/architecture';
import {
  BNB_BLOCKSIZE,
  BNB_MIN_8BIT_SIZE,
  bnbOptimizerStateBytes,
  bnbStateBytes,
  trainableTensors,
} from '../../../shared/estimate/bnb-states';
import { memoryProfile } from '../../../shared/estimate/memory';
import { techniqueParams } from '../../../shared/estimate/techniques';

const arch = describeArchitecture(findCatalogModel('Llama-3.2-3B')!.spec);
const profile = (optimizer: string, stack: string, kind: 'full' | 'lora' = 'full') => {
  const t = TechniqueSchema.parse(
    kind === 'lora' ? { kind, rank: 16, targets: 'custom', customModules: ['q_proj', 'v_proj'] } : { kind },
  );
  return memoryProfile(
    arch,
    techniqueParams(arch, t),
    t,
    TrainingSchema.parse({ precision: 'pure_bf16', optimizer, stack }),
    DistributionSchema.parse({}),
  );
};

describe('bitsandbytes state bytes per tensor (optimizer.py Optimizer2State.init_state)', () => {
  it('uses the library defaults: min_8bit_size 4096, blocksize 256', () => {
    expect(BNB_MIN_8BIT_SIZE).toBe(4096);
    expect(BNB_BLOCKSIZE).toBe(256);
  });

  it('8-bit: N·2 B + ceil(N/256)·2·4 B of absmax for two states', () => {
    expect(bnbStateBytes(4096, 2, 8)).toBe(4096 * 2 + 16 * 2 * 4);
    expect(bnbStateBytes(1_000_001, 2, 8)).toBe(1_000_001 * 2 + Math.ceil(1_000_001 / 256) * 2 * 4);
    expect(bnbStateBytes(1_000_001, 1, 8)).toBe(1_000_001 + Math.ceil(1_000_001 / 256) * 4);
  });

  it('fp32 below 4096 elements and for 32-bit optimizers', () => {
    expect(bnbStateBytes(4095, 2, 8)).toBe(4095 * 8);
    expect(bnbStateBytes(3072, 2, 8)).toBe(3072 * 8);
    expect(bnbStateBytes(1e6, 2, 32)).toBe(8e6);
    expect(bnbStateBytes(1e6, 1, 32)).toBe(4e6);
  });
});

describe('Llama-3.2-3B full fine-tuning, 8-bit AdamW', () => {
  const T = 3_212_749_824;
  const E = 128_256 * 3072; // the tied embedding
  const norms = 28 * 2 * 3072 + 3072; // every RMSNorm weight: 3072 elements < 4096, fp32 states
  const eightBit = (n: number) => 2 * n + (n / 256) * 2 * 4; // every matrix here is a multiple of 256 elements

  it('itemises every trainable parameter', () => {
    const tensors = trainableTensors(arch, techniqueParams(arch, TechniqueSchema.parse({ kind: 'full' })), {
      ...TechniqueSchema.parse({ kind: 'full' }),
    });
    expect(tensors.reduce((s, t) => s + t.numel * t.count, 0)).toBe(T);
    expect(tensors.filter((t) => t.embedding).reduce((s, t) => s + t.numel * t.count, 0)).toBe(E);
  });

  it('torchtune (no override): 8-bit everywhere but the norms', () => {
    expect(profile('adamw_8bit', 'torchtune').optimizerStates).toBe(eightBit(T - norms) + norms * 8);
  });

  it("transformers' Trainer: the embedding keeps 32-bit states (about 2.2 GiB more)", () => {
    const hf = profile('adamw_8bit', 'transformers').optimizerStates;
    expect(hf).toBe(eightBit(T - norms - E) + E * 8 + norms * 8);
    expect(hf - profile('adamw_8bit', 'torchtune').optimizerStates).toBe(E * 8 - eightBit(E));
  });

  it('paged 32-bit AdamW keeps fp32 states for bf16 parameters (8 B per parameter)', () => {
    expect(profile('paged_adamw', 'transformers').optimizerStates).toBe(8 * T);
  });

  it('LoRA r=16 on q and v: A (16 × 3072) and B (out × 16) are all ≥ 4096 elements, so 8-bit', () => {
    const p = profile('adamw_8bit', 'transformers', 'lora');
    // q: A 16·3072, B 3072·16; v: A 16·3072, B 1024·16; 28 layers.
    const tensors = [16 * 3072, 3072 * 16, 16 * 3072, 1024 * 16];
    expect(p.optimizerStates).toBe(28 * tensors.reduce((s, n) => s + eightBit(n), 0));
    expect(bnbOptimizerStateBytes([{ numel: 16 * 3072, count: 1, embedding: false }], 2, 8, 'trl')).toBe(
      eightBit(16 * 3072),
    );
  });
});
