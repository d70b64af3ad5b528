import type { PlanInput } from '../../shared/domain/plan';

export function samplePlan(overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    name: 'Phi-3 support bot',
    notes: 'first try',
    model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
    ...overrides,
  };
}
