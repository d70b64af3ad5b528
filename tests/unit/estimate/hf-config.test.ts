import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigImportError, parseHfConfig, readHfConfigText } from '../../../shared/catalog/hf-config';
import { CATALOG_MODELS } from '../../../shared/catalog/models';
import { describeArchitecture } from '../../../shared/estimate/architecture';

const fixture = (name: string) =>
  JSON.parse(fs.readFileSync(path.join(__dirname, '../../fixtures/configs', name), 'utf8')) as Record<string, unknown>;

describe('config.json import', () => {
  it('reads Qwen2.5-3B and counts 3,085,938,688 parameters (q/k/v biases, tied head)', () => {
    const spec = parseHfConfig(fixture('qwen2.5-3b-config.json'), 'Qwen2.5-3B-Instruct');
    expect(spec).toMatchObject({
      modelType: 'qwen2',
      linearBias: 'qkv',
      tieWordEmbeddings: true,
      numKvHeads: 2,
      headDim: 128,
    });
    expect(describeArchitecture(spec).totalParams).toBe(3_089_625_088 - 3_686_400);
  });

  it('reads Mixtral 8x7B: 46.7 B total, 12.9 B active', () => {
    const arch = describeArchitecture(parseHfConfig(fixture('mixtral-8x7b-config.json')));
    expect(arch.totalParams).toBe(46_702_792_704);
    // 46,702,792,704 − 32 layers × 6 idle experts × 3·4096·14336
    expect(arch.activeParams).toBe(12_879_925_248);
  });

  it('reproduces every catalog model from a config.json written in Hugging Face field names', () => {
    // Issue 16 entries are read from their own config.json keys (m.config), checked in tests/unit/catalog.
    for (const m of CATALOG_MODELS.filter((x) => x.spec.modelType !== 'phi3small' && x.config === null)) {
      const s = m.spec;
      const config = {
        model_type: s.modelType,
        hidden_size: s.hiddenSize,
        intermediate_size: s.intermediateSize,
        num_hidden_layers: s.numLayers,
        num_attention_heads: s.numHeads,
        num_key_value_heads: s.numKvHeads,
        head_dim: s.headDim,
        vocab_size: s.vocabSize,
        max_position_embeddings: s.maxPositionEmbeddings,
        tie_word_embeddings: s.tieWordEmbeddings,
        attention_bias: s.linearBias === 'attention',
        lm_head_bias: s.lmHeadBias,
        ...(s.moe ? { num_local_experts: s.moe.numExperts, num_experts_per_tok: s.moe.topK } : {}),
      };
      expect(describeArchitecture(parseHfConfig(config, m.id)).totalParams, m.id).toBe(m.catalogComputedTotal);
    }
  });

  it('names the missing fields for an unknown model_type', () => {
    let error: unknown;
    try {
      parseHfConfig({ model_type: 'mamba', hidden_size: 768, vocab_size: 50280 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigImportError);
    expect((error as ConfigImportError).missing).toEqual([
      'intermediate_size',
      'num_hidden_layers',
      'num_attention_heads',
    ]);
    expect((error as Error).message).toMatch(
      new RegExp(
        /model_type "mamba" is not one Tuneplan knows .* /.source +
          /is missing intermediate_size, num_hidden_layers, num_attention_heads/.source,
      ),
    );
  });

  it('refuses non-objects, wrong types and impossible shapes', () => {
    expect(() => parseHfConfig([])).toThrow(/JSON object/);
    expect(() =>
      parseHfConfig({
        model_type: 'llama',
        hidden_size: '4096',
        intermediate_size: 1,
        num_hidden_layers: 1,
        num_attention_heads: 1,
        vocab_size: 1,
      }),
    ).toThrow(/missing hidden_size/);
    expect(() =>
      parseHfConfig({
        model_type: 'llama',
        hidden_size: 100,
        intermediate_size: 1,
        num_hidden_layers: 1,
        num_attention_heads: 3,
        vocab_size: 1,
      }),
    ).toThrow(/not divisible/);
    expect(() =>
      parseHfConfig({
        model_type: 'mixtral',
        hidden_size: 64,
        intermediate_size: 1,
        num_hidden_layers: 1,
        num_attention_heads: 1,
        vocab_size: 1,
      }),
    ).toThrow(/num_local_experts, num_experts_per_tok/);
  });
});

describe('config.json import: naming and text', () => {
  it('names the model from _name_or_path (transformers 4.43.3 output), not from the file name', () => {
    const spec = parseHfConfig(fixture('qwen2.5-7b-instruct-config.json'), { fileName: 'config.json' });
    expect(spec.name).toBe('Qwen/Qwen2.5-7B-Instruct');
    // The safetensors index of Qwen2.5-7B-Instruct holds 7,615,616,512 parameters.
    expect(describeArchitecture(spec).totalParams).toBe(7_615_616_512);
  });

  it('without _name_or_path a plain config.json is named by architecture and size', () => {
    const spec = parseHfConfig(fixture('qwen2.5-3b-config.json'), { fileName: 'config.json' });
    expect(spec.name).toBe('Qwen2ForCausalLM 3.1B');
    expect(
      parseHfConfig(fixture('mixtral-8x7b-config.json'), { fileName: 'config.json', folder: 'Mixtral-8x7B' }).name,
    ).toBe('Mixtral-8x7B');
  });

  it('reads text with a UTF-8 BOM (as Windows Notepad saves it) and names bad JSON with the file', () => {
    const text = fs.readFileSync(path.join(__dirname, '../../fixtures/configs/qwen2.5-3b-config.json'), 'utf8');
    expect(readHfConfigText(`\uFEFF${text}`, { fileName: 'config.json' }).hiddenSize).toBe(2048);
    expect(() => readHfConfigText('{"model_type":', { fileName: 'config.json' })).toThrow(
      /config\.json is not valid JSON/,
    );
  });
});
