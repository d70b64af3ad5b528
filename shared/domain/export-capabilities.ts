/**
 * Which plan switches each export target can express (issue 15, "Exports stay honest"). An export of a plan that
 * uses a switch its target cannot express must refuse, or say so in the file header and README — never drop it
 * silently. `unsupportedSwitches` is the one question exporters ask.
 *
 * Sources for the "yes" cells: transformers TrainingArguments `torch_compile` (transformers/training_args.py);
 * TRL SFTConfig `activation_offloading` (trl/trainer/sft_config.py, ported from torchtune's OffloadActivations);
 * Liger's fused linear cross-entropy through SFTConfig `use_liger_kernel` (trl, linkedin/Liger-Kernel). The optimizer
 * step in backward has no TrainingArguments flag (torchtune `optimizer_in_bwd` only). Hosted targets (kaito, olive,
 * service) take a training configuration, not a script: they expose none of these switches.
 */
import type { Plan } from './plan';

/** Every export target, in the order the UI and the CLI list them (shared/exporters/training.ts EXPORT_FORMATS). */
export const EXPORT_TARGETS = [
  'json',
  'hf',
  'deepspeed',
  'azureml',
  'kaito',
  'olive',
  'service',
  'llama-factory',
  'axolotl',
  'torchtune',
] as const;
export type ExportTarget = (typeof EXPORT_TARGETS)[number];

export const PLAN_SWITCHES = [
  'compile',
  'optimizerInBackward',
  'activationOffload',
  'chunkedLoss',
  'torchtuneStack',
] as const;
export type PlanSwitch = (typeof PLAN_SWITCHES)[number];

export const SWITCH_LABELS: Record<PlanSwitch, string> = {
  compile: 'torch.compile (training.compile)',
  optimizerInBackward: 'optimizer step in backward (training.optimizerInBackward)',
  activationOffload: 'activation offloading to CPU (training.activationOffload)',
  chunkedLoss: 'chunked / fused cross-entropy (training.lossKernel: chunked)',
  torchtuneStack: 'the torchtune stack (training.stack: torchtune)',
};

/** true: the target's files express the switch. `json` is the plan file itself: it holds every field. */
export const EXPORT_CAPABILITIES: Record<ExportTarget, Record<PlanSwitch, boolean>> = {
  json: { compile: true, optimizerInBackward: true, activationOffload: true, chunkedLoss: true, torchtuneStack: true },
  // TRL SFTTrainer script: torch_compile, activation_offloading, use_liger_kernel; no optimizer_in_bwd; no torchtune.
  hf: { compile: true, optimizerInBackward: false, activationOffload: true, chunkedLoss: true, torchtuneStack: false },
  // The same TRL script launched by DeepSpeed; DeepSpeed does its own offload (of states, not activations in TRL's
  // way).
  deepspeed: {
    compile: true,
    optimizerInBackward: false,
    activationOffload: false,
    chunkedLoss: true,
    torchtuneStack: false,
  },
  // An Azure ML command job running the TRL script.
  azureml: {
    compile: true,
    optimizerInBackward: false,
    activationOffload: true,
    chunkedLoss: true,
    torchtuneStack: false,
  },
  kaito: {
    compile: false,
    optimizerInBackward: false,
    activationOffload: false,
    chunkedLoss: false,
    torchtuneStack: false,
  },
  olive: {
    compile: false,
    optimizerInBackward: false,
    activationOffload: false,
    chunkedLoss: false,
    torchtuneStack: false,
  },
  service: {
    compile: false,
    optimizerInBackward: false,
    activationOffload: false,
    chunkedLoss: false,
    torchtuneStack: false,
  },
  // LLaMA-Factory's arguments extend transformers' Seq2SeqTrainingArguments (torch_compile) and add
  // enable_liger_kernel (src/llamafactory/hparams/model_args.py); no optimizer step in backward, no activation
  // offloading of torchtune's kind (use_unsloth_gc offloads checkpoints, a different mechanism).
  'llama-factory': {
    compile: true,
    optimizerInBackward: false,
    activationOffload: false,
    chunkedLoss: true,
    torchtuneStack: false,
  },
  // axolotl: torch_compile, activation_offloading and the Liger plugin (src/axolotl/utils/schemas/config.py).
  axolotl: {
    compile: true,
    optimizerInBackward: false,
    activationOffload: true,
    chunkedLoss: true,
    torchtuneStack: false,
  },
  // torchtune recipes: compile, optimizer_in_bwd, enable_activation_offloading, CEWithChunkedOutputLoss.
  torchtune: {
    compile: true,
    optimizerInBackward: true,
    activationOffload: true,
    chunkedLoss: true,
    torchtuneStack: true,
  },
};

/** The switches a plan turns on (away from the plan format 1 behaviour). */
export function switchesInUse(plan: Pick<Plan, 'training'>): PlanSwitch[] {
  const t = plan.training;
  const on: Record<PlanSwitch, boolean> = {
    compile: t.compile,
    optimizerInBackward: t.optimizerInBackward,
    activationOffload: t.activationOffload,
    chunkedLoss: t.lossKernel === 'chunked',
    torchtuneStack: t.stack === 'torchtune',
  };
  return PLAN_SWITCHES.filter((s) => on[s]);
}

/** The switches the plan uses that `target` cannot express: the exporter refuses or names each in its header. */
export function unsupportedSwitches(plan: Pick<Plan, 'training'>, target: ExportTarget): PlanSwitch[] {
  return switchesInUse(plan).filter((s) => !EXPORT_CAPABILITIES[target][s]);
}
