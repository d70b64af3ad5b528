/**
 * What the LLaMA-Factory, axolotl and torchtune exporters share: the plan's technique, its estimate, the model's
 * architecture and Hub id, and the header every file starts with (the estimate, whether it fits, the upstream
 * versions the file was written for). Built here rather than from training.ts so that training.ts can list these
 * targets without an import cycle.
 */
import type { ExportTarget } from '../domain/export-capabilities';
import { slugify, stampLines, switchNotes } from './header';
import { findCatalogModel } from '../catalog/models';
import { exportSupport } from '../domain/export-support';
import type { Plan, Technique } from '../domain/plan';
import type { Architecture } from '../estimate/architecture';
import { estimatePlan, planArchitecture, resolveModel, type TechniqueEstimate } from '../estimate/estimate';
import { resolveTargets } from '../estimate/techniques';
import { isDeepSpeed, isFsdp, STRATEGY_TRAITS } from '../domain/strategies';

export interface FrameworkFile {
  path: string;
  content: string;
  mediaType: string;
}

export interface FrameworkCtx {
  plan: Plan;
  technique: Technique;
  index: number;
  estimate: TechniqueEstimate;
  arch: Architecture;
  hfId: string;
  version: string;
  slug: string;
  /** The export target the files are for (its capabilities decide the header's NOT EXPRESSED notes). */
  target: ExportTarget;
  gpus: number;
}

export function frameworkContext(plan: Plan, index: number, version: string, target: ExportTarget): FrameworkCtx {
  const technique = plan.techniques[index];
  if (!technique) throw new Error(`The plan has no technique #${index + 1}.`);
  const spec = resolveModel(plan);
  const hfId =
    plan.model.source === 'catalog'
      ? (findCatalogModel(plan.model.id)?.spec.hfId ?? plan.model.id)
      : (plan.model.spec.hfId ?? `<hub-id-of-${plan.model.spec.name}>`);
  return {
    plan,
    technique,
    index,
    estimate: targetEstimate(plan, index, target),
    arch: planArchitecture(plan, spec),
    hfId,
    version,
    slug: slugify(plan.name),
    target,
    gpus: plan.distribution.gpusPerNode * plan.distribution.nodes,
  };
}

/**
 * The estimate of the job the framework will run, which is not always the TRL job the plan's own estimate sizes
 * (issue 19), and for both frameworks: no KV cache in training, and SFT scored by the model's own loss over the full
 * logits (not TRL's fused head):
 *  - LLaMA-Factory's preference stages run their own trainers, which compute the full logits in fp32
 *    (src/llamafactory/train/dpo/trainer.py CustomDPOTrainer.concatenated_forward: `model(**batch, ...).logits
 *    .to(torch.float32)` then get_batch_logps; ORPO and SimPO are pref_loss values of the same trainer; KTO's
 *    train/kto/trainer.py likewise), for the policy and for the reference: not TRL's fused LM head.
 *  - axolotl with an adapter always takes the adapter-disabled base as DPO / IPO / KTO reference (src/axolotl/train.py
 *    setup_reference_model L139: model_ref = None unless cfg.rl_adapter_ref_model, a key its input schema does not
 *    declare, so validate_config drops it): a plan's frozen copy is estimated as what axolotl runs.
 */
export function targetEstimate(plan: Plan, index: number, target: ExportTarget): TechniqueEstimate {
  const o = plan.objective;
  const technique = plan.techniques[index];
  const framework = target === 'llama-factory' ? 'LLaMA-Factory' : target === 'axolotl' ? 'axolotl' : null;
  if (framework === null) return estimatePlan(plan).techniques[index]!;
  // Both frameworks set use_cache=False for training (memory.ts kvCacheBytes cites where), and run the job their own
  // way (forward-dtypes.ts Runner: the adapters' dtype, the DeepSpeed block, Liger for the chunked loss).
  const trainingCacheOff = framework;
  const runner = target === 'llama-factory' ? 'llama-factory' : 'axolotl';
  if (target === 'llama-factory' && ['dpo', 'ipo', 'kto', 'orpo', 'simpo'].includes(o.kind))
    return estimatePlan(plan, {
      fullLogitsTrainer: `LLaMA-Factory's ${o.kind === 'kto' ? 'CustomKTOTrainer' : 'CustomDPOTrainer'}`,
      trainingCacheOff,
      runner,
    }).techniques[index]!;
  // SFT: TRL's fused LM head is SFTTrainer's (the plan's 'trl' stack); both frameworks train with transformers'
  // Trainer and the model's own loss over the full logits (LLaMA-Factory train/sft/trainer.py compute_loss →
  // Trainer.compute_loss; axolotl's AxolotlTrainer), unless the chunked loss turns Liger's fused cross-entropy on.
  const fullLogits =
    o.kind === 'sft' && plan.training.stack === 'trl' && plan.training.lossKernel === 'standard'
      ? { fullLogitsTrainer: `${framework}'s Trainer (the model's own loss)` }
      : {};
  if (target === 'axolotl' && axolotlAdapterReference(plan, technique))
    return estimatePlan({ ...plan, objective: { ...o, reference: 'peft_base' } }, { trainingCacheOff, runner })
      .techniques[index]!;
  return estimatePlan(plan, { ...fullLogits, trainingCacheOff, runner }).techniques[index]!;
}

/** axolotl + adapter + DPO / IPO / KTO with a frozen-copy reference: axolotl uses the adapter-disabled base. */
export function axolotlAdapterReference(plan: Plan, technique: Technique | undefined): boolean {
  const o = plan.objective;
  return (
    technique !== undefined &&
    technique.kind !== 'full' &&
    ['dpo', 'ipo', 'kto'].includes(o.kind) &&
    o.reference === 'copy'
  );
}

/** The module names an explicit target list holds (each once), as PEFT / the frameworks name them. */
export const targetNames = (c: FrameworkCtx) => [...new Set(resolveTargets(c.arch, c.technique, c.index).names)];

/** The one header stamp (shared/exporters/header.ts), with what this framework cannot express of the plan. */
export function headerLines(c: FrameworkCtx, upstream: string): string[] {
  return stampLines(c, upstream, switchNotes(c.plan, c.target, upstream));
}

export const hashHeader = (c: FrameworkCtx, upstream: string, extra: string[] = []) =>
  [...headerLines(c, upstream), ...extra].map((l) => `# ${l}`).join('\n');

/** Why no framework can train this model as planned (shared/domain/export-support.ts), or null. */
export function modelUnsupported(c: FrameworkCtx): string | null {
  const support = exportSupport(c.arch.spec);
  return support.supported ? null : support.notes.join(' ');
}

export function notSupportedFile(c: FrameworkCtx, target: string, upstream: string, reason: string): FrameworkFile {
  return {
    path: `${target}-NOT-SUPPORTED.md`,
    mediaType: 'text/markdown',
    content: `${headerLines(c, upstream)
      .map((l) => `> ${l}`)
      .join('\n')}\n\n${reason}\n`,
  };
}

/**
 * A DeepSpeed config in the frameworks' own style (LLaMA-Factory examples/deepspeed/ds_z3_config.json, axolotl
 * deepspeed_configs/zero3_bf16.json): stage and offload explicit, batch sizes and precision "auto" so the HF Trainer
 * fills them from the trainer's own arguments (transformers/integrations/deepspeed.py trainer_config_process), which
 * keeps the two from disagreeing.
 */
export function frameworkDsConfig(c: FrameworkCtx): Record<string, unknown> {
  const d = c.plan.distribution;
  const stage = STRATEGY_TRAITS[d.strategy].zeroStage ?? 3;
  const zero: Record<string, unknown> = {
    stage,
    overlap_comm: false,
    contiguous_gradients: true,
    reduce_bucket_size: 'auto',
  };
  if (d.offloadOptimizer !== 'none')
    zero.offload_optimizer = {
      device: d.offloadOptimizer,
      pin_memory: true,
      ...(d.offloadOptimizer === 'nvme' ? { nvme_path: '/local_nvme' } : {}),
    };
  if (stage === 3) {
    if (d.offloadParams !== 'none')
      zero.offload_param = {
        device: d.offloadParams,
        pin_memory: true,
        ...(d.offloadParams === 'nvme' ? { nvme_path: '/local_nvme' } : {}),
      };
    Object.assign(zero, {
      stage3_prefetch_bucket_size: 'auto',
      stage3_param_persistence_threshold: 'auto',
      stage3_gather_16bit_weights_on_model_save: true,
    });
  }
  return {
    train_batch_size: 'auto',
    train_micro_batch_size_per_gpu: 'auto',
    gradient_accumulation_steps: 'auto',
    gradient_clipping: 'auto',
    zero_allow_untested_optimizer: true,
    fp16: { enabled: 'auto' },
    bf16: { enabled: 'auto' },
    zero_optimization: zero,
  };
}

export const usesDeepSpeed = (p: Plan) => isDeepSpeed(p.distribution.strategy);
export const usesFsdp = (p: Plan) => isFsdp(p.distribution.strategy);

/** transformers' decoder-layer class per model_type, for FSDP's transformer auto-wrap policy. */
export const DECODER_LAYER_CLASS: Record<string, string> = {
  llama: 'LlamaDecoderLayer',
  mistral: 'MistralDecoderLayer',
  mixtral: 'MixtralDecoderLayer',
  qwen2: 'Qwen2DecoderLayer',
  qwen3: 'Qwen3DecoderLayer',
  phi3: 'Phi3DecoderLayer',
  gemma2: 'Gemma2DecoderLayer',
  phimoe: 'PhimoeDecoderLayer',
};

/** The refusal and a README saying the same, so every export folder has its README last (as training.ts's do). */
export function notSupportedFiles(c: FrameworkCtx, target: string, upstream: string, reason: string): FrameworkFile[] {
  const file = notSupportedFile(c, target, upstream, reason);
  return [
    file,
    {
      path: 'README.md',
      mediaType: 'text/markdown',
      content:
        `# ${c.plan.name} — ${upstream}\n\n${headerLines(c, upstream).join('\n\n')}\n\nNot exported: ` +
        `${reason}\n\nFiles:\n- \`${file.path}\`\n`,
    },
  ];
}
