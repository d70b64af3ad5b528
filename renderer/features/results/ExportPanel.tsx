import { strToU8, zipSync } from 'fflate';
import { useMemo, useState } from 'react';
import type { Plan } from '../../../shared/domain/plan';
import { TECHNIQUE_LABELS } from '../../../shared/estimate/techniques';
import {
  EXPORT_FORMATS,
  exportFiles,
  FORMAT_LABELS,
  slugify,
  type ExportFormat,
} from '../../../shared/exporters/training';
import { APP_VERSION as VERSION } from '../../../shared/version';
import { selectFieldClass } from '../../components/select-width';
import { downloadBlob } from '../../download';

/** Ready-to-run training configs for one technique and platform, previewed and downloaded file by file. */
export function ExportPanel({ plan }: { plan: Plan }) {
  const [format, setFormat] = useState<ExportFormat>('hf');
  const [index, setIndex] = useState(0);
  const technique = Math.min(index, plan.techniques.length - 1);
  const result = useMemo(() => {
    try {
      return { files: exportFiles(plan, format, technique, VERSION), error: null };
    } catch (e) {
      return { files: [], error: (e as Error).message };
    }
  }, [plan, format, technique]);
  const [open, setOpen] = useState<string | null>(null);
  const prefix = format === 'json' ? '' : `${plan.techniques[technique]?.kind ?? 'technique'}-`;
  const download = (f: { path: string; content: string; mediaType: string }) =>
    downloadBlob(new Blob([f.content], { type: f.mediaType }), `${prefix}${f.path}`);
  // Browsers block many downloads from one click: "all" is one zip of the folder.
  const downloadAll = () => {
    const folder = `${slugify(plan.name)}-${format === 'json' ? 'json' : `${prefix}${format}`}`;
    const zip = zipSync(Object.fromEntries(result.files.map((f) => [`${folder}/${f.path}`, strToU8(f.content)])), {
      level: 6,
    });
    downloadBlob(new Blob([zip], { type: 'application/zip' }), `${folder}.zip`);
  };
  const techniqueLabels = plan.techniques.map((t, i) => `${i + 1}. ${TECHNIQUE_LABELS[t.kind]}`);
  return (
    <div className="export">
      <div className="grid">
        <label className={`field ${selectFieldClass(EXPORT_FORMATS.map((f) => FORMAT_LABELS[f]))}`}>
          Format
          <select value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)}>
            {EXPORT_FORMATS.map((f) => (
              <option key={f} value={f}>
                {FORMAT_LABELS[f]}
              </option>
            ))}
          </select>
        </label>
        {format !== 'json' ? (
          <label className={`field ${selectFieldClass(techniqueLabels)}`}>
            Technique
            <select value={technique} onChange={(e) => setIndex(Number(e.target.value))}>
              {techniqueLabels.map((label, i) => (
                <option key={i} value={i}>
                  {label}
                </option>
              ))}
            </select>
          </label>
        ) : null}
      </div>
      {result.error ? (
        <p className="field-error" role="alert">
          {result.error}
        </p>
      ) : (
        <>
          <button type="button" className="primary" onClick={downloadAll}>
            Download all as .zip ({result.files.length} files)
          </button>
          <ul className="export-files">
            {result.files.map((f) => (
              <li key={f.path}>
                <button
                  type="button"
                  className="link"
                  aria-expanded={open === f.path}
                  onClick={() => setOpen(open === f.path ? null : f.path)}
                >
                  {f.path}
                </button>{' '}
                <span className="hint">{(f.content.length / 1024).toFixed(1)} KB</span>{' '}
                <button type="button" onClick={() => download(f)} aria-label={`Download ${f.path}`}>
                  Download
                </button>
                {open === f.path ? <pre className="preview">{f.content}</pre> : null}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
