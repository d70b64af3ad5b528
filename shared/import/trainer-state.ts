/**
 * Hugging Face Trainer outputs → run fields. trainer_state.json (in every checkpoint folder) has the
 * step count, epochs and `log_history`; train_results.json / all_results.json have the run's totals.
 *
 * trainer_state.json (abridged):
 *   { "epoch": 3.0, "global_step": 60, "log_history": [ {"epoch": 0.5, "loss": 1.8211, "step": 10}, …,
 *     {"step": 60, "train_loss": 1.2924, "train_runtime": 1834.22, "train_tokens_per_second": 1339.7} ] }
 * all_results.json:
 *   { "epoch": 3.0, "train_loss": 1.2924, "train_runtime": 1834.22, "train_samples_per_second": 2.617 }
 */
import type { RunResultInput } from '../domain/run-result';

export class TrainerImportError extends Error {}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export interface TrainerImport {
  fields: Pick<RunResultInput, 'wallSeconds' | 'tokensPerSecond' | 'finalLoss' | 'steps' | 'epochs' | 'lossCurve'>;
  samplesPerSecond: number | null;
  found: string[];
}

export function parseTrainerFiles(files: Array<{ name: string; text: string }>): TrainerImport {
  const fields: TrainerImport['fields'] = {};
  const found: string[] = [];
  let samplesPerSecond: number | null = null;
  let sawState = false;
  for (const { name, text } of files) {
    if (text.length > 20 * 1024 * 1024) throw new TrainerImportError(`${name} is larger than 20 MB.`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new TrainerImportError(`${name} is not valid JSON.`);
    }
    if (!json || typeof json !== 'object' || Array.isArray(json))
      throw new TrainerImportError(`${name} must hold a JSON object.`);
    const o = json as Record<string, unknown>;
    if (Array.isArray(o.log_history)) {
      sawState = true;
      found.push(name);
      const history = o.log_history.filter((e): e is Record<string, unknown> => !!e && typeof e === 'object');
      fields.lossCurve = history
        .filter((e) => num(e.loss) !== null && num(e.step) !== null)
        .map((e) => ({ step: Math.round(num(e.step)!), loss: num(e.loss)! }))
        .slice(-10_000);
      const last = [...history].reverse().find((e) => num(e.train_runtime) !== null);
      if (last) {
        fields.wallSeconds = num(last.train_runtime);
        fields.finalLoss = num(last.train_loss);
        fields.tokensPerSecond = num(last.train_tokens_per_second);
        samplesPerSecond = num(last.train_samples_per_second);
      }
      if (fields.finalLoss == null && fields.lossCurve.length) fields.finalLoss = fields.lossCurve.at(-1)!.loss;
      fields.steps = num(o.global_step);
      fields.epochs = num(o.epoch);
    } else if ('train_runtime' in o || 'train_loss' in o) {
      found.push(name);
      fields.wallSeconds ??= num(o.train_runtime);
      fields.finalLoss ??= num(o.train_loss);
      fields.tokensPerSecond ??= num(o.train_tokens_per_second);
      fields.epochs ??= num(o.epoch);
      samplesPerSecond ??= num(o.train_samples_per_second);
    } else {
      throw new TrainerImportError(
        `${name} is neither a trainer_state.json (no log_history) nor train_results.json / all_results.json (no train_runtime).`,
      );
    }
  }
  if (!sawState && found.length === 0)
    throw new TrainerImportError(
      'Choose a trainer_state.json (and optionally train_results.json or all_results.json).',
    );
  return { fields, samplesPerSecond, found };
}
