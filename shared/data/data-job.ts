/**
 * A data analysis the desktop app runs by path in a worker thread of the main process (issue 17): the
 * renderer starts it (`data:analyze`), polls it (`data:progress`) and may cancel it (`data:cancel`). The IPC
 * contract has request/response only, no push, so progress is polled; the worker reports at most every
 * 200 ms (shared/data/analyze.ts), so a poll every few hundred ms misses nothing the UI would draw.
 */
import { z } from 'zod';
import { DataAnalysisOptionsSchema, DataStatsSchema } from '../domain/data-stats';
import { IdSchema } from '../ids';
import type { DataProgress } from './analyze';

export const DataProgressSchema = z.object({
  phase: z.enum(['scan', 'count']),
  bytesRead: z.number().nonnegative(),
  bytesTotal: z.number().nonnegative(),
  examples: z.number().int().nonnegative(),
  counted: z.number().int().nonnegative(),
  toCount: z.number().int().nonnegative(),
});
// The schema and analyze.ts's interface describe one thing: a change to either fails to compile here.
const sameProgress: [DataProgress, z.infer<typeof DataProgressSchema>] = [
  {} as z.infer<typeof DataProgressSchema>,
  {} as DataProgress,
];
void sameProgress;

/** A path chosen in the desktop app's open dialog; checked again on disk by the handler. */
const PathSchema = z
  .string()
  .min(1, 'is empty: choose it with the button beside the field')
  .max(4096, 'is longer than 4096 characters')
  .refine((p) => !p.includes('\0'), 'contains a NUL character: choose the file again');

export const DataAnalyzeInputSchema = z
  .object({
    /** A data file (JSON Lines, JSON, CSV, Parquet, Arrow) or a `datasets.save_to_disk` folder. */
    dataPath: PathSchema,
    /** A model folder (as save_pretrained writes it) or its tokenizer.json; absent: estimated from bytes. */
    tokenizerPath: PathSchema.optional(),
    options: DataAnalysisOptionsSchema.prefault({}),
  })
  .strict();

const job = { jobId: IdSchema, updates: z.number().int().min(0) };
export const DATA_JOB_FAILURES = ['VALIDATION', 'NOT_FOUND', 'DATA'] as const;
export const DataJobStatusSchema = z.discriminatedUnion('state', [
  /** `progress` is null until the worker's first report; `updates` counts the reports received. */
  z.object({ ...job, state: z.literal('running'), progress: DataProgressSchema.nullable() }),
  z.object({ ...job, state: z.literal('done'), stats: DataStatsSchema }),
  z.object({
    ...job,
    state: z.literal('failed'),
    code: z.enum(DATA_JOB_FAILURES),
    message: z.string(),
    /** The first record's fields when its shape is not recognised (the field-mapping form lists them). */
    fields: z.array(z.string()).nullable(),
  }),
  z.object({ ...job, state: z.literal('cancelled') }),
]);
export type DataJobStatus = z.infer<typeof DataJobStatusSchema>;
