import { LORA_TARGETS, TECHNIQUE_KINDS, TechniqueSchema, type Technique } from '../../../shared/domain/plan';
import { LORA_FAMILY, PROMPT_FAMILY, TECHNIQUE_LABELS } from '../../../shared/estimate/techniques';
import { CheckField, NumberField, SelectField, Section, TextField } from '../../components/fields';
import { TECHNIQUE_COLORS } from '../../charts/colors';
import type { Draft } from '../../state/draft';
import { fieldNotes, type FieldWarnings } from './field-notes';

const TARGET_LABELS: Record<(typeof LORA_TARGETS)[number], string> = {
  'all-linear': 'all-linear (every linear layer)',
  attention: 'attention only',
  qv: 'q and v',
  mlp: 'MLP only',
  custom: 'custom list',
};

export function TechniquesSection({
  draft,
  errors,
  onChange,
  warnings = {},
}: {
  draft: Draft;
  errors: Record<string, string>;
  onChange: (d: Draft) => void;
  /** The estimate's warnings; a technique's (`techniques[i]`) show under its kind (issue 14.6). */
  warnings?: FieldWarnings;
}) {
  const set = (i: number, patch: Partial<Technique>) =>
    onChange({ ...draft, techniques: draft.techniques.map((t, j) => (j === i ? { ...t, ...patch } : t)) });
  const remove = (i: number) => onChange({ ...draft, techniques: draft.techniques.filter((_, j) => j !== i) });
  const add = () => {
    const used = new Set(draft.techniques.map((t) => t.kind));
    const next = TECHNIQUE_KINDS.find((k) => !used.has(k)) ?? 'lora';
    onChange({ ...draft, techniques: [...draft.techniques, TechniqueSchema.parse({ kind: next })] });
  };
  const err = (i: number, field: string) => errors[`techniques[${i}].${field}`];
  return (
    <Section title="Techniques" summary={draft.techniques.map((t) => TECHNIQUE_LABELS[t.kind]).join(' · ')}>
      {errors.techniques ? (
        <p className="field-error" role="alert">
          {errors.techniques}
        </p>
      ) : null}
      <ol className="technique-list">
        {draft.techniques.map((t, i) => {
          const lora = LORA_FAMILY.includes(t.kind);
          const prompt = PROMPT_FAMILY.includes(t.kind);
          return (
            <li key={i} className="technique" style={{ borderLeftColor: TECHNIQUE_COLORS[t.kind] }}>
              <div className="grid">
                <SelectField
                  label={`Technique ${i + 1}`}
                  value={t.kind}
                  onChange={(kind) => set(i, { kind })}
                  options={TECHNIQUE_KINDS.map((k) => ({ value: k, label: TECHNIQUE_LABELS[k] }))}
                  error={err(i, 'kind')}
                  hint={fieldNotes(null, { warnings: warnings[`techniques[${i}]`] })}
                />
                {lora ? (
                  <NumberField
                    label="Rank r"
                    value={t.rank}
                    onChange={(v) => set(i, { rank: v ?? Number.NaN })}
                    error={err(i, 'rank')}
                    min={1}
                    step={1}
                  />
                ) : null}
                {lora && t.kind !== 'vera' ? (
                  <NumberField
                    label="Alpha"
                    value={t.alpha}
                    onChange={(v) => set(i, { alpha: v ?? Number.NaN })}
                    error={err(i, 'alpha')}
                  />
                ) : null}
                {lora ? (
                  <NumberField
                    label="Dropout"
                    value={t.dropout}
                    onChange={(v) => set(i, { dropout: v ?? Number.NaN })}
                    error={err(i, 'dropout')}
                    hint="> 0 saves a copy of each adapted input"
                  />
                ) : null}
                {lora ? (
                  <SelectField
                    label="Target modules"
                    value={t.targets}
                    onChange={(targets) => set(i, { targets })}
                    options={LORA_TARGETS.map((v) => ({ value: v, label: TARGET_LABELS[v] }))}
                  />
                ) : null}
                {lora && t.targets === 'custom' ? (
                  <TextField
                    label="Module names (comma-separated)"
                    value={t.customModules.join(', ')}
                    onChange={(v) =>
                      set(i, {
                        customModules: v
                          .split(',')
                          .map((s) => s.trim())
                          .filter(Boolean),
                      })
                    }
                    error={err(i, 'customModules')}
                    hint="Phi-3 fuses qkv_proj and gate_up_proj"
                  />
                ) : null}
                {t.kind === 'qlora' ? (
                  <>
                    <SelectField
                      label="Base quantization"
                      value={t.quantType}
                      onChange={(quantType) => set(i, { quantType })}
                      options={[
                        { value: 'nf4', label: '4-bit NF4' },
                        { value: 'fp4', label: '4-bit FP4' },
                        { value: 'int8', label: '8-bit (LLM.int8)' },
                        { value: 'gptq', label: 'GPTQ int4 checkpoint' },
                        { value: 'awq', label: 'AWQ int4 checkpoint' },
                      ]}
                      hint={
                        t.quantType === 'gptq' || t.quantType === 'awq'
                          ? 'a pre-quantized checkpoint, run by gptqmodel (GPU only)'
                          : undefined
                      }
                    />
                    {t.quantType === 'gptq' || t.quantType === 'awq' ? (
                      <NumberField
                        label="Group size"
                        value={t.quantGroupSize}
                        onChange={(v) => set(i, { quantGroupSize: v ?? Number.NaN })}
                        error={err(i, 'quantGroupSize')}
                        hint="rows per scale and zero (config group_size; -1 = per column)"
                      />
                    ) : (
                      <CheckField
                        label="Double quantization"
                        checked={t.doubleQuant}
                        onChange={(doubleQuant) => set(i, { doubleQuant })}
                        hint="0.127 instead of 0.5 bits per weight of constants"
                      />
                    )}
                  </>
                ) : null}
                {prompt ? (
                  <NumberField
                    label={t.kind === 'adaption_prompt' ? 'Adapter length' : 'Virtual tokens'}
                    unit="tokens"
                    value={t.virtualTokens}
                    onChange={(v) => set(i, { virtualTokens: v ?? Number.NaN })}
                    error={err(i, 'virtualTokens')}
                    step={1}
                  />
                ) : null}
                {t.kind === 'full' ? (
                  <CheckField
                    label="Freeze embeddings and head"
                    checked={t.freezeEmbeddings}
                    onChange={(freezeEmbeddings) => set(i, { freezeEmbeddings })}
                  />
                ) : null}
              </div>
              <button
                type="button"
                className="link"
                onClick={() => remove(i)}
                disabled={draft.techniques.length <= 1}
                aria-label={`Remove technique ${i + 1} (${TECHNIQUE_LABELS[t.kind]})`}
              >
                Remove
              </button>
            </li>
          );
        })}
      </ol>
      <button type="button" onClick={add} disabled={draft.techniques.length >= 16}>
        Add technique
      </button>
    </Section>
  );
}
