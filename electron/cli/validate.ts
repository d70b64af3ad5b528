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
import { COUNTERS, counterOf, planFromRecord, type RecordSwitches, type ReferenceRecord } from './reference';

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
  errorPercent: number;
  measuredTokensPerSecond: number | null;
  predictedTokensPerSecond: number;
}

export function validateRecords(records: ReferenceRecord[]): {
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
    const t = estimatePlan(mapped.plan).techniques[0]!;
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
    const lowGiB = t.memory.low[key] / GiB;
    const highGiB = t.memory.high[key] / GiB;
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
      errorPercent: (100 * (predictedGiB - record.peak_gpu_mem_gib_normalized)) / record.peak_gpu_mem_gib_normalized,
      measuredTokensPerSecond: record.throughput_unit?.includes('tokens/s') ? record.throughput_value : null,
      predictedTokensPerSecond: t.tokensPerSecond,
    });
  }
  return { rows, skipped };
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
  `${s.inRange} of ${s.count} inside low–high (${s.coveragePercent.toFixed(0)}%), ` +
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
  const result = validateRecords(published.records);
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
  for (const k of result.skipped) out(`skipped ${k.id}: ${k.reason}`);
  for (const b of breakdown(result.rows)) out(`  ${b.by} ${b.key}: ${summaryLine(b)}`);
  out(summaryLine(s));
  return 0;
}
