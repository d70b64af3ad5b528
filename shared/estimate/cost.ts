/**
 * Cost (ESTIMATOR.md §7). Own compute: hours × GPUs × price per GPU-hour, or VM SKU price × VMs.
 * Hosted fine-tuning: training tokens × epochs × price per token, plus hosting hours × rate.
 * Unknown prices stay null and are flagged; the catalog's own dated price for the GPU is used
 * only when the plan gives none, and the report says which SKU it came from.
 */
import { cheapestPerGpuHour, findVmPrice, SERVICE_PRICE_PAGES, UNDATED_VM_SKUS } from '../catalog/prices';
import type { Pricing } from '../domain/plan';
import { usd, usdRate } from '../format';
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

/** Where providers publish hosted fine-tuning prices (the catalog's own pages), for the "enter it" flags. */
const SERVICE_PAGES = SERVICE_PRICE_PAGES.join(' or ');

export function estimateCost(
  pricing: Pricing,
  gpu: ResolvedGpu,
  gpus: number,
  wallSeconds: number,
  trainingTokens: number,
  /** The plan's epochs: `trainingTokens` already counts them; the hosted formula shows tokens per epoch × epochs. */
  epochs = 1,
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
      flags.push(
        UNDATED_VM_SKUS.has(pricing.vmSku)
          ? `VM SKU "${pricing.vmSku}" has no dated price (its source states no date, so the catalog leaves it out): ` +
              'pick another VM or enter a price per GPU-hour under Hardware & price.'
          : `VM SKU "${pricing.vmSku}" is not in the price catalog: pick another or enter a price per GPU-hour.`,
      );
    } else {
      if (sku.gpuId !== gpu.id) flags.push(`${sku.sku} carries ${sku.gpuId}, not the plan's GPU (${gpu.name}).`);
      const vms = Math.ceil(gpus / sku.gpuCount);
      platformUsd = hours * vms * sku.usdPerHour;
      usdPerGpuHour = sku.usdPerHour / sku.gpuCount;
      // Rounded for display ($5.07/h); platformUsd and usdPerGpuHour keep the catalog's full precision.
      priceSource =
        `${sku.provider} ${sku.sku} (${sku.region}) ${usdRate(sku.usdPerHour, 'h')} for ${sku.gpuCount} GPU(s), ` +
        `${sku.priceType}, ${sku.date}`;
      formula = 'hours × VMs × USD per VM-hour';
      substituted = `${hours.toFixed(3)} h × ${vms} × ${usdRate(sku.usdPerHour, 'h')} = ${usd(platformUsd)}`;
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
        `${usdRate(best.usdPerGpuHour, 'GPU-h')}, ${best.price.date}`;
    } else {
      flags.push(
        `No dated price known for ${gpu.name}: enter a price per GPU-hour under Hardware & price to see the cost.`,
      );
    }
  }
  if (platformUsd === null && usdPerGpuHour !== null && !pricing.vmSku) {
    platformUsd = hours * gpus * usdPerGpuHour;
    substituted = `${hours.toFixed(3)} h × ${gpus} × ${usdRate(usdPerGpuHour, 'GPU-h')} = ${usd(platformUsd)}`;
  }

  let serviceUsd: number | null = null;
  if (pricing.mode === 'service') {
    // Azure bills hosted fine-tuning as training tokens × epochs × price per token, plus hosting per hour for a
    // deployed model (catalog fine_tuning_facts: MicrosoftDocs azure-ai-docs fine-tuning-cost-management.md).
    const perToken = pricing.serviceUsdPer1kTokens;
    const perHour = pricing.serviceHostingUsdPerHour;
    const hostingHours = pricing.serviceHostingHours;
    if (perToken === null)
      flags.push(
        'Hosted fine-tuning price per 1K training tokens is unknown (the catalog has no published price for it): ' +
          `enter it under Hardware & price; providers publish it at ${SERVICE_PAGES}.`,
      );
    if (hostingHours > 0 && perHour === null)
      flags.push(`Hosting price per hour is unknown: enter it under Hardware & price (published at ${SERVICE_PAGES}).`);
    const epochText = Number.isInteger(epochs) ? String(epochs) : epochs.toFixed(2);
    const tokensPerEpoch = Math.round(trainingTokens / Math.max(epochs, Number.EPSILON)).toLocaleString('en-US');
    const hosting = hostingHours > 0 ? (perHour ?? 0) * hostingHours : 0;
    if (perToken !== null) serviceUsd = (trainingTokens / 1000) * perToken + hosting;
    formula = 'training tokens × epochs / 1000 × USD per 1K tokens + hosting hours × USD per hour';
    // Every number substituted, "?" where a price is still to be entered, so the formula shows what is missing.
    substituted =
      `${tokensPerEpoch} tokens × ${epochText} epochs / 1000 × ` +
      `${perToken === null ? '$?' : usdRate(perToken, '1K tokens')} + ` +
      `${hostingHours} h × ${perHour === null ? (hostingHours > 0 ? '$?' : usd(0)) : usdRate(perHour, 'h')} = ` +
      `${serviceUsd === null ? 'unknown until the prices are entered' : usd(serviceUsd)}`;
    priceSource = perToken === null ? '' : 'your hosted fine-tuning prices (kept with the plan)';
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
