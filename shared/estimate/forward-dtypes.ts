/**
 * The dtypes a training forward pass actually runs in (issue 15): whether torch.autocast wraps it, how wide the
 * residual stream is, and what dtype the adapter weights have while they run. Which tensors autograd keeps, and how
 * many bytes each, follows from these three (memory.ts savedBytesPerTokenPerLayer); each rule below is read from the
 * library that decides it, and the Python tier checks the resulting tensors on the real classes
 * (tests/python/test_saved_tensors.py, the mixed-precision cases).
 */
import type { Distribution, Technique, Training } from '../domain/plan';
import { isDeepSpeed, isFsdp } from '../domain/strategies';

/**
 * Who builds the adapters, which decides their dtype: TRL's trainers (every script the TRL export writes),
 * LLaMA-Factory or axolotl (their own loaders; exporters/framework-context.ts targetEstimate).
 */
export type AdapterBuilder = 'trl' | 'llama-factory' | 'axolotl';

export interface ForwardDtypes {
  /**
   * torch.autocast(bf16) wraps the forward: accelerate's native AMP for mixed precision, which it turns off under
   * DeepSpeed (accelerate/accelerator.py `Accelerator.__init__`: native_amp only when distributed_type is not
   * DEEPSPEED) and torchtune never uses (its recipes train in one dtype).
   */
  autocast: boolean;
  /**
   * Bytes per element of the residual stream (the hidden states between layers, the norms' inputs and outputs). fp32
   * weights under autocast keep it fp32: the embedding lookup is not an autocast op, and each block's bf16 output is
   * added to the fp32 stream (type promotion). Otherwise the activation dtype.
   */
  residual: 2 | 4;
  /** Each linear layer casts its fp32 input itself (autocast caches only casts of leaf weights): a copy per layer. */
  castsPerProjection: boolean;
  /** Bytes per element of the adapter weights as the forward uses them (0 for techniques without adapters). */
  adapter: 0 | 2 | 4;
  /** Bytes per element the adapter weights are stored in (weights, gradients; 0 without adapters). */
  adapterStored: 0 | 2 | 4;
  /** Why the adapters run in 16 bits, for the explanation; null when they run in fp32 or match the model. */
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

export function forwardDtypes(
  technique: Pick<Technique, 'kind'>,
  training: Pick<Training, 'precision' | 'stack'>,
  distribution: Pick<Distribution, 'strategy'>,
  builder: AdapterBuilder = 'trl',
): ForwardDtypes {
  const p = training.precision;
  const compute: 2 | 4 = p === 'fp32' ? 4 : 2;
  const deepspeed = isDeepSpeed(distribution.strategy);
  const torchtune = training.stack === 'torchtune';
  const autocast = p === 'mixed' && !deepspeed && !torchtune;
  // A mixed-precision full fine-tune loads fp32 weights outside DeepSpeed (exporters/training.ts loadDtype); FSDP's
  // MixedPrecision(param_dtype=bf16), which accelerate sets for `mixed_precision: bf16`
  // (accelerate/utils/dataclasses.py FullyShardedDataParallelPlugin.set_mixed_precision), hands the forward bf16
  // copies instead.
  const fp32Weights = autocast && technique.kind === 'full' && !isFsdp(distribution.strategy);
  const residual: 2 | 4 = fp32Weights ? 4 : compute;
  if (!ADAPTER_KINDS.has(technique.kind))
    return { autocast, residual, castsPerProjection: fp32Weights, adapter: 0, adapterStored: 0, adapterNote: null };
  const stored = adapterStorage(technique, training, distribution, builder);
  let adapter: 2 | 4 = stored.bytes;
  let note = stored.note;
  if (deepspeed && compute === 2 && adapter === 4) {
    // deepspeed/runtime/engine.py _configure_distributed_model → _cast_module_mixed_precision casts every parameter
    // to the bf16/fp16 param dtype (ZeRO-3 under zero.Init skips the cast; TRL and LLaMA-Factory then build the
    // adapters in the base dtype, autocast_adapter_dtype=False).
    adapter = 2;
    note = 'DeepSpeed casts every parameter, the adapters too, to its bf16/fp16 mode (engine.py).';
  } else if (autocast && isFsdp(distribution.strategy) && adapter === 4) {
    adapter = 2;
    note = "FSDP's mixed precision (param_dtype bf16) hands the forward bf16 copies of every parameter.";
  }
  return { autocast, residual, castsPerProjection: false, adapter, adapterStored: stored.bytes, adapterNote: note };
}

/**
 * The dtype the adapters are stored in, outside DeepSpeed's own copies: torchtune builds them in the recipe's dtype
 * (torchtune/modules/peft/lora.py under training.set_default_dtype); PEFT upcasts them to fp32
 * (get_peft_model autocast_adapter_dtype=True) unless the builder says otherwise:
 *  - TRL casts a quantized model's trainable parameters to bf16 (trl/trainer/sft_trainer.py, and dpo_trainer.py,
 *    "When using QLoRA, the PEFT adapter weights are converted to bf16"; the DoRA magnitude stays fp32, a vector per
 *    module, not counted apart);
 *  - LLaMA-Factory keeps them in the half dtype for pure_bf16 (src/llamafactory/model/adapter.py init_adapter:
 *    cast_trainable_params_to_fp32 is False, get_peft_model(autocast_adapter_dtype=False));
 *  - axolotl leaves PEFT's default (src/axolotl/loaders/adapter.py, peft_autocast_adapter_dtype unset).
 */
function adapterStorage(
  technique: Pick<Technique, 'kind'>,
  training: Pick<Training, 'precision' | 'stack'>,
  distribution: Pick<Distribution, 'strategy'>,
  builder: AdapterBuilder,
): { bytes: 2 | 4; note: string | null } {
  const p = training.precision;
  if (p === 'fp32') return { bytes: 4, note: null };
  if (training.stack === 'torchtune') return { bytes: 2, note: null };
  if (isDeepSpeed(distribution.strategy)) return { bytes: 4, note: null };
  if (builder === 'trl' && technique.kind === 'qlora')
    return { bytes: 2, note: 'TRL casts QLoRA adapters to bf16 (sft_trainer.py; the DoRA magnitude stays fp32).' };
  if (builder === 'llama-factory' && p === 'pure_bf16')
    return { bytes: 2, note: 'LLaMA-Factory keeps pure_bf16 adapters in bf16 (autocast_adapter_dtype=False).' };
  return { bytes: 4, note: null };
}
