import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../electron/cli/main';
import { applyMergePatch } from '../../shared/merge-patch';
import { planFromRecord, type RecordSwitches, type ReferenceRecord } from '../../electron/cli/reference';
import { estimatePlan } from '../../shared/estimate/estimate';
import { summarize, validateRecords, type ValidationRow } from '../../electron/cli/validate';
import { readReferenceDatasets } from '../../electron/cli/reference-datasets';

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

  it('adds levers to every technique and top-level warnings to the JSON (issue 14)', () => {
    const file = path.join(plans, 'phi3-mini-every-technique-a100.json');
    const { code, out } = run(['estimate', file, '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as {
      tuneplanEstimateVersion: number;
      warnings: Array<Record<string, unknown>>;
      techniques: Array<{ fits: boolean; fit: { levers: Array<Record<string, unknown>> } }>;
    };
    expect(report.tuneplanEstimateVersion).toBe(2);
    expect(Array.isArray(report.warnings)).toBe(true);
    const levers = report.techniques.flatMap((t) => t.fit.levers);
    expect(report.techniques.some((t) => !t.fits && t.fit.levers.length > 0)).toBe(true);
    const lever = levers[0]!;
    expect(Object.keys(lever)).toEqual([
      'id',
      'label',
      'patch',
      'reservedBytesAfter',
      'nvidiaSmiBytesAfter',
      'stateAfter',
      'wallSecondsAfter',
    ]);
    // The patch is a merge patch on the file as it stands: estimating the patched file gives the lever's figures.
    const index = report.techniques.findIndex((t) => t.fit.levers.includes(lever));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-cli-'));
    const patched = path.join(dir, 'patched.json');
    fs.writeFileSync(patched, JSON.stringify(applyMergePatch(JSON.parse(fs.readFileSync(file, 'utf8')), lever.patch)));
    const after = JSON.parse(run(['estimate', patched, '--json']).out) as {
      techniques: Array<{
        fit: { state: string };
        wallSeconds: number;
        memory: { reservedBytes: number; nvidiaSmiBytes: number };
      }>;
    };
    const t = after.techniques[index]!;
    expect([t.memory.reservedBytes, t.memory.nvidiaSmiBytes, t.fit.state, t.wallSeconds]).toEqual([
      lever.reservedBytesAfter,
      lever.nvidiaSmiBytesAfter,
      lever.stateAfter,
      lever.wallSecondsAfter,
    ]);
  });

  it('labels a CPU-only machine: RAM, no nvidia-smi or GPU-hours, a rough time, and says so', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-cli-'));
    const file = path.join(dir, 'cpu.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        name: 'cpu',
        model: { source: 'catalog', id: 'Qwen2.5-0.5B' },
        techniques: [{ kind: 'lora' }],
        hardware: {
          gpu: {
            source: 'custom',
            name: 'CPU only: AMD EPYC (16 cores)',
            memoryGiB: 64,
            bf16Tflops: 1,
            bandwidthGBs: 50,
          },
        },
      }),
    );
    const { code, out } = run(['estimate', file]);
    expect(code).toBe(0);
    expect(out).toMatch(/peak memory \(RAM\) +\d[\d,.]* GiB/);
    expect(out).toMatch(/\(rough, CPU\)/);
    expect(out).toMatch(/warning \(cpu-estimate/);
    expect(out).not.toMatch(/GPU-hours|nvidia-smi/);
    const json = JSON.parse(run(['estimate', file, '--json']).out) as {
      device: unknown;
      warnings: Array<{ code: string }>;
    };
    expect(json.device).toEqual({ kind: 'cpu', rough: true });
    expect(json.warnings.map((w) => w.code)).toContain('cpu-estimate');
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
  const datasets = readReferenceDatasets(root);

  it('maps every measured record to a plan and meets the issue 15 targets (median ≤ 5 %, worst ≤ 15 %)', () => {
    const { rows, skipped } = validateRecords(records, datasets);
    expect(skipped).toEqual([]);
    expect(rows.length).toBe(records.filter((r) => r.value_kind === 'measured').length);
    const s = summarize(rows);
    expect(s.median).toBeLessThanOrEqual(5);
    expect(s.worst).toBeLessThanOrEqual(15);
    expect(summarize(rows.filter((r) => r.source === 'github.com/huggingface/peft')).worst).toBeLessThanOrEqual(10);
    expect(rows.find((r) => r.id === 'torchtune-llama32-3b-flags-baseline')!.inRange).toBe(true);
  });

  it("sizes the torchtune padded baseline from alpaca-cleaned's lengths, as one step's peak", () => {
    const baseline = (rows: ValidationRow[]) => rows.find((r) => r.id === 'torchtune-llama32-3b-flags-baseline')!;
    const withData = baseline(validateRecords(records, datasets).rows);
    // Without the lengths the expected figure stays at format 1's full 4,096 tokens, more than twice the measurement.
    const without = baseline(validateRecords(records).rows);
    expect(without.errorPercent).toBeGreaterThan(100);
    expect(without.data).toBeUndefined();
    expect(Math.abs(withData.errorPercent)).toBeLessThanOrEqual(15);
    expect(withData.data).toMatch(/One step's peak/);
    // The range spans a short step to the run's longest batch: far wider than one step's own spread.
    expect(withData.highGiB - withData.lowGiB).toBeGreaterThan(5);
    // Time follows the data's real tokens (mean 196 a row, padded by the plan's assumed factor, time.ts
    // PADDING_FACTOR): far fewer a second than full 4,096-token rows (measured 2,091 tokens/s; packed 7,075).
    expect(withData.predictedTokensPerSecond).toBeLessThan(without.predictedTokensPerSecond);
    // Packed rows have every step at full length: the dataset does not change them.
    const packed = (rows: ValidationRow[]) => rows.find((r) => r.id === 'torchtune-llama32-3b-flags-packed')!;
    expect(packed(validateRecords(records, datasets).rows)).toEqual(packed(validateRecords(records).rows));
  });

  it('compares like with like: torchtune reports peak active bytes, the PEFT benchmark reserved', () => {
    const { rows } = validateRecords(records, datasets);
    expect(new Set(rows.filter((r) => r.source === 'github.com/pytorch/torchtune').map((r) => r.counter))).toEqual(
      new Set(['active']),
    );
    // Issue 15 targets: ranges cover ≥ 80 % of the measurements and stay useful (median width ≤ 30 %).
    const all = summarize(rows);
    expect(all.coveragePercent).toBeGreaterThanOrEqual(80);
    // Two of them (torchtune LoRA and QLoRA) only through the first step's low end: said apart.
    expect(rows.filter((r) => r.inRangeByFirstStep).map((r) => r.id)).toEqual([
      'torchtune-llama32-3b-flags-lora',
      'torchtune-llama32-3b-flags-qlora',
    ]);
    expect(all.inRangeByFirstStep).toBe(2);
    expect(all.medianWidthPercent).toBeLessThanOrEqual(30);
  });

  it("spreads a torchtune figure over the steps it could be: the first one runs without the optimizer's state", () => {
    const { rows } = validateRecords(records, datasets);
    // Each record's own estimate, its switches carried down the ablation as validateRecords does.
    const own = new Map<string, ReturnType<typeof estimatePlan>['techniques'][number]>();
    let previous: { source: string; switches: RecordSwitches } | undefined;
    for (const r of records) {
      if (r.value_kind !== 'measured' || r.peak_gpu_mem_gib_normalized === null) continue;
      const m = planFromRecord(r, previous?.source === r.source_url ? previous.switches : undefined);
      if ('skip' in m) continue;
      previous = { source: r.source_url, switches: m.switches };
      own.set(r.id, estimatePlan(m.plan).techniques[0]!);
    }
    const GiB = 2 ** 30;
    for (const id of ['torchtune-llama32-3b-flags-lora', 'torchtune-llama32-3b-flags-packed']) {
      const row = rows.find((r) => r.id === id)!;
      const t = own.get(id)!;
      // Same expected figure and high end as the estimate; the low end is the first step's.
      expect(row.predictedGiB).toBeCloseTo(t.memory.activeBytes / GiB, 9);
      expect(row.highGiB).toBeCloseTo(t.memory.high.activeBytes / GiB, 9);
      expect(row.lowGiB).toBeCloseTo(t.memory.low.firstStepActiveBytes / GiB, 9);
      expect(row.lowGiB).toBeLessThan(t.memory.low.activeBytes / GiB);
    }
    // The full fine-tune's moments (2 × 2 B a parameter, 11.97 GiB) are far more than LoRA's.
    const drop = (id: string) => own.get(id)!.memory.low.activeBytes / GiB - rows.find((r) => r.id === id)!.lowGiB;
    expect(drop('torchtune-llama32-3b-flags-packed')).toBeGreaterThan(10 * drop('torchtune-llama32-3b-flags-lora'));
  });

  it('maps a torchtune record that says "AdamW" to the fused step its configs ask for', () => {
    // recipes/configs at 1814feb: 104 of the 107 configs with torch.optim.AdamW set `fused: True`.
    for (const id of ['torchtune-llama32-3b-flags-act-ckpt', 'torchtune-llama32-3b-flags-lora']) {
      const mapped = planFromRecord(records.find((r) => r.id === id)!);
      expect('plan' in mapped && mapped.plan.training?.optimizer).toBe('adamw_torch_fused');
    }
    const peft = planFromRecord(records.find((r) => r.id === 'peft-mc-llama32-3b-full')!);
    expect('plan' in peft && peft.plan.training?.optimizer).toBe('adamw');
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
    expect(out.split('\n').pop()).toMatch(
      new RegExp(
        /^median abs error \d+\.\d%, worst \d+\.\d% over 24 records; /.source +
          /\d+ of 24 inside low–high \(\d+%(; \d+ only through a first step's low end)?\), /.source +
          /median range width \d+%$/.source,
      ),
    );
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

  it('says the vision tower and an audio encoder apart (Phi-4-multimodal), the audio frozen', () => {
    const { code, out } = run([
      'model',
      path.join(configs, 'remote-vision/phi-4-multimodal-instruct-trtllm-config.json'),
    ]);
    expect(code).toBe(0);
    const tower = /^vision tower {2}([\d,]+) /m.exec(out)?.[1];
    const audio = /^audio encoder ([\d,]+) .*frozen: only image inputs are planned/m.exec(out)?.[1];
    const json = JSON.parse(
      run(['model', path.join(configs, 'remote-vision/phi-4-multimodal-instruct-trtllm-config.json'), '--json']).out,
    ) as { vision: { towerParams: number; audioParams: number } };
    expect(Number(audio?.replace(/,/g, ''))).toBe(json.vision.audioParams);
    expect(Number(tower?.replace(/,/g, ''))).toBe(json.vision.towerParams - json.vision.audioParams);
    expect(json.vision.audioParams).toBeGreaterThan(0);
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
        '\uFEFF' +
          JSON.stringify({
            model_type: 'starcoder9',
            hidden_size: 64,
            intermediate_size: 96,
            num_hidden_layers: 2,
            num_attention_heads: 4,
            vocab_size: 1000,
          }),
      );
      const json = JSON.parse(run(['model', file, '--json']).out) as { modelType: string; warnings: string[] };
      expect(json.modelType).toBe('generic');
      expect(json.warnings.join('\n')).toMatch(/Approximated: model_type "starcoder9" read as a generic/);
      expect(json.warnings.join('\n')).toMatch(/num_key_value_heads is absent: assumed 4/);
      const text = run(['model', file]);
      expect(text.code).toBe(0);
      expect(text.out).toMatch(/total params +\d/);
      expect(text.out).toMatch(/MLP +gated, activation silu \(the family default\); no dropout/);
      expect(text.out).toMatch(/warning: tie_word_embeddings is absent/);
      // What the memory estimate reads besides the shapes: GPT-2's gelu_new and its 0.1 dropouts.
      fs.writeFileSync(
        file,
        JSON.stringify({ model_type: 'gpt2', n_embd: 64, n_head: 4, n_layer: 2, vocab_size: 1000 }),
      );
      expect(run(['model', file]).out).toMatch(
        /MLP +plain, activation gelu_new \(the family default\); dropout hidden 0\.1, attention 0\.1 \(one-byte/,
      );
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

describe('tuneplan estimate --recommend (issue 14 item 3)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-rec-'));
  const planFile = path.join(dir, 'plan.json');
  fs.writeFileSync(
    planFile,
    JSON.stringify({
      name: 'LoRA on my RTX 4090',
      model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
      techniques: [{ kind: 'lora' }, { kind: 'qlora' }],
      training: { microBatch: 2, gradAccum: 8, seqLen: 1024, gradientCheckpointing: true },
      data: { mode: 'examples', examples: 5000, meanTokensPerExample: 400 },
      hardware: { gpu: { source: 'catalog', id: 'rtx-4090' } },
    }),
  );
  // Probes as `tuneplan probe --json` writes them, with GPUs from the real nvidia-smi output in tests/fixtures/probes.
  const probeFile = (name: string, smi: string) => {
    const file = path.join(dir, name);
    const [gpu, memory, used, driver, cap] = smi.split(',').map((c) => c.trim());
    fs.writeFileSync(
      file,
      JSON.stringify({
        probeVersion: 1,
        takenAt: '2026-11-28T00:00:00.000Z',
        hostname: name,
        os: { platform: 'linux', release: '6.8', arch: 'arm64' },
        cpu: { model: 'Cortex-X925', physicalCores: 20, logicalCores: 20 },
        memory: { totalBytes: 128 * 2 ** 30, freeBytes: 100 * 2 ** 30 },
        disks: [],
        gpus: [
          {
            vendor: 'nvidia',
            name: gpu,
            memoryTotalBytes: memory === '[N/A]' ? null : Number(memory) * 2 ** 20,
            memoryUsedBytes: used === '[N/A]' ? null : Number(used) * 2 ** 20,
            driver,
            computeCapability: cap,
            unifiedMemory: false,
          },
        ],
        detection: {
          nvidia: 'detected: 1 GPU',
          amd: 'not detected: rocm-smi is not installed or not on PATH',
          apple: 'not detected: not macOS',
        },
      }),
    );
    return file;
  };
  const smi = (f: string) => fs.readFileSync(path.join(root, 'tests/fixtures/probes', f), 'utf8').trim();
  const spark = probeFile('spark.json', smi('nvidia-smi-gb10-dgx-spark.txt'));
  const box = probeFile('box.json', smi('nvidia-smi-rtx4090.txt'));

  interface Option extends Record<string, unknown> {
    gpuId: string;
    gpus: number;
    microBatch: number;
    gradAccum: number;
    owned: boolean;
    ownedId: string | null;
    costUsd: number | null;
    wallSeconds: number;
  }
  interface Rec {
    globalBatch: number;
    sortedBy: string;
    filters: Record<string, unknown>;
    ranked: Option[];
    rejected: Array<{ reason: string }>;
    needsFigures: Array<{ ownedId: string; howToEnter: string }>;
  }
  const recommendation = (args: string[]) => {
    const { code, out, err } = run(['estimate', planFile, '--json', '--recommend', ...args]);
    expect(err).toBe('');
    expect(code).toBe(0);
    return (JSON.parse(out) as { recommendation: Rec }).recommendation;
  };

  it('adds the documented recommendation: global batch kept, each option with its fields, owned hardware first', () => {
    const rec = recommendation([]);
    for (const key of ['globalBatch', 'sortedBy', 'considered', 'fitting', 'cheapest', 'fastest', 'ranked', 'rejected'])
      expect(rec, key).toHaveProperty(key);
    expect(rec.globalBatch).toBe(16);
    for (const o of rec.ranked) {
      for (const key of [
        'gpuId',
        'gpus',
        'techniqueIndex',
        'microBatch',
        'gradAccum',
        'reservedBytes',
        'nvidiaSmiBytes',
        'wallSeconds',
        'costUsd',
        'owned',
        'priceSource',
      ])
        expect(o, key).toHaveProperty(key);
      expect(o.gpus * o.microBatch * o.gradAccum).toBe(16);
    }
    expect(rec.ranked[0]).toMatchObject({ gpuId: 'rtx-4090', owned: true, costUsd: null });
    expect(rec.rejected.every((r) => r.reason.length > 0)).toBe(true);
  });

  it('flags override the plan’s goals: sort, deadline, max GPUs, owned only, profiles', () => {
    const rec = recommendation([
      '--sort',
      'time',
      '--deadline=1000',
      '--max-gpus',
      '2',
      '--owned-only',
      '--profile',
      spark,
      '--profile',
      box,
    ]);
    expect(rec.sortedBy).toBe('time');
    expect(rec.filters).toMatchObject({ deadlineHours: 1000, maxGpus: 2, ownedOnly: true });
    expect(rec.ranked.length).toBeGreaterThan(0);
    expect(rec.ranked.every((o) => o.owned && o.gpus <= 2)).toBe(true);
    // The box's 4090 is the plan's GPU already: listed once. The Spark's GB10 reports no memory: needs figures.
    expect(rec.ranked.some((o) => o.ownedId === 'profile:box.json')).toBe(false);
    expect(rec.needsFigures).toMatchObject([{ ownedId: 'profile:spark.json' }]);
    expect(rec.needsFigures[0]!.howToEnter).toMatch(/memory \(GiB\)/);
    const times = rec.ranked.map((o) => o.wallSeconds);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('a budget ranks by time within it', () => {
    const rec = recommendation(['--budget', '5']);
    expect(rec.sortedBy).toBe('time');
    expect(rec.ranked.every((o) => (o.costUsd === null ? o.owned : o.costUsd <= 5))).toBe(true);
  });

  it('prints the ranking under the table without --json', () => {
    const { code, out } = run(['estimate', planFile, '--recommend', '--profile', spark]);
    expect(code).toBe(0);
    expect(out).toMatch(/Recommendation: global batch 16 kept, sorted by cost/);
    expect(out).toMatch(
      / 1\. LoRA on 1 × NVIDIA GeForce RTX 4090 \(your hardware\), micro-batch \d+ × accumulation \d+/,
    );
    expect(out).toMatch(/Needs your figures: 1 × NVIDIA GB10 \(spark\.json\)/);
  });

  it('exits 2 naming the flag for a bad value, a flag without --recommend, or a file that is not a probe', () => {
    expect(run(['estimate', planFile, '--recommend', '--sort', 'fast'])).toMatchObject({
      code: 2,
      err: '--sort must be cost or time, not "fast"',
    });
    expect(run(['estimate', planFile, '--recommend', '--budget', '-3'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^--budget must be a positive number of US dollars/),
    });
    expect(run(['estimate', planFile, '--recommend', '--max-gpus', '2.5'])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^--max-gpus must be a whole number from 1 to 1024/),
    });
    expect(run(['estimate', planFile, '--budget', '5'])).toMatchObject({
      code: 2,
      err: '--budget only applies with --recommend',
    });
    expect(run(['estimate', planFile, '--recommend', '--profile', planFile])).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--profile .*plan\.json is not a machine probe[\s\S]*takenAt:/),
    });
  });
});
