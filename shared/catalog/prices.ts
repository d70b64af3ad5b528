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
  /** The date the source states for the price (YYYY-MM-DD); undated prices are not listed. */
  date: string;
  dated: true;
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

const isDated = (p: RawPrice) => typeof p.date === 'string' && /^\d{4}-\d{2}-\d{2}/.test(p.date);

/**
 * The catalog's dated VM prices. A price whose source states no date (the SkyPilot catalog snapshots, whose files
 * carry none, and rows never read) is dropped here rather than shown as "(undated snapshot)" (issue 20): a list price
 * without its date cannot be checked or trusted. The rows stay in prices.json, and `UNDATED_VM_SKUS` names them so a
 * plan that picked one is told why it is gone.
 */
export const VM_PRICES: readonly VmPrice[] = data.vm_prices.filter(isDated).map((p) => ({
  ...vmSku(p),
  usdPerHour: p.usd_per_hour,
  priceType: p.price_type,
  date: (p.date ?? '').slice(0, 10),
  dated: true,
  verified: p.verified,
  sourceUrl: p.source.url,
}));

/** A VM's shape (what it carries), known for every catalog row, priced or not. */
export type VmSku = Pick<VmPrice, 'key' | 'provider' | 'sku' | 'gpuId' | 'gpuCount' | 'region'>;

/**
 * Every VM SKU in the catalog, dated price or not: the Azure ML job export picks a SKU by its GPUs (a shape that does
 * not age like a price does), so it still knows the SKUs whose prices were dropped.
 */
export const VM_SKUS: readonly VmSku[] = data.vm_prices.map(vmSku);

/** A catalog row's shape, the part VM_PRICES and VM_SKUS share. */
function vmSku(p: (typeof data.vm_prices)[number]): VmSku {
  return {
    key: `${p.provider}:${p.sku}`,
    provider: p.provider,
    sku: p.sku,
    gpuId: p.gpu,
    gpuCount: p.gpu_count,
    region: p.region,
  };
}

/** `provider:sku` of the catalog rows left out of VM_PRICES for having no date. */
export const UNDATED_VM_SKUS: ReadonlySet<string> = new Set(
  data.vm_prices.filter((p) => !isDated(p)).map((p) => `${p.provider}:${p.sku}`),
);

export const SERVICE_PRICES: readonly ServicePrice[] = data.serverless_azure_phi.fine_tuning.map((p) => ({
  model: p.model,
  offer: p.offer,
  usdPer1kTrainingTokens: p.training_usd_per_1k_tokens,
  hostingUsdPerHour: p.hosting_usd_per_hour,
  sourceUrl: p.source.url,
  verified: p.verified,
}));
export const SERVICE_PRICE_NOTE = data.serverless_azure_phi.fine_tuning_note;

/**
 * Where providers publish hosted fine-tuning prices, for the UI's "enter the price" hint: the distinct source pages of
 * the service entries, then the URLs the catalog's fine_tuning_note names (the Azure Retail Prices API).
 */
export const SERVICE_PRICE_PAGES: readonly string[] = [
  ...new Set([
    ...SERVICE_PRICES.map((p) => p.sourceUrl),
    ...(SERVICE_PRICE_NOTE.match(/https:\/\/[^\s)]+/g) ?? []).map((u) => u.replace(/[.,;]+$/, '')),
  ]),
];

/** The catalog's hosted fine-tuning entry for a model name (case-insensitive), if the catalog lists that model. */
export function findServicePrice(model: string): ServicePrice | undefined {
  return SERVICE_PRICES.find((p) => p.model.toLowerCase() === model.toLowerCase());
}

export function findVmPrice(key: string): VmPrice | undefined {
  return VM_PRICES.find((p) => p.key === key);
}

/** The cheapest verified (and dated: VM_PRICES holds only those) price per GPU-hour for a GPU. */
export function cheapestPerGpuHour(gpuId: string): { usdPerGpuHour: number; price: VmPrice } | null {
  const candidates = VM_PRICES.filter((p) => p.gpuId === gpuId && p.verified);
  if (candidates.length === 0) return null;
  const sorted = [...candidates].sort((x, y) => x.usdPerHour / x.gpuCount - y.usdPerHour / y.gpuCount);
  const best = sorted[0]!;
  return { usdPerGpuHour: best.usdPerHour / best.gpuCount, price: best };
}
