/**
 * The user's own hardware as the recommendation sees it (issue 14 item 3): the plan's GPU, this machine, saved
 * machine profiles and custom GPUs. Each is either usable (a GpuRef the estimator can resolve) or "needs your
 * figures" (a GPU the catalog does not know, memory reported as N/A, a CPU-only machine): those are listed with
 * what is known and what is missing, and never ranked on placeholder numbers.
 *
 * Pure: the CLI (`--profile probe.json`) and the UI (this machine, saved profiles) share it.
 */
import { findCatalogGpu, matchGpuName } from '../catalog/gpus';
import type { MachineProbe } from '../domain/machine';
import type { GpuRef, Plan, Pricing } from '../domain/plan';
import { fromCatalog, resolveGpu, type ResolvedGpu } from './hardware';
import { deviceKindOfRef, type HardwareKind } from './warnings';

/**
 * What kind of device trains, and so what "fits" means for it. warnings.ts's DeviceKind (gpu | cpu, read from the
 * plan's GPU) plus Apple silicon's unified memory, which only a probe or the catalog can tell.
 *
 * The figure compared is the estimate's own for every kind — the expected nvidia-smi-style peak (reserved bytes +
 * 0.5 GiB of runtime context), against the capacity less the plan's headroom — so a recommendation never says
 * "fits" where the estimate of the applied plan says otherwise. What differs is the capacity:
 *  - gpu: the card's memory;
 *  - cpu: the system RAM, shared with the OS and every other program;
 *  - apple-unified: the unified memory the GPU shares with macOS. PyTorch's MPS allocator refuses allocations past
 *    PYTORCH_MPS_HIGH_WATERMARK_RATIO (default 1.7) × recommendedMaxWorkingSetSize
 *    (https://docs.pytorch.org/docs/stable/mps_environment_variables.html), which can exceed the RAM: past the RAM
 *    the Mac swaps, so the RAM less the headroom is the practical limit.
 */
export type { HardwareKind };

export const FIT_RULES: Record<HardwareKind, string> = {
  gpu: 'fits = the expected nvidia-smi peak (reserved + CUDA context) ≤ the GPU memory less the headroom',
  cpu:
    'fits = the expected peak (reserved + 0.5 GiB runtime context, as on a GPU) ≤ the system RAM less the headroom; ' +
    'the OS and other programs share that RAM',
  'apple-unified':
    'fits = the expected peak (reserved + 0.5 GiB runtime context, as on a GPU) ≤ the unified memory less ' +
    'the headroom; macOS and other apps share it, and past it the Mac swaps',
};

export const FIGURE_FIELDS = ['memoryGiB', 'bf16Tflops', 'bandwidthGBs'] as const;
export type FigureField = (typeof FIGURE_FIELDS)[number];

const FIGURE_LABELS: Record<FigureField, string> = {
  memoryGiB: 'memory (GiB)',
  bf16Tflops: 'dense bf16 TFLOPS',
  bandwidthGBs: 'memory bandwidth (GB/s)',
};

export interface OwnedHardware {
  /** Stable key: 'plan', 'machine', 'profile:<id>', 'custom:<name>'. */
  id: string;
  origin: 'plan' | 'machine' | 'profile' | 'custom';
  /** "2 × NVIDIA GeForce RTX 4090 (this machine)". */
  label: string;
  deviceKind: HardwareKind;
  /** How many of the device there are (per node): the recommendation never suggests more. */
  count: number;
  /** The device as a plan references it; null = its figures are unknown (see `missing`). */
  gpuRef: GpuRef | null;
  /** Figures read from the probe or the catalog, to prefill the form that asks for the missing ones. */
  known: Partial<Record<FigureField, number>>;
  missing: FigureField[];
  /** The price the user entered (a VM SKU or a price per GPU-hour); null = none: owned hardware is not rented. */
  price: Pick<Pricing, 'vmSku' | 'usdPerGpuHour'> | null;
  note: string;
}

/** A usable owned device resolved for the estimator, or null when its figures are unknown. */
export function resolveOwned(owned: OwnedHardware): ResolvedGpu | null {
  if (!owned.gpuRef || owned.missing.length > 0) return null;
  try {
    return resolveGpu(owned.gpuRef);
  } catch {
    return null;
  }
}

/** How to enter missing figures, named by field, for "needs your figures". */
export function howToEnterFigures(owned: Pick<OwnedHardware, 'missing' | 'label'>): string {
  const fields = owned.missing.map((f) => FIGURE_LABELS[f]).join(', ');
  return (
    `Enter ${fields} for ${owned.label} as a custom GPU ` +
    '(hardware.gpu = { "source": "custom", "name", "memoryGiB", "bf16Tflops", "bandwidthGBs" } in the plan file, ' +
    'or "Enter figures" in the app); it is not ranked until then.'
  );
}

/** The kind of a plan's GPU reference (warnings.ts, where the plan warnings ask it too). */
export { deviceKindOfRef };

/** The price the user entered for the plan's own hardware, or null (the catalog's rental price is not "theirs"). */
function enteredPrice(pricing: Pricing): OwnedHardware['price'] {
  if (pricing.mode !== 'platform') return null;
  if (pricing.vmSku) return { vmSku: pricing.vmSku, usdPerGpuHour: null };
  if (pricing.usdPerGpuHour !== null) return { vmSku: null, usdPerGpuHour: pricing.usdPerGpuHour };
  return null;
}

/** The plan's GPU, as many as the plan puts on one node: always owned hardware (issue 14 item 3). */
export function ownedFromPlan(plan: Pick<Plan, 'hardware' | 'distribution' | 'pricing'>): OwnedHardware {
  const ref = plan.hardware.gpu;
  const count = plan.distribution.gpusPerNode;
  const base = {
    id: 'plan',
    origin: 'plan' as const,
    deviceKind: deviceKindOfRef(ref),
    count,
    price: enteredPrice(plan.pricing),
  };
  if (ref.source === 'custom')
    return {
      ...base,
      label: `${count} × ${ref.name} (the plan's GPU, your figures)`,
      gpuRef: ref,
      known: { memoryGiB: ref.memoryGiB, bf16Tflops: ref.bf16Tflops, bandwidthGBs: ref.bandwidthGBs },
      missing: [],
      note: 'Figures entered in the plan.',
    };
  const gpu = findCatalogGpu(ref.id);
  const label = `${count} × ${gpu?.name ?? ref.id} (the plan's GPU)`;
  if (gpu && fromCatalog(gpu))
    return { ...base, label, gpuRef: ref, known: {}, missing: [], note: `Catalog figures: ${gpu.source.url}` };
  const known: OwnedHardware['known'] = gpu && gpu.memoryGiB > 0 ? { memoryGiB: gpu.memoryGiB } : {};
  return {
    ...base,
    label,
    gpuRef: null,
    known,
    missing: FIGURE_FIELDS.filter((f) => known[f] === undefined),
    note: gpu
      ? `${gpu.name} has no published dense 16-bit TFLOPS in the catalog.`
      : `"${ref.id}" is not in the GPU catalog.`,
  };
}

/** A custom GPU the user keeps (UI: saved custom GPUs), `count` of them. */
export function ownedFromCustom(ref: Extract<GpuRef, { source: 'custom' }>, count = 1): OwnedHardware {
  return {
    id: `custom:${ref.name}`,
    origin: 'custom',
    label: `${count} × ${ref.name} (your custom GPU)`,
    deviceKind: deviceKindOfRef(ref),
    count,
    gpuRef: ref,
    known: { memoryGiB: ref.memoryGiB, bf16Tflops: ref.bf16Tflops, bandwidthGBs: ref.bandwidthGBs },
    missing: [],
    price: null,
    note: 'Figures entered by you.',
  };
}

/**
 * A probed machine (this machine or a saved profile) → owned hardware. Its most common GPU counts; a GPU the
 * catalog knows with published TFLOPS is used with the catalog's figures (and memory, when the probe could not
 * read it). Anything else needs the user's figures: an unknown GPU (TFLOPS and bandwidth), memory reported as N/A
 * (nvidia-smi prints "[N/A]" for memory.total on unified-memory parts such as the DGX Spark's GB10), Apple silicon
 * (the catalog publishes no TFLOPS for it) and a machine without a GPU (a CPU's training throughput is not
 * something the probe can read).
 */
export function ownedFromProbe(
  probe: MachineProbe,
  who: { id: string; origin: 'machine' | 'profile'; name: string },
): OwnedHardware {
  const ramGiB = probe.memory.totalBytes / 2 ** 30;
  if (probe.gpus.length === 0) {
    const cores = probe.cpu.physicalCores ?? probe.cpu.logicalCores;
    const label = `CPU only: ${probe.cpu.model} (${cores} cores) (${who.name})`;
    return {
      id: who.id,
      origin: who.origin,
      label,
      deviceKind: 'cpu',
      count: 1,
      gpuRef: null,
      known: { memoryGiB: ramGiB },
      missing: ['bf16Tflops', 'bandwidthGBs'],
      price: null,
      note:
        `No GPU detected (${Object.values(probe.detection).join('; ')}): ` +
        "a CPU's training throughput is not probed.",
    };
  }
  const counts = new Map<string, number>();
  for (const g of probe.gpus) counts.set(g.name, (counts.get(g.name) ?? 0) + 1);
  const [name, count] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
  const info = probe.gpus.find((g) => g.name === name)!;
  const kind: HardwareKind = info.vendor === 'apple' ? 'apple-unified' : 'gpu';
  const label = `${count} × ${name} (${who.name})`;
  const base = { id: who.id, origin: who.origin, label, deviceKind: kind, count, price: null };
  const match = matchGpuName(name);
  const probedGiB = info.memoryTotalBytes === null ? undefined : info.memoryTotalBytes / 2 ** 30;
  if (match && fromCatalog(match))
    return {
      ...base,
      gpuRef: { source: 'catalog', id: match.id },
      known: {},
      missing: [],
      note:
        `Using the catalog's ${match.name}` +
        (probedGiB === undefined ? ` and its ${match.memoryGiB} GiB (the probe could not read the memory)` : '') +
        '.',
    };
  const known: OwnedHardware['known'] = {
    ...(probedGiB !== undefined
      ? { memoryGiB: probedGiB }
      : match && match.memoryGiB > 0
        ? { memoryGiB: match.memoryGiB }
        : {}),
  };
  const missing = FIGURE_FIELDS.filter((f) => known[f] === undefined);
  return {
    ...base,
    gpuRef: null,
    known,
    missing,
    note:
      probedGiB === undefined && known.memoryGiB === undefined
        ? `${name} is not in the catalog and its memory is unknown: the driver did not report it ` +
          `(unified-memory parts share the system's ${ramGiB.toFixed(0)} GiB of RAM).`
        : match
          ? `${match.name} has no published dense 16-bit TFLOPS in the catalog.`
          : `${name} is not in the catalog.`,
  };
}
