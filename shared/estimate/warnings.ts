/**
 * Plan warnings (issue 14.6): one list, `{ code, message, field?, technique? }`, that the CLI prints as top-level
 * `warnings[]` and the editor shows next to the field it names. Later issues add their own codes here
 * (approximated model types, missing prices) rather than starting another list.
 */
import { findCatalogGpu } from '../catalog/gpus';
import { SERVICE_PRICES } from '../catalog/prices';
import { groupsByLength } from '../domain/export-capabilities';
import type { ModelSpec } from '../domain/model-spec';
import type { GpuRef, Plan } from '../domain/plan';
import { gib } from '../format';
import { isFitting } from './advice';
import type { TechniqueEstimate } from './estimate';
import { STRATEGY_TRAITS } from '../domain/strategies';
import { OBJECTIVE_LABELS, OBJECTIVE_TRAINERS, referenceMode, usesReference } from './objective';

export type WarningCode =
  | 'seq-exceeds-context'
  | 'service-model-unavailable'
  | 'low-headroom'
  | 'cpu-estimate'
  // Issue 19: objectives.
  | 'reference-peft-base-full'
  | 'reference-precomputed-grpo'
  | 'reference-copy-replicated'
  | 'vllm-share-too-small'
  | 'objective-stack'
  // Issue 15 §3: allocator settings the device or trainer does not take.
  | 'expandable-segments-not-cuda'
  | 'length-grouping-not-applied'
  // Issue 15: a technique the strategy's dtypes stop at its first forward.
  | 'vera-deepspeed-dtype';

export interface PlanWarning {
  code: WarningCode;
  message: string;
  /** The plan field it is about, dot-separated as the editor names fields (`training.seqLen`). */
  field?: string;
  /** Index in `techniques` when it is about one technique. */
  technique?: number;
}

/** A plan that fits with less spare memory than this share of the device's capacity gets a warning. */
export const LOW_HEADROOM_FRACTION = 0.05;

/**
 * RoPE scaling as transformers' config.json states it (`rope_scaling` / `rope_parameters`: `rope_type`, `factor`,
 * `original_max_position_embeddings`; transformers/modeling_rope_utils.py). The model spec does not carry it yet;
 * when it does, `contextLimit` reads it.
 */
export interface RopeScaling {
  type: string;
  factor: number;
  originalMaxPositionEmbeddings?: number;
}

/**
 * The longest sequence the model was built for. `max_position_embeddings`, except where RoPE scaling extends it
 * beyond that: YaRN, linear and dynamic NTK scale the original window by `factor` (Qwen2.5 states 32,768 × 4).
 * LongRoPE and Llama-3 scaling already state the extended window in `max_position_embeddings`.
 */
export function contextLimit(spec: ModelSpec & { ropeScaling?: RopeScaling | null }): number {
  const rope = spec.ropeScaling;
  if (rope && ['yarn', 'linear', 'dynamic'].includes(rope.type) && rope.factor > 1)
    return Math.max(
      spec.maxPositionEmbeddings,
      Math.floor((rope.originalMaxPositionEmbeddings ?? spec.maxPositionEmbeddings) * rope.factor),
    );
  return spec.maxPositionEmbeddings;
}

export type DeviceKind = 'gpu' | 'cpu';

/**
 * What runs the training. A probed machine without a GPU enters the plan as a custom "GPU" named
 * "CPU only: …" (renderer/features/machine/machine-hardware.ts); a `device: 'cpu'` field, where a custom
 * entry has one, says the same.
 */
export function deviceKind(ref: GpuRef): DeviceKind {
  if (ref.source !== 'custom') return 'gpu';
  const device = (ref as { device?: unknown }).device;
  return device === 'cpu' || /^CPU only\b/i.test(ref.name) ? 'cpu' : 'gpu';
}

/** What runs the training, with Apple silicon's unified memory apart (owned-hardware.ts FIT_RULES). */
export type HardwareKind = DeviceKind | 'apple-unified';

/**
 * The kind of a plan's GPU reference: deviceKind (a custom "CPU only: …" entry is a CPU), and Apple silicon — a
 * catalog Apple part, or a custom entry named "Apple M…" as the probe names it (electron/services/probes/parsers.ts
 * parseAppleSysctl) — is unified memory.
 */
export function deviceKindOfRef(ref: GpuRef): HardwareKind {
  if (ref.source === 'catalog') return findCatalogGpu(ref.id)?.tier === 'apple' ? 'apple-unified' : 'gpu';
  if (deviceKind(ref) === 'cpu') return 'cpu';
  return /^Apple M\d/i.test(ref.name) ? 'apple-unified' : 'gpu';
}

/** The model as a hosted fine-tuning service lists it: the catalog id, else the Hub id's last part, else its name. */
function serviceModelKey(plan: Plan, spec: ModelSpec): string {
  if (plan.model.source === 'catalog') return plan.model.id;
  return spec.hfId?.split('/').pop() ?? spec.name;
}

export function planWarnings(
  plan: Plan,
  spec: ModelSpec & { ropeScaling?: RopeScaling | null },
  techniques: readonly TechniqueEstimate[],
): PlanWarning[] {
  const warnings: PlanWarning[] = [];
  const limit = contextLimit(spec);
  if (plan.training.seqLen > limit)
    warnings.push({
      code: 'seq-exceeds-context',
      message:
        `Sequence length ${plan.training.seqLen.toLocaleString('en-US')} is above ${spec.name}'s context of ` +
        `${limit.toLocaleString('en-US')} tokens ` +
        `(max_position_embeddings${limit !== spec.maxPositionEmbeddings ? ' with RoPE scaling' : ''}): ` +
        'positions past it were never trained. ' +
        `Lower the sequence length to ${limit.toLocaleString('en-US')} or pick a long-context variant.`,
      field: 'training.seqLen',
    });
  if (plan.pricing.mode === 'service') {
    const key = serviceModelKey(plan, spec);
    const offered = SERVICE_PRICES.some((p) => p.model.toLowerCase() === key.toLowerCase());
    if (!offered)
      warnings.push({
        code: 'service-model-unavailable',
        message:
          `No hosted fine-tuning service in the price catalog offers ${key} ` +
          `(it lists ${[...new Set(SERVICE_PRICES.map((p) => p.model))].join(', ')}). ` +
          'Price it as your own GPUs or a cloud VM (pricing mode "platform").',
        field: 'pricing.mode',
      });
  }
  if (deviceKind(plan.hardware.gpu) === 'cpu')
    warnings.push({
      code: 'cpu-estimate',
      message:
        'CPU estimate, rough: this machine has no GPU, so memory is system RAM and the time assumes the entered ' +
        'cores × FLOPS per core; real CPU training is often slower still. Treat the time as an order of magnitude.',
      field: 'hardware.gpu',
    });
  warnings.push(...objectiveWarnings(plan), ...allocatorWarnings(plan), ...veraDeepSpeedWarnings(plan));
  const first = techniques[0];
  const share = first ? vllmShareWarning(plan, spec, first.fit.capacityBytes, first.totalParams * 2) : null;
  if (share) warnings.push(share);
  for (const t of techniques) {
    const spare = t.fit.capacityBytes - t.memory.nvidiaSmiBytes;
    if (isFitting(t) && spare < LOW_HEADROOM_FRACTION * t.fit.capacityBytes)
      warnings.push({
        code: 'low-headroom',
        message:
          `${t.label} fits with only ${gib(spare)} spare of ${gib(t.fit.capacityBytes)} ` +
          `(under ${LOW_HEADROOM_FRACTION * 100} %): fragmentation or a longer batch can still run out of memory. ` +
          `Keep at least ${LOW_HEADROOM_FRACTION * 100} % free (headroom) or use a lever that lowers the peak.`,
        field: 'hardware.headroomPct',
        technique: t.index,
      });
  }
  return warnings;
}

/**
 * VeRA under DeepSpeed's 16-bit modes stops at its first forward: the engine casts parameters (the λ vectors) to
 * bf16/fp16 but keeps buffers in their loaded dtype (deepspeed 0.19.8 runtime/engine.py _cast_module_mixed_precision,
 * buffer_dtype unset), so PEFT's shared vera_A / vera_B stay fp32 while the input is cast to λ's dtype (peft
 * tuners/vera/layer.py Linear.forward) and F.linear refuses the mix.
 */
function veraDeepSpeedWarnings(plan: Plan): PlanWarning[] {
  if (STRATEGY_TRAITS[plan.distribution.strategy].family !== 'deepspeed' || plan.training.precision === 'fp32')
    return [];
  return plan.techniques.flatMap((t, technique) =>
    t.kind === 'vera'
      ? [
          {
            code: 'vera-deepspeed-dtype' as const,
            message:
              "VeRA does not run under DeepSpeed's bf16/fp16 mode: its λ vectors run in 16 bits (the engine casts " +
              'them; under ZeRO-3 TRL builds them in the base dtype) while its shared A and B projections stay fp32 ' +
              'buffers, and the first forward fails with "expected m1 and m2 to have the same dtype". Train VeRA ' +
              'with DDP or FSDP, or pick LoRA for DeepSpeed.',
            field: 'distribution.strategy',
            technique,
          },
        ]
      : [],
  );
}

/** Issue 15 §3: allocator settings the plan asks for that its device or trainer does not take. */
function allocatorWarnings(plan: Plan): PlanWarning[] {
  const out: PlanWarning[] = [];
  const device = deviceKindOfRef(plan.hardware.gpu);
  if (plan.training.expandableSegments && device !== 'gpu')
    out.push({
      code: 'expandable-segments-not-cuda',
      message: `Expandable segments are a setting of PyTorch's CUDA caching allocator; ${
        device === 'cpu' ? 'a CPU run' : "Apple silicon's MPS allocator"
      } has none. The estimate still applies the CUDA allocator's rules, so its allocator slack may differ here.`,
      field: 'training.expandableSegments',
    });
  if (plan.training.samplingStrategy === 'group_by_length' && !groupsByLength(plan))
    out.push({
      code: 'length-grouping-not-applied',
      message: `Batches grouped by length are not applied: ${
        plan.training.stack === 'torchtune'
          ? 'torchtune has no length-grouped sampler'
          : `the ${OBJECTIVE_LABELS[plan.objective.kind]} trainer cannot take transformers' LengthGroupedSampler`
      }. The estimate and the exports use random order.`,
      field: 'training.samplingStrategy',
    });
  return out;
}

/** Issue 19: what the plan's objective asks that TRL cannot do, or does at a cost the user may not expect. */
function objectiveWarnings(plan: Plan): PlanWarning[] {
  const o = plan.objective;
  const out: PlanWarning[] = [];
  if (o.kind === 'sft') return out;
  const label = OBJECTIVE_LABELS[o.kind];
  if (plan.training.stack !== 'trl')
    out.push({
      code: 'objective-stack',
      message:
        `${label} is trained with TRL's ${OBJECTIVE_TRAINERS[o.kind]}: the estimate models that trainer, whatever ` +
        `the stack field says (now "${plan.training.stack}").`,
      field: 'training.stack',
    });
  if (!usesReference(o)) return out;
  plan.techniques.forEach((t, i) => {
    const mode = referenceMode(o, t);
    if (o.reference === 'peft_base' && t.kind === 'full')
      out.push({
        code: 'reference-peft-base-full',
        message:
          'Full fine-tuning has no adapter to disable, so the base model cannot serve as the reference: ' +
          'TRL loads a frozen copy instead (DPOTrainer/GRPOTrainer __init__, create_model_from_path), ' +
          'and the estimate counts it. ' +
          'Pick a PEFT technique, or precompute the reference log-probs.',
        field: 'objective.reference',
        technique: i,
      });
    if (mode === 'copy' && plan.distribution.gpusPerNode * plan.distribution.nodes > 1) {
      if (!STRATEGY_TRAITS[plan.distribution.strategy].shards.parameters)
        out.push({
          code: 'reference-copy-replicated',
          message:
            `The reference copy is whole on every GPU: TRL prepares it with ZeRO stage 0 unless the run uses stage 3 ` +
            `(trl/models/utils.py prepare_deepspeed), and DDP replicates it. ZeRO-3 or FSDP full sharding split it.`,
          field: 'distribution.strategy',
          technique: i,
        });
    }
  });
  if (o.kind === 'grpo' && o.reference === 'precomputed')
    out.push({
      code: 'reference-precomputed-grpo',
      message:
        'GRPO generates its completions during training, so the reference log-probs cannot be precomputed ' +
        '(GRPOConfig has no precompute_ref_log_probs): the estimate uses the PEFT base under a PEFT technique, ' +
        'else a copy.',
      field: 'objective.reference',
    });
  return out;
}

/** GRPO colocate: vLLM's share must hold its weights and a KV cache (vllm Worker.determine_available_memory). */
export function vllmShareWarning(
  plan: Plan,
  spec: ModelSpec,
  gpuMemoryBytes: number,
  weightBytes: number,
): PlanWarning | null {
  const o = plan.objective;
  if (o.kind !== 'grpo' || o.generation !== 'vllm_colocate') return null;
  const share = o.vllmGpuMemoryUtilization * gpuMemoryBytes;
  const needed = weightBytes / o.vllmTensorParallel;
  if (share > needed * 1.1) return null;
  return {
    code: 'vllm-share-too-small',
    message:
      `vLLM's share (gpu_memory_utilization ${o.vllmGpuMemoryUtilization} × ${gib(gpuMemoryBytes)} = ${gib(share)}) ` +
      `barely holds ${spec.name}'s weights (${gib(needed)} per GPU) and leaves no room for a KV cache: vLLM refuses ` +
      'to start. Raise vllmGpuMemoryUtilization, use tensor parallelism, or generate in server mode.',
    field: 'objective.vllmGpuMemoryUtilization',
  };
}
