import { findCatalogModel } from '../../../shared/catalog/models';
import { OPTIMIZERS, PRECISIONS, STRATEGIES } from '../../../shared/domain/plan';
import { imageTokens } from '../../../shared/estimate/vision';
import { STRATEGY_TRAITS } from '../../../shared/domain/strategies';
import { Advanced, CheckField, NumberField, SelectField, Section } from '../../components/fields';
import { count } from '../../format';
import { setIn, type Draft } from '../../state/draft';
import { fieldNotes, type FieldWarnings } from './field-notes';

type Props = {
  draft: Draft;
  errors: Record<string, string>;
  onChange: (d: Draft) => void;
  /** The estimate's warnings by the field they name (issue 14.6). */
  warnings?: FieldWarnings;
};
const num = (v: number | null) => v ?? Number.NaN;

const PRECISION_LABELS: Record<(typeof PRECISIONS)[number], string> = {
  pure_bf16: 'pure bf16 (weights, grads, Adam states in bf16)',
  mixed: 'mixed precision (bf16 compute, fp32 master + Adam)',
  fp32: 'fp32',
  pure_fp16: 'pure fp16',
};
const OPTIMIZER_LABELS: Record<(typeof OPTIMIZERS)[number], string> = {
  adamw: 'AdamW',
  adamw_torch_fused: 'AdamW (fused, transformers default)',
  adamw_8bit: '8-bit AdamW (bitsandbytes)',
  paged_adamw: 'paged AdamW',
  paged_adamw_8bit: 'paged 8-bit AdamW',
  adafactor: 'Adafactor',
  sgd_momentum: 'SGD with momentum',
  lion: 'Lion',
};

export function TrainingSection({ draft, errors, onChange, warnings = {} }: Props) {
  const t = draft.training;
  const set = (k: keyof Draft['training'], v: unknown) => onChange(setIn(draft, ['training', k], v));
  const e = (k: string) => errors[`training.${k}`];
  const w = (k: string) => warnings[`training.${k}`];
  return (
    <Section
      title="Training"
      summary={
        `${PRECISION_LABELS[t.precision].split(' (')[0]} · ${OPTIMIZER_LABELS[t.optimizer]} · ` +
        `micro-batch ${t.microBatch} × ${t.gradAccum} · ${t.seqLen} tokens`
      }
    >
      <div className="grid">
        <SelectField
          label="Precision"
          value={t.precision}
          onChange={(v) => set('precision', v)}
          options={PRECISIONS.map((p) => ({ value: p, label: PRECISION_LABELS[p] }))}
          hint={fieldNotes(null, { warnings: w('precision'), source: 'training.precision' })}
        />
        <SelectField
          label="Optimizer"
          value={t.optimizer}
          onChange={(v) => set('optimizer', v)}
          options={OPTIMIZERS.map((o) => ({ value: o, label: OPTIMIZER_LABELS[o] }))}
          hint={fieldNotes(null, { warnings: w('optimizer'), source: 'training.optimizer' })}
        />
        <NumberField
          label="Micro-batch per GPU"
          unit="sequences"
          value={t.microBatch}
          onChange={(v) => set('microBatch', num(v))}
          error={e('microBatch')}
          step={1}
          hint={fieldNotes(null, { warnings: w('microBatch'), source: 'training.microBatch' })}
        />
        <NumberField
          label="Gradient accumulation"
          unit="steps"
          value={t.gradAccum}
          onChange={(v) => set('gradAccum', num(v))}
          error={e('gradAccum')}
          step={1}
          hint={fieldNotes(null, { warnings: w('gradAccum') })}
        />
        <NumberField
          label="Sequence length"
          unit="tokens"
          value={t.seqLen}
          onChange={(v) => set('seqLen', num(v))}
          error={e('seqLen')}
          step={1}
          hint={fieldNotes('the longest sequence in a micro-batch sets the peak', {
            warnings: w('seqLen'),
            source: 'training.seqLen',
          })}
        />
        <NumberField label="Epochs" value={t.epochs} onChange={(v) => set('epochs', num(v))} error={e('epochs')} />
        <CheckField
          label="Gradient checkpointing"
          checked={t.gradientCheckpointing}
          onChange={(v) => set('gradientCheckpointing', v)}
          hint={fieldNotes('keeps only layer inputs; one extra forward pass', {
            warnings: w('gradientCheckpointing'),
            source: 'training.gradientCheckpointing',
          })}
        />
        <CheckField
          label="Sequence packing"
          checked={t.packing}
          onChange={(v) => set('packing', v)}
          hint="no padding; FlashAttention varlen"
        />
      </div>
      <Advanced>
        <SelectField
          label="Attention kernel"
          value={t.attention}
          onChange={(v) => set('attention', v)}
          options={[
            { value: 'sdpa', label: 'SDPA / FlashAttention' },
            { value: 'eager', label: 'eager (materializes scores)' },
          ]}
        />
        <SelectField
          label="Loss kernel"
          value={t.lossKernel}
          onChange={(v) => set('lossKernel', v)}
          options={[
            { value: 'standard', label: 'standard cross-entropy' },
            { value: 'chunked', label: 'fused / chunked cross-entropy' },
          ]}
          hint={fieldNotes(null, { warnings: w('lossKernel'), source: 'training.lossKernel' })}
        />
        <NumberField
          label="Learning rate"
          value={t.learningRate}
          onChange={(v) => set('learningRate', num(v))}
          error={e('learningRate')}
          hint={fieldNotes('used by exported configs', {
            warnings: w('learningRate'),
            source: 'training.learningRate',
          })}
        />
        <SelectField
          label="Training library"
          value={t.stack}
          onChange={(v) => set('stack', v)}
          options={[
            { value: 'trl', label: 'TRL SFTTrainer (as exported: fused LM head)' },
            { value: 'transformers', label: 'transformers (the model’s own loss, full logits)' },
            { value: 'torchtune', label: 'torchtune' },
          ]}
          hint={fieldNotes('the library that runs training', { warnings: w('stack'), source: 'training.stack' })}
        />
        <CheckField
          label="torch.compile"
          checked={t.compile}
          onChange={(v) => set('compile', v)}
          hint={fieldNotes('fewer saved activations', { warnings: w('compile') })}
        />
        <CheckField
          label="Optimizer step in backward"
          checked={t.optimizerInBackward}
          onChange={(v) => set('optimizerInBackward', v)}
          hint={fieldNotes('frees each gradient after its step; no gradient accumulation', {
            warnings: w('optimizerInBackward'),
          })}
        />
        <CheckField
          label="Activation offloading"
          checked={t.activationOffload}
          onChange={(v) => set('activationOffload', v)}
          hint={fieldNotes('saved tensors to host RAM; needs checkpointing', { warnings: w('activationOffload') })}
        />
        <SelectField
          label="Fused kernels"
          value={t.kernels}
          onChange={(v) => set('kernels', v)}
          options={[
            { value: 'none', label: 'None (stock modules)' },
            { value: 'liger', label: 'Liger (use_liger_kernel)' },
            { value: 'unsloth', label: 'Unsloth (offloaded checkpointing)' },
          ]}
          hint={fieldNotes('fused norm, MLP and loss keep fewer tensors', { warnings: w('kernels') })}
        />
        <CheckField
          label="Expandable allocator segments"
          checked={t.expandableSegments}
          onChange={(v) => set('expandableSegments', v)}
          hint={fieldNotes('expandable_segments:True in PYTORCH_ALLOC_CONF; less cached fragmentation', {
            warnings: w('expandableSegments'),
          })}
        />
        <SelectField
          label="Batch order"
          value={t.samplingStrategy}
          onChange={(v) => set('samplingStrategy', v)}
          options={[
            { value: 'random', label: 'random (shuffled)' },
            { value: 'group_by_length', label: 'grouped by length, longest first' },
          ]}
          hint={fieldNotes('similar lengths batched together: less padding, faster (SFT only)', {
            warnings: w('samplingStrategy'),
          })}
        />
      </Advanced>
    </Section>
  );
}

export function DataSection({ draft, errors, onChange, warnings = {} }: Props) {
  const d = draft.data;
  const set = (k: keyof Draft['data'], v: unknown) => onChange(setIn(draft, ['data', k], v));
  const e = (k: string) => errors[`data.${k}`];
  const w = (k: string) => warnings[`data.${k}`];
  const tokens =
    d.mode === 'tokens' ? d.totalTokens : d.examples * Math.min(d.meanTokensPerExample, draft.training.seqLen);
  // Issue 16: images per example only for a model with a vision tower (catalog or imported config.json).
  const vision =
    draft.model.source === 'custom' ? draft.model.spec.vision : findCatalogModel(draft.model.id)?.spec.vision;
  const sized = vision && (vision.imageSize === null || vision.modelType === 'idefics3');
  const perImage = vision ? imageTokens(vision, d.imageWidth, d.imageHeight) : null;
  return (
    <Section title="Data" summary={`${count(tokens)} training tokens per epoch`}>
      <div className="grid">
        <SelectField
          label="Dataset size given as"
          value={d.mode}
          onChange={(v) => set('mode', v)}
          options={[
            { value: 'examples', label: 'examples × mean tokens' },
            { value: 'tokens', label: 'total tokens' },
          ]}
        />
        {d.mode === 'examples' ? (
          <>
            <NumberField
              label="Examples"
              value={d.examples}
              onChange={(v) => set('examples', num(v))}
              error={e('examples')}
              step={1}
            />
            <NumberField
              label="Mean tokens per example"
              unit="tokens"
              value={d.meanTokensPerExample}
              onChange={(v) => set('meanTokensPerExample', num(v))}
              error={e('meanTokensPerExample')}
            />
          </>
        ) : (
          <NumberField
            label="Total tokens"
            unit="tokens"
            value={d.totalTokens}
            onChange={(v) => set('totalTokens', num(v))}
            error={e('totalTokens')}
          />
        )}
        {vision && perImage ? (
          <>
            <NumberField
              label="Images per example"
              value={d.imagesPerExample}
              onChange={(v) => set('imagesPerExample', num(v))}
              error={e('imagesPerExample')}
              step={1}
              hint={fieldNotes(
                `${count(perImage.lmTokens)} image tokens per image, counted in the tokens per example and the ` +
                  'sequence length',
                { warnings: w('imagesPerExample') },
              )}
            />
            {sized ? (
              <>
                <NumberField
                  label="Image width"
                  unit="px"
                  nullable
                  value={d.imageWidth}
                  onChange={(v) => set('imageWidth', v)}
                  error={e('imageWidth')}
                  step={1}
                  hint="before the processor resizes it; empty: the largest image the processor makes"
                />
                <NumberField
                  label="Image height"
                  unit="px"
                  nullable
                  value={d.imageHeight}
                  onChange={(v) => set('imageHeight', v)}
                  error={e('imageHeight')}
                  step={1}
                />
              </>
            ) : null}
          </>
        ) : null}
      </div>
      <Advanced>
        <NumberField
          label="Longest example"
          unit="tokens"
          nullable
          value={d.maxTokensPerExample}
          onChange={(v) => set('maxTokensPerExample', v)}
          error={e('maxTokensPerExample')}
          hint={fieldNotes('padded batches peak at the longest example; empty: the sequence length', {
            warnings: w('maxTokensPerExample'),
          })}
        />
      </Advanced>
    </Section>
  );
}

export function DistributionSection({ draft, errors, onChange }: Props) {
  const d = draft.distribution;
  const set = (k: keyof Draft['distribution'], v: unknown) => onChange(setIn(draft, ['distribution', k], v));
  const e = (k: string) => errors[`distribution.${k}`];
  return (
    <Section
      title="Distribution"
      summary={
        `${d.gpusPerNode * d.nodes} GPU${d.gpusPerNode * d.nodes > 1 ? 's' : ''} · ` +
        `${STRATEGY_TRAITS[d.strategy].label}` +
        `${d.offloadOptimizer !== 'none' ? ` · optimizer → ${d.offloadOptimizer}` : ''}`
      }
    >
      <div className="grid">
        <NumberField
          label="GPUs per node"
          value={d.gpusPerNode}
          onChange={(v) => set('gpusPerNode', num(v))}
          error={e('gpusPerNode')}
          step={1}
        />
        <NumberField label="Nodes" value={d.nodes} onChange={(v) => set('nodes', num(v))} error={e('nodes')} step={1} />
        <SelectField
          label="Strategy"
          value={d.strategy}
          onChange={(v) => set('strategy', v)}
          options={STRATEGIES.map((s) => ({ value: s, label: STRATEGY_TRAITS[s].label }))}
          hint="ZeRO/FSDP shard model states; activations are never sharded"
        />
        <SelectField
          label="Offload optimizer"
          value={d.offloadOptimizer}
          onChange={(v) => set('offloadOptimizer', v)}
          options={[
            { value: 'none', label: 'no' },
            { value: 'cpu', label: 'to CPU RAM' },
            { value: 'nvme', label: 'to NVMe' },
          ]}
          error={e('offloadOptimizer')}
        />
        <SelectField
          label="Offload parameters"
          value={d.offloadParams}
          onChange={(v) => set('offloadParams', v)}
          options={[
            { value: 'none', label: 'no' },
            { value: 'cpu', label: 'to CPU RAM' },
            { value: 'nvme', label: 'to NVMe' },
          ]}
          error={e('offloadParams')}
        />
      </div>
    </Section>
  );
}
