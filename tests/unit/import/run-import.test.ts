/**
 * The run-log importers over every real fixture in tests/fixtures/runs (written by transformers / TRL and
 * LLaMA-Factory's LogCallback code, see its README). Expected values are read from the fixture files here, with
 * the meaning transformers gives them, not copied from the importer's output.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunResultSchema } from '../../../shared/domain/run-result';
import { parseTimedelta } from '../../../shared/import/llama-factory-log';
import { parsePythonJson, replacePythonNonFinite } from '../../../shared/import/python-json';
import { downsampleEvenly, toRunResultFields } from '../../../shared/import/run-import';
import { parseRunFiles, TrainerImportError } from '../../../shared/import/trainer-state';

const root = path.resolve(__dirname, '../../fixtures/runs');
const versions = fs.readdirSync(root).filter((d) => fs.statSync(path.join(root, d)).isDirectory());
const trainerDirs = versions.flatMap((v) =>
  fs
    .readdirSync(path.join(root, v))
    .filter((t) => fs.existsSync(path.join(root, v, t, 'trainer_state.json')))
    .map((t) => path.join(v, t)),
);
const file = (rel: string) => ({ name: path.basename(rel), text: fs.readFileSync(path.join(root, rel), 'utf8') });

type Entry = Record<string, number | null | undefined>;
/** The test's own reading of Python JSON: the fixtures have NaN only as values, never inside strings. */
const readPython = (rel: string) =>
  JSON.parse(fs.readFileSync(path.join(root, rel), 'utf8').replace(/-?Infinity|NaN/g, 'null')) as Record<
    string,
    unknown
  >;
const finite = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

describe('real fixtures', () => {
  it('cover at least two transformers versions and every trainer', () => {
    expect(versions.length).toBeGreaterThanOrEqual(2);
    for (const v of versions) {
      expect(fs.readFileSync(path.join(root, v, 'VERSIONS.txt'), 'utf8')).toMatch(/^transformers==/m);
      for (const t of ['trainer', 'sft', 'dpo', 'grpo', 'nan', 'llama-factory'])
        expect(trainerDirs, `${v}/${t}`).toContain(path.join(v, t));
    }
  });
});

describe.each(trainerDirs)('trainer_state.json of %s', (dir) => {
  const state = readPython(`${dir}/trainer_state.json`);
  const history = state.log_history as Entry[];
  const trainLogs = history.filter((e) => 'loss' in e);
  const summary = history.find((e) => 'train_loss' in e)!;
  const evals = history.filter((e) => finite(e.eval_loss) !== null);

  it('reads steps, epochs, final and mean loss, wall time, samples/s, tokens/s and both curves', () => {
    const { run, found } = parseRunFiles([file(`${dir}/trainer_state.json`)]);
    expect(found).toEqual(['trainer_state.json']);
    expect(run.source).toBe('trainer_state');
    expect(run.steps).toBe(state.global_step);
    expect(run.epochs).toBe(state.epoch);
    // Final loss: the last logged training loss; train_loss is the run's mean (issue 11 item 4).
    expect(run.finalLoss).toBe(finite(trainLogs.at(-1)!.loss));
    expect(run.meanLoss).toBe(finite(summary.train_loss));
    expect(run.wallSeconds).toBe(summary.train_runtime);
    expect(run.samplesPerSecond).toBe(summary.train_samples_per_second);
    const seen = finite(state.num_input_tokens_seen);
    const trlTokens = trainLogs.map((e) => finite(e.num_tokens)).findLast((n) => n !== null && n > 0);
    const tokens = seen && seen > 0 ? seen : (trlTokens ?? null);
    if (tokens === null) expect(run.tokensPerSecond).toBeNull();
    else expect(run.tokensPerSecond).toBeCloseTo(tokens / summary.train_runtime!, 9);
    const finiteLosses = trainLogs.filter((e) => finite(e.loss) !== null);
    expect(run.lossCurve).toHaveLength(finiteLosses.length);
    if (finiteLosses.length) {
      expect(run.lossCurve[0]).toEqual({ step: finiteLosses[0]!.step, loss: finiteLosses[0]!.loss });
      expect(run.lossCurve.at(-1)).toEqual({ step: finiteLosses.at(-1)!.step, loss: finiteLosses.at(-1)!.loss });
    }
    expect(run.evalCurve).toEqual(evals.map((e) => ({ step: e.step, loss: e.eval_loss })));
    // Every eval loss of the NaN runs is NaN; the others evaluated every 2 steps.
    if (!dir.endsWith('nan')) expect(run.evalCurve.length).toBeGreaterThan(0);
    // What the Runs tab records passes the domain schema.
    expect(() =>
      RunResultSchema.parse({ technique: 'lora', gpuName: 'CPU', gpuCount: 1, ...toRunResultFields(run) }),
    ).not.toThrow();
  });

  it('fills the totals from all_results.json the same way, and train_results.json alone gives the totals', () => {
    const both = parseRunFiles([file(`${dir}/trainer_state.json`), file(`${dir}/all_results.json`)]);
    expect(both.found).toEqual(['trainer_state.json', 'all_results.json']);
    const all = readPython(`${dir}/all_results.json`) as Entry;
    expect(both.run.wallSeconds).toBe(all.train_runtime);
    expect(both.run.samplesPerSecond).toBe(all.train_samples_per_second);
    const alone = parseRunFiles([file(`${dir}/train_results.json`)]).run;
    const train = readPython(`${dir}/train_results.json`) as Entry;
    expect(alone).toMatchObject({
      meanLoss: finite(train.train_loss),
      wallSeconds: train.train_runtime,
      samplesPerSecond: train.train_samples_per_second,
      // TRL 0.24's GRPOTrainer writes no epoch into train_results.json (TRL 1.16's does).
      epochs: train.epoch ?? null,
      finalLoss: null,
      steps: null,
      lossCurve: [],
    });
  });

  it('flags the mid-run checkpoint', () => {
    const ckpt = readPython(`${dir}/checkpoint-3/trainer_state.json`);
    expect(ckpt.global_step).toBeLessThan(ckpt.max_steps as number);
    const { run } = parseRunFiles([file(`${dir}/checkpoint-3/trainer_state.json`)]);
    expect(run.steps).toBe(ckpt.global_step);
    expect(run.meanLoss).toBeNull();
    expect(run.warnings.join('\n')).toMatch(
      new RegExp(`mid-run checkpoint at step ${ckpt.global_step as number} of ${ckpt.max_steps as number}`),
    );
    // The finished run's state carries no such warning.
    expect(parseRunFiles([file(`${dir}/trainer_state.json`)]).run.warnings.join('\n')).not.toMatch(/checkpoint/);
  });

  it('refuses an eval_results.json alone, naming what it holds', () => {
    expect(() => parseRunFiles([file(`${dir}/eval_results.json`)])).toThrow(/hold only evaluation results/);
  });
});

describe.each(versions)('objectives and their curves, %s (issue 19)', (v) => {
  /** The curve the importer should build for `key`, read straight from the file's log_history. */
  const expected = (dir: string, key: string) =>
    (readPython(`${v}/${dir}/trainer_state.json`).log_history as Entry[])
      .filter((e) => finite(e[key]) !== null)
      .map((e) => ({ step: e.step, value: e[key] }));
  const curve = (run: ReturnType<typeof parseRunFiles>['run'], key: string) =>
    run.metricCurves.find((c) => c.key === key)?.points;

  it("reads DPOTrainer's run as dpo, with its rewards and log-probs, training and eval", () => {
    const { run } = parseRunFiles([file(`${v}/dpo/trainer_state.json`)]);
    expect(run.objective).toBe('dpo');
    for (const key of [
      'rewards/margins',
      'rewards/accuracies',
      'rewards/chosen',
      'rewards/rejected',
      'logps/chosen',
      'logps/rejected',
    ]) {
      const train = expected('dpo', key);
      expect(train.length, key).toBe(6); // logging_steps=1, max_steps=6
      expect(curve(run, key), key).toEqual(train);
      // evaluation every 2 steps plus the final one: eval_rewards/margins at steps 2, 4, 6.
      expect(curve(run, `eval_${key}`), `eval_${key}`).toEqual(expected('dpo', `eval_${key}`));
      expect(curve(run, `eval_${key}`)!.length, `eval_${key}`).toBeGreaterThanOrEqual(3);
    }
    // logits/* and the SFT-style keys are not the objective's curves.
    expect(run.metricCurves.map((c) => c.key)).not.toContain('logits/chosen');
    expect(
      RunResultSchema.parse({ technique: 'lora', gpuName: 'CPU', gpuCount: 1, ...toRunResultFields(run) }),
    ).toMatchObject({ objective: 'dpo', metricCurves: run.metricCurves });
  });

  it("reads GRPOTrainer's run as grpo, with the reward, each reward function, completion length and KL", () => {
    const { run } = parseRunFiles([file(`${v}/grpo/trainer_state.json`), file(`${v}/grpo/all_results.json`)]);
    expect(run.objective).toBe('grpo');
    const keys = run.metricCurves.map((c) => c.key);
    // The reward first, then its spread and the reward function's own mean (named after reward_length).
    expect(keys.filter((k) => !k.startsWith('eval_')).slice(0, 3)).toEqual([
      'reward',
      'reward_std',
      'rewards/reward_length/mean',
    ]);
    for (const key of ['reward', 'reward_std', 'rewards/reward_length/mean', 'completions/mean_length', 'kl']) {
      expect(curve(run, key), key).toEqual(expected('grpo', key));
      expect(curve(run, key)!.length, key).toBe(6);
      expect(curve(run, `eval_${key}`), `eval_${key}`).toEqual(expected('grpo', `eval_${key}`));
    }
    // Completion lengths are at most max_completion_length=12 (generate_trainer_outputs.py run_grpo).
    for (const p of curve(run, 'completions/mean_length')!) expect(p.value).toBeLessThanOrEqual(12);
    // The loss curve and totals are read as for any Trainer run.
    expect(run.lossCurve).toHaveLength(6);
    expect(run.meanLoss).toBe(readPython(`${v}/grpo/all_results.json`).train_loss);
    expect(() =>
      RunResultSchema.parse({ technique: 'lora', gpuName: 'CPU', gpuCount: 1, ...toRunResultFields(run) }),
    ).not.toThrow();
  });

  it('reads Trainer and SFTTrainer runs as sft with no metric curves, and a mid-run checkpoint the same way', () => {
    for (const dir of ['trainer', 'sft', 'llama-factory']) {
      const { run } = parseRunFiles([file(`${v}/${dir}/trainer_state.json`)]);
      expect(run.objective, dir).toBe('sft');
      expect(run.metricCurves, dir).toEqual([]);
    }
    const ckpt = parseRunFiles([file(`${v}/grpo/checkpoint-3/trainer_state.json`)]).run;
    expect(ckpt.objective).toBe('grpo');
    expect(curve(ckpt, 'reward')).toEqual(expected('grpo', 'reward').filter((p) => (p.step as number) <= 3));
  });

  it("reads LLaMA-Factory's trainer_log.jsonl of an SFT run as sft, and one with accuracy lines as dpo", () => {
    const log = file(`${v}/llama-factory/trainer_log.jsonl`);
    expect(parseRunFiles([log]).run).toMatchObject({ objective: 'sft', metricCurves: [] });
    // LogCallback.on_log writes accuracy = log_history[-1]["rewards/accuracies"] (LLaMA-Factory callbacks.py L271-317,
    // copied in generate_trainer_outputs.py): the DPO run's values as that callback would have written them.
    const dpo = (readPython(`${v}/dpo/trainer_state.json`).log_history as Entry[]).filter((e) => 'loss' in e);
    const lines = dpo.map((e) =>
      JSON.stringify({ current_steps: e.step, total_steps: 6, loss: e.loss, accuracy: e['rewards/accuracies'] }),
    );
    const { run } = parseRunFiles([{ name: 'trainer_log.jsonl', text: `${lines.join('\n')}\n` }]);
    expect(run.objective).toBe('dpo');
    expect(curve(run, 'accuracy')).toEqual(dpo.map((e) => ({ step: e.step, value: e['rewards/accuracies'] })));
  });
});

describe('objective detection from the keys each TRL 1.16 trainer logs', () => {
  // The key sets are those the trainers' code writes (trl 1.16, paths under trl/): see shared/import/run-objective.ts.
  const cases: Array<[string, string[], string | null]> = [
    [
      'KTOTrainer (kto_trainer.py L1484-1546)',
      ['loss', 'kl', 'rewards/chosen', 'rewards/rejected', 'rewards/margins'],
      'kto',
    ],
    [
      'CPOTrainer (experimental/cpo/cpo_trainer.py L894-912)',
      ['loss', 'rewards/chosen', 'rewards/accuracies', 'nll_loss'],
      'cpo',
    ],
    [
      'ORPOTrainer (experimental/orpo/orpo_trainer.py L853-869)',
      ['loss', 'rewards/margins', 'nll_loss', 'log_odds_ratio'],
      'orpo',
    ],
    [
      'RewardTrainer (reward_trainer.py L803-815)',
      ['loss', 'min_reward', 'mean_reward', 'accuracy', 'margin'],
      'reward',
    ],
    ['GRPOTrainer with beta 0 (no kl key)', ['loss', 'reward', 'reward_std', 'completions/mean_length'], 'grpo'],
    ['nothing recognisable', ['epoch', 'step'], null],
  ];
  it.each(cases)('%s', (_name, keys, objective) => {
    const entry = Object.fromEntries([...keys.map((k) => [k, 0.5]), ['step', 1]]);
    const text = JSON.stringify({ global_step: 1, log_history: [entry] });
    expect(parseRunFiles([{ name: 'trainer_state.json', text }]).run.objective).toBe(objective);
  });
});

describe('Python NaN / Infinity (json.dumps allow_nan)', () => {
  const nanDirs = trainerDirs.filter((d) => d.endsWith(`${path.sep}nan`));

  it.each(nanDirs)('%s: read as missing values with a warning, not "not valid JSON"', (dir) => {
    const raw = fs.readFileSync(path.join(root, dir, 'trainer_state.json'), 'utf8');
    expect(raw).toMatch(/: NaN,?\n/); // the real file holds the bare token
    expect(() => JSON.parse(raw) as unknown).toThrow();
    const { run } = parseRunFiles([file(`${dir}/trainer_state.json`), file(`${dir}/all_results.json`)]);
    expect(run.warnings.join('\n')).toMatch(/NaN or Infinity .* read as missing/);
    expect(run.meanLoss).toBeNull(); // train_loss: NaN
    expect(run.finalLoss).toBeNull(); // the last logged loss is NaN: the run diverged, no older value stands in
    expect(run.warnings.join('\n')).toMatch(/last logged training loss \(step \d+\) is not a finite number/);
    expect(run.lossCurve.every((p) => Number.isFinite(p.loss))).toBe(true);
    expect(run.lossCurve.length).toBeGreaterThan(0); // the steps before the divergence
  });

  it('reads Infinity and -Infinity too (derived from the real NaN file: same json.dumps, ±inf instead of NaN)', () => {
    const dir = nanDirs[0]!;
    const raw = fs.readFileSync(path.join(root, dir, 'trainer_state.json'), 'utf8');
    const text = raw.replace('NaN', 'Infinity').replace('NaN', '-Infinity');
    expect(text).toMatch(/: Infinity/);
    expect(text).toMatch(/: -Infinity/);
    const { run } = parseRunFiles([{ name: 'trainer_state.json', text }]);
    expect(run.steps).toBe(readPython(`${dir}/trainer_state.json`).global_step);
  });

  it('leaves the tokens alone inside strings', () => {
    const r = replacePythonNonFinite('{"note": "NaN and Infinity \\" NaN", "x": NaN, "y": -Infinity}');
    expect(r.replaced).toBe(2);
    expect(JSON.parse(r.text)).toEqual({ note: 'NaN and Infinity " NaN', x: null, y: null });
    expect(parsePythonJson('\uFEFF{"a": 1}')).toEqual({ value: { a: 1 }, nonFinite: 0 });
  });
});

describe("LLaMA-Factory's trainer_log.jsonl", () => {
  const logDirs = trainerDirs.filter((d) => fs.existsSync(path.join(root, d, 'trainer_log.jsonl')));
  it('exists for every library set', () => expect(logDirs).toHaveLength(versions.length));

  it.each(logDirs)('%s: imported as a run', (dir) => {
    const lines = fs
      .readFileSync(path.join(root, dir, 'trainer_log.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, number | string>);
    const train = lines.filter((l) => 'loss' in l);
    const evals = lines.filter((l) => 'eval_loss' in l);
    const last = lines.at(-1)!;
    const { run, found } = parseRunFiles([file(`${dir}/trainer_log.jsonl`)]);
    expect(found).toEqual(['trainer_log.jsonl']);
    expect(run.source).toBe('llama-factory');
    expect(run.steps).toBe(last.current_steps);
    expect(run.epochs).toBe(last.epoch);
    expect(run.finalLoss).toBe(train.at(-1)!.loss);
    expect(run.lossCurve).toEqual(train.map((l) => ({ step: l.current_steps, loss: l.loss })));
    expect(run.evalCurve).toEqual(evals.map((l) => ({ step: l.current_steps, loss: l.eval_loss })));
    expect(run.tokensPerSecond).toBe(last.throughput);
    const elapsed = parseTimedelta(last.elapsed_time as string);
    expect(run.wallSeconds).toBe(elapsed === 0 ? null : elapsed);
    expect(run.meanLoss).toBeNull(); // the log has no train_loss; all_results.json adds it
    const withResults = parseRunFiles([file(`${dir}/trainer_log.jsonl`), file(`${dir}/all_results.json`)]).run;
    const all = readPython(`${dir}/all_results.json`) as Entry;
    expect(withResults.meanLoss).toBe(all.train_loss);
    expect(withResults.samplesPerSecond).toBe(all.train_samples_per_second);
    expect(() =>
      RunResultSchema.parse({ technique: 'lora', gpuName: 'CPU', gpuCount: 1, ...toRunResultFields(run) }),
    ).not.toThrow();
  });

  const real = () => file(`${logDirs[0]}/trainer_log.jsonl`);

  it('is recognised by its content under another name', () => {
    expect(parseRunFiles([{ ...real(), name: 'log.txt' }]).run.source).toBe('llama-factory');
  });

  it('reads Python timedelta strings, days included', () => {
    expect(parseTimedelta('0:03:07')).toBe(187);
    expect(parseTimedelta('1 day, 2:03:04')).toBe(86_400 + 7384);
    expect(parseTimedelta('3 days, 0:00:00')).toBe(3 * 86_400);
    expect(parseTimedelta('soon')).toBeNull();
  });

  it('flags a log that ends before total_steps, and keeps the later run when steps go back', () => {
    const lines = real().text.trim().split('\n');
    const cut = parseRunFiles([{ name: 'trainer_log.jsonl', text: lines.slice(0, 3).join('\n') }]).run;
    expect(cut.warnings.join('\n')).toMatch(/ends at step 2 of 6/);
    const twice = parseRunFiles([{ name: 'trainer_log.jsonl', text: [...lines, ...lines].join('\n') }]).run;
    expect(twice.warnings.join('\n')).toMatch(/more than one run/);
    expect(twice.lossCurve).toEqual(parseRunFiles([real()]).run.lossCurve);
  });

  it('explains a JSON-lines file of another shape', () => {
    expect(() => parseRunFiles([{ name: 'metrics.jsonl', text: '{"step": 1, "train/loss": 2.1}\n' }])).toThrow(
      /line 1 is a JSON object with keys step, train\/loss, not a LLaMA-Factory trainer_log\.jsonl record/,
    );
  });
});

describe('imports', () => {
  const dir = trainerDirs[0]!;
  it('downsample loss curves over 10,000 points evenly, keeping the first and last', () => {
    const state = readPython(`${dir}/trainer_state.json`);
    const template = (state.log_history as Entry[]).find((e) => 'loss' in e)!;
    state.log_history = Array.from({ length: 25_001 }, (_, i) => ({ ...template, step: i + 1, loss: 1 + i / 1e5 }));
    const { run } = parseRunFiles([{ name: 'trainer_state.json', text: JSON.stringify(state) }]);
    expect(run.lossCurve).toHaveLength(10_000);
    expect(run.lossCurve[0]).toEqual({ step: 1, loss: 1 });
    expect(run.lossCurve.at(-1)).toEqual({ step: 25_001, loss: 1.25 });
    // Even spacing: no gap is more than one point wider than another.
    const gaps = run.lossCurve.slice(1).map((p, i) => p.step - run.lossCurve[i]!.step);
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThanOrEqual(1);
    expect(run.warnings.join('\n')).toMatch(/25,001 points; 10,000 evenly spaced ones were kept/);
    expect(downsampleEvenly([1, 2, 3])).toEqual([1, 2, 3]);
  });

  it('name what an unknown file looks like and which files are accepted', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['config.json', '{"model_type": "llama", "hidden_size": 8}', /config\.json looks like a model's config\.json/],
      ['adapter_config.json', '{"peft_type": "LORA"}', /PEFT adapter_config\.json/],
      ['ds.json', '{"zero_optimization": {"stage": 2}}', /DeepSpeed config/],
      ['x.json', '{"foo": 1}', /a JSON object with keys foo/],
      ['train.yaml', 'model_name_or_path: x\nstage: sft\n', /not valid JSON: it looks like YAML/],
      ['x.json', 'nope', /not valid JSON/],
    ];
    for (const [name, text, message] of cases) {
      expect(() => parseRunFiles([{ name, text }]), name).toThrow(TrainerImportError);
      expect(() => parseRunFiles([{ name, text }]), name).toThrow(message);
      expect(() => parseRunFiles([{ name, text }]), name).toThrow(/trainer_log\.jsonl \(LLaMA-Factory\)/);
    }
    expect(() => parseRunFiles([])).toThrow(/Choose a trainer_state\.json/);
  });

  it('read several states as the one furthest along, and say so', () => {
    const { run, found } = parseRunFiles([
      file(`${dir}/checkpoint-3/trainer_state.json`),
      file(`${dir}/trainer_state.json`),
    ]);
    expect(run.steps).toBe(readPython(`${dir}/trainer_state.json`).global_step);
    expect(found).toEqual(['trainer_state.json']);
    expect(run.warnings.join('\n')).toMatch(/Several trainer_state\.json files/);
  });
});
