/**
 * Ready-to-run training configs from a plan, one set per technique and platform: a Hugging Face
 * TRL + PEFT script, DeepSpeed / accelerate configs with their launch lines, an Azure ML command job,
 * a KAITO tuning Workspace, an Olive workflow, and a hosted fine-tuning job summary. Pure strings:
 * the CLI writes them to disk, the app downloads them.
 */
import { planGpuName, slugify, stampLines, switchNotes } from './header';
import { PLAN_TO_HF_OPTIM } from '../import/configs/facts';
import { stringify as toYaml } from 'yaml';
import { findCatalogModel } from '../catalog/models';
import { VM_SKUS } from '../catalog/prices';
import {
  EXPORT_CAPABILITIES,
  EXPORT_TARGETS,
  int4BaseRefusal,
  objectiveUnsupported,
  syncsEachBatch,
  type ExportTarget,
} from '../domain/export-capabilities';
import { exportSupport } from '../domain/export-support';
import { peftUnsupportedReason } from '../domain/peft-support';
import type { Plan, Technique } from '../domain/plan';
import { fsdpOffloadProblem, isDeepSpeed, isFsdp, STRATEGY_TRAITS } from '../domain/strategies';
import type { Architecture } from '../estimate/architecture';
import { estimatePlan, planArchitecture, resolveModel, type TechniqueEstimate } from '../estimate/estimate';
import {
  allModules,
  ia3TargetNames,
  lnTuningTargets,
  resolveTargets,
  TECHNIQUE_LABELS,
  techniqueParams,
} from '../estimate/techniques';
import { planToJson } from './plan-json';
import { FRAMEWORK_EXPORTERS, isFrameworkFormat } from './framework-targets';
import { ligerFlagForChunkedLoss } from '../estimate/kernels';
import {
  DATA_EXAMPLES,
  dataDocLine,
  dataReadme,
  grpoReadme,
  OBJECTIVE_DATA,
  OBJECTIVE_NAMES,
  TRL_TRAINERS,
  trlObjectiveParts,
} from './trl-objectives';

export const EXPORT_FORMATS = EXPORT_TARGETS;
export { slugify };
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const FORMAT_LABELS: Record<ExportFormat, string> = {
  json: 'Plan JSON',
  hf: 'Hugging Face (TRL + PEFT script)',
  deepspeed: 'DeepSpeed / accelerate',
  azureml: 'Azure Machine Learning job',
  kaito: 'Kubernetes KAITO Workspace',
  olive: 'ONNX Runtime via Olive',
  service: 'Hosted fine-tuning (model as a service)',
  'llama-factory': 'LLaMA-Factory YAML',
  axolotl: 'axolotl YAML',
  torchtune: 'torchtune recipe config',
};

export interface ExportFile {
  path: string;
  content: string;
  mediaType: string;
}

interface Ctx {
  plan: Plan;
  technique: Technique;
  index: number;
  estimate: TechniqueEstimate;
  arch: Architecture;
  hfId: string;
  version: string;
  slug: string;
  gpus: number;
  /** Sentences every file's header and the README carry (switches the target cannot express, model notes, ...). */
  notes: string[];
  /** LoRA dropout as exported (0 where PEFT refuses dropout on fused MoE experts; see peftConfig). */
  dropout: number;
}

/**
 * The upstream versions the exported files were written for and checked against: tests/python/requirements.txt
 * pins the same versions (a unit test keeps the two equal), and the Python tier trains every CPU-runnable export
 * with them. The header of every file names them, so a reader knows which release's rules the file follows.
 */
export const UPSTREAM_VERSIONS = {
  torch: '2.13.0',
  transformers: '5.24.0',
  trl: '1.16.0',
  peft: '0.21.2',
  accelerate: '1.15.0',
  datasets: '5.2.0',
  bitsandbytes: '0.50.2',
  deepspeed: '0.19.8',
} as const;

/** The one header stamp (shared/exporters/header.ts) with this script's upstream versions and notes. */
export function headerLines(c: Ctx): string[] {
  const versions = Object.entries(UPSTREAM_VERSIONS)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return stampLines(c, versions, c.notes);
}

/** headerLines with a prefix per line: `# ` for Python, YAML, shell and requirements files, `> ` for Markdown. */
const stamp = (c: Ctx, prefix: '# ' | '> ') =>
  headerLines(c)
    .map((l) => `${prefix}${l}`)
    .join('\n');
const hashHeader = (c: Ctx) => stamp(c, '# ');

const pyStr = (s: string) => JSON.stringify(s);
const pyBool = (b: boolean) => (b ? 'True' : 'False');

function targetModules(c: Ctx): string[] {
  const modules = resolveTargets(c.arch, c.technique, c.index).modules;
  // "all-linear" spelled out leaves a router PEFT cannot wrap out (see allLinearIsSafe).
  const kept =
    c.technique.targets === 'all-linear' && !allLinearIsSafe(c) ? modules.filter((m) => !isRouter(m)) : modules;
  return [...new Set(kept.map((m) => m.name))];
}

/**
 * PEFT model types whose transformers 5 MoE routers PEFT maps itself (peft 0.21.2
 * utils/transformers_weight_conversion.py, the mixtral and qwen2_moe rules): there "all-linear" stays valid. Any other
 * model with a top-k router (PhiMoE, Qwen2-MoE) gets the explicit list of its nn.Linear modules instead, because
 * "all-linear" also wraps the router, whose forward returns a tuple (peft tuners/lora/layer.py then raises "'tuple'
 * object has no attribute 'dtype'") — and the estimate never counted the router as adapted.
 */
const PEFT_MAPS_ROUTER: ReadonlySet<string> = new Set(['mixtral', 'qwen3_moe', 'deepseek_v2', 'deepseek_v3']);

const isRouter = (m: { storage: string; role?: string }) => m.storage === 'router' || m.role === 'router';

function allLinearIsSafe(c: Ctx): boolean {
  return PEFT_MAPS_ROUTER.has(c.arch.spec.modelType) || !allModules(c.arch).some((m) => isRouter(m.module));
}

/** The PEFT config constructor for this technique, as Python source; null for full fine-tuning. */
function peftConfig(c: Ctx): { imports: string[]; code: string | null; notes: string[] } {
  const t = c.technique;
  const notes: string[] = [];
  const list = (names: string[]) => `[${names.map(pyStr).join(', ')}]`;
  const targets = () =>
    t.targets === 'all-linear' && allLinearIsSafe(c) ? pyStr('all-linear') : list(targetModules(c));
  switch (t.kind) {
    case 'full':
      return { imports: [], code: null, notes };
    case 'lora':
    case 'qlora':
    case 'dora':
    case 'lora_fa':
      return {
        imports: ['LoraConfig'],
        code:
          `LoraConfig(r=${t.rank}, lora_alpha=${t.alpha}, lora_dropout=${c.dropout}, ` +
          `target_modules=${targets()}, use_dora=${pyBool(t.kind === 'dora')}, bias="none", task_type="CAUSAL_LM")`,
        notes,
      };
    case 'loha':
      return {
        imports: ['LoHaConfig'],
        code:
          `LoHaConfig(r=${t.rank}, alpha=${t.alpha}, rank_dropout=${t.dropout}, ` +
          `target_modules=${targets()}, task_type="CAUSAL_LM")`,
        notes,
      };
    case 'vera':
      return {
        imports: ['VeraConfig'],
        code:
          `VeraConfig(r=${t.rank}, vera_dropout=${t.dropout}, target_modules=${list(targetModules(c))}, ` +
          `task_type="CAUSAL_LM")`,
        notes,
      };
    case 'ia3': {
      // The modules the estimate counts (shared/estimate/techniques.ts ia3TargetNames), not a guess by name.
      const ia3 = ia3TargetNames(c.arch);
      return {
        imports: ['IA3Config'],
        code:
          `IA3Config(target_modules=${list(ia3.targetModules)}, ` +
          `feedforward_modules=${list(ia3.feedforwardModules)}, task_type="CAUSAL_LM")`,
        notes,
      };
    }
    case 'prompt_tuning':
      return {
        imports: ['PromptTuningConfig'],
        code: `PromptTuningConfig(num_virtual_tokens=${t.virtualTokens}, task_type="CAUSAL_LM")`,
        notes,
      };
    case 'prefix_tuning':
      return {
        imports: ['PrefixTuningConfig'],
        code:
          `PrefixTuningConfig(num_virtual_tokens=${t.virtualTokens}, prefix_projection=False, ` +
          `task_type="CAUSAL_LM")`,
        notes,
      };
    case 'p_tuning':
      return {
        imports: ['PromptEncoderConfig'],
        code:
          `PromptEncoderConfig(num_virtual_tokens=${t.virtualTokens}, ` +
          `encoder_hidden_size=${c.arch.spec.hiddenSize}, task_type="CAUSAL_LM")`,
        notes,
      };
    case 'ln_tuning': {
      // PEFT has default LN-tuning targets for a few model types only (peft utils/constants.py
      // TRANSFORMERS_MODELS_TO_LNTUNING_TARGET_MODULES_MAPPING); elsewhere it needs target_modules — the norms the
      // estimate counts (lnTuningTargets).
      const ln = lnTuningTargets(c.arch.spec);
      return {
        imports: ['LNTuningConfig'],
        code: ln.isDefault
          ? `LNTuningConfig(task_type="CAUSAL_LM")`
          : `LNTuningConfig(target_modules=${list(ln.names)}, task_type="CAUSAL_LM")`,
        notes,
      };
    }
    case 'adaption_prompt':
      return {
        imports: ['AdaptionPromptConfig'],
        code:
          `AdaptionPromptConfig(adapter_len=${t.virtualTokens}, adapter_layers=${c.arch.spec.numLayers}, ` +
          `task_type="CAUSAL_LM")`,
        notes,
      };
  }
}

function usesDeepSpeed(plan: Plan): boolean {
  return isDeepSpeed(plan.distribution.strategy);
}
const usesFsdp = (plan: Plan) => isFsdp(plan.distribution.strategy);
/** Data parallel over more than one GPU without DeepSpeed or FSDP: accelerate's MULTI_GPU (DDP). */
const usesDdp = (c: Ctx) => c.gpus > 1 && STRATEGY_TRAITS[c.plan.distribution.strategy].family === 'ddp';

/**
 * bf16 autocast in the trainer: mixed precision, and always under DeepSpeed's bf16 mode (its config and the
 * trainer's flag must agree).
 */
function bf16Autocast(plan: Plan): boolean {
  const p = plan.training.precision;
  return p === 'mixed' || (usesDeepSpeed(plan) && p === 'pure_bf16');
}

/**
 * fp16 in the trainer: only under DeepSpeed's fp16 mode (a pure-fp16 plan there), where transformers checks that
 * ds_config.json's fp16.enabled equals TrainingArguments.fp16 (transformers 5.24 integrations/deepspeed.py
 * trainer_config_process, `fill_match("fp16.enabled", args.fp16 or args.fp16_full_eval)`). Outside DeepSpeed a
 * pure-fp16 plan trains fp16 weights with no autocast and no loss scaler, as the estimate counts it.
 */
function fp16Trainer(plan: Plan): boolean {
  return usesDeepSpeed(plan) && plan.training.precision === 'pure_fp16';
}

/**
 * The dtype from_pretrained loads the weights in, as the estimate counts them (shared/estimate/memory.ts bytesFor:
 * frozen weights take `baseWeight` bytes, 2 in every precision but fp32). Adapter techniques in mixed precision
 * therefore load bf16 weights (the adapters' own dtype is decided by PEFT and the trainer: estimate/forward-dtypes.ts).
 * Full fine-tuning in mixed precision outside DeepSpeed loads fp32: the trainer has no separate master copy. fp32
 * weights + fp32 gradients (4 + 4 B) take what the estimate counts as 2-byte weights, 2-byte gradients and a 4-byte
 * master (8 B); autocast's bf16 copy of each linear weight, kept until that layer's backward
 * (tests/python/test_saved_tensors_precision.py measures it), is the estimate's 2-byte weight while the fp32 gradients
 * are not yet made. Under DeepSpeed the engine casts the model to its bf16/fp16 mode and keeps the fp32 master itself.
 */
export function loadDtype(plan: Plan, technique: Pick<Technique, 'kind'>): 'float32' | 'bfloat16' | 'float16' {
  const p = plan.training.precision;
  if (p === 'fp32') return 'float32';
  if (p === 'pure_fp16') return 'float16';
  if (p === 'mixed' && technique.kind === 'full' && !usesDeepSpeed(plan)) return 'float32';
  return 'bfloat16';
}

/**
 * transformers TrainingArguments `optim` names (transformers 5.24 training_args.py OptimizerNames) for each plan
 * optimizer: set explicitly, because the default changed (adamw_torch_fused on torch >= 2.8) and the estimate counts
 * one implementation's states.
 */
/** transformers' `optim` name for each plan optimizer: one table for every exporter and the config importers. */
export const OPTIM = PLAN_TO_HF_OPTIM;

/**
 * What train.py's `trainer.save_model(output)` leaves in the output folder: PeftModel.save_pretrained writes the
 * adapter only, PreTrainedModel.save_pretrained the whole model; the tokenizer (processing_class) is saved beside
 * either. A model over save_pretrained's max_shard_size default is written as model-0000N-of-0000M.safetensors
 * shards plus model.safetensors.index.json instead of one model.safetensors.
 */
export function savedFiles(c: Pick<Ctx, 'technique'>): string[] {
  return [
    ...(c.technique.kind === 'full'
      ? ['config.json', 'model.safetensors']
      : ['adapter_config.json', 'adapter_model.safetensors']),
    'tokenizer_config.json',
  ];
}

/**
 * The attention kernel train.py asks for. Gemma 2 soft-caps its attention logits, which SDPA cannot do:
 * transformers (5.24, Gemma2ForCausalLM) refuses attn_implementation="sdpa" for it, so it gets "eager".
 */
function attention(c: Ctx): Plan['training']['attention'] {
  return c.arch.spec.modelType === 'gemma2' ? 'eager' : c.plan.training.attention;
}

/**
 * Learning-rate warmup as a share of the total steps (transformers 5 `warmup_steps` takes a float in [0, 1) as a
 * ratio).
 */
const WARMUP_RATIO = 0.03;
const SCHEDULER = 'linear'; // transformers' default, written out so the file says what runs

function hfScript(c: Ctx): string {
  const t = c.technique;
  const tr = c.plan.training;
  const peft = peftConfig(c);
  const quant = t.kind === 'qlora';
  const dtype = `torch.${loadDtype(c.plan, t)}`;
  const remote =
    exportSupport(c.arch.spec).notes.length > 0 && ['chatglm', 'phi3small'].includes(c.arch.spec.modelType);
  const lorafa = t.kind === 'lora_fa';
  const adaption = t.kind === 'adaption_prompt';
  // QLoRA weights sharded by ZeRO-3 or FSDP must be stored in the dtype the rest of the model is (bitsandbytes packs
  // 4-bit values into a storage dtype; FSDP and ZeRO-3 flatten parameters of one dtype): transformers' DeepSpeed and
  // FSDP QLoRA guides set bnb_4bit_quant_storage to the load dtype.
  const shardsQuantized = quant && (STRATEGY_TRAITS[c.plan.distribution.strategy].zeroStage === 3 || usesFsdp(c.plan));
  const computeDtype = loadDtype(c.plan, t) === 'float32' ? 'torch.bfloat16' : dtype;
  // The objective's trainer, config, reference model and data format (shared/exporters/trl-objectives.ts).
  const obj = trlObjectiveParts(c.plan, t, c.gpus);
  const sft = obj.kind === 'sft';
  // use_liger_kernel: for the chunked loss (kernels.ts ligerFlagForChunkedLoss, the rule the estimate follows), and for
  // training.kernels 'liger' (issue 15 §6), which asks for Liger's layer kernels by the same flag.
  const chunked = ligerFlagForChunkedLoss(tr.lossKernel, obj.kind, 'trl') || (sft && tr.kernels === 'liger');
  const modelClass = obj.sequenceClassifier ? 'AutoModelForSequenceClassification' : 'AutoModelForCausalLM';
  // RewardTrainer trains a sequence-classification model: PEFT's SEQ_CLS task keeps its new score head trainable
  // (modules_to_save), as trl/trainer/reward_trainer.py's docstring recommends for a causal LM checkpoint.
  const peftCode = peft.code && obj.sequenceClassifier ? peft.code.replace('"CAUSAL_LM"', '"SEQ_CLS"') : peft.code;
  // from_pretrained's arguments, shared by the policy and a reference copy (TRL builds its own reference copy the same
  // way: the policy's dtype, attention and quantization_config, trl/trainer/dpo_trainer.py DPOTrainer.__init__).
  const loadArgs = [
    '        cli.model,',
    `        dtype=${dtype},`,
    `        attn_implementation=${pyStr(attention(c))},`,
    ...(quant ? ['        quantization_config=quantization_config,'] : []),
    // bitsandbytes places a quantized model on load: under DDP each process must load it on its own GPU, not GPU 0
    // (TRL's multi-GPU QLoRA recipe: device_map={"": PartialState().process_index}).
    ...(quant && usesDdp(c) ? ['        device_map={"": PartialState().local_process_index},'] : []),
    ...(remote
      ? ['        trust_remote_code=True,  # the model exists only as Hub modelling code: review it first']
      : []),
  ];
  const lines = [
    hashHeader(c),
    `"""Fine-tune ${c.hfId} with ${TECHNIQUE_LABELS[t.kind]} using transformers, TRL's ` +
      `${obj.trainer}${peft.code ? ' and PEFT' : ''}.`,
    '',
    dataDocLine(obj.kind),
    `Run: ${
      usesDeepSpeed(c.plan) || c.gpus > 1
        ? 'accelerate launch --config_file accelerate_config.yaml train.py'
        : 'python train.py'
    } ` + '[--model ID_OR_DIR] [--data FILE.jsonl] [--output DIR] [--max-steps N] [--eval-fraction F]',
    'Each option defaults to the environment variable MODEL_ID, DATA_FILE, OUTPUT_DIR, MAX_STEPS or ' +
      'EVAL_FRACTION, then to the value below.',
    `Saves to the output folder: ${savedFiles(c).join(', ')}.`,
    '"""',
    '',
    'import argparse',
    ...(chunked ? ['import importlib.util'] : []),
    'import os',
    'import re',
    '',
    `# The estimate assumes expandable allocator segments ${
      c.plan.training.expandableSegments ? 'on' : 'off'
    } (training.expandableSegments). PyTorch reads the`,
    '# setting when CUDA is first used, so it is set before torch is imported. Releases differ in which name',
    '# they read first (c10/cuda/CUDAAllocatorConfig.h), so both get one value: your own options, if any, with',
    "# the plan's expandable_segments.",
    '_yours = os.environ.get("PYTORCH_ALLOC_CONF") or os.environ.get("PYTORCH_CUDA_ALLOC_CONF") or ""',
    '_yours = re.sub(r",?expandable_segments:\\w+", "", _yours).strip(",")',
    'os.environ["PYTORCH_ALLOC_CONF"] = os.environ["PYTORCH_CUDA_ALLOC_CONF"] = ",".join(',
    `    filter(None, [_yours, "expandable_segments:${c.plan.training.expandableSegments ? 'True' : 'False'}"])`,
    ')',
    '',
    'import torch',
    ...(usesDdp(c) && quant ? ['from accelerate import PartialState'] : []),
    'from datasets import load_dataset',
    `from transformers import AutoModelForCausalLM, ` +
      `${obj.sequenceClassifier ? 'AutoModelForSequenceClassification, ' : ''}` +
      `AutoTokenizer${quant ? ', BitsAndBytesConfig' : ''}${adaption ? ', Trainer' : ''}`,
    obj.importLine,
    ...(peft.imports.length
      ? [`from peft import ${[...peft.imports, ...(lorafa ? ['get_peft_model'] : [])].join(', ')}`]
      : []),
    ...(lorafa ? ['from peft.optimizers import create_lorafa_optimizer'] : []),
    '',
    `MODEL_ID = os.environ.get("MODEL_ID", ${pyStr(c.hfId)})`,
    'DATA_FILE = os.environ.get("DATA_FILE", "data/train.jsonl")  # TODO: your training data',
    `OUTPUT_DIR = os.environ.get("OUTPUT_DIR", ${pyStr(`outputs/${c.slug}-${t.kind}`)})`,
    'MAX_STEPS = int(os.environ.get("MAX_STEPS", "-1"))  # -1: train for num_train_epochs',
    'EVAL_FRACTION = float(os.environ.get("EVAL_FRACTION", "0"))  # share of the data held out for evaluation',
    '',
    ...obj.moduleCode,
    ...(adaption && sft
      ? [
          '',
          'class AdaptionPromptSFTTrainer(SFTTrainer):',
          '    """TRL 1.16 computes the SFT loss through a fused LM head (trl/trainer/sft_trainer.py compute_loss,',
          "    `model(**inputs, fused_lm_head=True)` and `outputs.log_probs`) that PEFT's AdaptionPromptModel " +
            'does not pass',
          '    on; train with the loss the model computes from its labels (transformers Trainer.compute_loss) ' +
            'instead."""',
          '',
          '    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):',
          '        inputs = {k: v for k, v in inputs.items() if k in ("input_ids", "attention_mask", ' +
            '"position_ids", "labels")}',
          '        return Trainer.compute_loss(self, model, inputs, return_outputs, num_items_in_batch)',
          '',
        ]
      : []),
    '',
    'def parse_args() -> argparse.Namespace:',
    '    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)',
    '    parser.add_argument("--model", default=MODEL_ID, help="Hub id or local folder of the base model (env ' +
      'MODEL_ID)")',
    '    parser.add_argument("--data", default=DATA_FILE, help="JSON Lines training data (env DATA_FILE)")',
    '    parser.add_argument("--output", default=OUTPUT_DIR, help="folder for checkpoints and the result (env ' +
      'OUTPUT_DIR)")',
    '    parser.add_argument("--max-steps", type=int, default=MAX_STEPS, help="stop after N optimizer steps ' +
      '(env MAX_STEPS)")',
    '    parser.add_argument("--eval-fraction", type=float, default=EVAL_FRACTION, help="hold out this share ' +
      'for evaluation (env EVAL_FRACTION)")',
    "    # The `deepspeed` launcher appends --local_rank to the script's arguments.",
    '    parser.add_argument("--local_rank", "--local-rank", type=int, default=-1, help=argparse.SUPPRESS)',
    '    return parser.parse_args()',
    '',
    '',
    'def main() -> None:',
    '    cli = parse_args()',
    ...(chunked
      ? [
          "    # Liger's fused linear cross-entropy is a Triton kernel: it needs a CUDA GPU. Elsewhere train with the",
          '    # standard loss, which holds the full logits tensor (more activation memory than the plan estimated).',
          '    use_liger = torch.cuda.is_available() and importlib.util.find_spec("liger_kernel") is not None',
          '    if not use_liger:',
          '        print("Chunked loss: liger-kernel needs a CUDA GPU and the liger-kernel package; using the ' +
            'standard loss.")',
        ]
      : []),
    '    # The trainer arguments come before the model: with DeepSpeed ZeRO-3 they register the DeepSpeed config',
    '    # (transformers integrations/deepspeed.py set_hf_deepspeed_config) that from_pretrained reads to ' +
      'load the model',
    '    # already partitioned (zero.Init), instead of whole in every process.',
    `    args = ${obj.config}(`,
    '        output_dir=cli.output,',
    '        max_steps=cli.max_steps,',
    `        per_device_train_batch_size=${tr.microBatch},`,
    `        gradient_accumulation_steps=${tr.gradAccum},`,
    `        num_train_epochs=${tr.epochs},`,
    `        learning_rate=${tr.learningRate},`,
    `        lr_scheduler_type=${pyStr(SCHEDULER)},`,
    `        warmup_steps=${WARMUP_RATIO},  # a float below 1: a share of the total steps`,
    ...obj.configArgs,
    `        gradient_checkpointing=${pyBool(tr.gradientCheckpointing)},`,
    `        bf16=${pyBool(bf16Autocast(c.plan))},`,
    `        fp16=${pyBool(fp16Trainer(c.plan))},`,
    ...(bf16Autocast(c.plan)
      ? ['        use_cpu=not torch.cuda.is_available(),  # bf16 without a GPU: transformers asks for use_cpu']
      : []),
    `        optim=${pyStr(OPTIM[tr.optimizer])},`,
    ...(tr.optimizer === 'sgd_momentum'
      ? ['        optim_args="momentum=0.9",  # read by transformers >= 5.3 (trainer_optimizer.py _get_sgd)']
      : []),
    ...(sft
      ? ['        loss_type="nll",  # TRL SFTConfig: set explicitly (its default and aliases change between releases)']
      : []),
    ...(tr.compile ? ['        torch_compile=True,'] : []),
    ...(tr.activationOffload && EXPORT_CAPABILITIES.hf.activationOffload && obj.activationOffload
      ? ['        activation_offloading=True,']
      : []),
    // transformers' LengthGroupedSampler, longest batch first (training_args.py line 1380 in transformers 5.24; the
    // boolean group_by_length before 5.2). Random order is the default: nothing to write.
    ...(EXPORT_CAPABILITIES.hf.lengthGroupedBatches && obj.lengthGroupedBatches
      ? ['        train_sampling_strategy="group_by_length",  # batches grouped by length, the longest first']
      : []),
    ...(chunked
      ? ['        use_liger_kernel=use_liger,  # fused linear cross-entropy (pip install liger-kernel)']
      : []),
    ...(usesDeepSpeed(c.plan) ? ['        deepspeed="ds_config.json",'] : []),
    ...(syncsEachBatch(c.plan)
      ? [
          '        # FSDP with gradient accumulation: reduce-scatter every micro-batch, as estimated (the default',
          '        # no_sync keeps the full unsharded gradients on every GPU until the last micro-batch).',
          '        accelerator_config={"gradient_accumulation_kwargs": {"sync_each_batch": True}},',
        ]
      : []),
    '        eval_strategy="epoch" if cli.eval_fraction > 0 else "no",',
    // transformers' default evaluation batch is 8 rows (training_args.py per_device_eval_batch_size), whatever the
    // training micro-batch: its forward's logits could outgrow the estimated peak. Evaluate in training's rows, unless
    // the objective needs its own (GRPO: num_generations, trl-objectives.ts evalBatch).
    obj.evalBatch === null
      ? `        per_device_eval_batch_size=${tr.microBatch},  # the training micro-batch: no larger than estimated`
      : `        per_device_eval_batch_size=${obj.evalBatch},  # GRPOConfig: eval rows × processes divisible by ` +
        'num_generations',
    '        logging_steps=10,',
    '        save_strategy="epoch",',
    '        report_to="none",',
    '    )',
    `    tokenizer = AutoTokenizer.from_pretrained(cli.model${remote ? ', trust_remote_code=True' : ''})`,
    '    if tokenizer.pad_token is None:',
    '        tokenizer.pad_token = tokenizer.eos_token',
    ...(quant
      ? t.quantType === 'int8'
        ? ['    quantization_config = BitsAndBytesConfig(load_in_8bit=True)']
        : [
            `    quantization_config = BitsAndBytesConfig(load_in_4bit=True, ` +
              `bnb_4bit_quant_type=${pyStr(t.quantType)}, bnb_4bit_use_double_quant=${pyBool(t.doubleQuant)}, ` +
              `bnb_4bit_compute_dtype=${computeDtype}${shardsQuantized ? `, bnb_4bit_quant_storage=${dtype}` : ''})`,
          ]
      : []),
    `    model = ${modelClass}.from_pretrained(`,
    ...loadArgs,
    ...(obj.sequenceClassifier
      ? [
          '        num_labels=1,  # one scalar reward per sequence ' +
            '(trl/trainer/reward_trainer.py requires num_labels=1)',
        ]
      : []),
    '    )',
    ...(obj.sequenceClassifier
      ? ['    model.config.pad_token_id = tokenizer.pad_token_id  # the score is read at the last non-pad token']
      : []),
    ...(obj.reference === 'copy'
      ? [
          '    # The reference: a frozen copy of the base model, loaded like the policy (objective.reference "copy").',
          '    ref_model = AutoModelForCausalLM.from_pretrained(',
          ...loadArgs,
          '    )',
        ]
      : obj.reference === 'adapter-off'
        ? ["    # The reference is this model with the adapter disabled: no ref_model (TRL's PEFT reference)."]
        : obj.reference === 'precomputed'
          ? ['    # The reference log-probabilities are computed once before training (precompute_ref_log_probs).']
          : []),
    ...(c.arch.spec.modelType === 'phimoe'
      ? [
          "    # TRL 1.16's fused LM head computes the router aux loss from text_config.num_experts " +
            '(trl/trainer/utils.py',
          '    # _fused_forward); PhimoeConfig calls it num_local_experts.',
          '    model.config.num_experts = model.config.num_local_experts',
        ]
      : []),
    ...(peftCode ? [`    peft_config = ${peftCode}`] : []),
    ...peft.notes.map((n) => `    # ${n}`),
    ...(lorafa
      ? [
          '    # LoRA-FA freezes A and projects the gradient of B (PEFT peft/optimizers/lorafa.py ' +
            'create_lorafa_optimizer);',
          "    # the trainer's own optimizer would train A and B as plain LoRA.",
          '    model = get_peft_model(model, peft_config)',
          `    optimizer = create_lorafa_optimizer(model, r=${t.rank}, lora_alpha=${t.alpha}, lr=${tr.learningRate})`,
        ]
      : []),
    '    dataset = load_dataset("json", data_files=cli.data, split="train")',
    '    eval_dataset = None',
    '    if cli.eval_fraction > 0:',
    '        split = dataset.train_test_split(test_size=cli.eval_fraction, seed=42)',
    '        dataset, eval_dataset = split["train"], split["test"]',
    `    trainer = ${adaption && sft ? 'AdaptionPromptSFTTrainer' : obj.trainer}(`,
    '        model=model,',
    ...obj.trainerArgs,
    '        args=args,',
    '        train_dataset=dataset,',
    '        eval_dataset=eval_dataset,',
    '        processing_class=tokenizer,',
    ...(peft.code && !lorafa ? ['        peft_config=peft_config,'] : []),
    ...(lorafa ? ['        optimizers=(optimizer, None),'] : []),
    '    )',
    '    trainer.train()',
    ...(usesFsdp(c.plan)
      ? [
          '    # FSDP checkpoints are sharded (fsdp_state_dict_type SHARDED_STATE_DICT); gather the full ' +
            'state dict for the',
          "    # final save, or save_model writes no model files (PEFT's FSDP guide, docs/source/accelerate/fsdp.md).",
          '    if trainer.is_fsdp_enabled:',
          '        trainer.accelerator.state.fsdp_plugin.set_state_dict_type("FULL_STATE_DICT")',
        ]
      : []),
    '    trainer.save_model(cli.output)',
    '',
    '',
    'if __name__ == "__main__":',
    '    main()',
    '',
  ];
  return lines.join('\n');
}

/**
 * requirements.txt: ranges that include the versions in UPSTREAM_VERSIONS (the current releases the files were
 * written for) and stop before the next major. transformers' floor is the release the Python tier checks (5.24):
 * from_pretrained(dtype=...) and warmup_steps as a ratio need 5.x, and SGD's optim_args are read only since
 * huggingface/transformers PR #44203 (merged 2026-02-25; earlier releases silently train SGD without momentum);
 * TRL 1.x for SFTConfig(loss_type="nll", max_length) and the fused-LM-head trainer; PEFT 0.21 for the MoE
 * target_parameters conversion the estimate counts.
 */
function requirements(c: Ctx): string {
  const t = c.technique;
  const o = c.plan.objective;
  const vllm = o.kind === 'grpo' && o.generation !== 'transformers';
  const rows = [
    hashHeader(c),
    'torch>=2.4',
    'transformers>=5.24,<6',
    // Preference and RL objectives: the trainers as TRL 1.16 has them (ORPO and CPO under trl.experimental, DPO's
    // loss_type list and fused LM head, GRPOConfig's vllm_* fields); the vllm extra pins the vLLM releases TRL 1.16
    // supports (0.22 to 0.31, trl/import_utils.py is_vllm_available).
    o.kind === 'sft' ? 'trl>=1.0,<2' : `trl${vllm ? '[vllm]' : ''}>=1.16,<2`,
    'datasets>=3.0,<6',
    'accelerate>=1.0,<2',
    ...(t.kind !== 'full' ? ['peft>=0.21,<1'] : []),
    ...(t.kind === 'qlora' ||
    c.plan.training.optimizer.includes('8bit') ||
    c.plan.training.optimizer.startsWith('paged')
      ? ['bitsandbytes>=0.45,<1']
      : []),
    ...(usesDeepSpeed(c.plan) ? ['deepspeed>=0.16,<1'] : []),
    ...(c.plan.training.lossKernel === 'chunked' || c.plan.training.kernels === 'liger'
      ? ['liger-kernel>=0.5,<1']
      : []),
  ];
  return rows.join('\n') + '\n';
}

/** Keys DeepSpeed documents for ds_config.json (https://www.deepspeed.ai/docs/config-json/). */
export const DEEPSPEED_TOP_KEYS = [
  'train_batch_size',
  'train_micro_batch_size_per_gpu',
  'gradient_accumulation_steps',
  'gradient_clipping',
  'steps_per_print',
  'wall_clock_breakdown',
  'bf16',
  'fp16',
  'zero_optimization',
  'optimizer',
  'scheduler',
  'prescale_gradients',
  'zero_allow_untested_optimizer',
] as const;
export const DEEPSPEED_ZERO_KEYS = [
  'stage',
  'overlap_comm',
  'contiguous_gradients',
  'reduce_scatter',
  'reduce_bucket_size',
  'allgather_partitions',
  'allgather_bucket_size',
  'offload_optimizer',
  'offload_param',
  'stage3_prefetch_bucket_size',
  'stage3_param_persistence_threshold',
  'stage3_max_live_parameters',
  'stage3_max_reuse_distance',
  'stage3_gather_16bit_weights_on_model_save',
  'sub_group_size',
] as const;

function dsConfig(c: Ctx): Record<string, unknown> {
  const p = c.plan;
  const d = p.distribution;
  const stage = STRATEGY_TRAITS[d.strategy].zeroStage ?? 3;
  const offload = (device: 'none' | 'cpu' | 'nvme') =>
    device === 'cpu'
      ? { device: 'cpu', pin_memory: true }
      : device === 'nvme'
        ? { device: 'nvme', nvme_path: '/local_nvme', pin_memory: true }
        : undefined;
  const zero: Record<string, unknown> = {
    stage,
    overlap_comm: true,
    contiguous_gradients: true,
    reduce_bucket_size: 5e8,
  };
  if (stage < 3) Object.assign(zero, { allgather_partitions: true, allgather_bucket_size: 5e8, reduce_scatter: true });
  else
    Object.assign(zero, {
      stage3_prefetch_bucket_size: 5e8,
      stage3_param_persistence_threshold: 1e6,
      stage3_max_live_parameters: 1e9,
      stage3_max_reuse_distance: 1e9,
      stage3_gather_16bit_weights_on_model_save: true,
    });
  const oo = offload(d.offloadOptimizer);
  if (oo) zero.offload_optimizer = oo;
  const op = stage === 3 ? offload(d.offloadParams) : undefined;
  if (op) zero.offload_param = op;
  return {
    train_batch_size: p.training.microBatch * p.training.gradAccum * c.gpus,
    train_micro_batch_size_per_gpu: p.training.microBatch,
    gradient_accumulation_steps: p.training.gradAccum,
    gradient_clipping: 1.0,
    bf16: { enabled: p.training.precision !== 'fp32' && p.training.precision !== 'pure_fp16' },
    fp16: { enabled: p.training.precision === 'pure_fp16' },
    zero_optimization: zero,
    steps_per_print: 100,
    wall_clock_breakdown: false,
  };
}

/** The rendezvous port of a multi-node launch (torch.distributed's usual default, MASTER_PORT 29500). */
const RDZV_PORT = 29500;
const NODE0 = '<node-0-ip>';

/**
 * accelerate_config.yaml. Rules from accelerate 1.15:
 * - DeepSpeed with deepspeed_config_file: `mixed_precision` must not be in the YAML. The launcher passes the YAML's
 *   fields on in ACCELERATE_CONFIG_DS_FIELDS (commands/launch.py launch_command, `mp_from_config_flag`) and
 *   DeepSpeedPlugin._deepspeed_config_checks (utils/dataclasses.py) raises "When using `deepspeed_config_file`, the
 *   following accelerate config variables will be ignored: [..., 'mixed_precision']". ds_config.json's bf16/fp16
 *   blocks carry the precision instead.
 * - more than one machine: main_process_ip is required (utils/launch.py prepare_multi_gpu_env asserts it), with
 *   main_process_port and machine_rank per node; a multi-node DeepSpeed launch uses the `standard` (torchrun)
 *   launcher, not pdsh with a hostfile.
 */
function accelerateConfig(c: Ctx): Record<string, unknown> {
  const d = c.plan.distribution;
  const multiNode = d.nodes > 1;
  const base = {
    compute_environment: 'LOCAL_MACHINE',
    machine_rank: 0,
    main_training_function: 'main',
    ...(usesDeepSpeed(c.plan) ? {} : { mixed_precision: bf16Autocast(c.plan) ? 'bf16' : 'no' }),
    num_machines: d.nodes,
    num_processes: c.gpus,
    ...(multiNode ? { main_process_ip: NODE0, main_process_port: RDZV_PORT } : {}),
    rdzv_backend: 'static',
    same_network: true,
    use_cpu: false,
  };
  if (usesDeepSpeed(c.plan))
    return {
      ...base,
      distributed_type: 'DEEPSPEED',
      deepspeed_config: {
        deepspeed_config_file: 'ds_config.json',
        zero3_init_flag: STRATEGY_TRAITS[d.strategy].zeroStage === 3,
        ...(multiNode ? { deepspeed_multinode_launcher: 'standard' } : {}),
      },
    };
  if (usesFsdp(c.plan)) {
    return {
      ...base,
      distributed_type: 'FSDP',
      fsdp_config: {
        fsdp_sharding_strategy: STRATEGY_TRAITS[d.strategy].fsdpShardingStrategy,
        fsdp_auto_wrap_policy: 'TRANSFORMER_BASED_WRAP',
        fsdp_backward_prefetch: 'BACKWARD_PRE',
        fsdp_offload_params: d.offloadParams !== 'none',
        fsdp_state_dict_type: 'SHARDED_STATE_DICT',
        fsdp_use_orig_params: true,
        fsdp_cpu_ram_efficient_loading: true,
        fsdp_sync_module_states: true,
      },
    };
  }
  return { ...base, distributed_type: c.gpus > 1 ? 'MULTI_GPU' : 'NO' };
}

/** The launch lines: one GPU, this plan's GPUs on one node, and (multi-node plans) each node's line. */
function launchCommands(c: Ctx): { oneGpu: string; plan: string; perNode: string | null } {
  const d = c.plan.distribution;
  const accel = 'accelerate launch --config_file accelerate_config.yaml';
  return {
    oneGpu: usesDeepSpeed(c.plan) ? `${accel} --num_processes 1 --num_machines 1 train.py` : 'python train.py',
    plan: `${accel} train.py`,
    perNode:
      d.nodes > 1
        ? `${accel} --machine_rank "$MACHINE_RANK" --main_process_ip "$MAIN_PROCESS_IP" ` +
          `--main_process_port ${RDZV_PORT} train.py`
        : null,
  };
}

function launchScript(c: Ctx): string {
  const d = c.plan.distribution;
  const cmd = launchCommands(c);
  return (
    [
      '#!/usr/bin/env bash',
      hashHeader(c),
      'set -euo pipefail',
      'pip install -r requirements.txt',
      ...(cmd.perNode
        ? [
            `# ${d.nodes} nodes × ${d.gpusPerNode} GPUs: run this on every node, with MACHINE_RANK ` +
              `0..${d.nodes - 1} and`,
            '# MAIN_PROCESS_IP the address of node 0 (reachable from the others on the port below).',
            ': "${MACHINE_RANK:?set MACHINE_RANK (0 on the node whose address is MAIN_PROCESS_IP)}"',
            ': "${MAIN_PROCESS_IP:?set MAIN_PROCESS_IP to the address of node 0}"',
            cmd.perNode,
          ]
        : [cmd.plan]),
      '',
    ].join('\n') + '\n'
  );
}

/**
 * The Azure VM size for one node of the plan: the plan's own SKU when it is an Azure SKU with the plan's GPUs per
 * node, else the catalog's Azure SKU with the plan's GPU and exactly that many GPUs (shared/catalog/data/prices.json).
 * null when no such SKU is known: the job then says which size to pick.
 */
function azureVmSku(c: Ctx): string | null {
  const azure = VM_SKUS.filter((p) => p.provider === 'azure');
  const own = c.plan.pricing.vmSku ? azure.find((p) => p.key === c.plan.pricing.vmSku) : undefined;
  if (own && own.gpuCount === c.plan.distribution.gpusPerNode) return own.sku;
  const gpu = c.plan.hardware.gpu.source === 'catalog' ? c.plan.hardware.gpu.id : null;
  return azure.find((p) => p.gpuId === gpu && p.gpuCount === c.plan.distribution.gpusPerNode)?.sku ?? null;
}

function yamlWithHeader(c: Ctx, doc: unknown, extra: string[] = []): string {
  return (
    `${hashHeader(c)}\n${extra.map((e) => `# ${e}`).join('\n')}${extra.length ? '\n' : ''}` +
    `${toYaml(doc, { lineWidth: 0 })}`
  );
}

/**
 * The curated Azure ML training environment (azureml-assets assets/training/general/environments/
 * acpt-pytorch-2.8-cuda12.6), referenced through the azureml registry: the `AzureML-ACPT-...` workspace names
 * were renamed, so the registry URI is the stable form.
 */
export const AZUREML_ENVIRONMENT = 'azureml://registries/azureml/environments/acpt-pytorch-2.8-cuda12.6/labels/latest';

/**
 * The Azure ML command job (CLI v2, https://azuremlschemas.azureedge.net/latest/commandJob.schema.json). accelerate
 * starts one process per GPU itself, so `distribution: pytorch` runs ONE launcher per node
 * (process_count_per_instance: 1) — a process per GPU there would start gpusPerNode² processes. Azure ML sets
 * NODE_RANK, MASTER_ADDR and MASTER_PORT on each node for a pytorch distribution (Azure ML docs, "Distributed GPU
 * training guide (SDK v2)", PyTorch: environment variables), which fill accelerate's rendezvous.
 */
function azureJob(c: Ctx): string {
  const d = c.plan.distribution;
  const multi = c.gpus > 1;
  const sku = azureVmSku(c);
  const launch =
    d.nodes > 1
      ? 'accelerate launch --config_file accelerate_config.yaml --machine_rank $NODE_RANK --main_process_ip ' +
        '$MASTER_ADDR --main_process_port $MASTER_PORT train.py'
      : multi || usesDeepSpeed(c.plan)
        ? 'accelerate launch --config_file accelerate_config.yaml train.py'
        : 'python train.py';
  return yamlWithHeader(
    c,
    {
      $schema: 'https://azuremlschemas.azureedge.net/latest/commandJob.schema.json',
      type: 'command',
      display_name: `${c.plan.name} — ${TECHNIQUE_LABELS[c.technique.kind]}`,
      experiment_name: `tuneplan-${c.slug}`,
      code: '.',
      command:
        `pip install -r requirements.txt && ${launch} --data \${{inputs.train_data}} --output ` + `\${{outputs.model}}`,
      inputs: { train_data: { type: 'uri_file', path: 'data/train.jsonl' } },
      outputs: { model: { type: 'uri_folder' } },
      environment: AZUREML_ENVIRONMENT,
      compute: `azureml:${computeName(c)}`,
      resources: { instance_count: d.nodes },
      ...(d.nodes > 1 ? { distribution: { type: 'pytorch', process_count_per_instance: 1 } } : {}),
    },
    [
      sku
        ? `Compute: a cluster of ${sku} VMs (${d.gpusPerNode} GPU${d.gpusPerNode > 1 ? 's' : ''} each). ` +
          `Create it once with: ${computeCreate(c, sku)}`
        : `Compute: no Azure VM size with ${d.gpusPerNode} × ${planGpuName(c.plan)} is in Tuneplan's catalog: ` +
          `create a cluster of a size with ${d.gpusPerNode} such GPUs (az ml compute create --type AmlCompute ` +
          `--size <size>) named ${computeName(c)}.`,
      'inputs.train_data: replace data/train.jsonl (uploaded with the job) with a datastore path ' +
        '(azureml://datastores/...) for large data.',
      'Submit with: az ml job create --file azureml-job.yml',
    ],
  );
}

const computeName = (c: Ctx) => `tuneplan-${c.gpus > 1 ? `${c.plan.distribution.gpusPerNode}gpu` : 'gpu'}`;
const computeCreate = (c: Ctx, sku: string) =>
  `az ml compute create --name ${computeName(c)} --type AmlCompute --size ${sku} --min-instances 0 ` +
  `--max-instances ${c.plan.distribution.nodes}`;

/**
 * KAITO tuning presets (KAITO presets/workspace/models/transformer_runtime_tuning_parameters.go,
 * TransformerTuningParameters: the presets that support tuning), keyed by Tuneplan catalog id. Only exact models:
 * Qwen2.5-7B (base) is not qwen2.5-coder-7b-instruct, and a model without a preset cannot be tuned by KAITO
 * (api/v1beta1/workspace_validation.go TuningSpec.validateCreate: "Unsupported tuning preset name").
 */
export const KAITO_PRESETS: Record<string, string> = {
  'Phi-3-mini-4k-instruct': 'phi-3-mini-4k-instruct',
  'Phi-3-mini-128k-instruct': 'phi-3-mini-128k-instruct',
  'Phi-3-medium-4k-instruct': 'phi-3-medium-4k-instruct',
  'Phi-3.5-mini-instruct': 'phi-3.5-mini-instruct',
  'Phi-4': 'phi-4',
  'Phi-4-mini-instruct': 'phi-4-mini-instruct',
  'Mistral-7B-v0.3': 'mistral-7b-v0.3',
};

function kaitoRefusal(c: Ctx, reason: string): ExportFile[] {
  return [{ path: 'kaito-NOT-SUPPORTED.md', mediaType: 'text/markdown', content: `${stamp(c, '> ')}\n\n${reason}\n` }];
}

/**
 * The KAITO tuning ConfigMap: KAITO's training_config.yaml layout (charts/kaito/workspace/templates/lora-params.yaml
 * and qlora-params.yaml; presets/workspace/tuning/text-generation/cli.py dataclasses), holding the plan's values.
 */
function kaitoConfigMap(c: Ctx, name: string): Record<string, unknown> {
  const t = c.technique;
  const tr = c.plan.training;
  const dtype = loadDtype(c.plan, t);
  const training = {
    ModelConfig: { torch_dtype: dtype, local_files_only: true, device_map: 'auto' },
    ...(t.kind === 'qlora'
      ? {
          QuantizationConfig: {
            load_in_4bit: true,
            bnb_4bit_quant_type: t.quantType,
            bnb_4bit_compute_dtype: dtype === 'float32' ? 'bfloat16' : dtype,
            bnb_4bit_use_double_quant: t.doubleQuant,
          },
        }
      : {}),
    LoraConfig: {
      r: t.rank,
      lora_alpha: t.alpha,
      lora_dropout: c.dropout,
      target_modules: t.targets === 'all-linear' && allLinearIsSafe(c) ? 'all-linear' : targetModules(c),
    },
    TrainingArguments: {
      output_dir: '/mnt/results',
      save_strategy: 'epoch',
      per_device_train_batch_size: tr.microBatch,
      gradient_accumulation_steps: tr.gradAccum,
      num_train_epochs: tr.epochs,
      learning_rate: tr.learningRate,
      lr_scheduler_type: SCHEDULER,
      warmup_steps: WARMUP_RATIO,
      gradient_checkpointing: tr.gradientCheckpointing,
      bf16: bf16Autocast(c.plan),
      optim: OPTIM[tr.optimizer],
      ddp_find_unused_parameters: false,
    },
    DatasetConfig: { shuffle_dataset: true, train_test_split: 1 },
  };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name },
    data: { 'training_config.yaml': toYaml({ training_config: training }, { lineWidth: 0 }) },
  };
}

function kaito(c: Ctx): ExportFile[] {
  const method = c.technique.kind === 'qlora' ? 'qlora' : c.technique.kind === 'lora' ? 'lora' : null;
  if (!method)
    return kaitoRefusal(
      c,
      `KAITO's tuning Workspace supports the methods \`lora\` and \`qlora\` only ` +
        `(api/v1beta1/workspace_validation.go); ${TECHNIQUE_LABELS[c.technique.kind]} cannot run there. ` +
        `Choose LoRA or QLoRA, or export the Hugging Face script and run it on your own nodes.`,
    );
  if (c.technique.kind === 'qlora' && c.technique.quantType === 'int8')
    return kaitoRefusal(
      c,
      "KAITO's QLoRA loads the model in 4 bits (load_in_4bit); this plan quantizes to int8. Pick nf4 or fp4.",
    );
  if (c.plan.distribution.nodes > 1)
    return kaitoRefusal(
      c,
      `KAITO tuning runs on one node ("Tuning does not currently support multinode configurations", ` +
        `api/v1beta1/workspace_validation.go validateCreateWithTuning); this plan ` +
        `uses ${c.plan.distribution.nodes} nodes. Plan one node, or export DeepSpeed / accelerate.`,
    );
  const preset = c.plan.model.source === 'catalog' ? KAITO_PRESETS[c.plan.model.id] : undefined;
  if (!preset)
    return kaitoRefusal(
      c,
      `KAITO tunes only its preset models (${Object.values(KAITO_PRESETS).join(', ')}, from KAITO's ` +
        `transformer_runtime_tuning_parameters.go);` +
        ` ${c.plan.model.source === 'catalog' ? c.plan.model.id : c.plan.model.spec.name} is not one of ` +
        `them. Pick one of those models, or export the Hugging Face script.`,
    );
  const sku = azureVmSku(c);
  const name = `tuning-${c.slug}`.slice(0, 63);
  const configName = `${name}-params`.slice(0, 63);
  const d = c.plan.distribution;
  const workspace = {
    apiVersion: 'kaito.sh/v1beta1',
    kind: 'Workspace',
    metadata: { name },
    resource: {
      instanceType: sku ?? `<azure-vm-size-with-${d.gpusPerNode}-gpus>`,
      labelSelector: { matchLabels: { apps: name } },
    },
    tuning: {
      preset: { name: preset },
      method,
      config: configName,
      input: { urls: ['<https://your-storage/train.jsonl>'] },
      output: {
        image: '<your-registry>.azurecr.io/adapters/' + c.slug + ':0.1.0',
        imagePushSecret: '<your-push-secret>',
      },
    },
  };
  return [
    {
      path: 'kaito-tuning-configmap.yaml',
      mediaType: 'application/yaml',
      content: yamlWithHeader(c, kaitoConfigMap(c, configName), [
        "The plan's hyperparameters for KAITO's tuning job (tuning.config in kaito-workspace.yaml names this " +
          "ConfigMap); apply it in the Workspace's namespace first.",
      ]),
    },
    {
      path: 'kaito-workspace.yaml',
      mediaType: 'application/yaml',
      content: yamlWithHeader(c, workspace, [
        'Placeholders in <angle brackets> must be replaced before kubectl apply -f kaito-workspace.yaml.',
        `Preset ${preset} is KAITO's name for ${c.plan.model.source === 'catalog' ? c.plan.model.id : ''}.`,
        ...(c.gpus > 1 || STRATEGY_TRAITS[d.strategy].family !== 'ddp'
          ? [
              `KAITO runs its own launcher on one ${sku ?? 'node'} with device_map "auto" (the model split ` +
                `over the node's GPUs, not ${d.strategy} data parallel): time and memory per GPU differ from ` +
                `this plan's ${c.gpus}-GPU estimate.`,
            ]
          : []),
      ]),
    },
  ];
}

/**
 * Olive fine-tuning pass parameters (microsoft/Olive olive/passes/pytorch/lora.py): LoRA and DoRA take r, alpha,
 * lora_dropout, target_modules, torch_dtype, training_args; QLoRA adds quant_type and double_quant (default False,
 * so it is always written) and loads 4-bit only; LoHa takes rank_dropout and module_dropout (its LoHaConfig never
 * reads lora_dropout).
 */
function olive(c: Ctx): ExportFile[] {
  const passType = (
    { lora: 'LoRA', qlora: 'QLoRA', dora: 'DoRA', loha: 'LoHa' } as Partial<Record<Technique['kind'], string>>
  )[c.technique.kind];
  const refuse = (reason: string): ExportFile[] => [
    { path: 'olive-NOT-SUPPORTED.md', mediaType: 'text/markdown', content: `${stamp(c, '> ')}\n\n${reason}\n` },
  ];
  if (!passType)
    return refuse(
      `Olive's fine-tuning passes cover LoRA, QLoRA, DoRA and LoHa; ${TECHNIQUE_LABELS[c.technique.kind]} is ` +
        `not one of them. Export the Hugging Face script to train, then convert the merged model with Olive's ` +
        `ModelBuilder pass.`,
    );
  if (c.technique.kind === 'qlora' && c.technique.quantType === 'int8')
    return refuse(
      "Olive's QLoRA pass loads the model in 4 bits (load_in_4bit, quant_type nf4 or fp4; " +
        'olive/passes/pytorch/lora.py QLoRA.get_quant_model); this plan quantizes to int8. Pick nf4 or fp4, ' +
        'or export the Hugging Face script.',
    );
  const tr = c.plan.training;
  const t = c.technique;
  const dtype = loadDtype(c.plan, t);
  const workflow = {
    input_model: { type: 'HfModel', model_path: c.hfId },
    systems: {
      local_system: {
        type: 'LocalSystem',
        accelerators: [{ device: 'gpu', execution_providers: ['CUDAExecutionProvider'] }],
      },
    },
    data_configs: [
      {
        name: 'train_data',
        type: 'HuggingfaceContainer',
        load_dataset_config: { data_name: 'json', data_files: 'data/train.jsonl', split: 'train' },
        pre_process_data_config: {
          strategy: tr.packing ? 'join' : 'line-by-line',
          max_seq_len: tr.seqLen,
          text_cols: ['text'],
        },
      },
    ],
    passes: {
      finetune: {
        type: passType,
        r: t.rank,
        alpha: t.alpha,
        ...(t.kind === 'loha' ? { rank_dropout: t.dropout } : { lora_dropout: c.dropout }),
        ...(t.kind === 'qlora' ? { quant_type: t.quantType, double_quant: t.doubleQuant } : {}),
        ...(t.targets === 'all-linear' || t.kind === 'qlora' ? {} : { target_modules: targetModules(c) }),
        torch_dtype: dtype,
        train_data_config: 'train_data',
        training_args: {
          per_device_train_batch_size: tr.microBatch,
          gradient_accumulation_steps: tr.gradAccum,
          num_train_epochs: tr.epochs,
          learning_rate: tr.learningRate,
          lr_scheduler_type: SCHEDULER,
          warmup_ratio: WARMUP_RATIO,
          gradient_checkpointing: tr.gradientCheckpointing,
          max_steps: -1,
        },
      },
      merge: { type: 'MergeAdapterWeights' },
      builder: { type: 'ModelBuilder', precision: 'int4' },
    },
    host: 'local_system',
    target: 'local_system',
    output_dir: `outputs/olive-${c.slug}-${t.kind}`,
  };
  return [
    {
      path: 'olive-workflow.json',
      mediaType: 'application/json',
      content: `${JSON.stringify(workflow, null, 2)}\n`,
    },
    {
      path: 'requirements.txt',
      mediaType: 'text/plain',
      // olive/olive_config.json extra_dependencies: "finetune" (peft, accelerate, bitsandbytes, ...) and "gpu"
      // (onnxruntime-gpu); ModelBuilder needs onnxruntime-genai.
      content: `${hashHeader(c)}\nolive-ai[finetune,gpu]>=0.9,<1\nonnxruntime-genai-cuda>=0.8\n`,
    },
  ];
}

function serviceJob(c: Ctx): ExportFile {
  const e = c.estimate;
  const p = c.plan;
  const job = {
    model: p.model.source === 'catalog' ? p.model.id : p.model.spec.name,
    offer: 'Azure AI Foundry serverless fine-tuning (model as a service)',
    method: 'supervised fine-tuning',
    training_file: '<upload data/train.jsonl to the project>',
    hyperparameters: {
      n_epochs: p.training.epochs,
      batch_size: p.training.microBatch * p.training.gradAccum * c.gpus,
      learning_rate_multiplier: 1.0,
    },
    estimate: {
      training_tokens: Math.round(e.trainingTokens),
      usd_per_1k_training_tokens: p.pricing.serviceUsdPer1kTokens,
      hosting_usd_per_hour: p.pricing.serviceHostingUsdPerHour,
      hosting_hours: p.pricing.serviceHostingHours,
      cost_usd: e.cost.serviceUsd,
      price_flags: e.cost.flags,
    },
    format_confirmed: false,
    format_note:
      'Hosted fine-tuning of Phi models is configured in the Azure AI Foundry portal (epochs, batch size, ' +
      'learning-rate multiplier); its REST payload could not be confirmed from public documentation, so this ' +
      'file is a summary to copy from, not an API request. Phi-3 pay-as-you-go fine-tuning was offered in ' +
      'East US 2 only (docs dated 2024-07-16).',
    generated_by: headerLines(c),
  };
  return {
    path: 'hosted-finetune-job.json',
    mediaType: 'application/json',
    content: `${JSON.stringify(job, null, 2)}\n`,
  };
}

/**
 * The stub data/train.jsonl: chat `messages` per line (one format per file: datasets' JSON reader makes one column
 * per key, and a file mixing `messages` and `text` lines would give SFTTrainer rows with neither).
 */
const DATA_EXAMPLE = [
  {
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'What is the capital of France?' },
      { role: 'assistant', content: 'Paris.' },
    ],
  },
  {
    messages: [
      { role: 'user', content: 'Name a prime number between 10 and 15.' },
      { role: 'assistant', content: '11 (13 is another).' },
    ],
  },
];
const TEXT_EXAMPLE = { text: 'A plain-text example: the whole line is trained on.' };
/** data/train.jsonl in the format the plan objective's trainer reads (shared/exporters/trl-objectives.ts). */
const dataStub = (plan: Plan): ExportFile => {
  const format = OBJECTIVE_DATA[plan.objective.kind];
  const lines = format === 'language_modeling' ? DATA_EXAMPLE : DATA_EXAMPLES[format].lines;
  return {
    path: 'data/train.jsonl',
    mediaType: 'application/jsonl',
    content: lines.map((l) => JSON.stringify(l)).join('\n') + '\n',
  };
};

function readmeRun(c: Ctx, format: ExportFormat, files: ExportFile[]): string[] {
  const has = (p: string) => files.some((f) => f.path === p);
  const d = c.plan.distribution;
  const out: string[] = [];
  if (has('train.py')) {
    const cmd = launchCommands(c);
    out.push(
      '## Run',
      '',
      '```bash',
      'pip install -r requirements.txt',
      '# 1 GPU (a quick check: --max-steps 2)',
      `${cmd.oneGpu} --data data/train.jsonl --max-steps 2`,
      ...(format === 'hf' && c.gpus === 1
        ? []
        : [`# this plan: ${c.gpus} GPU${c.gpus > 1 ? 's' : ''} on ${d.nodes === 1 ? 'one node' : `${d.nodes} nodes`}`]),
      ...(format === 'hf' && c.gpus === 1
        ? []
        : cmd.perNode
          ? [
              `# on every node (MACHINE_RANK 0..${d.nodes - 1}; MAIN_PROCESS_IP: node 0's address, ` +
                `port ${RDZV_PORT} open)`,
              `export MACHINE_RANK=0 MAIN_PROCESS_IP=${NODE0}  # node 0; MACHINE_RANK=1 on the next node, ...`,
              cmd.perNode,
            ]
          : [cmd.plan]),
      '```',
      '',
      `Options: \`--model\`, \`--data\`, \`--output\`, \`--max-steps\`, \`--eval-fraction\` (or MODEL_ID, ` +
        `DATA_FILE, OUTPUT_DIR, MAX_STEPS, EVAL_FRACTION). \`--eval-fraction 0.05\` holds 5% of the data out ` +
        `and evaluates it each epoch.`,
      `Schedule: learning rate ${c.plan.training.learningRate}, ${SCHEDULER} decay after a warmup ` +
        `of ${WARMUP_RATIO * 100}% of the steps, ${c.plan.training.epochs} epoch(s), ` +
        `micro-batch ${c.plan.training.microBatch} × accumulation ${c.plan.training.gradAccum} × ${c.gpus} GPU(s).`,
      '',
    );
  }
  if (format === 'azureml')
    out.push(
      '## Azure ML',
      '',
      '```bash',
      ...(azureVmSku(c)
        ? [computeCreate(c, azureVmSku(c)!)]
        : ['# create a GPU compute cluster first (see azureml-job.yml)']),
      'az ml job create --file azureml-job.yml',
      '```',
      '',
      'The job uploads this folder, reads `inputs.train_data` (data/train.jsonl here) and writes the result ' +
        'to `outputs.model`.',
      '',
    );
  if (has('kaito-workspace.yaml'))
    out.push(
      '## KAITO',
      '',
      '```bash',
      'kubectl apply -f kaito-tuning-configmap.yaml',
      'kubectl apply -f kaito-workspace.yaml',
      `kubectl get workspace ${`tuning-${c.slug}`.slice(0, 63)} -w`,
      '```',
      '',
      'Replace the <placeholders> first: the training data URL, and the registry KAITO pushes the adapter image to.',
      '',
    );
  if (has('olive-workflow.json'))
    out.push(
      '## Olive',
      '',
      '```bash',
      'pip install -r requirements.txt',
      'olive run --config olive-workflow.json',
      '```',
      '',
    );
  if (has('train.py')) out.push(...grpoReadme(c.plan, c.hfId, c.arch.spec.moe != null));
  const autoPeft =
    c.plan.objective.kind === 'reward' ? 'AutoPeftModelForSequenceClassification' : 'AutoPeftModelForCausalLM';
  if (has('train.py') && c.technique.kind !== 'full')
    out.push(
      '## Use the adapter',
      '',
      '```python',
      `from peft import ${autoPeft}`,
      `model = ${autoPeft}.from_pretrained("outputs/${c.slug}-${c.technique.kind}")  # base + adapter`,
      ...(['lora', 'qlora', 'dora', 'lora_fa', 'loha', 'ia3', 'vera'].includes(c.technique.kind)
        ? [
            `model.merge_and_unload().save_pretrained("outputs/${c.slug}-merged")  # optional: one plain ` +
              `model${
                c.technique.kind === 'qlora'
                  ? ' (AutoPeft loads the base unquantized, so the merge is ' + 'in 16-bit)'
                  : ''
              }`,
          ]
        : []),
      '```',
      '',
    );
  return out;
}

function readme(c: Ctx, format: ExportFormat, files: ExportFile[]): ExportFile {
  const saves = files.some((f) => f.path === 'train.py')
    ? `\n\n\`train.py\` saves to its output folder (\`--output\`, default ` +
      `\`outputs/${c.slug}-${c.technique.kind}\`): ${savedFiles(c)
        .map((f) => `\`${f}\``)
        .join(', ')}, and a \`checkpoint-N\` folder per save.`
    : '';
  const data = !files.some((f) => f.path === 'data/train.jsonl')
    ? ''
    : c.plan.objective.kind !== 'sft'
      ? dataReadme(c.plan.objective.kind)
      : `\n\n## Data\n\nJSON Lines, one example per line, all lines in one format: chat \`messages\` ` +
        `(\`data/train.jsonl\` holds two such lines; replace them with ` +
        `yours):\n\n\`\`\`json\n${JSON.stringify(DATA_EXAMPLE[0])}\n\`\`\`\n\nor plain text, trained on ` +
        `whole:\n\n\`\`\`json\n${JSON.stringify(TEXT_EXAMPLE)}\n\`\`\``;
  const run = readmeRun(c, format, files);
  return {
    path: 'README.md',
    mediaType: 'text/markdown',
    content:
      `# ${c.plan.name} — ${TECHNIQUE_LABELS[c.technique.kind]} ` +
      `(${FORMAT_LABELS[format]})\n\n${headerLines(c).join('\n\n')}\n\nFiles:` +
      `\n${files.map((f) => `- \`${f.path}\``).join('\n')}${saves}${data}\n` +
      `\n${run.length ? `${run.join('\n')}\n` : ''}JSON files cannot carry comments: this README records ` +
      `the plan, technique and estimate they were made for.\n`,
  };
}

/** Written instead of the training files when PEFT cannot apply the technique to this architecture. */
function notSupported(c: Ctx, reason: string): ExportFile {
  return {
    path: 'train-NOT-SUPPORTED.md',
    mediaType: 'text/markdown',
    content: `${stamp(c, '> ')}\n\n${reason}\n`,
  };
}

/**
 * LoRA dropout as exported, and why it differs from the plan's. PEFT 0.21.2 wraps transformers 5's fused MoE expert
 * parameters with lora.ParamWrapper, which refuses lora_dropout != 0 (the estimate's `peftRefuses`); the estimate
 * counts those experts as adapted, so the export keeps them and sets lora_dropout=0, saying so.
 */
function exportedDropout(technique: Technique, refuses: string | undefined): { dropout: number; note: string | null } {
  if (refuses?.includes('lora_dropout') && technique.dropout !== 0)
    return {
      dropout: 0,
      note:
        `lora_dropout is 0 here, not the plan's ${technique.dropout}: PEFT adapts this model's fused MoE ` +
        `experts with lora.ParamWrapper, which refuses dropout ("${refuses}"); the estimate counts those experts.`,
    };
  return { dropout: technique.dropout, note: null };
}

export function buildContext(plan: Plan, index: number, version: string): Ctx {
  const technique = plan.techniques[index];
  if (!technique) throw new Error(`The plan has no technique #${index + 1}.`);
  const spec = resolveModel(plan);
  const arch = planArchitecture(plan, spec);
  const report = estimatePlan(plan);
  const hfId =
    plan.model.source === 'catalog'
      ? (findCatalogModel(plan.model.id)?.spec.hfId ?? plan.model.id)
      : (plan.model.spec.hfId ?? `<hub-id-of-${plan.model.spec.name}>`);
  const refuses = techniqueParams(arch, technique, index).peftRefuses;
  const drop = exportedDropout(technique, refuses);
  const notes = [...exportSupport(spec).notes, ...(drop.note ? [drop.note] : [])];
  const router = allModules(arch).find((m) => isRouter(m.module) && m.module.storage === 'linear');
  if (
    technique.targets === 'all-linear' &&
    router &&
    !PEFT_MAPS_ROUTER.has(spec.modelType) &&
    ['lora', 'qlora', 'dora', 'lora_fa', 'loha'].includes(technique.kind)
  )
    notes.push(
      `target_modules lists ${spec.name}'s linear modules instead of "all-linear": all-linear would also wrap ` +
        `the MoE router \`${router.module.name}\`, whose forward returns a tuple that ` +
        `PEFT ${UPSTREAM_VERSIONS.peft} cannot adapt ("'tuple' object has no attribute 'dtype'"). The ` +
        `estimate counts ${technique.rank}·(${router.module.in}+${router.module.out}) router adapter ` +
        `parameters per layer that this run does not train.`,
    );
  // One learning rate serves every technique of a plan; the default (2e-4) is a LoRA rate, about ten times what
  // full fine-tuning usually takes (TRL's SFT docs use 2e-5 for full and 2e-4 for LoRA).
  if (technique.kind === 'full' && plan.training.learningRate > 1e-4)
    notes.push(
      `Learning rate ${plan.training.learningRate} is an adapter rate: full fine-tuning usually takes about ` +
        `1e-5 to 2e-5. Written as the plan says; lower training.learningRate in the plan to change it.`,
    );
  return {
    plan,
    technique,
    index,
    estimate: report.techniques[index]!,
    arch,
    hfId,
    version,
    slug: slugify(plan.name),
    gpus: plan.distribution.gpusPerNode * plan.distribution.nodes,
    notes,
    dropout: drop.dropout,
  };
}

/**
 * The TRL script (hf, deepspeed, azureml) always runs SFTTrainer, whose loss_type="nll" scores the loss through a
 * fused LM head (trl/trainer/sft_trainer.py). A plan estimated as the model's own loss over full logits
 * (training.stack: transformers) therefore uses less memory in this script than estimated: say so.
 */
function stackNotes(plan: Plan, format: ExportFormat): string[] {
  const trlScript = format === 'hf' || format === 'deepspeed' || format === 'azureml';
  if (!trlScript) return [];
  // ORPO and CPO (SimPO) score from the model's full logits (trl/experimental/orpo/orpo_trainer.py and
  // cpo_trainer.py concatenated_forward, `all_logits = outputs.logits`); the reward model has no LM head at all.
  const kind = plan.objective.kind;
  if (kind === 'reward') return [];
  if (kind === 'orpo' || kind === 'simpo')
    return plan.training.stack === 'trl'
      ? [
          `ESTIMATED AS: TRL's fused LM head (training.stack: trl). TRL 1.16's ${TRL_TRAINERS[kind].trainer} ` +
            "computes the model's full logits, which needs more memory; set training.stack to 'transformers' to " +
            'estimate exactly this script.',
        ]
      : [];
  if (plan.training.stack !== 'transformers') return [];
  return [
    "ESTIMATED AS: the model's own loss over full logits (training.stack: transformers). This TRL script " +
      "computes the loss with TRL's fused LM head, which needs less memory; set training.stack to 'trl' to " +
      'estimate exactly this script.',
  ];
}

/** The export targets whose switches export-capabilities.ts lists (new formats answer for themselves). */
const isCapabilityTarget = (f: string): f is ExportTarget => f in EXPORT_CAPABILITIES;

/**
 * Notes for what this target cannot express of the plan, and the reason the whole export cannot be written (or
 * null).
 */
function targetLimits(c: Ctx, format: ExportFormat): { notes: string[]; refuse: string | null } {
  const notes = isCapabilityTarget(format) ? switchNotes(c.plan, format, FORMAT_LABELS[format]) : [];
  const refuses = techniqueParams(c.arch, c.technique, c.index).peftRefuses;
  const d = c.plan.distribution;
  const fsdpOffload = fsdpOffloadProblem(d, 'accelerate', 'fsdp_offload_params');
  const refuse =
    refuses && !refuses.includes('lora_dropout')
      ? `PEFT ${UPSTREAM_VERSIONS.peft} refuses ${TECHNIQUE_LABELS[c.technique.kind]} with these targets ` +
        `on ${c.arch.spec.name}: ${refuses}`
      : fsdpOffload;
  return { notes, refuse };
}

/**
 * Written instead of a target's files when it cannot run the plan's objective (export-capabilities OBJECTIVE_SUPPORT,
 * which cites each target's source).
 */
function objectiveRefusal(c: Ctx, format: ExportFormat): ExportFile {
  const what = OBJECTIVE_NAMES[c.plan.objective.kind];
  const why: Partial<Record<ExportFormat, string>> = {
    kaito:
      "KAITO's tuning Workspace runs supervised fine-tuning only: its tuning job trains with TRL's SFTTrainer " +
      '(presets/workspace/tuning/text-generation/fine_tuning.py) and its methods are lora and qlora ' +
      '(api/v1beta1/workspace_types.go TuningMethod); it has no preference, reward-model or RL trainer.',
    olive:
      "Olive's fine-tuning passes (LoRA, QLoRA, DoRA, LoHa) train with transformers' Trainer on a next-token " +
      'loss (olive/passes/pytorch/lora.py LoRA._run_for_config); they have no preference, reward-model or RL ' +
      'objective.',
    service: 'The hosted fine-tuning summary describes supervised fine-tuning only.',
  };
  return {
    path: `${format}-NOT-SUPPORTED.md`,
    mediaType: 'text/markdown',
    content:
      `${stamp(c, '> ')}\n\nThis plan trains with ${what} (objective "${c.plan.objective.kind}"), which ` +
      `${FORMAT_LABELS[format]} does not support. ${why[format] ?? ''} Export the Hugging Face (TRL) script, ` +
      `DeepSpeed / accelerate or Azure Machine Learning target instead: they run ${what} with TRL's ` +
      `${TRL_TRAINERS[c.plan.objective.kind].trainer}.\n`,
  };
}

/** The files of one format for one technique of the plan. */
export function exportFiles(plan: Plan, format: ExportFormat, index: number, version: string): ExportFile[] {
  if (format === 'json')
    return [{ path: `${slugify(plan.name)}.tuneplan.json`, content: planToJson(plan), mediaType: 'application/json' }];
  // LLaMA-Factory, axolotl, torchtune (issue 18 item 4): one file each, shared/exporters/framework-targets.ts.
  // Issue 15 §4: a GPTQ/AWQ base is refused by every script and framework target, saying what the run needs.
  const int4 = plan.techniques[index] ? int4BaseRefusal(plan.techniques[index], format) : null;
  if (int4)
    return [{ path: 'README.md', content: `# ${plan.name}: not exported\n\n${int4}\n`, mediaType: 'text/markdown' }];
  if (isFrameworkFormat(format)) return FRAMEWORK_EXPORTERS[format](plan, index, version);
  const c = buildContext(plan, index, version);
  const limits = targetLimits(c, format);
  const trlScript = format === 'hf' || format === 'deepspeed' || format === 'azureml';
  const objective = trlObjectiveParts(plan, c.technique, c.gpus);
  c.notes.push(...limits.notes, ...stackNotes(plan, format), ...(trlScript ? objective.notes : []));
  const support = exportSupport(c.arch.spec);
  const unsupported = !support.supported
    ? support.notes.join(' ')
    : (peftUnsupportedReason(c.technique.kind, c.arch.spec.modelType, TECHNIQUE_LABELS[c.technique.kind]) ??
      limits.refuse ??
      objective.refusal);
  if (objectiveUnsupported(plan, format)) {
    const files = [objectiveRefusal(c, format)];
    return [...files, readme(c, format, files)];
  }
  if (unsupported && trlScript) {
    const files = [notSupported(c, unsupported)];
    return [...files, readme(c, format, files)];
  }
  const script: ExportFile = { path: 'train.py', content: hfScript(c), mediaType: 'text/x-python' };
  const reqs: ExportFile = { path: 'requirements.txt', content: requirements(c), mediaType: 'text/plain' };
  let files: ExportFile[];
  switch (format) {
    case 'hf':
      files = [script, reqs, dataStub(plan)];
      break;
    case 'deepspeed':
      files = [
        ...(usesDeepSpeed(plan)
          ? [
              {
                path: 'ds_config.json',
                content: `${JSON.stringify(dsConfig(c), null, 2)}\n`,
                mediaType: 'application/json',
              },
            ]
          : []),
        {
          path: 'accelerate_config.yaml',
          content: yamlWithHeader(c, accelerateConfig(c)),
          mediaType: 'application/yaml',
        },
        { path: 'launch.sh', content: launchScript(c), mediaType: 'text/x-shellscript' },
        script,
        reqs,
        dataStub(plan),
      ];
      break;
    case 'azureml':
      files = [
        { path: 'azureml-job.yml', content: azureJob(c), mediaType: 'application/yaml' },
        {
          path: 'accelerate_config.yaml',
          content: yamlWithHeader(c, accelerateConfig(c)),
          mediaType: 'application/yaml',
        },
        ...(usesDeepSpeed(plan)
          ? [
              {
                path: 'ds_config.json',
                content: `${JSON.stringify(dsConfig(c), null, 2)}\n`,
                mediaType: 'application/json',
              },
            ]
          : []),
        script,
        reqs,
        dataStub(plan),
      ];
      break;
    case 'kaito':
      files = kaito(c);
      break;
    case 'olive':
      files = olive(c);
      if (files.some((f) => f.path === 'olive-workflow.json')) files.push(dataStub(plan));
      break;
    case 'service':
      files = [serviceJob(c)];
      break;
  }
  return [...files, readme(c, format, files)];
}

export { dsConfig as deepspeedConfigFor };
