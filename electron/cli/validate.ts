/**
 * `tuneplan validate`: estimates every measured record in tests/fixtures/reference-measurements.json
 * (and tests/fixtures/measured/*.json when present) in the counter the record reports, and prints
 * record, measured, predicted and error. Last line: `median abs error X%, worst Y% over N records`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { estimatePlan } from '../../shared/estimate/estimate';
import { GiB } from '../../shared/estimate/memory';
import { median } from '../../shared/stats';
import { counterOf, planFromRecord, type ReferenceRecord } from './reference';

export interface ValidationRow {
  id: string;
  counter: string;
  measuredGiB: number;
  predictedGiB: number;
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
  for (const record of records) {
    if (record.value_kind !== 'measured' || record.peak_gpu_mem_gib_normalized === null) continue;
    const mapped = planFromRecord(record);
    if ('skip' in mapped) {
      skipped.push({ id: record.id, reason: mapped.skip });
      continue;
    }
    const t = estimatePlan(mapped.plan).techniques[0]!;
    const counter = counterOf(record.memory_metric);
    const predicted =
      counter === 'allocated'
        ? t.memory.allocatedBytes
        : counter === 'nvidia-smi'
          ? t.memory.nvidiaSmiBytes
          : t.memory.reservedBytes;
    const predictedGiB = predicted / GiB;
    rows.push({
      id: record.id,
      counter,
      measuredGiB: record.peak_gpu_mem_gib_normalized,
      predictedGiB,
      errorPercent: (100 * (predictedGiB - record.peak_gpu_mem_gib_normalized)) / record.peak_gpu_mem_gib_normalized,
      measuredTokensPerSecond: record.throughput_unit?.includes('tokens/s') ? record.throughput_value : null,
      predictedTokensPerSecond: t.tokensPerSecond,
    });
  }
  return { rows, skipped };
}

export function summarize(rows: ValidationRow[]): { median: number; worst: number } {
  const errors = rows.map((r) => Math.abs(r.errorPercent));
  return { median: median(errors) ?? NaN, worst: errors.length ? Math.max(...errors) : NaN };
}

function table(title: string, rows: ValidationRow[], out: (s: string) => void): void {
  out(title);
  out(
    `${'record'.padEnd(40)} ${'counter'.padEnd(10)} ${'measured'.padStart(12)} ${'predicted'.padStart(12)} ${'error'.padStart(8)}   ${'tok/s meas.'.padStart(11)} ${'tok/s pred.'.padStart(11)}`,
  );
  for (const r of rows) {
    out(
      `${r.id.padEnd(40)} ${r.counter.padEnd(10)} ${`${r.measuredGiB.toFixed(2)} GiB`.padStart(12)} ${`${r.predictedGiB.toFixed(2)} GiB`.padStart(12)} ${`${r.errorPercent >= 0 ? '+' : ''}${r.errorPercent.toFixed(1)}%`.padStart(8)}   ${(r.measuredTokensPerSecond === null ? '—' : String(Math.round(r.measuredTokensPerSecond))).padStart(11)} ${String(Math.round(r.predictedTokensPerSecond)).padStart(11)}`,
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
        { published: { ...result, ...s }, ...(own ? { measured: { ...own, ...summarize(own.rows) } } : {}) },
        null,
        2,
      ),
    );
    return 0;
  }
  if (own && own.rows.length > 0) {
    table('Measured on our own GPU (tests/fixtures/measured):', own.rows, out);
    const o = summarize(own.rows);
    out(
      `measured: median abs error ${o.median.toFixed(1)}%, worst ${o.worst.toFixed(1)}% over ${own.rows.length} records`,
    );
    out('');
  }
  table('Published measurements (tests/fixtures/reference-measurements.json), peak memory per GPU:', result.rows, out);
  for (const k of result.skipped) out(`skipped ${k.id}: ${k.reason}`);
  out(`median abs error ${s.median.toFixed(1)}%, worst ${s.worst.toFixed(1)}% over ${result.rows.length} records`);
  return 0;
}
