/** A probed machine → the plan's hardware: its GPUs from the catalog when known, else a custom entry; no GPU → CPU-only. */
import { matchGpuName } from '../../../shared/catalog/gpus';
import type { MachineProbe } from '../../../shared/domain/machine';
import type { Plan } from '../../../shared/domain/plan';

/** AVX2 FMA: about 32 fp32 FLOPs per cycle per core at ~2 GHz (an assumption shown to the user; editable). */
export const CPU_GFLOPS_PER_CORE = 64;
export const CPU_BANDWIDTH_GBS = 50;

export function machineHardware(probe: MachineProbe): { gpu: Plan['hardware']['gpu']; gpus: number; note: string } {
  if (probe.gpus.length === 0) {
    const cores = probe.cpu.physicalCores ?? probe.cpu.logicalCores;
    return {
      gpu: {
        source: 'custom',
        name: `CPU only: ${probe.cpu.model} (${cores} cores)`.slice(0, 100),
        memoryGiB: Math.max(0.5, probe.memory.totalBytes / 2 ** 30),
        bf16Tflops: Math.max(0.01, (cores * CPU_GFLOPS_PER_CORE) / 1000),
        bandwidthGBs: CPU_BANDWIDTH_GBS,
      },
      gpus: 1,
      note: `No GPU detected (${Object.values(probe.detection).join('; ')}): estimating CPU-only training with ${cores} cores at ~${CPU_GFLOPS_PER_CORE} GFLOPS each and ${(probe.memory.totalBytes / 2 ** 30).toFixed(0)} GiB of RAM. Practical for small models with LoRA.`,
    };
  }
  const counts = new Map<string, number>();
  for (const g of probe.gpus) counts.set(g.name, (counts.get(g.name) ?? 0) + 1);
  const [name, count] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
  const info = probe.gpus.find((g) => g.name === name)!;
  const match = matchGpuName(name);
  const memoryUnknown = info.memoryTotalBytes === null;
  if (match && match.tflops16 !== null)
    return {
      gpu: { source: 'catalog', id: match.id },
      gpus: count,
      note: `${count} × ${name} detected; using the catalog's ${match.name}${memoryUnknown ? ` and its ${match.memoryGiB} GiB (the probe could not read the memory)` : ''}.`,
    };
  const ramGiB = (probe.memory.totalBytes / 2 ** 30).toFixed(0);
  return {
    gpu: {
      source: 'custom',
      name: name.slice(0, 100),
      // Unknown memory is not 0 GiB: leave the field empty (NaN fails the plan's check) so the editor asks for it
      // and nothing is estimated from a made-up figure.
      memoryGiB: info.memoryTotalBytes === null ? Number.NaN : Math.max(0.5, info.memoryTotalBytes / 2 ** 30),
      bf16Tflops: 100,
      bandwidthGBs: 1000,
    },
    gpus: count,
    note: memoryUnknown
      ? `${count} × ${name} detected, which is not in the catalog, and its memory is unknown: the driver did not report it (unified-memory parts such as the DGX Spark's GB10 share the system's ${ramGiB} GiB of RAM). Enter its memory, dense bf16 TFLOPS and memory bandwidth (100 TFLOPS and 1,000 GB/s are placeholders).`
      : `${count} × ${name} detected, which is not in the catalog: enter its dense bf16 TFLOPS and memory bandwidth (100 TFLOPS and 1,000 GB/s are placeholders).`,
  };
}

const TOOL_LABELS: Record<string, string> = { nvidia: 'NVIDIA', amd: 'AMD', apple: 'Apple' };

/**
 * Probe statuses worth showing next to the summary: a tool that ran and failed (with the driver's own message),
 * or a detection with caveats (memory unknown, a retry). "Not installed" and "wrong OS" are left out as noise.
 */
export function detectionNotes(probe: MachineProbe): string[] {
  return Object.entries(probe.detection)
    .filter(
      ([, status]) =>
        !/^detected: \d+ GPUs?$/.test(status) &&
        !/^not detected: (\S+ is not installed or not on PATH|rocm-smi runs on Linux only|not macOS)$/.test(status),
    )
    .map(([tool, status]) => `${TOOL_LABELS[tool] ?? tool}: ${status}`);
}

export function machineSummary(probe: MachineProbe | null): string {
  if (!probe) return 'probing this machine…';
  if (probe.gpus.length === 0)
    return `no GPU detected · ${probe.cpu.logicalCores} CPU threads · ${(probe.memory.totalBytes / 2 ** 30).toFixed(0)} GiB RAM`;
  const counts = new Map<string, number>();
  for (const g of probe.gpus) counts.set(g.name, (counts.get(g.name) ?? 0) + 1);
  const unknown = new Set(probe.gpus.filter((g) => g.memoryTotalBytes === null).map((g) => g.name));
  return [...counts.entries()].map(([n, c]) => `${c} × ${n}${unknown.has(n) ? ' (memory unknown)' : ''}`).join(', ');
}
