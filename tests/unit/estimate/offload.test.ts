/**
 * Issue 15 §1–2: CPU and NVMe offload (shared/estimate/offload.ts) — known answers read from DeepSpeed 0.19.8
 * (runtime/zero/offload_config.py, stage_1_and_2.py, stage3.py, swap_tensor/*) and torch 2.13
 * (distributed/fsdp/_flat_param.py, _fully_shard/*), and the properties every offload must have.
 */
import { describe, expect, it } from 'vitest';
import { findCatalogModel } from '../../../shared/catalog/models';
import { DistributionSchema, TechniqueSchema, TrainingSchema, type PlanInput } from '../../../shared/domain/plan';
import type { Strategy } from '../../../shared/domain/strategies';
import { describeArchitecture } from '../../../shared/estimate/architecture';
import { estimatePlan } from '../../../shared/estimate/estimate';
import { memoryProfile } from '../../../shared/estimate/memory';
import {
  aioAlignedNumel,
  DS_AIO,
  DS_OFFLOAD_DEFAULTS,
  fsdpCpuOffload,
  fsdpVersion,
} from '../../../shared/estimate/offload';
import { techniqueParams } from '../../../shared/estimate/techniques';

const arch = describeArchitecture(findCatalogModel('Llama-3.1-8B')!.spec);

function profile(
  strategy: Strategy,
  gpusPerNode: number,
  offload: { offloadOptimizer?: 'none' | 'cpu' | 'nvme'; offloadParams?: 'none' | 'cpu' | 'nvme' },
  opts: { kind?: 'full' | 'lora'; training?: object; technique?: object; nodes?: number } = {},
) {
  const t = TechniqueSchema.parse({ kind: opts.kind ?? 'full', ...opts.technique });
  return memoryProfile(
    arch,
    techniqueParams(arch, t),
    t,
    TrainingSchema.parse({ precision: 'mixed', ...opts.training }),
    DistributionSchema.parse({ strategy, gpusPerNode, nodes: opts.nodes ?? 1, ...offload }),
  );
}
const part = (p: ReturnType<typeof profile>, key: string) => p.offload.parts.find((x) => x.key === key);
const largestTensor = arch.spec.vocabSize * arch.spec.hiddenSize; // Llama-3.1-8B: untied V·h embedding / head

describe('DeepSpeed offload configuration (offload_config.py, swap_tensor/constants.py, swap_tensor/utils.py)', () => {
  it('offload_param buffer_count 5 × buffer_size 1e8, max_in_cpu 1e9; offload_optimizer buffer_count 4', () => {
    expect(DS_OFFLOAD_DEFAULTS).toEqual({
      paramBufferCount: 5,
      paramBufferSize: 1e8,
      maxInCpu: 1e9,
      optimizerBufferCount: 4,
    });
    expect(DS_AIO).toEqual({ blockSize: 1048576, queueDepth: 8, alignedBytes: 1024 });
  });

  it('swap buffers are aligned to 1024 bytes: 1e8 bf16 elements → 100,000,256; fp32 → 100,000,000', () => {
    expect(aioAlignedNumel(1e8, 2)).toBe(100_000_256);
    expect(aioAlignedNumel(1e8, 4)).toBe(1e8);
  });
});

describe('DeepSpeed ZeRO-Offload host memory (each allocation from its source line)', () => {
  const T = arch.totalParams;

  it('ZeRO-3 offload_param to NVMe: 5 × 100,000,256 × 2 B pinned swap buffers per GPU', () => {
    const p = profile('zero3', 1, { offloadOptimizer: 'nvme', offloadParams: 'nvme' });
    expect(part(p, 'ds.paramSwapBuffers')!.bytes).toBe(5 * 100_000_256 * 2);
    expect(part(p, 'ds.paramSwapBuffers')!.pinned).toBe(true);
    // Four times with four GPUs on the node.
    const four = profile('zero3', 4, { offloadOptimizer: 'nvme', offloadParams: 'nvme' });
    expect(part(four, 'ds.paramSwapBuffers')!.bytes).toBe(4 * 5 * 100_000_256 * 2);
    // Parameters on NVMe at 2 B each; the trainable partitions stay in host RAM up to max_in_cpu.
    expect(part(p, 'ds.nvmeParams')!.bytes).toBe(2 * T);
    expect(part(p, 'ds.paramsInCpu')!.bytes).toBe(1e9 * 2);
    // Optimizer swapping: 4 buffers of the largest sub-group (sub_group_size 1e9) in fp32.
    expect(part(p, 'ds.optimizerSwapBuffers')!.bytes).toBe(4 * 1e9 * 4);
    expect(part(p, 'ds.nvmeOptimizer')!.bytes).toBe(16 * T);
    expect(p.nvmeBytes).toBe(2 * T + 16 * T);
  });

  it('ZeRO-2 CPU offload: fp32 master 4 + bf16 copy-back 2 + fp32 gradient 4 + Adam 8 B per parameter', () => {
    const p = profile('zero2', 4, { offloadOptimizer: 'cpu' });
    expect(part(p, 'ds.master')!.bytes).toBe(4 * T);
    expect(part(p, 'ds.bit16Buffer')!.bytes).toBe(2 * T);
    expect(part(p, 'ds.gradPartition')!.bytes).toBe(4 * T);
    expect(part(p, 'ds.states')!.bytes).toBe(8 * T);
    expect(part(p, 'ds.accumulatedGrads')).toBeUndefined();
    expect(part(p, 'ds.tempGradHost')!.bytes).toBe(4 * largestTensor * 2);
    expect(p.hostBytes).toBe(18 * T + 4 * largestTensor * 2);
    // The GPU keeps one staging buffer of the largest parameter (temp_grad_buffer_for_gpu_offload).
    expect(p.distributedParts.find((x) => x.key === 'ds.tempGradGpu')!.bytes).toBe(largestTensor * 2);
    // Gradient accumulation adds the pinned per-parameter accumulation buffers.
    const accum = profile('zero2', 4, { offloadOptimizer: 'cpu' }, { training: { gradAccum: 4 } });
    expect(part(accum, 'ds.accumulatedGrads')!.bytes).toBe(2 * T);
  });

  it('ZeRO-3 CPU offload of optimizer and parameters: 2 + 4 + 4 + 8 B per trainable and 2 B per parameter', () => {
    const p = profile('zero3', 2, { offloadOptimizer: 'cpu', offloadParams: 'cpu' });
    expect(part(p, 'ds.gradAccumBuffer')!.bytes).toBe(2 * T);
    expect(part(p, 'ds.master')!.bytes).toBe(4 * T);
    expect(part(p, 'ds.gradPartition')!.bytes).toBe(4 * T);
    expect(part(p, 'ds.states')!.bytes).toBe(8 * T);
    expect(part(p, 'ds.paramPartitions')!.bytes).toBe(2 * T);
    expect(p.hostBytes).toBe(20 * T);
    // Two nodes split it.
    const two = profile('zero3', 2, { offloadOptimizer: 'cpu', offloadParams: 'cpu' }, { nodes: 2 });
    expect(two.hostBytes).toBe(10 * T);
  });
});

describe('FSDP CPU offload (CPUOffload(offload_params=True) / CPUOffloadPolicy)', () => {
  const P = arch.totalParams;

  it('one switch: parameters, gradients and optimizer states leave the GPU together', () => {
    expect(fsdpVersion({ stack: 'transformers' })).toBe(1);
    expect(fsdpVersion({ stack: 'torchtune' })).toBe(2);
    expect(fsdpCpuOffload({ strategy: 'fsdp_full', offloadParams: 'cpu' })).toBe(true);
    expect(fsdpCpuOffload({ strategy: 'zero3', offloadParams: 'cpu' })).toBe(false);
    const on = profile('fsdp_full', 8, { offloadOptimizer: 'cpu', offloadParams: 'cpu' });
    expect(on.frozenWeights + on.trainableWeights + on.gradients + on.optimizerStates).toBe(0);
    expect(on.optimizerTransients).toBe(0);
    // The GPU still holds the units being gathered (two layers in flight and the root).
    expect(on.distributedParts.find((x) => x.key === 'fsdp.unsharded')!.bytes).toBe(2 * arch.layerParams * 2);
    expect(on.distributedParts.find((x) => x.key === 'fsdp.root')).toBeDefined();
  });

  it('FSDP1, mixed-precision full fine-tune on one node: fp32 shard 4 + fp32 _cpu_grad 4 + Adam 8 = 16 B', () => {
    const p = profile('fsdp_full', 8, { offloadOptimizer: 'cpu', offloadParams: 'cpu' });
    expect(part(p, 'fsdp.hostParams')!.bytes).toBeCloseTo(4 * P, -2);
    expect(part(p, 'fsdp.hostGrads')!.bytes).toBeCloseTo(4 * P, -2);
    expect(part(p, 'fsdp.hostStates')!.bytes).toBeCloseTo(8 * P, -2);
    expect(p.hostBytes).toBeCloseTo(16 * P, -2);
    // Two nodes of full sharding: each node holds half.
    const two = profile('fsdp_full', 8, { offloadOptimizer: 'cpu', offloadParams: 'cpu' }, { nodes: 2 });
    expect(two.hostBytes).toBeCloseTo(8 * P, -2);
    // Hybrid sharding replicates across nodes: each node holds the whole model's shards.
    const hsdp = profile('fsdp_hybrid', 8, { offloadOptimizer: 'cpu', offloadParams: 'cpu' }, { nodes: 2 });
    expect(hsdp.hostBytes).toBeCloseTo(16 * P, -2);
  });

  it('LoRA: FSDP1 pins a gradient for the frozen base too (_cpu_grad for every FlatParameter); FSDP2 does not', () => {
    const v1 = profile('fsdp_full', 4, { offloadOptimizer: 'cpu', offloadParams: 'cpu' }, { kind: 'lora' });
    expect(part(v1, 'fsdp.hostGrads')!.bytes).toBe(part(v1, 'fsdp.hostParams')!.bytes);
    const v2 = profile(
      'fsdp_full',
      4,
      { offloadOptimizer: 'cpu', offloadParams: 'cpu' },
      { kind: 'lora', training: { stack: 'torchtune' } },
    );
    const T = v2.params.trainableParams;
    expect(part(v2, 'fsdp.hostGrads')!.bytes).toBe(T * v2.bytes.trainableWeight);
  });

  it('an optimizer-only offload has no FSDP equivalent: nothing is offloaded, and a note says so', () => {
    const p = profile('fsdp_full', 4, { offloadOptimizer: 'cpu' });
    const none = profile('fsdp_full', 4, {});
    expect(p.hostBytes).toBe(0);
    expect(p.optimizerStates).toBe(none.optimizerStates);
    expect(p.notes.some((x) => x.includes('no optimizer-only offload'))).toBe(true);
  });

  it('FSDP1 mixed precision: bf16 _mp_shard of 2 units in flight (+ the fp32 shard copied in when offloaded)', () => {
    const S = 4;
    const on = profile('fsdp_full', S, {});
    expect(on.distributedParts.find((x) => x.key === 'fsdp.shardStaging')!.bytes).toBe((2 * arch.layerParams * 2) / S);
    const off = profile('fsdp_full', S, { offloadOptimizer: 'cpu', offloadParams: 'cpu' });
    expect(off.distributedParts.find((x) => x.key === 'fsdp.shardStaging')!.bytes).toBe(
      (2 * arch.layerParams * (2 + 4)) / S,
    );
    // FSDP2 (torchtune) keeps no separate low-precision shard.
    const v2 = profile('fsdp_full', S, {}, { training: { stack: 'torchtune' } });
    expect(v2.distributedParts.find((x) => x.key === 'fsdp.shardStaging')).toBeUndefined();
  });

  it('FSDP1 use_orig_params: frozen embeddings in the root FlatParameter still get a sharded gradient', () => {
    const S = 4;
    const frozen = { technique: { freezeEmbeddings: true } };
    const v1 = profile('fsdp_full', S, {}, frozen);
    const v2 = profile('fsdp_full', S, {}, { ...frozen, training: { stack: 'torchtune' } });
    const rootFrozen = arch.embeddingParams + arch.positionParams + arch.lmHeadParams;
    // fp32 shards: a mixed-precision full fine-tune loads fp32 weights (exporters/training.ts loadDtype).
    expect(v1.gradients - v2.gradients).toBeCloseTo((rootFrozen * 4) / S, -1);
  });
});

describe('properties: CPU offload lowers GPU memory and raises host memory and step time', () => {
  const plan = (distribution: object, technique: NonNullable<PlanInput['techniques']>[number] = { kind: 'full' }) =>
    estimatePlan({
      name: 't',
      model: { source: 'catalog', id: findCatalogModel('Llama-3.1-8B')!.id },
      techniques: [technique],
      training: { precision: 'mixed', microBatch: 1, seqLen: 1024, gradientCheckpointing: true },
      hardware: { gpu: { source: 'catalog', id: 'h100-sxm' } },
      distribution: { gpusPerNode: 4, ...distribution },
    }).techniques[0]!;

  const cases: Array<[string, object, object]> = [
    ['ZeRO-2 optimizer', { strategy: 'zero2' }, { strategy: 'zero2', offloadOptimizer: 'cpu' }],
    ['ZeRO-3 optimizer', { strategy: 'zero3' }, { strategy: 'zero3', offloadOptimizer: 'cpu' }],
    [
      'ZeRO-3 optimizer and parameters',
      { strategy: 'zero3' },
      { strategy: 'zero3', offloadOptimizer: 'cpu', offloadParams: 'cpu' },
    ],
    [
      'FSDP full shard',
      { strategy: 'fsdp_full' },
      { strategy: 'fsdp_full', offloadOptimizer: 'cpu', offloadParams: 'cpu' },
    ],
  ];
  for (const technique of [{ kind: 'full' }, { kind: 'lora' }] as const)
    for (const [name, off, on] of cases)
      it(`${name}, ${technique.kind}`, () => {
        const a = plan(off, technique);
        const b = plan(on, technique);
        expect(b.memory.allocatedBytes).toBeLessThan(a.memory.allocatedBytes);
        expect(b.memory.hostBytes).toBeGreaterThan(a.memory.hostBytes);
        expect(b.stepSeconds).toBeGreaterThan(a.stepSeconds);
      });
});
