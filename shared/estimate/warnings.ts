/**
 * Plan warnings (issue 14.6): one list, `{ code, message, field?, technique? }`, that the CLI prints as top-level
 * `warnings[]` and the editor shows next to the field it names. Later issues add their own codes here
 * (approximated model types, missing prices) rather than starting another list.
 */
import { SERVICE_PRICES } from '../catalog/prices';
import type { ModelSpec } from '../domain/model-spec';
import type { GpuRef, Plan } from '../domain/plan';
import { gib } from '../format';
import { isFitting } from './advice';
import type { TechniqueEstimate } from './estimate';

export type WarningCode = 'seq-exceeds-context' | 'service-model-unavailable' | 'low-headroom' | 'cpu-estimate';

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
