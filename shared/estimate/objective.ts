/**
 * The training objective's physics (issue 19): what TRL 1.16's trainers add to an SFT step — the chosen/rejected
 * batch, the reference model, GRPO's generation engine — as the memory and time models consume it. Every rule cites
 * the TRL (or vLLM) source it is read from; the numbers are substituted in explain.ts.
 */
import { ObjectiveSchema, type Objective, type ObjectiveKind, type Technique, type Training } from '../domain/plan';
import type { Architecture } from './architecture';

/** The objective of a plan that has none (plan formats before 4; SFT). */
export const SFT_OBJECTIVE: Objective = ObjectiveSchema.parse({});

export const OBJECTIVE_LABELS: Record<ObjectiveKind, string> = {
  sft: 'SFT',
  dpo: 'DPO',
  ipo: 'IPO',
  orpo: 'ORPO',
  simpo: 'SimPO',
  kto: 'KTO',
  reward: 'Reward model',
  grpo: 'GRPO',
};

/** The TRL class and file each objective trains with (TRL 1.16). */
export const OBJECTIVE_TRAINERS: Record<ObjectiveKind, string> = {
  sft: 'trl/trainer/sft_trainer.py SFTTrainer',
  dpo: 'trl/trainer/dpo_trainer.py DPOTrainer',
  ipo: 'trl/trainer/dpo_trainer.py DPOTrainer (loss_type "ipo")',
  orpo: 'trl/experimental/orpo/orpo_trainer.py ORPOTrainer',
  simpo: 'trl/experimental/cpo/cpo_trainer.py CPOTrainer (loss_type "simpo")',
  kto: 'trl/trainer/kto_trainer.py KTOTrainer',
  reward: 'trl/trainer/reward_trainer.py RewardTrainer',
  grpo: 'trl/trainer/grpo_trainer.py GRPOTrainer',
};

/**
 * Objectives whose batch is the chosen and the rejected sequences of each pair stacked along the batch: DPO's
 * collator pads both completions to one length and concatenates them (trl/trainer/dpo_trainer.py
 * DataCollatorForPreference.torch_call: `torch.cat(tuple(pad([chosen_ids, rejected_ids])))`, prompts repeated ×2);
 * ORPO and CPO/SimPO (`concatenated_forward` → `concatenated_inputs`); RewardTrainer (`torch.chunk(..., chunks=2)` of
 * one forward over the stacked pairs, reward_trainer.py compute_loss). A micro-batch of b pairs runs 2b sequences.
 */
export function isPaired(kind: ObjectiveKind): boolean {
  return kind === 'dpo' || kind === 'ipo' || kind === 'orpo' || kind === 'simpo' || kind === 'reward';
}

/** Sequences one example puts in the micro-batch. */
export function sequencesPerExample(kind: ObjectiveKind): 1 | 2 {
  return isPaired(kind) ? 2 : 1;
}

/**
 * The trainer's default β when the plan leaves it null: DPOConfig.beta 0.1 (trl/trainer/dpo_config.py), KTOConfig.beta
 * 0.1 (kto_config.py), GRPOConfig.beta 0.0 (grpo_config.py: "If 0.0 (default), the reference model is not loaded").
 */
export function effectiveBeta(o: Objective): number {
  if (o.beta !== null) return o.beta;
  return o.kind === 'grpo' ? 0 : 0.1;
}

export type ReferenceMode = 'none' | 'copy' | 'peft_base' | 'precomputed';

/** Whether the objective compares against a reference policy at all. ORPO, SimPO and reward modelling have none. */
export function usesReference(o: Objective): boolean {
  return o.kind === 'dpo' || o.kind === 'ipo' || o.kind === 'kto' || (o.kind === 'grpo' && effectiveBeta(o) > 0);
}

/**
 * How the reference is obtained at training time. The plan's choice, except where TRL cannot do it:
 *  - 'peft_base' needs an adapter to disable (DPOTrainer `use_adapter(...)` on a PEFT model): full fine-tuning has
 *    none, so DPOTrainer.__init__ loads a copy (`create_model_from_path`) → 'copy';
 *  - GRPO ignores the plan's choice: GRPOConfig has no precompute_ref_log_probs (its completions are generated
 *    online), and GRPOTrainer.__init__ sets `self.ref_model = None` whenever the model is a PEFT model ("If PEFT is
 *    used, the reference model is not needed since the adapter can be disabled", trl/trainer/grpo_trainer.py:987-990)
 *    and builds a copy otherwise (grpo_trainer.py:991-1003): PEFT → 'peft_base', full → 'copy'.
 */
export function referenceMode(o: Objective, technique: Pick<Technique, 'kind'>): ReferenceMode {
  if (!usesReference(o)) return 'none';
  const peft = technique.kind !== 'full';
  if (o.kind === 'grpo') return peft ? 'peft_base' : 'copy';
  if (o.reference === 'peft_base' && !peft) return 'copy';
  return o.reference;
}

/**
 * GRPO with vLLM: the context window the export gives vLLM (GRPOConfig.vllm_max_model_length, trl/trainer/
 * grpo_config.py:664; the README's `trl vllm-serve --max_model_len`, trl/scripts/vllm_serve.py:127): prompt +
 * completion, the sequence the estimate sizes the KV cache for. Left unset, TRL passes max_model_len=None to vLLM
 * (trl/trainer/grpo_trainer.py:1123 → trl/generation/vllm_generation.py:351), which then takes the model's whole
 * context (131,072 tokens for Llama-3.1-8B) and refuses to start when its KV cache cannot hold one such sequence.
 */
export function vllmMaxModelLength(o: Pick<Objective, 'promptTokens' | 'completionTokens'>): number {
  return o.promptTokens + o.completionTokens;
}

/**
 * Whether the trainer sets every nn.Dropout's p to 0 before training: `disable_dropout` defaults to True in DPOConfig
 * (trl/trainer/dpo_config.py:185, DPO and IPO), KTOConfig (kto_config.py:156), RewardConfig (reward_config.py:128),
 * ORPOConfig (experimental/orpo/orpo_config.py:97) and CPOConfig (experimental/cpo/cpo_config.py:128, SimPO), and the
 * trainers then call `disable_dropout_in_model` (trl/trainer/utils.py:194: `module.p = 0` for every torch.nn.Dropout,
 * PEFT's lora_dropout included). GRPOConfig's default is False (grpo_config.py:453); SFTConfig has none. The exports
 * leave disable_dropout at these defaults.
 */
export function disablesDropout(kind: ObjectiveKind): boolean {
  return kind === 'dpo' || kind === 'ipo' || kind === 'kto' || kind === 'reward' || kind === 'orpo' || kind === 'simpo';
}

/**
 * Tokens per trained sequence: training.seqLen is max_length (prompt + completion) for SFT and the preference
 * objectives; GRPO trains on prompt + completion (GRPOConfig.max_completion_length after the prompt).
 */
export function objectiveSeqLen(o: Objective, training: Pick<Training, 'seqLen'>): number {
  return o.kind === 'grpo' ? o.promptTokens + o.completionTokens : training.seqLen;
}

/**
 * Whether the trainer scores tokens through TRL's fused LM head (no full logits): DPOTrainer and KTOTrainer call
 * `add_fused_lm_head` and `model(..., fused_lm_head=True)` for the policy and the reference (dpo_trainer.py
 * `_compute_loss`, kto_trainer.py `_compute_loss`), GRPOTrainer in `_get_per_token_logps_and_entropies`. ORPO and CPO
 * (SimPO) build the full logits (`all_logits = outputs.logits`, orpo_trainer.py `concatenated_forward`); the reward
 * model has no LM head (AutoModelForSequenceClassification, num_labels 1). null: SFT, the stack decides.
 */
export function fusedHeadFor(kind: ObjectiveKind): boolean | null {
  if (kind === 'sft') return null;
  return kind === 'dpo' || kind === 'ipo' || kind === 'kto' || kind === 'grpo';
}

/**
 * KV-cache bytes per token: a key and a value per layer, a_kv·d wide each (2 · L · a_kv · d · bytes). vLLM's page
 * holds the same per token (vllm/v1/kv_cache_interface.py AttentionSpec.page_size_bytes = 2 · block_size ·
 * num_kv_heads · head_size · dtype size, per layer). Llama-3.1-8B: 2 · 32 · 8 · 128 · 2 = 131,072 B.
 */
export function kvBytesPerToken(arch: Architecture, bytes: number): number {
  return 2 * arch.spec.numLayers * arch.kvWidth * bytes;
}

/**
 * The largest tensors alive inside one decoder layer of a forward under torch.no_grad (nothing is saved for backward,
 * so each layer's intermediates are freed before the next layer runs), per token: the residual stream and the normed
 * input (2h), plus the wider of the MLP (gate and up projections and SiLU(gate), 3I, transformers LlamaMLP.forward
 * `down_proj(act_fn(gate_proj(x)) * up_proj(x))`) and attention (q, k, v and the attention output, 2·q + 2·kv).
 */
export function noGradLayerBytesPerToken(arch: Architecture, bytes: number): number {
  const m = arch.spec;
  return bytes * (2 * m.hiddenSize + Math.max(3 * m.intermediateSize, 2 * arch.qWidth + 2 * arch.kvWidth));
}

/** GRPO: sequences one training GPU generates per optimizer step (TRL's generation batch, split over the GPUs). */
export function generationBatchPerGpu(training: Pick<Training, 'microBatch' | 'gradAccum'>): number {
  // GRPOConfig: generation_batch_size = per_device_train_batch_size × num_processes × steps_per_generation, and
  // steps_per_generation defaults to gradient_accumulation_steps (grpo_config.py __post_init__): each process
  // generates micro-batch × accumulation completions once per optimizer step (num_iterations 1).
  return training.microBatch * training.gradAccum;
}
