/** The plan's GPU resolved to the numbers the estimator needs, from the catalog or the user's own entry. */
import { findCatalogGpu, type CatalogGpu } from '../catalog/gpus';
import type { GpuRef } from '../domain/plan';
import { GiB } from '../format';
import { EstimateInputError } from './techniques';

export interface ResolvedGpu {
  id: string;
  name: string;
  memoryBytes: number;
  tflops16: number;
  bandwidthGBs: number;
  tier: 'datacenter' | 'workstation' | 'consumer' | 'apple' | 'custom';
  bf16: boolean;
  source: string;
}

/** A catalog GPU with published 16-bit TFLOPS as the estimator sees it; null when it has none. */
export function fromCatalog(gpu: CatalogGpu): ResolvedGpu | null {
  if (gpu.tflops16 === null || gpu.memoryGiB <= 0) return null;
  return {
    id: gpu.id,
    name: gpu.name,
    memoryBytes: gpu.memoryGiB * GiB,
    tflops16: gpu.tflops16,
    bandwidthGBs: gpu.bandwidthGBs,
    tier: gpu.tier,
    bf16: gpu.bf16,
    source: gpu.source.url,
  };
}

export function resolveGpu(ref: GpuRef): ResolvedGpu {
  if (ref.source === 'custom') {
    return {
      id: 'custom',
      name: ref.name,
      memoryBytes: ref.memoryGiB * GiB,
      tflops16: ref.bf16Tflops,
      bandwidthGBs: ref.bandwidthGBs,
      tier: 'custom',
      bf16: true,
      source: 'entered by you',
    };
  }
  const gpu = findCatalogGpu(ref.id);
  if (!gpu)
    throw new EstimateInputError(
      'hardware.gpu.id',
      `"${ref.id}" is not in the GPU catalog; pick one from the list or enter a custom GPU`,
    );
  const resolved = fromCatalog(gpu);
  if (!resolved)
    throw new EstimateInputError(
      'hardware.gpu.id',
      `${gpu.name} has no published 16-bit TFLOPS; enter it as a custom GPU with your own figure`,
    );
  return resolved;
}
