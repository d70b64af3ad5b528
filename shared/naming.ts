/**
 * Names of things the user keeps (custom models, plans): how an imported model is named, and the one
 * rule for a clash. Issue 11.1: every real config.json is called `config.json`, so naming a model
 * after its file gave every import the same name, and the second import replaced the first. Now a
 * model is named from what the file says, and a clash never replaces anything silently: both are
 * kept and the newcomer is numbered " (2)", " (3)", … — the rule Finder and Explorer use for copies.
 */

/** A trailing " (n)" that this rule (or a file manager) added. */
const NUMBER_SUFFIX = /\s\((\d+)\)$/;

/** Two names clash when they differ only in case or surrounding spaces (lists sort case-insensitively). */
export function nameKey(name: string): string {
  return name.trim().toLowerCase();
}

export function sameName(a: string, b: string): boolean {
  return nameKey(a) === nameKey(b);
}

/**
 * `wanted` if no existing name clashes with it, else the first free "base (n)" from n = 2, where base is
 * `wanted` without a " (n)" it already had (importing "X (2)" beside "X" and "X (2)" gives "X (3)", not
 * "X (2) (2)"). The base is shortened so the result fits in `maxLength` (the schemas allow 200).
 */
export function uniqueName(wanted: string, existing: Iterable<string>, maxLength = 200): string {
  const name = wanted.trim();
  const taken = new Set<string>();
  for (const e of existing) taken.add(nameKey(e));
  if (!taken.has(nameKey(name))) return name;
  const base = name.replace(NUMBER_SUFFIX, '').trimEnd();
  // Terminates: `taken` is finite, so some n within taken.size + 2 is free.
  for (let n = 2; ; n++) {
    const suffix = ` (${n})`;
    const candidate = `${base.slice(0, Math.max(1, maxLength - suffix.length)).trimEnd()}${suffix}`;
    if (!taken.has(nameKey(candidate))) return candidate;
  }
}

/** "3.1B", "494M", "46.7B": the size people put in model names (Qwen2.5-3B, Mixtral-8x7B). */
export function sizeLabel(params: number): string {
  const fmt = (v: number) => (v >= 100 ? String(Math.round(v)) : String(Number(v.toFixed(1))));
  if (params >= 1e12) return `${fmt(params / 1e12)}T`;
  if (params >= 1e9) return `${fmt(params / 1e9)}B`;
  if (params >= 1e6) return `${fmt(params / 1e6)}M`;
  if (params >= 1e3) return `${fmt(params / 1e3)}K`;
  return String(params);
}

/**
 * Folders that say nothing about the model in them: where downloads and temporary copies land.
 * `tmpXXXX` is Python's `tempfile.mkdtemp()` (what `_name_or_path` holds after a save from a temp dir).
 */
const GENERIC_FOLDERS = new Set([
  'downloads',
  'download',
  'desktop',
  'documents',
  'home',
  'users',
  'root',
  'tmp',
  'temp',
  'config',
  'configs',
  'models',
]);
const COMMIT_HASH = /^[0-9a-f]{40}$/i;

function isGenericFolder(name: string): boolean {
  return (
    name === '' ||
    name === '.' ||
    name === '..' ||
    name === '~' ||
    /^[a-z]:$/i.test(name) ||
    /^tmp[\w-]*$/i.test(name) ||
    COMMIT_HASH.test(name) ||
    GENERIC_FOLDERS.has(name.toLowerCase())
  );
}

/**
 * A label for the folder at `dirPath` (either separator), or undefined when it names nothing useful.
 * The Hugging Face cache keeps a download at `models--{org}--{name}/snapshots/{commit}/config.json`
 * (https://huggingface.co/docs/huggingface_hub/guides/manage-cache), so there the label is "org/name".
 */
export function folderLabel(dirPath: string): string | undefined {
  const parts = dirPath.split(/[\\/]+/).filter((p) => p !== '');
  const last = parts.at(-1);
  if (last === undefined) return undefined;
  const repo = parts.at(-3);
  if (parts.at(-2) === 'snapshots' && repo?.startsWith('models--')) {
    const id = repo.slice('models--'.length).split('--').join('/');
    return id || undefined;
  }
  return isGenericFolder(last) ? undefined : last;
}

/** The folder a file sits in, as a label: `/models/Qwen2.5-3B/config.json` → "Qwen2.5-3B". */
export function folderLabelOfFile(filePath: string): string | undefined {
  const parts = filePath.split(/[\\/]+/);
  if (parts.length < 2) return undefined;
  return folderLabel(parts.slice(0, -1).join('/'));
}

/**
 * What a file name says beyond "config": `qwen2.5-3b-config.json` → "qwen2.5-3b"; `config.json`,
 * `config (1).json` (a browser's second download), `config-2.json` → undefined.
 */
export function fileNameLabel(fileName: string): string | undefined {
  const stem = fileName
    .replace(/^.*[\\/]/, '')
    .replace(/\.json$/i, '')
    .replace(NUMBER_SUFFIX, '')
    .replace(/[-_. ]?config$/i, '')
    .trim();
  if (stem === '' || /^config[-_ ]?\(?\d*\)?$/i.test(stem)) return undefined;
  return stem;
}

/** Looks like a file-system path rather than a Hub id ("org/name" or "name"). */
const isLocalPath = (s: string) => /^([/\\.~]|[a-z]:[\\/])/i.test(s) || s.includes('\\') || s.split('/').length > 2;

export interface ConfigNameHints {
  /** The file's name, when it is more than `config.json`. */
  fileName?: string | undefined;
  /** The label of the folder the file came from (see folderLabel), when the app knows it. */
  folder?: string | undefined;
  /** Total parameters, for the last resort "Qwen2ForCausalLM 3.1B". */
  totalParams?: number | undefined;
}

/**
 * A name for a model imported from a Hugging Face config.json, from the most to the least telling:
 * 1. `_name_or_path` — the Hub id (or path) the config was loaded from. transformers writes it in
 *    configs saved before 4.x's diff-only serialization (configuration_utils.py `to_diff_dict` now
 *    drops it), so many Hub configs carry it, e.g. "Qwen/Qwen2.5-7B-Instruct". A local path gives its
 *    folder's label.
 * 2. the file's own name when the user named it (`qwen2.5-3b-config.json`);
 * 3. the folder it came from, when known (desktop dialog; browsers do not tell);
 * 4. `architectures[0]` and the size: "Qwen2ForCausalLM 3.1B"; else model_type and the size.
 */
export function modelNameFromConfig(config: Record<string, unknown>, hints: ConfigNameHints = {}): string {
  const size = hints.totalParams !== undefined && hints.totalParams > 0 ? ` ${sizeLabel(hints.totalParams)}` : '';
  const fromPath = typeof config._name_or_path === 'string' ? config._name_or_path.trim() : '';
  const candidates = [
    fromPath && (isLocalPath(fromPath) ? folderLabel(fromPath) : fromPath),
    hints.fileName && fileNameLabel(hints.fileName),
    hints.folder?.trim(),
  ];
  for (const c of candidates) if (c) return c.slice(0, 200);
  const arch: unknown = Array.isArray(config.architectures) ? (config.architectures as unknown[])[0] : undefined;
  if (typeof arch === 'string' && arch.trim()) return `${arch.trim().slice(0, 180)}${size}`;
  const type = typeof config.model_type === 'string' ? config.model_type.trim() : '';
  return type ? `${type.slice(0, 180)}${size}` : `Custom model${size}`;
}
