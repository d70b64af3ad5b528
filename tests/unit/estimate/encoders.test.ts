/**
 * Issue 16: encoder-decoder (t5, mt5, bart → *ForConditionalGeneration) and encoder-only models (bert, roberta,
 * deberta-v2 → *ForSequenceClassification). Known totals with the formula written out (each equal to the published
 * count); the exact counts of every layout against transformers 5 on the meta device are in
 * tests/python/test_param_counts.py test_encoder_params.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHfConfig } from '../../../shared/catalog/hf-config';
import { exportSupport } from '../../../shared/domain/export-support';
import { describeArchitecture } from '../../../shared/estimate/architecture';
import { estimatePlan } from '../../../shared/estimate/estimate';

const fixture = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/configs/encoders', name), 'utf8')) as Record<
    string,
    unknown
  >;
const read = (config: Record<string, unknown>) => {
  const r = readHfConfig(config, 'test');
  return { ...r, arch: describeArchitecture(r.spec) };
};

// The published config.json values of each model (Hugging Face Hub files; the keys save_pretrained writes).
const BERT_BASE_UNCASED = {
  model_type: 'bert',
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  vocab_size: 30522,
  max_position_embeddings: 512,
  type_vocab_size: 2,
};
const ROBERTA_BASE = {
  ...BERT_BASE_UNCASED,
  model_type: 'roberta',
  vocab_size: 50265,
  max_position_embeddings: 514,
  type_vocab_size: 1,
};
const DEBERTA_V3_BASE = {
  ...BERT_BASE_UNCASED,
  model_type: 'deberta-v2',
  vocab_size: 128100,
  type_vocab_size: 0,
  relative_attention: true,
  position_buckets: 256,
  max_relative_positions: -1,
  pos_att_type: ['p2c', 'c2p'],
  share_att_key: true,
  norm_rel_ebd: 'layer_norm',
  position_biased_input: false,
  pooler_hidden_size: 768,
};
const BART_BASE = {
  model_type: 'bart',
  d_model: 768,
  encoder_layers: 6,
  decoder_layers: 6,
  encoder_ffn_dim: 3072,
  decoder_ffn_dim: 3072,
  encoder_attention_heads: 12,
  decoder_attention_heads: 12,
  vocab_size: 50265,
  max_position_embeddings: 1024,
  tie_word_embeddings: true,
};

// A BERT-style layer: query/key/value/attention.output.dense (h² + h each), intermediate and output dense,
// 2 LayerNorms.
const h = 768;
const bertLayer = 4 * (h * h + h) + (h * 3072 + 3072) + (3072 * h + h) + 2 * 2 * h;
const pooler = h * h + h;
const classifier = (n: number) => h * n + n;

describe('encoder-decoder models (sequence to sequence)', () => {
  it('google-t5/t5-small: 60,506,624 parameters (the published 60M), with both stacks and cross-attention', () => {
    const { spec, arch, warnings } = read(fixture('t5-small-config.json'));
    const d = 512;
    const enc = 4 * d * d + 2 * d * 2048 + 2 * d; // q, k, v, o; wi, wo; 2 T5LayerNorms (weight only)
    const dec = 8 * d * d + 2 * d * 2048 + 3 * d; // + EncDecAttention q, k, v, o; 3 norms
    const total = 32128 * d + 6 * enc + 6 * dec + 2 * 32 * 8 /* relative bias, first block of each stack */ + 2 * d;
    expect(total).toBe(60_506_624);
    expect(arch.totalParams).toBe(total);
    expect(spec.encoder).toMatchObject({ modelType: 't5', task: 'seq2seq', encoderLayers: 6, decoderLayers: 6 });
    expect(spec.numLayers).toBe(12);
    expect(arch.layerGroups.map((g) => g.modules.filter((m) => m.part === 'attention').length)).toEqual([4, 8]);
    expect(arch.encoder).toMatchObject({ encoderStackParams: 6 * enc + 32 * 8 + d, headParams: 0 });
    // The LM head over the vocabulary is part of the per-token FLOPs of a seq2seq model.
    expect(arch.matmulParamsPerToken).toBe(6 * (enc - 2 * d) + 6 * (dec - 3 * d) + 32128 * d);
    expect(warnings.join(' ')).toMatch(/both the source \(encoder\) and the target/);
  });

  it('T5 v1.1 / mT5 layout: gated-gelu MLP (wi_0, wi_1, wo) and the head transformers 5 ties anyway', () => {
    const { spec, arch, warnings } = read({
      model_type: 'mt5',
      d_model: 512,
      d_kv: 64,
      d_ff: 1024,
      num_layers: 8,
      num_decoder_layers: 8,
      num_heads: 6,
      vocab_size: 250112,
      feed_forward_proj: 'gated-gelu',
      tie_word_embeddings: false,
      relative_attention_num_buckets: 32,
    });
    expect(spec.mlp).toBe('gated');
    expect(spec.headDim * spec.numHeads).toBe(384); // inner dim heads·d_kv, not d_model
    expect(arch.modules.map((m) => m.name)).toEqual(['q', 'k', 'v', 'o', 'q', 'k', 'v', 'o', 'wi_0', 'wi_1', 'wo']);
    const d = 512;
    const enc = 4 * d * 384 + 3 * d * 1024 + 2 * d;
    const dec = 8 * d * 384 + 3 * d * 1024 + 3 * d;
    expect(arch.totalParams).toBe(250112 * d + 8 * enc + 8 * dec + 2 * 32 * 6 + 2 * d);
    expect(warnings.join(' ')).toMatch(/transformers 5 ties lm_head/);
  });

  it('facebook/bart-base: 139,420,416 parameters (learned positions with the offset of 2, layernorm_embedding)', () => {
    const { arch, spec } = read(BART_BASE);
    const ln = 2 * h;
    const attn = 4 * (h * h + h);
    const mlp = h * 3072 + 3072 + 3072 * h + h;
    const total = 50265 * h + 2 * (1026 * h + ln) + 6 * (attn + mlp + 2 * ln) + 6 * (2 * attn + mlp + 3 * ln);
    expect(total).toBe(139_420_416);
    expect(arch.totalParams).toBe(total);
    expect(spec.learnedPositions).toBe(1026);
    // Untied, transformers 5 gives each stack its own embed_tokens and an lm_head: 3 more V·d.
    expect(read({ ...BART_BASE, tie_word_embeddings: false }).arch.totalParams).toBe(total + 3 * 50265 * h);
  });

  it('a different decoder_ffn_dim widens only the decoder layers', () => {
    const a = read(BART_BASE).arch;
    const b = read({ ...BART_BASE, decoder_ffn_dim: 4096 }).arch;
    expect(b.totalParams - a.totalParams).toBe(6 * (2 * h * 1024 + 1024));
  });
});

describe('encoder-only models (sequence classification)', () => {
  it('bert-base-uncased: 109,482,240 in BertModel (the published 110M) plus a 2-label classifier', () => {
    const { arch, spec, warnings } = read(BERT_BASE_UNCASED);
    const embeddings = 30522 * h + 512 * h + 2 * h + 2 * h; // word, position, token type, LayerNorm
    expect(embeddings + 12 * bertLayer + pooler).toBe(109_482_240);
    expect(arch.totalParams).toBe(109_482_240 + classifier(2));
    expect(spec.encoder).toMatchObject({ task: 'classification', numLabels: 2, decoderLayers: 0, tokenTypes: 2 });
    expect(arch.matmulParamsPerToken).toBe(12 * (bertLayer - 4 * h)); // no vocabulary head
    expect(warnings.join(' ')).toMatch(/no vocabulary logits, only 2 per sequence/);
  });

  it('takes the label count from id2label, then num_labels', () => {
    const labels = Object.fromEntries(['neg', 'neu', 'pos'].map((l, i) => [String(i), l]));
    expect(read({ ...BERT_BASE_UNCASED, id2label: labels }).spec.encoder?.numLabels).toBe(3);
    expect(read({ ...BERT_BASE_UNCASED, num_labels: 7 }).spec.encoder?.numLabels).toBe(7);
    const two = read(BERT_BASE_UNCASED).arch.totalParams;
    expect(read({ ...BERT_BASE_UNCASED, num_labels: 7 }).arch.totalParams - two).toBe(5 * (h + 1));
  });

  it('roberta-base: 124,645,632 in RobertaModel with its pooler; the classification head has the same shapes', () => {
    const { arch, spec } = read(ROBERTA_BASE);
    const embeddings = 50265 * h + 514 * h + 1 * h + 2 * h;
    expect(embeddings + 12 * bertLayer + pooler).toBe(124_645_632);
    expect(arch.totalParams).toBe(124_645_632 + classifier(2));
    expect(spec.maxPositionEmbeddings).toBe(512); // 514 less RoBERTa's padding_idx offset
  });

  it('microsoft/deberta-v3-base: 98M embedding + 86M backbone (model card), relative embeddings, no positions', () => {
    const { arch, spec } = read(DEBERTA_V3_BASE);
    const embedding = 128100 * h + 2 * h;
    const backbone = 12 * bertLayer + 512 * h /* rel_embeddings: 2 × 256 buckets */ + 2 * h;
    expect(Math.round(embedding / 1e6)).toBe(98);
    expect(Math.round(backbone / 1e6)).toBe(85); // the card rounds 85.4M (with the pooler, 86.0M) to "86M"
    expect(arch.totalParams).toBe(embedding + backbone + pooler + classifier(2));
    expect(spec.learnedPositions).toBe(0);
    // Without share_att_key each layer gains pos_key_proj (c2p) and pos_query_proj (p2c).
    const unshared = read({ ...DEBERTA_V3_BASE, share_att_key: false }).arch;
    expect(unshared.totalParams - arch.totalParams).toBe(12 * 2 * (h * h + h));
    expect(unshared.modules.map((m) => m.name)).toContain('pos_query_proj');
  });

  it('refuses DeBERTa layouts it does not count, naming the key', () => {
    expect(() => read({ ...DEBERTA_V3_BASE, conv_kernel_size: 3 })).toThrow(/conv_kernel_size = 3/);
    expect(() => read({ ...DEBERTA_V3_BASE, embedding_size: 128 })).toThrow(/embedding_size \(128\)/);
    expect(() => read({ ...BERT_BASE_UNCASED, num_attention_heads: 7 })).toThrow(/hidden_size \(768\).*divisible/);
  });

  it('fills the config class defaults for a hand-written file and names them', () => {
    const { arch, warnings } = read({ model_type: 'bert' });
    expect(arch.totalParams).toBe(109_482_240 + classifier(2));
    expect(warnings.join(' ')).toMatch(/leaves out .*hidden_size = 768/);
  });
});

describe('estimates and exports', () => {
  const plan = (config: Record<string, unknown>) =>
    estimatePlan({
      name: 't',
      model: { source: 'custom', spec: readHfConfig(config, 'test').spec },
      techniques: [{ kind: 'full' }],
      training: { microBatch: 8, seqLen: 512 },
      hardware: { gpu: { source: 'catalog', id: 'a100-80gb-sxm' } },
    }).techniques[0]!;

  it('a classification plan has no vocabulary logits', () => {
    const bert = plan(BERT_BASE_UNCASED);
    // 8 × 512 tokens × 2 labels: a few hundred KB at most, where 30,522-wide logits would take over 1 GB.
    expect(bert.memory.parts.logits).toBeLessThan(1e6);
    expect(bert.memory.parts.activations).toBeGreaterThan(0);
    expect(bert.memory.reservedBytes).toBeGreaterThan(bert.memory.parts.activations);
  });

  it('a seq2seq plan runs every encoder and decoder layer', () => {
    const t5 = plan(fixture('t5-small-config.json'));
    const encoderOnly = plan({ ...fixture('t5-small-config.json'), num_decoder_layers: 1 });
    expect(t5.memory.parts.activations).toBeGreaterThan(encoderOnly.memory.parts.activations);
    expect(t5.flopsPerToken).toBeGreaterThan(encoderOnly.flopsPerToken);
  });

  it('says plainly that encoder and seq2seq exports are not supported yet', () => {
    const bert = exportSupport(readHfConfig(BERT_BASE_UNCASED, 'bert').spec);
    expect(bert).toMatchObject({ supported: false, modelClass: null });
    expect(bert.notes.join(' ')).toMatch(/AutoModelForSequenceClassification.*does not export them yet/);
    const t5 = exportSupport(readHfConfig(fixture('t5-small-config.json'), 't5').spec);
    expect(t5.notes.join(' ')).toMatch(/Seq2SeqTrainer/);
  });
});
