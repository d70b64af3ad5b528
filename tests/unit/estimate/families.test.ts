/**
 * Issue 16: the families read from config.json beyond the Llama shape, and the refusals that keep a model
 * from being read as something it is not. Exact counts for every family against the real transformers
 * classes live in tests/python/test_param_counts.py; here: known counts with the formula written out,
 * properties, refusal messages and real-format files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigImportError, readHfConfig, readHfConfigText } from '../../../shared/catalog/hf-config';
import { describeArchitecture } from '../../../shared/estimate/architecture';

const fixture = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/configs', name), 'utf8')) as Record<string, unknown>;

const refusal = (config: unknown): string => {
  try {
    readHfConfig(config);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigImportError);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('DeepSeek-V3 (multi-head latent attention, routed + shared experts, dense first layers, MTP)', () => {
  const reading = readHfConfig(fixture('deepseek-v3-config.json'));
  const arch = describeArchitecture(reading.spec);
  const h = 7168;
  const V = 129_280;
  // MLA (transformers models/deepseek_v3 DeepseekV3Attention): q_a h→1536, q_a_layernorm 1536,
  // q_b 1536→128·(128+64), kv_a h→512+64, kv_a_layernorm 512, kv_b 512→128·(128+128), o 128·128→h.
  const attention = h * 1536 + 1536 + 1536 * 128 * 192 + h * 576 + 512 + 512 * 128 * 256 + 128 * 128 * h;
  const norms = 2 * h;
  const dense = attention + 3 * h * 18_432 + norms; // first_k_dense_replace = 3 layers
  const experts = 256 * 3 * h * 2048; // routed, fused gate_up + down
  const moe = attention + experts + 3 * h * 2048 /* shared */ + 256 * h /* router */ + norms;
  const total = 3 * dense + 58 * moe + 2 * V * h + h;

  it('is read as MLA + MoE, not as a dense model', () => {
    expect(reading.spec.modelType).toBe('deepseek_v3');
    expect(reading.spec.mla).toEqual({
      qLoraRank: 1536,
      kvLoraRank: 512,
      qkNopeHeadDim: 128,
      qkRopeHeadDim: 64,
      vHeadDim: 128,
    });
    expect(reading.spec.moe).toMatchObject({ numExperts: 256, topK: 8, denseLayers: 3, sharedIntermediateSize: 2048 });
    expect(arch.layerGroups.map((g) => [g.kind, g.layers])).toEqual([
      ['dense', 3],
      ['moe', 58],
    ]);
  });

  it('counts 671 B parameters exactly by the formula, 37 B active, and the MTP layer apart', () => {
    expect(arch.totalParams).toBe(total);
    expect(arch.totalParams / 1e9).toBeCloseTo(671, 0);
    const idle = 58 * (256 - 8) * 3 * h * 2048;
    expect(arch.activeParams).toBe(total - idle);
    // DeepSeek-V3 README_WEIGHTS.md: MTP "11.5B unique parameters" (embedding and head shared).
    expect(arch.mtpParams).toBe(3 * h + 2 * h * h + moe);
    expect(arch.mtpParams / 1e9).toBeCloseTo(11.5, 0);
    expect(reading.warnings.join(' ')).toMatch(/num_nextn_predict_layers = 1/);
  });
});

describe('refusals name the model type, what is missing and the keys the file has', () => {
  it('refuses a vision-language config it cannot count instead of dropping its vision tower', () => {
    // llava, qwen2_vl, mllama, idefics3, gemma3 are read with their towers (tests/unit/estimate/vision.test.ts).
    const msg = refusal({
      model_type: 'llava_next',
      vision_config: { model_type: 'clip_vision_model' },
      text_config: {},
    });
    expect(msg).toMatch(/model_type "llava_next" is a vision-language model \(vision_config\)/);
    expect(msg).toMatch(/text_config .*as its own config.json/);
    // phi3_v and phi4mm are read (tests/unit/estimate/vision.test.ts); a phi4mm file without the parts the conversion
    // to phi4_multimodal reads is refused, naming the missing object and the way out.
    expect(refusal({ model_type: 'phi4mm', embd_layer: { embedding_cls: 'image_audio' }, hidden_size: 3072 })).toMatch(
      /model_type "phi4mm" needs embd_layer.image_embd_layer .*convert_phi4_multimodal_weights_to_hf.py.*"phi4_multi/,
    );
  });

  it('refuses the encoder-only and encoder-decoder families it has no layout for plainly', () => {
    // t5, mt5, bart, bert, roberta and deberta-v2 are read (tests/unit/estimate/encoders.test.ts).
    expect(refusal({ model_type: 'distilbert', dim: 768 })).toMatch(/encoder-only model whose layout/);
    expect(refusal({ model_type: 'mbart', d_model: 1024 })).toMatch(/encoder-decoder model whose layout.*t5, mt5/);
    expect(refusal({ model_type: 'my_seq2seq', is_encoder_decoder: true })).toMatch(/encoder-decoder/);
  });

  it('refuses an unknown model with experts or latent attention rather than reading it dense', () => {
    const base = {
      hidden_size: 64,
      intermediate_size: 96,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      vocab_size: 100,
    };
    expect(refusal({ ...base, model_type: 'newmoe', num_experts: 8 })).toMatch(
      /model_type "newmoe".*num_experts = 8.*would undercount/,
    );
    expect(refusal({ ...base, model_type: 'newmla', kv_lora_rank: 16 })).toMatch(/kv_lora_rank = 16/);
  });

  it('names the equivalent keys an unknown layout has', () => {
    const msg = refusal({ model_type: 'gpt_bigcode', n_embd: 768, n_layer: 12, n_head: 12, vocab_size: 100 });
    expect(msg).toMatch(/missing hidden_size, intermediate_size, num_hidden_layers, num_attention_heads/);
    expect(msg).toMatch(/the file has n_embd = 768, n_layer = 12, n_head = 12/);
  });

  it('reads an unknown Llama-shaped model as approximated, with the keys used', () => {
    const r = readHfConfig({
      model_type: 'newllama',
      hidden_size: 64,
      intermediate_size: 96,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      vocab_size: 100,
    });
    expect(r.spec.modelType).toBe('generic');
    expect(r.approximatedFrom).toEqual([
      'hidden_size',
      'intermediate_size',
      'num_hidden_layers',
      'num_attention_heads',
      'num_key_value_heads',
      'vocab_size',
    ]);
    expect(r.warnings[0]).toMatch(/^Approximated: model_type "newllama"/);
  });
});

describe('families with their own keys (counts by the formula written out)', () => {
  it('GPT-2 small: 124,439,808 parameters (model card "124M"; wte + wpe + 12 × block + ln_f, tied head)', () => {
    const r = readHfConfig({
      model_type: 'gpt2',
      n_embd: 768,
      n_layer: 12,
      n_head: 12,
      n_positions: 1024,
      vocab_size: 50257,
    });
    const h = 768;
    const block = h * 3 * h + 3 * h + h * h + h + h * 4 * h + 4 * h + 4 * h * h + h + 4 * h;
    expect(describeArchitecture(r.spec).totalParams).toBe(50257 * h + 1024 * h + 12 * block + 2 * h);
    expect(describeArchitecture(r.spec).totalParams).toBe(124_439_808);
  });

  it("Falcon-7B's original RefinedWebModel layout: multi-query, one LayerNorm per layer", () => {
    const r = readHfConfig({
      model_type: 'RefinedWebModel',
      hidden_size: 4544,
      n_head: 71,
      n_layer: 32,
      multi_query: true,
      parallel_attn: true,
      bias: false,
      vocab_size: 65024,
    });
    expect(r.spec).toMatchObject({ modelType: 'falcon', numKvHeads: 1, normsPerLayer: 1, intermediateSize: 4 * 4544 });
    const h = 4544;
    const layer = h * (71 + 2) * 64 + h * h + 2 * 4 * h * h + 2 * h;
    // tiiuae/falcon-7b: 6,921,720,704 parameters.
    expect(describeArchitecture(r.spec).totalParams).toBe(65024 * h + 32 * layer + 2 * h);
    expect(describeArchitecture(r.spec).totalParams).toBe(6_921_720_704);
  });

  it('ChatGLM3-6B (Hub modeling_chatglm.py): num_layers, multi_query_group_num, padded_vocab_size', () => {
    const r = readHfConfig({
      model_type: 'chatglm',
      hidden_size: 4096,
      num_layers: 28,
      num_attention_heads: 32,
      kv_channels: 128,
      multi_query_attention: true,
      multi_query_group_num: 2,
      ffn_hidden_size: 13696,
      padded_vocab_size: 65024,
      seq_length: 8192,
      add_bias_linear: false,
      add_qkv_bias: true,
      rmsnorm: true,
      post_layer_norm: true,
    });
    const h = 4096;
    const layer = h * (4096 + 2 * 256) + (4096 + 2 * 256) + 4096 * h + h * 2 * 13696 + 13696 * h + 2 * h;
    // THUDM/chatglm3-6b: 6,243,584,000 parameters (embedding and output_layer untied).
    expect(describeArchitecture(r.spec).totalParams).toBe(2 * 65024 * h + 28 * layer + h);
    expect(describeArchitecture(r.spec).totalParams).toBe(6_243_584_000);
  });

  it('grows by exactly one layer’s parameters per added layer, for every family (property)', () => {
    const configs: Record<string, unknown>[] = [
      {
        model_type: 'qwen3',
        hidden_size: 64,
        intermediate_size: 96,
        num_hidden_layers: 2,
        num_attention_heads: 4,
        num_key_value_heads: 2,
        vocab_size: 100,
      },
      {
        model_type: 'gemma3_text',
        hidden_size: 64,
        intermediate_size: 96,
        num_hidden_layers: 2,
        num_attention_heads: 4,
        num_key_value_heads: 2,
        head_dim: 16,
        vocab_size: 100,
      },
      {
        model_type: 'olmo2',
        hidden_size: 64,
        intermediate_size: 96,
        num_hidden_layers: 2,
        num_attention_heads: 4,
        vocab_size: 100,
      },
      { model_type: 'bloom', hidden_size: 64, n_layer: 2, n_head: 4, vocab_size: 100 },
      {
        model_type: 'opt',
        hidden_size: 64,
        ffn_dim: 96,
        num_hidden_layers: 2,
        num_attention_heads: 4,
        vocab_size: 100,
      },
    ];
    for (const c of configs) {
      const key = 'n_layer' in c ? 'n_layer' : 'num_hidden_layers';
      const counts = [2, 3, 4, 7].map((L) => describeArchitecture(readHfConfig({ ...c, [key]: L }).spec));
      const step = counts[1]!.totalParams - counts[0]!.totalParams;
      expect(step, String(c.model_type)).toBe(counts[0]!.layerParams);
      expect(counts[3]!.totalParams - counts[0]!.totalParams, String(c.model_type)).toBe(5 * step);
    }
  });
});

describe('real-format files', () => {
  const llama = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: 2048,
    intermediate_size: 8192,
    num_hidden_layers: 16,
    num_attention_heads: 32,
    num_key_value_heads: 8,
    vocab_size: 128256,
    max_position_embeddings: 131072,
    tie_word_embeddings: true,
  };
  it('reads torch_dtype (transformers 4) and dtype (transformers 5), BOM and CRLF alike', () => {
    const a = readHfConfigText(JSON.stringify({ ...llama, torch_dtype: 'bfloat16' }, null, 2), {
      fileName: 'config.json',
    });
    const b = readHfConfigText(
      `\uFEFF${JSON.stringify({ ...llama, dtype: 'bfloat16' }, null, 2).replace(/\n/g, '\r\n')}`,
      {
        fileName: 'config.json',
      },
    );
    expect(describeArchitecture(a).totalParams).toBe(describeArchitecture(b).totalParams);
  });

  it('takes the context from rope scaling with `type` or `rope_type`, or transformers 5 `rope_parameters`', () => {
    const qwen = {
      model_type: 'qwen2',
      hidden_size: 64,
      intermediate_size: 96,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      vocab_size: 100,
      max_position_embeddings: 32768,
    };
    // Qwen2.5 model cards: add rope_scaling {"factor": 4.0, "original_max_position_embeddings": 32768, "type": "yarn"}.
    for (const rope of [
      { rope_scaling: { type: 'yarn', factor: 4.0, original_max_position_embeddings: 32768 } },
      { rope_scaling: { rope_type: 'yarn', factor: 4.0, original_max_position_embeddings: 32768 } },
      { rope_parameters: { rope_type: 'yarn', factor: 4.0, original_max_position_embeddings: 32768, rope_theta: 1e6 } },
    ]) {
      const r = readHfConfig({ ...qwen, ...rope });
      expect(r.spec.maxPositionEmbeddings).toBe(131072);
      expect(r.warnings.join(' ')).toMatch(/rope scaling "yarn" × 4/);
    }
  });

  it('counts sliding-window layers from layer_types, and from the family rule without it', () => {
    const g = {
      model_type: 'gemma3_text',
      hidden_size: 64,
      intermediate_size: 96,
      num_hidden_layers: 12,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      head_dim: 16,
      vocab_size: 100,
      sliding_window: 512,
    };
    expect(readHfConfig(g).spec).toMatchObject({ slidingWindow: 512, slidingWindowLayers: 10 });
    const types = Array.from({ length: 12 }, (_, i) => (i % 3 === 2 ? 'full_attention' : 'sliding_attention'));
    expect(readHfConfig({ ...g, layer_types: types }).spec.slidingWindowLayers).toBe(8);
  });
});

describe('fuzzed config files', () => {
  it('either reads a config or refuses it with ConfigImportError, never another error or a NaN count', async () => {
    const fc = await import('fast-check');
    const value = fc.oneof(
      fc.integer({ min: -2, max: 5000 }),
      fc.constantFrom(null, true, false, 'x', 1.5, [0, 1], {}),
    );
    const keys = [
      'model_type',
      'hidden_size',
      'intermediate_size',
      'num_hidden_layers',
      'num_attention_heads',
      'num_key_value_heads',
      'head_dim',
      'vocab_size',
      'n_embd',
      'n_layer',
      'n_head',
      'num_experts',
      'num_local_experts',
      'num_experts_per_tok',
      'moe_intermediate_size',
      'n_routed_experts',
      'kv_lora_rank',
      'qk_nope_head_dim',
      'qk_rope_head_dim',
      'v_head_dim',
      'first_k_dense_replace',
      'ffn_hidden_size',
      'num_layers',
      'padded_vocab_size',
      'vision_config',
    ];
    const modelType = fc.constantFrom(
      'llama',
      'qwen3_moe',
      'deepseek_v3',
      'gpt2',
      'falcon',
      'bloom',
      'chatglm',
      'opt',
      'zzz',
      'bert',
    );
    fc.assert(
      fc.property(modelType, fc.dictionary(fc.constantFrom(...keys), value), (t, rest) => {
        try {
          const r = readHfConfig({ ...rest, model_type: t });
          const a = describeArchitecture(r.spec);
          return Number.isSafeInteger(a.totalParams) && a.totalParams > 0 && a.activeParams <= a.totalParams;
        } catch (e) {
          return e instanceof ConfigImportError && e.message.length > 20;
        }
      }),
      { numRuns: 400, seed: 16 },
    );
  });
});

describe('exportSupport', () => {
  it('says plainly what Hub-only and MTP models need, and why encoders are not exported', async () => {
    const { exportSupport, unsupportedExportReason } = await import('../../../shared/domain/export-support');
    const ds = exportSupport(readHfConfig(fixture('deepseek-v3-config.json'), 'DeepSeek-V3').spec);
    expect(ds).toMatchObject({ supported: true, modelClass: 'AutoModelForCausalLM' });
    expect(ds.notes.join(' ')).toMatch(/multi-token-prediction layer/);
    expect(unsupportedExportReason('seq2seq')).toMatch(/Seq2SeqTrainer.*does not export them yet/);
  });
});
