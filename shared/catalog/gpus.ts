/** Built-in GPUs from shared/catalog/data/gpus.json (vendor datasheets; each entry cites its source). */
import raw from './data/gpus.json';

interface RawGpu {
  id: string;
  name: string;
  vendor: string;
  arch: string;
  memory_gb?: number | number[];
  memory_gb_max?: number;
  memory_bandwidth_gbs: number;
  bf16_dense_tflops: number | null;
  fp16_dense_tflops?: number | null;
  bf16_supported?: boolean;
  source: { url: string; vendor_url_unchecked?: string };
  verified: boolean;
  unverified_fields?: string[];
}

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
  source: { url: string; vendorUrl?: string };
}

function tierOf(g: RawGpu): CatalogGpu['tier'] {
  if (g.vendor === 'Apple') return 'apple';
  if (/GeForce/i.test(g.name)) return 'consumer';
  if (/RTX A\d|L4\b/i.test(g.name) || g.id === 'l4') return 'workstation';
  return 'datacenter';
}

export const CATALOG_GPUS: readonly CatalogGpu[] = (raw as unknown as { gpus: RawGpu[] }).gpus.map((g) => {
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
  return (
    candidates.find((g) => (mem ? g.memoryGiB === Number(mem) : true) && (sxm ? /sxm/i.test(g.name) : true)) ??
    candidates.find((g) => (mem ? g.memoryGiB === Number(mem) : true)) ??
    candidates[0]
  );
}
