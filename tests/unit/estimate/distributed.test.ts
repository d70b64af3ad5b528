/**
 * Issue 15 §1–3: distributed-training buffers as named parts (shared/estimate/distributed.ts), with known answers
 * read from DeepSpeed 0.19.8, torch 2.13, transformers 5.24 and accelerate 1.15 (the project's Python venv).
 */
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { findCatalogModel } from '../../../shared/catalog/models';
import {
  DistributionSchema,
  PlanSchema,
  TechniqueSchema,
  TrainingSchema,
  type PlanInput,
} from '../../../shared/domain/plan';
import { STRATEGY_TRAITS, type Strategy } from '../../../shared/domain/strategies';
import { describeArchitecture } from '../../../shared/estimate/architecture';
import { allocationSize } from '../../../shared/estimate/allocator';
import {
  DS_EXPORTED_ZERO,
  DS_ZERO_DEFAULTS,
  frameworkZero,
  hfAutoZero,
  ncclBufferBytes,
  persistentParamsPerLayer,
  zero3LiveParams,
} from '../../../shared/estimate/distributed';
import { estimatePlan } from '../../../shared/estimate/estimate';
import { memoryAt, memoryProfile, EXPECTED_MEMORY } from '../../../shared/estimate/memory';
import { techniqueParams } from '../../../shared/estimate/techniques';
import { exportFiles } from '../../../shared/exporters/training';
import { targetEstimate } from '../../../shared/exporters/framework-context';

const arch8b = describeArchitecture(findCatalogModel('Llama-3.1-8B')!.spec);

const profileFor = (
  model: string,
  strategy: Strategy,
  gpusPerNode: number,
  nodes = 1,
  kind: 'full' | 'lora' = 'full',
  extra: object = {},
) => {
  const arch = describeArchitecture(findCatalogModel(model)!.spec);
  const t = TechniqueSchema.parse({ kind });
  return memoryProfile(
    arch,
    techniqueParams(arch, t),
    t,
    TrainingSchema.parse({ precision: 'mixed', ...extra }),
    DistributionSchema.parse({ strategy, gpusPerNode, nodes }),
  );
};
const part = (p: ReturnType<typeof profileFor>, key: string) => p.distributedParts.find((x) => x.key === key);

describe('DeepSpeed configuration values (deepspeed/runtime/zero/config.py; transformers deepspeed.py "auto")', () => {
  it('DeepSpeed defaults: buckets 5e8, sub-group 1e9, prefetch 5e7, persistence 1e5, live and reuse 1e9', () => {
    expect(DS_ZERO_DEFAULTS).toEqual({
      reduceBucketSize: 5e8,
      allgatherBucketSize: 5e8,
      subGroupSize: 1e9,
      prefetchBucketSize: 5e7,
      paramPersistenceThreshold: 1e5,
      maxLiveParameters: 1e9,
      maxReuseDistance: 1e9,
    });
  });

  it('"auto" for hidden 4096: reduce bucket h² = 16,777,216, prefetch 0.9·h² = 15,099,494, persistence 10·h', () => {
    expect(hfAutoZero(4096)).toEqual({
      reduceBucketSize: 16_777_216,
      prefetchBucketSize: 15_099_494,
      paramPersistenceThreshold: 40_960,
    });
  });

  it('the values the estimate assumes are the ones the DeepSpeed export writes (ds_config.json)', () => {
    for (const strategy of ['zero2', 'zero3'] as const) {
      const plan = PlanSchema.parse({
        name: 'ds',
        model: { source: 'catalog', id: 'Llama-3.2-3B' },
        techniques: [{ kind: 'full' }],
        distribution: { strategy, gpusPerNode: 4 },
      });
      const ds = JSON.parse(exportFiles(plan, 'deepspeed', 0, 't').find((f) => f.path === 'ds_config.json')!.content)
        .zero_optimization as Record<string, unknown>;
      expect(ds.overlap_comm).toBe(DS_EXPORTED_ZERO.overlapComm);
      expect(ds.contiguous_gradients).toBe(DS_EXPORTED_ZERO.contiguousGradients);
      expect(ds.reduce_bucket_size).toBe(DS_EXPORTED_ZERO.reduceBucketSize);
      expect(ds.sub_group_size ?? DS_ZERO_DEFAULTS.subGroupSize).toBe(DS_EXPORTED_ZERO.subGroupSize);
      if (strategy === 'zero3') {
        expect(ds.stage3_prefetch_bucket_size).toBe(DS_EXPORTED_ZERO.prefetchBucketSize);
        expect(ds.stage3_param_persistence_threshold).toBe(DS_EXPORTED_ZERO.paramPersistenceThreshold);
        expect(ds.stage3_max_live_parameters).toBe(DS_EXPORTED_ZERO.maxLiveParameters);
        expect(ds.stage3_max_reuse_distance).toBe(DS_EXPORTED_ZERO.maxReuseDistance);
      } else expect(ds.allgather_bucket_size).toBe(DS_EXPORTED_ZERO.allgatherBucketSize);
    }
  });
});

describe('the frameworks’ own DeepSpeed configs ("auto" buckets, overlap_comm false)', () => {
  it('LLaMA-Factory and axolotl are estimated with the buckets transformers fills in, not the TRL export’s', () => {
    // exporters/framework-context.ts frameworkDsConfig writes overlap_comm false and "auto" buckets; transformers'
    // trainer_config_finalize fills reduce_bucket_size = h² (integrations/deepspeed.py lines 232–240).
    const plan = PlanSchema.parse({
      name: 'ds',
      model: { source: 'catalog', id: 'Llama-3.1-8B' },
      techniques: [{ kind: 'full' }],
      distribution: { strategy: 'zero2', gpusPerNode: 4 },
    });
    const ds = JSON.parse(exportFiles(plan, 'llama-factory', 0, 't').find((f) => f.path.endsWith('.json'))!.content)
      .zero_optimization as Record<string, unknown>;
    expect(ds).toMatchObject({ overlap_comm: false, reduce_bucket_size: 'auto' });
    const buckets = (target: 'hf' | 'llama-factory' | 'axolotl') =>
      targetEstimate(plan, 0, target).explain.find((e) => e.key === 'memory.communication')!.substituted;
    expect(frameworkZero(4096)).toMatchObject({ overlapComm: false, reduceBucketSize: 4096 * 4096 });
    // TRL export: two 5e8-element bf16 buffers; the frameworks: one of h² elements.
    expect(buckets('hf')).toContain('2 × 500,000,000 × 2 B');
    for (const target of ['llama-factory', 'axolotl'] as const)
      expect(buckets(target), target).toContain(`1 × ${(4096 * 4096).toLocaleString('en-US')} × 2 B`);
  });
});

describe('ZeRO-1/2 contiguous gradient buckets (stage_1_and_2.py setup_buckets)', () => {
  it('overlap_comm allocates two full reduce_bucket_size buffers, bf16: 2 × 5e8 × 2 B, whatever the model size', () => {
    for (const kind of ['full', 'lora'] as const) {
      const p = profileFor('Llama-3.2-3B', 'zero2', 4, 1, kind);
      expect(part(p, 'zero.ipgBuckets')!.bytes).toBe(2e9);
    }
  });

  it('"auto" buckets for hidden 4096 without overlap_comm: 1 × 16,777,216 × 2 B', async () => {
    const { distributedParts } = await import('../../../shared/estimate/distributed');
    const parts = distributedParts({
      arch: arch8b,
      training: TrainingSchema.parse({ precision: 'mixed' }),
      distribution: DistributionSchema.parse({ strategy: 'zero2', gpusPerNode: 8 }),
      trainableParams: arch8b.totalParams,
      fullFineTune: true,
      weightBytes: 2,
      gradientBytes: 2,
      largestTrainableTensor: 0,
      fullGradientBytes: 0,
      zero: { ...DS_EXPORTED_ZERO, ...hfAutoZero(4096), overlapComm: false },
    });
    expect(parts.find((x) => x.key === 'zero.ipgBuckets')!.bytes).toBe(33_554_432);
  });

  it('the buckets live in the backward only: released before the optimizer step', () => {
    const p = profileFor('Llama-3.2-3B', 'zero2', 4);
    expect(p.communicationExtra.backward).toBe(2e9);
    expect(p.communicationExtra.optimizer).toBe(0);
    expect(p.communication).toBe(0);
    const m = memoryAt(p, 1, 512, false, EXPECTED_MEMORY);
    if (m.phase === 'optimizer') expect(m.parts.communication).toBe(0);
  });
});

describe('ZeRO-3 (partitioned_param_coordinator.py, parameter_offload.py, stage3.py)', () => {
  it("a Llama 8B's norms are kept whole (numel ≤ persistence threshold), its linear layers are not", () => {
    // 2 RMSNorm weights of h = 4096 per layer; q_proj (16.8M) and k_proj (4.2M) are above 1e6 and 10·h.
    expect(persistentParamsPerLayer(arch8b, DS_EXPORTED_ZERO.paramPersistenceThreshold)).toBe(2 * 4096);
    expect(persistentParamsPerLayer(arch8b, hfAutoZero(4096).paramPersistenceThreshold)).toBe(2 * 4096);
    expect(zero3LiveParams(arch8b, DS_EXPORTED_ZERO).persistentParams).toBe(65 * 4096);
    expect(persistentParamsPerLayer(arch8b, 4095)).toBe(0);
  });

  it('gathered parameters at the turnaround: head + prefetch bounded by stage3_max_live_parameters', () => {
    const live = zero3LiveParams(arch8b, DS_EXPORTED_ZERO);
    // The head (128,256 × 4096 = 525M) is used twice in a row, so 2·head > max_reuse_distance leaves no layer
    // retained; prefetch fills up to max_live (1e9).
    expect(live.headParams).toBe(128_256 * 4096);
    expect(live.retainedLayers).toBe(0);
    expect(live.gatheredParams).toBe(1e9);
    // A smaller head leaves room for trailing layers within the reuse window.
    const small = describeArchitecture(findCatalogModel('Llama-3.2-1B')!.spec);
    expect(zero3LiveParams(small, DS_EXPORTED_ZERO).retainedLayers).toBeGreaterThan(0);
  });

  it('the optimizer step works per sub_group_size group: 70B on 8 GPUs steps 1e9 elements at a time', () => {
    const p = profileFor('Llama-3.1-70B', 'zero3', 8);
    // foreach sqrt(v) temporary (4 B) + the fp32 gradient of the sub-group (4 B), per element of one sub-group.
    expect(p.optimizerTransients).toBe(1e9 * 8);
    const z2 = profileFor('Llama-3.1-70B', 'zero2', 8);
    expect(z2.optimizerTransients).toBeCloseTo((z2.params.trainableParams / 8) * 8, -3);
  });
});

describe('FSDP (torch 2.13) and hybrid sharding', () => {
  it('the root unit (embeddings, final norm, head) stays unsharded through forward and backward', () => {
    const p = profileFor('Llama-3.1-8B', 'fsdp_full', 8);
    const root = part(p, 'fsdp.root')!;
    expect(root.bytes).toBe((2 * 128_256 * 4096 + 4096) * 2);
    expect(root.phases).toEqual({ forward: true, backward: true, optimizer: false });
    expect(part(p, 'fsdp.unsharded')!.bytes).toBe(2 * arch8b.layerParams * 2);
  });

  it("the root unit's gradient stays unsharded until the backward ends (it reduces after every layer)", () => {
    // FSDP1 hooks the FlatParameter's AccumulateGrad (whole gradient made: the embedding's comes last); FSDP2 runs
    // the root group's post-backward from the final callback (torch 2.13 _runtime_utils.py, _fsdp_state.py).
    const V = 128_256;
    const h = 4096;
    const p = profileFor('Llama-3.1-8B', 'fsdp_full', 8);
    const g = part(p, 'fsdp.rootGradient')!;
    // The head's and the final norm's in every moment of the backward; the embedding's (made last) at its end only.
    expect(g.bytes).toBe((V * h + h) * p.bytes.gradient);
    expect(g.phases).toEqual({ forward: false, backward: true, optimizer: false });
    expect(p.rootEndGradient).toBe(V * h * p.bytes.gradient);
    // The head's gradient is that part, not also a sharded first gradient.
    expect(p.firstGradients).toBe(0);
    // LoRA leaves the root frozen; on one GPU nothing is sharded (the gradients part holds it whole).
    const lora = profileFor('Llama-3.1-8B', 'fsdp_full', 8, 1, 'lora');
    expect(part(lora, 'fsdp.rootGradient')).toBeUndefined();
    expect(lora.rootEndGradient).toBe(0);
    expect(part(profileFor('Llama-3.1-8B', 'fsdp_full', 1), 'fsdp.rootGradient')).toBeUndefined();
    // DeepSpeed ZeRO-3 reduces each gradient in buckets as it is made: no root unit.
    expect(profileFor('Llama-3.1-8B', 'zero3', 8).rootEndGradient).toBe(0);
  });

  it('frozen embeddings: FSDP1 makes the mixed root FlatParameter’s gradient, FSDP2 only the final norm’s', () => {
    const frozen = (stack: 'transformers' | 'torchtune') => {
      const arch = describeArchitecture(findCatalogModel('Llama-3.1-8B')!.spec);
      const t = TechniqueSchema.parse({ kind: 'full', freezeEmbeddings: true });
      return memoryProfile(
        arch,
        techniqueParams(arch, t),
        t,
        TrainingSchema.parse({ precision: 'pure_bf16', stack }),
        DistributionSchema.parse({ strategy: 'fsdp_full', gpusPerNode: 8 }),
      );
    };
    const fsdp1 = frozen('transformers');
    expect(part(fsdp1, 'fsdp.rootGradient')!.bytes).toBe((128_256 * 4096 + 4096) * 2);
    expect(fsdp1.rootEndGradient).toBe(128_256 * 4096 * 2);
    const fsdp2 = frozen('torchtune');
    expect(part(fsdp2, 'fsdp.rootGradient')!.bytes).toBe(4096 * 2);
    expect(fsdp2.rootEndGradient).toBe(0);
  });

  it('the embedding gradient adds to the end of the backward only', () => {
    // Checkpointed, short: the backward peaks at its end, where every gradient exists and the embedding's is made.
    const p = profileFor('Llama-3.1-8B', 'fsdp_full', 8, 1, 'full', { gradientCheckpointing: true });
    const withRoot = memoryAt(p, 1, 128, false, EXPECTED_MEMORY);
    const without = memoryAt({ ...p, rootEndGradient: 0 }, 1, 128, false, EXPECTED_MEMORY);
    expect(withRoot.backwardMoment).toBe('end');
    expect(withRoot.phases.backward - without.phases.backward).toBe(p.rootEndGradient);
    // The forward and the optimizer step never hold it.
    expect(withRoot.phases.forward).toBe(without.phases.forward);
    expect(withRoot.phases.optimizer).toBe(without.phases.optimizer);
  });

  it('hybrid shard splits over one node: between full shard and DDP; one node is full shard', () => {
    const states = (s: Strategy, nodes = 2) => {
      const p = profileFor('Llama-3.1-8B', s, 4, nodes);
      return p.frozenWeights + p.trainableWeights + p.gradients + p.optimizerStates;
    };
    expect(states('fsdp_full')).toBeLessThan(states('fsdp_hybrid'));
    expect(states('fsdp_hybrid')).toBeLessThan(states('ddp'));
    expect(states('fsdp_hybrid', 1)).toBe(states('fsdp_full', 1));
    expect(profileFor('Llama-3.1-8B', 'fsdp_hybrid', 4, 2).shardGpus).toBe(4);
    expect(profileFor('Llama-3.1-8B', 'fsdp_hybrid', 4, 2).ncclCommunicators).toBe(2);
    expect(STRATEGY_TRAITS.fsdp_hybrid.fsdpShardingStrategy).toBe('HYBRID_SHARD');
  });

  it('the accelerate export writes fsdp_sharding_strategy HYBRID_SHARD, a value accelerate 1.15 accepts', () => {
    // accelerate/utils/constants.py:38 FSDP_SHARDING_STRATEGY = ["FULL_SHARD", "SHARD_GRAD_OP", "NO_SHARD",
    // "HYBRID_SHARD", "HYBRID_SHARD_ZERO2"]; utils/dataclasses.py FullyShardedDataParallelPlugin.__post_init__
    // (l.1848) maps the name to torch's ShardingStrategy.
    const plan = PlanSchema.parse({
      name: 'hsdp',
      model: { source: 'catalog', id: 'Llama-3.2-3B' },
      techniques: [{ kind: 'full' }],
      distribution: { strategy: 'fsdp_hybrid', gpusPerNode: 4, nodes: 2 },
    });
    const yaml = exportFiles(plan, 'deepspeed', 0, 't').find((f) => f.path === 'accelerate_config.yaml');
    const cfg = parseYaml(yaml!.content) as { distributed_type: string; fsdp_config: Record<string, unknown> };
    expect(cfg.distributed_type).toBe('FSDP');
    expect(cfg.fsdp_config.fsdp_sharding_strategy).toBe('HYBRID_SHARD');
  });
});

describe('model states per GPU fall with each sharding stage (property)', () => {
  it('ZeRO-3 ≤ ZeRO-2 ≤ ZeRO-1 ≤ DDP for every catalog-size model and GPU count', () => {
    for (const model of ['Llama-3.2-1B', 'Llama-3.1-8B', 'Qwen2.5-14B'])
      for (const gpus of [2, 4, 8, 64]) {
        const s = (st: Strategy) => {
          const p = profileFor(model, st, gpus);
          return p.frozenWeights + p.trainableWeights + p.gradients + p.optimizerStates;
        };
        expect(s('zero3')).toBeLessThanOrEqual(s('zero2'));
        expect(s('zero2')).toBeLessThanOrEqual(s('zero1'));
        expect(s('zero1')).toBeLessThanOrEqual(s('ddp'));
      }
  });
});

describe('NCCL buffers and the caching allocator', () => {
  it('NCCL buffers count in nvidia-smi only: 8 channels × 2 × 4 MiB per communicator', () => {
    expect(ncclBufferBytes(1, 8)).toBe(64 * 2 ** 20);
    const base: PlanInput = {
      name: 'n',
      model: { source: 'catalog', id: 'Llama-3.2-1B' },
      techniques: [{ kind: 'lora' }],
    };
    const one = estimatePlan({ ...base, distribution: { strategy: 'ddp', gpusPerNode: 1 } }).techniques[0]!.memory;
    const two = estimatePlan({ ...base, distribution: { strategy: 'ddp', gpusPerNode: 2 } }).techniques[0]!.memory;
    expect(two.nvidiaSmiBytes - two.reservedBytes - (one.nvidiaSmiBytes - one.reservedBytes)).toBe(64 * 2 ** 20);
  });

  it('segments: ≤ 1 MiB from 2 MiB, 1–10 MiB from 20 MiB, larger rounded to 2 MiB (get_allocation_size)', () => {
    expect(allocationSize(1)).toBe(2 * 2 ** 20);
    expect(allocationSize(2 ** 20)).toBe(2 * 2 ** 20);
    expect(allocationSize(3 * 2 ** 20)).toBe(20 * 2 ** 20);
    expect(allocationSize(11 * 2 ** 20 + 1)).toBe(12 * 2 ** 20);
  });
});

describe('explanations name every buffer with its source', () => {
  it('ZeRO-3 lists the bucket, persistent parameters, gathered parameters and the unsharded gradient', () => {
    const t = estimatePlan({
      name: 'e',
      model: { source: 'catalog', id: 'Llama-3.1-8B' },
      techniques: [{ kind: 'full' }],
      distribution: { strategy: 'zero3', gpusPerNode: 8 },
    }).techniques[0]!;
    const e = t.explain.find((x) => x.key === 'memory.communication')!;
    for (const label of ['reduce bucket', 'persistent small parameters', 'gathered parameters', 'reduce-scatter'])
      expect(e.formula + e.substituted).toContain(label);
    expect(e.note).toContain('partitioned_param_coordinator.py');
  });
});
