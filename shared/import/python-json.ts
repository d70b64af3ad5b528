/**
 * JSON as Python writes it. `json.dumps` defaults to `allow_nan=True` and then writes the bare tokens
 * `NaN`, `Infinity` and `-Infinity` (https://docs.python.org/3/library/json.html#infinite-and-nan-number-values),
 * which ECMA-404 and `JSON.parse` refuse. transformers' `TrainerState.save_to_json` and `Trainer.save_metrics`
 * and LLaMA-Factory's `LogCallback._write_log` all use that default, so a run whose loss diverged writes, for
 * example (tests/fixtures/runs/transformers-5.24.0_trl-1.16.0/nan/trainer_state.json):
 *
 *     "grad_norm": NaN,
 *     "learning_rate": 8.333333333333334e+29,
 *     "loss": NaN,
 *
 * Those tokens are read here as `null` (a missing value); the caller says which values were missing.
 */
import { parseJsonText, stripBom } from '../text';

const TOKENS = ['-Infinity', 'Infinity', 'NaN'] as const;

/** The text with Python's non-finite number tokens outside strings replaced by `null`, and how many there were. */
export function replacePythonNonFinite(text: string): { text: string; replaced: number } {
  let out = '';
  let replaced = 0;
  let inString = false;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      continue;
    }
    if (c !== 'N' && c !== 'I' && c !== '-') continue;
    const token = TOKENS.find((t) => text.startsWith(t, i));
    if (!token) continue;
    out += text.slice(from, i) + 'null';
    replaced++;
    i += token.length - 1;
    from = i + 1;
  }
  return { text: replaced ? out + text.slice(from) : text, replaced };
}

/** `JSON.parse` for a file Python's `json` module wrote: BOM stripped, NaN / ±Infinity read as null. */
export function parsePythonJson(text: string): { value: unknown; nonFinite: number } {
  const stripped = stripBom(text);
  try {
    return { value: parseJsonText(stripped), nonFinite: 0 };
  } catch (error) {
    const { text: fixed, replaced } = replacePythonNonFinite(stripped);
    if (replaced === 0) throw error;
    return { value: JSON.parse(fixed), nonFinite: replaced };
  }
}
