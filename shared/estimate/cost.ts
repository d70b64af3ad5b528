/**
 * Cost (ESTIMATOR.md §7). Own compute: hours × GPUs × price per GPU-hour, or VM SKU price × VMs.
 * Hosted fine-tuning: training tokens × epochs × price per token, plus hosting hours × rate.
 * Unknown prices stay null and are flagged; the catalog's own dated price for the GPU is used
 * only when the plan gives none, and the report says which SKU it came from.
 */
import { cheapestPerGpuHour, findVmPrice } from '../catalog/prices';
import type { Pricing } from '../domain/plan';
import type { ResolvedGpu } from './hardware';

export interface CostEstimate {
  mode: Pricing['mode'];
  costUsd: number | null;
  platformUsd: number | null;
  serviceUsd: number | null;
  usdPerGpuHour: number | null;
  priceSource: string;
  formula: string;
  substituted: string;
  flags: string[];
}

const usd = (n: number) => `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

export function estimateCost(
  pricing: Pricing,
  gpu: ResolvedGpu,
  gpus: number,
  wallSeconds: number,
  trainingTokens: number,
): CostEstimate {
  const hours = wallSeconds / 3600;
  const flags: string[] = [];
  let platformUsd: number | null = null;
  let usdPerGpuHour: number | null = null;
  let priceSource = '';
  let formula = 'hours × GPUs × USD per GPU-hour';
  let substituted = '';

  if (pricing.vmSku) {
    const sku = findVmPrice(pricing.vmSku);
    if (!sku) {
      flags.push(`VM SKU "${pricing.vmSku}" is not in the price catalog: pick another or enter a price per GPU-hour.`);
    } else {
      if (sku.gpuId !== gpu.id) flags.push(`${sku.sku} carries ${sku.gpuId}, not the plan's GPU (${gpu.name}).`);
      const vms = Math.ceil(gpus / sku.gpuCount);
      platformUsd = hours * vms * sku.usdPerHour;
      usdPerGpuHour = sku.usdPerHour / sku.gpuCount;
      priceSource =
        `${sku.provider} ${sku.sku} (${sku.region}) $${sku.usdPerHour}/h for ${sku.gpuCount} GPU(s), ` +
        `${sku.priceType}, ${sku.date}`;
      formula = 'hours × VMs × USD per VM-hour';
      substituted = `${hours.toFixed(3)} h × ${vms} × $${sku.usdPerHour} = ${usd(platformUsd)}`;
      if (!sku.dated) flags.push(`The price of ${sku.sku} comes from an undated snapshot.`);
    }
  } else if (pricing.usdPerGpuHour !== null) {
    usdPerGpuHour = pricing.usdPerGpuHour;
    priceSource = 'your price per GPU-hour';
  } else {
    const best = gpu.id === 'custom' ? null : cheapestPerGpuHour(gpu.id);
    if (best) {
      usdPerGpuHour = best.usdPerGpuHour;
      priceSource =
        `catalog: ${best.price.provider} ${best.price.sku} (${best.price.region}), ` +
        `$${best.usdPerGpuHour.toFixed(3)} per GPU-hour, ${best.price.date}`;
    } else {
      flags.push(`No price known for ${gpu.name}: enter a price per GPU-hour to see the cost.`);
    }
  }
  if (platformUsd === null && usdPerGpuHour !== null && !pricing.vmSku) {
    platformUsd = hours * gpus * usdPerGpuHour;
    substituted = `${hours.toFixed(3)} h × ${gpus} × $${usdPerGpuHour.toFixed(3)} = ${usd(platformUsd)}`;
  }

  let serviceUsd: number | null = null;
  if (pricing.mode === 'service') {
    if (pricing.serviceUsdPer1kTokens === null)
      flags.push(
        'Hosted fine-tuning price per 1K training tokens is unknown (not published in the catalog): ' +
          'enter it from the provider’s price page.',
      );
    if (pricing.serviceHostingHours > 0 && pricing.serviceHostingUsdPerHour === null)
      flags.push('Hosting price per hour is unknown: enter it to include hosting.');
    if (pricing.serviceUsdPer1kTokens !== null) {
      const hosting =
        pricing.serviceHostingHours > 0 ? (pricing.serviceHostingUsdPerHour ?? 0) * pricing.serviceHostingHours : 0;
      serviceUsd = (trainingTokens / 1000) * pricing.serviceUsdPer1kTokens + hosting;
      formula = 'training tokens × epochs / 1000 × USD per 1K tokens + hosting hours × USD per hour';
      substituted =
        `${Math.round(trainingTokens).toLocaleString('en-US')} / 1000 × $${pricing.serviceUsdPer1kTokens} + ` +
        `${pricing.serviceHostingHours} h × $${pricing.serviceHostingUsdPerHour ?? 0} = ${usd(serviceUsd)}`;
      priceSource = 'your hosted fine-tuning prices';
    }
  }
  return {
    mode: pricing.mode,
    costUsd: pricing.mode === 'service' ? serviceUsd : platformUsd,
    platformUsd,
    serviceUsd,
    usdPerGpuHour,
    priceSource,
    formula,
    substituted,
    flags,
  };
}
