/**
 * The template for a *new* plan: the settings a practitioner starts from, following TRL's `SFTConfig` defaults
 * and transformers' `TrainingArguments` defaults where they exist. The schema's own defaults (plan.ts) are left
 * as they were, so an old plan file that omits a field keeps its meaning; only new plans start from here.
 *
 * Every default the template sets differently from the schema names where it comes from (`TEMPLATE_SOURCES`),
 * read from the installed libraries (trl 1.16.0, transformers 5.24.0, torch 2.13.0), for the editor to show.
 * All techniques of the template share these settings, so the comparison is made on the same footing.
 */
import { PlanSchema, type Plan, type PlanInput } from './plan';

export interface DefaultSource {
  /** The library whose default this is, and the version it was read from. */
  library: 'trl' | 'transformers' | 'torch';
  version: string;
  /** The file (inside the installed package) and the name that sets it. */
  file: string;
  setting: string;
  /** One sentence the editor can show next to the field. */
  note: string;
}

const TRL = { library: 'trl', version: '1.16.0' } as const;
const TRANSFORMERS = { library: 'transformers', version: '5.24.0' } as const;

/** Plan field path (dot-separated, as the editor names fields) → where its template value comes from. */
export const TEMPLATE_SOURCES = {
  'training.gradientCheckpointing': {
    ...TRL,
    file: 'trl/trainer/base_config.py',
    setting: 'gradient_checkpointing=True',
    note: 'TRL trainers turn gradient checkpointing on by default (transformers’ own default is off).',
  },
  'training.precision': {
    ...TRL,
    file: 'trl/trainer/base_config.py',
    setting: 'bf16=True (when fp16 is not set)',
    note:
      'TRL trains with bf16 autocast by default; the exported script loads the weights in bf16 ' +
      '(dtype=torch.bfloat16), so weights, gradients and AdamW states are bf16.',
  },
  'training.lossKernel': {
    ...TRL,
    file: 'trl/trainer/sft_config.py, trl/trainer/sft_trainer.py',
    setting: 'loss_type="nll"',
    note:
      'SFTTrainer’s default loss computes the log-probabilities in chunks with a fused LM head, without ' +
      'materializing the full logits.',
  },
  'training.learningRate': {
    ...TRL,
    file: 'trl/trainer/sft_config.py',
    setting: 'learning_rate=2e-5',
    note: 'SFTConfig’s default learning rate (transformers’ is 5e-5), chosen for full fine-tuning.',
  },
  'training.seqLen': {
    ...TRL,
    file: 'trl/trainer/sft_config.py',
    setting: 'max_length=1024',
    note: 'SFTConfig truncates sequences to 1,024 tokens by default.',
  },
  'training.microBatch': {
    ...TRANSFORMERS,
    file: 'transformers/training_args.py',
    setting: 'per_device_train_batch_size=8',
    note: 'TrainingArguments’ default batch size per device.',
  },
  'training.stack': {
    ...TRL,
    file: 'trl/trainer/sft_trainer.py',
    setting: 'SFTTrainer with loss_type="nll"',
    note:
      'The exported script runs TRL’s SFTTrainer, which scores the loss through its fused LM head in tiles (no ' +
      'full logits tensor, no KV cache); the estimate models exactly that.',
  },
  'training.optimizer': {
    ...TRANSFORMERS,
    file: 'transformers/training_args.py',
    setting: 'optim="adamw_torch_fused" (torch >= 2.8)',
    note: 'transformers’ default optimizer on current PyTorch: torch’s fused AdamW, one in-place kernel per step.',
  },
} satisfies Record<string, DefaultSource>;

export type TemplateField = keyof typeof TEMPLATE_SOURCES;

/** The template as a plan file would hold it (what `PlanSchema` fills in is left out). */
export const PLAN_TEMPLATE: PlanInput = {
  name: 'Untitled plan',
  model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
  techniques: [{ kind: 'full' }, { kind: 'lora' }, { kind: 'qlora' }, { kind: 'dora' }],
  training: {
    precision: 'pure_bf16',
    optimizer: 'adamw_torch_fused',
    microBatch: 8,
    gradAccum: 1,
    seqLen: 1024,
    gradientCheckpointing: true,
    lossKernel: 'chunked',
    stack: 'trl',
    learningRate: 2e-5,
    epochs: 3, // TrainingArguments num_train_epochs=3.0 (the schema's default too)
  },
};

/** A new plan from the template, every field filled. */
export function newPlanFromTemplate(overrides: Partial<Pick<PlanInput, 'name' | 'model'>> = {}): Plan {
  return PlanSchema.parse({ ...PLAN_TEMPLATE, ...overrides });
}
