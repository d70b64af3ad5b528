/**
 * axolotl export: a config for `axolotl train axolotl_config.yaml`, plus ds_config.json under ZeRO and a README.
 * Keys are fields of axolotl's pydantic input schema (axolotl-ai-cloud/axolotl src/axolotl/utils/schemas/config.py
 * AxolotlInputConfig with peft.py LoraConfig, training.py HyperparametersConfig, model.py ModelInputConfig, fsdp.py
 * FSDPConfig), written for axolotl 0.19 (commit 067b021).
 */
import { stringify as toYaml } from 'yaml';
import { PLAN_TO_HF_OPTIM } from '../import/configs/facts';
import {
  DECODER_LAYER_CLASS,
  frameworkContext,
  frameworkDsConfig,
  hashHeader,
  modelUnsupported,
  notSupportedFiles,
  targetNames,
  usesDeepSpeed,
  usesFsdp,
  type FrameworkCtx,
  type FrameworkFile,
} from './framework-context';
import { STRATEGY_TRAITS } from '../domain/strategies';

export const AXOLOTL_VERSION = 'axolotl 0.19';

/**
 * config.py: bf16/fp16 are AMP; bfloat16/float16 are "No AMP" (weights in that dtype). bf16 defaults to "auto", so it
 * is always written.
 */
export function axolotlPrecision(p: FrameworkCtx['plan']['training']['precision']): Record<string, boolean> {
  if (p === 'pure_bf16') return { bf16: false, bfloat16: true };
  if (p === 'mixed') return { bf16: true };
  if (p === 'pure_fp16') return { bf16: false, float16: true };
  return { bf16: false, fp16: false };
}

export function axolotlConfig(c: FrameworkCtx): Record<string, unknown> {
  const t = c.technique;
  const tr = c.plan.training;
  const d = c.plan.distribution;
  const lora = t.kind !== 'full';
  const int8 = t.kind === 'qlora' && t.quantType === 'int8';
  const layer = DECODER_LAYER_CLASS[c.arch.spec.modelType];
  return {
    base_model: c.hfId,
    ...(c.arch.spec.modelType === 'phi3small' ? { trust_remote_code: true } : {}),
    ...(t.kind === 'qlora'
      ? int8
        ? { load_in_8bit: true }
        : {
            load_in_4bit: true,
            // peft.py LoraConfig.bnb_config_kwargs: overrides of axolotl's BitsAndBytesConfig (nf4 + double quant by
            // default).
            bnb_config_kwargs: { bnb_4bit_quant_type: t.quantType, bnb_4bit_use_double_quant: t.doubleQuant },
          }
      : {}),
    ...(lora
      ? {
          adapter: t.kind === 'qlora' && !int8 ? 'qlora' : 'lora',
          lora_r: t.rank,
          lora_alpha: t.alpha,
          lora_dropout: t.dropout,
          ...(t.targets === 'all-linear' ? { lora_target_linear: true } : { lora_target_modules: targetNames(c) }),
          ...(t.kind === 'dora' ? { peft_use_dora: true } : {}),
        }
      : {}),
    datasets: [{ path: 'data/train.jsonl', type: 'chat_template', field_messages: 'messages' }],
    val_set_size: 0,
    output_dir: `outputs/${c.slug}-${t.kind}`,
    sequence_len: tr.seqLen,
    sample_packing: tr.packing,
    micro_batch_size: tr.microBatch,
    gradient_accumulation_steps: tr.gradAccum,
    num_epochs: tr.epochs,
    learning_rate: tr.learningRate,
    optimizer: PLAN_TO_HF_OPTIM[tr.optimizer],
    ...(tr.optimizer === 'sgd_momentum' ? { optim_args: { momentum: 0.9 } } : {}),
    lr_scheduler: 'cosine',
    warmup_ratio: 0.1,
    ...axolotlPrecision(tr.precision),
    gradient_checkpointing: tr.gradientCheckpointing,
    activation_offloading: tr.activationOffload,
    attn_implementation: tr.attention,
    chunked_cross_entropy: tr.lossKernel === 'chunked',
    torch_compile: tr.compile,
    ...(usesDeepSpeed(c.plan) ? { deepspeed: 'ds_config.json' } : {}),
    ...(usesFsdp(c.plan)
      ? {
          fsdp_version: 2,
          fsdp_config: {
            offload_params: d.offloadParams !== 'none',
            reshard_after_forward: STRATEGY_TRAITS[d.strategy].fsdpShardingStrategy === 'FULL_SHARD',
            state_dict_type: 'FULL_STATE_DICT',
            auto_wrap_policy: 'TRANSFORMER_BASED_WRAP',
            ...(layer ? { transformer_layer_cls_to_wrap: layer } : {}),
          },
        }
      : {}),
    logging_steps: 10,
    saves_per_epoch: 1,
  };
}

export function axolotlUnsupported(c: FrameworkCtx): string | null {
  const k = c.technique.kind;
  if (!['full', 'lora', 'qlora', 'dora'].includes(k))
    return (
      `axolotl's built-in adapters are lora and qlora (schemas/peft.py); ${k} is not one of them. Export ` +
      `the Hugging Face script instead.`
    );
  const d = c.plan.distribution;
  // FSDP's CPUOffload has one switch, offload_params, which moves parameters, gradients and optimizer states together
  // (torch/distributed/fsdp/api.py CPUOffload); an optimizer-only offload cannot be written.
  if (usesFsdp(c.plan) && d.offloadOptimizer !== d.offloadParams)
    return (
      `axolotl runs FSDP through accelerate, whose only offload (fsdp_offload_params) moves parameters, ` +
      `gradients and optimizer states together: offload both or neither in the plan.`
    );
  if (c.plan.training.optimizerInBackward) return 'axolotl has no optimizer-in-backward step; turn it off in the plan.';
  return null;
}

export function axolotlFiles(
  plan: Parameters<typeof frameworkContext>[0],
  index: number,
  version: string,
): FrameworkFile[] {
  const c = frameworkContext(plan, index, version, 'axolotl');
  const why = modelUnsupported(c) ?? axolotlUnsupported(c);
  if (why) return notSupportedFiles(c, 'axolotl', AXOLOTL_VERSION, why);
  const d = plan.distribution;
  const files: FrameworkFile[] = [
    {
      path: 'axolotl_config.yaml',
      mediaType: 'application/yaml',
      content: `${hashHeader(c, AXOLOTL_VERSION)}\n${toYaml(axolotlConfig(c), { lineWidth: 0 })}`,
    },
  ];
  if (usesDeepSpeed(plan))
    files.push({
      path: 'ds_config.json',
      mediaType: 'application/json',
      content: `${JSON.stringify(frameworkDsConfig(c), null, 2)}\n`,
    });
  files.push({
    path: 'data/train.jsonl',
    mediaType: 'application/jsonl',
    content:
      '{"messages": [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi! How can I help?"}]}\n',
  });
  const launch =
    c.gpus > 1
      ? `accelerate launch --num_processes ${c.gpus} --num_machines ${d.nodes}${
          d.nodes > 1 ? ' ' + '--machine_rank <0..N-1> --main_process_ip <MASTER_ADDR> --main_process_port 29500' : ''
        } -m axolotl.cli.train axolotl_config.yaml`
      : 'axolotl train axolotl_config.yaml';
  files.push({
    path: 'README.md',
    mediaType: 'text/markdown',
    content:
      `# ${plan.name} — ` +
      `axolotl\n\n${hashHeader(c, AXOLOTL_VERSION).replace(/^# /gm, '')}\n\n\`\`\`bash\npip install ` +
      `"axolotl>=0.19,<0.20"${usesDeepSpeed(plan) ? ' deepspeed' : ''}\n${launch}\n\`\`\`\n\nPut your data in ` +
      `\`data/train.jsonl\` (one chat per line in \`messages\`, as the stub shows).\n`,
  });
  return files;
}
