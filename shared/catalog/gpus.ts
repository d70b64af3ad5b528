/** Built-in GPUs from shared/catalog/data/gpus.json (vendor datasheets; each entry cites its source). */
import { z } from 'zod';
import raw from './data/gpus.json';

const tflops = z.number().positive().max(100_000);
/**
 * One gpus.json entry, validated when the catalog loads so a malformed addition fails every test run (issue 16).
 * Units: GB as the vendor markets it (HBM sizes binary, read as GiB), GB/s, dense tensor TFLOPS without sparsity.
 */
export const RawGpuSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/, 'lower-case letters, digits and dashes'),
  name: z.string().min(1),
  vendor: z.string().min(1),
  arch: z.string().min(1),
  memory_gb: z.union([z.number().positive(), z.array(z.number().positive()).min(1)]).optional(),
  memory_gb_max: z.number().positive().optional(),
  memory_bandwidth_gbs: z.number().positive().max(100_000),
  bf16_dense_tflops: tflops.nullable(),
  fp16_dense_tflops: tflops.nullable().optional(),
  bf16_supported: z.boolean().optional(),
  /** How GPUs of this kind talk to each other (NVLink generation and bandwidth, Infinity Fabric, PCIe only). */
  interconnect: z.string().min(1).optional(),
  source: z.object({ url: z.string().url(), vendor_url_unchecked: z.string().url().optional() }).passthrough(),
  verified: z.boolean(),
  unverified_fields: z.array(z.string()).optional(),
});
type RawGpu = z.infer<typeof RawGpuSchema>;

export interface CatalogGpu {
  id: string;
  name: string;
  vendor: string;
  arch: string;
  /** Vendor-marketed memory; NVIDIA/AMD HBM sizes are binary, so this is read as GiB. */
  memoryGiB: number;
  bandwidthGBs: number;
  /** Dense tensor TFLOPS for 16-bit training (bf16, or fp16 where the GPU has no bf16); null = not published. */
  tflops16: number | null;
  bf16: boolean;
  /** datacenter | workstation | consumer | apple: sets the default MFU ceiling. */
  tier: 'datacenter' | 'workstation' | 'consumer' | 'apple';
  verified: boolean;
  unverifiedFields: string[];
  /** NVLink / Infinity Fabric / PCIe, as the source states it; absent for entries that predate issue 16. */
  interconnect?: string;
  source: { url: string; vendorUrl?: string };
}

function tierOf(g: RawGpu): CatalogGpu['tier'] {
  if (g.vendor === 'Apple') return 'apple';
  if (/GeForce/i.test(g.name)) return 'consumer';
  // Professional PCIe cards (RTX A6000, RTX 6000 Ada, RTX PRO 6000 Blackwell, L4): no NVLink, workstation MFU ceiling.
  if (/RTX A\d|RTX PRO\b|RTX \d+ Ada\b|L4\b/i.test(g.name) || g.id === 'l4') return 'workstation';
  return 'datacenter';
}

export const CATALOG_GPUS: readonly CatalogGpu[] = z
  .object({ gpus: z.array(RawGpuSchema) })
  .parse(raw)
  .gpus.map((g) => {
    const mem = Array.isArray(g.memory_gb) ? Math.max(...g.memory_gb) : (g.memory_gb ?? g.memory_gb_max ?? 0);
    return {
      id: g.id,
      name: g.name,
      vendor: g.vendor,
      arch: g.arch,
      memoryGiB: mem,
      bandwidthGBs: g.memory_bandwidth_gbs,
      tflops16: g.bf16_dense_tflops ?? g.fp16_dense_tflops ?? null,
      bf16: g.bf16_supported !== false && g.bf16_dense_tflops !== null,
      tier: tierOf(g),
      verified: g.verified,
      unverifiedFields: g.unverified_fields ?? [],
      ...(g.interconnect ? { interconnect: g.interconnect } : {}),
      source: {
        url: g.source.url,
        ...(g.source.vendor_url_unchecked ? { vendorUrl: g.source.vendor_url_unchecked } : {}),
      },
    };
  });

export function findCatalogGpu(id: string): CatalogGpu | undefined {
  return CATALOG_GPUS.find((g) => g.id === id);
}

/** The catalog GPU a free-text name refers to ("NVIDIA L40S (48GB)", "A100-SXM4-80GB"), if any. */
export function matchGpuName(name: string): CatalogGpu | undefined {
  const lower = name.toLowerCase();
  const mem = /(\d+)\s*gb/i.exec(name)?.[1];
  const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const candidates = CATALOG_GPUS.filter((g) => {
    // The model token is the first word with a digit: "4090" in "GeForce RTX 4090", "A100" in "A100 80GB SXM4".
    const model =
      g.name
        .split(/\s+/)
        .find((w) => /\d/.test(w))
        ?.toLowerCase() ?? '';
    // Whole-token match: "L4" must not match "L40S".
    return model.length > 1 && new RegExp(`(^|[^a-z0-9])${escape(model)}([^a-z0-9]|$)`).test(lower);
  });
  const sxm = /sxm/i.test(name);
  // Several cards share a model number ("RTX 6000 Ada" and "RTX PRO 6000 Blackwell"): prefer the one whose
  // every name word is in the text ("NVIDIA RTX PRO 6000 Blackwell Workstation Edition" as nvidia-smi prints it).
  const allWords = (g: CatalogGpu) =>
    g.name
      .toLowerCase()
      .split(/\s+/)
      .every((w) => lower.includes(w));
  return (
    candidates.find((g) => allWords(g) && (mem ? g.memoryGiB === Number(mem) : true)) ??
    candidates.find((g) => (mem ? g.memoryGiB === Number(mem) : true) && (sxm ? /sxm/i.test(g.name) : true)) ??
    candidates.find((g) => (mem ? g.memoryGiB === Number(mem) : true)) ??
    candidates[0]
  );
}
