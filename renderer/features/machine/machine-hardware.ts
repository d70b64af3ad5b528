/**
 * A probed machine → the plan's hardware. Which GPU, and whether its figures are known, is decided by one rule shared
 * with the recommendation and the CLI's `--profile` (shared/estimate/owned-hardware.ts `ownedFromProbe`): the most
 * common GPU, from the catalog when it knows it; a machine without a GPU is "CPU only".
 *
 * Figures the probe cannot read (an unknown GPU's TFLOPS and bandwidth, memory reported as N/A, a CPU's throughput)
 * are never written into the plan as if known: the fields are left empty (NaN fails the plan's check), so the editor
 * asks for them and nothing is estimated from a made-up figure. The note suggests where a figure can come from.
 */
import type { MachineProbe } from '../../../shared/domain/machine';
import type { Plan } from '../../../shared/domain/plan';
import { findCatalogGpu } from '../../../shared/catalog/gpus';
import { ownedFromProbe } from '../../../shared/estimate/owned-hardware';

/** AVX2 FMA: about 32 fp32 FLOPs per cycle per core at ~2 GHz: a starting point the note offers, never filled in. */
export const CPU_GFLOPS_PER_CORE = 64;

export function machineHardware(probe: MachineProbe): { gpu: Plan['hardware']['gpu']; gpus: number; note: string } {
  const owned = ownedFromProbe(probe, { id: 'machine', origin: 'machine', name: 'this machine' });
  if (owned.gpuRef) return { gpu: owned.gpuRef, gpus: owned.count, note: `${owned.label}: ${owned.note}` };
  const cpu = owned.deviceKind === 'cpu';
  const cores = probe.cpu.physicalCores ?? probe.cpu.logicalCores;
  const name = cpu
    ? `CPU only: ${probe.cpu.model} (${cores} cores)`
    : (probe.gpus.find((g) => owned.label.includes(g.name))?.name ?? owned.label);
  const ask = owned.missing
    .map((f) => ({ memoryGiB: 'memory', bf16Tflops: 'dense bf16 TFLOPS', bandwidthGBs: 'memory bandwidth' })[f])
    .join(', ');
  return {
    gpu: {
      source: 'custom',
      name: name.slice(0, 100),
      memoryGiB: owned.known.memoryGiB !== undefined ? Math.max(0.5, owned.known.memoryGiB) : Number.NaN,
      bf16Tflops: owned.known.bf16Tflops ?? Number.NaN,
      bandwidthGBs: owned.known.bandwidthGBs ?? Number.NaN,
    },
    gpus: owned.count,
    note: `${owned.note} Enter its ${ask}: nothing is estimated until then.${
      cpu
        ? ` A rough start for a CPU: ${cores} cores × ~${CPU_GFLOPS_PER_CORE} GFLOPS (AVX2 FMA) ≈ ` +
          `${((cores * CPU_GFLOPS_PER_CORE) / 1000).toFixed(2)} TFLOPS, and your RAM bandwidth ` +
          '(DDR5-5600 dual-channel peak: 5,600 MT/s × 8 B × 2 = 89.6 GB/s).'
        : ''
    }`,
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
    return (
      `no GPU detected · ${probe.cpu.logicalCores} CPU threads · ` +
      `${(probe.memory.totalBytes / 2 ** 30).toFixed(0)} GiB RAM`
    );
  const counts = new Map<string, number>();
  for (const g of probe.gpus) counts.set(g.name, (counts.get(g.name) ?? 0) + 1);
  const unknown = new Set(probe.gpus.filter((g) => g.memoryTotalBytes === null).map((g) => g.name));
  return [...counts.entries()].map(([n, c]) => `${c} × ${n}${unknown.has(n) ? ' (memory unknown)' : ''}`).join(', ');
}

/** The plan's hardware in words, for "Replaced … with …": "4 × NVIDIA A100 80GB SXM4", "2 nodes × 8 × X (custom)". */
export function hardwareLabel(plan: Pick<Plan, 'hardware' | 'distribution'>): string {
  const gpu = plan.hardware.gpu;
  const name = gpu.source === 'catalog' ? (findCatalogGpu(gpu.id)?.name ?? gpu.id) : `${gpu.name} (custom)`;
  const { nodes, gpusPerNode } = plan.distribution;
  return `${nodes > 1 ? `${nodes} nodes × ` : ''}${gpusPerNode} × ${name}`;
}
