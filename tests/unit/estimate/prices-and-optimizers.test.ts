/**
 * Issue 20: money reads "$8" and is rounded only for display; undated catalog prices are dropped, not shown as
 * "(undated snapshot)"; the hosted fine-tuning formula is shown with its numbers and an unknown price says where to
 * enter it and where providers publish it; the explanation names the implementation each optimizer name selects in
 * transformers.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import rawPrices from '../../../shared/catalog/data/prices.json';
import {
  findVmPrice,
  SERVICE_PRICE_PAGES,
  SERVICE_PRICES,
  UNDATED_VM_SKUS,
  VM_PRICES,
} from '../../../shared/catalog/prices';
import { OPTIMIZERS, PlanSchema, type PlanInput } from '../../../shared/domain/plan';
import { estimatePlan } from '../../../shared/estimate/estimate';
import { planToJson } from '../../../shared/exporters/plan-json';
import { usd, usdRate, usdTick } from '../../../shared/format';

const repo = path.resolve(__dirname, '../../..');
const plan = (over: Partial<PlanInput> = {}) =>
  PlanSchema.parse({ name: 'p', model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' }, ...over });

describe('one money formatter', () => {
  it('puts the symbol first and rounds for display', () => {
    expect(usd(8)).toBe('$8.00');
    expect(usd(-3.5)).toBe('-$3.50');
    expect(usd(1234.567)).toBe('$1,234.57');
    expect(usd(0.0035)).toBe('$0.0035');
    expect(usd(0)).toBe('$0.00');
    expect(usd(null)).toBe('unknown price');
    expect(usdRate(5.06879789041096, 'h')).toBe('$5.07/h');
    expect(usdTick(20)).toBe('$20');
    expect(usdTick(2.5)).toBe('$2.5');
  });

  it('the renderer and the estimate build no money text by hand (`$${…}` or a trailing "$")', () => {
    const files = [
      ...fs.readdirSync(path.join(repo, 'renderer'), { recursive: true, encoding: 'utf8' }).map((f) => `renderer/${f}`),
      'shared/estimate/cost.ts',
      'shared/estimate/recommend.ts',
    ].filter((f) => /\.tsx?$/.test(f));
    const offenders = files.filter((f) => {
      const text = fs.readFileSync(path.join(repo, f), 'utf8');
      return /\$\$\{|\$\{[^}]*\} \$['`]/.test(text);
    });
    expect(offenders).toEqual([]);
  });
});

describe('catalog prices carry their date or are dropped', () => {
  it('lists only dated prices; the undated rows are named, not shown as "(undated snapshot)"', () => {
    expect(VM_PRICES.length).toBeGreaterThan(0);
    for (const p of VM_PRICES) expect(p.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const undated = rawPrices.vm_prices.filter((p) => !/^\d{4}-\d{2}-\d{2}/.test(p.date ?? ''));
    expect(undated.length).toBeGreaterThan(0);
    for (const p of undated) {
      expect(findVmPrice(`${p.provider}:${p.sku}`)).toBeUndefined();
      expect(UNDATED_VM_SKUS.has(`${p.provider}:${p.sku}`)).toBe(true);
    }
  });

  it('a plan that picked an undated SKU is told why and what to do', () => {
    const t = estimatePlan(plan({ pricing: { vmSku: 'azure:Standard_NC4as_T4_v3' } })).techniques[0]!;
    const cost = t.explain.find((e) => e.key === 'cost')!;
    expect(cost.note).toMatch(/no dated price .*enter a price per GPU-hour under Hardware & price/);
    expect(JSON.stringify(t)).not.toMatch(/undated snapshot/);
  });

  it('shows $5.07/h and keeps the full price in the figures and the plan export', () => {
    const sku = 'gcp:a2-ultragpu-1g';
    const full = findVmPrice(sku)!.usdPerHour;
    expect(full).toBe(5.06879789041096);
    const p = plan({
      hardware: { gpu: { source: 'catalog', id: 'a100-80gb-sxm' } },
      pricing: { vmSku: sku },
    });
    const t = estimatePlan(p).techniques[0]!;
    const cost = t.explain.find((e) => e.key === 'cost')!;
    expect(cost.note).toContain('$5.07/h');
    expect(cost.substituted).toContain('× $5.07/h =');
    expect(t.costUsd).toBeCloseTo((t.wallSeconds / 3600) * full, 9);
    // Full precision in the exported plan: a user-entered price is written as entered.
    const entered = plan({ pricing: { usdPerGpuHour: 5.06879789041096 } });
    expect(JSON.parse(planToJson(entered)).pricing.usdPerGpuHour).toBe(5.06879789041096);
  });
});

describe('model as a service', () => {
  it('shows the hosted formula with this plan’s numbers substituted', () => {
    const p = plan({
      data: { mode: 'tokens', totalTokens: 2_000_000 },
      training: { epochs: 3 },
      pricing: {
        mode: 'service',
        serviceUsdPer1kTokens: 0.003,
        serviceHostingUsdPerHour: 1.7,
        serviceHostingHours: 10,
      },
    });
    const t = estimatePlan(p).techniques[0]!;
    const cost = t.explain.find((e) => e.key === 'cost')!;
    expect(cost.formula).toBe('training tokens × epochs / 1000 × USD per 1K tokens + hosting hours × USD per hour');
    expect(cost.substituted).toBe('2,000,000 tokens × 3 epochs / 1000 × $0.003/1K tokens + 10 h × $1.70/h = $35.00');
    expect(t.costUsd).toBeCloseTo(2_000_000 * 3 * 0.000003 + 17, 9);
  });

  it('an unknown price keeps the formula, marks what is missing and says where to enter and find it', () => {
    const p = plan({ pricing: { mode: 'service', serviceHostingHours: 5 } });
    const t = estimatePlan(p).techniques[0]!;
    const cost = t.explain.find((e) => e.key === 'cost')!;
    expect(t.costUsd).toBeNull();
    expect(cost.substituted).toMatch(
      /tokens × 3 epochs \/ 1000 × \$\? \+ 5 h × \$\? = unknown until the prices are entered/,
    );
    expect(cost.note).toContain('under Hardware & price');
    for (const url of SERVICE_PRICE_PAGES) expect(cost.note).toContain(url);
  });

  it('the catalog keeps its hosted prices null (none is published) and names where providers publish them', () => {
    for (const s of SERVICE_PRICES) {
      expect(s.usdPer1kTrainingTokens).toBeNull();
      expect(s.hostingUsdPerHour).toBeNull();
    }
    expect(SERVICE_PRICE_PAGES).toEqual([
      'https://azure.microsoft.com/pricing/details/phi-3/',
      'https://prices.azure.com/api/retail/prices',
    ]);
  });
});

describe('the explanation names the optimizer implementation transformers selects', () => {
  const expected: Record<(typeof OPTIMIZERS)[number], RegExp> = {
    adamw: /optim="adamw_torch" selects torch\.optim\.AdamW without fused .*foreach on CUDA/,
    adamw_torch_fused: /optim="adamw_torch_fused" selects torch\.optim\.AdamW\(fused=True\)/,
    adamw_8bit: /optim="adamw_bnb_8bit" selects bitsandbytes\.optim\.AdamW with optim_bits=8, is_paged=False/,
    paged_adamw: /optim="paged_adamw_32bit" selects bitsandbytes\.optim\.AdamW with optim_bits=32, is_paged=True/,
    paged_adamw_8bit: /optim="paged_adamw_8bit" selects bitsandbytes\.optim\.AdamW with optim_bits=8, is_paged=True/,
    adafactor: /optim="adafactor" selects transformers\.optimization\.Adafactor.*no foreach or fused/,
    sgd_momentum: /optim="sgd" selects torch\.optim\.SGD with momentum .*foreach on CUDA/,
    lion: /optim="lion_32bit" selects bitsandbytes\.optim\.Lion with optim_bits=32/,
  };
  it.each(OPTIMIZERS.map((o) => [o]))('%s', (optimizer) => {
    const t = estimatePlan(plan({ techniques: [{ kind: 'full' }], training: { optimizer, precision: 'pure_bf16' } }))
      .techniques[0]!;
    const states = t.explain.find((e) => e.key === 'memory.optimizerStates')!;
    expect(states.note).toMatch(expected[optimizer]);
    expect(states.sources).toContain('transformersOptimizers');
    expect(new Set(states.sources).size).toBe(states.sources.length);
  });
});
