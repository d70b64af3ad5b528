import { useId } from 'react';
import { CATALOG_MODELS } from '../../../shared/catalog/models';
import type { PlanInput } from '../../../shared/domain/plan';

interface Props {
  draft: PlanInput;
  fieldErrors: Record<string, string>;
  onChange: (draft: PlanInput) => void;
}

/** The plan's identity: name, model and notes. */
export function PlanForm({ draft, fieldErrors, onChange }: Props) {
  const id = useId();
  const modelId = draft.model.source === 'catalog' ? draft.model.id : '';
  const field = (name: string, label: string, control: React.ReactNode, hint?: string) => (
    <div className="field">
      <label htmlFor={`${id}-${name}`}>{label}</label>
      {control}
      {hint && !fieldErrors[name] ? <p className="hint">{hint}</p> : null}
      {fieldErrors[name] ? (
        <p className="field-error" id={`${id}-${name}-error`} role="alert">
          {fieldErrors[name]}
        </p>
      ) : null}
    </div>
  );
  const invalid = (name: string) => (fieldErrors[name] ? { 'aria-invalid': true, 'aria-describedby': `${id}-${name}-error` } : {});

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Plan</h2>
      {field(
        'name',
        'Name',
        <input id={`${id}-name`} value={draft.name} maxLength={200} onChange={(e) => onChange({ ...draft, name: e.target.value })} {...invalid('name')} />,
      )}
      {field(
        'model',
        'Model',
        <select id={`${id}-model`} value={modelId} onChange={(e) => onChange({ ...draft, model: { source: 'catalog', id: e.target.value } })} {...invalid('model')}>
          {draft.model.source === 'custom' ? <option value="">{draft.model.spec.name} (custom)</option> : null}
          {CATALOG_MODELS.map((m) => (
            <option key={m.id} value={m.id}>
              {m.id}
            </option>
          ))}
        </select>,
      )}
      {field(
        'notes',
        'Notes',
        <textarea id={`${id}-notes`} rows={4} value={draft.notes ?? ''} maxLength={20000} onChange={(e) => onChange({ ...draft, notes: e.target.value })} {...invalid('notes')} />,
        'Anything worth remembering about this plan: the dataset, the goal, the deadline.',
      )}
    </section>
  );
}
