// @vitest-environment happy-dom
/**
 * Issue 19, the results side: the objective in the summary sentence, GRPO's generation and update times as figures
 * with units, the phase chart's data (recharts is drawn at a fixed width: happy-dom measures 0), and the memory
 * chart's reference-model and generation-engine parts with their own colours in both themes.
 */
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PlanSchema, type PlanInput } from '../../shared/domain/plan';
import { estimatePlan } from '../../shared/estimate/estimate';
import { PART_KEYS, PART_LABELS } from '../../shared/estimate/memory';
import { activePhases, hasPhases, phaseRows, timeCostRows } from '../../renderer/charts/chart-data';
import { ChartsPanel, MemoryChart } from '../../renderer/charts/Charts';
import { PART_COLORS, PART_COLORS_DARK, PHASE_COLORS, partColor } from '../../renderer/charts/colors';
import { PhaseChart, phaseTableRows } from '../../renderer/charts/PhaseChart';
import { ComparisonTable, comparisonRows } from '../../renderer/features/results/ComparisonTable';
import { objectiveText, phasesText, resultsSummary } from '../../renderer/features/results/summary';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const planOf = (objective: PlanInput['objective'], extra: Partial<PlanInput> = {}) =>
  PlanSchema.parse({
    name: 'o',
    model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
    techniques: [{ kind: 'full' }, { kind: 'lora' }],
    // GRPO's generation batch (micro-batch × GPUs × accumulation = 8) divides by its 8 generations (GRPOConfig).
    training: { microBatch: 2, gradAccum: 4 },
    objective,
    ...extra,
  });
const sft = planOf({ kind: 'sft' });
const dpo = planOf({ kind: 'dpo', reference: 'copy' });
const grpo = planOf({ kind: 'grpo' });
/** A duration as `duration` writes it: "42 s", "37 min", "3 h 12 min", "2.1 days". */
const DURATION = String.raw`(\d+ s|\d+ min|\d+ h \d+ min|\d+\.\d days)`;

describe('the objective in words', () => {
  it('says nothing for SFT and names the reference for DPO', () => {
    expect(objectiveText(sft.objective, ['full', 'lora'])).toBeNull();
    expect(objectiveText(dpo.objective, ['lora'])).toBe('DPO with a frozen reference copy');
    expect(objectiveText(planOf({ kind: 'dpo', reference: 'precomputed' }).objective, ['lora'])).toBe(
      'DPO with precomputed reference log-probabilities',
    );
  });

  it('says where full fine-tuning cannot use the adapter-disabled base (TRL loads a copy)', () => {
    const o = planOf({ kind: 'dpo', reference: 'peft_base' }).objective;
    expect(objectiveText(o, ['lora'])).toBe('DPO with the adapter-disabled base as reference');
    expect(objectiveText(o, ['full'])).toBe('DPO with a frozen reference copy');
    expect(objectiveText(o, ['full', 'lora'])).toBe(
      'DPO with the adapter-disabled base as reference (a frozen reference copy for full fine-tuning)',
    );
  });

  it('names GRPO’s generations, completion length and engine share', () => {
    expect(objectiveText(grpo.objective, ['lora'])).toBe('GRPO: 8 generations × 512 tokens, vLLM colocate at 30 %');
    const server = planOf({ kind: 'grpo', generation: 'vllm_server', vllmServerGpus: 2, beta: 0.04 });
    // GRPOTrainer under PEFT scores the reference with the adapter disabled (grpo_trainer.py ref_model = None);
    // full fine-tuning loads a frozen copy.
    expect(objectiveText(server.objective, ['lora'])).toBe(
      'GRPO: 8 generations × 512 tokens, vLLM server on 2 GPUs, KL to the adapter-disabled base as reference',
    );
    expect(objectiveText(server.objective, ['full'])).toBe(
      'GRPO: 8 generations × 512 tokens, vLLM server on 2 GPUs, KL to a frozen reference copy',
    );
    expect(objectiveText(planOf({ kind: 'orpo' }).objective, ['lora'])).toBe('ORPO (no reference model)');
  });
});

describe('the summary sentence', () => {
  it('is unchanged for SFT', () => {
    const report = estimatePlan(sft);
    const s = resultsSummary(report, sft.objective);
    expect(s.objective).toBeNull();
    expect(s.text).toBe(resultsSummary(report).text);
    expect(s.text).not.toMatch(/generation|update/);
  });

  it('leads with the objective and gives GRPO’s generation and update times with units', () => {
    const report = estimatePlan(grpo);
    const s = resultsSummary(report, grpo.objective);
    expect(s.text.startsWith('GRPO: 8 generations × 512 tokens, vLLM colocate at 30 %. ')).toBe(true);
    expect(s.text).toMatch(new RegExp(`\\(generation ${DURATION}, update ${DURATION}\\)`));
    // The two figures are the lead technique's phases, which add up to its wall time.
    const lead = report.techniques.find((t) => t.index === s.index)!;
    expect(lead.phases.generationSeconds).toBeGreaterThan(0);
    expect(lead.phases.updateSeconds).toBeGreaterThan(0);
    expect(lead.phases.generationSeconds + lead.phases.referenceSeconds + lead.phases.updateSeconds).toBeCloseTo(
      lead.wallSeconds,
      6,
    );
  });

  it('phasesText needs two phases and keeps each unit', () => {
    const phases = (generationSeconds: number, referenceSeconds: number, updateSeconds: number) => ({
      phases: { generationSeconds, referenceSeconds, updateSeconds },
    });
    expect(phasesText(phases(0, 0, 3600))).toBeNull();
    expect(phasesText(phases(7500, 0, 3900))).toBe('generation 2 h 5 min, update 1 h 5 min');
    expect(phasesText(phases(0, 2220, 4440))).toBe('reference 37 min, update 1 h 14 min');
  });
});

describe('phase chart data', () => {
  it('has no phases for SFT: the plain time chart stays alone', () => {
    const report = estimatePlan(sft);
    expect(hasPhases(report)).toBe(false);
    expect(activePhases(report)).toEqual(['update']);
  });

  it('splits DPO with a reference copy into reference forwards and update', () => {
    const report = estimatePlan(dpo);
    expect(hasPhases(report)).toBe(true);
    expect(activePhases(report)).toEqual(['reference', 'update']);
  });

  it('splits GRPO into generation and update whose stack is the wall time, in the time chart’s unit', () => {
    const report = estimatePlan(grpo);
    const { rows, unit, phases } = phaseRows(report);
    expect(phases).toEqual(['generation', 'update']);
    const times = timeCostRows(report);
    for (const [i, r] of rows.entries()) {
      expect(r.generation).toBeGreaterThan(0);
      expect(r.update).toBeGreaterThan(0);
      expect((r.generation + r.reference + r.update) * unit.seconds).toBeCloseTo(times[i]!.hours * 3600, 3);
      expect(r.totalSeconds).toBeCloseTo(report.techniques[i]!.wallSeconds, 3);
    }
    const table = phaseTableRows(rows, phases);
    expect(table[0]![0]).toMatch(/^Full fine-tuning/);
    for (const cell of table.flatMap((r) => r.slice(1))) expect(cell).toMatch(new RegExp(`^${DURATION}$`));
  });

  it('draws one stacked bar segment per phase and technique, with a legend per phase', () => {
    const report = estimatePlan(grpo);
    const { container } = render(<PhaseChart report={report} width={620} />);
    expect(container.querySelector('figure[data-chart="time-phases"]')).not.toBeNull();
    expect(container.querySelector('figcaption')!.textContent).toMatch(/Wall time by phase \((min|h|days)\)/);
    const legend = [...container.querySelectorAll('.recharts-legend-item-text')].map((e) => e.textContent);
    expect(legend).toEqual(['Generation', 'Update (forward, backward, step)']);
    const fills = new Set(
      [...container.querySelectorAll('.recharts-bar-rectangle path')].map((p) => p.getAttribute('fill')),
    );
    expect(fills).toEqual(new Set([PHASE_COLORS.generation.light, PHASE_COLORS.update.light]));
    expect(container.querySelectorAll('.recharts-bar-rectangle path')).toHaveLength(4);
  });
});

describe('the charts panel', () => {
  it.each([
    ['GRPO', grpo, true],
    ['DPO', dpo, true],
    ['SFT', sft, false],
  ])('%s: the time view adds the phase chart only where the run has phases', (_name, plan, shown) => {
    const { container } = render(<ChartsPanel plan={plan} report={estimatePlan(plan)} />);
    fireEvent.click(screen.getByRole('button', { name: 'Time and cost' }));
    expect(container.querySelector('figure[data-chart="time-cost"]')).not.toBeNull();
    expect(container.querySelector('figure[data-chart="time-phases"]') !== null).toBe(shown);
  });
});

describe('memory parts of the objectives', () => {
  it('every part has its own colour, and the new parts a readable one on the dark panel', () => {
    const colours = PART_KEYS.map((k) => PART_COLORS[k]);
    expect(new Set(colours).size).toBe(PART_KEYS.length);
    expect(PART_KEYS).toContain('referenceModel');
    expect(PART_KEYS).toContain('generation');
    expect(partColor('referenceModel', false)).toBe('#332288');
    expect(partColor('referenceModel', true)).toBe(PART_COLORS_DARK.referenceModel);
    expect(partColor('referenceModel', true)).not.toBe(partColor('referenceModel', false));
    expect(partColor('generation', true)).toBe(PART_COLORS.generation);
    // The dark twin is not another part's colour.
    expect(colours).not.toContain(PART_COLORS_DARK.referenceModel);
  });

  it.each([
    ['light', false, PART_COLORS.referenceModel],
    ['dark', true, PART_COLORS_DARK.referenceModel],
  ])('the memory chart shows the reference model in its %s colour, labelled from PART_LABELS', (_s, dark, colour) => {
    vi.stubGlobal('matchMedia', (query: string) => ({
      matches: dark && query === '(prefers-color-scheme: dark)',
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
    }));
    const report = estimatePlan(planOf({ kind: 'grpo', beta: 0.04 }));
    const { container } = render(<MemoryChart report={report} capacityGiB={80} usableGiB={72} width={620} />);
    const legend = [...container.querySelectorAll('.recharts-legend-item-text')].map((e) => e.textContent);
    expect(legend).toContain(PART_LABELS.referenceModel);
    expect(legend).toContain(PART_LABELS.generation);
    const fills = [...container.querySelectorAll('.recharts-bar-rectangle path')].map((p) => p.getAttribute('fill'));
    expect(fills).toContain(colour);
    expect(fills).toContain(PART_COLORS.generation);
    const head = [...container.querySelectorAll('.data-table thead th')].map((e) => e.textContent);
    expect(head).toContain('Reference model (GiB)');
  });
});

describe('comparison table phase rows', () => {
  it('adds generation and update times (with units and shares) for GRPO, under the wall time', () => {
    const report = estimatePlan(grpo);
    render(<ComparisonTable report={report} onExplain={() => undefined} />);
    const table = screen.getByRole('table', { name: 'Technique comparison' });
    const rows = [...table.querySelectorAll('tbody tr')].map((r) => r.getAttribute('data-row'));
    expect(rows.slice(rows.indexOf('wall'), rows.indexOf('wall') + 3)).toEqual([
      'wall',
      'phase-generation',
      'phase-update',
    ]);
    const generation = table.querySelector('tr[data-row="phase-generation"]') as HTMLElement;
    expect(within(generation).getByRole('rowheader').textContent).toBe('Generation time');
    for (const cell of generation.querySelectorAll('td'))
      expect(cell.textContent).toMatch(new RegExp(`^${DURATION} \\(\\d+ % of the run\\)$`));
    const update = table.querySelector('tr[data-row="phase-update"]') as HTMLElement;
    expect(update.querySelector('td')!.textContent).toMatch(new RegExp(`^${DURATION} `));
  });

  it('has no phase rows for SFT', () => {
    expect(comparisonRows({ kind: 'gpu', rough: false }).some((r) => r.key.startsWith('phase-'))).toBe(false);
    render(<ComparisonTable report={estimatePlan(sft)} onExplain={() => undefined} />);
    expect(document.querySelector('tr[data-row^="phase-"]')).toBeNull();
  });
});
