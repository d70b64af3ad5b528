/** Cloud VM prices from shared/catalog/data/prices.json: each carries its date and source; none is invented. */
import raw from './data/prices.json';

interface RawPrice {
  provider: string;
  sku: string;
  gpu: string;
  gpu_count: number;
  region: string;
  usd_per_hour: number;
  price_type: string;
  date: string | null;
  source: { url: string; date_stated?: string | null };
  verified: boolean;
}

export interface VmPrice {
  /** `provider:sku`, the key plans store. */
  key: string;
  provider: string;
  sku: string;
  gpuId: string;
  gpuCount: number;
  region: string;
  usdPerHour: number;
  priceType: string;
  /** The date the price was read, or a note that the source states none. */
  date: string;
  dated: boolean;
  verified: boolean;
  sourceUrl: string;
}

export interface ServicePrice {
  model: string;
  offer: string;
  usdPer1kTrainingTokens: number | null;
  hostingUsdPerHour: number | null;
  sourceUrl: string;
  verified: boolean;
}

const data = raw as unknown as {
  vm_prices: RawPrice[];
  serverless_azure_phi: {
    fine_tuning: Array<{
      model: string;
      offer: string;
      training_usd_per_1k_tokens: number | null;
      hosting_usd_per_hour: number | null;
      source: { url: string };
      verified: boolean;
    }>;
    fine_tuning_note: string;
  };
};

export const VM_PRICES: readonly VmPrice[] = data.vm_prices.map((p) => {
  const dated = typeof p.date === 'string' && /^\d{4}-\d{2}-\d{2}/.test(p.date);
  return {
    key: `${p.provider}:${p.sku}`,
    provider: p.provider,
    sku: p.sku,
    gpuId: p.gpu,
    gpuCount: p.gpu_count,
    region: p.region,
    usdPerHour: p.usd_per_hour,
    priceType: p.price_type,
    date: dated ? (p.date ?? '').slice(0, 10) : 'undated snapshot',
    dated,
    verified: p.verified,
    sourceUrl: p.source.url,
  };
});

export const SERVICE_PRICES: readonly ServicePrice[] = data.serverless_azure_phi.fine_tuning.map((p) => ({
  model: p.model,
  offer: p.offer,
  usdPer1kTrainingTokens: p.training_usd_per_1k_tokens,
  hostingUsdPerHour: p.hosting_usd_per_hour,
  sourceUrl: p.source.url,
  verified: p.verified,
}));
export const SERVICE_PRICE_NOTE = data.serverless_azure_phi.fine_tuning_note;

export function findVmPrice(key: string): VmPrice | undefined {
  return VM_PRICES.find((p) => p.key === key);
}

/** The cheapest verified price per GPU-hour for a GPU, preferring dated prices. */
export function cheapestPerGpuHour(gpuId: string): { usdPerGpuHour: number; price: VmPrice } | null {
  const candidates = VM_PRICES.filter((p) => p.gpuId === gpuId && p.verified);
  if (candidates.length === 0) return null;
  const sorted = [...candidates].sort(
    (x, y) => Number(y.dated) - Number(x.dated) || x.usdPerHour / x.gpuCount - y.usdPerHour / y.gpuCount,
  );
  const best = sorted[0]!;
  return { usdPerGpuHour: best.usdPerHour / best.gpuCount, price: best };
}
