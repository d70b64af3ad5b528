/** Calibration keeps apples with apples (issue 19): a run whose logs show another objective calibrates nothing. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PlanSchema, type PlanInput } from '../../../shared/domain/plan';
import { RunResultSchema } from '../../../shared/domain/run-result';
import { calibrationFactors, compareRuns, factorFor, objectiveMismatch } from '../../../shared/estimate/calibration';
import { toRunResultFields } from '../../../shared/import/run-import';
import { parseRunFiles } from '../../../shared/import/trainer-state';

const runsDir = path.resolve(__dirname, '../../fixtures/runs/transformers-5.24.0_trl-1.16.0');
/** A run recorded from the real trainer's files, with a measured peak as a user would add it. */
const imported = (id: string, folder: string, peakGiB: number) => {
  const { run } = parseRunFiles([
    { name: 'trainer_state.json', text: fs.readFileSync(path.join(runsDir, folder, 'trainer_state.json'), 'utf8') },
  ]);
  return {
    id,
    result: RunResultSchema.parse({
      technique: 'lora',
      gpuName: 'NVIDIA L40S',
      gpuCount: 1,
      ...toRunResultFields(run),
      objective: run.objective,
      metricCurves: run.metricCurves,
      peakMemoryBytes: peakGiB * 2 ** 30,
      tokensPerSecond: 5000,
    }),
  };
};
const plan = (objective: PlanInput['objective']) =>
  PlanSchema.parse({
    name: 'c',
    model: { source: 'catalog', id: 'Llama-3.2-3B' },
    techniques: [{ kind: 'lora', rank: 32, targets: 'qv', dropout: 0 }],
    training: { microBatch: 8, seqLen: 768, gradAccum: 1 },
    hardware: { gpu: { source: 'catalog', id: 'l40s' } },
    objective,
  });

describe('runs of another objective than the plan', () => {
  const grpo = imported('g', 'grpo', 30);
  const dpo = imported('d', 'dpo', 25);
  const sft = imported('s', 'sft', 20);

  it('the real fixtures read as the objectives their trainers ran', () => {
    expect([grpo.result.objective, dpo.result.objective, sft.result.objective]).toEqual(['grpo', 'dpo', 'sft']);
  });

  it('an SFT plan flags the GRPO run, predicts nothing for it and leaves it out of the factors', () => {
    const sftPlan = plan({ kind: 'sft' });
    const [g, s] = compareRuns(sftPlan, [grpo, sft]);
    expect(g!.objectiveMismatch).toEqual({ run: 'grpo', plan: 'sft' });
    expect(g!.predictedMemoryBytes).toBeNull();
    expect(g!.memoryErrorPercent).toBeNull();
    expect(g!.predictedWallSeconds).toBeNull();
    expect(s!.objectiveMismatch).toBeNull();
    expect(s!.predictedMemoryBytes).toBeGreaterThan(0);
    const f = factorFor(calibrationFactors([g!, s!]), 'lora', 'l40s')!;
    // Only the SFT run backs the factor: measured / predicted of that run alone.
    expect(f.memoryRuns).toBe(1);
    expect(f.memoryFactor).toBeCloseTo((20 * 2 ** 30) / s!.predictedMemoryBytes!, 10);
    expect(calibrationFactors([g!])).toEqual([]);
  });

  it('a GRPO plan compares the GRPO run and flags the SFT one', () => {
    const grpoPlan = plan({ kind: 'grpo', numGenerations: 8 });
    const [g, s] = compareRuns(grpoPlan, [grpo, sft]);
    expect(g!.objectiveMismatch).toBeNull();
    expect(g!.predictedMemoryBytes).toBeGreaterThan(0);
    expect(s!.objectiveMismatch).toEqual({ run: 'sft', plan: 'grpo' });
  });

  // DPOTrainer and CPOTrainer log the same keys for their loss types.
  it('IPO and SimPO plans accept the runs their trainers log; a hand-typed run is not flagged', () => {
    expect(objectiveMismatch(plan({ kind: 'ipo' }), dpo.result)).toBeNull();
    expect(objectiveMismatch(plan({ kind: 'simpo' }), { ...dpo.result, objective: 'cpo' })).toBeNull();
    expect(objectiveMismatch(plan({ kind: 'simpo' }), dpo.result)).toEqual({ run: 'dpo', plan: 'simpo' });
    expect(objectiveMismatch(plan({ kind: 'dpo' }), { ...grpo.result, objective: null })).toBeNull();
  });
});
