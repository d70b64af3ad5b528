/** A recorded run: what actually happened when a plan's technique was trained. */
import { z } from 'zod';
import { TECHNIQUE_KINDS } from './plan';

export const RunResultSchema = z.object({
  technique: z.enum(TECHNIQUE_KINDS),
  gpuName: z.string().trim().min(1).max(200),
  gpuCount: z.number().int().min(1).max(100_000),
  peakMemoryBytes: z.number().finite().min(0).max(1e15).nullable().default(null),
  memoryCounter: z.enum(['allocated', 'reserved', 'nvidia-smi']).default('reserved'),
  wallSeconds: z.number().finite().min(0).max(1e9).nullable().default(null),
  tokensPerSecond: z.number().finite().min(0).max(1e12).nullable().default(null),
  costUsd: z.number().finite().min(0).max(1e12).nullable().default(null),
  finalLoss: z.number().finite().nullable().default(null),
  notes: z.string().max(20_000).default(''),
});
export type RunResult = z.infer<typeof RunResultSchema>;
