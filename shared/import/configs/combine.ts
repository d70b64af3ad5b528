/**
 * Several imported configs → one new plan. Each file's reader (read.ts) turns it into facts; this merges them:
 * the first file that sets a field wins, a later file that sets it differently is reported as a conflict (never
 * silently dropped), and every field no file settles is listed as open with the reason (an `"auto"`, a key that is
 * absent) while the plan keeps the template's value for it (shared/domain/plan-template.ts). LoRA + a quantized base
 * (adapter_config.json + the base's config.json, or a trainer config) is QLoRA.
 */
import { CATALOG_MODELS, findCatalogModel } from '../../catalog/models';
import { ModelSpecSchema, type ModelSpec } from '../../domain/model-spec';
import {
  PlanSchema,
  TechniqueSchema,
  type Plan,
  type PlanInput,
  type Technique,
  type TechniqueInput,
} from '../../domain/plan';
import { newPlanFromTemplate } from '../../domain/plan-template';
import { describeArchitecture } from '../../estimate/architecture';
import { resolveTargets } from '../../estimate/techniques';
import {
  ConfigImportError,
  IMPORT_FIELDS,
  type ConfigFormat,
  type ConfigReading,
  type Fact,
  type FieldValues,
  type ImportField,
  type ModelFact,
  type TargetsFact,
} from './facts';
import { readConfigFile } from './read';

export interface DeterminedField {
  field: ImportField;
  /** The value as the plan holds it. */
  value: unknown;
  file: string;
  key: string;
}
export interface OpenPlanField {
  field: ImportField;
  /** The value the new plan keeps (the template's). */
  kept: unknown;
  reason: string;
}
export interface Conflict {
  field: ImportField;
  values: Array<{ file: string; key: string; value: unknown }>;
  /** The file whose value the plan keeps (the first given). */
  kept: string;
}
export interface ConfigImport {
  plan: Plan;
  files: Array<{ file: string; format: ConfigFormat }>;
  determined: DeterminedField[];
  open: OpenPlanField[];
  conflicts: Conflict[];
  notes: string[];
}

const LORA_LIKE = ['lora', 'qlora', 'dora', 'vera', 'loha', 'lora_fa'];
const PROMPT_LIKE = ['prompt_tuning', 'prefix_tuning', 'p_tuning', 'adaption_prompt'];

/** Which technique fields mean something for this kind (others are neither determined nor open). */
function relevant(field: ImportField, kind: Technique['kind'] | undefined): boolean {
  if (!field.startsWith('technique.') || field === 'technique.kind' || kind === undefined) return true;
  if (field === 'technique.quantType' || field === 'technique.doubleQuant') return kind === 'qlora';
  if (field === 'technique.virtualTokens') return PROMPT_LIKE.includes(kind);
  if (field === 'technique.targets') return LORA_LIKE.includes(kind) || kind === 'ia3';
  if (field === 'technique.alpha') return LORA_LIKE.includes(kind) && kind !== 'vera';
  return LORA_LIKE.includes(kind);
}

/**
 * The objective's fields beyond its kind mean something only for the objectives that read them: beta and the
 * reference for preference training and GRPO, the generation counts for GRPO (shared/domain/plan.ts ObjectiveSchema).
 */
function objectiveRelevant(field: ImportField, kind: FieldValues['objective.kind'] | undefined): boolean {
  if (!field.startsWith('objective.') || field === 'objective.kind') return true;
  if (kind === undefined || kind === 'sft') return false;
  if (field === 'objective.numGenerations' || field === 'objective.completionTokens') return kind === 'grpo';
  if (field === 'objective.reference') return kind === 'dpo' || kind === 'ipo' || kind === 'kto';
  return kind !== 'reward';
}

const norm = (id: string) => id.toLowerCase().replace(/\/+$/, '');
const repoName = (id: string) => norm(id).split('/').pop() ?? norm(id);

/** A Hub id (or a local folder named after one) → a catalog model: exact hfId, else the same repository name. */
export function catalogModelForHubId(id: string): { id: string; exact: boolean } | undefined {
  const exact = CATALOG_MODELS.find((m) => m.spec.hfId !== undefined && norm(m.spec.hfId) === norm(id));
  if (exact) return { id: exact.id, exact: true };
  const name = repoName(id);
  const byName = CATALOG_MODELS.find((m) => norm(m.id) === name || (m.spec.hfId && repoName(m.spec.hfId) === name));
  return byName ? { id: byName.id, exact: false } : undefined;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function resolveModel(
  facts: Array<Fact<'model'>>,
  notes: string[],
  conflicts: Conflict[],
): { ref: PlanInput['model']; fact: Fact<'model'> } | null {
  if (facts.length === 0) return null;
  const spec = facts.find((f) => f.value.kind === 'spec') as
    (Fact<'model'> & { value: { kind: 'spec'; spec: ModelSpec } }) | undefined;
  const named = facts.filter((f) => f.value.kind !== 'spec');
  const catalogOf = (f: Fact<'model'>) => {
    const v = f.value as Exclude<ModelFact, { kind: 'spec' }>;
    if (v.kind === 'catalog') return v.id;
    const hit = catalogModelForHubId(v.id);
    if (hit && !hit.exact)
      notes.push(`${f.file}: ${v.id} is read as the catalog's ${hit.id} (same repository name; same architecture).`);
    return hit?.id;
  };
  const ids = named.map((f) => ({ f, catalog: catalogOf(f), label: f.value.kind === 'spec' ? '' : f.value.id }));
  const distinct = [...new Map(ids.map((x) => [x.catalog ?? norm(x.label), x])).values()];
  if (distinct.length > 1)
    conflicts.push({
      field: 'model',
      values: distinct.map((x) => ({ file: x.f.file, key: x.f.key, value: x.label })),
      kept: spec?.file ?? distinct[0]!.f.file,
    });
  const first = ids[0];
  if (spec) {
    const hubId = first && first.f.value.kind === 'hub' ? first.f.value.id : undefined;
    if (first?.catalog)
      notes.push(`${spec.file} gives the shape of ${first.catalog}; the plan uses the file's shape (a custom model).`);
    return { ref: { source: 'custom', spec: { ...spec.value.spec, ...(hubId ? { hfId: hubId } : {}) } }, fact: spec };
  }
  if (first?.catalog) return { ref: { source: 'catalog', id: first.catalog }, fact: first.f };
  return null;
}

function mapTargets(t: TargetsFact, spec: ModelSpec | undefined, kind: Technique['kind']): Partial<TechniqueInput> {
  if ('allLinear' in t) return { targets: 'all-linear' };
  if ('preset' in t) return { targets: t.preset };
  // PEFT saves full module paths when it expanded "all-linear" itself (model.layers.0.self_attn.k_proj): PEFT matches
  // by suffix, so the last name part is what counts.
  const names = [...new Set(t.names.map((n) => n.split('.').pop() ?? n))].sort();
  if (spec) {
    const arch = describeArchitecture(spec);
    for (const preset of ['all-linear', 'attention', 'mlp', 'qv'] as const) {
      const resolved = resolveTargets(arch, TechniqueSchema.parse({ kind, targets: preset }), 0);
      if (same([...resolved.names].sort(), names)) return { targets: preset };
    }
  }
  return { targets: 'custom', customModules: names };
}

const specOf = (model: PlanInput['model']): ModelSpec | undefined =>
  model.source === 'custom' ? ModelSpecSchema.parse(model.spec) : findCatalogModel(model.id)?.spec;

/** The readings → a plan and the report of what was set, what stayed open and what disagreed. */
export function combineReadings(readings: ConfigReading[], name?: string): ConfigImport {
  if (readings.length === 0) throw new ConfigImportError('Give at least one config file to import.');
  const notes = readings.flatMap((r) => r.notes.map((n) => `${r.file}: ${n}`));
  const conflicts: Conflict[] = [];
  const facts = readings.flatMap((r) => r.facts);
  const byField = new Map<ImportField, Fact[]>();
  for (const f of facts) byField.set(f.field, [...(byField.get(f.field) ?? []), f]);

  // LoRA + a quantized base is QLoRA; QLoRA + DoRA is kept as DoRA (the plan has no QDoRA).
  const kinds = byField.get('technique.kind') as Array<Fact<'technique.kind'>> | undefined;
  if (kinds && kinds.some((k) => k.value === 'qlora') && kinds.some((k) => k.value === 'lora'))
    byField.set(
      'technique.kind',
      kinds.filter((k) => k.value === 'qlora'),
    );
  else if (kinds && kinds.some((k) => k.value === 'qlora') && kinds.some((k) => k.value === 'dora')) {
    notes.push('A quantized base with DoRA (QDoRA) is planned as DoRA on the full-precision base.');
    byField.set(
      'technique.kind',
      kinds.filter((k) => k.value === 'dora'),
    );
  }

  const chosen = new Map<ImportField, Fact>();
  for (const [field, list] of byField) {
    if (field === 'model') continue;
    const first = list[0]!;
    chosen.set(field, first);
    const differing = list.filter((f) => !same(f.value, first.value));
    if (differing.length)
      conflicts.push({
        field,
        values: [first, ...differing].map((f) => ({ file: f.file, key: f.key, value: f.value })),
        kept: first.file,
      });
  }

  const template = newPlanFromTemplate();
  const determined: DeterminedField[] = [];
  const model = resolveModel((byField.get('model') ?? []) as Array<Fact<'model'>>, notes, conflicts);
  const modelRef = model?.ref ?? template.model;
  if (model) determined.push({ field: 'model', value: modelRef, file: model.fact.file, key: model.fact.key });

  const get = <F extends ImportField>(f: F): FieldValues[F] | undefined =>
    chosen.get(f)?.value as FieldValues[F] | undefined;
  const kind = get('technique.kind');
  const technique: TechniqueInput | undefined = kind
    ? {
        kind,
        ...(get('technique.rank') !== undefined ? { rank: get('technique.rank') } : {}),
        ...(get('technique.alpha') !== undefined ? { alpha: get('technique.alpha') } : {}),
        ...(get('technique.dropout') !== undefined ? { dropout: get('technique.dropout') } : {}),
        ...(get('technique.quantType') !== undefined ? { quantType: get('technique.quantType') } : {}),
        ...(get('technique.doubleQuant') !== undefined ? { doubleQuant: get('technique.doubleQuant') } : {}),
        ...(get('technique.virtualTokens') !== undefined ? { virtualTokens: get('technique.virtualTokens') } : {}),
        ...(get('technique.targets') ? mapTargets(get('technique.targets')!, specOf(modelRef), kind) : {}),
      }
    : undefined;

  const section = (prefix: 'training' | 'distribution' | 'objective') =>
    Object.fromEntries(
      [...chosen]
        .filter(([f]) => f.startsWith(`${prefix}.`))
        .map(([f, fact]) => [f.slice(prefix.length + 1), fact.value]),
    );
  const input: PlanInput = {
    ...template,
    name: (name ?? `Imported from ${readings.map((r) => r.file).join(' + ')}`).slice(0, 200),
    model: modelRef,
    techniques: technique ? [technique] : template.techniques,
    training: { ...template.training, ...section('training') },
    distribution: { ...template.distribution, ...section('distribution') },
    objective: { ...template.objective, ...section('objective') },
  };
  const parsed = PlanSchema.safeParse(input);
  if (!parsed.success) {
    const where = (path: PropertyKey[]) => {
      const field = path
        .filter((p) => typeof p === 'string')
        .join('.')
        .replace(/^techniques\./, 'technique.');
      const fact = chosen.get(field as ImportField);
      return fact ? ` (from ${fact.file}: ${fact.key})` : '';
    };
    throw new ConfigImportError(
      `These files together do not make a valid plan:\n${parsed.error.issues
        .map((i) => `  ${i.path.join('.')}: ${i.message}${where(i.path)}`)
        .join('\n')}`,
    );
  }
  const plan = parsed.data;

  const planValue = (field: ImportField): unknown => {
    if (field === 'model') return plan.model;
    const [section_, key] = field.split('.') as [string, string];
    if (section_ === 'technique') {
      const t = plan.techniques[0]!;
      return key === 'targets' && t.targets === 'custom' ? t.customModules : t[key as keyof Technique];
    }
    return (plan as unknown as Record<string, Record<string, unknown>>)[section_]![key];
  };
  const openReasons = new Map<ImportField, string[]>();
  for (const r of readings)
    for (const o of r.open) openReasons.set(o.field, [...(openReasons.get(o.field) ?? []), `${o.file}: ${o.reason}`]);
  const open: OpenPlanField[] = [];
  for (const field of IMPORT_FIELDS) {
    if (!relevant(field, kind)) continue;
    if (!objectiveRelevant(field, get('objective.kind'))) continue;
    const fact = chosen.get(field);
    if (fact) {
      determined.push({ field, value: planValue(field), file: fact.file, key: fact.key });
      continue;
    }
    if (field === 'model' && model) continue;
    if (field.startsWith('technique.') && field !== 'technique.kind' && !kind) continue;
    const reasons = openReasons.get(field);
    open.push({
      field,
      kept: field === 'technique.kind' ? plan.techniques.map((t) => t.kind) : planValue(field),
      reason:
        reasons?.join(' ') ??
        `no file sets it; the plan keeps ` +
          `${field === 'technique.kind' ? "the template's techniques to compare" : "the template's value"}`,
    });
  }
  const summary = [
    `Imported from ${readings.map((r) => r.file).join(', ')}.`,
    open.length
      ? `Open (template value kept): ${open.map((o) => o.field).join(', ')}.`
      : 'Every importable field was set by the files.',
    ...conflicts.map(
      (c) =>
        `Conflict on ${c.field}: ` +
        `${c.values.map((v) => `${v.file} ${v.key}=${JSON.stringify(v.value)}`).join(' vs ')}; kept ${c.kept}.`,
    ),
  ].join('\n');
  return {
    plan: { ...plan, notes: summary.slice(0, 20_000) },
    files: readings.map((r) => ({ file: r.file, format: r.format })),
    determined,
    open,
    conflicts,
    notes,
  };
}

/** Files (name + text or bytes) → the imported plan. Throws ConfigImportError naming the file and the fix. */
export function importConfigs(
  files: Array<{ name: string; content: string | Uint8Array }>,
  name?: string,
): ConfigImport {
  return combineReadings(
    files.map((f) => readConfigFile(f.name, f.content)),
    name,
  );
}
