/** A snapshot of a machine's resources: what `tuneplan probe --json` writes and profiles store. */
import { z } from 'zod';

const bytes = z.number().finite().min(0).max(1e18);

export const GpuInfoSchema = z.object({
  vendor: z.enum(['nvidia', 'amd', 'apple', 'other']),
  name: z.string().max(200),
  /**
   * null = the tool did not report it: nvidia-smi prints "[N/A]" for memory.total on unified-memory parts
   * such as the DGX Spark's GB10. The GPU is kept; whoever plans with it must ask for its memory, never read 0.
   */
  memoryTotalBytes: bytes.nullable(),
  memoryUsedBytes: bytes.nullable(),
  driver: z.string().max(100).nullable(),
  computeCapability: z.string().max(20).nullable(),
  /** Apple silicon: GPU and CPU share the system memory. */
  unifiedMemory: z.boolean().default(false),
});
export type GpuInfo = z.infer<typeof GpuInfoSchema>;

export const MachineProbeSchema = z.object({
  probeVersion: z.literal(1).default(1),
  takenAt: z.string().max(40),
  hostname: z.string().max(255).nullable(),
  os: z.object({ platform: z.string().max(40), release: z.string().max(100), arch: z.string().max(40) }),
  cpu: z.object({
    model: z.string().max(200),
    physicalCores: z.number().int().min(1).max(100_000).nullable(),
    logicalCores: z.number().int().min(1).max(100_000),
  }),
  memory: z.object({ totalBytes: bytes, freeBytes: bytes }),
  disks: z.array(z.object({ path: z.string().max(4096), freeBytes: bytes, totalBytes: bytes })).max(16),
  gpus: z.array(GpuInfoSchema).max(256),
  /** One line per GPU tool: "detected: …" or "not detected: <reason>". */
  detection: z.record(z.enum(['nvidia', 'amd', 'apple']), z.string().max(500)),
});
export type MachineProbe = z.infer<typeof MachineProbeSchema>;
