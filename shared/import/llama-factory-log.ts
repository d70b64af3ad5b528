/**
 * LLaMA-Factory's trainer_log.jsonl → an imported run.
 *
 * Written by `LogCallback` in hiyouga/LLaMA-Factory src/llamafactory/train/callbacks.py (read at commit
 * ff6d4d12eeb035d6ce06805a5733dd7b29f2ac30): on every Trainer log (`on_log`, L271-317) it appends
 * `json.dumps(logs)` (L215-217) to `<output_dir>/trainer_log.jsonl` (TRAINER_LOG, extras/constants.py L121) with
 *   current_steps  = state.global_step          total_steps = state.max_steps
 *   loss / eval_loss / predict_loss / reward / accuracy (= "rewards/accuracies") / lr / epoch
 *                  = the same keys of the last log_history entry, left out when None
 *   percentage     = round(current / total * 100, 2)
 *   elapsed_time / remaining_time = str(timedelta(seconds=int(...)))  → "0:03:07", "1 day, 2:03:04"
 *   throughput     = round(num_input_tokens_seen / seconds since train start, 2)   (only when tokens are counted)
 *   total_tokens   = num_input_tokens_seen
 *   vram_allocated / vram_reserved (GiB, only with RECORD_VRAM=1)
 * Lines from tests/fixtures/runs/transformers-5.24.0_trl-1.16.0/llama-factory/trainer_log.jsonl:
 *   {"current_steps": 2, "total_steps": 6, "loss": 3.5298657417297363, "lr": 4.166666666666667e-05, "epoch": 0.5,
 *    "percentage": 33.33, "elapsed_time": "0:00:00", "remaining_time": "0:00:01", "throughput": 201.19,
 *    "total_tokens": 158}
 *   {"current_steps": 2, "total_steps": 6, "eval_loss": 3.5381903648376465, "epoch": 0.5, …}
 * The file is appended to, so a second run in the same folder (without overwrite_output_dir) or a resume from a
 * checkpoint continues it with current_steps going back; the later lines win.
 */
import { parsePythonJson } from './python-json';
import { ACCEPTED_FILES, num, TrainerImportError, type ImportedRun, type LossPoint } from './run-import';
import { metricCurves } from './run-objective';
import type { MetricCurve, RunObjective } from '../domain/run-result';

export interface LlamaFactoryLog {
  name: string;
  values: Partial<Pick<ImportedRun, 'steps' | 'epochs' | 'finalLoss' | 'wallSeconds' | 'tokensPerSecond'>>;
  lossCurve: LossPoint[];
  evalCurve: LossPoint[];
  objective: RunObjective | null;
  metricCurves: MetricCurve[];
  warnings: string[];
}

/** Python's `str(datetime.timedelta)` for a whole number of seconds: "H:MM:SS" or "N day(s), H:MM:SS". */
export function parseTimedelta(text: string): number | null {
  const m = /^(?:(\d+) days?, )?(\d+):([0-5]\d):([0-5]\d)$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1] ?? 0) * 86_400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}

/** The first non-blank line, without splitting a large file whole. */
function firstLine(text: string): string {
  let from = 0;
  while (from < text.length) {
    const end = text.indexOf('\n', from);
    const line = text.slice(from, end < 0 ? text.length : end);
    if (line.trim() !== '') return line;
    if (end < 0) break;
    from = end + 1;
  }
  return '';
}

/** A JSON-lines file whose first line is a LogCallback record (has current_steps and total_steps). */
export function looksLikeLlamaFactoryLog(text: string): boolean {
  const line = firstLine(text);
  if (!line.trimStart().startsWith('{') || !/"current_steps"/.test(line)) return false;
  try {
    const v = parsePythonJson(line).value;
    return !!v && typeof v === 'object' && 'current_steps' in v && 'total_steps' in v;
  } catch {
    return false;
  }
}

export function parseLlamaFactoryLog(name: string, text: string): LlamaFactoryLog {
  const warnings: string[] = [];
  let nonFinite = 0;
  const records: Array<Record<string, unknown>> = [];
  const lines = text.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      const parsed = parsePythonJson(line);
      value = parsed.value;
      nonFinite += parsed.nonFinite;
    } catch {
      // LogCallback writes from a thread; a run killed mid-write leaves a cut last line.
      if (i >= lines.length - 2 && records.length > 0) {
        warnings.push(`${name}: the last line is cut off (the run was stopped while writing) and was skipped.`);
        continue;
      }
      throw new TrainerImportError(
        records.length === 0
          ? `${name} is not LLaMA-Factory's trainer_log.jsonl: line ${i + 1} is not JSON ` +
              `(it starts with "${line.trim().slice(0, 60)}"). ${ACCEPTED_FILES}`
          : `${name} line ${i + 1} is not valid JSON ("${line.trim().slice(0, 60)}"); ` +
              'each line of trainer_log.jsonl is one JSON object.',
      );
    }
    if (!value || typeof value !== 'object' || Array.isArray(value) || !('current_steps' in value)) {
      const keys = value && typeof value === 'object' && !Array.isArray(value) ? Object.keys(value).slice(0, 5) : [];
      throw new TrainerImportError(
        `${name} line ${i + 1} is ` +
          (keys.length ? `a JSON object with keys ${keys.join(', ')}` : 'not a JSON object') +
          ', not a LLaMA-Factory trainer_log.jsonl record ' +
          `(each has current_steps, total_steps, loss or eval_loss, elapsed_time). ${ACCEPTED_FILES}`,
      );
    }
    records.push(value);
  }
  if (records.length === 0) throw new TrainerImportError(`${name} is empty. ${ACCEPTED_FILES}`);
  if (nonFinite)
    warnings.push(
      `${name}: ${nonFinite} value${nonFinite === 1 ? '' : 's'} written as NaN or Infinity ` +
        `(Python's json writes them when a run diverges) ${nonFinite === 1 ? 'was' : 'were'} read as missing.`,
    );

  let lossCurve: LossPoint[] = [];
  let evalCurve: LossPoint[] = [];
  let lastLoss: { step: number; loss: number | null } | null = null;
  let prevStep = -1;
  let restarts = 0;
  // accuracy / reward lines with their step, for the objective's curves.
  let metrics: Array<Record<string, unknown>> = [];
  for (const r of records) {
    const step = num(r.current_steps);
    if (step === null) continue;
    if (step < prevStep) {
      // Appended by a later run or a resume: its points replace the earlier ones from that step on.
      restarts++;
      lossCurve = lossCurve.filter((p) => p.step < step);
      evalCurve = evalCurve.filter((p) => p.step < step);
      metrics = metrics.filter((m) => (m.step as number) < step);
    }
    if ('accuracy' in r || 'reward' in r) metrics.push({ step, accuracy: r.accuracy, reward: r.reward });
    prevStep = step;
    if ('loss' in r) {
      lastLoss = { step, loss: num(r.loss) };
      if (lastLoss.loss !== null) lossCurve.push({ step, loss: lastLoss.loss });
    }
    const evalLoss = num(r.eval_loss);
    if (evalLoss !== null) evalCurve.push({ step, loss: evalLoss });
  }
  if (restarts)
    warnings.push(
      `${name} holds more than one run or a resumed run ` +
        `(current_steps goes back ${restarts} time${restarts === 1 ? '' : 's'}); the later lines were kept.`,
    );
  if (!lastLoss && evalCurve.length === 0)
    throw new TrainerImportError(
      `${name} has no loss or eval_loss lines: ` +
        'it looks like the progress log of an evaluation or prediction run, not of training.',
    );

  const last = records.at(-1)!;
  const steps = num(last.current_steps);
  const total = num(last.total_steps);
  if (steps !== null && total !== null && total > 0 && steps < total)
    warnings.push(
      `${name} ends at step ${steps} of ${total}: the run was still going, stopped early or was interrupted; ` +
        'wall time and throughput are up to that step.',
    );
  const elapsed = typeof last.elapsed_time === 'string' ? parseTimedelta(last.elapsed_time) : null;
  if (elapsed === null)
    warnings.push(`${name}: the last line has no readable elapsed_time ("H:MM:SS"), so the wall time is left empty.`);
  let finalLoss: number | null = null;
  if (lastLoss) {
    finalLoss = lastLoss.loss;
    if (finalLoss === null)
      warnings.push(
        `${name}: the last logged training loss (step ${lastLoss.step}) is not a finite number, ` +
          'so the final loss is left empty; the run diverged.',
      );
  }
  const epochs =
    [...records]
      .reverse()
      .map((r) => num(r.epoch))
      .find((e) => e !== null) ?? null;
  const throughput =
    [...records]
      .reverse()
      .map((r) => num(r.throughput))
      .find((t) => t !== null) ?? null;
  return {
    name,
    values: {
      steps,
      epochs,
      finalLoss,
      // elapsed_time is whole seconds (int() in _timing), so short runs read as 0 s: leave those empty.
      wallSeconds: elapsed === null || elapsed === 0 ? null : elapsed,
      tokensPerSecond: throughput,
    },
    lossCurve,
    evalCurve,
    // on_log copies "rewards/accuracies" into accuracy; LLaMA-Factory's CustomDPOTrainer logs it for every pref_loss
    // (sigmoid, ipo, orpo, simpo: src/llamafactory/train/dpo/trainer.py L305-312 at ff6d4d1), its KTO trainer does not
    // (kto/trainer.py L256-267). reward comes from its PPO stage, not an objective Tuneplan plans: no objective.
    objective: metrics.some((m) => 'accuracy' in m && m.accuracy !== undefined)
      ? 'dpo'
      : metrics.some((m) => m.reward !== undefined)
        ? null
        : lastLoss
          ? 'sft'
          : null,
    metricCurves: metricCurves(
      name,
      metrics,
      ['accuracy', 'reward'].filter((k) => metrics.some((m) => m[k] !== undefined)),
      warnings,
    ),
    warnings,
  };
}
