/**
 * `tuneplan` command line (no Electron needed):
 *   tuneplan estimate <plan.json> [--json] [--recommend]
 *   tuneplan validate [--json]
 *   tuneplan runs parse FILE... [--json]
 *   tuneplan model <config.json> [--json] [--technique JSON]...
 * Exit 0 on success, 2 on invalid input (with each bad field named), 1 on other errors.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZodError } from 'zod';
import { estimatePlan, type EstimateReport } from '../../shared/estimate/estimate';
import { count, duration, gib, percent, tokensPerSecond, usd } from '../../shared/format';
import { recommend } from '../../shared/estimate/recommend';
import { EstimateInputError } from '../../shared/estimate/techniques';
import { issuesFromZod } from '../../shared/result';
import { parsePlanText, planJsonSchema } from '../../shared/exporters/plan-json';
import { EXPORT_FORMATS, exportFiles, type ExportFormat } from '../../shared/exporters/training';
import { stripBom } from '../../shared/text';
import { APP_VERSION } from '../../shared/version';
import { writeFileAtomic } from '../services/atomic-write';
import { nodeProbeDeps, probeMachine } from '../services/probes/probe';
import { runValidate } from './validate';
import { RUNS_USAGE, runRunsCommand } from './runs';
import { describeModelConfig, formatModelReport, ModelFileError, parseTechniqueArg } from './model';

const USAGE = `Usage:
  tuneplan estimate <plan.json> [--json] [--recommend]   estimate every technique in a plan
  tuneplan export <plan.json> --format FORMAT --out DIR [--technique N]
                                                          write training configs (FORMAT: ${EXPORT_FORMATS.join('|')})
  tuneplan probe [--json]                                 this machine's CPU, memory, disk and GPUs (import the JSON as a profile)
  tuneplan schema [--out FILE]                            print (or write) the plan file's JSON Schema
  tuneplan validate [--json]                              compare the estimator with published measurements
${RUNS_USAGE}
  tuneplan model <config.json> [--json] [--technique JSON]...
                                                          what Tuneplan reads from a Hugging Face config.json and its
                                                          parameter counts (every technique's defaults unless given)`;

class UsageError extends Error {}

export function formatTable(report: EstimateReport): string {
  const rows: string[][] = [['', ...report.techniques.map((t) => t.label)]];
  const row = (label: string, f: (t: EstimateReport['techniques'][number]) => string) =>
    rows.push([label, ...report.techniques.map(f)]);
  row('trainable params', (t) => `${count(t.trainableParams)} (${percent(t.trainablePercent)})`);
  row('peak / GPU (reserved)', (t) => gib(t.memory.reservedBytes));
  row('peak / GPU (nvidia-smi)', (t) => gib(t.memory.nvidiaSmiBytes));
  row('fits', (t) => (t.fits ? `yes, ${gib(t.fit.marginBytes)} spare` : `no, over by ${gib(-t.fit.marginBytes)}`));
  row('max micro-batch', (t) => (t.maxMicroBatch === 0 ? 'none fits' : String(t.maxMicroBatch)));
  row('tokens/s', (t) => tokensPerSecond(t.tokensPerSecond));
  row('wall time', (t) => duration(t.wallSeconds));
  row('GPU-hours', (t) => `${t.gpuHours.toFixed(1)} GPU-h`);
  row('cost', (t) => usd(t.costUsd));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const header = `${report.plan.name}: ${report.model.name} (${report.model.totalParams.toLocaleString('en-US')} params) on ${report.plan.gpus} × ${report.plan.gpu}, ${report.plan.strategy}, micro-batch ${report.plan.microBatch}, sequence ${report.plan.seqLen}, ${report.plan.precision}, ${report.plan.optimizer}`;
  return [
    header,
    ...rows.map(
      (r, i) =>
        r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ') +
        (i === 0 ? `\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : ''),
    ),
  ].join('\n');
}

function option(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  return args[i]!.includes('=') ? args[i]!.split('=').slice(1).join('=') : args[i + 1];
}

function readText(file: string | undefined): string {
  if (!file) throw new UsageError('a plan file is needed: tuneplan <command> <plan.json>');
  try {
    // Every file the CLI reads is user text: a UTF-8 BOM (Windows editors) is not part of it (issue 11.8).
    return stripBom(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`Cannot read ${file}: ${(error as Error).message}`);
  }
}

function readPlanFile(file: string | undefined): unknown {
  const text = readText(file);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

export function formatProbe(p: Awaited<ReturnType<typeof probeMachine>>): string {
  const lines = [
    `${p.hostname ?? 'this machine'}: ${p.os.platform} ${p.os.release} ${p.os.arch}`,
    `CPU: ${p.cpu.model}, ${p.cpu.physicalCores ?? '?'} physical / ${p.cpu.logicalCores} logical cores`,
    `Memory: ${gib(p.memory.totalBytes)} total, ${gib(p.memory.freeBytes)} free`,
    ...p.disks.map((d) => `Disk ${d.path}: ${gib(d.freeBytes)} free of ${gib(d.totalBytes)}`),
    ...(p.gpus.length
      ? p.gpus.map(
          (g, i) =>
            `GPU ${i}: ${g.name}, ${g.memoryTotalBytes === null ? 'memory unknown' : gib(g.memoryTotalBytes)}${g.driver ? `, driver ${g.driver}` : ''}${g.computeCapability ? `, compute ${g.computeCapability}` : ''}`,
        )
      : ['GPUs: none detected']),
    ...Object.entries(p.detection).map(([tool, status]) => `  ${tool}: ${status}`),
  ];
  return lines.join('\n');
}

export function main(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s + '\n'),
  err: (s: string) => void = (s) => process.stderr.write(s + '\n'),
): number {
  const [command, ...rest] = argv;
  const json = rest.includes('--json');
  const out_ = (files: string[]) =>
    out(
      json
        ? JSON.stringify({ files }, null, 2)
        : `Wrote ${files.length} file${files.length === 1 ? '' : 's'}:\n${files.map((f) => `  ${f}`).join('\n')}`,
    );
  const valued = new Set(['--format', '--out', '--technique']);
  const positional = rest.filter((a, i) => !a.startsWith('--') && !valued.has(rest[i - 1] ?? ''));
  try {
    if (command === 'estimate') {
      const plan = readPlanFile(positional[0]);
      const report = estimatePlan(plan as never);
      const withRecommendation = rest.includes('--recommend')
        ? { ...report, recommendation: recommend(plan as never) }
        : report;
      out(json ? JSON.stringify(withRecommendation, null, 2) : formatTable(report));
      return 0;
    }
    if (command === 'export') {
      const file = positional[0];
      const format = option(rest, '--format');
      const out = option(rest, '--out');
      if (!format || !(EXPORT_FORMATS as readonly string[]).includes(format))
        throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
      if (!out) throw new UsageError('--out DIR is required: the folder to write the files into');
      if (!file) throw new UsageError('export needs a plan file: tuneplan export <plan.json> --format hf --out DIR');
      const parsed = parsePlanText(readText(file));
      if (!parsed.ok) {
        err(`The plan is invalid:\n${parsed.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
        return 2;
      }
      const techniqueArg = option(rest, '--technique');
      const indices = techniqueArg === undefined ? parsed.plan.techniques.map((_, i) => i) : [Number(techniqueArg) - 1];
      if (indices.some((i) => !Number.isInteger(i) || i < 0 || i >= parsed.plan.techniques.length))
        throw new UsageError(`--technique must be 1 to ${parsed.plan.techniques.length}`);
      const written: string[] = [];
      for (const i of format === 'json' ? [0] : indices) {
        const folder =
          format === 'json' || indices.length === 1
            ? out
            : path.join(out, `${i + 1}-${parsed.plan.techniques[i]!.kind}`);
        for (const f of exportFiles(parsed.plan, format as ExportFormat, i, APP_VERSION)) {
          const target = path.join(folder, f.path);
          writeFileAtomic(target, f.content);
          written.push(target);
        }
      }
      out_(written);
      return 0;
    }
    if (command === 'probe') {
      void probeMachine(nodeProbeDeps(), [process.cwd()]).then((p) =>
        out(json ? JSON.stringify(p, null, 2) : formatProbe(p)),
      );
      return 0;
    }
    if (command === 'schema') {
      const text = `${JSON.stringify(planJsonSchema(), null, 2)}\n`;
      const target = option(rest, '--out');
      if (target) writeFileAtomic(target, text);
      else out(text.trimEnd());
      return 0;
    }
    if (command === 'model') {
      const file = positional[0];
      if (!file) throw new UsageError('model needs a config.json: tuneplan model <config.json> [--json]');
      // Every `--technique JSON` (or `--technique=JSON`) in order; without any, every kind's defaults.
      const techniqueArgs = rest.flatMap((a, i) =>
        a === '--technique'
          ? [rest[i + 1] ?? '']
          : a.startsWith('--technique=')
            ? [a.slice('--technique='.length)]
            : [],
      );
      const techniques = techniqueArgs.length ? techniqueArgs.map(parseTechniqueArg) : undefined;
      const report = describeModelConfig(readText(file), file, techniques);
      out(json ? JSON.stringify(report, null, 2) : formatModelReport(report));
      return 0;
    }
    if (command === 'runs') return runRunsCommand(rest, out, err);
    if (command === 'validate') {
      const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
      return runValidate(root, json, out);
    }
    if (command === undefined || command === '--help' || command === 'help') {
      out(USAGE);
      return command === undefined ? 2 : 0;
    }
    throw new UsageError(`Unknown command "${command}".\n${USAGE}`);
  } catch (error) {
    if (error instanceof ZodError) {
      err(
        `The plan is invalid:\n${issuesFromZod(error)
          .map((i) => `  ${i.path}: ${i.message}`)
          .join('\n')}`,
      );
      return 2;
    }
    if (error instanceof ModelFileError) {
      err(error.message);
      return 2;
    }
    if (error instanceof EstimateInputError || error instanceof UsageError) {
      err(error instanceof EstimateInputError ? `The plan is invalid:\n  ${error.message}` : error.message);
      return 2;
    }
    err(`tuneplan failed: ${(error as Error).message}`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] !== undefined && /(?:cli\.mjs|tuneplan(?:\.mjs)?)$/.test(process.argv[1]);
if (invokedDirectly) process.exitCode = main(process.argv.slice(2));
