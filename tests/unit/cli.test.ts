import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../electron/cli/main';
import { planFromRecord, type ReferenceRecord } from '../../electron/cli/reference';
import { summarize, validateRecords } from '../../electron/cli/validate';

const root = path.resolve(__dirname, '../..');
const plans = path.join(root, 'tests/fixtures/plans');
function run(args: string[]): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(
    args,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('tuneplan estimate', () => {
  it('prints JSON with every figure in bytes, seconds and USD for each example plan', () => {
    for (const file of fs.readdirSync(plans)) {
      const { code, out } = run(['estimate', path.join(plans, file), '--json']);
      expect(code, file).toBe(0);
      const report = JSON.parse(out) as { techniques: Array<Record<string, unknown>> };
      for (const t of report.techniques) {
        for (const key of [
          'technique',
          'totalParams',
          'trainableParams',
          'memory',
          'tokensPerSecond',
          'wallSeconds',
          'costUsd',
          'fits',
        ])
          expect(t, key).toHaveProperty(key);
        expect(t.memory).toMatchObject({
          allocatedBytes: expect.any(Number),
          reservedBytes: expect.any(Number),
          nvidiaSmiBytes: expect.any(Number),
          hostBytes: expect.any(Number),
          parts: expect.any(Object),
        });
      }
    }
  });

  it('prints a comparison table by default', () => {
    const { code, out } = run(['estimate', path.join(plans, 'phi3-mini-every-technique-a100.json')]);
    expect(code).toBe(0);
    expect(out).toMatch(/Full fine-tuning +LoRA +QLoRA +DoRA +IA3 +Prompt tuning +Prefix tuning/);
    expect(out).toMatch(/25,165,824 \(0\.65 %\)/);
  });

  it('adds a recommendation on request', () => {
    const { out } = run(['estimate', path.join(plans, 'phi3-mini-every-technique-a100.json'), '--json', '--recommend']);
    const report = JSON.parse(out) as {
      recommendation: { cheapest: { costUsd: number } | null; fastest: unknown; considered: number };
    };
    expect(report.recommendation.cheapest?.costUsd).toBeGreaterThan(0);
    expect(report.recommendation.considered).toBeGreaterThan(1000);
  });

  it('exits 2 naming the field for an invalid plan, a missing file or bad JSON', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-cli-'));
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(
      bad,
      JSON.stringify({ name: 'x', model: { source: 'catalog', id: 'Phi-4' }, training: { microBatch: 0 } }),
    );
    expect(run(['estimate', bad])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/training\.microBatch: must be at least 1/),
    });
    const notJson = path.join(dir, 'x.json');
    fs.writeFileSync(notJson, '{ nope');
    expect(run(['estimate', notJson])).toMatchObject({ code: 2, err: expect.stringMatching(/not valid JSON/) });
    expect(run(['estimate', path.join(dir, 'missing.json')])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/Cannot read/),
    });
    expect(run(['estimate'])).toMatchObject({ code: 2 });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('works as a real process through the bin (no Electron needed)', () => {
    const r = spawnSync(
      process.execPath,
      [path.join(root, 'build/bin/tuneplan.mjs'), 'estimate', path.join(plans, 'custom-qwen-config.json'), '--json'],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as { model: { totalParams: number } }).model.totalParams).toBe(3_085_938_688);
  });
});

describe('validation against published measurements', () => {
  const records = (
    JSON.parse(fs.readFileSync(path.join(root, 'tests/fixtures/reference-measurements.json'), 'utf8')) as {
      records: ReferenceRecord[];
    }
  ).records;

  it('maps every measured record to a plan and meets the accuracy target (median ≤ 10 %, none beyond 25 %)', () => {
    const { rows, skipped } = validateRecords(records);
    expect(skipped).toEqual([]);
    expect(rows.length).toBe(records.filter((r) => r.value_kind === 'measured').length);
    const s = summarize(rows);
    expect(s.median).toBeLessThanOrEqual(10);
    expect(s.worst).toBeLessThanOrEqual(25);
  });

  it('reads the PEFT config text of a record', () => {
    const rec = records.find((r) => r.id === 'peft-mc-llama32-3b-lora-r10-mlp')!;
    const mapped = planFromRecord(rec);
    expect('plan' in mapped && mapped.plan.techniques).toEqual([
      { kind: 'lora', rank: 10, dropout: 0, targets: 'custom', customModules: ['up_proj', 'gate_proj', 'down_proj'] },
    ]);
  });

  it('prints the summary as its last line', () => {
    const { out } = run(['validate']);
    expect(out.split('\n').pop()).toMatch(/^median abs error \d+\.\d%, worst \d+\.\d% over 14 records$/);
  });
});

describe('files saved with a UTF-8 BOM (issue 11.8)', () => {
  it('estimate reads a plan that Notepad saved with a BOM', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneplan-bom-'));
    try {
      const file = path.join(dir, 'plan.json');
      fs.writeFileSync(
        file,
        `\uFEFF${fs.readFileSync(path.join(plans, 'phi3-mini-every-technique-a100.json'), 'utf8')}`,
      );
      const { code, out, err } = run(['estimate', file, '--json']);
      expect(err).toBe('');
      expect(code).toBe(0);
      expect((JSON.parse(out) as { techniques: unknown[] }).techniques.length).toBeGreaterThan(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tuneplan model (issue 12 item 4)', () => {
  const configs = path.join(root, 'tests/fixtures/configs');

  it('prints what it read with the ModelSpec field names, the counts and every technique', () => {
    const { code, out } = run(['model', path.join(configs, 'mixtral-8x7b-config.json'), '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(out) as Record<string, unknown> & { trainable: Record<string, number> };
    expect(r).toMatchObject({
      modelType: 'mixtral',
      hiddenSize: 4096,
      numKvHeads: 8,
      moe: { numExperts: 8, topK: 2 },
      totalParams: 46_702_792_704,
      activeParams: 12_879_925_248,
      warnings: [],
    });
    expect(Object.keys(r.trainable)).toHaveLength(13);
    expect(r.trainable.full).toBe(46_702_792_704);
  });

  it('takes techniques as JSON, in order, and names the adapted modules', () => {
    const { code, out } = run([
      'model',
      path.join(configs, 'qwen2.5-3b-config.json'),
      '--json',
      '--technique',
      '{"kind":"lora","rank":16,"targets":"qv"}',
      '--technique={"kind":"prompt_tuning","virtualTokens":8}',
    ]);
    expect(code).toBe(0);
    const r = JSON.parse(out) as {
      trainable: Record<string, number>;
      techniques: Array<{ trainableParams: number; totalParams: number; targetModules: string[] }>;
    };
    // print_trainable_parameters for Qwen2.5-3B LoRA r=16 q,v (params.test.ts).
    expect(r.techniques[0]).toMatchObject({
      trainableParams: 3_686_400,
      totalParams: 3_089_625_088,
      targetModules: ['q_proj', 'v_proj'],
    });
    expect(r.trainable).toEqual({ lora: 3_686_400, prompt_tuning: 8 * 2048 });
  });

  it('warns about what it filled in, and prints a summary without --json', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneplan-model-'));
    try {
      const file = path.join(dir, 'config.json');
      fs.writeFileSync(
        file,
        `\uFEFF${JSON.stringify({ model_type: 'starcoder9', hidden_size: 64, intermediate_size: 96, num_hidden_layers: 2, num_attention_heads: 4, vocab_size: 1000 })}`,
      );
      const json = JSON.parse(run(['model', file, '--json']).out) as { modelType: string; warnings: string[] };
      expect(json.modelType).toBe('generic');
      expect(json.warnings.join('\n')).toMatch(/model_type "starcoder9": read as a generic/);
      expect(json.warnings.join('\n')).toMatch(/num_key_value_heads is absent: assumed 4/);
      const text = run(['model', file]);
      expect(text.code).toBe(0);
      expect(text.out).toMatch(/total params +\d/);
      expect(text.out).toMatch(/warning: tie_word_embeddings is absent/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses with exit code 2 and the reason: missing file, bad JSON, missing fields, bad technique', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneplan-model-'));
    try {
      const bad = path.join(dir, 'bad.json');
      fs.writeFileSync(bad, '{"model_type": "llama",');
      const mamba = path.join(dir, 'mamba.json');
      fs.writeFileSync(mamba, '{"model_type": "mamba", "hidden_size": 768}');
      expect(run(['model', path.join(dir, 'none.json')])).toMatchObject({
        code: 2,
        err: expect.stringMatching(/Cannot read .*none\.json/),
      });
      expect(run(['model', bad])).toMatchObject({ code: 2, err: expect.stringMatching(/bad\.json is not valid JSON/) });
      expect(run(['model', mamba])).toMatchObject({
        code: 2,
        err: expect.stringMatching(/Cannot read .*mamba\.json: model_type "mamba" .* is missing intermediate_size/),
      });
      expect(
        run(['model', path.join(configs, 'qwen2.5-3b-config.json'), '--technique', '{"kind":"lora","rank":0}']),
      ).toMatchObject({
        code: 2,
        err: expect.stringMatching(/--technique 1 is not a valid technique: rank: must be at least 1/),
      });
      expect(run(['model'])).toMatchObject({ code: 2, err: expect.stringMatching(/model needs a config\.json/) });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
