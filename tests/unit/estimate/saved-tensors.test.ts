/**
 * What one layer keeps for its backward, per token (shared/estimate/memory.ts savedBytesPerTokenPerLayer), for the
 * layouts whose saved tensors differ: known answers written out from the ops of each transformers class. The same
 * figures are checked against the real classes' saved tensors in tests/python/test_saved_tensors.py.
 */
import { describe, expect, it } from 'vitest';
import { findCatalogModel } from '../../../shared/catalog/models';
import { parseHfConfig } from '../../../shared/catalog/hf-config';
import { mlpActivation, type ModelSpec } from '../../../shared/domain/model-spec';
import { DistributionSchema, ObjectiveSchema, TechniqueSchema, TrainingSchema } from '../../../shared/domain/plan';
import { describeArchitecture } from '../../../shared/estimate/architecture';
import { memoryProfile, savedBytesPerTokenPerLayer } from '../../../shared/estimate/memory';
import { techniqueParams } from '../../../shared/estimate/techniques';

const a = 2; // bf16 activations
const h = 128;
const I = 352;

function perToken(
  spec: ModelSpec,
  technique: Record<string, unknown> = { kind: 'lora', targets: 'custom', customModules: ['q_proj'], rank: 8 },
  training: Record<string, unknown> = {},
  rows?: Array<{ tensor: string; bytes: number }>,
): number {
  const arch = describeArchitecture(spec);
  const t = TechniqueSchema.parse({ dropout: 0, ...technique });
  const profile = memoryProfile(
    arch,
    techniqueParams(arch, t),
    t,
    TrainingSchema.parse({ precision: 'pure_bf16', packing: true, microBatch: 1, ...training }),
    DistributionSchema.parse({}),
  );
  return savedBytesPerTokenPerLayer(profile, profile.training.microBatch, 1, rows);
}

const small = { hiddenSize: h, intermediateSize: I, numHeads: 4, numKvHeads: 2, headDim: 32, vocabSize: 512 };
const llama: ModelSpec = { ...findCatalogModel('Llama-3.2-3B')!.spec, ...small };
const qW = 128;
const kvW = 64;
// The LoRA rows of one q_proj adapter (input cast to fp32 + A·x in fp32), and the layer's attention rows.
const loraQ = 4 * h + 4 * 8;
const attention = a * (qW + 2 * kvW) + a * qW + 4 * 4;

describe('saved tensors per layer and token', () => {
  it('Llama, LoRA: two fp32 RMSNorm inputs + rsqrt, q k v, output + lse, gate act(gate) up, the adapter', () => {
    expect(perToken(llama)).toBe(2 * (4 * h + 4) + attention + 3 * a * I + loraQ);
  });

  it('full fine-tuning under SDPA: o_proj reads the very output SDPA saved (no copy)', () => {
    const full = perToken(llama, { kind: 'full' });
    // + normalized outputs, attention input, MLP inputs (gate/up and down); no o_proj input row.
    expect(full).toBe(2 * (4 * h + 4) + 2 * a * h + a * h + attention + 3 * a * I + a * h + a * I);
    const rows: Array<{ tensor: string; bytes: number }> = [];
    perToken(llama, { kind: 'full' }, { attention: 'eager' }, rows);
    expect(rows.map((r) => r.tensor)).toContain('o_proj input');
  });

  it('plain MLPs keep what their activation keeps: ReLU 1 (its output, also down’s input), gelu_new 4', () => {
    const opt = parseHfConfig({
      model_type: 'opt',
      hidden_size: h,
      ffn_dim: 512,
      num_attention_heads: 4,
      num_hidden_layers: 2,
      vocab_size: 512,
      word_embed_proj_dim: h,
      max_position_embeddings: 256,
    });
    const gpt2 = parseHfConfig({ model_type: 'gpt2', n_embd: h, n_head: 4, n_layer: 2, vocab_size: 512 });
    expect(mlpActivation(opt)).toBe('relu');
    expect(mlpActivation(gpt2)).toBe('gelu_new');
    const mlpRow = (spec: ModelSpec, technique?: Record<string, unknown>) => {
      const rows: Array<{ tensor: string; bytes: number }> = [];
      perToken(spec, technique ?? { kind: 'lora', targets: 'all-linear', rank: 8 }, {}, rows);
      return rows.filter((r) => r.tensor.startsWith('MLP ')).reduce((s, r) => s + r.bytes, 0);
    };
    expect(mlpRow(opt)).toBe(1 * a * 512);
    expect(mlpRow(gpt2)).toBe(4 * a * 4 * h);
    // Full: ReLU's output is down_proj's input already; gelu_new's output is a fifth tensor.
    expect(mlpRow(opt, { kind: 'full' })).toBe(a * 512 + a * h);
    expect(mlpRow(gpt2, { kind: 'full' })).toBe(5 * a * 4 * h + a * h);
  });

  it('an activation the config names overrides the family default; an unknown one reads as gelu_new, said', () => {
    const base = { model_type: 'llama', ...{ hidden_size: h, intermediate_size: I, num_attention_heads: 4 } };
    const cfg = { ...base, num_hidden_layers: 2, vocab_size: 512, num_key_value_heads: 2 };
    expect(parseHfConfig({ ...cfg, hidden_act: 'silu' }).activation).toBeUndefined();
    expect(parseHfConfig({ ...cfg, hidden_act: 'gelu' }).activation).toBe('gelu');
    expect(parseHfConfig({ ...cfg, hidden_act: 'quick_gelu' }).activation).toBe('gelu_new');
  });

  it('Phi-3’s fused qkv_proj: v is a view of it, so its whole output stays beside the rotated q and k', () => {
    const phi3: ModelSpec = { ...findCatalogModel('Phi-3-mini-4k-instruct')!.spec, ...small };
    const split = perToken(llama, { kind: 'full' });
    const fused = perToken(phi3, { kind: 'full' });
    // + the (qW + kvW) rotated copies beside the buffer, + the o_proj input copy (Phi-3's rotary concatenates).
    expect(fused - split).toBe(a * (qW + kvW) + a * qW);
  });

  it('q/k norms (Qwen3, per head): fp32 q and k inputs and one rsqrt per head', () => {
    const qwen3: ModelSpec = { ...llama, modelType: 'qwen3', qkNorm: 'head' };
    expect(perToken(qwen3) - perToken(llama)).toBe(4 * (qW + kvW) + 4 * (4 + 2));
  });

  it('padded batches: k and v repeated to every head and the mask SDPA converts, in every layer', () => {
    const packed = perToken(llama, undefined, { microBatch: 2, seqLen: 1024, packing: true });
    const padded = perToken(llama, undefined, { microBatch: 2, seqLen: 1024, packing: false });
    expect(padded - packed).toBe(a * 2 * (qW - kvW) + a * 1024);
  });

  it('MoE: routed experts at their own width, shared experts, routing tensors', () => {
    const moe: ModelSpec = {
      ...llama,
      modelType: 'qwen2_moe',
      moe: {
        numExperts: 4,
        topK: 2,
        expertIntermediateSize: 96,
        sharedIntermediateSize: 192,
        sharedExpertGate: true,
        denseLayers: 0,
      },
    };
    const rows: Array<{ tensor: string; bytes: number }> = [];
    perToken(moe, undefined, {}, rows);
    const row = (prefix: string) => rows.find((r) => r.tensor.startsWith(prefix))!.bytes;
    expect(row('MLP gate, act(gate), up')).toBe(2 * 3 * a * 96);
    expect(row('shared expert')).toBe(3 * a * 192 + a * h + a);
    expect(row('MoE routing')).toBe(2 * a * h + 4 * 4 + 40 * 2 + 4);
  });

  it('T5 (encoder-decoder): encoder rows, cross-attention in the decoder’s share of layers, adapters per stack', () => {
    const t5 = parseHfConfig({
      model_type: 't5',
      d_model: h,
      d_ff: 512,
      num_heads: 4,
      d_kv: 32,
      num_layers: 2,
      num_decoder_layers: 2,
      vocab_size: 512,
    });
    const H = 4;
    const inner = 4 * 32;
    // T5LayerNorm keeps the fp32 pow copy, the 16-bit input its rsqrt multiplies, and rsqrt.
    const norm = 4 * h + a * h + 4;
    const encoderLayer = 2 * norm + a * 3 * inner + a * inner + 4 * H + a * 512; // ReLU keeps its output
    const cross = norm + a * 3 * inner + a * inner + 4 * H;
    // LoRA on q and v: the encoder's 2 adapters in 2 of 4 layers, the decoder's 4 (self and cross) in the other 2.
    const adapter = 4 * h + 4 * 8;
    const lora = { kind: 'lora', targets: 'custom', customModules: ['q', 'v'], rank: 8 };
    // dropout_rate 0.1 (the T5Config default): masks after self-attention and the MLP, after the decoder's
    // cross-attention (2 of 4 layers), and on the MLP activation (d_ff wide).
    const masks = 2 * h + h / 2 + 512;
    expect(perToken(t5, lora)).toBe(encoderLayer + cross / 2 + (2 * adapter * 2 + 4 * adapter * 2) / 4 + masks);
  });

  it('dropout the config keeps on: a one-byte mask per element after attention and MLP (GPT-2 resid_pdrop 0.1)', () => {
    const gpt2 = parseHfConfig({ model_type: 'gpt2', n_embd: h, n_head: 4, n_layer: 2, vocab_size: 512 });
    expect(gpt2.dropout).toEqual({ hidden: 0.1, attention: 0.1, activation: 0 });
    const rows: Array<{ tensor: string; bytes: number }> = [];
    perToken(gpt2, { kind: 'lora', targets: 'all-linear', rank: 8 }, {}, rows);
    // SDPA keeps no attention-probability mask; eager adds one per head per key.
    expect(rows.find((r) => r.tensor.startsWith('dropout masks'))!.bytes).toBe(2 * h);
    const eager: Array<{ tensor: string; bytes: number }> = [];
    perToken(gpt2, { kind: 'lora', targets: 'all-linear', rank: 8 }, { attention: 'eager', seqLen: 256 }, eager);
    expect(eager.find((r) => r.tensor.startsWith('dropout masks'))!.bytes).toBe(2 * h + 4 * 256);
    const noDropout = parseHfConfig({
      model_type: 'gpt2',
      ...{ n_embd: h, n_head: 4, n_layer: 2, vocab_size: 512 },
      ...{ resid_pdrop: 0, attn_pdrop: 0, embd_pdrop: 0 },
    });
    expect(noDropout.dropout).toBeUndefined();
  });

  it('torchtune LoRA: 16-bit adapters keep x itself, once per input the projections share, and 16-bit A·x', () => {
    const rows: Array<{ tensor: string; bytes: number }> = [];
    const modules = ['q_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];
    perToken(llama, { kind: 'lora', targets: 'custom', customModules: modules, rank: 8 }, { stack: 'torchtune' }, rows);
    const adapterRows = rows.filter((r) => modules.some((m) => r.tensor.startsWith(`${m}:`)));
    expect(adapterRows.map((r) => r.bytes)).toEqual([
      a * h + a * 8, // q_proj: the attention norm's output
      a * 8, // v_proj: the same tensor
      a * 8, // o_proj: the attention output SDPA kept
      a * h + a * 8, // gate_proj: the MLP norm's output
      a * 8, // up_proj: the same tensor
      a * I + a * 8, // down_proj: the product
    ]);
  });

  it('TRL’s preference trainers zero nn.Dropout modules only: OPT’s functional dropout stays under DPO', () => {
    const cfg = { model_type: 'opt', hidden_size: h, ffn_dim: 512, num_attention_heads: 4, num_hidden_layers: 2 };
    const opt = parseHfConfig({ ...cfg, vocab_size: 512, word_embed_proj_dim: h, max_position_embeddings: 256 });
    const gpt2 = parseHfConfig({ model_type: 'gpt2', n_embd: h, n_head: 4, n_layer: 2, vocab_size: 512 });
    const masks = (spec: ModelSpec, objective: string) => {
      const arch = describeArchitecture(spec);
      const t = TechniqueSchema.parse({ kind: 'lora', dropout: 0 });
      const profile = memoryProfile(
        arch,
        techniqueParams(arch, t),
        t,
        TrainingSchema.parse({ precision: 'pure_bf16', packing: true, microBatch: 1 }),
        DistributionSchema.parse({}),
        ObjectiveSchema.parse({ kind: objective }),
      );
      const rows: Array<{ tensor: string; bytes: number }> = [];
      savedBytesPerTokenPerLayer(profile, 1, 1, rows);
      return rows.find((r) => r.tensor.startsWith('dropout masks'))?.bytes ?? 0;
    };
    expect(masks(opt, 'sft')).toBe(2 * h);
    expect(masks(opt, 'dpo')).toBe(2 * h);
    expect(masks(gpt2, 'sft')).toBe(2 * h);
    expect(masks(gpt2, 'dpo')).toBe(0);
  });

  it('multi-query Falcon: SDPA falls back to its math path and keeps the probabilities, one per head per key', () => {
    const falcon = parseHfConfig({
      model_type: 'falcon',
      ...{ hidden_size: h, num_attention_heads: 4, num_hidden_layers: 2, vocab_size: 512 },
      ...{ multi_query: true, parallel_attn: true, new_decoder_architecture: false },
    });
    expect([falcon.numKvHeads, falcon.normsPerLayer]).toEqual([1, 1]);
    const rows: Array<{ tensor: string; bytes: number }> = [];
    perToken(falcon, { kind: 'lora', targets: 'all-linear', rank: 8 }, { seqLen: 512 }, rows);
    expect(rows.find((r) => r.tensor.includes('SDPA math path'))!.bytes).toBe(a * 4 * 512 + a * qW);
    // No log-sum-exp row and no mask kept: the math path adds the mask to the scores.
    expect(rows.some((r) => r.tensor.startsWith('attention output') || r.tensor.includes('mask converted'))).toBe(
      false,
    );
  });
});
