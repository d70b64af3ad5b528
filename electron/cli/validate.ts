/**
 * `tuneplan validate`: estimates every measured record in tests/fixtures/reference-measurements.json
 * (and tests/fixtures/measured/*.json when present) in the counter the record reports, and prints
 * record, measured, predicted and error. Last line: `median abs error X%, worst Y% over N records`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { memTrackerLines, readMemTracker } from './mem-tracker';
import { readSavedTensors, savedTensorsLines } from './saved-tensors';
import { estimatePlan } from '../../shared/estimate/estimate';
import { GiB } from '../../shared/format';
import { median } from '../../shared/stats';
import {
  COUNTERS,
  counterOf,
  perStepPeak,
  planFromRecord,
  type RecordSwitches,
  type ReferenceRecord,
} from './reference';
import { paddedSteps, readReferenceDatasets, recordData, type ReferenceDatasets } from './reference-datasets';
import type { PlanInput } from '../../shared/domain/plan';

export interface ValidationRow {
  id: string;
  /** The publication the record comes from (its source_url without the path after the repository). */
  source: string;
  counter: string;
  measuredGiB: number;
  predictedGiB: number;
  lowGiB: number;
  highGiB: number;
  /** The measurement lies within the predicted low–high range. */
  inRange: boolean;
  /**
   * Inside only because the low end is the first step's (a per-step figure whose step is not named): below the
   * steady steps' low end. Reported apart so the coverage says how much of it rests on that reading.
   */
  inRangeByFirstStep: boolean;
  errorPercent: number;
  measuredTokensPerSecond: number | null;
  predictedTokensPerSecond: number;
  /**
   * How the figures were sized when the record's padded batches come from a known dataset
   * (tests/fixtures/reference-datasets.json): the sequence lengths behind expected, low and high, and why.
   */
  data?: string;
}

export function validateRecords(
  records: ReferenceRecord[],
  datasets: ReferenceDatasets = {},
): {
  rows: ValidationRow[];
  skipped: Array<{ id: string; reason: string }>;
} {
  const rows: ValidationRow[] = [];
  const skipped: Array<{ id: string; reason: string }> = [];
  // Cumulative ablation tables ("each technique added on top of the previous one"): a row whose settings start
  // with "+" keeps the switches of the row before it from the same source.
  let previous: { source: string; switches: RecordSwitches } | null = null;
  for (const record of records) {
    if (record.value_kind !== 'measured' || record.peak_gpu_mem_gib_normalized === null) continue;
    const mapped = planFromRecord(record, previous?.source === record.source_url ? previous.switches : undefined);
    if ('skip' in mapped) {
      skipped.push({ id: record.id, reason: mapped.skip });
      continue;
    }
    previous = { source: record.source_url, switches: mapped.switches };
    const sized = sizedByData(record, mapped.plan, mapped.switches, datasets);
    const t = estimatePlan(sized.expected).techniques[0]!;
    const counter = counterOf(record.memory_metric);
    const key = (
      {
        allocated: 'allocatedBytes',
        active: 'activeBytes',
        'nvidia-smi': 'nvidiaSmiBytes',
        reserved: 'reservedBytes',
      } as const
    )[counter];
    const predictedGiB = t.memory[key] / GiB;
    const low = (sized.low ? estimatePlan(sized.low).techniques[0]!.memory : t.memory).low;
    // One step's peak, the step not named (reference.ts perStepPeak): it may be the first, whose forward and
    // backward run before the optimizer has created its state (ranges.ts firstStepActiveBytes).
    const firstStep = perStepPeak(record) && (counter === 'active' || counter === 'allocated');
    const steadyLowGiB = low[key] / GiB;
    const lowGiB = (firstStep ? Math.min(low[key], low.firstStepActiveBytes) : low[key]) / GiB;
    const highGiB = (sized.high ? estimatePlan(sized.high).techniques[0]!.memory : t.memory).high[key] / GiB;
    const measured = record.peak_gpu_mem_gib_normalized;
    rows.push({
      id: record.id,
      source: sourceOf(record.source_url),
      counter,
      measuredGiB: measured,
      predictedGiB,
      lowGiB,
      highGiB,
      inRange: measured >= lowGiB && measured <= highGiB,
      inRangeByFirstStep: measured >= lowGiB && measured < steadyLowGiB,
      errorPercent: (100 * (predictedGiB - record.peak_gpu_mem_gib_normalized)) / record.peak_gpu_mem_gib_normalized,
      measuredTokensPerSecond: record.throughput_unit?.includes('tokens/s') ? record.throughput_value : null,
      predictedTokensPerSecond: t.tokensPerSecond,
      ...(sized.note ? { data: sized.note } : {}),
    });
  }
  return { rows, skipped };
}

/**
 * The plans a record's figures come from. Without a known dataset, one plan (its own). With one and padded batches
 * (issue 15 §5), the plan carries the data's example count, mean and longest example, so the peak is the batch of
 * longest sequences; and when the record's figure is one step's peak (reference.ts perStepPeak) and the step is not
 * named, expected is a random step's padded batch (the expected longest of b examples), low the step at the 5th
 * percentile of steps and high the run's longest batch: the spread of which step was read, on top of each estimate's
 * own range.
 */
function sizedByData(
  record: ReferenceRecord,
  plan: PlanInput,
  switches: RecordSwitches,
  datasets: ReferenceDatasets,
): { expected: PlanInput; low?: PlanInput; high?: PlanInput; note?: string } {
  const data = switches.packing ? null : recordData(record, datasets);
  if (!data) return { expected: plan };
  const b = plan.training?.microBatch ?? 1;
  const steps = paddedSteps(data.lengths, b, plan.training?.seqLen ?? 2048);
  const at = (longest: number): PlanInput => ({
    ...plan,
    data: {
      mode: 'examples',
      examples: data.lengths.length,
      meanTokensPerExample: steps.mean,
      maxTokensPerExample: Math.max(1, Math.round(longest)),
    },
  });
  const tokens = (n: number) => `${Math.round(n).toLocaleString('en-US')} tokens`;
  const source =
    `${data.name}, ${data.lengths.length.toLocaleString('en-US')} examples, ` +
    `mean ${tokens(steps.mean)} (${data.source})`;
  // Only torchtune's records name a dataset here (reference-datasets.ts recordData), and each is one step's peak.
  if (!perStepPeak(record)) throw new Error(`${record.id}: a dataset for a record that is not one step's peak`);
  return {
    expected: at(steps.expected),
    low: at(steps.low),
    high: at(steps.longest),
    note:
      `${source}. One step's peak (the step is not named): expected a random step, ${b} × ${tokens(steps.expected)}; ` +
      `low the ${Math.round(100 * steps.lowQuantile)}th-percentile step, ${b} × ${tokens(steps.low)}; ` +
      `high the longest batch, ${b} × ${tokens(steps.longest)}`,
  };
}

/** "github.com/pytorch/torchtune" from a record's source URL: the publication, for per-source figures. */
export function sourceOf(url: string): string {
  const m = /^https?:\/\/(github\.com\/[^/]+\/[^/]+|[^/]+)/.exec(url);
  return m?.[1] ?? url;
}

export interface Summary {
  count: number;
  median: number;
  worst: number;
  /** How many measurements lie within the predicted low–high range, and that as a percentage. */
  inRange: number;
  /** Of those, how many only through the first step's low end (ValidationRow.inRangeByFirstStep). */
  inRangeByFirstStep: number;
  coveragePercent: number;
  /** Median of (high − low) / expected, in percent. */
  medianWidthPercent: number;
}

export function summarize(rows: ValidationRow[]): Summary {
  const errors = rows.map((r) => Math.abs(r.errorPercent));
  const inRange = rows.filter((r) => r.inRange).length;
  return {
    count: rows.length,
    median: median(errors) ?? NaN,
    worst: errors.length ? Math.max(...errors) : NaN,
    inRange,
    inRangeByFirstStep: rows.filter((r) => r.inRangeByFirstStep).length,
    coveragePercent: rows.length ? (100 * inRange) / rows.length : NaN,
    medianWidthPercent: median(rows.map((r) => (100 * (r.highGiB - r.lowGiB)) / r.predictedGiB)) ?? NaN,
  };
}

/** The summary per source and per counter (issue 15: validation covers every record, per source and counter). */
export function breakdown(rows: ValidationRow[]): Array<{ by: 'source' | 'counter'; key: string } & Summary> {
  const out: Array<{ by: 'source' | 'counter'; key: string } & Summary> = [];
  for (const source of [...new Set(rows.map((r) => r.source))])
    out.push({ by: 'source', key: source, ...summarize(rows.filter((r) => r.source === source)) });
  for (const counter of COUNTERS) {
    const of = rows.filter((r) => r.counter === counter);
    if (of.length) out.push({ by: 'counter', key: counter, ...summarize(of) });
  }
  return out;
}

const summaryLine = (s: Summary) =>
  `median abs error ${s.median.toFixed(1)}%, worst ${s.worst.toFixed(1)}% over ${s.count} records; ` +
  `${s.inRange} of ${s.count} inside low–high (${s.coveragePercent.toFixed(0)}%` +
  `${s.inRangeByFirstStep ? `; ${s.inRangeByFirstStep} only through a first step's low end` : ''}), ` +
  `median range width ${s.medianWidthPercent.toFixed(0)}%`;

function table(title: string, rows: ValidationRow[], out: (s: string) => void): void {
  out(title);
  out(
    `${'record'.padEnd(40)} ${'counter'.padEnd(10)} ${'measured'.padStart(12)} ${'predicted'.padStart(12)} ` +
      `${'error'.padStart(8)} ${'low–high'.padStart(17)}   ` +
      `${'tok/s meas.'.padStart(11)} ${'tok/s pred.'.padStart(11)}`,
  );
  for (const r of rows) {
    out(
      `${r.id.padEnd(40)} ${r.counter.padEnd(10)} ${`${r.measuredGiB.toFixed(2)} GiB`.padStart(12)} ` +
        `${`${r.predictedGiB.toFixed(2)} GiB`.padStart(12)} ` +
        `${`${r.errorPercent >= 0 ? '+' : ''}${r.errorPercent.toFixed(1)}%`.padStart(8)} ` +
        `${`${r.lowGiB.toFixed(1)}–${r.highGiB.toFixed(1)}${r.inRange ? ' ' : '!'}`.padStart(17)}   ` +
        `${(r.measuredTokensPerSecond === null ? '—' : String(Math.round(r.measuredTokensPerSecond))).padStart(11)} ` +
        `${String(Math.round(r.predictedTokensPerSecond)).padStart(11)}`,
    );
  }
}

export function runValidate(root: string, json: boolean, out: (s: string) => void): number {
  const published = JSON.parse(
    fs.readFileSync(path.join(root, 'tests/fixtures/reference-measurements.json'), 'utf8'),
  ) as { records: ReferenceRecord[] };
  const datasets = readReferenceDatasets(root);
  const result = validateRecords(published.records, datasets);
  const measuredDir = path.join(root, 'tests/fixtures/measured');
  const own = fs.existsSync(measuredDir)
    ? validateRecords(
        fs
          .readdirSync(measuredDir)
          .filter((f) => f.endsWith('.json'))
          .flatMap(
            (f) =>
              (JSON.parse(fs.readFileSync(path.join(measuredDir, f), 'utf8')) as { records: ReferenceRecord[] })
                .records,
          ),
        datasets,
      )
    : null;
  const s = summarize(result.rows);
  if (json) {
    out(
      JSON.stringify(
        {
          published: { ...result, ...s, breakdown: breakdown(result.rows) },
          ...(own ? { measured: { ...own, ...summarize(own.rows) } } : {}),
          memTracker: readMemTracker(root),
          savedTensors: readSavedTensors(root),
        },
        null,
        2,
      ),
    );
    return 0;
  }
  if (own && own.rows.length > 0) {
    table('Measured on our own GPU (tests/fixtures/measured):', own.rows, out);
    const o = summarize(own.rows);
    out(`measured: ${summaryLine(o)}`);
    out('');
  }
  for (const line of memTrackerLines(readMemTracker(root))) out(line);
  out('');
  for (const line of savedTensorsLines(readSavedTensors(root))) out(line);
  out('');
  table('Published measurements (tests/fixtures/reference-measurements.json), peak memory per GPU:', result.rows, out);
  for (const r of result.rows) if (r.data) out(`${r.id}: ${r.data}`);
  for (const k of result.skipped) out(`skipped ${k.id}: ${k.reason}`);
  for (const b of breakdown(result.rows)) out(`  ${b.by} ${b.key}: ${summaryLine(b)}`);
  out(summaryLine(s));
  return 0;
}
