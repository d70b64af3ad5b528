/**
 * The files picked for "Import configs…" and what they make (issue 18 item 5): each file is read on its own, so a bad
 * one is named with what it looks like while the others still show what they set; the readable ones are combined into
 * one plan by shared/import/configs/combine.ts. Nothing here saves anything: the dialog's "Create plan" does.
 */
import { useMemo, useRef, useState } from 'react';
import { parse as parseYaml } from 'yaml';
import { parsePlanText } from '../../../shared/exporters/plan-json';
import { combineReadings, type ConfigImport } from '../../../shared/import/configs/combine';
import { ConfigImportError, type ConfigReading, type ImportField } from '../../../shared/import/configs/facts';
import { readConfigFile } from '../../../shared/import/configs/read';

/** A training config is a few kilobytes; read.ts refuses over 1 MB, this stops a huge file before it is read. */
const MAX_PICKED_BYTES = 5 * 1024 * 1024;

export interface PickedFile {
  id: number;
  name: string;
  bytes: Uint8Array;
}

export type FileOutcome =
  { file: PickedFile; ok: true; reading: ConfigReading } | { file: PickedFile; ok: false; message: string };

/** The plan fields as the editor names them, for the report. */
export const FIELD_LABELS: Record<ImportField, string> = {
  model: 'Model',
  'technique.kind': 'Technique',
  'technique.rank': 'Rank r',
  'technique.alpha': 'Alpha',
  'technique.dropout': 'Dropout',
  'technique.targets': 'Target modules',
  'technique.quantType': 'Base quantization',
  'technique.doubleQuant': 'Double quantization',
  'technique.virtualTokens': 'Virtual tokens',
  'training.precision': 'Precision',
  'training.optimizer': 'Optimizer',
  'training.microBatch': 'Micro-batch per GPU',
  'training.gradAccum': 'Gradient accumulation',
  'training.seqLen': 'Sequence length',
  'training.packing': 'Sequence packing',
  'training.gradientCheckpointing': 'Gradient checkpointing',
  'training.attention': 'Attention kernel',
  'training.lossKernel': 'Loss kernel',
  'training.stack': 'Training library',
  'training.compile': 'torch.compile',
  'training.optimizerInBackward': 'Optimizer step in backward',
  'training.activationOffload': 'Activation offloading',
  'training.samplingStrategy': 'Batch order',
  'training.epochs': 'Epochs',
  'training.learningRate': 'Learning rate',
  'distribution.gpusPerNode': 'GPUs per node',
  'distribution.nodes': 'Nodes',
  'distribution.strategy': 'Strategy',
  'distribution.offloadOptimizer': 'Offload optimizer',
  'distribution.offloadParams': 'Offload parameters',
  'objective.kind': 'Objective',
  'objective.beta': 'Beta',
  'objective.reference': 'Reference model',
  'objective.numGenerations': 'Generations per prompt',
  'objective.completionTokens': 'Completion tokens',
};

/** A value as a reader or the plan holds it → short text for the report. */
export function formatValue(field: ImportField, value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  if (Array.isArray(value)) return value.map((v) => formatValue(field, v)).join(', ');
  const v = value as Record<string, unknown>;
  if (field === 'model') {
    if (v.kind === 'hub' || v.kind === 'catalog') return String(v.id);
    if (v.source === 'catalog') return String(v.id);
    const spec = (v.kind === 'spec' ? v.spec : v.spec) as
      { name?: string; hfId?: string; numLayers?: number } | undefined;
    if (spec)
      return `${spec.hfId ?? spec.name ?? 'custom model'} (shape from the file, ${spec.numLayers ?? '?'} layers)`;
  }
  if (field === 'technique.targets') {
    if ('allLinear' in v) return 'all-linear';
    if ('preset' in v) return String(v.preset);
    if (Array.isArray(v.names))
      return [...new Set((v.names as string[]).map((n) => n.split('.').pop() ?? n))].join(', ');
  }
  return JSON.stringify(value);
}

/** What a file that no reader recognises looks like, so the message helps find the right one. */
function lookOf(text: string): string {
  const trimmed = text.trimStart();
  if (!trimmed) return 'It is empty.';
  let doc: unknown;
  try {
    doc = trimmed.startsWith('{') || trimmed.startsWith('[') ? JSON.parse(text) : parseYaml(text);
  } catch {
    return '';
  }
  const kind = trimmed.startsWith('{') || trimmed.startsWith('[') ? 'JSON' : 'YAML';
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    return `It is ${kind} but not a mapping of settings.`;
  const keys = Object.keys(doc);
  return (
    `It is ${kind} with the top-level keys ${keys.slice(0, 8).join(', ')}` +
    `${keys.length > 8 ? `, … (${keys.length} in all)` : ''}.`
  );
}

/** One file → its reading, or a message naming it, what it looks like and what to do instead. */
export function readPicked(file: PickedFile): FileOutcome {
  if (file.bytes.length > MAX_PICKED_BYTES)
    return {
      file,
      ok: false,
      message:
        `${file.name} is ${(file.bytes.length / 1024 / 1024).toFixed(1)} MB; ` +
        'a training config is a few kilobytes. Is it the right file?',
    };
  try {
    return { file, ok: true, reading: readConfigFile(file.name, file.bytes) };
  } catch (e) {
    if (!(e instanceof ConfigImportError)) return { file, ok: false, message: `${file.name}: ${(e as Error).message}` };
    const text = new TextDecoder('utf-8').decode(file.bytes);
    if (/not a training config/.test(e.message)) {
      // A Tuneplan plan file has its own import (a whole plan, not facts to combine).
      if (parsePlanText(text).ok)
        return { file, ok: false, message: `${file.name} is a Tuneplan plan file: use “Import JSON…” to open it.` };
      const look = lookOf(text);
      return { file, ok: false, message: look ? `${e.message} ${look}` : e.message };
    }
    return { file, ok: false, message: e.message };
  }
}

export function useConfigImport() {
  const [files, setFiles] = useState<PickedFile[]>([]);
  const nextId = useRef(1);
  const [reading, setReading] = useState(false);

  const add = async (list: Iterable<File>) => {
    const picked = [...list];
    if (!picked.length) return;
    setReading(true);
    try {
      const read = await Promise.all(picked.map(async (f) => ({ name: f.name, bytes: await readBytes(f) })));
      // The same name again replaces the earlier pick (a corrected file), so a file never counts twice.
      setFiles((prev) => [
        ...prev.filter((p) => !read.some((r) => r.name === p.name)),
        ...read.map((r) => ({ id: nextId.current++, ...r })),
      ]);
    } finally {
      setReading(false);
    }
  };
  const remove = (id: number) => setFiles((prev) => prev.filter((f) => f.id !== id));
  const clear = () => setFiles([]);

  const outcomes = useMemo(() => files.map(readPicked), [files]);
  const combined = useMemo((): { result: ConfigImport | null; error: string | null } => {
    const readings = outcomes.flatMap((o) => (o.ok ? [o.reading] : []));
    if (!readings.length) return { result: null, error: null };
    try {
      return { result: combineReadings(readings), error: null };
    } catch (e) {
      return { result: null, error: (e as Error).message };
    }
  }, [outcomes]);

  return { files, outcomes, ...combined, reading, add, remove, clear };
}

/** File.arrayBuffer where the environment has it (browsers, Electron); FileReader otherwise. */
function readBytes(file: File): Promise<Uint8Array> {
  if (typeof file.arrayBuffer === 'function') return file.arrayBuffer().then((b) => new Uint8Array(b));
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(new Uint8Array(r.result as ArrayBuffer));
    r.onerror = () => reject(r.error ?? new Error(`Could not read ${file.name}`));
    r.readAsArrayBuffer(file);
  });
}

export type ConfigImportState = ReturnType<typeof useConfigImport>;
