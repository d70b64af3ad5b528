/**
 * axolotl YAML (`axolotl train FILE.yml`) → plan facts. Keys from its pydantic schema
 * (axolotl-ai-cloud/axolotl src/axolotl/utils/schemas/: config.py AxolotlInputConfig, peft.py LoraConfig,
 * training.py HyperparametersConfig, model.py ModelInputConfig, fsdp.py FSDPConfig). Sample
 * (examples/llama-3/qlora-1b.yml):
 *
 *     base_model: NousResearch/Llama-3.2-1B
 *     load_in_4bit: true
 *     adapter: qlora
 *     sequence_len: 2048
 *     sample_packing: true
 *     lora_r: 32
 *     micro_batch_size: 2
 *     optimizer: adamw_bnb_8bit
 *     bf16: auto
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
  type FieldValues,
  type Json,
} from './facts';

export const looksLikeAxolotl = (j: Json) =>
  'base_model' in j && ('micro_batch_size' in j || 'sequence_len' in j || 'datasets' in j);

export function readAxolotlConfig(doc: unknown, file: string): ConfigReading {
  if (!isObject(doc)) throw new ConfigImportError(`${file}: an axolotl config is one YAML mapping.`);
  const r = new Reading(file, 'axolotl');
  const model = str(doc.base_model);
  if (model) r.set('model', { kind: 'hub', id: model }, 'base_model');
  const adapter = str(doc.adapter);
  const dora = doc.peft_use_dora === true;
  if (adapter === 'lora' || adapter === 'qlora') {
    const q4 = adapter === 'qlora' || doc.load_in_4bit === true;
    const q8 = doc.load_in_8bit === true;
    if ((q4 || q8) && !dora) {
      r.set('technique.kind', 'qlora', q4 ? 'adapter / load_in_4bit' : 'load_in_8bit');
      const kw = isObject(doc.bnb_config_kwargs) ? doc.bnb_config_kwargs : {};
      // axolotl/loaders/model.py builds BitsAndBytesConfig with nf4 and double quant unless bnb_config_kwargs says
      // otherwise.
      r.set(
        'technique.quantType',
        q8 ? 'int8' : kw.bnb_4bit_quant_type === 'fp4' ? 'fp4' : 'nf4',
        'load_in_4bit / bnb_config_kwargs',
      );
      r.set(
        'technique.doubleQuant',
        bool(kw.bnb_4bit_use_double_quant) ?? true,
        'bnb_config_kwargs.bnb_4bit_use_double_quant',
      );
    } else r.set('technique.kind', dora ? 'dora' : 'lora', dora ? 'peft_use_dora' : 'adapter');
    r.set('technique.rank', posInt(doc.lora_r), 'lora_r');
    r.set('technique.alpha', finite(doc.lora_alpha), 'lora_alpha');
    r.set('technique.dropout', finite(doc.lora_dropout) ?? 0, 'lora_dropout');
    const t = doc.lora_target_modules;
    if (doc.lora_target_linear === true || t === 'all-linear')
      r.set('technique.targets', { allLinear: true }, 'lora_target_linear');
    else if (Array.isArray(t) && t.length > 0 && t.every((x) => typeof x === 'string'))
      r.set('technique.targets', { names: t }, 'lora_target_modules');
  } else if (adapter === undefined) r.set('technique.kind', 'full', 'adapter (absent: all parameters train)');
  else r.leave('technique.kind', 'adapter', `adapter ${adapter} is not a technique Tuneplan plans`);
  r.set('training.seqLen', posInt(doc.sequence_len), 'sequence_len');
  r.set('training.packing', bool(doc.sample_packing) ?? false, 'sample_packing');
  r.set('training.microBatch', posInt(doc.micro_batch_size), 'micro_batch_size');
  r.set('training.gradAccum', posInt(doc.gradient_accumulation_steps), 'gradient_accumulation_steps');
  r.set('training.epochs', finite(doc.num_epochs), 'num_epochs');
  r.set('training.learningRate', finite(doc.learning_rate), 'learning_rate');
  readOptim(r, doc.optimizer, 'optimizer');
  // config.py: bfloat16/float16 are "No AMP" (weights in that dtype); bf16/fp16 are AMP; bf16 defaults to "auto".
  if (doc.bfloat16 === true) r.set('training.precision', 'pure_bf16', 'bfloat16');
  else if (doc.float16 === true) r.set('training.precision', 'pure_fp16', 'float16');
  else if (doc.bf16 === true || doc.bf16 === 'auto' || doc.bf16 === undefined)
    r.set('training.precision', 'mixed', doc.bf16 === undefined ? 'bf16 (default "auto")' : 'bf16');
  else if (doc.fp16 === true) r.set('training.precision', 'mixed', 'fp16');
  else r.set('training.precision', 'fp32', 'bf16 / fp16');
  const gc = doc.gradient_checkpointing;
  r.set(
    'training.gradientCheckpointing',
    gc === true || gc === 'offload' || gc === 'offload_disk' ? true : gc === false ? false : undefined,
    'gradient_checkpointing',
  );
  if (doc.activation_offloading === true || gc === 'offload')
    r.set(
      'training.activationOffload',
      true,
      doc.activation_offloading === true ? 'activation_offloading' : 'gradient_checkpointing',
    );
  const attn = str(doc.attn_implementation);
  if (attn === 'sdpa' || attn === 'eager') r.set('training.attention', attn, 'attn_implementation');
  else if (
    attn === 'flash_attention_2' ||
    attn === 'flash_attention_3' ||
    doc.flash_attention === true ||
    doc.sdp_attention === true
  )
    r.set('training.attention', 'sdpa', attn ? 'attn_implementation' : 'flash_attention / sdp_attention');
  if (doc.chunked_cross_entropy === true || doc.cut_cross_entropy === true)
    r.set('training.lossKernel', 'chunked', 'chunked_cross_entropy');
  else if (doc.chunked_cross_entropy === false) r.set('training.lossKernel', 'standard', 'chunked_cross_entropy');
  r.set('training.compile', typeof doc.torch_compile === 'boolean' ? doc.torch_compile : undefined, 'torch_compile');
  readSampling(r, doc);
  if (doc.activation_offloading === false) r.set('training.activationOffload', false, 'activation_offloading');
  const ds = doc.deepspeed;
  if (typeof ds === 'string') {
    r.note(`deepspeed: ${ds}: import that ds_config.json with this file for the exact stage and offload.`);
    // axolotl's bundled deepspeed_configs/zero{1,2,3}[_bf16][_cpuoffload_{params,all}].json.
    const m = /deepspeed_configs\/zero([123])[^/]*\.json$/.exec(ds);
    if (m) {
      r.set('distribution.strategy', (['zero1', 'zero2', 'zero3'] as const)[Number(m[1]) - 1], 'deepspeed');
      r.set('distribution.offloadOptimizer', /cpuoffload_all/.test(ds) ? 'cpu' : 'none', 'deepspeed');
      r.set('distribution.offloadParams', /cpuoffload_(all|params)/.test(ds) ? 'cpu' : 'none', 'deepspeed');
    }
  }
  const fsdp = isObject(doc.fsdp_config) ? doc.fsdp_config : undefined;
  if (fsdp) {
    // fsdp.py FSDPConfig: reshard_after_forward (FSDP2) / sharding_strategy (FSDP1), offload_params.
    const reshard = fsdp.reshard_after_forward ?? fsdp.fsdp_reshard_after_forward;
    const strat = fsdp.sharding_strategy ?? fsdp.fsdp_sharding_strategy;
    r.set(
      'distribution.strategy',
      reshard === false || strat === 'SHARD_GRAD_OP' ? 'fsdp_grad_op' : 'fsdp_full',
      'fsdp_config',
    );
    const off = bool(fsdp.offload_params ?? fsdp.fsdp_offload_params) ?? false;
    r.set('distribution.offloadParams', off ? 'cpu' : 'none', 'fsdp_config.offload_params');
    r.set('distribution.offloadOptimizer', off ? 'cpu' : 'none', 'fsdp_config.offload_params');
    if (fsdp.activation_checkpointing === true)
      r.set('training.gradientCheckpointing', true, 'fsdp_config.activation_checkpointing');
  }
  if (ds === undefined && !fsdp) r.set('distribution.strategy', 'ddp', 'deepspeed / fsdp_config (absent)');
  readAxolotlObjective(r, doc);
  return r.done();
}

/**
 * rl and its fields → the plan's objective (axolotl @ 067b021: schemas/config.py rl L262 with RLType in
 * schemas/enums.py L28-38, rl_beta L1315, dpo_loss_type, precompute_ref_log_probs L315, trl block schemas/trl.py;
 * core/builders/rl.py L122-128: trl.beta, else rl_beta, else orpo_alpha is the beta). No rl: supervised fine-tuning.
 * The inverse of shared/exporters/axolotl.ts.
 */
function readAxolotlObjective(r: Reading, doc: Json): void {
  const rl = str(doc.rl);
  const trl = isObject(doc.trl) ? doc.trl : {};
  if (rl === undefined) {
    if (doc.reward_model === true) r.set('objective.kind', 'reward', 'reward_model');
    else r.set('objective.kind', 'sft', 'rl (absent)');
    return;
  }
  const losses = Array.isArray(doc.dpo_loss_type) ? doc.dpo_loss_type : [];
  const kinds: Record<string, FieldValues['objective.kind']> = {
    dpo: losses.length === 1 && losses[0] === 'ipo' ? 'ipo' : 'dpo',
    ipo: 'ipo',
    orpo: 'orpo',
    simpo: 'simpo',
    kto: 'kto',
    grpo: 'grpo',
  };
  const kind = kinds[rl];
  if (!kind) {
    r.leave('objective.kind', 'rl', `rl ${rl} has no Tuneplan objective; pick one in the plan`);
    return;
  }
  r.set('objective.kind', kind, losses.length ? 'rl + dpo_loss_type' : 'rl');
  const beta = finite(trl.beta) ?? finite(doc.rl_beta) ?? finite(doc.orpo_alpha);
  r.set('objective.beta', beta, 'trl.beta / rl_beta / orpo_alpha');
  if ((kind === 'dpo' || kind === 'ipo') && doc.precompute_ref_log_probs === true)
    r.set('objective.reference', 'precomputed', 'precompute_ref_log_probs');
  if (kind === 'grpo') {
    r.set('objective.numGenerations', posInt(trl.num_generations), 'trl.num_generations');
    r.set('objective.completionTokens', posInt(trl.max_completion_length), 'trl.max_completion_length');
  }
}
