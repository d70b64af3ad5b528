/**
 * `tuneplan runs parse FILE... [--json]`: what the Runs tab would import from these files, read by the same
 * parser (shared/import/trainer-state.ts), so a user can check a run log before recording it.
 * Exit 0 with the run, 2 with the parser's message when the files cannot be read as a run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { duration, tokensPerSecond } from '../../shared/format';
import { parseRunFiles, TrainerImportError, type ImportedRun } from '../../shared/import/trainer-state';

export const RUNS_USAGE =
  '  tuneplan runs parse FILE... [--json]                    what Tuneplan would import from trainer_state.json /\n' +
  `                                                          train_results.json / all_results.json / trainer_log.jsonl`;

/** The run as the issue's JSON shape: every field present, null / [] where the files do not say. */
export function runJson(run: ImportedRun) {
  const { steps, epochs, finalLoss, meanLoss, wallSeconds, samplesPerSecond, tokensPerSecond: tps } = run;
  return {
    steps,
    epochs,
    finalLoss,
    meanLoss,
    wallSeconds,
    samplesPerSecond,
    tokensPerSecond: tps,
    lossCurve: run.lossCurve,
    evalCurve: run.evalCurve,
    warnings: run.warnings,
    source: run.source,
    objective: run.objective,
    metricCurves: run.metricCurves,
  };
}

const OBJECTIVE_NAMES: Record<NonNullable<ImportedRun['objective']>, string> = {
  sft: 'supervised (language-model loss only)',
  dpo: 'preference pairs, DPO family (DPOTrainer: sigmoid, IPO, … loss)',
  cpo: 'preference pairs, CPO / SimPO (CPOTrainer)',
  orpo: 'preference pairs, ORPO (ORPOTrainer)',
  kto: 'unpaired preferences, KTO (KTOTrainer)',
  reward: 'reward model (RewardTrainer)',
  grpo: 'online RL, GRPO (GRPOTrainer: generated completions scored by reward functions)',
};

/** One line per metric curve: how it moved from the first logged value to the last. */
function metricLines(run: ImportedRun): string[] {
  const g = (n: number) => String(Number(n.toPrecision(4)));
  return run.metricCurves.map((c) => {
    const first = c.points[0]!;
    const last = c.points.at(-1)!;
    return (
      `  ${c.key.padEnd(32)} ${g(first.value)} → ${g(last.value)}` +
      `   (step ${first.step} → ${last.step}, ${c.points.length} point${c.points.length === 1 ? '' : 's'})`
    );
  });
}

export function formatRun(run: ImportedRun, found: string[]): string {
  const v = (x: number | null, f: (n: number) => string = String) => (x === null ? '—' : f(x));
  const curve = (c: ImportedRun['lossCurve']) =>
    c.length ? `${c.length} points, step ${c[0]!.step} → ${c.at(-1)!.step}` : 'none';
  return [
    `Read ${found.join(', ')} (${run.source})`,
    `  steps              ${v(run.steps)}`,
    `  epochs             ${v(run.epochs)}`,
    `  final loss         ${v(run.finalLoss)}   (last logged training loss)`,
    `  mean loss          ${v(run.meanLoss)}   (train_loss)`,
    `  wall time          ${v(run.wallSeconds, duration)}${run.wallSeconds === null ? '' : ` (${run.wallSeconds} s)`}`,
    `  samples/s          ${v(run.samplesPerSecond)}`,
    `  tokens/s           ${v(run.tokensPerSecond, tokensPerSecond)}`,
    `  loss curve         ${curve(run.lossCurve)}`,
    `  eval loss curve    ${curve(run.evalCurve)}`,
    '  objective          ' +
      (run.objective === null ? '— (the logs do not say)' : `${run.objective}: ${OBJECTIVE_NAMES[run.objective]}`),
    ...(run.metricCurves.length ? ['  rewards and metrics (first → last):', ...metricLines(run)] : []),
    ...run.warnings.map((w) => `warning: ${w}`),
  ].join('\n');
}

export function runRunsCommand(args: string[], out: (s: string) => void, err: (s: string) => void): number {
  const [sub, ...rest] = args;
  // Not strict: an unknown flag is ignored, as in the other commands (electron/cli/main.ts).
  const { values, positionals: files } = parseArgs({
    args: rest,
    options: { json: { type: 'boolean' } },
    strict: false,
    allowPositionals: true,
  });
  const json = values.json === true;
  if (sub !== 'parse') {
    err(`Unknown runs command "${sub ?? ''}".\nUsage:\n${RUNS_USAGE}`);
    return 2;
  }
  if (files.length === 0) {
    err(`runs parse needs at least one file.\nUsage:\n${RUNS_USAGE}`);
    return 2;
  }
  const read: Array<{ name: string; text: string }> = [];
  for (const file of files) {
    try {
      read.push({ name: path.basename(file), text: fs.readFileSync(file, 'utf8') });
    } catch (error) {
      err(`Cannot read ${file}: ${(error as Error).message}`);
      return 2;
    }
  }
  try {
    const { run, found } = parseRunFiles(read);
    out(json ? JSON.stringify(runJson(run), null, 2) : formatRun(run, found));
    return 0;
  } catch (error) {
    if (error instanceof TrainerImportError) {
      err(error.message);
      return 2;
    }
    throw error;
  }
}
