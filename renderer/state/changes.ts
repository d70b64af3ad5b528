/**
 * Changes the advice makes to the draft (a lever, a recommendation, the scenario guide), each listed field by field
 * and undoable in one click (issue 14: "applicable in one click (undoable)", "changes nothing silently").
 *
 * A change is recorded as the fields it set, with their values before and after, rather than as a snapshot of
 * the whole draft: undoing restores only those fields, so an edit made elsewhere in the meantime is kept.
 */
import { applyMergePatch } from '../../shared/merge-patch';
import { setIn, type Draft } from './draft';

export type FieldPath = ReadonlyArray<string | number>;

export interface FieldChange {
  path: FieldPath;
  before: unknown;
  after: unknown;
}

export interface AppliedChange {
  /** What was applied, in words ("Gradient checkpointing on", "Cheapest: LoRA on 1 × RTX 4090"). */
  label: string;
  changes: FieldChange[];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);

/**
 * The fields that differ between two drafts, down to leaves of plain objects. Arrays (the techniques list) and
 * tagged values whose kind changed (hardware.gpu catalog → custom) are one field each: they are set whole.
 */
export function diffFields(before: unknown, after: unknown, path: FieldPath = []): FieldChange[] {
  if (same(before, after)) return [];
  const sameShape =
    isPlainObject(before) &&
    isPlainObject(after) &&
    // A discriminated union ({ source: 'catalog' } vs { source: 'custom' }) is replaced whole.
    (before.source === undefined || before.source === after.source);
  if (!sameShape) return [{ path, before, after }];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].flatMap((k) => diffFields(before[k], after[k], [...path, k]));
}

/** Sets every change's `before` value (undo) or `after` value (redo). */
export function setFields(draft: Draft, changes: readonly FieldChange[], which: 'before' | 'after'): Draft {
  return changes.reduce<Draft>((d, c) => setIn(d, c.path, c[which]), draft);
}

/** Undo: the fields the change set go back to what they were; everything else stays as it is now. */
export function revertChange(draft: Draft, applied: Pick<AppliedChange, 'changes'>): Draft {
  return setFields(draft, applied.changes, 'before');
}

/** Whether the fields a change set still hold what it set (otherwise undoing it would overwrite newer edits). */
export function stillApplied(draft: Draft, applied: Pick<AppliedChange, 'changes'>): boolean {
  return applied.changes.every((c) => same(getIn(draft, c.path), c.after));
}

export function getIn(obj: unknown, path: FieldPath): unknown {
  return path.reduce<unknown>((o, k) => (o === null || typeof o !== 'object' ? undefined : (o as never)[k]), obj);
}

/** An RFC 7386 merge patch (a lever's `patch`) applied to the draft, with the fields it changed. */
export function applyPatch(
  draft: Draft,
  patch: Record<string, unknown>,
  label: string,
): { next: Draft; applied: AppliedChange } {
  const next = applyMergePatch(draft, patch) as Draft;
  return { next, applied: { label, changes: diffFields(draft, next) } };
}

/** A draft replaced by another (a recommendation applied), recorded as the fields it changed. */
export function recordChange(draft: Draft, next: Draft, label: string): AppliedChange {
  return { label, changes: diffFields(draft, next) };
}

/** "training.microBatch" / "techniques" — the plan file's names for fields (keys, error maps, export sources). */
export const pathName = (path: FieldPath): string =>
  path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '');

/**
 * The labels the editor shows for the fields advice can set (the sections' own field labels, lower-cased as they
 * read inside a sentence): what a user reads in the undo bar and the scenario guide, not the file's paths.
 */
const FIELD_LABELS: Readonly<Record<string, string>> = {
  model: 'model',
  techniques: 'techniques',
  'training.precision': 'precision',
  'training.optimizer': 'optimizer',
  'training.microBatch': 'micro-batch per GPU',
  'training.gradAccum': 'gradient accumulation',
  'training.seqLen': 'sequence length',
  'training.epochs': 'epochs',
  'training.gradientCheckpointing': 'gradient checkpointing',
  'training.packing': 'sequence packing',
  'training.attention': 'attention kernel',
  'training.lossKernel': 'loss kernel',
  'training.learningRate': 'learning rate',
  'training.stack': 'training library',
  'training.compile': 'torch.compile',
  'training.optimizerInBackward': 'optimizer step in backward',
  'training.activationOffload': 'activation offloading',
  'training.kernels': 'fused kernels',
  'training.expandableSegments': 'expandable allocator segments',
  'training.samplingStrategy': 'batch order',
  'data.mode': 'dataset size given as',
  'data.examples': 'examples',
  'data.meanTokensPerExample': 'mean tokens per example',
  'data.totalTokens': 'total tokens',
  'data.maxTokensPerExample': 'longest example',
  'distribution.gpusPerNode': 'GPUs per node',
  'distribution.nodes': 'nodes',
  'distribution.strategy': 'strategy',
  'distribution.offloadOptimizer': 'offload optimizer',
  'distribution.offloadParams': 'offload parameters',
  'hardware.gpu': 'GPU',
  'hardware.headroomPct': 'headroom',
  'hardware.mfu': 'MFU',
  'pricing.mode': 'where training happens',
  'pricing.vmSku': 'cloud VM',
  'pricing.usdPerGpuHour': 'price per GPU-hour',
  'objective.kind': 'objective',
  'objective.reference': 'reference model',
  'objective.beta': 'beta',
  'objective.numGenerations': 'generations per prompt',
  'objective.completionTokens': 'completion length',
  'objective.generation': 'generation engine',
  'objective.vllmGpuMemoryUtilization': 'vLLM GPU memory share',
  'objective.vllmSleepMode': 'vLLM sleep mode',
};

/** A field as the editor labels it ("sequence length"); a field with no label here keeps its path. */
export const fieldLabel = (path: FieldPath): string => FIELD_LABELS[pathName(path)] ?? pathName(path);

/** The fields a change set, for a sentence: "techniques, sequence length, mean tokens per example". */
export const changedFields = (changes: readonly FieldChange[]): string =>
  changes.map((c) => fieldLabel(c.path)).join(', ');

/** One field's change for a sentence: "sequence length 1024 → 2048". */
export const changeText = (c: FieldChange): string =>
  `${fieldLabel(c.path)} ${showValue(c.before)} → ${showValue(c.after)}`;

/** A value as a field shows it: short, no JSON braces for scalars. */
export function showValue(v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v))
    return v.map((x) => (isPlainObject(x) && typeof x.kind === 'string' ? x.kind : showValue(x))).join(', ');
  if (isPlainObject(v) && v.source === 'catalog' && typeof v.id === 'string') return v.id;
  if (isPlainObject(v) && v.source === 'custom' && typeof v.name === 'string') return `${v.name} (custom)`;
  return JSON.stringify(v);
}
