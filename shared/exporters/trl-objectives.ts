/**
 * The objective-specific parts of the TRL script (shared/exporters/training.ts hfScript) for each plan objective
 * (issue 19): which TRL 1.16 trainer and config class run it, the config arguments that make the script train the job
 * the estimate sized, the reference model, the dataset format the trainer reads, and what the script cannot express.
 *
 * Sources (TRL 1.16.0, trl/…):
 * - DPO / IPO: trainer/dpo_trainer.py DPOTrainer.__init__ (reference model: ref_model=None under PEFT → the adapter is
 *   disabled for the reference forward; precompute_ref_log_probs=True → no reference model during training; else a
 *   copy loaded with the policy's dtype and quantization_config), trainer/dpo_config.py (loss_type "sigmoid" / "ipo",
 *   beta default 0.1, max_length = prompt + completion).
 * - KTO: trainer/kto_trainer.py (same reference rules; "Actual (not effective) batch size must be > 1" when the KL
 *   term is estimated, KTOTrainer.__init__), trainer/kto_config.py.
 * - ORPO: experimental/orpo (ORPOConfig, ORPOTrainer; no reference model; beta is the λ of the odds-ratio term).
 * - SimPO: experimental/cpo (CPOConfig loss_type="simpo" with cpo_alpha=0.0, TRL's documented SimPO recipe; no
 *   reference model).
 * - Reward model: trainer/reward_trainer.py (AutoModelForSequenceClassification with num_labels=1; a PEFT config with
 *   task_type SEQ_CLS keeps the new score head trainable through PEFT's modules_to_save).
 * - GRPO: trainer/grpo_config.py, trainer/grpo_trainer.py (num_generations, max_completion_length, beta default 0.0 =
 *   no reference model; beta > 0 under PEFT → adapter disabled, else a copy; use_vllm / vllm_mode colocate|server,
 *   vllm_gpu_memory_utilization, vllm_enable_sleep_mode, vllm_tensor_parallel_size; reward functions are called as
 *   reward_func(prompts=, completions=, completion_ids=, **columns) → one float per completion), and
 *   generation/vllm_generation.py (colocate: "tensor_parallel_size must divide world size").
 * - Dataset formats: TRL docs "Dataset formats and types" (preference: prompt/chosen/rejected; unpaired preference:
 *   prompt/completion/label; prompt-only: prompt), conversational or standard.
 */
import { groupsByLength } from '../domain/export-capabilities';
import type { Objective, ObjectiveKind, Plan, Technique } from '../domain/plan';
import { vllmMaxModelLength } from '../estimate/objective';

/** The TRL trainer and config class each objective runs, and where TRL 1.16 exports them. */
export const TRL_TRAINERS: Record<ObjectiveKind, { trainer: string; config: string; module: string }> = {
  sft: { trainer: 'SFTTrainer', config: 'SFTConfig', module: 'trl' },
  dpo: { trainer: 'DPOTrainer', config: 'DPOConfig', module: 'trl' },
  ipo: { trainer: 'DPOTrainer', config: 'DPOConfig', module: 'trl' },
  kto: { trainer: 'KTOTrainer', config: 'KTOConfig', module: 'trl' },
  // ORPO and CPO moved to trl.experimental (trl/experimental/orpo/__init__.py, trl/experimental/cpo/__init__.py).
  orpo: { trainer: 'ORPOTrainer', config: 'ORPOConfig', module: 'trl.experimental.orpo' },
  simpo: { trainer: 'CPOTrainer', config: 'CPOConfig', module: 'trl.experimental.cpo' },
  reward: { trainer: 'RewardTrainer', config: 'RewardConfig', module: 'trl' },
  grpo: { trainer: 'GRPOTrainer', config: 'GRPOConfig', module: 'trl' },
};

/** Human names for headers and READMEs. */
export const OBJECTIVE_NAMES: Record<ObjectiveKind, string> = {
  sft: 'supervised fine-tuning',
  dpo: 'DPO',
  ipo: 'IPO',
  kto: 'KTO',
  orpo: 'ORPO',
  simpo: 'SimPO',
  reward: 'reward modelling',
  grpo: 'GRPO',
};

/**
 * The trainers' own defaults of beta (TRL 1.16 *_config.py), written out when the plan leaves beta to the trainer
 * (objective.beta null), so the file says what runs.
 */
export const TRL_DEFAULT_BETA: Partial<Record<ObjectiveKind, number>> = {
  dpo: 0.1,
  ipo: 0.1,
  kto: 0.1,
  orpo: 0.1,
  simpo: 0.1,
  grpo: 0.0,
};

const PEFT_FREE: ReadonlySet<Technique['kind']> = new Set(['full']);
const usesPeft = (t: Technique) => !PEFT_FREE.has(t.kind);

/** The objectives whose trainer keeps a reference model (or its precomputed log-probabilities). */
const REFERENCE_OBJECTIVES: ReadonlySet<ObjectiveKind> = new Set(['dpo', 'ipo', 'kto']);

/** The beta the script writes: the plan's, else the trainer's default. */
export function exportedBeta(o: Objective): number | null {
  return o.beta ?? TRL_DEFAULT_BETA[o.kind] ?? null;
}

/**
 * How the reference log-probabilities are computed in the exported script.
 * 'copy': the script loads a frozen copy and passes ref_model; 'adapter-off': ref_model=None under PEFT; 'precomputed':
 * precompute_ref_log_probs=True; 'none': the objective has no reference (ORPO, SimPO, reward, GRPO with beta 0).
 * 'trl-copy': GRPO with beta > 0 and full fine-tuning, where GRPOTrainer loads the copy itself.
 */
export type ReferenceMode = 'copy' | 'adapter-off' | 'precomputed' | 'none' | 'trl-copy';

export function referenceMode(plan: Pick<Plan, 'objective'>, technique: Technique): ReferenceMode {
  const o = plan.objective;
  if (o.kind === 'grpo') {
    if ((exportedBeta(o) ?? 0) === 0) return 'none';
    return usesPeft(technique) ? 'adapter-off' : 'trl-copy';
  }
  if (!REFERENCE_OBJECTIVES.has(o.kind)) return 'none';
  if (o.reference === 'precomputed') return 'precomputed';
  if (o.reference === 'peft_base' && usesPeft(technique)) return 'adapter-off';
  return 'copy';
}

/** Notes (header and README) where the script's reference differs from what the plan asked for, and why. */
function referenceNotes(plan: Pick<Plan, 'objective'>, technique: Technique): string[] {
  const o = plan.objective;
  const mode = referenceMode(plan, technique);
  if (REFERENCE_OBJECTIVES.has(o.kind) && o.reference === 'peft_base' && mode === 'copy')
    return [
      'REFERENCE: the plan asks for the adapter-disabled base as reference, which needs a PEFT technique; full ' +
        'fine-tuning has no adapter to disable, so this script loads a frozen copy of the model as reference ' +
        '(what TRL does too, trl/trainer/dpo_trainer.py DPOTrainer.__init__).',
    ];
  if (o.kind === 'grpo' && mode === 'adapter-off' && o.reference !== 'peft_base')
    return [
      `REFERENCE: GRPOTrainer takes no ref_model: with beta ${exportedBeta(o)} under PEFT it computes the ` +
        "reference with the adapter disabled (trl/trainer/grpo_trainer.py, 'If PEFT is used, the reference model " +
        `is not needed'), not the plan's "${o.reference}".`,
    ];
  if (o.kind === 'grpo' && mode === 'trl-copy' && o.reference !== 'copy')
    return [
      `REFERENCE: GRPOTrainer with beta ${exportedBeta(o)} and full fine-tuning loads a frozen copy of the model ` +
        `as reference (trl/trainer/grpo_trainer.py); it cannot use "${o.reference}".`,
    ];
  return [];
}

/** Config arguments TRL 1.16 accepts for activation offloading (DPOConfig, KTOConfig, RewardConfig, SFTConfig). */
const ACTIVATION_OFFLOAD: ReadonlySet<ObjectiveKind> = new Set(['sft', 'dpo', 'ipo', 'kto', 'reward']);

export interface TrlObjectiveParts {
  kind: ObjectiveKind;
  trainer: string;
  config: string;
  /** `from trl import DPOConfig, DPOTrainer` */
  importLine: string;
  /** Lines of the config call (8-space indent) that carry the objective's settings. */
  configArgs: string[];
  /**
   * Rows per evaluation batch the objective needs (per_device_eval_batch_size), or null to evaluate in the training
   * micro-batch. GRPOConfig.__post_init__: with evaluation on, per_device_eval_batch_size × processes must divide by
   * the generations per prompt; num_generations per device always does.
   */
  evalBatch: number | null;
  /** Whether the config can take activation_offloading=True. */
  activationOffload: boolean;
  /** Whether the trainer can group batches by length (train_sampling_strategy="group_by_length"). */
  lengthGroupedBatches: boolean;
  /** The reference model: how the script computes the reference log-probabilities. */
  reference: ReferenceMode;
  /** A sequence-classification model with one output (reward modelling). */
  sequenceClassifier: boolean;
  /** Module-level Python (the GRPO placeholder reward function), before parse_args. */
  moduleCode: string[];
  /** Extra keyword lines of the trainer call (8-space indent). */
  trainerArgs: string[];
  /** Sentences for the header and README. */
  notes: string[];
  /** Why the script cannot be written for this plan (null when it can). */
  refusal: string | null;
}

/**
 * The GRPO placeholder reward: TRL calls each reward function with the prompts, the completions (strings, or lists of
 * messages for conversational data) and the dataset's other columns, and wants one float per completion
 * (trl/trainer/grpo_trainer.py _calculate_rewards). It must be replaced; it is only there so the script runs.
 */
export const GRPO_PLACEHOLDER_REWARD = [
  '',
  '# ---------------------------------------------------------------------------------------------------------------',
  '# PLACEHOLDER REWARD — REPLACE IT. GRPO learns whatever this function rewards. This one only prefers completions',
  '# of about TARGET_CHARS characters, so the script runs end to end; it knows nothing about your task. Write a',
  '# function with the same signature that scores each completion (a checker, a unit test, a reward model, ...).',
  '# TRL calls it as reward_func(prompts=..., completions=..., completion_ids=..., **other_dataset_columns) and',
  '# wants one float per completion (trl/trainer/grpo_trainer.py _calculate_rewards); several functions can be',
  '# passed in reward_funcs, weighted by GRPOConfig.reward_weights.',
  '# ---------------------------------------------------------------------------------------------------------------',
  'TARGET_CHARS = 200',
  '',
  '',
  'def placeholder_length_reward(completions, **kwargs) -> list[float]:',
  '    texts = [c[-1]["content"] if isinstance(c, list) else c for c in completions]  # conversational or text',
  '    return [-abs(len(t) - TARGET_CHARS) / TARGET_CHARS for t in texts]',
  '',
];

/** The objective-specific parts of the TRL script for this plan and technique. */
export function trlObjectiveParts(plan: Plan, technique: Technique, gpus: number): TrlObjectiveParts {
  const o = plan.objective;
  const tr = plan.training;
  const names = TRL_TRAINERS[o.kind];
  const beta = exportedBeta(o);
  const betaLine = (what: string) =>
    `        beta=${beta},  # ${o.beta === null ? `the ${names.config} default in TRL 1.16 (${what})` : what}`;
  const reference = referenceMode(plan, technique);
  const notes = referenceNotes(plan, technique);
  const configArgs: string[] = [];
  const trainerArgs: string[] = [];
  let refusal: string | null = null;
  let moduleCode: string[] = [];
  if (technique.kind === 'adaption_prompt' && o.kind !== 'sft')
    refusal =
      `${OBJECTIVE_NAMES[o.kind]} with LLaMA-Adapter (adaption prompt) is not exported: TRL 1.16's ` +
      `${names.trainer} ${
        o.kind === 'reward'
          ? 'trains a sequence-classification model, and PEFT implements adaption prompts for causal LMs only'
          : 'scores sequences through model calls PEFT’s AdaptionPromptModel does not pass on (the SFT export ' +
            "works around this with the model's own loss, which these trainers do not use)"
      }. Pick LoRA or another PEFT technique for this objective.`;
  switch (o.kind) {
    case 'sft':
      configArgs.push(
        `        max_length=${tr.seqLen},`,
        `        packing=${tr.packing ? 'True' : 'False'},`,
        // TRL's default packing ('bfd') is padding-free: the micro-batch becomes one row whose position ids restart
        // per example, and with SDPA or eager attention transformers then builds a block-diagonal mask over the whole
        // row (masking_utils.py find_packed_sequence_indices; sft_trainer.py: bfd forces padding_free), (b·L)²
        // entries a layer and attention over b·L keys. The estimate sizes rows of max_length tokens, causal, with no
        // mask: 'wrapped' packs exactly that (examples may be cut and attend across their boundaries).
        ...(tr.packing
          ? [
              '        packing_strategy="wrapped",  # rows of max_length tokens, causal, no mask: what was ' +
                'estimated',
            ]
          : []),
      );
      break;
    case 'dpo':
    case 'ipo':
    case 'kto':
      configArgs.push(
        `        max_length=${tr.seqLen},  # prompt + completion, as the estimate sized the chosen/rejected forwards`,
        ...(o.kind === 'kto'
          ? ['        loss_type="kto",']
          : [`        loss_type=${o.kind === 'ipo' ? '"ipo"' : '"sigmoid"'},  # DPOConfig: "sigmoid" is DPO`]),
        betaLine(o.kind === 'ipo' ? "IPO's τ" : 'KL strength toward the reference'),
        `        precompute_ref_log_probs=${reference === 'precomputed' ? 'True' : 'False'},` +
          (reference === 'precomputed' ? '  # one reference pass over the data before training' : ''),
      );
      if (reference === 'copy') trainerArgs.push('        ref_model=ref_model,');
      if (o.kind === 'kto' && tr.microBatch < 2)
        refusal =
          `KTO needs a micro batch of at least 2: TRL 1.16's KTOTrainer estimates its KL term from the other ` +
          `examples of the batch and refuses batch size 1 ("Actual (not effective) batch size must be > 1", ` +
          `trl/trainer/kto_trainer.py KTOTrainer.__init__). Set the micro batch to 2 or more.`;
      break;
    case 'orpo':
      configArgs.push(
        `        max_length=${tr.seqLen},  # prompt + completion`,
        betaLine("λ, the odds-ratio term's weight"),
      );
      break;
    case 'simpo':
      configArgs.push(
        `        max_length=${tr.seqLen},  # prompt + completion`,
        '        loss_type="simpo",',
        '        cpo_alpha=0.0,  # SimPO is CPOTrainer with loss_type "simpo" and no NLL term (TRL CPO docs)',
        betaLine('SimPO reward scale'),
        '        simpo_gamma=0.5,  # target reward margin, the CPOConfig default',
      );
      break;
    case 'reward':
      configArgs.push(`        max_length=${tr.seqLen},  # prompt + completion`);
      break;
    case 'grpo': {
      const colocate = o.generation === 'vllm_colocate';
      const server = o.generation === 'vllm_server';
      configArgs.push(
        `        num_generations=${o.numGenerations},  # completions per prompt`,
        `        max_completion_length=${o.completionTokens},`,
        betaLine(beta === 0 ? 'no reference model' : 'KL strength toward the reference'),
        `        use_vllm=${colocate || server ? 'True' : 'False'},` +
          (colocate || server ? '  # pip install "trl[vllm]"' : '  # generation with transformers generate()'),
        ...(colocate
          ? [
              '        vllm_mode="colocate",  # vLLM runs inside each training process',
              `        vllm_gpu_memory_utilization=${o.vllmGpuMemoryUtilization},  # share of each GPU for vLLM's ` +
                'weights and KV cache',
              `        vllm_enable_sleep_mode=${o.vllmSleepMode ? 'True' : 'False'},`,
              `        vllm_tensor_parallel_size=${o.vllmTensorParallel},`,
              // Unset, vLLM takes the model's whole context and may refuse to start (objective.ts vllmMaxModelLength).
              `        vllm_max_model_length=${vllmMaxModelLength(o)},  # prompt + completion, what the estimate ` +
                'sized the KV cache for',
            ]
          : []),
        ...(server
          ? [
              '        vllm_mode="server",  # a `trl vllm-serve` server on separate GPUs (see README)',
              '        vllm_server_host=os.environ.get("VLLM_SERVER_HOST", "0.0.0.0"),',
              '        vllm_server_port=int(os.environ.get("VLLM_SERVER_PORT", "8000")),',
            ]
          : []),
      );
      trainerArgs.push('        reward_funcs=[placeholder_length_reward],  # REPLACE: see the placeholder above');
      moduleCode = GRPO_PLACEHOLDER_REWARD;
      if (colocate && gpus % o.vllmTensorParallel !== 0)
        refusal =
          `vLLM colocated with tensor parallel size ${o.vllmTensorParallel} needs a GPU count it divides: TRL ` +
          `1.16 raises "tensor_parallel_size (${o.vllmTensorParallel}) must divide world size (${gpus}) evenly" ` +
          '(trl/generation/vllm_generation.py). Change the GPUs or the tensor parallel size.';
      notes.push(
        `PROMPTS: the estimate assumes prompts of about ${o.promptTokens} tokens; TRL 1.16's GRPOTrainer does not ` +
          'truncate prompts (GRPOConfig has no max_prompt_length), so longer prompts use more memory than estimated.',
      );
      if (server)
        notes.push(
          `vLLM SERVER: this plan's ${gpus} GPU(s) train; start the generation server on ${o.vllmServerGpus} other ` +
            'GPU(s) first with `trl vllm-serve` (the README has the line).',
        );
      break;
    }
  }
  if (o.kind !== 'sft' && tr.packing)
    notes.push(
      `NOT EXPRESSED: packing — TRL 1.16's ${names.trainer} has no packing (DPOConfig's padding_free is ` +
        'temporarily disabled); batches are padded, so memory and time differ from a packed estimate.',
    );
  if (o.kind !== 'sft' && tr.lossKernel === 'chunked')
    notes.push(
      `NOT EXPRESSED: chunked / fused cross-entropy — use_liger_kernel is deprecated in TRL 1.16's preference and ` +
        `RL trainers (trl/trainer/base_config.py); ${
          ['dpo', 'ipo', 'kto', 'grpo'].includes(o.kind)
            ? `${names.trainer} scores through its own fused LM head`
            : `${names.trainer} computes full logits`
        }.`,
    );
  if (tr.activationOffload && !ACTIVATION_OFFLOAD.has(o.kind))
    notes.push(
      `NOT EXPRESSED: activation offloading — ${names.config} has no activation_offloading setting in TRL 1.16; ` +
        'this run keeps activations on the GPU.',
    );
  if (tr.samplingStrategy === 'group_by_length' && !groupsByLength(plan))
    notes.push(
      `Not applied: batches grouped by length — ${
        tr.stack === 'torchtune'
          ? 'the plan runs on torchtune, which has no length-grouped sampler'
          : `${names.trainer} cannot use transformers' LengthGroupedSampler (it needs input_ids rows and the ` +
            'default sampler)'
      }; the estimate assumed random order, as this run draws its batches.`,
    );
  return {
    kind: o.kind,
    trainer: names.trainer,
    config: names.config,
    importLine: `from ${names.module} import ${names.config}, ${names.trainer}`,
    configArgs,
    evalBatch: o.kind === 'grpo' ? o.numGenerations : null,
    activationOffload: ACTIVATION_OFFLOAD.has(o.kind),
    lengthGroupedBatches: groupsByLength(plan),
    reference,
    sequenceClassifier: o.kind === 'reward',
    moduleCode,
    trainerArgs,
    notes,
    refusal,
  };
}

/** The data format each objective's trainer reads (TRL docs, "Dataset formats and types"). */
export type DataFormat = 'language_modeling' | 'preference' | 'unpaired_preference' | 'prompt_only';
export const OBJECTIVE_DATA: Record<ObjectiveKind, DataFormat> = {
  sft: 'language_modeling',
  dpo: 'preference',
  ipo: 'preference',
  orpo: 'preference',
  simpo: 'preference',
  reward: 'preference',
  kto: 'unpaired_preference',
  grpo: 'prompt_only',
};

const user = (content: string) => [{ role: 'user', content }];
const assistant = (content: string) => [{ role: 'assistant', content }];

/** Two example lines of data/train.jsonl per format (conversational, explicit prompt), and a standard-text line. */
export const DATA_EXAMPLES: Record<Exclude<DataFormat, 'language_modeling'>, { lines: object[]; text: object }> = {
  preference: {
    lines: [
      { prompt: user('What is the capital of France?'), chosen: assistant('Paris.'), rejected: assistant('Lyon.') },
      {
        prompt: user('Name a prime number between 10 and 15.'),
        chosen: assistant('11 (13 is another).'),
        rejected: assistant('12.'),
      },
    ],
    text: { prompt: 'The sky is', chosen: ' blue.', rejected: ' green.' },
  },
  unpaired_preference: {
    lines: [
      { prompt: user('What is the capital of France?'), completion: assistant('Paris.'), label: true },
      { prompt: user('What is the capital of France?'), completion: assistant('Lyon.'), label: false },
    ],
    text: { prompt: 'The sky is', completion: ' blue.', label: true },
  },
  prompt_only: {
    lines: [{ prompt: user('What is the capital of France?') }, { prompt: user('Name a prime number above 10.') }],
    text: { prompt: 'The sky is' },
  },
};

/** The docstring's data sentence for train.py. */
export function dataDocLine(kind: ObjectiveKind): string {
  switch (OBJECTIVE_DATA[kind]) {
    case 'language_modeling':
      return (
        'Data: a JSON Lines file with a "messages" (chat) or "text" field per line ' +
        '(data/train.jsonl is an example).'
      );
    case 'preference':
      return (
        'Data: a JSON Lines file of preference pairs, "prompt", "chosen" and "rejected" per line (chat messages or ' +
        'plain text; data/train.jsonl is an example).'
      );
    case 'unpaired_preference':
      return (
        'Data: a JSON Lines file of rated completions, "prompt", "completion" and a true/false "label" per line ' +
        '(chat messages or plain text; data/train.jsonl is an example).'
      );
    case 'prompt_only':
      return (
        'Data: a JSON Lines file of prompts, a "prompt" per line (chat messages or plain text; data/train.jsonl is ' +
        'an example); the completions are generated.'
      );
  }
}

/** The README's data section for a non-SFT objective. */
export function dataReadme(kind: ObjectiveKind): string {
  const format = OBJECTIVE_DATA[kind];
  if (format === 'language_modeling') return '';
  const ex = DATA_EXAMPLES[format];
  const what = {
    preference: 'a prompt with a preferred ("chosen") and a dispreferred ("rejected") answer',
    unpaired_preference: 'a prompt, one completion and whether it is desirable ("label": true or false)',
    prompt_only: 'a prompt; the trainer samples the completions and scores them with the reward function',
  }[format];
  return (
    `\n\n## Data\n\nJSON Lines, one example per line, all lines in one format (TRL's "${format.replace('_', ' ')}" ` +
    `format): ${what}. Chat messages (\`data/train.jsonl\` holds two such lines; replace them with ` +
    `yours):\n\n\`\`\`json\n${JSON.stringify(ex.lines[0])}\n\`\`\`\n\nor plain text:\n\n\`\`\`json\n` +
    `${JSON.stringify(ex.text)}\n\`\`\``
  );
}

/** The README lines for a GRPO plan's generation (the vLLM server command in server mode). */
export function grpoReadme(plan: Plan, hfId: string, moe: boolean): string[] {
  const o = plan.objective;
  if (o.kind !== 'grpo') return [];
  const lines = ['## Generation (GRPO)', ''];
  if (o.generation === 'transformers')
    lines.push('Completions are generated with transformers `generate()` inside the training processes (no vLLM).');
  else if (o.generation === 'vllm_colocate')
    lines.push(
      `vLLM runs inside each training process and takes ${o.vllmGpuMemoryUtilization} of each GPU for its weights ` +
        `and KV cache${o.vllmSleepMode ? ', sleeping (weights and cache off the GPU) during the update' : ''}. ` +
        'Install it with `pip install "trl[vllm]"` (TRL 1.16 supports vLLM 0.22 to 0.31).',
    );
  else {
    // trl/scripts/vllm_serve.py ScriptArguments: --tensor-parallel-size, --data-parallel-size ("For dense models,
    // keep this at 1"), --max-model-len (vllm_serve.py:127; prompt + completion, objective.ts vllmMaxModelLength),
    // --host, --port; it passes --logprobs-mode processed_logprobs to vLLM itself.
    const replicas = Math.max(1, Math.floor(o.vllmServerGpus / o.vllmTensorParallel));
    const dp = moe ? replicas : 1;
    const used = o.vllmTensorParallel * dp;
    // On one machine the server takes the GPUs after the training ones (accelerate uses 0..N-1 by default).
    const first = plan.distribution.nodes === 1 ? plan.distribution.gpusPerNode : 0;
    const devices = Array.from({ length: used }, (_, i) => first + i).join(',');
    lines.push(
      `Start the vLLM server on the generation GPU(s) first (not the training GPUs: on one machine, the ones after ` +
        'them), then train with VLLM_SERVER_HOST / VLLM_SERVER_PORT pointing at it:',
      '',
      '```bash',
      'pip install "trl[vllm]"',
      `CUDA_VISIBLE_DEVICES=${devices} trl vllm-serve --model ${hfId} --tensor-parallel-size ` +
        `${o.vllmTensorParallel}${dp > 1 ? ` --data-parallel-size ${dp}` : ''} --max-model-len ` +
        `${vllmMaxModelLength(o)} --port 8000`,
      '```',
      ...(replicas > 1 && !moe
        ? [
            '',
            `The plan counts ${o.vllmServerGpus} server GPUs, but \`trl vllm-serve\` runs data-parallel replicas ` +
              'for MoE models only ("For dense models, keep this at 1", trl/scripts/vllm_serve.py ScriptArguments); ' +
              `this command uses ${used}. Set the plan's vLLM tensor parallel size to ${o.vllmServerGpus} to use ` +
              'them all.',
          ]
        : []),
    );
  }
  lines.push(
    '',
    '**Replace the placeholder reward** (`placeholder_length_reward` in `train.py`) with your task’s reward before ' +
      'a real run: GRPO learns whatever it rewards.',
    '',
  );
  return lines;
}
