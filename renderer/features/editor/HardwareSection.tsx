import { CATALOG_GPUS } from '../../../shared/catalog/gpus';
import { findServicePrice, SERVICE_PRICE_PAGES, VM_PRICES } from '../../../shared/catalog/prices';
import type { ReactNode } from 'react';
import { Advanced, NumberField, SelectField, Section, TextField } from '../../components/fields';
import { usdRate } from '../../format';
import { setIn, type Draft } from '../../state/draft';
import { fieldNotes, type FieldWarnings } from './field-notes';

type Props = {
  /**
   * "This machine" and saved profiles (features/machine), composed by the screen: features do not import each
   * other.
   */
  machine: ReactNode;
  draft: Draft;
  errors: Record<string, string>;
  onChange: (d: Draft) => void;
  defaultMfu: number | null;
  /** The estimate's warnings by the field they name (issue 14.6). */
  warnings?: FieldWarnings;
};
const usable = CATALOG_GPUS.filter((g) => g.tflops16 !== null);

/**
 * The pages the price hint links: the catalog's provider pages, each named by its host. The catalog's note also names
 * the Azure Retail Prices API, a JSON endpoint rather than a page to read: the link goes to its documentation, and
 * the endpoint itself is mentioned as text.
 */
const RETAIL_API_DOCS = 'https://learn.microsoft.com/rest/api/cost-management/retail-prices/azure-retail-prices';
const retailApi = SERVICE_PRICE_PAGES.find((u) => u.startsWith('https://prices.azure.com/'));
const PRICE_PAGES: ReadonlyArray<{ url: string; text: string }> = [
  ...SERVICE_PRICE_PAGES.filter((u) => u !== retailApi).map((url) => ({ url, text: new URL(url).host })),
  ...(retailApi ? [{ url: RETAIL_API_DOCS, text: 'the Azure Retail Prices API documentation' }] : []),
];

/**
 * Where to find a hosted fine-tuning price (issue 20: "unknown price" never stands without a way forward): the
 * catalog publishes none (its serverless entries are null on purpose, prices.json fine_tuning_note), so the user enters
 * it here, from the provider pages the catalog names. The prices are kept with the plan.
 */
function servicePriceHint(modelName: string): ReactNode {
  const listed = findServicePrice(modelName);
  return (
    <>
      {listed && listed.usdPer1kTrainingTokens !== null
        ? `catalog: ${usdRate(listed.usdPer1kTrainingTokens, '1K tokens')} for ${listed.model}. `
        : 'No published price in the catalog: enter the provider’s price (kept with the plan). '}
      Providers publish it at{' '}
      {PRICE_PAGES.map((page, i) => (
        <span key={page.url}>
          {i > 0 ? ' and ' : ''}
          <a href={page.url} target="_blank" rel="noreferrer noopener">
            {page.text}
          </a>
        </span>
      ))}
      {retailApi ? ` (the API itself: ${retailApi.replace(/^https:\/\//, '')})` : ''}; the cost is training tokens ×
      epochs × this price / 1000 + hosting hours × the hosting price.
    </>
  );
}

export function HardwareSection({ machine, draft, errors, onChange, defaultMfu, warnings = {} }: Props) {
  const h = draft.hardware;
  const p = draft.pricing;
  const g = draft.goals;
  const gpuLabel =
    h.gpu.source === 'catalog'
      ? (CATALOG_GPUS.find((x) => x.id === (h.gpu as { id: string }).id)?.name ?? h.gpu.id)
      : `${h.gpu.name} (custom)`;
  const gpuId = h.gpu.source === 'catalog' ? h.gpu.id : '__custom';
  const skus = VM_PRICES.filter((v) => gpuId === '__custom' || v.gpuId === gpuId);
  const e = (k: string) => errors[k];
  const modelName = draft.model.source === 'catalog' ? draft.model.id : draft.model.spec.name;
  const hosted = p.mode === 'service' && !Object.keys(errors).some((k) => k.startsWith('hardware.'));
  return (
    <Section
      title="Hardware & price"
      summary={
        p.mode === 'service'
          ? 'Model as a service · hosted fine-tuning'
          : `${gpuLabel} · ` +
            (p.vmSku ? p.vmSku : p.usdPerGpuHour !== null ? usdRate(p.usdPerGpuHour, 'GPU-h') : 'catalog price')
      }
    >
      {machine}
      <div className="grid">
        {/* Model as a service: the provider's GPUs run it, so there is no GPU, memory or headroom to choose (kept
            while one of those fields has an error, so it stays reachable). */}
        {hosted ? null : (
          <>
            <SelectField
              label="GPU"
              value={gpuId}
              onChange={(v) =>
                onChange(
                  setIn(
                    draft,
                    ['hardware', 'gpu'],
                    v === '__custom'
                      ? { source: 'custom', name: 'My GPU', memoryGiB: 24, bf16Tflops: 100, bandwidthGBs: 1000 }
                      : { source: 'catalog', id: v },
                  ),
                )
              }
              options={[
                ...usable.map((x) => ({ value: x.id, label: `${x.name} — ${x.memoryGiB} GB, ${x.tflops16} TFLOPS` })),
                { value: '__custom', label: 'Custom GPU…' },
              ]}
              hint={fieldNotes(null, { warnings: warnings['hardware.gpu'] })}
            />
            {h.gpu.source === 'custom' ? (
              <>
                <TextField
                  label="GPU name"
                  value={h.gpu.name}
                  onChange={(v) => onChange(setIn(draft, ['hardware', 'gpu', 'name'], v))}
                  error={e('hardware.gpu.name')}
                />
                <NumberField
                  label="Memory"
                  unit="GiB"
                  value={h.gpu.memoryGiB}
                  onChange={(v) => onChange(setIn(draft, ['hardware', 'gpu', 'memoryGiB'], v ?? Number.NaN))}
                  error={e('hardware.gpu.memoryGiB')}
                />
                <NumberField
                  label="Dense bf16 tensor"
                  unit="TFLOPS"
                  value={h.gpu.bf16Tflops}
                  onChange={(v) => onChange(setIn(draft, ['hardware', 'gpu', 'bf16Tflops'], v ?? Number.NaN))}
                  error={e('hardware.gpu.bf16Tflops')}
                />
                <NumberField
                  label="Memory bandwidth"
                  unit="GB/s"
                  value={h.gpu.bandwidthGBs}
                  onChange={(v) => onChange(setIn(draft, ['hardware', 'gpu', 'bandwidthGBs'], v ?? Number.NaN))}
                  error={e('hardware.gpu.bandwidthGBs')}
                />
              </>
            ) : null}
            <NumberField
              label="Headroom"
              unit="%"
              value={h.headroomPct}
              onChange={(v) => onChange(setIn(draft, ['hardware', 'headroomPct'], v ?? Number.NaN))}
              error={e('hardware.headroomPct')}
              hint={fieldNotes('memory kept free for fragmentation and spikes', {
                warnings: warnings['hardware.headroomPct'],
              })}
            />
          </>
        )}
        <SelectField
          label="Where training happens"
          value={p.mode}
          onChange={(v) => onChange(setIn(draft, ['pricing', 'mode'], v))}
          options={[
            { value: 'platform', label: 'Model as a platform: own GPUs or cloud VMs (per hour)' },
            { value: 'service', label: 'Model as a service: hosted fine-tuning (per token)' },
          ]}
          hint={fieldNotes(hosted ? 'the provider picks and runs the GPUs; you pay per training token' : null, {
            warnings: warnings['pricing.mode'],
          })}
        />
        {p.mode === 'platform' ? (
          <>
            <SelectField
              label="Cloud VM"
              value={p.vmSku ?? ''}
              onChange={(v) => onChange(setIn(draft, ['pricing', 'vmSku'], v || null))}
              options={[
                { value: '', label: 'none: price per GPU-hour' },
                ...skus.map((v) => ({
                  value: v.key,
                  // Rounded for display; the plan keeps the SKU key and the estimate the catalog's full price.
                  label: `${v.provider} ${v.sku} — ${v.gpuCount} GPU, ${usdRate(v.usdPerHour, 'h')} (${v.date})`,
                })),
              ]}
            />
            {p.vmSku ? null : (
              <NumberField
                label="Price per GPU-hour"
                prefix="$"
                unit="USD per GPU-hour"
                nullable
                value={p.usdPerGpuHour}
                onChange={(v) => onChange(setIn(draft, ['pricing', 'usdPerGpuHour'], v))}
                error={e('pricing.usdPerGpuHour')}
                hint="empty: the cheapest dated catalog price for this GPU"
              />
            )}
          </>
        ) : (
          <>
            <NumberField
              label="Training price per 1K tokens"
              prefix="$"
              unit="USD per 1K tokens"
              nullable
              value={p.serviceUsdPer1kTokens}
              onChange={(v) => onChange(setIn(draft, ['pricing', 'serviceUsdPer1kTokens'], v))}
              error={e('pricing.serviceUsdPer1kTokens')}
              hint={servicePriceHint(modelName)}
            />
            <NumberField
              label="Hosting price per hour"
              prefix="$"
              unit="USD per hour"
              nullable
              value={p.serviceHostingUsdPerHour}
              onChange={(v) => onChange(setIn(draft, ['pricing', 'serviceHostingUsdPerHour'], v))}
              error={e('pricing.serviceHostingUsdPerHour')}
            />
            <NumberField
              label="Hosting hours"
              unit="h"
              value={p.serviceHostingHours}
              onChange={(v) => onChange(setIn(draft, ['pricing', 'serviceHostingHours'], v ?? 0))}
              error={e('pricing.serviceHostingHours')}
            />
          </>
        )}
      </div>
      <Advanced label="Advanced: MFU and goals">
        <NumberField
          label="MFU (model FLOPs utilisation)"
          nullable
          value={h.mfu}
          onChange={(v) => onChange(setIn(draft, ['hardware', 'mfu'], v))}
          error={e('hardware.mfu')}
          hint={
            defaultMfu !== null
              ? `empty: default ${(defaultMfu * 100).toFixed(1)} % for this GPU, technique and micro-batch`
              : 'empty: the estimator’s default'
          }
        />
        <SelectField
          label="Link inside a node"
          value={h.intraNode ?? 'catalog'}
          onChange={(v) => onChange(setIn(draft, ['hardware', 'intraNode'], v === 'catalog' ? null : v))}
          options={[
            { value: 'catalog', label: 'What the GPU has (NVLink on SXM boards, PCIe on cards)' },
            { value: 'nvlink', label: 'NVLink (bridges between cards that have them)' },
            { value: 'pcie', label: 'PCIe only' },
          ]}
          error={e('hardware.intraNode')}
          hint="sets how fast gradients and sharded weights move between this node's GPUs"
        />
        <SelectField
          label="Network between nodes"
          value={h.interNode ?? 'infiniband_200'}
          onChange={(v) => onChange(setIn(draft, ['hardware', 'interNode'], v))}
          options={[
            { value: 'infiniband_400', label: 'InfiniBand NDR 400 Gb/s' },
            { value: 'infiniband_200', label: 'InfiniBand HDR 200 Gb/s' },
            { value: 'infiniband_100', label: 'InfiniBand EDR 100 Gb/s' },
            { value: 'ethernet_100', label: '100 Gb Ethernet' },
            { value: 'ethernet_25', label: '25 Gb Ethernet' },
            { value: 'nvlink', label: 'NVLink domain across trays (GB200 NVL72)' },
          ]}
          error={e('hardware.interNode')}
          hint="used when the plan has more than one node"
        />
        <NumberField
          label="Network adapters per node"
          nullable
          value={h.nicsPerNode ?? null}
          onChange={(v) => onChange(setIn(draft, ['hardware', 'nicsPerNode'], v))}
          error={e('hardware.nicsPerNode')}
          step={1}
          hint="empty: one per GPU (DGX/HGX rail design)"
        />
        <NumberField
          label="Deadline"
          unit="h"
          nullable
          value={g.deadlineHours}
          onChange={(v) => onChange(setIn(draft, ['goals', 'deadlineHours'], v))}
          error={e('goals.deadlineHours')}
          hint="recommendations reject slower options"
        />
        <NumberField
          label="Most GPUs to consider"
          value={g.maxGpus}
          onChange={(v) => onChange(setIn(draft, ['goals', 'maxGpus'], v ?? Number.NaN))}
          error={e('goals.maxGpus')}
          step={1}
        />
      </Advanced>
    </Section>
  );
}
