import { describe, expect, it } from 'vitest';
import { PlanSchema } from '../../shared/domain/plan';
import { estimatePlan } from '../../shared/estimate/estimate';
import { PART_KEYS } from '../../shared/estimate/memory';
import { bestIndex, memoryRows, paramsRows, sweepRows, timeCostRows } from '../../renderer/charts/chart-data';
import { chooseTechniques, claims } from '../../renderer/features/scenario/scenarios';

const plan = PlanSchema.parse({
  name: 'c',
  model: { source: 'catalog', id: 'Llama-3.2-3B' },
  techniques: [{ kind: 'full' }, { kind: 'lora' }, { kind: 'qlora' }],
});
const report = estimatePlan(plan);

describe('chart data mapping', () => {
  it('stacks the memory parts in GiB and they add up to the nvidia-smi total', () => {
    const rows = memoryRows(report);
    expect(rows.map((r) => r.technique)).toEqual(['Full fine-tuning', 'LoRA', 'QLoRA']);
    for (const [i, r] of rows.entries()) {
      const sum = PART_KEYS.reduce((s, k) => s + r[k], 0);
      expect(sum).toBeCloseTo(r.totalGiB, 9);
      expect(r.totalGiB).toBeCloseTo(report.techniques[i]!.memory.nvidiaSmiBytes / 2 ** 30, 9);
    }
  });

  it('maps time, cost and trainable parameters per technique', () => {
    expect(timeCostRows(report).map((r) => r.hours)).toEqual(report.techniques.map((t) => t.wallSeconds / 3600));
    expect(paramsRows(report).map((r) => r.trainable)).toEqual(report.techniques.map((t) => t.trainableParams));
  });

  it('memory against sequence length and micro-batch rises for every technique', () => {
    for (const axis of ['seqLen', 'microBatch'] as const) {
      const rows = sweepRows(plan, axis);
      expect(rows.length).toBeGreaterThan(4);
      for (const i of [0, 1, 2]) {
        const series = rows.map((r) => r[`t${i}`]!);
        series.slice(1).forEach((v, j) => expect(v).toBeGreaterThanOrEqual(series[j]!));
      }
    }
  });

  it('marks the lowest value as best and ignores unknowns', () => {
    expect(bestIndex([3, 1, 2])).toBe(1);
    expect(bestIndex([null, 5, null])).toBe(1);
    expect(bestIndex([null, null])).toBeNull();
  });
});

describe('scenario guide', () => {
  it('follows the seed table: memory → QLoRA and DoRA; aggregate memory → ZeRO-3', () => {
    expect(chooseTechniques(['memory']).techniques).toEqual(['full', 'qlora', 'dora']);
    expect(chooseTechniques(['params']).techniques).toEqual(['full', 'qlora', 'dora', 'ia3', 'prompt_tuning']);
    expect(chooseTechniques(['cost']).techniques).toEqual(['full', 'lora', 'qlora']);
    expect(chooseTechniques(['multiGpu']).zero3).toBe(true);
    expect(chooseTechniques(['memory']).zero3).toBe(false);
  });

  it('states each claim with this plan’s numbers', () => {
    const lines = claims(report);
    // At 4 × 2048 tokens without checkpointing, LoRA's saved fp32 inputs outweigh the states it saves: the claim
    // says "more" honestly.
    expect(lines[1]).toMatch(
      new RegExp(
        '^QLoRA: [\\d.]+ % of parameters trained, \\d+ % (less|more) memory than full fine-tuning here, ' +
          '\\d+ % (cheaper|more expensive)\\.$',
      ),
    );
  });
});
