/**
 * "Your data" (issue 17): the user picks the data file they will train on and the model's tokenizer; in the
 * browser a Web Worker streams the picked File, in the desktop app a worker thread of the main process reads
 * it by the path its open dialog chose (desktop-runner.ts). Nothing is uploaded, nothing runs on the UI thread,
 * and only statistics come back: the token-length histogram with the plan's sequence length, p50/p95/max,
 * examples over the sequence length (truncated or dropped), real tokens per epoch, padding for random vs
 * length-grouped batches vs packing, and the worst batch. "Use these statistics in the plan" sets the plan's
 * examples, mean and longest example.
 * The file, its path and the statistics stay in this component; the file's name is kept only when asked.
 */
import { useCallback, useId, useMemo, useState, type ChangeEvent } from 'react';
import type { DataProgress } from '../../../shared/data/analyze';
import type { OutputOf } from '../../../shared/contract';
import type { DataStats, FieldMapping } from '../../../shared/domain/data-stats';
import type { TuneplanApi } from '../../api/client';
import { CheckField, Section } from '../../components/fields';
import { selectFieldClass } from '../../components/select-width';
import { count } from '../../format';
import type { Draft } from '../../state/draft';
import type { AnalysisRequest, AnalysisRunner } from './analysis';
import {
  batchingFor,
  computedTokens,
  histogramRows,
  keptExamples,
  longestKept,
  planHolds,
  planWithoutStats,
  planWithStats,
  statsForPlan,
} from './data-view';
import { desktopRunner, type PathAnalysisRequest } from './desktop-runner';
import { pickTokenizer, type TokenizerPick } from './file-source';
import { LengthHistogram } from './LengthHistogram';
import { useDataAnalysis, type RunStatus } from './use-data-analysis';
import { workerRunner } from './worker-runner';
import './data.css';

const DATA_ACCEPT = '.jsonl,.ndjson,.json,.csv,.parquet,.arrow';
const pct = (f: number) => `${(f * 100).toFixed(1)} %`;
const span = (v: number, [lo, hi]: readonly [number, number]) =>
  Math.round(lo) === Math.round(hi) ? count(v) : `${count(v)} (${count(lo)}–${count(hi)})`;
const bytes = (n: number) =>
  n >= 2 ** 30
    ? `${(n / 2 ** 30).toFixed(1)} GiB`
    : n >= 2 ** 20
      ? `${(n / 2 ** 20).toFixed(1)} MiB`
      : `${(n / 1024).toFixed(1)} KiB`;
/** A plan value being typed can be NaN or 0: the analysis then uses the schema's default. */
const positiveInt = (v: number, fallback: number) => (Number.isInteger(v) && v >= 1 ? v : fallback);

function progressText(p: DataProgress | null, pass: 'quick' | 'full'): { text: string; fraction: number | null } {
  if (!p) return { text: 'Starting…', fraction: null };
  const read = p.bytesTotal > 0 ? p.bytesRead / p.bytesTotal : 0;
  if (p.phase === 'scan')
    return {
      text: `Reading the file… ${Math.round(read * 100)} % (${count(p.examples)} examples)`,
      fraction: read,
    };
  if (p.toCount > 0)
    return {
      text: `Counting tokens… ${count(p.counted)} of ${count(p.toCount)} sampled examples`,
      fraction: p.counted / p.toCount,
    };
  return {
    text:
      `Counting tokens${pass === 'full' ? ' (full pass)' : ''}… ` +
      `${count(p.counted)} examples, ${Math.round(read * 100)} % read`,
    fraction: read,
  };
}

/** A path the desktop app's open dialog chose (`desktop:openPath`); read by the main process, never here. */
type PathPick = OutputOf<'desktop:openPath'>;

const tokenizerFiles = (t: TokenizerPick) =>
  (t.name ? `${t.name}: ` : '') +
  ['tokenizer.json', t.config ? 'tokenizer_config.json' : '', t.template ? 'chat_template.jinja' : '']
    .filter(Boolean)
    .join(' + ');

type MappingKind = 'text' | 'messages' | 'prompt';
const MAPPING_LABELS: Record<MappingKind, string> = {
  text: 'a text field',
  messages: 'a field of chat messages',
  prompt: 'a prompt and a completion field',
};

function FieldMappingForm({ fields, onApply }: { fields: string[]; onApply: (m: FieldMapping) => void }) {
  const id = useId();
  const [kind, setKind] = useState<MappingKind>('text');
  const [a, setA] = useState(fields[0] ?? '');
  const [b, setB] = useState(fields[1] ?? fields[0] ?? '');
  const select = (label: string, value: string, set: (v: string) => void, key: string) => (
    <div className={`field ${selectFieldClass(fields)}`}>
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <select id={`${id}-${key}`} value={value} onChange={(e) => set(e.target.value)}>
        {fields.map((f) => (
          <option key={f} value={f}>
            {f}
          </option>
        ))}
      </select>
    </div>
  );
  const mapping: FieldMapping =
    kind === 'text' ? { text: a } : kind === 'messages' ? { messages: a } : { prompt: a, completion: b };
  return (
    <form
      className="data-mapping"
      aria-label="Field mapping"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(mapping);
      }}
    >
      <div className="grid">
        <div className={`field ${selectFieldClass(Object.values(MAPPING_LABELS))}`}>
          <label htmlFor={`${id}-kind`}>Train on</label>
          <select id={`${id}-kind`} value={kind} onChange={(e) => setKind(e.target.value as MappingKind)}>
            {(Object.keys(MAPPING_LABELS) as MappingKind[]).map((k) => (
              <option key={k} value={k}>
                {MAPPING_LABELS[k]}
              </option>
            ))}
          </select>
        </div>
        {select(kind === 'text' ? 'Text field' : kind === 'messages' ? 'Messages field' : 'Prompt field', a, setA, 'a')}
        {kind === 'prompt' ? select('Completion field', b, setB, 'b') : null}
      </div>
      <button type="submit" disabled={fields.length === 0}>
        Analyze with this mapping
      </button>
    </form>
  );
}

function RunState({ status, onCancel }: { status: RunStatus; onCancel: () => void }) {
  if (status.kind === 'running') {
    const { text, fraction } = progressText(status.progress, status.pass);
    return (
      <div className="data-progress" role="status">
        <progress
          aria-label="Data analysis progress"
          max={1}
          {...(fraction === null ? {} : { value: Math.min(1, fraction) })}
        />
        <span>{text}</span>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    );
  }
  if (status.kind === 'cancelled')
    return (
      <p className="data-muted" role="status">
        Analysis cancelled.
      </p>
    );
  return null;
}

function Results({
  stats,
  seqLen,
  microBatch,
  overflow,
  onOverflow,
  draft,
  onUse,
  keptName,
  fromPlan,
}: {
  stats: DataStats;
  seqLen: number;
  microBatch: number;
  overflow: 'truncate' | 'drop';
  onOverflow: (o: 'truncate' | 'drop') => void;
  draft: Draft;
  onUse: (d: Draft) => void;
  /** The file's base name when the user asked to keep it; null keeps no name. */
  keptName: string | null;
  /** True when these are the statistics the plan holds (no analysis on screen). */
  fromPlan: boolean;
}) {
  const name = useId();
  const batching = useMemo(
    () => batchingFor(stats, { seqLen, microBatch, overflow }),
    [stats, seqLen, microBatch, overflow],
  );
  const rows = useMemo(() => histogramRows(stats), [stats]);
  const l = stats.lengths;
  const spe = l.sequencesPerExample;
  const next = planWithStats(draft, statsForPlan(stats, batching, fromPlan ? (stats.source.name ?? null) : keptName));
  const inPlan = planHolds(draft, next);
  const padded: Array<[string, number, string]> = [
    ['Random batches', batching.paddingRandom, 'each micro-batch padded to its longest example'],
    ['Length-grouped', batching.paddingGrouped, 'group_by_length: similar lengths batched together'],
    [
      'Packed',
      batching.paddingPacked,
      `examples packed into ${count(batching.packedSequences)} sequences of ${count(seqLen)}`,
    ],
  ];
  return (
    <div className="data-results">
      <p className="data-summary">
        {count(stats.examples)} examples ({stats.source.format}, {stats.source.shape.replace('_', ' + ')}
        {spe === 2 ? ', 2 sequences each' : ''}) ·{' '}
        {stats.tokenizer.kind === 'tokenizer'
          ? `${stats.tokenizer.name}${stats.tokenizer.chatTemplate ? ' with its chat template' : ''}`
          : 'no tokenizer: estimated from bytes'}
      </p>
      {fromPlan ? (
        <p className="data-muted">
          The statistics this plan holds{stats.source.name ? ` (${stats.source.name})` : ''}: pick the file again to
          recount.
        </p>
      ) : null}
      <p className="data-muted">{stats.pass.note}</p>
      {stats.warnings.length ? (
        <ul className="data-warnings" aria-label="Data warnings">
          {stats.warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      ) : null}
      {stats.malformed.first.length ? (
        <details className="data-issues">
          <summary>Malformed records</summary>
          <ul>
            {stats.malformed.first.map((i) => (
              <li key={i.line}>
                line {i.line}: {i.message}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      <LengthHistogram rows={rows} seqLen={seqLen} />
      <table className="data-table data-figures" aria-label="Token lengths">
        <tbody>
          <tr>
            <th scope="row">Tokens per example</th>
            <td>
              p50 {span(l.p50, l.p50Range)} · p95 {span(l.p95, l.p95Range)} · max {span(l.max, l.maxRange)}
            </td>
          </tr>
          <tr>
            <th scope="row">Over the sequence length</th>
            <td>
              {count(batching.overSeqLen)} example{batching.overSeqLen === 1 ? '' : 's'} over {count(seqLen)} tokens
              {batching.overSeqLen > 0
                ? ` (${count(batching.overSeqLenTokens)} tokens ${overflow === 'drop' ? 'dropped' : 'cut'})`
                : ''}
            </td>
          </tr>
          <tr>
            <th scope="row">Real tokens per epoch</th>
            <td>{span(batching.tokensPerEpoch, batching.tokensPerEpochRange)}</td>
          </tr>
        </tbody>
      </table>
      <fieldset className="data-overflow">
        <legend>Examples longer than the sequence length</legend>
        {(['truncate', 'drop'] as const).map((o) => (
          <label key={o} className="radio">
            <input type="radio" name={name} checked={overflow === o} onChange={() => onOverflow(o)} />{' '}
            {o === 'truncate' ? 'Truncate them (the trainer default)' : 'Drop them'}
          </label>
        ))}
      </fieldset>
      <table className="data-table" aria-label="Padding and packing">
        <thead>
          <tr>
            <th scope="col">Micro-batch {count(microBatch)}</th>
            <th scope="col">Padding</th>
            <th scope="col">Tokens computed per epoch</th>
          </tr>
        </thead>
        <tbody>
          {padded.map(([label, f, hint]) => (
            <tr key={label}>
              <th scope="row" title={hint}>
                {label}
              </th>
              <td>{pct(f)}</td>
              <td>{count(computedTokens(batching.tokensPerEpoch, f))}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="data-worst">
        <strong>Worst batch:</strong> {count(batching.peakBatchTokensPadded)} tokens padded ({count(microBatch)}
        {spe === 2 ? ' × 2' : ''} × the longest example, {count(longestKept(stats, batching))} tokens),{' '}
        {count(batching.peakBatchTokensUnpadded)} without padding; a random batch averages{' '}
        {count(batching.expectedBatchTokensRandom)}.
      </p>
      <div className="data-use">
        <button
          type="button"
          className="primary"
          disabled={next === null || inPlan}
          onClick={() => next && onUse(next)}
        >
          {inPlan ? 'The plan uses these statistics' : 'Use these statistics in the plan'}
        </button>
        {draft.data.stats ? (
          <button type="button" onClick={() => onUse(planWithoutStats(draft))}>
            Remove the statistics from the plan
          </button>
        ) : null}
        <span className="data-muted">
          {next
            ? `sets ${count(keptExamples(stats, batching))} examples, ` +
              `${next.data.meanTokensPerExample.toLocaleString('en-US')} mean tokens and ` +
              `the longest example ${count(next.data.maxTokensPerExample ?? 0)} tokens`
            : 'no example trains at this sequence length'}
        </span>
      </div>
    </div>
  );
}

export function DataFileSection({
  draft,
  onChange,
  runner = workerRunner,
  api,
}: {
  draft: Draft;
  onChange: (d: Draft) => void;
  /** Where a picked File is analysed: the Web Worker; tests pass the same analysis in-process. */
  runner?: AnalysisRunner;
  /** The app's API: over IPC (the desktop app) files are chosen with the native dialog and read by path. */
  api?: TuneplanApi;
}) {
  const id = useId();
  const desktop = api?.transport === 'ipc' ? api : null;
  const viaMain = useMemo(() => (desktop ? desktopRunner(desktop) : null), [desktop]);
  const both = useCallback(
    (request: AnalysisRequest | PathAnalysisRequest, onProgress: (p: DataProgress) => void, signal: AbortSignal) =>
      'dataPath' in request
        ? viaMain
          ? viaMain(request, onProgress, signal)
          : Promise.reject(new Error('reading by path needs the desktop app'))
        : runner(request, onProgress, signal),
    [viaMain, runner],
  );
  const { status, stats, start, cancel, clear } = useDataAnalysis(both);
  const [file, setFile] = useState<File | null>(null);
  // Desktop: the paths the native dialog chose (kept in this component only, like the File in the browser).
  const [dataPick, setDataPick] = useState<PathPick | null>(null);
  const [tokenizerPick, setTokenizerPick] = useState<PathPick | null>(null);
  const [pickError, setPickError] = useState<string | null>(null);
  const [tokenizer, setTokenizer] = useState<TokenizerPick | null>(null);
  const [tokenizerError, setTokenizerError] = useState<string | null>(null);
  // null: the choice the shown statistics were made with (the plan's, once stored).
  const [overflowChoice, setOverflow] = useState<'truncate' | 'drop' | null>(null);
  const [mapping, setMapping] = useState<FieldMapping | undefined>(undefined);
  const [keepName, setKeepName] = useState(false);
  const seqLen = positiveInt(draft.training.seqLen, 2048);
  const microBatch = positiveInt(draft.training.microBatch, 4);
  const running = status.kind === 'running';
  const picked = desktop ? dataPick !== null : file !== null;
  // A fresh analysis, else the statistics the plan holds (saved with it, so they come back with the plan).
  const shown = stats ?? draft.data.stats ?? null;
  const fromPlan = stats === null && shown !== null;
  const overflow = overflowChoice ?? shown?.batching.overflow ?? 'truncate';
  // The file's name goes into the plan's statistics only when the user ticks "Remember the file name".
  const pickedName = desktop ? (dataPick?.name ?? null) : (file?.name ?? null);
  const keptName = keepName ? pickedName : null;

  const run = (pass: 'quick' | 'full', withMapping = mapping) => {
    const options = { pass, seqLen, microBatch, overflow, keepName, ...(withMapping ? { mapping: withMapping } : {}) };
    if (desktop) {
      if (dataPick) start({ dataPath: dataPick.path, tokenizerPath: tokenizerPick?.path, options });
      return;
    }
    if (!file) return;
    start({ file, tokenizer: tokenizer ?? undefined, options });
  };
  const choose = (purpose: 'dataFile' | 'dataFolder' | 'tokenizerFile' | 'tokenizerFolder') => {
    if (!desktop) return;
    void desktop.invoke('desktop:openPath', { purpose }).then((r) => {
      if (!r.ok) {
        if (r.error.code !== 'CANCELLED') setPickError(r.error.message);
        return;
      }
      setPickError(null);
      if (purpose === 'dataFile' || purpose === 'dataFolder') {
        setDataPick(r.data);
        setMapping(undefined);
        clear();
      } else {
        setTokenizerPick(r.data);
        setTokenizerError(null);
      }
    });
  };
  const onDataFile = (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0] ?? null;
    setFile(f);
    setMapping(undefined);
    clear();
  };
  const onTokenizer = (e: ChangeEvent<HTMLInputElement>) => {
    const files = Array.from(e.target.files ?? []);
    if (files.length === 0) return;
    const pick = pickTokenizer(files);
    if (typeof pick === 'string') {
      setTokenizer(null);
      setTokenizerError(pick);
    } else {
      setTokenizer(pick);
      setTokenizerError(null);
    }
  };
  const summary = shown
    ? `p95 ${count(shown.lengths.p95)} · max ${count(shown.lengths.max)} tokens per example`
    : 'your data file and tokenizer: real lengths, padding, packing';

  return (
    <Section title="Your data" summary={summary}>
      <p className="hint">
        {desktop
          ? 'Read where it lies, by the app in a background thread: nothing is copied, and the plan keeps only the ' +
            "statistics (the file's name only if you ask). JSON Lines, JSON, CSV, Parquet, a datasets Arrow file or " +
            'a save_to_disk folder.'
          : 'Read here, in a background worker: nothing is uploaded, ' +
            "and the plan keeps only the statistics (the file's " +
            'name only if you ask). JSON Lines, JSON, CSV, Parquet or a datasets Arrow file.'}
      </p>
      {desktop ? (
        <div className="data-pickers">
          <div className="field">
            <label htmlFor={`${id}-file`}>Data file</label>
            <button id={`${id}-file`} type="button" onClick={() => choose('dataFile')} disabled={running}>
              Choose data file…
            </button>
            <button type="button" className="link" onClick={() => choose('dataFolder')} disabled={running}>
              or a save_to_disk folder…
            </button>
            {dataPick ? (
              <p className="hint">
                {dataPick.name}
                {dataPick.folder ? ' (a datasets folder)' : `, ${bytes(dataPick.sizeBytes)}`}, read in place
              </p>
            ) : null}
            {pickError ? (
              <p className="field-error" role="alert">
                {pickError}
              </p>
            ) : null}
          </div>
          <div className="field">
            <label htmlFor={`${id}-tok`}>Tokenizer files</label>
            <button
              id={`${id}-tok`}
              type="button"
              onClick={() => choose('tokenizerFile')}
              disabled={running}
              aria-describedby={`${id}-tok-hint`}
            >
              Choose tokenizer.json…
            </button>
            <button type="button" className="link" onClick={() => choose('tokenizerFolder')} disabled={running}>
              or the model folder…
            </button>
            <p className="hint" id={`${id}-tok-hint`}>
              {tokenizerPick
                ? `${tokenizerPick.name}` +
                  (tokenizerPick.folder ? ' (its tokenizer.json and tokenizer_config.json)' : '')
                : 'tokenizer.json (with tokenizer_config.json beside it: its chat template and special tokens). ' +
                  'Without them, tokens are estimated from bytes.'}
            </p>
            {tokenizerPick ? (
              <button type="button" className="link" onClick={() => setTokenizerPick(null)} disabled={running}>
                Forget the tokenizer
              </button>
            ) : null}
          </div>
        </div>
      ) : (
        <div className="data-pickers">
          <div className="field">
            <label htmlFor={`${id}-file`}>Data file</label>
            <input id={`${id}-file`} type="file" accept={DATA_ACCEPT} onChange={onDataFile} disabled={running} />
            {file ? <p className="hint">{bytes(file.size)}, read in place</p> : null}
          </div>
          <div className="field">
            <label htmlFor={`${id}-tok`}>Tokenizer files</label>
            <input
              id={`${id}-tok`}
              type="file"
              multiple
              accept=".json,.jinja"
              onChange={onTokenizer}
              disabled={running}
              aria-describedby={`${id}-tok-hint`}
            />
            <label htmlFor={`${id}-dir`} className="data-folder">
              or the model folder
            </label>
            <input
              id={`${id}-dir`}
              type="file"
              onChange={onTokenizer}
              disabled={running}
              {...{ webkitdirectory: '', directory: '' }}
            />
            <p
              className={tokenizerError ? 'field-error' : 'hint'}
              id={`${id}-tok-hint`}
              role={tokenizerError ? 'alert' : undefined}
            >
              {tokenizerError ??
                (tokenizer
                  ? tokenizerFiles(tokenizer)
                  : 'tokenizer.json and tokenizer_config.json (its chat template and special tokens). ' +
                    'Without them, tokens are estimated from bytes.')}
            </p>
            {tokenizer ? (
              <button type="button" className="link" onClick={() => setTokenizer(null)} disabled={running}>
                Forget the tokenizer
              </button>
            ) : null}
          </div>
        </div>
      )}
      <div className="data-actions">
        <button type="button" className="primary" disabled={!picked || running} onClick={() => run('quick')}>
          Analyze (quick pass)
        </button>
        <button type="button" disabled={!picked || running} onClick={() => run('full')}>
          Full exact pass
        </button>
        <CheckField
          label="Remember the file name"
          checked={keepName}
          onChange={setKeepName}
          hint="Off: the plan keeps neither the file's name nor its folder."
        />
      </div>
      <p className="data-muted">
        The quick pass counts 5,000 evenly spaced examples with the tokenizer and extrapolates the rest (with a range);
        the full pass counts every example.
      </p>
      <RunState status={status} onCancel={cancel} />
      {status.kind === 'failed' ? (
        <div className="banner error" role="alert">
          <p>{status.message}</p>
          {status.fields ? (
            <FieldMappingForm
              fields={status.fields}
              onApply={(m) => {
                setMapping(m);
                run('quick', m);
              }}
            />
          ) : null}
        </div>
      ) : null}
      {shown ? (
        <>
          {keptName && !fromPlan ? <p className="data-muted">File: {keptName}</p> : null}
          <Results
            stats={shown}
            seqLen={seqLen}
            microBatch={microBatch}
            overflow={overflow}
            onOverflow={setOverflow}
            draft={draft}
            onUse={onChange}
            keptName={keptName}
            fromPlan={fromPlan}
          />
        </>
      ) : null}
    </Section>
  );
}
