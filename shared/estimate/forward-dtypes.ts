/**
 * The dtypes a training forward pass actually runs in (issue 15): whether torch.autocast wraps it, how wide the
 * residual stream is, and what dtype the adapter weights have while they run. Which tensors autograd keeps, and how
 * many bytes each, follows from these (memory.ts savedBytesPerTokenPerLayer); each rule below is read from the
 * library that decides it, and the Python tier checks the resulting tensors on the real classes
 * (tests/python/test_saved_tensors_precision.py).
 */
import type { Distribution, ObjectiveKind, Technique, Training } from '../domain/plan';
import { isDeepSpeed, isFsdp } from '../domain/strategies';

/**
 * Who runs the job, which decides the adapters' dtype, the DeepSpeed block and whether the chunked loss turns Liger
 * on: the TRL script (the plan's own estimate and its hf, deepspeed and azureml exports), or LLaMA-Factory's or
 * axolotl's own trainers (exporters/framework-context.ts targetEstimate).
 */
export type Runner = 'trl' | 'llama-factory' | 'axolotl';

export type FloatDtype = 'fp32' | 'bf16' | 'fp16';
export const DTYPE_BYTES: Record<FloatDtype, 2 | 4> = { fp32: 4, bf16: 2, fp16: 2 };

export interface ForwardDtypes {
  /**
   * torch.autocast(bf16) wraps the forward: accelerate's native AMP for mixed precision, which it turns off under
   * DeepSpeed (accelerate/accelerator.py `Accelerator.__init__`: native_amp only when distributed_type is not
   * DEEPSPEED) and torchtune never uses (its recipes train in one dtype).
   */
  autocast: boolean;
  /** The activations' dtype: the plan's 16-bit dtype (bf16 under autocast), fp32 for an fp32 plan. */
  compute: FloatDtype;
  /**
   * Bytes per element of the residual stream (the hidden states between layers, the norms' inputs and outputs). fp32
   * weights under autocast keep it fp32: the embedding lookup is not an autocast op, and each block's bf16 output is
   * added to the fp32 stream (type promotion). Otherwise the activation dtype.
   */
  residual: 2 | 4;
  /**
   * fp32 weights under autocast (a mixed-precision full fine-tune outside DeepSpeed and FSDP): each linear layer
   * casts its fp32 input itself (autocast caches only casts of leaf weights), and MoE experts run in fp32.
   */
  castsPerProjection: boolean;
  /** The adapter weights' dtype as the forward uses them; null for techniques without adapters. */
  adapter: FloatDtype | null;
  /** The dtype the adapter weights are stored in (weights, gradients; DeepSpeed's own fp32 copies aside). */
  adapterStored: FloatDtype | null;
  /** Why the adapters run in 16 bits, for the explanation; null when they run as PEFT builds them. */
  adapterNote: string | null;
}

/** Techniques whose trainable weights are PEFT adapters beside a frozen base (not full, LN tuning or prompts). */
const ADAPTER_KINDS: ReadonlySet<Technique['kind']> = new Set([
  'lora',
  'qlora',
  'dora',
  'vera',
  'loha',
  'lora_fa',
  'ia3',
]);

/**
 * TRL trainers that cast a bitsandbytes-quantized model's trainable parameters to bf16 ("When using QLoRA, the PEFT
 * adapter weights are converted to bf16", trl 1.16 trainer/sft_trainer.py, dpo_trainer.py, kto_trainer.py,
 * reward_trainer.py, grpo_trainer.py). ORPO and CPO (SimPO) live in trl.experimental, whose
 * peft_module_casting_to_bf16 casts norms and embeddings only.
 */
const TRL_CASTS_QLORA: ReadonlySet<ObjectiveKind> = new Set(['sft', 'dpo', 'ipo', 'kto', 'reward', 'grpo']);

/** Which objectives each runner trains with a TRL trainer that casts (axolotl's RL trainers subclass TRL 1.8's). */
function castsQuantizedAdapters(runner: Runner, objective: ObjectiveKind): boolean {
  if (!TRL_CASTS_QLORA.has(objective)) return false;
  // LLaMA-Factory's CustomDPOTrainer / CustomKTOTrainer call Trainer.__init__ directly (train/dpo/trainer.py line
  // 87), and its SFT is transformers' Trainer; axolotl's SFT trainer is transformers' Trainer too
  // (src/axolotl/core/trainers), its DPO / KTO / GRPO / reward trainers subclass TRL's.
  return runner === 'trl' || (runner === 'axolotl' && objective !== 'sft');
}

/**
 * A bitsandbytes-quantized base (QLoRA nf4 / fp4 / int8): the quantization TRL's cast checks
 * (`is_loaded_in_4bit` / `is_loaded_in_8bit`, set by transformers' bitsandbytes quantizers only); GPTQ and AWQ are not.
 */
export function bnbQuantized(technique: Pick<Technique, 'kind' | 'quantType'>): boolean {
  return technique.kind === 'qlora' && technique.quantType !== 'gptq' && technique.quantType !== 'awq';
}

export function forwardDtypes(
  technique: Pick<Technique, 'kind' | 'quantType'>,
  training: Pick<Training, 'precision' | 'stack'>,
  distribution: Pick<Distribution, 'strategy'>,
  runner: Runner = 'trl',
  objective: ObjectiveKind = 'sft',
): ForwardDtypes {
  const p = training.precision;
  const compute: FloatDtype = p === 'fp32' ? 'fp32' : p === 'pure_fp16' ? 'fp16' : 'bf16';
  const deepspeed = isDeepSpeed(distribution.strategy);
  const torchtune = training.stack === 'torchtune';
  const autocast = p === 'mixed' && !deepspeed && !torchtune;
  // A mixed-precision full fine-tune loads fp32 weights outside DeepSpeed (exporters/training.ts loadDtype); FSDP's
  // MixedPrecision(param_dtype=bf16), which accelerate sets for `mixed_precision: bf16`
  // (accelerate/utils/dataclasses.py FullyShardedDataParallelPlugin.set_mixed_precision), hands the forward bf16
  // copies instead.
  const fp32Weights = autocast && technique.kind === 'full' && !isFsdp(distribution.strategy);
  const residual = fp32Weights ? 4 : DTYPE_BYTES[compute];
  const base = { autocast, compute, residual, castsPerProjection: fp32Weights } as const;
  if (!ADAPTER_KINDS.has(technique.kind)) return { ...base, adapter: null, adapterStored: null, adapterNote: null };
  const stored = adapterStorage(technique, training, distribution, runner, objective);
  if (deepspeed && compute !== 'fp32' && stored.dtype === 'fp32')
    return {
      ...base,
      adapter: compute,
      adapterStored: stored.dtype,
      // Stages 0–2: deepspeed/runtime/engine.py _configure_distributed_model → _cast_module_mixed_precision casts
      // every parameter to the bf16/fp16 param dtype. ZeRO-3 under zero.Init skips that cast; TRL then builds the
      // adapters in the base dtype itself (sft_trainer.py, autocast_adapter_dtype=False for ZeRO-3).
      adapterNote:
        'DeepSpeed runs the adapters in its bf16/fp16 mode (engine.py casts every parameter; under ZeRO-3 TRL builds ' +
        'them in the base dtype).',
    };
  if (autocast && isFsdp(distribution.strategy) && stored.dtype === 'fp32')
    return {
      ...base,
      adapter: 'bf16',
      adapterStored: stored.dtype,
      adapterNote: "FSDP's mixed precision (param_dtype bf16) hands the forward bf16 copies of every parameter.",
    };
  return { ...base, adapter: stored.dtype, adapterStored: stored.dtype, adapterNote: stored.note };
}

/**
 * The dtype the adapters are stored in, outside DeepSpeed's own copies: torchtune builds them in the recipe's dtype
 * (torchtune/modules/peft/lora.py under training.set_default_dtype); PEFT upcasts them to fp32
 * (get_peft_model autocast_adapter_dtype=True; LLaMA-Factory's init_adapter calls it so and upcasts a quantized
 * model's adapters itself, model/adapter.py; axolotl leaves PEFT's default) unless a TRL trainer casts a
 * bitsandbytes-quantized model's to bf16 (castsQuantizedAdapters; the DoRA magnitude stays fp32, and a QLoRA plan has
 * none).
 */
function adapterStorage(
  technique: Pick<Technique, 'kind' | 'quantType'>,
  training: Pick<Training, 'precision' | 'stack'>,
  distribution: Pick<Distribution, 'strategy'>,
  runner: Runner,
  objective: ObjectiveKind,
): { dtype: FloatDtype; note: string | null } {
  const p = training.precision;
  if (p === 'fp32') return { dtype: 'fp32', note: null };
  if (training.stack === 'torchtune') return { dtype: p === 'pure_fp16' ? 'fp16' : 'bf16', note: null };
  if (isDeepSpeed(distribution.strategy)) return { dtype: 'fp32', note: null };
  if (bnbQuantized(technique) && castsQuantizedAdapters(runner, objective))
    return { dtype: 'bf16', note: "TRL's trainer casts QLoRA adapters to bf16 (sft_trainer.py, dpo_trainer.py)." };
  return { dtype: 'fp32', note: null };
}

/**
 * LoHa builds its whole delta weight, (w1a·w1b) ⊙ (w2a·w2b) (peft tuners/loha/layer.py HadaWeight), in the adapters'
 * dtype, or bf16 under autocast (its matmuls are autocast ops); F.linear reads the input cast to that dtype and keeps
 * the delta for the input's gradient.
 */
export function lohaDeltaDtype(fwd: ForwardDtypes): FloatDtype {
  return fwd.autocast ? 'bf16' : (fwd.adapter ?? fwd.compute);
}
