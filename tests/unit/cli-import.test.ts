/** `tuneplan import FILE... --out plan.json` (issue 18 item 5): the workspace's config readers on the command line. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../electron/cli/main';
import { parsePlanText } from '../../shared/exporters/plan-json';

const DIR = path.resolve(__dirname, '../fixtures/import-configs');
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
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'tuneplan-import-'));

describe('tuneplan import', () => {
  it('writes a valid plan from an adapter, a ds_config and TrainingArguments, and lists what stays open', () => {
    const target = path.join(tmp(), 'plan.json');
    const { code, out, err } = run([
      'import',
      path.join(DIR, 'generated/peft-lora/adapter_config.json'),
      path.join(DIR, 'deepspeed/llamafactory-ds_z3_offload_config.json'),
      path.join(DIR, 'generated/trainer/training_args.json'),
      '--out',
      target,
    ]);
    expect(err).toBe('');
    expect(code).toBe(0);
    const parsed = parsePlanText(fs.readFileSync(target, 'utf8'));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.plan.techniques[0]).toMatchObject({ kind: 'lora', rank: 8 });
    expect(parsed.plan.distribution).toMatchObject({ strategy: 'zero3', offloadParams: 'cpu' });
    expect(parsed.plan.training).toMatchObject({ microBatch: 4, gradAccum: 8 });
    expect(out).toMatch(/Set by the files:/);
    expect(out).toMatch(/Open .*\n(.*\n)*\s+training\.precision/);
    expect(out).toMatch(/distribution\.gpusPerNode/);
  });
  it('--json prints the report without the plan', () => {
    const target = path.join(tmp(), 'plan.json');
    const { code, out } = run(['import', path.join(DIR, 'axolotl/qlora-1b.yml'), '--out', target, '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as {
      out: string;
      files: unknown[];
      determined: unknown[];
      open: unknown[];
      conflicts: unknown[];
    };
    expect(report.out).toBe(target);
    expect(report.files).toEqual([{ file: path.join(DIR, 'axolotl/qlora-1b.yml'), format: 'axolotl' }]);
    expect(report.determined.length).toBeGreaterThan(10);
  });
  it('refuses training_args.bin with exit 2 and asks for the JSON', () => {
    const { code, err } = run([
      'import',
      path.join(DIR, 'generated/trainer/training_args.bin'),
      '--out',
      path.join(tmp(), 'p.json'),
    ]);
    expect(code).toBe(2);
    expect(err).toMatch(/pickle/);
    expect(err).toMatch(/to_json_string/);
  });
  it('needs files and --out', () => {
    expect(run(['import', '--out', 'x.json']).code).toBe(2);
    expect(run(['import', path.join(DIR, 'axolotl/qlora-1b.yml')]).err).toMatch(/--out plan\.json/);
  });
});
