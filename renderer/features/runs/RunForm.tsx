import { useId } from 'react';
import type { Plan } from '../../../shared/domain/plan';
import { TECHNIQUE_LABELS } from '../../../shared/estimate/techniques';
import { NumberField, SelectField, TextField } from '../../components/fields';
import { duration, significant } from '../../format';
import type { RunFormValues } from './run-form';

/** An imported figure, rounded for reading (the form keeps it whole). */
const shown = (v: number | null | undefined) => (v === null || v === undefined ? '—' : significant(v));

/** Record or edit a run by hand, or fill it from a trainer's log files. */
export function RunForm({
  plan,
  form,
  errors,
  message,
  onChange,
  onImport,
  onSave,
  onCancel,
}: {
  plan: Plan;
  form: RunFormValues;
  /** Field errors keyed by the run result's path (gpuName, peakMemoryBytes, …). */
  errors: Record<string, string>;
  message: string | null;
  onChange: (form: RunFormValues) => void;
  onImport: (files: FileList) => void;
  onSave: () => void;
  onCancel: () => void;
}) {
  const id = useId();
  return (
    <fieldset className="run-form">
      <legend>{form.id ? 'Edit run' : 'Record a run'}</legend>
      <div className="grid">
        <SelectField
          label="Technique used"
          value={String(form.techniqueIndex)}
          onChange={(v) => onChange({ ...form, techniqueIndex: Number(v) })}
          options={plan.techniques.map((t, i) => ({
            value: String(i),
            label: `${i + 1}. ${TECHNIQUE_LABELS[t.kind]}`,
          }))}
        />
        <TextField
          label="GPU"
          value={form.gpuName}
          onChange={(gpuName) => onChange({ ...form, gpuName })}
          error={errors.gpuName}
        />
        <NumberField
          label="GPU count"
          value={form.gpuCount}
          onChange={(v) => onChange({ ...form, gpuCount: v ?? Number.NaN })}
          error={errors.gpuCount}
          step={1}
        />
        <NumberField
          label="Peak memory per GPU"
          digits={4}
          unit="GiB"
          nullable
          value={form.peakGiB}
          onChange={(peakGiB) => onChange({ ...form, peakGiB })}
          error={errors.peakMemoryBytes}
        />
        <SelectField
          label="Memory counter"
          value={form.memoryCounter}
          onChange={(memoryCounter) => onChange({ ...form, memoryCounter })}
          options={[
            { value: 'reserved', label: 'torch max_memory_reserved' },
            { value: 'allocated', label: 'torch max_memory_allocated' },
            { value: 'nvidia-smi', label: 'nvidia-smi' },
          ]}
        />
        <NumberField
          label="Wall time"
          digits={4}
          unit="h"
          nullable
          value={form.wallHours}
          onChange={(wallHours) => onChange({ ...form, wallHours })}
          error={errors.wallSeconds}
          hint={form.wallHours !== null && form.wallHours > 0 ? duration(form.wallHours * 3600) : undefined}
        />
        <NumberField
          label="Throughput"
          digits={4}
          unit="tok/s"
          nullable
          value={form.tokensPerSecond}
          onChange={(v) => onChange({ ...form, tokensPerSecond: v })}
          error={errors.tokensPerSecond}
        />
        <NumberField
          label="Cost"
          digits={4}
          unit="USD"
          nullable
          value={form.costUsd}
          onChange={(costUsd) => onChange({ ...form, costUsd })}
          error={errors.costUsd}
        />
        <NumberField
          label="Final loss"
          digits={4}
          nullable
          value={form.finalLoss}
          onChange={(finalLoss) => onChange({ ...form, finalLoss })}
          error={errors.finalLoss}
        />
        <TextField
          label="Run notes"
          value={form.notes}
          onChange={(notes) => onChange({ ...form, notes })}
          error={errors.notes}
        />
      </div>
      <div className="actions">
        <label className="file-button">
          Import trainer_state.json…
          <input
            type="file"
            multiple
            accept=".json,.jsonl,application/json"
            className="visually-hidden"
            onChange={(e) => e.target.files && onImport(e.target.files)}
          />
        </label>
        <button type="button" className="primary" onClick={onSave}>
          {form.id ? 'Update run' : 'Record run'}
        </button>
        {form.id ? (
          <button type="button" onClick={onCancel}>
            Cancel edit
          </button>
        ) : null}
      </div>
      <p className="hint">
        Reads trainer_state.json, train_results.json, all_results.json, eval_results.json (Hugging Face Trainer, TRL) or
        LLaMA-Factory&apos;s trainer_log.jsonl.
      </p>
      {message ? (
        <p className="hint" role="status" id={`${id}-msg`}>
          {message}
        </p>
      ) : null}
      {form.extra.source !== 'manual' ? (
        <p className="hint" data-testid="imported-details">
          Imported: {shown(form.extra.steps)} steps, {shown(form.extra.epochs)} epochs, mean loss{' '}
          {shown(form.extra.meanLoss)}, {shown(form.extra.samplesPerSecond)} samples/s,{' '}
          {form.extra.lossCurve?.length ?? 0} loss and {form.extra.evalCurve?.length ?? 0} eval loss points.
        </p>
      ) : null}
      {form.extra.warnings?.length ? (
        <ul className="hint" aria-label="Import warnings">
          {form.extra.warnings.map((w, i) => (
            <li key={i}>{w}</li>
          ))}
        </ul>
      ) : null}
    </fieldset>
  );
}
