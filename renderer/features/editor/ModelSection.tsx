import { useEffect, useId, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { ConfigImportError, readHfConfigText } from '../../../shared/catalog/hf-config';
import { hubRepoIdFromText, hubRepoIdProblem } from '../../../shared/catalog/hub-repo-id';
import { CATALOG_MODELS } from '../../../shared/catalog/models';
import type { StoredModel } from '../../../shared/contract';
import type { ModelSpec } from '../../../shared/domain/model-spec';
import { describeArchitecture } from '../../../shared/estimate/architecture';
import { sameName, uniqueName } from '../../../shared/naming';
import { Section } from '../../components/fields';
import { LinkedText } from '../../components/linked-text';
import { SELECT_WIDE_CLASS } from '../../components/select-width';
import { compactParams } from '../../format';
import type { TuneplanApi } from '../../api/client';
import { useQuery } from '../../api/use-query';
import type { Draft } from '../../state/draft';

/** The file a config.json import reads; `folder` only where the app knows it (desktop dialog). */
interface ConfigFile {
  name: string;
  size: number;
  folder?: string | undefined;
  /** Fetched from the Hugging Face Hub: the model is named after this repo id (and exports load it by it). */
  hubId?: string | undefined;
  text: () => Promise<string>;
}

/** navigator.onLine, kept current by the window's online/offline events. */
const subscribeOnline = (onChange: () => void) => {
  window.addEventListener('online', onChange);
  window.addEventListener('offline', onChange);
  return () => {
    window.removeEventListener('online', onChange);
    window.removeEventListener('offline', onChange);
  };
};
const isOnline = () => navigator.onLine;

/** Same architecture, whatever the name: re-importing the same file stores no copy. */
const sameSpec = (a: ModelSpec, b: ModelSpec) => {
  const key = (s: ModelSpec) =>
    JSON.stringify(
      Object.entries({ ...s, name: '' })
        .filter(([, v]) => v !== undefined)
        .sort(([x], [y]) => x.localeCompare(y)),
    );
  return key(a) === key(b);
};

const contextLabel = (n: number) => (n >= 1024 ? `${Math.round(n / 1024)}k` : String(n));

export function ModelSection({
  api,
  draft,
  onChange,
  error,
}: {
  api: TuneplanApi;
  draft: Draft;
  onChange: (d: Draft) => void;
  error?: string | undefined;
}) {
  const id = useId();
  const models = useQuery(api, 'models:list', {});
  const saved = models.data ?? [];
  const [query, setQuery] = useState('');
  const [importError, setImportError] = useState<string | null>(null);
  const [importNote, setImportNote] = useState<string | null>(null);
  /** Fetching a config.json by Hub id (issue 16): only when the user asks, through the backend, never from here. */
  const [hubText, setHubText] = useState('');
  const [hubBusy, setHubBusy] = useState(false);
  const [hubError, setHubError] = useState<string | null>(null);
  const online = useSyncExternalStore(subscribeOnline, isOnline, () => true);
  const hubId = hubRepoIdFromText(hubText);
  const hubProblem = hubText.trim() ? hubRepoIdProblem(hubId) : null;
  /** An imported model whose name is taken: the user picks keep both (default) or replace. */
  const [clash, setClash] = useState<{ spec: ModelSpec; existing: StoredModel; newName: string } | null>(null);
  const keepBothRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (clash) keepBothRef.current?.focus();
  }, [clash]);
  // The draft as it is when an async import finishes, not as it was when it started.
  const draftRef = useRef(draft);
  useEffect(() => {
    draftRef.current = draft;
  }, [draft]);
  const pickSpec = (s: ModelSpec) => onChange({ ...draftRef.current, model: { source: 'custom', spec: s } });
  const spec =
    draft.model.source === 'custom'
      ? draft.model.spec
      : CATALOG_MODELS.find((m) => m.id === (draft.model as { id: string }).id)?.spec;
  const arch = useMemo(() => (spec ? describeArchitecture(spec) : null), [spec]);
  const filtered = CATALOG_MODELS.filter((m) =>
    `${m.id} ${m.family} ${m.spec.modelType}`.toLowerCase().includes(query.toLowerCase()),
  );
  const summary =
    spec && arch
      ? `${spec.name} · ${compactParams(arch.totalParams)} params · ${contextLabel(spec.maxPositionEmbeddings)} context`
      : 'no model';

  /** Stores the model (keeping both on a name clash unless `replace` names the one to overwrite), then uses it. */
  const store = async (parsed: ModelSpec, replace?: StoredModel) => {
    setClash(null);
    const stored = await api.invoke(
      'models:save',
      replace ? { spec: parsed, onConflict: 'replace', replaceId: replace.id } : { spec: parsed },
    );
    if (!stored.ok) {
      // Not kept for reuse, but this plan can still use it.
      pickSpec(parsed);
      setImportError(stored.error.message);
      return;
    }
    // The plan refers to the model by the name it was kept as ("X (2)" when both are kept).
    pickSpec(stored.data.spec);
    models.reload();
    setImportNote(
      replace
        ? `Replaced the saved model “${stored.data.name}”.`
        : stored.data.name === parsed.name
          ? `Saved “${stored.data.name}” to your models.`
          : `Kept both: the new model is saved as “${stored.data.name}”.`,
    );
  };

  const importConfig = async (file: ConfigFile) => {
    setImportError(null);
    setImportNote(null);
    setClash(null);
    try {
      if (file.size > 5 * 1024 * 1024)
        throw new ConfigImportError('That file is over 5 MB; a config.json is a few KB.');
      // Named from the content (shared/naming.ts): every real file is called config.json (issue 11.1).
      const read = readHfConfigText(await file.text(), { fileName: file.name, folder: file.folder });
      const parsed = file.hubId ? { ...read, name: file.hubId, hfId: file.hubId } : read;
      const current = await api.invoke('models:list', {});
      const kept = current.ok ? current.data : saved;
      const existing = kept.find((m) => sameName(m.name, parsed.name));
      if (!existing) return await store(parsed);
      if (sameSpec(existing.spec, parsed)) {
        pickSpec(existing.spec);
        setImportNote(`This model is already saved as “${existing.name}”; the plan now uses it.`);
        return;
      }
      setClash({
        spec: parsed,
        existing,
        newName: uniqueName(
          parsed.name,
          kept.map((m) => m.name),
        ),
      });
    } catch (e) {
      setImportError(e instanceof Error ? e.message : String(e));
    }
  };

  // After a failed fetch, focus goes back to the Fetch button (the button is inert while busy; focus must never be
  // left on the page body), unless the user has moved on to another control meanwhile.
  const fetchRef = useRef<HTMLButtonElement>(null);
  const [refocus, setRefocus] = useState(0);
  useEffect(() => {
    if (refocus === 0) return;
    const active = document.activeElement;
    if (!active || active === document.body || active === fetchRef.current) fetchRef.current?.focus();
  }, [refocus]);

  const fetchFromHub = async () => {
    if (!hubId || hubProblem || hubBusy) return;
    setHubError(null);
    setHubBusy(true);
    try {
      const r = await api.invoke('models:fetchHubConfig', { repoId: hubId });
      if (!r.ok) {
        setHubError(r.error.message);
        setRefocus((n) => n + 1);
        return;
      }
      await importConfig({
        name: 'config.json',
        size: r.data.text.length,
        hubId: r.data.name,
        text: () => Promise.resolve(r.data.text),
      });
    } finally {
      setHubBusy(false);
    }
  };

  return (
    <Section title="Model" summary={summary}>
      <div className="grid">
        <div className="field">
          <label htmlFor={`${id}-search`}>Search models</label>
          <input
            id={`${id}-search`}
            type="search"
            placeholder="Phi, Llama, Qwen, Mistral, Gemma…"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
        </div>
        {/* Every option reads "id — size, context": longer than a grid cell, so the field takes a whole row. */}
        <div className={`field ${SELECT_WIDE_CLASS}${error ? ' invalid' : ''}`}>
          <label htmlFor={`${id}-model`}>Model</label>
          <select
            id={`${id}-model`}
            value={draft.model.source === 'catalog' ? draft.model.id : `custom:${draft.model.spec.name}`}
            onChange={(e) => {
              const v = e.target.value;
              if (v.startsWith('custom:')) {
                const m = saved.find((x) => `custom:${x.name}` === v);
                if (m) onChange({ ...draft, model: { source: 'custom', spec: m.spec } });
              } else onChange({ ...draft, model: { source: 'catalog', id: v } });
            }}
          >
            {draft.model.source === 'custom' &&
            !saved.some((m) => m.name === (draft.model as { spec: { name: string } }).spec.name) ? (
              <option value={`custom:${draft.model.spec.name}`}>{draft.model.spec.name} (from config.json)</option>
            ) : null}
            <optgroup label="Built-in catalog">
              {filtered.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.id} — {compactParams(m.catalogComputedTotal)}, {contextLabel(m.spec.maxPositionEmbeddings)} context
                </option>
              ))}
            </optgroup>
            {saved.length > 0 ? (
              <optgroup label="Your models (config.json)">
                {saved.map((m) => (
                  <option key={m.id} value={`custom:${m.name}`}>
                    {m.name} — {compactParams(describeArchitecture(m.spec).totalParams)},{' '}
                    {contextLabel(m.spec.maxPositionEmbeddings)} context
                  </option>
                ))}
              </optgroup>
            ) : null}
          </select>
          {error ? (
            <p className="field-error" role="alert">
              {error}
            </p>
          ) : null}
        </div>
        {/* A whole row: the repo id reads in full, and so does a failed fetch's message with its download link. */}
        <div className="field wide">
          <label htmlFor={`${id}-hub`}>Fetch config.json from the Hub</label>
          <div className="control-row">
            <input
              id={`${id}-hub`}
              type="text"
              placeholder="Qwen/Qwen2.5-7B-Instruct"
              spellCheck={false}
              autoComplete="off"
              value={hubText}
              aria-invalid={hubProblem ? true : undefined}
              aria-describedby={`${id}-hub-hint`}
              onChange={(e) => setHubText(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && online) void fetchFromHub();
              }}
            />
            <button
              ref={fetchRef}
              type="button"
              // Busy: aria-disabled, not disabled, so the focused button keeps focus through the fetch.
              disabled={!online || !hubText.trim() || hubProblem !== null}
              aria-disabled={hubBusy || undefined}
              onClick={() => void fetchFromHub()}
            >
              {hubBusy ? 'Fetching…' : 'Fetch'}
            </button>
          </div>
          {hubError ? (
            <p className="field-error" role="alert" id={`${id}-hub-hint`}>
              <LinkedText text={hubError} />
            </p>
          ) : (
            <p className={hubProblem ? 'field-error' : 'hint'} id={`${id}-hub-hint`}>
              {!online
                ? 'You’re offline, so nothing can be fetched: download config.json from the model’s page on ' +
                  'huggingface.co and use Import config.json… instead.'
                : (hubProblem ??
                  'A Hub model id or page address; asked only when you press Fetch. Gated models need their ' +
                    'licence accepted first.')}
            </p>
          )}
        </div>
        <div className="field wide">
          <label htmlFor={`${id}-import`}>Import config.json…</label>
          {api.transport === 'ipc' ? (
            <button
              id={`${id}-import`}
              type="button"
              onClick={() =>
                void api.invoke('desktop:openJson', { title: 'Import a Hugging Face config.json' }).then((r) => {
                  if (r.ok)
                    void importConfig({
                      name: r.data.name,
                      size: r.data.text.length,
                      folder: r.data.folder,
                      text: () => Promise.resolve(r.data.text),
                    });
                  else if (r.error.code !== 'CANCELLED') setImportError(r.error.message);
                })
              }
            >
              Choose config.json…
            </button>
          ) : (
            <input
              id={`${id}-import`}
              type="file"
              accept=".json,application/json"
              onChange={(e) => {
                const f = e.target.files?.[0];
                // Cleared so that choosing the same file again (say, after Cancel) fires again.
                e.target.value = '';
                if (f) void importConfig(f);
              }}
            />
          )}
          {clash ? (
            <div className="confirm" role="group" aria-label="A model with this name is already saved">
              <p>
                A different model named “{clash.existing.name}” is already saved (
                {compactParams(describeArchitecture(clash.existing.spec).totalParams)} params,{' '}
                {clash.existing.spec.numLayers} layers; the new one has{' '}
                {compactParams(describeArchitecture(clash.spec).totalParams)} params, {clash.spec.numLayers} layers).
                Keep both, saving the new one as “{clash.newName}”, or replace the saved one?
              </p>
              <button type="button" className="primary" ref={keepBothRef} onClick={() => void store(clash.spec)}>
                Keep both
              </button>
              <button type="button" onClick={() => void store(clash.spec, clash.existing)}>
                Replace “{clash.existing.name}”
              </button>
              <button type="button" onClick={() => setClash(null)}>
                Cancel
              </button>
            </div>
          ) : null}
          {importError ? (
            <p className="field-error" role="alert">
              {importError}
            </p>
          ) : importNote ? (
            <p className="hint" role="status">
              {importNote}
            </p>
          ) : (
            <p className="hint">
              Any Hugging Face decoder config (llama, mistral, mixtral, phi3, phimoe, qwen2, gemma2, …).
            </p>
          )}
        </div>
      </div>
      {spec && arch ? (
        <p className="model-facts" data-testid="model-facts">
          {spec.name}: {arch.totalParams.toLocaleString('en-US')} parameters
          {spec.moe ? ` (${arch.activeParams.toLocaleString('en-US')} active)` : ''} · {spec.numLayers} layers ·{' '}
          {`hidden ${spec.hiddenSize}`} · {spec.numHeads} heads / {spec.numKvHeads} KV heads · vocabulary{' '}
          {spec.vocabSize.toLocaleString('en-US')} · {spec.modelType}
          {spec.fusedQkv ? ' (fused qkv_proj, gate_up_proj)' : ''}
        </p>
      ) : null}
    </Section>
  );
}
