/**
 * Issue 15 §7: interconnect per plan, collective volumes (nccl-tests doc/PERFORMANCE.md), overlap, offload over the
 * GPU's PCIe link, and the default MFU per GPU generation from published runs.
 */
import { describe, expect, it } from 'vitest';
import { CATALOG_GPUS } from '../../../shared/catalog/gpus';
import { CATALOG_MODELS } from '../../../shared/catalog/models';
import { PlanSchema, type PlanInput } from '../../../shared/domain/plan';
import { describeArchitecture } from '../../../shared/estimate/architecture';
import { estimatePlan, prepareTechnique, resolveModel } from '../../../shared/estimate/estimate';
import { resolveGpu } from '../../../shared/estimate/hardware';
import {
  BUS_FACTOR,
  COLLECTIVE_EFFICIENCY,
  GPU_LINKS,
  INTER_NODE,
  resolveInterconnect,
} from '../../../shared/estimate/interconnect';
import { generationOf, PUBLISHED_MFU, publishedMfu } from '../../../shared/estimate/mfu';
import { communication, defaultMfu, MFU_HALF_TOKENS } from '../../../shared/estimate/time';

const llama = CATALOG_MODELS.find((m) => m.spec.hfId === 'meta-llama/Llama-3.2-3B')!;
const gpu = (id: string) => resolveGpu({ source: 'catalog', id });
const one = { gpusPerNode: 1, nodes: 1 };
const defaults = { intraNode: null, interNode: 'infiniband_400', nicsPerNode: null } as const; // one NDR per GPU

describe('ring bus-bandwidth factors (nccl-tests doc/PERFORMANCE.md, Summary)', () => {
  it('all-reduce 2(n−1)/n, reduce-scatter and all-gather (n−1)/n', () => {
    expect(BUS_FACTOR.allReduce(8)).toBe(1.75);
    expect(BUS_FACTOR.reduceScatter(8)).toBe(0.875);
    expect(BUS_FACTOR.allGather(2)).toBe(0.5);
    for (let n = 2; n <= 1024; n *= 2) {
      expect(BUS_FACTOR.allReduce(n)).toBeCloseTo(BUS_FACTOR.reduceScatter(n) + BUS_FACTOR.allGather(n), 12);
      expect(BUS_FACTOR.allReduce(n)).toBeLessThan(2);
    }
  });
});

describe('links from the datasheets: one direction = half the quoted both-ways figure, × link efficiency', () => {
  it('H100 SXM: NVLink 900 GB/s → 450 one way; A100 PCIe cards: PCIe Gen4 x16 31.5 GB/s one way', () => {
    const h100 = resolveInterconnect(gpu('h100-sxm'), defaults, { gpusPerNode: 8, nodes: 1 });
    expect(h100.intra.kind).toBe('nvlink');
    expect(h100.intra.busGBs).toBeCloseTo(450 * COLLECTIVE_EFFICIENCY, 9);
    expect(h100.inter).toBeNull();
    expect(h100.hostGBs).toBeCloseTo(63 * COLLECTIVE_EFFICIENCY, 9); // PCIe Gen5 x16 for offload
    const a100pcie = resolveInterconnect(gpu('a100-80gb-pcie'), defaults, { gpusPerNode: 4, nodes: 1 });
    expect(a100pcie.intra.kind).toBe('pcie');
    expect(a100pcie.intra.busGBs).toBeCloseTo(31.5 * COLLECTIVE_EFFICIENCY, 9);
  });

  it('an NVLink bridge joins pairs: chosen for 2 cards it is used, for 4 the ring crosses PCIe', () => {
    const choice = { ...defaults, intraNode: 'nvlink' as const };
    const two = resolveInterconnect(gpu('a100-80gb-pcie'), choice, { gpusPerNode: 2, nodes: 1 });
    expect(two.intra.busGBs).toBeCloseTo(300 * COLLECTIVE_EFFICIENCY, 9);
    const four = resolveInterconnect(gpu('a100-80gb-pcie'), choice, { gpusPerNode: 4, nodes: 1 });
    expect(four.intra.kind).toBe('pcie');
    // 'pcie' on an SXM board: the plan's choice wins over the catalog.
    const forced = resolveInterconnect(gpu('h100-sxm'), { ...defaults, intraNode: 'pcie' }, one);
    expect(forced.intra.label).toBe('PCIe Gen5 x16');
  });

  it('refuses NVLink on a card without it, and an NVLink domain the GPU does not span, naming the field', () => {
    expect(() => resolveInterconnect(gpu('rtx-4090'), { ...defaults, intraNode: 'nvlink' }, one)).toThrow(
      /RTX 4090 has no NVLink; choose PCIe/,
    );
    const across = { ...defaults, interNode: 'nvlink' as const };
    expect(() => resolveInterconnect(gpu('h100-sxm'), across, { gpusPerNode: 8, nodes: 2 })).toThrow(
      /pick InfiniBand or Ethernet/,
    );
    const nvl72 = resolveInterconnect(gpu('gb200'), across, { gpusPerNode: 4, nodes: 18 });
    expect(nvl72.inter!.busGBs).toBeCloseTo(900 * COLLECTIVE_EFFICIENCY, 9);
  });

  it('across nodes a ring runs at min(GPU link, adapters × rate): one HDR link per node is 25 GB/s', () => {
    const hdr = resolveInterconnect(
      gpu('h100-sxm'),
      { ...defaults, interNode: 'infiniband_200', nicsPerNode: 1 },
      { gpusPerNode: 8, nodes: 2 },
    );
    expect(INTER_NODE.infiniband_200.gbits / 8).toBe(25);
    expect(hdr.inter!.busGBs).toBeCloseTo(25 * COLLECTIVE_EFFICIENCY, 9);
    // One NDR adapter per GPU (8 × 50 GB/s) outruns one H100's NVLink share: the GPU link is the bottleneck.
    const rail = resolveInterconnect(gpu('h100-sxm'), defaults, { gpusPerNode: 8, nodes: 2 });
    expect(rail.inter!.busGBs).toBeCloseTo(Math.min(450, 400) * COLLECTIVE_EFFICIENCY, 9);
    const slow = resolveInterconnect(
      gpu('h100-sxm'),
      { ...defaults, interNode: 'ethernet_25', nicsPerNode: 1 },
      { gpusPerNode: 8, nodes: 2 },
    );
    expect(slow.inter!.busGBs).toBeCloseTo(3.125 * COLLECTIVE_EFFICIENCY, 9);
  });

  it('every catalog GPU with a link entry is in the catalog, and the table covers every catalog NVLink board', () => {
    const ids = new Set(CATALOG_GPUS.map((g) => g.id));
    for (const id of Object.keys(GPU_LINKS)) expect(ids.has(id), id).toBe(true);
    for (const g of CATALOG_GPUS.filter((c) => /NVLink [0-9]/.test(c.interconnect ?? '')))
      expect(GPU_LINKS[g.id]?.peerKind, g.id).toBe('nvlink');
  });
});

describe('collectives per step (ZeRO-3/FSDP: two all-gathers + one reduce-scatter per micro-batch)', () => {
  const plan = (distribution: PlanInput['distribution'], extra: Partial<PlanInput> = {}) =>
    PlanSchema.parse({
      name: 'comm',
      model: { source: 'catalog', id: llama.id },
      techniques: [{ kind: 'full' }],
      training: { precision: 'pure_bf16', microBatch: 1, seqLen: 2048, gradAccum: 4, packing: true },
      hardware: { gpu: { source: 'catalog', id: 'h100-sxm' } },
      distribution,
      ...extra,
    });
  const comm = (p: ReturnType<typeof plan>) => {
    const arch = describeArchitecture(resolveModel(p));
    const prepared = prepareTechnique(p, arch, p.techniques[0]!, 0);
    const ic = resolveInterconnect(gpu('h100-sxm'), p.hardware, p.distribution);
    return { c: communication(prepared.profile, ic, p.training.gradAccum), prepared, ic };
  };

  it('ZeRO-3 on 8 GPUs: 4 × (2 × 7/8 × P·2 B + 7/8 × P·2 B) over NVLink', () => {
    const { c, prepared, ic } = comm(plan({ strategy: 'zero3', gpusPerNode: 8 }));
    const P = prepared.params.totalParams;
    expect(c.collectives.map((x) => x.op)).toEqual(['all-gather', 'all-gather', 'reduce-scatter']);
    const bus = 4 * (2 * (7 / 8) * P * 2 + (7 / 8) * P * 2);
    expect(c.collectives.reduce((s, x) => s + x.busBytes, 0)).toBeCloseTo(bus, -3);
    expect(c.seconds).toBeCloseTo(bus / (ic.intra.busGBs * 1e9), 9);
  });

  it('ZeRO-1 reduces its gradients once per step, ZeRO-2 in every micro-batch (DeepSpeed engine.py)', () => {
    // engine.py allreduce_gradients: "ZeRO stage >= 2 communicates during non gradient accumulation boundaries as
    // well"; otherwise "Communicate only at gradient accumulation boundaries".
    const grads = (strategy: 'zero1' | 'zero2') =>
      comm(plan({ strategy, gpusPerNode: 8 })).c.collectives.find((x) => x.label === 'gradients')!.callsPerStep;
    expect(grads('zero1')).toBe(1);
    expect(grads('zero2')).toBe(4);
  });

  it('DDP all-reduces the gradients once per step: 2 × 7/8 × P·2 B', () => {
    const { c, prepared } = comm(plan({ strategy: 'ddp', gpusPerNode: 8 }));
    expect(c.collectives).toHaveLength(1);
    expect(c.collectives[0]!.busBytes).toBeCloseTo(2 * (7 / 8) * prepared.params.trainableParams * 2, -3);
  });

  it('hybrid sharding gathers inside a node and all-reduces a 1/8 shard across nodes over the shared adapters', () => {
    const p = plan(
      { strategy: 'fsdp_hybrid', gpusPerNode: 8, nodes: 2 },
      { hardware: { gpu: { source: 'catalog', id: 'h100-sxm' }, interNode: 'infiniband_200', nicsPerNode: 1 } },
    );
    const { c, prepared } = comm(p);
    const across = c.collectives.find((x) => x.group === 'across-nodes')!;
    expect(across.ranks).toBe(2);
    expect(across.bytes).toBeCloseTo((prepared.params.trainableParams * 2) / 8, 0);
    expect(across.busGBs).toBeCloseTo((25 * COLLECTIVE_EFFICIENCY) / 8, 9);
    expect(c.collectives.filter((x) => x.group === 'node')).toHaveLength(3);
  });

  it('one GPU: no collectives, no communication time', () => {
    const { c } = comm(plan({ strategy: 'ddp', gpusPerNode: 1 }));
    expect(c.collectives).toEqual([]);
    expect(c.seconds).toBe(0);
  });

  it('the estimate shows the communication share; a slower network only ever slows the step', () => {
    const at = (interNode: 'infiniband_400' | 'infiniband_100' | 'ethernet_25', nicsPerNode: number | null) =>
      estimatePlan({
        ...plan({ strategy: 'zero3', gpusPerNode: 8, nodes: 4 }),
        hardware: { gpu: { source: 'catalog', id: 'h100-sxm' }, interNode, nicsPerNode },
      }).techniques[0]!;
    const fast = at('infiniband_400', null);
    const mid = at('infiniband_100', 1);
    const slow = at('ethernet_25', 1);
    expect(fast.stepSeconds).toBeLessThan(mid.stepSeconds);
    expect(mid.stepSeconds).toBeLessThan(slow.stepSeconds);
    expect(slow.communication.sharePercent).toBeGreaterThan(fast.communication.sharePercent);
    expect(slow.communication.interNode).toBe('1 × 25 Gb Ethernet per node');
    // Exposed = total − min(overlap × total, compute); the range spans all hidden to none hidden.
    expect(slow.communication.exposedSeconds).toBeCloseTo(
      slow.communication.seconds - slow.communication.hiddenSeconds,
      12,
    );
    expect(slow.wallSecondsHigh).toBeGreaterThan(slow.wallSeconds);
    expect(slow.wallSecondsLow).toBeLessThan(slow.wallSeconds);
    const e = slow.explain.find((x) => x.key === 'time.communication')!;
    expect(e.substituted).toMatch(/all-gather of weights, forward/);
    expect(e.substituted).toMatch(/% of the step/);
    expect(e.sources).toContain('ncclTestsPerformance');
  });
});

describe('default MFU per GPU generation (published runs)', () => {
  it('reads the generation from the catalog arch: GA100 is Ampere, GA102 cards keep the class ceiling', () => {
    expect(generationOf('Ampere (GA100)')).toBe('ampere');
    expect(generationOf('Ampere (GA102)')).toBe('other');
    expect(generationOf('Hopper')).toBe('hopper');
    expect(publishedMfu(gpu('a100-80gb-sxm'))?.mfu).toBe(0.575);
    expect(publishedMfu(gpu('h200'))?.mfu).toBe(0.36);
    expect(publishedMfu(gpu('rtx-3090'))).toBeNull();
  });

  it("at the published run's tokens per micro-batch the default is the published MFU (torchtitan 8B runs)", () => {
    const dist = PlanSchema.parse({ name: 'd', model: { source: 'catalog', id: llama.id } }).distribution;
    const full = PlanSchema.parse({
      name: 'd',
      model: { source: 'catalog', id: llama.id },
      techniques: [{ kind: 'full' }],
    }).techniques[0]!;
    expect(defaultMfu(gpu('a100-80gb-sxm'), full, 8192, dist)).toBeCloseTo(0.575, 12);
    expect(defaultMfu(gpu('h100-sxm'), full, 16384, dist)).toBeCloseTo(0.36, 12);
    expect(defaultMfu(gpu('h100-sxm'), full, 16384, dist, 'high')).toBeCloseTo(0.39, 12);
    // Fewer tokens per micro-batch fill the GPU less: fill(t)/fill(t_published).
    const fill = (t: number) => t / (t + MFU_HALF_TOKENS);
    expect(defaultMfu(gpu('a100-80gb-sxm'), full, 1024, dist)).toBeCloseTo((0.575 * fill(1024)) / fill(8192), 12);
  });

  it('property: MFU grows with tokens per micro-batch, stays within (0, 1], and every entry cites its run', () => {
    const dist = PlanSchema.parse({ name: 'd', model: { source: 'catalog', id: llama.id } }).distribution;
    const lora = PlanSchema.parse({ name: 'd', model: { source: 'catalog', id: llama.id } }).techniques[0]!;
    for (const g of CATALOG_GPUS) {
      let r;
      try {
        r = resolveGpu({ source: 'catalog', id: g.id });
      } catch {
        continue; // no published TFLOPS: not estimable
      }
      let prev = 0;
      for (const t of [64, 512, 4096, 32768, 262144]) {
        const m = defaultMfu(r, lora, t, dist);
        expect(m, g.id).toBeGreaterThan(prev);
        expect(m, g.id).toBeLessThanOrEqual(1);
        prev = m;
      }
    }
    for (const p of Object.values(PUBLISHED_MFU)) {
      expect(p.low).toBeLessThanOrEqual(p.mfu);
      expect(p.high).toBeGreaterThanOrEqual(p.mfu);
      expect(p.source).toMatch(/MFU|% of peak/);
    }
  });
});
