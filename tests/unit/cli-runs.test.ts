/** `tuneplan runs parse FILE... [--json]`: the Runs tab's importer on the command line (issue 11 item 4). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../electron/cli/main';

const runs = path.resolve(__dirname, '../fixtures/runs/transformers-5.24.0_trl-1.16.0');
function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(
    args,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('tuneplan runs parse', () => {
  it('prints the run that would be imported as JSON, every field present', () => {
    const state = path.join(runs, 'trainer/trainer_state.json');
    const { code, out, err } = run(['runs', 'parse', state, path.join(runs, 'trainer/all_results.json'), '--json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const parsed = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(
      expect.arrayContaining([
        'steps',
        'epochs',
        'finalLoss',
        'meanLoss',
        'wallSeconds',
        'samplesPerSecond',
        'tokensPerSecond',
        'lossCurve',
        'evalCurve',
        'warnings',
      ]),
    );
    const history = (JSON.parse(fs.readFileSync(state, 'utf8')) as { log_history: Array<Record<string, number>> })
      .log_history;
    expect(parsed.finalLoss).toBe(history.filter((e) => 'loss' in e).at(-1)!.loss);
    expect(parsed.meanLoss).toBe(history.at(-1)!.train_loss);
    expect(parsed.steps).toBe(6);
  });

  it('prints a readable summary by default, with the warnings', () => {
    const { code, out } = run(['runs', 'parse', path.join(runs, 'llama-factory/checkpoint-3/trainer_state.json')]);
    expect(code).toBe(0);
    expect(out).toMatch(/final loss +\d/);
    expect(out).toMatch(/warning: .*mid-run checkpoint at step 3 of 6/);
    const lf = run(['runs', 'parse', path.join(runs, 'llama-factory/trainer_log.jsonl')]);
    expect(lf.code).toBe(0);
    expect(lf.out).toMatch(/Read trainer_log\.jsonl \(llama-factory\)/);
  });

  it('prints the objective and how each reward and metric moved, for GRPO and DPO runs (issue 19)', () => {
    const grpo = run(['runs', 'parse', path.join(runs, 'grpo/trainer_state.json')]);
    expect(grpo.code).toBe(0);
    expect(grpo.out).toMatch(/objective +grpo: online RL, GRPO/);
    const history = (
      JSON.parse(fs.readFileSync(path.join(runs, 'grpo/trainer_state.json'), 'utf8')) as {
        log_history: Array<Record<string, number>>;
      }
    ).log_history.filter((e) => 'reward' in e);
    const g = (n: number) => String(Number(n.toPrecision(4)));
    expect(grpo.out).toContain(
      `  ${'reward'.padEnd(32)} ${g(history[0]!.reward!)} → ${g(history.at(-1)!.reward!)}   (step 1 → 6, 6 points)`,
    );
    expect(grpo.out).toMatch(/^ {2}rewards\/reward_length\/mean +\S+ → \S+/m);
    expect(grpo.out).toMatch(/^ {2}completions\/mean_length +/m);
    const dpo = run(['runs', 'parse', path.join(runs, 'dpo/trainer_state.json'), '--json']);
    const parsed = JSON.parse(dpo.out) as { objective: string; metricCurves: Array<{ key: string }> };
    expect(parsed.objective).toBe('dpo');
    expect(parsed.metricCurves.map((c) => c.key)).toContain('eval_rewards/margins');
    const sft = run(['runs', 'parse', path.join(runs, 'sft/trainer_state.json')]);
    expect(sft.out).toMatch(/objective +sft: supervised/);
    expect(sft.out).not.toMatch(/rewards and metrics/);
  });

  it('exits 2 with the message when the files cannot be read as a run', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tuneplan-runs-'));
    try {
      const config = path.join(dir, 'config.json');
      fs.writeFileSync(config, '{"model_type": "llama"}');
      const bad = run(['runs', 'parse', config, '--json']);
      expect(bad.code).toBe(2);
      expect(bad.out).toBe('');
      expect(bad.err).toMatch(/config\.json looks like a model's config\.json/);
      const missing = run(['runs', 'parse', path.join(dir, 'nope.json')]);
      expect(missing.code).toBe(2);
      expect(missing.err).toMatch(/Cannot read .*nope\.json/);
      expect(run(['runs', 'parse']).code).toBe(2);
      expect(run(['runs', 'list']).err).toMatch(/Unknown runs command "list"/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
