/**
 * torchtune recipe config YAML (`tune run <recipe> --config FILE`) → plan facts. Keys as the recipes read them
 * (pytorch/torchtune recipes/lora_finetune_distributed.py, full_finetune_distributed.py and their single-device
 * twins: cfg.batch_size, cfg.epochs, cfg.gradient_accumulation_steps, cfg.dtype, cfg.optimizer, cfg.get("compile"),
 * cfg.get("fsdp_cpu_offload"), cfg.get("fsdp_reshard_after_forward"), enable_activation_checkpointing,
 * enable_activation_offloading, optimizer_in_bwd). Sample (recipes/configs/qwen2_5/3B_lora.yaml):
 *
 *     model:
 *       _component_: torchtune.models.qwen2_5.lora_qwen2_5_3b
 *       lora_attn_modules: ['q_proj', 'v_proj', 'output_proj']
 *       apply_lora_to_mlp: True
 *       lora_rank: 8
 *     optimizer:
 *       _component_: torch.optim.AdamW
 *       fused: True
 *       lr: 3e-4
 *     batch_size: 2
 *     dtype: bf16
 */
import { parseTorchtuneBuilder, TORCHTUNE_ATTN_TO_HF, TORCHTUNE_MLP_HF } from '../../domain/torchtune-builders';
import type { Training } from '../../domain/plan';
import {
  bool,
  ConfigImportError,
  finite,
  isObject,
  posInt,
  Reading,
  str,
  type ConfigReading,
  type Json,
} from './facts';

export const looksLikeTorchtune = (j: Json) => isObject(j.model) && typeof j.model._component_ === 'string';

/** torchtune optimizer components → the plan's optimizer (torch.optim / bitsandbytes.optim class paths). */
export const TORCHTUNE_OPTIMIZERS: Record<string, Training['optimizer']> = {
  'torch.optim.AdamW': 'adamw',
  'bitsandbytes.optim.AdamW8bit': 'adamw_8bit',
  'bitsandbytes.optim.PagedAdamW': 'paged_adamw',
  'bitsandbytes.optim.PagedAdamW8bit': 'paged_adamw_8bit',
  'torch.optim.SGD': 'sgd_momentum',
  'bitsandbytes.optim.Lion': 'lion',
  'torch.optim.Adafactor': 'adafactor',
};

export function readTorchtuneConfig(doc: unknown, file: string, text = ''): ConfigReading {
  if (!isObject(doc) || !isObject(doc.model))
    throw new ConfigImportError(`${file}: a torchtune config has a model: mapping with a _component_.`);
  const r = new Reading(file, 'torchtune');
  r.set('training.stack', 'torchtune', 'model._component_');
  const m = doc.model;
  const builder = String(m._component_);
  const { model, prefix, base } = parseTorchtuneBuilder(builder);
  if (model) r.set('model', { kind: 'catalog', id: model.catalogId }, 'model._component_');
  else {
    const dir = isObject(doc.checkpointer) ? str(doc.checkpointer.checkpoint_dir) : undefined;
    r.leave(
      'model',
      'model._component_',
      `torchtune builder ${base} has no catalog model in Tuneplan${dir ? ` (checkpoint_dir ${dir})` : ''}; ` +
        `import the model's config.json with this file`,
    );
  }
  if (prefix === '') r.set('technique.kind', 'full', 'model._component_');
  else {
    const dora = m.use_dora === true;
    const quant = prefix === 'qlora_' || m.quantize_base === true;
    if (quant && dora) r.note('DoRA on a quantized base (QDoRA) is planned as DoRA on the full-precision base.');
    r.set(
      'technique.kind',
      dora ? 'dora' : quant ? 'qlora' : 'lora',
      dora ? 'model.use_dora' : quant ? 'model._component_ / quantize_base' : 'model._component_',
    );
    // torchtune quantizes the base with torchao's NF4Tensor
    // (torchtune/modules/low_precision/_register_nf4_dispatch.py):
    // NF4 with double quantization of the scales.
    if (quant && !dora) {
      r.set('technique.quantType', 'nf4', 'model._component_');
      r.set('technique.doubleQuant', true, 'model._component_');
    }
    // Builder defaults (lora_llama3_1_8b): lora_rank 8, lora_alpha 16, lora_dropout 0.0.
    r.set('technique.rank', posInt(m.lora_rank) ?? 8, 'model.lora_rank');
    r.set('technique.alpha', finite(m.lora_alpha) ?? 16, 'model.lora_alpha');
    r.set('technique.dropout', finite(m.lora_dropout) ?? 0, 'model.lora_dropout');
    const attn = Array.isArray(m.lora_attn_modules) ? m.lora_attn_modules.map(String) : [];
    const names = [
      ...attn.map((a) => TORCHTUNE_ATTN_TO_HF[a] ?? a),
      ...(m.apply_lora_to_mlp === true ? TORCHTUNE_MLP_HF : []),
    ];
    if (m.apply_lora_to_output === true)
      r.note('apply_lora_to_output: the output head also gets LoRA; Tuneplan plans decoder-block targets only.');
    // torchtune names projections, not module paths: q/k/v/output + MLP is every linear layer of the block
    // (all-linear), whatever the model fuses in transformers (Phi-3's qkv_proj).
    const attnSet = [...new Set(attn)].sort().join(',');
    const mlp = m.apply_lora_to_mlp === true;
    const key = 'model.lora_attn_modules / apply_lora_to_mlp';
    if (attnSet === 'k_proj,output_proj,q_proj,v_proj')
      r.set('technique.targets', mlp ? { allLinear: true } : { preset: 'attention' }, key);
    else if (attnSet === 'q_proj,v_proj' && !mlp) r.set('technique.targets', { preset: 'qv' }, key);
    else if (attnSet === '' && mlp) r.set('technique.targets', { preset: 'mlp' }, key);
    else if (names.length) r.set('technique.targets', { names }, key);
  }
  const tok = isObject(doc.tokenizer) ? doc.tokenizer : {};
  if (tok.max_seq_len === null || tok.max_seq_len === undefined)
    r.leave(
      'training.seqLen',
      'tokenizer.max_seq_len',
      'tokenizer.max_seq_len is null: examples keep their own length; set the sequence length in the plan',
    );
  else r.set('training.seqLen', posInt(tok.max_seq_len), 'tokenizer.max_seq_len');
  const ds = isObject(doc.dataset) ? doc.dataset : {};
  r.set('training.packing', bool(ds.packed) ?? false, 'dataset.packed');
  r.set('training.microBatch', posInt(doc.batch_size), 'batch_size');
  r.set('training.gradAccum', posInt(doc.gradient_accumulation_steps), 'gradient_accumulation_steps');
  r.set('training.epochs', finite(doc.epochs), 'epochs');
  const opt = isObject(doc.optimizer) ? doc.optimizer : {};
  const comp = str(opt._component_);
  if (comp) {
    const plan = TORCHTUNE_OPTIMIZERS[comp];
    if (plan)
      r.set(
        'training.optimizer',
        plan === 'adamw' && opt.fused === true ? 'adamw_torch_fused' : plan,
        'optimizer._component_',
      );
    else
      r.leave(
        'training.optimizer',
        'optimizer._component_',
        `optimizer ${comp} has no Tuneplan equivalent; pick the closest in the plan`,
      );
  }
  r.set('training.learningRate', finite(opt.lr), 'optimizer.lr');
  // torchtune's recipes train in one dtype (no autocast): training.get_dtype accepts fp32 and bf16 (fp16 refused).
  const dtype = str(doc.dtype);
  if (dtype === 'bf16') r.set('training.precision', 'pure_bf16', 'dtype');
  else if (dtype === 'fp32') r.set('training.precision', 'fp32', 'dtype');
  r.set('training.gradientCheckpointing', bool(doc.enable_activation_checkpointing), 'enable_activation_checkpointing');
  r.set('training.activationOffload', bool(doc.enable_activation_offloading), 'enable_activation_offloading');
  r.set('training.compile', bool(doc.compile) ?? (isObject(doc.compile) ? true : undefined), 'compile');
  r.set('training.optimizerInBackward', bool(doc.optimizer_in_bwd), 'optimizer_in_bwd');
  const loss = isObject(doc.loss) ? str(doc.loss._component_) : undefined;
  // LinearCrossEntropyLoss and CEWithChunkedOutputLoss compute the loss in chunks (torchtune/modules/loss/).
  if (loss)
    r.set(
      'training.lossKernel',
      /LinearCrossEntropyLoss|CEWithChunkedOutputLoss/.test(loss) ? 'chunked' : 'standard',
      'loss._component_',
    );
  // The recipe is named in the config's header comment ("... in lora_finetune_distributed.py") and on the tune run
  // line.
  const recipe = /\b((?:lora|full|qlora)_finetune_(?:distributed|single_device))\b/.exec(text)?.[1];
  if (recipe?.endsWith('single_device')) {
    r.set('distribution.gpusPerNode', 1, `recipe ${recipe}`);
    r.set('distribution.nodes', 1, `recipe ${recipe}`);
    r.set('distribution.strategy', 'ddp', `recipe ${recipe}`);
  } else if (recipe || 'fsdp_cpu_offload' in doc || 'fsdp_reshard_after_forward' in doc) {
    // The distributed recipes shard with FSDP2 fully_shard; reshard_after_forward=False keeps parameters gathered
    // between forward and backward (ZeRO-2-like).
    r.set(
      'distribution.strategy',
      doc.fsdp_reshard_after_forward === false ? 'fsdp_grad_op' : 'fsdp_full',
      'fsdp_reshard_after_forward',
    );
    const off = doc.fsdp_cpu_offload === true ? 'cpu' : 'none';
    r.set('distribution.offloadParams', off, 'fsdp_cpu_offload');
    r.set('distribution.offloadOptimizer', off, 'fsdp_cpu_offload');
    // Tuneplan's own exports record the launch line as a comment ("# Run: tune run --nnodes 2 --nproc_per_node 8 ..."),
    // after the allocator's environment assignments ("PYTORCH_ALLOC_CONF=expandable_segments:False ...").
    const launch = /^#\s*Run: (?:[A-Z_]+=\S+ )*tune run --nnodes (\d+) --nproc_per_node (\d+)/m.exec(text);
    if (launch) {
      r.set('distribution.nodes', Number(launch[1]), 'tune run --nnodes (comment)');
      r.set('distribution.gpusPerNode', Number(launch[2]), 'tune run --nproc_per_node (comment)');
    } else
      r.leave(
        'distribution.gpusPerNode',
        'tune run --nproc_per_node',
        'the GPU count is given on the tune run line, not in the config; set it in the plan',
      );
  } else
    r.leave(
      'distribution.strategy',
      'recipe',
      'the config does not say which recipe runs it (single device or distributed); set the strategy in the plan',
    );
  return r.done();
}
