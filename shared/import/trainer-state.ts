/**
 * Hugging Face Trainer (and TRL's SFTTrainer / DPOTrainer, which subclass it) outputs → an imported run.
 * trainer_state.json (in the output folder and in every checkpoint-N/) holds the step count, epochs and
 * `log_history`; train_results.json / all_results.json / eval_results.json (`Trainer.save_metrics`) hold totals.
 * Real files, written by the libraries themselves, are under tests/fixtures/runs/<versions>/.
 *
 * trainer_state.json, transformers 5.24 with include_num_input_tokens_seen (abridged from
 * tests/fixtures/runs/transformers-5.24.0_trl-1.16.0/trainer/trainer_state.json):
 *   { "epoch": 1.5, "global_step": 6, "max_steps": 6, "num_input_tokens_seen": 462,
 *     "log_history": [
 *       { "epoch": 0.25, "grad_norm": 1.138, "learning_rate": 5e-05, "loss": 3.5465, "num_input_tokens_seen": 86,
 *         "step": 1, "train_runtime": 0.3666, "train_tokens_per_second": 234.593 },
 *       { "epoch": 0.5, "eval_loss": 3.5381, "eval_runtime": 0.1202, "step": 2, … },
 *       …,
 *       { "epoch": 1.5, "num_input_tokens_seen": 462, "step": 6, "total_flos": 54552960.0,
 *         "train_loss": 3.5377, "train_runtime": 2.8361, "train_samples_per_second": 4.231, … } ] }
 * all_results.json (train and eval metrics merged):
 *   { "epoch": 1.5, "eval_loss": 3.5354, "num_input_tokens_seen": 462, "train_loss": 3.5377,
 *     "train_runtime": 2.8361, "train_samples_per_second": 4.231, "train_steps_per_second": 2.116 }
 *
 * Meanings (transformers Trainer._inner_training_loop / speed_metrics): `train_loss` is the mean training loss
 * over the whole run, not the last one; the last logged `loss` is the final loss. `train_tokens_per_second` is
 * only there with `include_tokens_per_second` (4.x) or per log entry with `include_num_input_tokens_seen` (5.x).
 */
import { parseLlamaFactoryLog, looksLikeLlamaFactoryLog, type LlamaFactoryLog } from './llama-factory-log';
import { parsePythonJson } from './python-json';
import { curveKeys, detectObjective, metricCurves, trainingKeys } from './run-objective';
import type { MetricCurve, RunObjective } from '../domain/run-result';
import {
  ACCEPTED_FILES,
  finishCurve,
  num,
  TrainerImportError,
  type ImportedRun,
  type LossPoint,
  type RunImport,
} from './run-import';

export { TrainerImportError } from './run-import';
export type { ImportedRun, RunImport } from './run-import';

/** Browsers read the whole file into memory; a 10,000-step log_history in 5.x is about 3 MB. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

type Scalars = Partial<
  Pick<
    ImportedRun,
    'steps' | 'epochs' | 'finalLoss' | 'meanLoss' | 'wallSeconds' | 'samplesPerSecond' | 'tokensPerSecond'
  >
>;

interface StatePiece {
  kind: 'state';
  name: string;
  values: Scalars;
  lossCurve: LossPoint[];
  evalCurve: LossPoint[];
  objective: RunObjective | null;
  metricCurves: MetricCurve[];
  warnings: string[];
}
interface ResultsPiece {
  kind: 'results';
  name: string;
  values: Scalars;
  hasTrainTotals: boolean;
  warnings: string[];
}
type Piece = StatePiece | ResultsPiece | (LlamaFactoryLog & { kind: 'llama-factory' });

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const has = (o: Obj, key: string) => Object.prototype.hasOwnProperty.call(o, key);
/** A positive token count; transformers writes `num_input_tokens_seen: 0` when it did not count. */
const tokens = (v: unknown) => {
  const n = num(v);
  return n !== null && n > 0 ? n : null;
};

function nonFiniteWarning(name: string, count: number): string {
  return (
    `${name}: ${count} value${count === 1 ? '' : 's'} written as NaN or Infinity ` +
    `(Python's json writes them when a run diverges) ${count === 1 ? 'was' : 'were'} read as missing.`
  );
}

function stateFromJson(name: string, o: Obj, nonFinite: number): StatePiece {
  const warnings: string[] = nonFinite ? [nonFiniteWarning(name, nonFinite)] : [];
  const history = (o.log_history as unknown[]).filter(isObj);
  const step = (e: Obj) => num(e.step);
  // Training log entries carry `loss`; NaN was read as null and stays a point-less entry.
  const trainEntries = history.filter((e) => has(e, 'loss') && step(e) !== null);
  const lossCurve = trainEntries
    .filter((e) => num(e.loss) !== null)
    .map((e) => ({ step: Math.round(step(e)!), loss: num(e.loss)! }));
  const evalCurve = history
    .filter((e) => num(e.eval_loss) !== null && step(e) !== null)
    .map((e) => ({ step: Math.round(step(e)!), loss: num(e.eval_loss)! }));
  // DPO / GRPO / … runs: the objective from the keys of the training entries, and its own curves (issue 19).
  const keys = trainingKeys(history);
  const objective = detectObjective(keys);
  const curves = metricCurves(name, history, curveKeys(objective, keys), warnings);
  const lastTrain = trainEntries.at(-1);
  let finalLoss: number | null = null;
  if (lastTrain) {
    finalLoss = num(lastTrain.loss);
    if (finalLoss === null)
      warnings.push(
        `${name}: the last logged training loss (step ${step(lastTrain)}) is not a finite number, ` +
          'so the final loss is left empty; the run diverged.',
      );
  }
  // The run summary: Trainer logs it once at the end, with train_loss (the mean) and train_runtime.
  const summary = [...history]
    .reverse()
    .find((e) => has(e, 'train_loss') || (has(e, 'train_runtime') && !has(e, 'loss')));
  // transformers 5.x also puts the elapsed train_runtime and train_tokens_per_second on every log entry.
  const lastTimed = [...history].reverse().find((e) => num(e.train_runtime) !== null);
  const timed = summary ?? lastTimed;
  const wallSeconds = timed ? num(timed.train_runtime) : null;
  // 0 means the tokens were not counted (transformers 4.x writes 0.0 when the collator has no input_ids).
  let tokensPerSecond = timed ? tokens(timed.train_tokens_per_second) : null;
  if (tokensPerSecond === null && wallSeconds) {
    // Derived: tokens seen over the run's time. num_input_tokens_seen counts padding too ("all", the default
    // of include_num_input_tokens_seen=True); TRL's num_tokens counts the attention mask (non-padding).
    const lastTokens = [...history].reverse().find((e) => tokens(e.num_tokens) !== null);
    const seen =
      tokens(summary?.num_input_tokens_seen) ??
      tokens(o.num_input_tokens_seen) ??
      (lastTokens ? tokens(lastTokens.num_tokens) : null);
    if (seen !== null) tokensPerSecond = seen / wallSeconds;
  }
  const globalStep = num(o.global_step);
  const maxSteps = num(o.max_steps);
  if (globalStep !== null && maxSteps !== null && maxSteps > 0 && globalStep < maxSteps)
    warnings.push(
      summary
        ? `${name}: the run stopped at step ${globalStep} of ${maxSteps} (max_steps), ` +
            'earlier than planned (early stopping or an interrupt).'
        : `${name}: a mid-run checkpoint at step ${globalStep} of ${maxSteps} (max_steps), not the finished run; ` +
            'its wall time and throughput are up to that step. ' +
            'Import the trainer_state.json of the output folder for the whole run.',
    );
  return {
    kind: 'state',
    name,
    values: {
      steps: globalStep,
      epochs: num(o.epoch),
      finalLoss,
      meanLoss: summary ? num(summary.train_loss) : null,
      wallSeconds,
      samplesPerSecond: summary ? num(summary.train_samples_per_second) : null,
      tokensPerSecond,
    },
    lossCurve,
    evalCurve,
    objective,
    metricCurves: curves,
    warnings,
  };
}

function resultsFromJson(name: string, o: Obj, nonFinite: number): ResultsPiece {
  const wallSeconds = num(o.train_runtime);
  const seen = tokens(o.num_input_tokens_seen);
  return {
    kind: 'results',
    name,
    values: {
      epochs: num(o.epoch),
      meanLoss: num(o.train_loss),
      wallSeconds,
      samplesPerSecond: num(o.train_samples_per_second),
      tokensPerSecond: tokens(o.train_tokens_per_second) ?? (seen !== null && wallSeconds ? seen / wallSeconds : null),
    },
    hasTrainTotals: has(o, 'train_runtime') || has(o, 'train_loss'),
    warnings: nonFinite ? [nonFiniteWarning(name, nonFinite)] : [],
  };
}

/** What an unrecognised file looks like, so the message can say why it was refused. */
function describeJson(value: unknown): string {
  if (Array.isArray(value)) return 'a JSON array';
  if (!isObj(value)) return `a JSON ${value === null ? 'null' : typeof value}`;
  const o = value;
  if (has(o, 'model_type') || has(o, 'architectures')) return "a model's config.json";
  if (has(o, 'peft_type')) return 'a PEFT adapter_config.json';
  if (has(o, 'zero_optimization')) return 'a DeepSpeed config';
  if (has(o, 'tokenizer_class') || has(o, 'added_tokens_decoder')) return 'a tokenizer config';
  if (has(o, 'techniques') && has(o, 'model')) return 'a Tuneplan plan';
  if (has(o, 'output_dir') && has(o, 'learning_rate')) return 'training arguments (a config, not a run log)';
  const keys = Object.keys(o).slice(0, 5);
  return keys.length
    ? `a JSON object with keys ${keys.join(', ')}${Object.keys(o).length > 5 ? ', …' : ''}`
    : 'an empty JSON object';
}

function describeText(text: string): string {
  const first = text.trimStart().split('\n', 1)[0]!.slice(0, 60);
  if (/^[\w.-]+:\s/.test(first)) return `YAML (it starts with "${first}"), probably a training config`;
  if (/^[^,\n]+(,[^,\n]+)+$/.test(first)) return `CSV (it starts with "${first}")`;
  return first ? `text that is not JSON (it starts with "${first}")` : 'an empty file';
}

function parseOne(name: string, rawText: string): Piece {
  if (rawText.length > MAX_FILE_BYTES)
    throw new TrainerImportError(`${name} is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB.`);
  const text = rawText.replace(/^\uFEFF/, '');
  if (/\.jsonl$/i.test(name) || looksLikeLlamaFactoryLog(text))
    return { kind: 'llama-factory', ...parseLlamaFactoryLog(name, text) };
  let parsed: { value: unknown; nonFinite: number };
  try {
    parsed = parsePythonJson(text);
  } catch {
    throw new TrainerImportError(`${name} is not valid JSON: it looks like ${describeText(text)}. ${ACCEPTED_FILES}`);
  }
  const o = parsed.value;
  if (isObj(o) && Array.isArray(o.log_history)) return stateFromJson(name, o, parsed.nonFinite);
  if (isObj(o) && ['train_runtime', 'train_loss', 'eval_loss', 'eval_runtime'].some((k) => has(o, k)))
    return resultsFromJson(name, o, parsed.nonFinite);
  throw new TrainerImportError(
    `${name} looks like ${describeJson(o)}, not a run log: it has neither log_history (trainer_state.json) ` +
      `nor train_runtime / train_loss (train_results.json, all_results.json). ${ACCEPTED_FILES}`,
  );
}

/** RunResultSchema keeps at most 50 warnings of at most 1,000 characters each. */
function fitWarnings(warnings: string[]): string[] {
  const cut = warnings.map((w) => (w.length > 1000 ? `${w.slice(0, 997)}…` : w));
  return cut.length > 50 ? [...cut.slice(0, 49), `…and ${cut.length - 49} more warnings.`] : cut;
}

/**
 * Read the chosen files as one run. The trainer_state.json (or LLaMA-Factory's trainer_log.jsonl) gives the
 * curves, steps and final loss; results files fill the totals the state lacks. Every field the files do not
 * fill is null / empty, so importing again replaces the whole previous import.
 */
export function parseRunFiles(files: ReadonlyArray<{ name: string; text: string }>): RunImport {
  const pieces = files.map((f) => parseOne(f.name, f.text));
  const warnings = pieces.flatMap((p) => p.warnings);
  const states = pieces.filter((p): p is StatePiece => p.kind === 'state');
  const logs = pieces.filter((p): p is LlamaFactoryLog & { kind: 'llama-factory' } => p.kind === 'llama-factory');
  const results = pieces.filter((p): p is ResultsPiece => p.kind === 'results');
  if (states.length === 0 && logs.length === 0 && !results.some((r) => r.hasTrainTotals))
    throw new TrainerImportError(
      results.length
        ? `${results.map((r) => r.name).join(' and ')} hold only evaluation results. ` +
            'Choose a trainer_state.json (and optionally train_results.json or all_results.json) ' +
            `or a trainer_log.jsonl. ${ACCEPTED_FILES}`
        : 'Choose a trainer_state.json (and optionally train_results.json or all_results.json), ' +
            `or LLaMA-Factory's trainer_log.jsonl. ${ACCEPTED_FILES}`,
    );
  // Several states (a checkpoint and the output folder): the one furthest along is the run.
  const byStep = [...states].sort((a, b) => (b.values.steps ?? -1) - (a.values.steps ?? -1));
  const state = byStep[0];
  if (byStep.length > 1)
    warnings.push(
      `Several trainer_state.json files were chosen; ${state!.name} (step ${state!.values.steps ?? '?'}) ` +
        `was read and ${byStep
          .slice(1)
          .map((s) => s.name)
          .join(', ')} ignored.`,
    );
  const log = logs[0];
  if (logs.length > 1) warnings.push(`Several trainer_log.jsonl files were chosen; only ${log!.name} was read.`);
  const primary: StatePiece | (LlamaFactoryLog & { kind: 'llama-factory' }) | undefined = state ?? log;
  const ordered = [...(state ? [state] : []), ...(log ? [log] : []), ...results];
  const pick = <K extends keyof Scalars>(key: K): number | null => {
    for (const p of ordered) {
      const v = (p.values as Scalars)[key];
      if (v !== undefined && v !== null) return v;
    }
    return null;
  };
  // A NaN final loss in the primary file is a fact (the run diverged), not a gap for another file to fill.
  const finalLoss = primary ? (primary.values.finalLoss ?? null) : null;
  const run: ImportedRun = {
    steps: pick('steps'),
    epochs: pick('epochs'),
    finalLoss,
    meanLoss: pick('meanLoss'),
    wallSeconds: pick('wallSeconds'),
    samplesPerSecond: pick('samplesPerSecond'),
    tokensPerSecond: pick('tokensPerSecond'),
    lossCurve: primary ? finishCurve(primary.name, 'training loss', primary.lossCurve, warnings) : [],
    evalCurve: primary ? finishCurve(primary.name, 'eval loss', primary.evalCurve, warnings) : [],
    warnings: fitWarnings(warnings),
    source: primary?.kind === 'llama-factory' ? 'llama-factory' : 'trainer_state',
    objective: primary?.objective ?? null,
    metricCurves: primary?.metricCurves ?? [],
  };
  const read = new Set<Piece>(ordered);
  return { run, found: files.filter((_, i) => read.has(pieces[i]!)).map((f) => f.name) };
}

/** The former name, kept for callers that import Trainer outputs only. */
export const parseTrainerFiles = parseRunFiles;
