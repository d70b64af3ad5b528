/**
 * Which plan switches each export target can express (issue 15, "Exports stay honest"). An export of a plan that
 * uses a switch its target cannot express must refuse, or say so in the file header and README — never drop it
 * silently. `unsupportedSwitches` is the one question exporters ask.
 *
 * Sources for the "yes" cells: transformers TrainingArguments `torch_compile` (transformers/training_args.py);
 * TRL SFTConfig `activation_offloading` (trl/trainer/sft_config.py, ported from torchtune's OffloadActivations);
 * Liger's fused linear cross-entropy through SFTConfig `use_liger_kernel` (trl, linkedin/Liger-Kernel). The optimizer
 * step in backward has no TrainingArguments flag (torchtune `optimizer_in_bwd` only). Hosted targets (kaito, olive,
 * service) take a training configuration, not a script: they expose none of these switches. Expandable allocator
 * segments are an environment setting: the TRL script sets it before torch is imported, the frameworks' launch lines
 * carry it (shared/exporters/header.ts allocatorEnv); the hosted targets start their own processes.
 * Length-grouped batches (training.samplingStrategy 'group_by_length') are transformers' LengthGroupedSampler, chosen
 * by TrainingArguments `train_sampling_strategy` since transformers 5.2 (training_args.py line 1380 in 5.24; a boolean
 * `group_by_length` up to 5.1, line 1180 in 5.1.0): the TRL script passes it; LLaMA-Factory takes whichever key its
 * transformers has, axolotl its own `group_by_length`; torchtune's recipes have no length-grouped sampler.
 */
import { OBJECTIVE_KINDS, type ObjectiveKind, type Plan } from './plan';
import { isFsdp } from './strategies';

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
  'ligerKernels',
  'unslothKernels',
  'expandableSegments',
  'lengthGroupedBatches',
] as const;
export type PlanSwitch = (typeof PLAN_SWITCHES)[number];

export const SWITCH_LABELS: Record<PlanSwitch, string> = {
  compile: 'torch.compile (training.compile)',
  optimizerInBackward: 'optimizer step in backward (training.optimizerInBackward)',
  activationOffload: 'activation offloading to CPU (training.activationOffload)',
  chunkedLoss: 'chunked / fused cross-entropy (training.lossKernel: chunked)',
  torchtuneStack: 'the torchtune stack (training.stack: torchtune)',
  ligerKernels: 'Liger kernels (training.kernels: liger)',
  unslothKernels: "Unsloth's kernels and offloaded checkpointing (training.kernels: unsloth)",
  expandableSegments: 'expandable allocator segments (training.expandableSegments)',
  lengthGroupedBatches: 'batches grouped by length, longest first (training.samplingStrategy: group_by_length)',
};

/** true: the target's files express the switch. `json` is the plan file itself: it holds every field. */
export const EXPORT_CAPABILITIES: Record<ExportTarget, Record<PlanSwitch, boolean>> = {
  json: {
    compile: true,
    optimizerInBackward: true,
    activationOffload: true,
    chunkedLoss: true,
    torchtuneStack: true,
    ligerKernels: true,
    unslothKernels: true,
    expandableSegments: true,
    lengthGroupedBatches: true,
  },
  // TRL SFTTrainer script: torch_compile, activation_offloading, use_liger_kernel (transformers TrainingArguments
  // use_liger_kernel, inherited by SFTConfig); no optimizer_in_bwd; no torchtune. Unsloth replaces the model class
  // (FastLanguageModel.from_pretrained / get_peft_model) and has no TrainingArguments flag.
  hf: {
    compile: true,
    optimizerInBackward: false,
    activationOffload: true,
    chunkedLoss: true,
    torchtuneStack: false,
    ligerKernels: true,
    unslothKernels: false,
    expandableSegments: true,
    lengthGroupedBatches: true,
  },
  // The same TRL script launched by DeepSpeed; DeepSpeed does its own offload (of states, not activations in TRL's
  // way).
  deepspeed: {
    compile: true,
    optimizerInBackward: false,
    activationOffload: false,
    chunkedLoss: true,
    torchtuneStack: false,
    ligerKernels: true,
    unslothKernels: false,
    expandableSegments: true,
    lengthGroupedBatches: true,
  },
  // An Azure ML command job running the TRL script.
  azureml: {
    compile: true,
    optimizerInBackward: false,
    activationOffload: true,
    chunkedLoss: true,
    torchtuneStack: false,
    ligerKernels: true,
    unslothKernels: false,
    expandableSegments: true,
    lengthGroupedBatches: true,
  },
  kaito: {
    compile: false,
    optimizerInBackward: false,
    activationOffload: false,
    chunkedLoss: false,
    torchtuneStack: false,
    ligerKernels: false,
    unslothKernels: false,
    expandableSegments: false,
    lengthGroupedBatches: false,
  },
  olive: {
    compile: false,
    optimizerInBackward: false,
    activationOffload: false,
    chunkedLoss: false,
    torchtuneStack: false,
    ligerKernels: false,
    unslothKernels: false,
    expandableSegments: false,
    lengthGroupedBatches: false,
  },
  service: {
    compile: false,
    optimizerInBackward: false,
    activationOffload: false,
    chunkedLoss: false,
    torchtuneStack: false,
    ligerKernels: false,
    unslothKernels: false,
    expandableSegments: false,
    lengthGroupedBatches: false,
  },
  // LLaMA-Factory's arguments extend transformers' Seq2SeqTrainingArguments (torch_compile) and add
  // enable_liger_kernel (src/llamafactory/hparams/model_args.py); no optimizer step in backward, no activation
  // offloading of torchtune's kind (use_unsloth_gc offloads checkpoints, a different mechanism). Length grouping:
  // transformers' own key, as its installed transformers spells it (LLaMA-Factory 0.9.5 accepts transformers
  // 4.55-5.8, src/llamafactory/extras/misc.py line 97; the export pins >= 5.2, train_sampling_strategy).
  'llama-factory': {
    compile: true,
    optimizerInBackward: false,
    activationOffload: false,
    chunkedLoss: true,
    torchtuneStack: false,
    ligerKernels: false,
    unslothKernels: false,
    expandableSegments: true,
    lengthGroupedBatches: true,
  },
  // axolotl: torch_compile, activation_offloading and the Liger plugin (src/axolotl/utils/schemas/config.py);
  // group_by_length (src/axolotl/utils/schemas/training.py line 109), passed to the trainer as
  // train_sampling_strategy="group_by_length" (src/axolotl/core/builders/causal.py lines 270-271 at 067b021).
  axolotl: {
    compile: true,
    optimizerInBackward: false,
    activationOffload: true,
    chunkedLoss: true,
    torchtuneStack: false,
    ligerKernels: false,
    unslothKernels: false,
    expandableSegments: true,
    lengthGroupedBatches: true,
  },
  // torchtune recipes: compile, optimizer_in_bwd, enable_activation_offloading, CEWithChunkedOutputLoss. No
  // length-grouped sampler: the recipes shuffle with a StatefulDistributedSampler
  // (recipes/lora_finetune_single_device.py line 540, recipes/full_finetune_distributed.py line 825; no
  // group_by_length anywhere in pytorch/torchtune).
  torchtune: {
    compile: true,
    optimizerInBackward: true,
    activationOffload: true,
    chunkedLoss: true,
    torchtuneStack: true,
    ligerKernels: false,
    unslothKernels: false,
    expandableSegments: true,
    lengthGroupedBatches: false,
  },
};

/**
 * The objectives whose trainers can draw batches with transformers' LengthGroupedSampler (training.samplingStrategy
 * 'group_by_length'): it reads each row's `input_ids` (transformers 5.24 trainer.py lines 1115-1125, a ValueError
 * otherwise). SFT rows have them; TRL 1.16's DPO and reward rows hold prompt_ids / chosen_ids / rejected_ids
 * (trl/trainer/dpo_trainer.py DataCollatorForPreference, reward_trainer.py line 658, and LLaMA-Factory's pairwise
 * rows chosen_input_ids, data/processor/pairwise.py line 90); KTOTrainer and GRPOTrainer override _get_train_sampler
 * (kto_trainer.py line 1211, grpo_trainer.py line 1280). The estimate (memory.ts shapeRegime), the levers and every
 * exporter ask `groupsByLength`, so none of them can assume an order another one does not write.
 */
export const LENGTH_GROUPED_OBJECTIVES: readonly ObjectiveKind[] = ['sft'];

/**
 * Whether the plan's batches come grouped by length, longest first: asked for, its objective's trainer can, and the
 * plan does not run on torchtune, whose recipes draw with StatefulDistributedSampler and have no such option
 * (recipes/lora_finetune_single_device.py line 540, full_finetune_distributed.py line 825 at bd2a0fc).
 */
export function groupsByLength(plan: {
  training: Partial<Pick<Plan['training'], 'samplingStrategy' | 'stack'>>;
  objective: { kind: ObjectiveKind };
}): boolean {
  return (
    plan.training.samplingStrategy === 'group_by_length' &&
    plan.training.stack !== 'torchtune' &&
    LENGTH_GROUPED_OBJECTIVES.includes(plan.objective.kind)
  );
}

/**
 * Whether an export on transformers' Trainer must ask accelerate to reduce the gradients every micro-batch
 * (`accelerator_config={"gradient_accumulation_kwargs": {"sync_each_batch": True}}`). The estimate counts FSDP's
 * gradients sharded in every micro-batch and a reduce-scatter per micro-batch (memory.ts, time.ts communication);
 * the Trainer's default instead runs the accumulation's other micro-batches under `accelerator.no_sync`
 * (transformers trainer.py, the training loop's sync_context; sync_each_batch defaults to False), where FSDP keeps
 * the full unsharded gradients until the last one ("FSDP will accumulate the full model gradients (instead of
 * gradient shards)": torch/distributed/fsdp/fully_sharded_data_parallel.py `no_sync`; FSDP2
 * set_requires_gradient_sync(False), accelerate accelerator.py `no_sync`). torchtune's recipes reduce every backward.
 */
export function syncsEachBatch(plan: {
  training: Pick<Plan['training'], 'gradAccum' | 'stack'>;
  distribution: Pick<Plan['distribution'], 'strategy' | 'gpusPerNode' | 'nodes'>;
}): boolean {
  const d = plan.distribution;
  return (
    isFsdp(d.strategy) &&
    d.gpusPerNode * d.nodes > 1 &&
    plan.training.gradAccum > 1 &&
    plan.training.stack !== 'torchtune'
  );
}

/** The switches a plan turns on (away from the plan format 1 behaviour). */
export function switchesInUse(plan: Pick<Plan, 'training' | 'objective'>): PlanSwitch[] {
  const t = plan.training;
  const on: Record<PlanSwitch, boolean> = {
    compile: t.compile,
    optimizerInBackward: t.optimizerInBackward,
    activationOffload: t.activationOffload,
    chunkedLoss: t.lossKernel === 'chunked',
    torchtuneStack: t.stack === 'torchtune',
    ligerKernels: t.kernels === 'liger',
    unslothKernels: t.kernels === 'unsloth',
    expandableSegments: t.expandableSegments,
    // Only where the estimate assumed it (groupsByLength): elsewhere the plan's setting changes nothing estimated.
    lengthGroupedBatches: groupsByLength(plan),
  };
  return PLAN_SWITCHES.filter((s) => on[s]);
}

/** The switches the plan uses that `target` cannot express: the exporter refuses or names each in its header. */
export function unsupportedSwitches(plan: Pick<Plan, 'training' | 'objective'>, target: ExportTarget): PlanSwitch[] {
  return switchesInUse(plan).filter((s) => !EXPORT_CAPABILITIES[target][s]);
}

/**
 * The training objectives (plan.objective.kind, issue 19) each target's files can run. A target absent here answers
 * for itself (the framework exporters: their own trainers and stages). The TRL script targets run every objective with
 * its TRL 1.16 trainer (shared/exporters/trl-objectives.ts). KAITO's tuning job runs TRL's SFTTrainer only
 * (kaito-project/kaito presets/workspace/tuning/text-generation/fine_tuning.py, `trainer = SFTTrainer(`, line 144 at
 * 056b828) with the methods lora and qlora (api/v1beta1/workspace_types.go TuningMethod, lines 197-202). Olive's
 * fine-tuning passes train with transformers.Trainer and a causal-LM collator (microsoft/Olive
 * olive/passes/pytorch/lora.py LoRA._run_for_config, `transformers.Trainer(`, line 451 at ee6f40f): next-token loss
 * only. The hosted fine-tuning summary describes supervised fine-tuning.
 */
export const OBJECTIVE_SUPPORT: Partial<Record<ExportTarget, readonly ObjectiveKind[]>> = {
  json: OBJECTIVE_KINDS,
  hf: OBJECTIVE_KINDS,
  deepspeed: OBJECTIVE_KINDS,
  azureml: OBJECTIVE_KINDS,
  kaito: ['sft'],
  olive: ['sft'],
  service: ['sft'],
  // LLaMA-Factory 0.9.5 (hiyouga/LLaMA-Factory @ ff6d4d1): stage pt|sft|rm|ppo|dpo|kto (src/llamafactory/hparams/
  // finetuning_args.py L460), pref_loss sigmoid|hinge|ipo|kto_pair|orpo|simpo for stage dpo (L183); no GRPO stage.
  'llama-factory': ['sft', 'dpo', 'ipo', 'orpo', 'simpo', 'kto', 'reward'],
  // axolotl 0.19 (axolotl-ai-cloud/axolotl @ 067b021): rl dpo|gdpo|grpo|ipo|orpo|kto|simpo|ebft
  // (src/axolotl/utils/schemas/enums.py L28-38). Reward modelling (reward_model: true) is not exported yet.
  axolotl: ['sft', 'dpo', 'ipo', 'orpo', 'simpo', 'kto', 'grpo'],
  // torchtune 0.6 (pytorch/torchtune @ bd2a0fc) has DPO recipes (lora_dpo_single_device, lora_dpo_distributed,
  // full_dpo_distributed with torchtune.rlhf.loss.DPOLoss; rlhf/loss/__init__.py exports DPOLoss, RSOLoss,
  // PPOLoss only) and GRPO only under recipes/dev. Tuneplan's torchtune export writes the SFT recipes only so far.
  torchtune: ['sft'],
};

/**
 * Why `target` cannot run the plan's objective, naming the targets that can; null when it can (or the target has no
 * entry in OBJECTIVE_SUPPORT).
 */
export function objectiveRefusal(plan: Pick<Plan, 'objective'>, target: ExportTarget): string | null {
  if (!objectiveUnsupported(plan, target)) return null;
  const kind = plan.objective.kind;
  const able = EXPORT_TARGETS.filter((t) => t !== 'json' && OBJECTIVE_SUPPORT[t]?.includes(kind));
  return (
    `The plan's objective is ${kind} (objective.kind), which the ${target} export cannot run. ` +
    (able.length ? `Export it as ${able.join(', ')} instead.` : 'No export target runs it yet.')
  );
}

/** true when the target cannot run the plan's objective (the exporter then refuses, naming it). */
export function objectiveUnsupported(plan: Pick<Plan, 'objective'>, target: ExportTarget): boolean {
  const kinds = OBJECTIVE_SUPPORT[target];
  return kinds !== undefined && !kinds.includes(plan.objective.kind);
}

/**
 * A GPTQ or AWQ base (technique.quantType 'gptq' | 'awq', issue 15 §4) trains from a checkpoint that is already packed
 * in int4: transformers reads its quantization_config from config.json and loads it through gptqmodel (GPTQ:
 * transformers/quantizers/quantizer_gptq.py GptqHfQuantizer.validate_environment needs optimum >= 1.24.0 and gptqmodel
 * >= 1.4.3; AWQ: quantizer_awq.py AwqQuantizer.validate_environment needs gptqmodel and accelerate, and is_trainable
 * only with gptqmodel >= 5.0.0), whose kernels need a GPU stack. The exports write a BitsAndBytesConfig (or the
 * frameworks' bitsandbytes settings) for QLoRA, which would quantize a 16-bit checkpoint instead: every target but the
 * plan file refuses, saying what the run needs. Null when the technique has no such base or the target is json.
 */
export function int4BaseRefusal(
  technique: Pick<Plan['techniques'][number], 'kind' | 'quantType' | 'quantGroupSize'>,
  target: ExportTarget,
): string | null {
  if (target === 'json' || technique.kind !== 'qlora') return null;
  if (technique.quantType !== 'gptq' && technique.quantType !== 'awq') return null;
  const gptq = technique.quantType === 'gptq';
  return (
    `This technique trains LoRA on a ${gptq ? 'GPTQ' : 'AWQ'} int4 base (techniques[].quantType: ` +
    `${technique.quantType}, group size ${technique.quantGroupSize}), which the ${target} export cannot write yet: ` +
    'its files quantize a 16-bit checkpoint with bitsandbytes. To run it, load a checkpoint already quantized with ' +
    `${gptq ? 'GPTQ' : 'AWQ'} (its config.json holds the quantization_config; no BitsAndBytesConfig), install ` +
    `${gptq ? 'gptqmodel>=1.4.3 and optimum>=1.24.0' : 'gptqmodel>=5.0.0 and accelerate'} on a CUDA machine, and ` +
    "pass the LoRA config as usual; or pick quantType nf4 to export Tuneplan's bitsandbytes QLoRA."
  );
}
