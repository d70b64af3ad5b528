/**
 * `tuneplan import FILE... --out plan.json [--name NAME] [--json]`: the configs a user already has (DeepSpeed,
 * PEFT, accelerate, TrainingArguments JSON, LLaMA-Factory, axolotl, torchtune, config.json) read into one new plan
 * by the same readers the workspace uses (shared/import/configs/). Prints what each file set, what stays open and
 * any conflicts. Exit 0 with the plan written, 2 with the reader's message naming the file and the fix.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { importConfigs, type ConfigImport } from '../../shared/import/configs/combine';
import { ConfigImportError, CONFIG_FORMAT_LABELS } from '../../shared/import/configs/facts';
import { planToJson } from '../../shared/exporters/plan-json';
import { writeFileAtomic } from '../services/atomic-write';

export const IMPORT_USAGE =
  `  tuneplan import FILE... --out plan.json [--name NAME] [--json]
                                                          a new plan from ds_config.json, adapter_config.json,
                                                          accelerate / LLaMA-Factory / axolotl / torchtune YAML,
                                                          TrainingArguments JSON and config.json (several ` +
  `fill one plan)`;

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export function formatImport(r: ConfigImport, out: string): string {
  return [
    `Read ${r.files.map((f) => `${f.file} (${CONFIG_FORMAT_LABELS[f.format]})`).join(', ')}`,
    'Set by the files:',
    ...r.determined.map((d) => `  ${d.field.padEnd(32)} ${show(d.value)}   (${d.file}: ${d.key})`),
    ...(r.open.length
      ? [
          'Open (the plan keeps the template value; set it in the plan):',
          ...r.open.map((o) => `  ${o.field.padEnd(32)} ${show(o.kept)}   ${o.reason}`),
        ]
      : []),
    ...r.conflicts.map(
      (c) =>
        `conflict (${c.field}): ${c.values.map((v) => `${v.file} ${v.key}=${show(v.value)}`).join(' vs ')}; ` +
        `kept ${c.kept}`,
    ),
    ...r.notes.map((n) => `note: ${n}`),
    `Wrote ${out}`,
  ].join('\n');
}

export function runImportCommand(args: string[], out: (s: string) => void, err: (s: string) => void): number {
  const { values, positionals: files } = parseArgs({
    args,
    options: { json: { type: 'boolean' }, out: { type: 'string' }, name: { type: 'string' } },
    strict: false,
    allowPositionals: true,
  });
  const target = typeof values.out === 'string' ? values.out : undefined;
  if (files.length === 0 || !target) {
    err(`import needs at least one file and --out plan.json.\nUsage:\n${IMPORT_USAGE}`);
    return 2;
  }
  const read: Array<{ name: string; content: Uint8Array }> = [];
  for (const f of files) {
    try {
      read.push({ name: f, content: new Uint8Array(fs.readFileSync(f)) });
    } catch (error) {
      err(`Cannot read ${f}: ${(error as Error).message}`);
      return 2;
    }
  }
  try {
    const result = importConfigs(read, typeof values.name === 'string' ? values.name : undefined);
    writeFileAtomic(target, planToJson(result.plan));
    const { plan: _plan, ...report } = result;
    out(values.json === true ? JSON.stringify({ out: target, ...report }, null, 2) : formatImport(result, target));
    return 0;
  } catch (error) {
    if (error instanceof ConfigImportError) {
      err(error.message);
      return 2;
    }
    throw error;
  }
}
