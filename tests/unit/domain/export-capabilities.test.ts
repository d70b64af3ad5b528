import { describe, expect, it } from 'vitest';
import {
  EXPORT_CAPABILITIES,
  EXPORT_TARGETS,
  PLAN_SWITCHES,
  switchesInUse,
  unsupportedSwitches,
} from '../../../shared/domain/export-capabilities';
import { PlanSchema } from '../../../shared/domain/plan';
import { EXPORT_FORMATS } from '../../../shared/exporters/training';

const plan = (training: Record<string, unknown>) =>
  PlanSchema.parse({ name: 'p', model: { source: 'catalog', id: 'x' }, training });

describe('export capability table (issue 15: exports stay honest)', () => {
  it('has a row for every export format and a cell for every switch', () => {
    expect([...EXPORT_TARGETS].sort()).toEqual([...EXPORT_FORMATS].sort());
    for (const t of EXPORT_TARGETS)
      expect(Object.keys(EXPORT_CAPABILITIES[t]).sort()).toEqual([...PLAN_SWITCHES].sort());
  });

  it('a format-1 plan uses no switch, so every target expresses it', () => {
    for (const t of EXPORT_TARGETS) expect(unsupportedSwitches(plan({}), t)).toEqual([]);
  });

  it('names the optimizer step in backward for the TRL script (no TrainingArguments flag), not the plan file', () => {
    const p = plan({ optimizerInBackward: true, compile: true });
    expect(switchesInUse(p)).toEqual(['compile', 'optimizerInBackward']);
    expect(unsupportedSwitches(p, 'hf')).toEqual(['optimizerInBackward']);
    expect(unsupportedSwitches(p, 'json')).toEqual([]);
    expect(unsupportedSwitches(p, 'service')).toEqual(['compile', 'optimizerInBackward']);
  });

  it('a torchtune-stack plan cannot be exported as a TRL script without saying so', () => {
    expect(unsupportedSwitches(plan({ stack: 'torchtune' }), 'hf')).toEqual(['torchtuneStack']);
    expect(unsupportedSwitches(plan({ activationOffload: true }), 'deepspeed')).toEqual(['activationOffload']);
  });
});
