import { useId, useMemo, useState } from 'react';
import { ConfigImportError, parseHfConfig } from '../../../shared/catalog/hf-config';
import { CATALOG_MODELS } from '../../../shared/catalog/models';
import { describeArchitecture } from '../../../shared/estimate/architecture';
import { Section } from '../../components/fields';
import { compactParams } from '../../format';
import type { TuneplanApi } from '../../api/client';
import { useQuery } from '../../api/use-query';
import type { Draft } from './draft';

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

  const importConfig = async (file: { name: string; size: number; text: () => Promise<string> }) => {
    setImportError(null);
    try {
      if (file.size > 5 * 1024 * 1024)
        throw new ConfigImportError('That file is over 5 MB; a config.json is a few KB.');
      const text = await file.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new ConfigImportError(`${file.name} is not valid JSON.`);
      }
      const parsed = parseHfConfig(
        json,
        file.name.replace(/(-config)?\.json$/i, '').replace(/^config$/i, 'Custom model'),
      );
      onChange({ ...draft, model: { source: 'custom', spec: parsed } });
      // Keep it for reuse in other plans.
      const stored = await api.invoke('models:save', { spec: parsed });
      if (stored.ok) models.reload();
      else setImportError(stored.error.message);
    } catch (e) {
      setImportError(e instanceof Error ? e.message : String(e));
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
        <div className={error ? 'field invalid' : 'field'}>
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
        <div className="field">
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
              onChange={(e) => e.target.files?.[0] && void importConfig(e.target.files[0])}
            />
          )}
          {importError ? (
            <p className="field-error" role="alert">
              {importError}
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
          {spec.moe ? ` (${arch.activeParams.toLocaleString('en-US')} active)` : ''} · {spec.numLayers} layers · hidden{' '}
          {spec.hiddenSize} · {spec.numHeads} heads / {spec.numKvHeads} KV heads · vocabulary{' '}
          {spec.vocabSize.toLocaleString('en-US')} · {spec.modelType}
          {spec.fusedQkv ? ' (fused qkv_proj, gate_up_proj)' : ''}
        </p>
      ) : null}
    </Section>
  );
}
