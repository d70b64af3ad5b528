/**
 * Pure parsers for the tools the probe runs. Each has a sample of the real output above it and
 * returns either data or a reason; garbage never throws.
 */
import type { GpuInfo } from '../../../shared/domain/machine';

const MiB = 2 ** 20;

/*
 * nvidia-smi --query-gpu=name,memory.total,memory.used,driver_version,compute_cap --format=csv,noheader,nounits
 *   NVIDIA A100-SXM4-80GB, 81920, 4, 535.129.03, 8.0
 *   NVIDIA A100-SXM4-80GB, 81920, 0, 535.129.03, 8.0
 * (memory in MiB; "[N/A]" or "[Not Supported]" where a field is unknown)
 */
export function parseNvidiaSmi(text: string): { gpus: GpuInfo[] } | { reason: string } {
  const gpus: GpuInfo[] = [];
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  if (lines.length === 0) return { reason: 'nvidia-smi printed nothing' };
  for (const line of lines) {
    const cols = line.split(',').map((c) => c.trim());
    if (cols.length < 3) return { reason: `unexpected nvidia-smi output: "${line.slice(0, 80)}"` };
    const [name, total, used, driver, cap] = cols;
    const totalMiB = Number(total);
    if (!name || !Number.isFinite(totalMiB) || totalMiB <= 0)
      return { reason: `unexpected nvidia-smi output: "${line.slice(0, 80)}"` };
    const usedMiB = Number(used);
    const known = (v: string | undefined) => (v && !/^\[.*\]$/.test(v) ? v : null);
    gpus.push({
      vendor: 'nvidia',
      name,
      memoryTotalBytes: totalMiB * MiB,
      memoryUsedBytes: Number.isFinite(usedMiB) ? usedMiB * MiB : null,
      driver: known(driver),
      computeCapability: known(cap),
      unifiedMemory: false,
    });
  }
  return { gpus };
}

/*
 * rocm-smi --showproductname --showmeminfo vram --json
 *   {"card0": {"Card series": "AMD Instinct MI300X OAM", "Card model": "0x74a1", "Card vendor": "Advanced Micro Devices, Inc. [AMD/ATI]",
 *              "Card SKU": "M3000100", "VRAM Total Memory (B)": "205822885888", "VRAM Total Used Memory (B)": "283115520"}}
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
    const total = Number(c['VRAM Total Memory (B)']);
    if (!Number.isFinite(total) || total <= 0) continue;
    const used = Number(c['VRAM Total Used Memory (B)']);
    const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
    const name = text(c['Card series']) ?? text(c['Card SKU']) ?? text(c['Card model']) ?? key;
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
