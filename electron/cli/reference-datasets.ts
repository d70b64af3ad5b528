/**
 * Token lengths of the public datasets that published measurements trained on (tests/fixtures/reference-datasets.json),
 * so `tuneplan validate` sizes a padded run's batches from its data instead of at the full sequence length (issue 15
 * §5: the peak is the batch of longest sequences, time follows the real tokens).
 *
 * Each dataset is a histogram in the tokens its publication counted, plus a linear map to the tokens a given stack
 * and tokenizer make of the same examples (`to_model_tokens`, measured on a sample of the examples; the fixture says
 * how). The histogram's counts are spread evenly inside their bins.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { expectedMaxOf, percentile } from '../../shared/data/batching';
import { fromTorchtune, type ReferenceRecord } from './reference';

const ConversionSchema = z.object({ slope: z.number().positive(), intercept: z.number(), method: z.string() });
const DatasetSchema = z
  .object({
    name: z.string(),
    source_url: z.string().url(),
    source_date: z.string(),
    edges: z.array(z.number().nonnegative()).min(2),
    counts: z.array(z.number().int().nonnegative()),
    to_model_tokens: z.record(z.string(), ConversionSchema),
  })
  .refine((d) => d.counts.length === d.edges.length - 1, { message: 'counts need one fewer entry than edges' });
const FileSchema = z.object({ datasets: z.record(z.string(), DatasetSchema) });
export type ReferenceDatasets = z.infer<typeof FileSchema>['datasets'];

export function readReferenceDatasets(root: string): ReferenceDatasets {
  const file = path.join(root, 'tests/fixtures/reference-datasets.json');
  const parsed = FileSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data.datasets;
}

/** A record's data: which dataset, in which tokens, and the per-example lengths (sorted ascending). */
export interface RecordData {
  dataset: string;
  name: string;
  source: string;
  conversion: string;
  lengths: Float64Array;
}

/**
 * The dataset a record trained on, from its sequence-length note: torchtune's `alpaca_cleaned_dataset` (the
 * ablation's configs, recipes/configs/llama3_2/3B_full_single_device.yaml at 1814feb) tokenized by torchtune's Llama 3
 * tokenizer. Null when the record names no dataset the fixture holds, or a tokenizer it has no conversion for.
 */
export function recordData(record: ReferenceRecord, datasets: ReferenceDatasets): RecordData | null {
  const note = record.sequence_length_note ?? '';
  const torchtune = fromTorchtune(record);
  const llama3 = /llama-3/i.test(record.model ?? '');
  if (!/\balpaca\b/i.test(note) || !torchtune || !llama3) return null;
  const d = datasets['alpaca-cleaned'];
  const conversion = d?.to_model_tokens['torchtune-llama3'];
  if (!d || !conversion) return null;
  const lengths = lengthsOf(d.edges, d.counts, conversion);
  // matplotlib's histogram range ends at the data's maximum: the longest example sits on the last edge.
  const last = d.edges[d.edges.length - 1]!;
  lengths[lengths.length - 1] = Math.max(
    lengths[lengths.length - 1]!,
    Math.round(conversion.slope * last + conversion.intercept),
  );
  return {
    dataset: 'alpaca-cleaned',
    name: d.name,
    source: `${d.source_url} (${d.source_date})`,
    conversion: conversion.method,
    lengths,
  };
}

/** The histogram as per-example lengths in the model's tokens: each bin's examples evenly inside it, sorted. */
export function lengthsOf(
  edges: readonly number[],
  counts: readonly number[],
  to: { slope: number; intercept: number },
): Float64Array {
  const total = counts.reduce((a, c) => a + c, 0);
  const out = new Float64Array(total);
  let k = 0;
  counts.forEach((c, i) => {
    const lo = edges[i]!;
    const width = edges[i + 1]! - lo;
    for (let j = 0; j < c; j++)
      out[k++] = Math.max(1, Math.round(to.slope * (lo + ((j + 0.5) / c) * width) + to.intercept));
  });
  return out.sort();
}

/**
 * The padded length of one micro-batch of b examples drawn at random (every row is padded to the batch's longest:
 * torchtune's padded_collate_sft): the expected step, the step at quantile q of all steps (the longest of b draws is
 * below x with probability F(x)^b, so its q-quantile is the example quantile q^(1/b)), and the longest batch.
 */
export function paddedSteps(
  lengths: Float64Array,
  microBatch: number,
  seqLen: number,
): { mean: number; expected: number; low: number; longest: number; lowQuantile: number } {
  const kept = lengths.map((l) => Math.min(l, seqLen));
  const n = kept.length;
  const lowQuantile = 0.05;
  return {
    mean: kept.reduce((a, v) => a + v, 0) / Math.max(1, n),
    expected: expectedMaxOf(kept, microBatch),
    low: percentile(kept, 100 * Math.pow(lowQuantile, 1 / microBatch)),
    longest: n ? kept[n - 1]! : 0,
    lowQuantile,
  };
}
