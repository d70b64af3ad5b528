/**
 * `tuneplan` command line (no Electron needed):
 *   tuneplan estimate <plan.json> [--json] [--recommend [--sort cost|time] [--budget USD] [--deadline HOURS]
 *                     [--max-gpus N] [--owned-only] [--profile probe.json]...] [--data FILE [--tokenizer DIR] [--full]]
 *   tuneplan validate [--json]
 *   tuneplan runs parse FILE... [--json]
 *   tuneplan model <config.json> [--json] [--technique JSON]...
 *   tuneplan model --hub <repoId> [--revision REV] [--json] [--technique JSON]...
 * Exit 0 on success, 2 on invalid input (with each bad field named), 1 on other errors.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ZodError } from 'zod';
import { estimatePlan, type EstimateReport } from '../../shared/estimate/estimate';
import { count, duration, gib, percent, tokensPerSecond, usd } from '../../shared/format';
import { leversFor, type Lever } from '../../shared/estimate/levers';
import { recommend } from '../../shared/estimate/recommend';
import { formatRecommendation, RecommendArgError, RECOMMEND_USAGE, recommendOptionsFrom } from './recommend-args';
import { EstimateInputError } from '../../shared/estimate/techniques';
import { issuesFromZod } from '../../shared/result';
import { parsePlanText, planJsonSchema } from '../../shared/exporters/plan-json';
import { upgradePlanDocument } from '../../shared/domain/plan-migrations';
import { EXPORT_FORMATS, exportFiles, type ExportFormat } from '../../shared/exporters/training';
import { stripBom } from '../../shared/text';
import { APP_VERSION } from '../../shared/version';
import { writeFileAtomic } from '../services/atomic-write';
import { nodeProbeDeps, probeMachine } from '../services/probes/probe';
import { runValidate } from './validate';
import { RUNS_USAGE, runRunsCommand } from './runs';
import { IMPORT_USAGE, runImportCommand } from './import';
import { DATA_USAGE, runDataCommand, terminalProgress } from './data';
import { DataInputError, statsForPlan, withStats, type PlanDataOptions } from './estimate-data';
import { describeModelConfig, formatModelReport, ModelFileError, parseTechniqueArg } from './model';
import { runModelHub } from './model-hub';

const USAGE =
  `Usage:
  tuneplan estimate <plan.json> [--json] [--recommend]   estimate every technique in a plan
                    [--data FILE [--tokenizer DIR] [--full]]
                                                          ... with the lengths of your data file (tokens, padding,
                                                          the longest batch, the step that may run out of memory)
${RECOMMEND_USAGE}
  tuneplan export <plan.json> --format FORMAT --out DIR [--technique N]
                                                          write training configs (FORMAT: ${EXPORT_FORMATS.join('|')})
  tuneplan probe [--json]                                 this machine's CPU, memory, disk and GPUs ` +
  `(import the JSON as a profile)
  tuneplan schema [--out FILE]                            print (or write) the plan file's JSON Schema
  tuneplan validate [--json]                              compare the estimator with published measurements
${RUNS_USAGE}
${IMPORT_USAGE}
${DATA_USAGE}
  tuneplan model <config.json> [--json] [--technique JSON]...
                                                          what Tuneplan reads from a Hugging Face config.json and its
                                                          parameter counts (every technique's defaults unless given)
  tuneplan model --hub <repoId> [--revision REV] [--json] [--technique JSON]...
                                                          the same for a config.json fetched from the Hugging Face Hub
                                                          (TUNEPLAN_HF_ENDPOINT, HF_TOKEN when set)`;

class UsageError extends Error {}

/** `techniques[i].fit.levers[]`: what would make each technique fit (or run faster / cheaper when it fits). */
type WithLevers = Omit<EstimateReport, 'techniques'> & {
  techniques: Array<EstimateReport['techniques'][number] & { fit: { levers: Lever[] } }>;
};
function withLevers(report: EstimateReport, plan: unknown): WithLevers {
  return {
    ...report,
    techniques: report.techniques.map((t) => ({
      ...t,
      fit: { ...t.fit, levers: leversFor(plan as never, t.index) },
    })),
  };
}

export function formatTable(report: EstimateReport): string {
  const rows: string[][] = [['', ...report.techniques.map((t) => t.label)]];
  const row = (label: string, f: (t: EstimateReport['techniques'][number]) => string) =>
    rows.push([label, ...report.techniques.map(f)]);
  row('trainable params', (t) => `${count(t.trainableParams)} (${percent(t.trainablePercent)})`);
  // A CPU-only machine (issue 14.7): memory is RAM, there is no nvidia-smi and no GPU-hours; the time is rough.
  const cpu = report.device.kind === 'cpu';
  if (cpu) row('peak memory (RAM)', (t) => gib(t.memory.reservedBytes));
  else {
    row('peak / GPU (reserved)', (t) => gib(t.memory.reservedBytes));
    row('peak / GPU (nvidia-smi)', (t) => gib(t.memory.nvidiaSmiBytes));
  }
  row('fits', (t) => (t.fits ? `yes, ${gib(t.fit.marginBytes)} spare` : `no, over by ${gib(-t.fit.marginBytes)}`));
  row('max micro-batch', (t) => (t.maxMicroBatch === 0 ? 'none fits' : String(t.maxMicroBatch)));
  // From the user's data (estimate --data, issue 17): the padding it wastes and the step that may run out of memory.
  if (report.techniques.some((t) => t.fromData)) {
    row('padding (your data)', (t) => (t.fromData ? percent(t.fromData.paddingWastePercent) : '—'));
    row('batch over memory', (t) => {
      const r = t.fromData?.risk;
      if (!r) return t.fromData ? 'none (packed)' : '—';
      return r.examplesOver === 0
        ? 'none'
        : `${count(r.examplesOver)} examples; first ~step ${count(r.expectedFirstStep ?? 0)}, ` +
            `${percent(100 * r.probabilityWithin100Steps)} in 100 steps`;
    });
  }
  row('tokens/s', (t) => tokensPerSecond(t.tokensPerSecond));
  row('wall time', (t) => `${duration(t.wallSeconds)}${cpu ? ' (rough, CPU)' : ''}`);
  if (!cpu) row('GPU-hours', (t) => `${t.gpuHours.toFixed(1)} GPU-h`);
  row('cost', (t) => usd(t.costUsd));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const header =
    `${report.plan.name}: ${report.model.name} (${report.model.totalParams.toLocaleString('en-US')} params) ` +
    `on ${report.plan.gpus} × ${report.plan.gpu}, ${report.plan.strategy}, ` +
    `micro-batch ${report.plan.microBatch}, sequence ${report.plan.seqLen}, ` +
    `${report.plan.precision}, ${report.plan.optimizer}`;
  return [
    cpu ? header.replace(/ on \d+ × /, ' on ') : header,
    ...rows.map(
      (r, i) =>
        r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('  ') +
        (i === 0 ? `\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : ''),
    ),
    ...report.warnings.map((w) => `warning (${w.code}${w.field ? `, ${w.field}` : ''}): ${w.message}`),
  ].join('\n');
}

/**
 * The options every command reads. Not strict: an unknown flag is ignored, as it always was. Valued options are
 * `multiple` so that the first one given wins (and `model` reads every `--technique`); an option given without a
 * value parses as `true`, which counts as absent.
 */
function parseOptions(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    options: {
      json: { type: 'boolean' },
      recommend: { type: 'boolean' },
      format: { type: 'string', multiple: true },
      out: { type: 'string', multiple: true },
      technique: { type: 'string', multiple: true },
      // estimate --recommend (issue 14.3): electron/cli/recommend-args.ts reads and checks them.
      sort: { type: 'string', multiple: true },
      budget: { type: 'string', multiple: true },
      deadline: { type: 'string', multiple: true },
      'max-gpus': { type: 'string', multiple: true },
      'owned-only': { type: 'boolean' },
      profile: { type: 'string', multiple: true },
      // estimate --data FILE [--tokenizer DIR] [--full] (issue 17): the plan estimated from the user's data.
      data: { type: 'string', multiple: true },
      tokenizer: { type: 'string', multiple: true },
      full: { type: 'boolean' },
      // model --hub REPO_ID [--revision REV] (issue 16): electron/cli/model-hub.ts.
      hub: { type: 'string', multiple: true },
      revision: { type: 'string', multiple: true },
    },
    strict: false,
    allowPositionals: true,
  });
  const all = (name: 'format' | 'out' | 'technique' | 'data' | 'tokenizer') => {
    const value = values[name];
    return Array.isArray(value) ? value : value === undefined ? [] : [value];
  };
  const first = (name: 'format' | 'out' | 'technique' | 'data' | 'tokenizer') => {
    const value = all(name)[0];
    return typeof value === 'string' ? value : undefined;
  };
  return { values, positionals, all, first };
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
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  // Older plan formats are brought to the current one (shared/domain/plan-migrations.ts); a document the chain
  // refuses goes on unchanged, and the schema names the problem.
  const upgraded = upgradePlanDocument(json);
  return upgraded.ok ? upgraded.document : json;
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
            `GPU ${i}: ${g.name}, ${g.memoryTotalBytes === null ? 'memory unknown' : gib(g.memoryTotalBytes)}` +
            `${g.driver ? `, driver ${g.driver}` : ''}` +
            `${g.computeCapability ? `, compute ${g.computeCapability}` : ''}`,
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
  const { values, positionals: positional, all, first: option } = parseOptions(rest);
  const json = values.json === true;
  const out_ = (files: string[]) =>
    out(
      json
        ? JSON.stringify({ files }, null, 2)
        : `Wrote ${files.length} file${files.length === 1 ? '' : 's'}:\n${files.map((f) => `  ${f}`).join('\n')}`,
    );
  try {
    if (command === 'estimate') {
      const plan = readPlanFile(positional[0]);
      const recommendOptions = recommendOptionsFrom(values); // flags and profiles checked before any estimate
      if ([...all('data'), ...all('tokenizer')].some((v) => typeof v !== 'string'))
        throw new UsageError(
          '--data needs a file and --tokenizer a model folder: tuneplan estimate plan.json --data FILE',
        );
      const dataFile = option('data');
      if (all('tokenizer').length > 0 && !dataFile)
        throw new UsageError(
          '--tokenizer goes with --data FILE: tuneplan estimate plan.json --data FILE --tokenizer DIR',
        );
      if (dataFile) {
        // Reading and tokenizing the data is asynchronous (streamed): the exit code is set when it finishes.
        const dataOptions = {
          file: dataFile,
          tokenizer: option('tokenizer'),
          full: values.full === true,
          onProgress: terminalProgress(err),
        };
        void estimateWithData(plan, dataOptions, json, recommendOptions, out, err).then(
          (code) => (process.exitCode = code),
        );
        return 0;
      }
      out(estimateOutput(plan, json, recommendOptions));
      return 0;
    }
    if (command === 'export') {
      const file = positional[0];
      const format = option('format');
      const out = option('out');
      if (!format || !(EXPORT_FORMATS as readonly string[]).includes(format))
        throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
      if (!out) throw new UsageError('--out DIR is required: the folder to write the files into');
      if (!file) throw new UsageError('export needs a plan file: tuneplan export <plan.json> --format hf --out DIR');
      const parsed = parsePlanText(readText(file));
      if (!parsed.ok) {
        err(`The plan is invalid:\n${parsed.issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
        return 2;
      }
      const techniqueArg = option('technique');
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
      const target = option('out');
      if (target) writeFileAtomic(target, text);
      else out(text.trimEnd());
      return 0;
    }
    if (command === 'model' && values.hub !== undefined) {
      const [hub] = values.hub;
      const [revision] = values.revision ?? [];
      if (typeof hub !== 'string' || hub === '' || typeof revision === 'boolean')
        throw new UsageError('model --hub needs a model id: tuneplan model --hub Qwen/Qwen2.5-7B [--revision main]');
      const techniqueArgs = all('technique').map((a) => (typeof a === 'string' ? a : ''));
      const techniques = techniqueArgs.length ? techniqueArgs.map(parseTechniqueArg) : undefined;
      // Fetching is asynchronous: the exit code is set when it finishes.
      void runModelHub({ hub, revision, json, techniques }, out, err).then((code) => (process.exitCode = code));
      return 0;
    }
    if (command === 'model') {
      const file = positional[0];
      if (!file) throw new UsageError('model needs a config.json: tuneplan model <config.json> [--json]');
      // Every `--technique JSON` (or `--technique=JSON`) in order; without any, every kind's defaults.
      const techniqueArgs = all('technique').map((a) => (typeof a === 'string' ? a : ''));
      const techniques = techniqueArgs.length ? techniqueArgs.map(parseTechniqueArg) : undefined;
      const report = describeModelConfig(readText(file), file, techniques);
      out(json ? JSON.stringify(report, null, 2) : formatModelReport(report));
      return 0;
    }
    if (command === 'runs') return runRunsCommand(rest, out, err);
    if (command === 'import') return runImportCommand(rest, out, err);
    if (command === 'data') {
      // Reading and tokenizing is asynchronous (streamed): the exit code is set when it finishes.
      void runDataCommand(rest, out, err, terminalProgress(err)).then((code) => (process.exitCode = code));
      return 0;
    }
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
    return reportError(error, err);
  }
}

/** The estimate command's output: the table (and recommendation), or the JSON report with levers. */
function estimateOutput(
  plan: unknown,
  json: boolean,
  recommendOptions: ReturnType<typeof recommendOptionsFrom>,
): string {
  // Levers re-estimate the plan tens of times per technique: only the JSON output carries them (issue 14.2).
  const report = json ? withLevers(estimatePlan(plan as never), plan) : estimatePlan(plan as never);
  const recommendation = recommendOptions ? recommend(plan as never, recommendOptions) : null;
  const withRecommendation = recommendation ? { ...report, recommendation } : report;
  return json
    ? JSON.stringify(withRecommendation, null, 2)
    : [formatTable(report), ...(recommendation ? ['', formatRecommendation(recommendation)] : [])].join('\n');
}

/**
 * `estimate --data FILE [--tokenizer DIR] [--full]`: the plan estimated with the statistics of the user's data
 * (issue 17; electron/cli/estimate-data.ts). Exit codes as `estimate`: 2 for input the user can fix.
 */
export async function estimateWithData(
  plan: unknown,
  data: PlanDataOptions,
  json: boolean,
  recommendOptions: ReturnType<typeof recommendOptionsFrom>,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  try {
    const stats = await statsForPlan(plan, data);
    out(estimateOutput(withStats(plan, stats), json, recommendOptions));
    return 0;
  } catch (error) {
    if (error instanceof DataInputError) {
      err(error.message);
      return 2;
    }
    return reportError(error, err);
  }
}

function reportError(error: unknown, err: (s: string) => void): number {
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
  if (error instanceof EstimateInputError || error instanceof UsageError || error instanceof RecommendArgError) {
    err(error instanceof EstimateInputError ? `The plan is invalid:\n  ${error.message}` : error.message);
    return 2;
  }
  err(`tuneplan failed: ${(error as Error).message}`);
  return 1;
}

const invokedDirectly = process.argv[1] !== undefined && /(?:cli\.mjs|tuneplan(?:\.mjs)?)$/.test(process.argv[1]);
if (invokedDirectly) process.exitCode = main(process.argv.slice(2));
