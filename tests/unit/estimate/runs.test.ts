import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PlanSchema } from '../../../shared/domain/plan';
import { RunResultSchema } from '../../../shared/domain/run-result';
import { calibrationFactors, compareRuns, factorFor } from '../../../shared/estimate/calibration';
import { toRunResultFields } from '../../../shared/import/run-import';
import { parseTrainerFiles, TrainerImportError } from '../../../shared/import/trainer-state';

const fixture = (name: string) => ({
  name,
  text: fs.readFileSync(path.join(__dirname, '../../fixtures', name), 'utf8'),
});

describe('trainer_state.json import', () => {
  // The real files written by transformers / TRL / LLaMA-Factory are tested in tests/unit/import/run-import.test.ts.
  it('fills wall time, throughput, steps, epochs, final and mean loss and the loss curve', () => {
    const r = parseTrainerFiles([fixture('trainer_state.json')]);
    expect(r.run).toMatchObject({
      wallSeconds: 1834.22,
      tokensPerSecond: 1339.7,
      finalLoss: 1.0512, // the last logged loss (step 60), not train_loss
      meanLoss: 1.2924,
      samplesPerSecond: 2.617,
      steps: 60,
      epochs: 3,
    });
    expect(r.run.lossCurve).toHaveLength(6);
    expect(r.run.lossCurve[0]).toEqual({ step: 10, loss: 1.8211 });
    expect(
      RunResultSchema.parse({ technique: 'lora', gpuName: 'A100', gpuCount: 1, ...toRunResultFields(r.run) }).lossCurve,
    ).toHaveLength(6);
  });
  it('takes totals from all_results.json when the state has none', () => {
    const state = JSON.parse(fixture('trainer_state.json').text) as { log_history: unknown[] };
    state.log_history = state.log_history.slice(0, -1);
    const r = parseTrainerFiles([
      { name: 'trainer_state.json', text: JSON.stringify(state) },
      fixture('all_results.json'),
    ]);
    expect(r.run.wallSeconds).toBe(1834.22);
    expect(r.run.samplesPerSecond).toBe(2.617);
  });
  it('refuses files that are not Trainer output', () => {
    expect(() => parseTrainerFiles([{ name: 'x.json', text: '{"foo": 1}' }])).toThrow(TrainerImportError);
    expect(() => parseTrainerFiles([{ name: 'x.json', text: 'nope' }])).toThrow(/not valid JSON/);
    expect(() => parseTrainerFiles([])).toThrow(/Choose a trainer_state\.json/);
  });
});

describe('estimate vs actual and calibration', () => {
  const plan = PlanSchema.parse({
    name: 'c',
    model: { source: 'catalog', id: 'Llama-3.2-3B' },
    techniques: [{ kind: 'lora', rank: 32, targets: 'qv', dropout: 0 }],
    // The PEFT benchmark's LoRA run: length-bucketed batches, long to short (electron/cli/reference.ts).
    training: { microBatch: 4, seqLen: 768, samplingStrategy: 'group_by_length' },
    hardware: { gpu: { source: 'catalog', id: 'l40s' } },
  });
  const run = (id: string, memGiB: number | null, tps: number | null) => ({
    id,
    result: RunResultSchema.parse({
      technique: 'lora',
      gpuName: 'NVIDIA L40S',
      gpuCount: 1,
      peakMemoryBytes: memGiB === null ? null : memGiB * 2 ** 30,
      tokensPerSecond: tps,
    }),
  });

  it('compares each run with the estimate for its GPU, in the counter it reports', () => {
    const [c] = compareRuns(plan, [run('a', 20.762, 7174)]);
    expect(c!.gpuKey).toBe('l40s');
    expect(c!.memoryErrorPercent).toBeGreaterThan(-10);
    expect(c!.memoryErrorPercent).toBeLessThan(10);
    expect(c!.predictedTokensPerSecond).toBeGreaterThan(0);
  });

  it('derives median factors with their run counts; removing runs removes their influence', () => {
    const comparisons = compareRuns(plan, [run('a', 20, 7000), run('b', 22, null), run('c', 21, 7200)]);
    const predicted = comparisons[0]!.predictedMemoryBytes!;
    const f = factorFor(calibrationFactors(comparisons), 'lora', 'l40s')!;
    expect(f.memoryRuns).toBe(3);
    expect(f.memoryFactor).toBeCloseTo((21 * 2 ** 30) / predicted, 9);
    expect(f.throughputRuns).toBe(2);
    const fewer = factorFor(calibrationFactors(comparisons.slice(0, 1)), 'lora', 'l40s')!;
    expect(fewer.memoryRuns).toBe(1);
    expect(fewer.memoryFactor).toBeCloseTo((20 * 2 ** 30) / predicted, 9);
    expect(factorFor(calibrationFactors([]), 'lora', 'l40s')).toBeNull();
  });
});
