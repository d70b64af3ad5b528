/**
 * The training objective (issue 19): SFT, the preference objectives TRL implements, reward modelling and GRPO.
 * Only the fields the chosen objective reads are shown; every name follows TRL 1.16's config classes.
 */
import {
  GENERATION_ENGINES,
  OBJECTIVE_KINDS,
  REFERENCE_SOURCES,
  type ObjectiveKind,
} from '../../../shared/domain/plan';
import { Advanced, CheckField, NumberField, SelectField, Section } from '../../components/fields';
import { setIn, type Draft } from '../../state/draft';
import { fieldNotes, type FieldWarnings } from './field-notes';

type Props = {
  draft: Draft;
  errors: Record<string, string>;
  onChange: (d: Draft) => void;
  warnings?: FieldWarnings;
  /** The name of the plan this one builds on (objective.basePlanId), when it is in the list. */
  basePlanName?: string | null;
  /** Opens the plan this one builds on (the screen's plans actions). */
  onOpenBase?: (() => void) | undefined;
};
const num = (v: number | null) => v ?? Number.NaN;

export const OBJECTIVE_LABELS: Record<ObjectiveKind, string> = {
  sft: 'SFT: supervised fine-tuning',
  dpo: 'DPO: direct preference optimization',
  ipo: 'IPO: DPO with the IPO loss',
  orpo: 'ORPO: odds-ratio preference (no reference)',
  simpo: 'SimPO: simple preference (no reference)',
  kto: 'KTO: unpaired good/bad examples',
  reward: 'Reward model: a scoring head on pairs',
  grpo: 'GRPO: RL with sampled completions',
};
const REFERENCE_LABELS: Record<(typeof REFERENCE_SOURCES)[number], string> = {
  copy: 'a frozen copy of the model',
  peft_base: 'the base with the adapter disabled (PEFT)',
  precomputed: 'log-probabilities computed before training',
};
const ENGINE_LABELS: Record<(typeof GENERATION_ENGINES)[number], string> = {
  vllm_colocate: 'vLLM on the training GPUs (colocate)',
  vllm_server: 'vLLM server on separate GPUs',
  transformers: 'transformers generate (no vLLM)',
};

/** Objectives that read reference log-probabilities (GRPO only when beta > 0). */
export const USES_REFERENCE: ReadonlySet<ObjectiveKind> = new Set(['dpo', 'ipo', 'kto']);
const PREFERENCE: ReadonlySet<ObjectiveKind> = new Set(['dpo', 'ipo', 'orpo', 'simpo', 'kto', 'reward']);

export function objectiveSummary(o: Draft['objective']): string {
  const head = OBJECTIVE_LABELS[o.kind].split(':')[0] ?? o.kind;
  if (o.kind === 'grpo') return `${head} · ${o.numGenerations} generations × ${o.completionTokens} tokens`;
  if (USES_REFERENCE.has(o.kind)) return `${head} · reference: ${REFERENCE_LABELS[o.reference]}`;
  return head;
}

export function ObjectiveSection({ draft, errors, onChange, warnings = {}, basePlanName = null, onOpenBase }: Props) {
  const o = draft.objective;
  const set = (k: keyof Draft['objective'], v: unknown) => onChange(setIn(draft, ['objective', k], v));
  const e = (k: string) => errors[`objective.${k}`];
  const w = (k: string) => warnings[`objective.${k}`];
  const defaultBeta = o.kind === 'grpo' ? 0 : 0.1;
  return (
    <Section title="Objective" summary={objectiveSummary(o)}>
      <div className="grid">
        <SelectField
          label="Objective"
          value={o.kind}
          onChange={(v) => set('kind', v)}
          options={OBJECTIVE_KINDS.map((k) => ({ value: k, label: OBJECTIVE_LABELS[k] }))}
          hint={fieldNotes(
            o.kind === 'sft' ? 'train on prompt → answer examples' : 'TRL 1.16 trainer; the export runs it',
            { warnings: w('kind') },
          )}
        />
        {basePlanName ? (
          // A whole row of the grid: the note, and a button that opens the base plan.
          <p className="hint objective-base" data-testid="objective-base">
            Starts from the output of the plan “{basePlanName}”.{' '}
            {onOpenBase ? (
              <button type="button" className="link" onClick={onOpenBase}>
                Open “{basePlanName}”
              </button>
            ) : null}
          </p>
        ) : null}
        {USES_REFERENCE.has(o.kind) ? (
          <SelectField
            label="Reference model"
            value={o.reference}
            onChange={(v) => set('reference', v)}
            options={REFERENCE_SOURCES.map((r) => ({ value: r, label: REFERENCE_LABELS[r] }))}
            hint={fieldNotes('where the reference log-probabilities come from', { warnings: w('reference') })}
          />
        ) : null}
        {o.kind !== 'sft' && o.kind !== 'reward' && o.kind !== 'orpo' ? (
          <NumberField
            label="Beta"
            value={o.beta}
            onChange={(v) => set('beta', v)}
            nullable
            error={e('beta')}
            hint={`empty = the trainer's default (${defaultBeta})${
              o.kind === 'grpo' ? '; above 0 loads a reference model' : ''
            }`}
          />
        ) : null}
        {PREFERENCE.has(o.kind) || o.kind === 'grpo' ? (
          <NumberField
            label="Prompt length"
            unit="tokens"
            value={o.promptTokens}
            onChange={(v) => set('promptTokens', num(v))}
            error={e('promptTokens')}
            step={1}
            hint={o.kind === 'grpo' ? 'per prompt' : 'the rest of the sequence length is the completion'}
          />
        ) : null}
        {o.kind === 'grpo' ? (
          <>
            <NumberField
              label="Generations per prompt"
              value={o.numGenerations}
              onChange={(v) => set('numGenerations', num(v))}
              error={e('numGenerations')}
              step={1}
              hint={fieldNotes('num_generations; the generation batch must divide by it', {
                warnings: w('numGenerations'),
              })}
            />
            <NumberField
              label="Completion length"
              unit="tokens"
              value={o.completionTokens}
              onChange={(v) => set('completionTokens', num(v))}
              error={e('completionTokens')}
              step={1}
              hint="max_completion_length"
            />
            <SelectField
              label="Generation engine"
              value={o.generation}
              onChange={(v) => set('generation', v)}
              options={GENERATION_ENGINES.map((g) => ({ value: g, label: ENGINE_LABELS[g] }))}
              hint={fieldNotes(null, { warnings: w('generation') })}
            />
          </>
        ) : null}
      </div>
      {o.kind === 'grpo' && o.generation !== 'transformers' ? (
        <Advanced label="vLLM">
          {o.generation === 'vllm_colocate' ? (
            <>
              <NumberField
                label="vLLM GPU memory share"
                value={o.vllmGpuMemoryUtilization}
                onChange={(v) => set('vllmGpuMemoryUtilization', num(v))}
                error={e('vllmGpuMemoryUtilization')}
                step={0.05}
                hint={fieldNotes('vllm_gpu_memory_utilization: taken up front for weights and KV cache', {
                  warnings: w('vllmGpuMemoryUtilization'),
                })}
              />
              <CheckField
                label="vLLM sleep mode"
                checked={o.vllmSleepMode}
                onChange={(v) => set('vllmSleepMode', v)}
                hint="vllm_enable_sleep_mode: vLLM frees its memory during the update"
              />
            </>
          ) : (
            <NumberField
              label="Generation GPUs"
              unit="GPUs"
              value={o.vllmServerGpus}
              onChange={(v) => set('vllmServerGpus', num(v))}
              error={e('vllmServerGpus')}
              step={1}
              hint="run `trl vllm-serve` on these, beside the training GPUs (paid for too)"
            />
          )}
          <NumberField
            label="vLLM tensor parallel"
            value={o.vllmTensorParallel}
            onChange={(v) => set('vllmTensorParallel', num(v))}
            error={e('vllmTensorParallel')}
            step={1}
          />
        </Advanced>
      ) : null}
    </Section>
  );
}
