/**
 * The pure parts of the advice UI (issue 14): applying a lever's merge patch and undoing it, a recommendation applied
 * keeping the global batch and the technique list, owned hardware with entered figures, and the scenario guide's
 * ranking and its sentence where the seed table and this plan's numbers disagree.
 */
import { describe, expect, it } from 'vitest';
import { PlanSchema } from '../../shared/domain/plan';
import { TEMPLATE_SOURCES } from '../../shared/domain/plan-template';
import { estimatePlan } from '../../shared/estimate/estimate';
import { leversFor } from '../../shared/estimate/levers';
import { recommend } from '../../shared/estimate/recommend';
import { applyPatch, diffFields, revertChange, stillApplied } from '../../renderer/state/changes';
import { applyRecommendation, newDraft, setIn } from '../../renderer/state/draft';
import { ownedList } from '../../renderer/state/owned-hardware';
import {
  chooseTechniques,
  disagreements,
  MATERIAL_DIFFERENCE,
  guideResult,
  rankKinds,
  tablePlan,
} from '../../renderer/features/scenario/scenarios';
import { FAKE_PROBE } from '../helpers/fake-probe';

const globalBatch = (p: {
  training: { microBatch: number; gradAccum: number };
  distribution: { gpusPerNode: number; nodes: number };
}) => p.training.microBatch * p.training.gradAccum * p.distribution.gpusPerNode * p.distribution.nodes;

describe('applied advice and its undo', () => {
  it('a lever’s patch applied to the draft gives the lever’s figures, and one undo restores only what it set', () => {
    // Full fine-tuning of the template's Phi-3-mini on one A100 80GB without checkpointing does not fit.
    const draft = setIn(newDraft(), ['training', 'gradientCheckpointing'], false);
    const levers = leversFor(draft, 0);
    expect(levers.length).toBeGreaterThan(0);
    const lever = levers[0]!;
    const { next, applied } = applyPatch(draft, lever.patch, lever.label);
    const after = estimatePlan(PlanSchema.parse(next)).techniques[0]!;
    expect(after.memory.nvidiaSmiBytes).toBe(lever.nvidiaSmiBytesAfter);
    expect(after.wallSeconds).toBe(lever.wallSecondsAfter);
    expect(applied.changes.length).toBeGreaterThan(0);
    // An edit elsewhere after applying is kept by the undo.
    const edited = { ...next, name: 'Edited meanwhile' };
    expect(stillApplied(edited, applied)).toBe(true);
    const undone = revertChange(edited, applied);
    expect(undone).toEqual({ ...draft, name: 'Edited meanwhile' });
  });

  it('an undo is not offered once a field it set was changed again', () => {
    const draft = newDraft();
    const { next, applied } = applyPatch(draft, { training: { microBatch: 2, gradAccum: 4 } }, 'smaller micro-batch');
    expect(applied.changes.map((c) => c.path.join('.'))).toEqual(['training.microBatch', 'training.gradAccum']);
    expect(stillApplied(setIn(next, ['training', 'microBatch'], 3), applied)).toBe(false);
  });

  it('diffFields sets a GPU reference whole when its kind changes', () => {
    const a = newDraft();
    const b = setIn(a, ['hardware', 'gpu'], {
      source: 'custom',
      name: 'X',
      memoryGiB: 8,
      bf16Tflops: 1,
      bandwidthGBs: 10,
    });
    expect(diffFields(a, b).map((c) => c.path.join('.'))).toEqual(['hardware.gpu']);
  });
});

describe('a recommendation applied to the draft', () => {
  it('keeps the global batch and the technique list, and the estimate agrees with the option', () => {
    const draft = { ...newDraft(), training: { ...newDraft().training, microBatch: 4, gradAccum: 4 } };
    const rec = recommend(draft, { sort: 'time', maxGpus: 8 });
    const picks = [rec.cheapest, rec.fastest, ...rec.ranked.filter((o) => o.techniqueIndex > 0).slice(0, 3)];
    for (const o of picks) {
      if (!o) continue;
      const next = applyRecommendation(draft, o);
      expect(globalBatch(next)).toBe(globalBatch(draft));
      // Before issue 14 the chosen technique was moved first: the comparison changed under the user.
      expect(next.techniques).toEqual(draft.techniques);
      expect(next.hardware.gpu).toEqual(o.gpuRef);
      const t = estimatePlan(PlanSchema.parse(next)).techniques[o.techniqueIndex]!;
      expect(t.memory.nvidiaSmiBytes).toBe(o.nvidiaSmiBytes);
      expect(t.wallSeconds).toBeCloseTo(o.wallSeconds, 6);
    }
  });

  it('owned hardware keeps the user’s pricing; a rental prices it from the catalog', () => {
    const draft = { ...newDraft(), pricing: { ...newDraft().pricing, usdPerGpuHour: 0.4 } };
    const owned = ownedList(FAKE_PROBE, [], {});
    const rec = recommend(draft, { owned, maxGpus: 1 });
    const mine = rec.ranked.find((o) => o.ownedId === 'machine');
    const rental = rec.ranked.find((o) => !o.owned);
    expect(mine?.gpuRef).toEqual({ source: 'catalog', id: 'rtx-4090' });
    expect(applyRecommendation(draft, mine!).pricing).toEqual(draft.pricing);
    expect(applyRecommendation(draft, rental!).pricing.usdPerGpuHour).toBeNull();
  });

  it('hardware that needs figures becomes usable with the user’s figures, a CPU staying a CPU', () => {
    const cpuProbe = { ...FAKE_PROBE, gpus: [] };
    const [before] = ownedList(cpuProbe, [], {});
    expect(before?.gpuRef).toBeNull();
    expect(before?.missing).toEqual(['bf16Tflops', 'bandwidthGBs']);
    const [after] = ownedList(cpuProbe, [], {
      machine: { memoryGiB: 64, bf16Tflops: 0.5, bandwidthGBs: 80, deviceKind: 'cpu' },
    });
    expect(after?.gpuRef).toMatchObject({ source: 'custom', name: 'CPU only: Fake CPU (8 cores) (this machine)' });
    expect(after?.deviceKind).toBe('cpu');
    expect(recommend(newDraft(), { owned: [after!], ownedOnly: true }).needsFigures).toEqual([]);
  });
});

describe('the scenario guide', () => {
  const plan = newDraft();
  const report = estimatePlan(tablePlan(plan));
  const mem = (k: string) => report.techniques.find((t) => t.technique === k)!.memory.nvidiaSmiBytes;

  it('ranks the table’s choice by this plan’s numbers, full fine-tuning first as the baseline', () => {
    const chosen = chooseTechniques(['memory']).techniques;
    const ranked = rankKinds(chosen, ['memory'], report);
    expect(ranked[0]).toBe('full');
    expect(new Set(ranked)).toEqual(new Set(chosen));
    const rest = ranked.slice(1).map(mem);
    expect(rest).toEqual([...rest].sort((a, b) => a - b));
  });

  it('says in one sentence, with both figures, where the seed table and this plan disagree', () => {
    // The seed table marks DoRA "lower memory" and not LoRA; DoRA keeps more activations than LoRA.
    expect(mem('dora')).toBeGreaterThan(mem('lora'));
    const notes = disagreements(['memory'], report);
    const dora = notes.find((n) => n.startsWith('The seed table marks DoRA for lower memory use'));
    expect(dora).toMatch(/but on this plan DoRA peaks at [\d,.]+ GiB, \d+ % more than .+'s [\d,.]+ GiB\.$/);
    // A goal where the table's marks are not contradicted produces no sentence about them.
    expect(disagreements(['multiGpu'], report)).toEqual([]);
  });

  it('does not call a difference within the estimate’s precision a disagreement (no "0 % more than")', () => {
    for (const goal of ['cost', 'memory', 'params'] as const) {
      for (const note of disagreements([goal], report)) {
        const pct = /, (\d+) % more than/.exec(note);
        if (pct) expect(Number(pct[1]), note).toBeGreaterThanOrEqual(MATERIAL_DIFFERENCE * 100);
      }
    }
  });

  it('lists every field it sets, and its change undoes to the draft before', () => {
    const draft = newDraft();
    const { next, applied } = guideResult(draft, 'chat', ['params'], report);
    const paths = applied.changes.map((c) => c.path.join('.'));
    expect(paths).toContain('techniques');
    expect(paths).toContain('data.meanTokensPerExample');
    expect(revertChange(next, applied)).toEqual(draft);
  });
});

describe('new plans', () => {
  it('start from the template, whose every sourced default is what the draft holds', () => {
    const d = newDraft();
    expect(d.training.gradientCheckpointing).toBe(true);
    expect(d.training.optimizer).toBe('adamw_torch_fused');
    for (const field of Object.keys(TEMPLATE_SOURCES)) {
      const [section, key] = field.split('.') as ['training', keyof typeof d.training];
      expect(d[section][key], field).toBeDefined();
    }
  });
});
