/**
 * The editor's draft: always plan-shaped (defaults filled), values possibly invalid while typing.
 * Shared by the features that read or change it (editor, plans, machine, scenario), hence above features/.
 */
import { PlanSchema, type Plan, type PlanInput } from '../../shared/domain/plan';
import { newPlanFromTemplate } from '../../shared/domain/plan-template';
import type { RecommendedOption } from '../../shared/estimate/recommend';
import { issuesFromZod } from '../../shared/result';

export type Draft = Plan;

export function toDraft(input: PlanInput): Draft {
  const parsed = PlanSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  // Keep what the user had; fill the rest from a default plan so every section can render.
  const fallback = PlanSchema.parse({
    name: 'Untitled plan',
    model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
  });
  const partial: Partial<Plan> = input as Partial<Plan>;
  return { ...fallback, ...partial };
}

/**
 * A new plan starts from the practitioner's template (shared/domain/plan-template.ts: TRL SFTConfig and
 * transformers defaults, each with its source), not from the schema's defaults, which old files rely on.
 */
export function newDraft(): Draft {
  return newPlanFromTemplate();
}

/** Immutable update at a path like ['training', 'microBatch'] or ['techniques', 0, 'rank']. */
export function setIn<T>(obj: T, path: ReadonlyArray<string | number>, value: unknown): T {
  if (path.length === 0) return value as T;
  const [head, ...rest] = path as [string | number, ...Array<string | number>];
  if (Array.isArray(obj)) {
    const copy = [...(obj as unknown[])];
    copy[head as number] = setIn(copy[head as number], rest, value);
    return copy as T;
  }
  const record = (obj ?? {}) as Record<string, unknown>;
  return { ...record, [head]: setIn(record[head as string], rest, value) } as T;
}

export interface Validation {
  plan: Plan | null;
  errors: Record<string, string>;
}

export function validateDraft(draft: Draft): Validation {
  const parsed = PlanSchema.safeParse(draft);
  if (parsed.success) return { plan: parsed.data, errors: {} };
  const errors: Record<string, string> = {};
  for (const issue of issuesFromZod(parsed.error)) errors[issue.path] ??= issue.message;
  return { plan: null, errors };
}

/**
 * The draft with a recommended option applied (issue 14.3): its GPU (hardware.gpu = the option's reference, a
 * catalog id or the custom figures of owned hardware), its GPU count on one node and its micro-batch × accumulation,
 * which together keep the plan's global batch (GPUs × micro-batch × accumulation) exactly. The technique list is
 * left as it is: the option names its technique by index, and the comparison keeps every technique.
 *
 * Pricing: owned hardware keeps the user's pricing (nothing is rented); a rental clears the price the user entered
 * for another GPU so the estimate prices it as the recommendation did (the cheapest dated catalog price). The plan's
 * MFU applies to the plan's own GPU only (recommend.ts uses the default elsewhere), so it is cleared on another GPU.
 */
export function applyRecommendation(d: Draft, o: RecommendedOption): Draft {
  return {
    ...d,
    training: { ...d.training, microBatch: o.microBatch, gradAccum: o.gradAccum },
    distribution: { ...d.distribution, gpusPerNode: o.gpus, nodes: 1 },
    hardware: { ...d.hardware, gpu: o.gpuRef, mfu: o.ownedId === 'plan' ? d.hardware.mfu : null },
    pricing: o.owned ? d.pricing : { ...d.pricing, mode: 'platform', vmSku: null, usdPerGpuHour: null },
  };
}
