/**
 * LLaMA-Factory training YAML (`llamafactory-cli train FILE.yaml`) → plan facts. Key names and defaults from its
 * argument dataclasses (hiyouga/LLaMA-Factory src/llamafactory/hparams/: model_args.py, data_args.py,
 * finetuning_args.py, training_args.py, which extends transformers' Seq2SeqTrainingArguments). Sample
 * (examples/train_lora/qwen3_lora_sft.yaml):
 *
 *     model_name_or_path: Qwen/Qwen3-4B-Instruct-2507
 *     finetuning_type: lora
 *     lora_rank: 8
 *     lora_target: all
 *     cutoff_len: 2048
 *     per_device_train_batch_size: 1
 *     gradient_accumulation_steps: 8
 *     bf16: true
 */
import {
  bool,
  ConfigImportError,
  finite,
  isObject,
  posInt,
  readOptim,
  readSampling,
  Reading,
  str,
  type ConfigReading,
  type Json,
} from './facts';

export const looksLikeLlamaFactory = (j: Json) => 'finetuning_type' in j || ('model_name_or_path' in j && 'stage' in j);

export function readLlamaFactoryConfig(doc: unknown, file: string): ConfigReading {
  if (!isObject(doc)) throw new ConfigImportError(`${file}: a LLaMA-Factory config is one YAML mapping.`);
  const r = new Reading(file, 'llama-factory');
  const model = str(doc.model_name_or_path);
  if (model) r.set('model', { kind: 'hub', id: model }, 'model_name_or_path');
  const stage = str(doc.stage) ?? 'sft';
  readObjective(r, doc, stage);
  // finetuning_args.py FinetuningArguments.finetuning_type: Literal["lora", "oft", "freeze", "full"], default "lora".
  const type = str(doc.finetuning_type) ?? 'lora';
  const bits = posInt(doc.quantization_bit);
  if (type === 'lora') {
    const dora = doc.use_dora === true;
    // model_args.py QuantizationArguments: quantization_bit with quantization_method bnb (default), quantization_type
    // nf4|fp4 (default nf4), double_quantization (default True).
    if (bits !== undefined && (doc.quantization_method ?? 'bnb') === 'bnb') {
      if (dora) r.note('DoRA on a quantized base (QDoRA) is planned as DoRA on the full-precision base.');
      r.set('technique.kind', dora ? 'dora' : 'qlora', 'finetuning_type + quantization_bit');
      if (!dora) {
        r.set(
          'technique.quantType',
          bits === 8 ? 'int8' : doc.quantization_type === 'fp4' ? 'fp4' : 'nf4',
          'quantization_bit / quantization_type',
        );
        r.set('technique.doubleQuant', bool(doc.double_quantization) ?? true, 'double_quantization');
      }
    } else {
      if (bits !== undefined)
        r.note(
          `quantization_method ${String(doc.quantization_method)} is not bitsandbytes; planned without quantization.`,
        );
      r.set('technique.kind', dora ? 'dora' : 'lora', dora ? 'use_dora' : 'finetuning_type');
    }
    // finetuning_args.py LoraArguments: lora_rank default 8, lora_alpha default None = lora_rank * 2, lora_dropout 0.
    const rank = posInt(doc.lora_rank) ?? 8;
    r.set('technique.rank', rank, 'lora_rank');
    r.set('technique.alpha', finite(doc.lora_alpha) ?? rank * 2, 'lora_alpha');
    r.set('technique.dropout', finite(doc.lora_dropout) ?? 0, 'lora_dropout');
    const target = str(doc.lora_target) ?? 'all';
    r.set(
      'technique.targets',
      target === 'all'
        ? { allLinear: true }
        : {
            names: target
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
          },
      'lora_target',
    );
  } else if (type === 'full') {
    r.set('technique.kind', 'full', 'finetuning_type');
  } else {
    r.leave(
      'technique.kind',
      'finetuning_type',
      `finetuning_type ${type} (${type === 'oft' ? 'orthogonal fine-tuning' : 'partial freezing'}) is not a ` +
        `technique Tuneplan plans; pick the nearest in the plan`,
    );
  }
  // data_args.py DataArguments.cutoff_len default 2048; packing default None (on for pt, off for sft).
  r.set('training.seqLen', posInt(doc.cutoff_len) ?? 2048, 'cutoff_len');
  r.set('training.packing', bool(doc.packing) ?? bool(doc.neat_packing) ?? stage === 'pt', 'packing');
  r.set('training.microBatch', posInt(doc.per_device_train_batch_size), 'per_device_train_batch_size');
  r.set('training.gradAccum', posInt(doc.gradient_accumulation_steps), 'gradient_accumulation_steps');
  r.set('training.epochs', finite(doc.num_train_epochs), 'num_train_epochs');
  r.set('training.learningRate', finite(doc.learning_rate), 'learning_rate');
  readOptim(r, doc.optim, 'optim');
  // finetuning_args.py FinetuningArguments.pure_bf16: "train model in purely bf16 precision (without AMP)".
  if (doc.pure_bf16 === true) r.set('training.precision', 'pure_bf16', 'pure_bf16');
  else if (doc.bf16 === true) r.set('training.precision', 'mixed', 'bf16');
  else if (doc.fp16 === true) r.set('training.precision', 'pure_fp16', 'fp16');
  else r.set('training.precision', 'fp32', 'bf16 / fp16 / pure_bf16 (all off)');
  // model_args.py: disable_gradient_checkpointing default False, so LLaMA-Factory checkpoints by default.
  r.set(
    'training.gradientCheckpointing',
    doc.disable_gradient_checkpointing !== true,
    'disable_gradient_checkpointing',
  );
  // model_args.py flash_attn: AttentionFunction auto|disabled|sdpa|fa2|fa3 (extras/constants.py).
  const fa = str(doc.flash_attn);
  if (fa === 'sdpa') r.set('training.attention', 'sdpa', 'flash_attn');
  else if (fa === 'disabled') r.set('training.attention', 'eager', 'flash_attn');
  else if (fa === 'fa2' || fa === 'fa3')
    r.note(`flash_attn ${fa}: FlashAttention's memory equals SDPA's flash kernel; planned as sdpa.`);
  if (fa === 'fa2' || fa === 'fa3') r.set('training.attention', 'sdpa', 'flash_attn');
  // Liger's fused linear cross-entropy computes the loss in chunks; without it the full logits are materialized.
  const liger = bool(doc.enable_liger_kernel);
  r.set('training.lossKernel', liger === undefined ? undefined : liger ? 'chunked' : 'standard', 'enable_liger_kernel');
  r.set('training.compile', bool(doc.torch_compile), 'torch_compile');
  readSampling(r, doc);
  const ds = str(doc.deepspeed);
  if (ds) {
    const stage = /z(?:ero)?_?([0-3])/i.exec(ds.split('/').pop() ?? '')?.[1];
    r.note(`deepspeed: ${ds}: import that ds_config.json with this file for the exact stage and offload.`);
    if (stage !== undefined && /examples\/deepspeed\/ds_z[0-3]/.test(ds)) {
      // LLaMA-Factory's bundled files (examples/deepspeed/ds_z{0,2,3}[_offload]_config.json).
      r.set('distribution.strategy', (['ddp', 'zero1', 'zero2', 'zero3'] as const)[Number(stage)], 'deepspeed');
      const off = /offload/.test(ds) ? 'cpu' : 'none';
      r.set('distribution.offloadOptimizer', off, 'deepspeed');
      r.set('distribution.offloadParams', stage === '3' ? off : 'none', 'deepspeed');
    }
  }
  return r.done();
}

/**
 * stage and pref_loss → the plan's objective (hiyouga/LLaMA-Factory src/llamafactory/hparams/finetuning_args.py at
 * ff6d4d1: stage L460 default "sft", pref_loss L183 default "sigmoid", pref_beta L171 default 0.1, ref_model L223;
 * use_ref_model = stage dpo and pref_loss not orpo/simpo, L593). The inverse of shared/exporters/llama-factory.ts.
 */
function readObjective(r: Reading, doc: Json, stage: string): void {
  const loss = str(doc.pref_loss) ?? 'sigmoid';
  const dpoLoss: Record<string, 'dpo' | 'ipo' | 'orpo' | 'simpo'> = {
    sigmoid: 'dpo',
    ipo: 'ipo',
    orpo: 'orpo',
    simpo: 'simpo',
  };
  if (stage === 'sft' || stage === 'pt') {
    r.set('objective.kind', 'sft', 'stage');
    return;
  }
  if (stage === 'rm') {
    r.set('objective.kind', 'reward', 'stage');
    return;
  }
  if (stage === 'kto') r.set('objective.kind', 'kto', 'stage');
  else if (stage === 'dpo' && dpoLoss[loss]) r.set('objective.kind', dpoLoss[loss], 'stage + pref_loss');
  else {
    r.leave(
      'objective.kind',
      stage === 'dpo' ? 'pref_loss' : 'stage',
      stage === 'dpo'
        ? `pref_loss ${loss} has no Tuneplan objective (it plans sigmoid, ipo, orpo and simpo); pick one in the plan`
        : `stage ${stage} has no Tuneplan objective (PPO needs a reward model beside the policy); pick one in the plan`,
    );
    return;
  }
  r.set('objective.beta', finite(doc.pref_beta) ?? 0.1, 'pref_beta');
  const kind = stage === 'kto' ? 'kto' : dpoLoss[loss]!;
  if (kind === 'dpo' || kind === 'ipo' || kind === 'kto') {
    // create_ref_model (train/trainer_utils.py L123-146): ref_model → a copy; LoRA without one → the adapter-disabled
    // base; full fine-tuning → a copy of the model.
    const lora = (str(doc.finetuning_type) ?? 'lora') === 'lora';
    r.set('objective.reference', str(doc.ref_model) || !lora ? 'copy' : 'peft_base', 'ref_model / finetuning_type');
  }
}
