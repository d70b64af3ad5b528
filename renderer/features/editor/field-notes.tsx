/**
 * What the editor shows beside a field besides its own hint: the estimate's warnings that name the field
 * (shared/estimate/warnings.ts, issue 14.6) and, for a setting the new-plan template chose, where that default comes
 * from (shared/domain/plan-template.ts TEMPLATE_SOURCES: library, version, file).
 */
import type { ReactNode } from 'react';
import { PLAN_TEMPLATE, TEMPLATE_SOURCES, type TemplateField } from '../../../shared/domain/plan-template';
import type { PlanWarning } from '../../../shared/estimate/warnings';

/** Warning messages by the field they name (`training.seqLen`); technique warnings also by `techniques[i]`. */
export type FieldWarnings = Record<string, string[]>;

export function warningsByField(warnings: readonly PlanWarning[] | undefined): FieldWarnings {
  const out: FieldWarnings = {};
  for (const w of warnings ?? []) {
    const keys = [w.technique !== undefined ? `techniques[${w.technique}]` : null, w.field ?? null].filter(
      (k): k is string => k !== null,
    );
    for (const k of keys) (out[k] ??= []).push(w.message);
  }
  return out;
}

/** The template's value for a field, as the plan file holds it. */
function templateValue(field: TemplateField): unknown {
  const [section, key] = field.split('.') as [keyof typeof PLAN_TEMPLATE, string];
  return (PLAN_TEMPLATE[section] as Record<string, unknown> | undefined)?.[key];
}

export function TemplateSource({ field }: { field: TemplateField }) {
  const s = TEMPLATE_SOURCES[field];
  return (
    <span className="template-source" title={s.note}>
      New-plan default {JSON.stringify(templateValue(field))}: {s.library} {s.version}, <code>{s.file}</code> (
      {s.setting})
    </span>
  );
}

export function Warnings({ messages }: { messages: readonly string[] | undefined }) {
  if (!messages?.length) return null;
  return (
    <>
      {messages.map((m) => (
        <span key={m} className="field-warning" role="note">
          ⚠ {m}
        </span>
      ))}
    </>
  );
}

/** A field's hint with its warnings first and the template's source last. */
export function fieldNotes(
  hint: ReactNode,
  opts: { warnings?: readonly string[] | undefined; source?: TemplateField },
): ReactNode {
  if (!opts.warnings?.length && !opts.source) return hint;
  return (
    <>
      <Warnings messages={opts.warnings} />
      {hint ? <span className="base-hint">{hint}</span> : null}
      {opts.source ? <TemplateSource field={opts.source} /> : null}
    </>
  );
}
