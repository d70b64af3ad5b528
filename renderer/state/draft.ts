/**
 * The editor's draft: always plan-shaped (defaults filled), values possibly invalid while typing.
 * Shared by the features that read or change it (editor, plans, machine, scenario), hence above features/.
 */
import { PlanSchema, type Plan, type PlanInput } from '../../shared/domain/plan';
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

export function newDraft(): Draft {
  return PlanSchema.parse({
    name: 'Untitled plan',
    model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
    techniques: [{ kind: 'full' }, { kind: 'lora' }, { kind: 'qlora' }, { kind: 'dora' }],
  });
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

/** The draft with a recommended option applied: its technique first, its batch, GPUs and GPU type. */
export function applyRecommendation(d: Draft, o: RecommendedOption): Draft {
  const chosen = d.techniques[o.techniqueIndex];
  return {
    ...d,
    techniques: chosen ? [chosen, ...d.techniques.filter((_, i) => i !== o.techniqueIndex)] : d.techniques,
    training: { ...d.training, microBatch: o.microBatch, gradAccum: o.gradAccum },
    distribution: { ...d.distribution, gpusPerNode: o.gpus, nodes: 1 },
    hardware: { ...d.hardware, gpu: { source: 'catalog', id: o.gpuId } },
    pricing: { ...d.pricing, vmSku: null, usdPerGpuHour: null },
  };
}
