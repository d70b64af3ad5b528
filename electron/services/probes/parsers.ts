/**
 * Pure parsers for the tools the probe runs. Each has a sample of the real output above it and
 * returns either data or a reason; garbage never throws.
 */
import type { GpuInfo } from '../../../shared/domain/machine';
import { MiB } from '../../../shared/format';

/** The fields the probe asks nvidia-smi for, in column order. */
export const NVIDIA_SMI_FIELDS = ['name', 'memory.total', 'memory.used', 'driver_version', 'compute_cap'] as const;

export function nvidiaSmiArgs(withComputeCap = true): string[] {
  const fields = withComputeCap ? NVIDIA_SMI_FIELDS : NVIDIA_SMI_FIELDS.filter((f) => f !== 'compute_cap');
  return [`--query-gpu=${fields.join(',')}`, '--format=csv,noheader,nounits'];
}

/**
 * Drivers 470 and older do not know `compute_cap`: nvidia-smi then prints
 *   Field "compute_cap" is not a valid field to query.
 * on stdout and exits with status 2, listing no GPU at all (tests/fixtures/probes/README.md cites the reports).
 */
export function nvidiaSmiRefusedComputeCap(output: string): boolean {
  return /Field "compute_cap" is not a valid field to query/.test(output);
}

/*
 * nvidia-smi --query-gpu=name,memory.total,memory.used,driver_version,compute_cap --format=csv,noheader,nounits
 *   NVIDIA A100-SXM4-80GB, 81920, 4, 535.129.03, 8.0
 *   NVIDIA GB10, [N/A], [N/A], 580.126.09, 12.1        (DGX Spark: unified memory, not reported)
 * (memory in MiB; "[N/A]" or "[Not Supported]" where a field is unknown; the compute_cap column is
 * absent when the probe had to retry without it, see nvidiaSmiRefusedComputeCap)
 */
export function parseNvidiaSmi(text: string): { gpus: GpuInfo[] } | { reason: string } {
  const gpus: GpuInfo[] = [];
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0) return { reason: 'nvidia-smi printed nothing' };
  const unknown = (v: string | undefined) => v === undefined || /^\[.*\]$/.test(v);
  for (const line of lines) {
    const cols = line.split(',').map((c) => c.trim());
    if (cols.length < 3) return { reason: `unexpected nvidia-smi output: "${line.slice(0, 80)}"` };
    const [name, total, used, driver, cap] = cols;
    const totalMiB = Number(total);
    // A bracketed marker ("[N/A]") is nvidia-smi saying "unknown": keep the GPU with its memory unknown.
    // Anything else that is not a positive number means this is not the output we asked for.
    const totalKnown = Number.isFinite(totalMiB) && totalMiB > 0;
    if (!name || (!totalKnown && !unknown(total)))
      return { reason: `unexpected nvidia-smi output: "${line.slice(0, 80)}"` };
    const usedMiB = Number(used);
    const known = (v: string | undefined) => (v && !unknown(v) ? v : null);
    gpus.push({
      vendor: 'nvidia',
      name,
      memoryTotalBytes: totalKnown ? totalMiB * MiB : null,
      memoryUsedBytes: !unknown(used) && Number.isFinite(usedMiB) ? usedMiB * MiB : null,
      driver: known(driver),
      computeCapability: known(cap),
      unifiedMemory: false,
    });
  }
  return { gpus };
}

/*
 * rocm-smi --showproductname --showmeminfo vram --json   (one line, json.dumps of rocm_smi.py's JSON_DATA)
 *   ROCm <= 6.1.0:
 *   {"card0": {"Card series": "AMD Instinct MI300X OAM", "Card model": "0x74a1",
 *              "Card vendor": "Advanced Micro Devices, Inc. [AMD/ATI]", "Card SKU": "M3000100",
 *              "VRAM Total Memory (B)": "205822885888", "VRAM Total Used Memory (B)": "283115520"}}
 *   ROCm >= 6.1.1 (showProduct() rewritten: capitalised keys, "Card Model" is the PCI device id, "N/A" when unread):
 *   {"card0": {"VRAM Total Memory (B)": "68702699520", "VRAM Total Used Memory (B)": "10960896",
 *              "Card Series": "AMD INSTINCT MI200 (MCM) OAM LC MBA HPE C2", "Card Model": "0x7408",
 *              "Card Vendor": "Advanced Micro Devices, Inc. [AMD/ATI]", "Card SKU": "D65201",
 *              "GFX Version": "gfx9010", ...}}
 * The SKU is a board code taken from the VBIOS version, never a name.
 */
export function parseRocmSmi(text: string): { gpus: GpuInfo[] } | { reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { reason: 'rocm-smi did not print JSON' };
  }
  if (!json || typeof json !== 'object') return { reason: 'rocm-smi printed no cards' };
  const gpus: GpuInfo[] = [];
  for (const [key, card] of Object.entries(json as Record<string, unknown>)) {
    if (!/^card\d+$/.test(key) || !card || typeof card !== 'object') continue;
    const c = card as Record<string, unknown>;
    // Key case changed in ROCm 6.1.1 ("Card series" -> "Card Series"): look fields up case-insensitively.
    const field = (name: string) => {
      const k = Object.keys(c).find((x) => x.toLowerCase() === name.toLowerCase());
      const v = k === undefined ? undefined : c[k];
      return typeof v === 'string' && v.trim() && v.trim() !== 'N/A' ? v.trim() : null;
    };
    const total = Number(field('VRAM Total Memory (B)'));
    if (!Number.isFinite(total) || total <= 0) continue;
    const used = Number(field('VRAM Total Used Memory (B)') ?? Number.NaN);
    const model = field('Card model');
    // Before ROCm 6.1.1 "Card model" could be a marketing name (e.g. "Radeon R9 FURY X"); since then it is the
    // PCI device id ("0x7408"), only good as a last resort next to "AMD GPU".
    const isId = (v: string | null) => v !== null && /^(0x)?[0-9a-f]+$/i.test(v);
    const name = field('Card series') ?? (model && !isId(model) ? model : null) ?? `AMD GPU ${model ?? key}`;
    gpus.push({
      vendor: 'amd',
      name,
      memoryTotalBytes: total,
      memoryUsedBytes: Number.isFinite(used) ? used : null,
      driver: null,
      computeCapability: null,
      unifiedMemory: false,
    });
  }
  return gpus.length ? { gpus } : { reason: 'rocm-smi listed no card with VRAM' };
}

/*
 * sysctl -n machdep.cpu.brand_string hw.memsize   (macOS on Apple silicon)
 *   Apple M2 Ultra
 *   206158430208
 */
export function parseAppleSysctl(text: string): { gpus: GpuInfo[] } | { reason: string } {
  const [brand, memsize] = text.split(/\r?\n/).map((l) => l.trim());
  if (!brand?.startsWith('Apple M')) return { reason: `not Apple silicon (${brand ?? 'no CPU name'})` };
  const mem = Number(memsize);
  if (!Number.isFinite(mem) || mem <= 0) return { reason: 'sysctl gave no memory size' };
  return {
    gpus: [
      {
        vendor: 'apple',
        name: `${brand} GPU`,
        memoryTotalBytes: mem,
        memoryUsedBytes: null,
        driver: null,
        computeCapability: null,
        unifiedMemory: true,
      },
    ],
  };
}

/*
 * /proc/cpuinfo (Linux), one block per logical CPU:
 *   processor : 0
 *   model name : AMD EPYC 7763 64-Core Processor
 *   physical id : 0
 *   core id : 0
 */
export function physicalCoresFromCpuinfo(text: string): number | null {
  const pairs = new Set<string>();
  for (const block of text.split(/\n\s*\n/)) {
    const phys = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1];
    const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
    if (phys !== undefined && core !== undefined) pairs.add(`${phys}:${core}`);
  }
  return pairs.size > 0 ? pairs.size : null;
}
