import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lengthsOf, paddedSteps, readReferenceDatasets, recordData } from '../../electron/cli/reference-datasets';
import type { ReferenceRecord } from '../../electron/cli/reference';

const root = path.resolve(__dirname, '../..');
const datasets = readReferenceDatasets(root);

const torchtuneRecord: ReferenceRecord = {
  id: 'x',
  value_kind: 'measured',
  model: 'meta-llama/Llama-3.2-3B',
  technique: 'full',
  peft_config: null,
  precision: 'bf16',
  optimizer: 'AdamW',
  micro_batch_size: 2,
  gradient_accumulation_steps: 1,
  sequence_length: 4096,
  gradient_checkpointing: false,
  num_gpus: 1,
  gpu_type: 'NVIDIA A100',
  zero_stage: null,
  offload: 'none',
  peak_gpu_mem_gib_normalized: 25.5,
  memory_metric: 'Peak Memory Active',
  throughput_value: null,
  throughput_unit: null,
  trainable_params: null,
  sequence_length_note: 'alpaca (unpacked; padded per batch, max_seq_len 4096; most samples far shorter)',
  source_url: 'https://github.com/pytorch/torchtune/blob/bd2a0fc7c31430972728494fa01aaeeb0ebf1ba1/README.md',
};

describe('reference datasets (tests/fixtures/reference-datasets.json)', () => {
  it('holds alpaca-cleaned as read from its published histogram, with its source', () => {
    const d = datasets['alpaca-cleaned']!;
    expect(d.source_url).toMatch(/AlpacaDataCleaned\/blob\/[0-9a-f]{40}\/assets\/prompt_length_distribution\.png$/);
    expect(d.counts).toHaveLength(100);
    // The dataset has 51,760 rows; the bars read hold all but the ones under a pixel high.
    const total = d.counts.reduce((a, c) => a + c, 0);
    expect(total).toBeGreaterThan(51_000);
    expect(total).toBeLessThanOrEqual(51_760);
    for (let i = 1; i < d.edges.length; i++) expect(d.edges[i]!).toBeGreaterThan(d.edges[i - 1]!);
    // matplotlib's range is the data's minimum to maximum: the last bin holds the longest example.
    expect(d.counts.at(-1)).toBeGreaterThan(0);
  });

  it('spreads each bin evenly and maps it to the model tokens', () => {
    // Two bins: [0, 10) with 2 examples (at 2.5 and 7.5) and [10, 20) with 1 (at 15); Llama 3 = 0.5 × + 1.
    const l = lengthsOf([0, 10, 20], [2, 1], { slope: 0.5, intercept: 1 });
    expect(Array.from(l)).toEqual([2, 5, 9]);
  });

  it('sizes random padded steps: expected longest of b, the low quantile step, the longest batch', () => {
    const lengths = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    const one = paddedSteps(lengths, 1, 4096);
    expect(one.expected).toBeCloseTo(50.5, 6);
    expect(one.mean).toBeCloseTo(50.5, 6);
    expect(one.low).toBe(5);
    expect(one.longest).toBe(100);
    // b = 2: E[max] = Σ x ((x/n)² − ((x−1)/n)²) = 67.165 for 1..100; the 5th-percentile step is the 22.4th
    // percentile example (0.05^(1/2)), rank 23.
    const two = paddedSteps(lengths, 2, 4096);
    expect(two.expected).toBeCloseTo(67.165, 3);
    expect(two.low).toBe(23);
    // Truncation at the sequence length caps every length.
    expect(paddedSteps(lengths, 2, 60).longest).toBe(60);
  });

  it('maps a torchtune alpaca record on a Llama 3 model to alpaca-cleaned, and nothing else', () => {
    const data = recordData(torchtuneRecord, datasets)!;
    expect(data.dataset).toBe('alpaca-cleaned');
    // The longest example sits on the histogram's last edge: 1,584.5 LLaMA tokens → 0.8305 × 1,584.5 + 7.38 = 1,323.
    expect(data.lengths[data.lengths.length - 1]).toBe(1_323);
    expect(recordData({ ...torchtuneRecord, model: 'mistralai/Mistral-7B-v0.1' }, datasets)).toBeNull();
    expect(recordData({ ...torchtuneRecord, sequence_length_note: 'packed to 4096 tokens' }, datasets)).toBeNull();
    expect(
      recordData({ ...torchtuneRecord, source_url: 'https://github.com/huggingface/peft/blob/main/x.md' }, datasets),
    ).toBeNull();
  });
});
