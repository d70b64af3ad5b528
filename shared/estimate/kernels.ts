/**
 * Issue 15 §4 and §6: what fused kernels (Liger, Unsloth), pre-quantized int4 bases (GPTQ, AWQ) and bitsandbytes
 * paged optimizers change in the memory of a training step, each rule from the library's own source. memory.ts asks
 * these functions; the explanation quotes the same sources.
 */
import type { ObjectiveKind, Technique, Training } from '../domain/plan';
import type { Runner } from './forward-dtypes';
import { headWidth, type Architecture, type LinearModule } from './architecture';
import { LORA_FAMILY, type TechniqueParams } from './techniques';

/**
 * Model types Liger patches (linkedin/Liger-Kernel src/liger_kernel/transformers/monkey_patch.py
 * MODEL_TYPE_TO_APPLY_LIGER_FN, liger-kernel 0.8.2 @ ead96b6), restricted to the types Tuneplan's ModelSpec names.
 * `_apply_liger_kernel_to_instance` applies nothing to any other type (it logs "There are currently no Liger kernels
 * supported for model type" and returns).
 */
export const LIGER_MODEL_TYPES: ReadonlySet<string> = new Set([
  'llama',
  'mistral',
  'mixtral',
  'phi3',
  'qwen2',
  'qwen3',
  'qwen3_moe',
  'gemma',
  'gemma2',
  'gemma3_text',
  'gemma3',
  'olmo2',
  'glm4',
  'llava',
  'mllama',
  'qwen2_vl',
  'qwen2_5_vl',
]);

/**
 * Model types with an Unsloth fast path of their own (unslothai/unsloth @ 015bdef unsloth/models/{llama, mistral,
 * qwen2, qwen3, qwen3_moe, gemma, gemma2, cohere, granite}.py: FastLlamaModel and the classes built on it, which use
 * its fused RMSNorm, SwiGLU/GeGLU and cross-entropy kernels).
 */
export const UNSLOTH_MODEL_TYPES: ReadonlySet<string> = new Set([
  'llama',
  'mistral',
  'qwen2',
  'qwen3',
  'qwen3_moe',
  'gemma',
  'gemma2',
  'cohere',
]);

/** The config.json model_type the kernels library checks: the multimodal wrapper's for a vision-language model. */
export function topModelType(arch: Architecture): string {
  return arch.spec.vision?.modelType ?? arch.spec.modelType;
}

/**
 * Whether the runner turns Liger on for the chunked loss — the flag the exports write and what the estimate then
 * counts: the TRL script writes SFTConfig `use_liger_kernel` for SFT only (exporters/training.ts; the preference
 * trainers do not take it, trl-objectives.ts "NOT EXPRESSED: chunked / fused cross-entropy"); LLaMA-Factory's
 * `enable_liger_kernel` for every stage (exporters/llama-factory.ts); axolotl's chunked_cross_entropy is its own loss.
 * Liger then applies every default kernel of the model type: transformers' Trainer calls
 * `_apply_liger_kernel_to_instance` (transformers/integrations/liger.py) with rope, rms_norm and swiglu left True
 * (Liger-Kernel monkey_patch.py apply_liger_kernel_to_llama defaults; TRL 1.16 switches only
 * fused_linear_cross_entropy off, sft_trainer.py:1140), and LLaMA-Factory's apply_liger_kernel passes the defaults
 * (src/llamafactory/model/model_utils/liger_kernel.py).
 */
export function ligerFlagForChunkedLoss(
  lossKernel: Training['lossKernel'],
  objective: ObjectiveKind,
  runner: Runner,
): boolean {
  if (lossKernel !== 'chunked') return false;
  return runner === 'trl' ? objective === 'sft' : runner === 'llama-factory';
}

/** Which kernel set actually runs: 'none' when the library has no kernels for this model type. */
export function kernelsFor(
  arch: Architecture,
  training: Pick<Training, 'kernels'> & Partial<Pick<Training, 'stack' | 'lossKernel'>>,
  objective: ObjectiveKind = 'sft',
  runner: Runner = 'trl',
): Training['kernels'] {
  const asked = training.kernels ?? 'none';
  const k =
    asked === 'none' && ligerFlagForChunkedLoss(training.lossKernel ?? 'standard', objective, runner) ? 'liger' : asked;
  // torchtune builds its own modules and never calls Liger or Unsloth.
  if (training.stack === 'torchtune') return 'none';
  if (k === 'liger') return LIGER_MODEL_TYPES.has(topModelType(arch)) ? 'liger' : 'none';
  if (k === 'unsloth') return UNSLOTH_MODEL_TYPES.has(arch.spec.modelType) && !arch.spec.encoder ? 'unsloth' : 'none';
  return 'none';
}

/**
 * Whether Liger's fused linear cross-entropy replaces the logits. transformers' Trainer applies Liger with its default
 * configuration (transformers/integrations/liger.py apply_liger_kernel → `_apply_liger_kernel_to_instance(model,
 * **kernel_config)`; apply_liger_kernel_to_llama defaults fused_linear_cross_entropy=True). TRL 1.16's SFTTrainer
 * forces it off and keeps its own fused LM head (trl/trainer/sft_trainer.py:1134-1140); torchtune never calls Liger.
 */
export function ligerFusedLinearCrossEntropy(stack: Training['stack'], fusedHeadInUse: boolean): boolean {
  return stack === 'transformers' && !fusedHeadInUse;
}

/**
 * Liger fused linear cross-entropy (src/liger_kernel/ops/fused_linear_cross_entropy.py
 * fused_linear_cross_entropy_forward): tokens are split into chunks of next_pow2(ceil(BT / ceil(V / H))) rows so one
 * chunk of logits is about as big as the input; the gradients are computed inside the forward.
 */
export function ligerChunkTokens(tokens: number, vocab: number, hidden: number): number {
  const incFactor = Math.ceil(vocab / hidden);
  return Math.min(tokens, 2 ** Math.ceil(Math.log2(Math.max(1, Math.ceil(tokens / incFactor)))));
}

/**
 * Unsloth's fused cross-entropy (unslothai/unsloth-zoo unsloth_zoo/fused_losses/cross_entropy_loss.py
 * `_get_chunk_multiplier` / `get_chunk_size`): chunks of fp32 logits of at most target_gb = min(half the free memory,
 * 4 GiB), the chunk count rounded up to a multiple of 4. The estimate takes the 4 GiB cap (a GPU with 8 GiB free).
 */
export const UNSLOTH_CE_TARGET_BYTES = 4 * 2 ** 30;
export function unslothChunks(tokens: number, vocab: number): number {
  const exact = (tokens * vocab * 4) / UNSLOTH_CE_TARGET_BYTES;
  return exact <= 1 + 1e-9 ? 1 : Math.ceil(exact / 4 - 1e-9) * 4;
}

/**
 * Unsloth's offloaded gradient checkpointing (unsloth-zoo @ ce232d6 unsloth_zoo/gradient_checkpointing.py):
 * UnslothCheckpointFunction.forward copies each checkpointed layer input of more than MINIMUM_SIZE = 2 MiB into a
 * pinned host buffer (`torch.empty(..., device="cpu", pin_memory=True)`, `x.copy_(arg, non_blocking=True)`), except
 * the last layer's (LAST_GC_INDEX, "Don't offload the last layer"); the backward copies it back into a GPU buffer
 * (GPU_BUFFERS, plus GPU_BUFFERS_B for double buffering when more than DOUBLE_BUFFER_HEADROOM = 512 MiB is free).
 * initialize_unsloth_gradient_checkpointing pins 200 × 128 Ki elements up front.
 */
export const UNSLOTH_OFFLOAD_MIN_BYTES = 2 * 2 ** 20;
export const UNSLOTH_GPU_BUFFERS = 2;
export const UNSLOTH_INITIAL_PINNED_ELEMENTS = 200 * 128 * 1024;

/**
 * Bytes of one linear module packed in GPTQ or AWQ int4 (4 bits, pack_dtype int32), per the checkpoint layouts:
 *  - GPTQ (gptqmodel PackableQuantLinear / AutoGPTQ QuantLinear): qweight int32 [in/8, out], qzeros int32
 *    [groups, out/8], scales fp16 [groups, out], g_idx int32 [in] (the group of each input row, act-order), bias fp16;
 *  - AWQ (gemm layout, AutoAWQ WQLinear_GEMM / gptqmodel AwqGEMMLinear): qweight int32 [in, out/8], qzeros int32
 *    [groups, out/8], scales fp16 [groups, out], no g_idx.
 * groups = ceil(in / group_size), or 1 for group_size -1 (one group per column).
 */
export function int4PackedBytes(mod: Pick<LinearModule, 'in' | 'out' | 'bias'>, groupSize: number, gptq: boolean) {
  const groups = groupSize === -1 ? 1 : Math.ceil(mod.in / groupSize);
  const qweight = gptq ? Math.ceil(mod.in / 8) * mod.out * 4 : mod.in * Math.ceil(mod.out / 8) * 4;
  const qzeros = groups * Math.ceil(mod.out / 8) * 4;
  const scales = groups * mod.out * 2;
  const gIdx = gptq ? mod.in * 4 : 0;
  const bias = mod.bias ? mod.out * 2 : 0;
  return qweight + qzeros + scales + gIdx + bias;
}

/** Packed bytes of every decoder linear layer of a GPTQ/AWQ base (weights, scales, zeros, g_idx). */
export function int4BaseBytes(arch: Architecture, technique: Pick<Technique, 'quantType' | 'quantGroupSize'>) {
  const gptq = technique.quantType === 'gptq';
  let packed = 0;
  // Biases stay 16-bit beside the packed weight (memory.ts counts them with the other unquantized parameters).
  for (const m of arch.modules)
    packed += int4PackedBytes({ in: m.in, out: m.out, bias: false }, technique.quantGroupSize ?? 128, gptq) * m.count;
  return packed * arch.spec.numLayers;
}

/**
 * Whether the base is a pre-quantized int4 checkpoint run by gptqmodel's trainable kernels. In training those
 * dequantize the whole weight and multiply (gptqmodel nn_modules/qlinear/torch.py TorchLinear._forward_eager:
 * `weights = self.dequantize_weight(...)`, `torch.matmul(x, weights)`; TritonV2Linear.forward and
 * AwqTorchLinear.forward take the same path while training), and torch.mm saves its second operand for the input's
 * gradient (torchgen/packaged/autograd/derivatives.yaml `mm`: self's formula uses mat2; gen_variable_type.py saves it
 * when should_compute_output). So each quantized linear keeps its dequantized weight until its backward.
 */
export function isInt4Base(technique: Pick<Technique, 'kind' | 'quantType'>): boolean {
  return technique.kind === 'qlora' && (technique.quantType === 'gptq' || technique.quantType === 'awq');
}

/** Dequantized 16-bit weights one decoder layer's quantized linears keep for the backward (see isInt4Base). */
export function int4SavedWeightsPerLayer(arch: Architecture, activationBytes: number): number {
  return arch.modules.reduce((s, m) => s + m.in * m.out * m.activeCount, 0) * activationBytes;
}

/**
 * bitsandbytes paged optimizers (bitsandbytes/optim/optimizer.py Optimizer8bit.get_state_buffer @ 95f9af3): a state
 * of a parameter with at least 1e5 elements is allocated with F.get_paged (functional.py → csrc/pythonInterface.cpp
 * cget_managed_ptr: cudaMallocManaged), the rest with torch.zeros_like. Managed memory is outside PyTorch's caching
 * allocator: it is not in max_memory_allocated / reserved / active, it is in nvidia-smi while resident, and the
 * driver evicts it to host RAM under memory pressure; `prefetch_state` (cudaMemPrefetchAsync) brings a parameter's
 * states back before its update. Returns the share of the trainable parameters whose states are paged.
 */
export const BNB_PAGED_MIN_ELEMENTS = 1e5;
export function pagedStateShare(arch: Architecture, params: TechniqueParams, technique: Technique): number {
  const T = params.trainableParams;
  if (T <= 0) return 0;
  const big = (n: number) => (n >= BNB_PAGED_MIN_ELEMENTS ? n : 0);
  let paged = 0;
  if (params.kind === 'full') {
    const L = arch.spec.numLayers;
    const h = arch.spec.hiddenSize;
    const V = arch.spec.vocabSize;
    for (const m of arch.modules) paged += L * m.count * big(m.in * m.out);
    // The embedding and an untied output head (a reward model's score head is h × 1: headWidth).
    const head = arch.lmHeadParams ? headWidth(arch) * h : 0;
    paged += big(V * h) + big(head);
    if (technique.freezeEmbeddings) paged -= big(V * h) + big(head);
  } else if (LORA_FAMILY.includes(technique.kind) && params.adapted.length > 0) {
    const r = technique.rank;
    for (const { module: m } of params.adapted)
      paged += arch.spec.numLayers * m.count * (big(r * m.in) + big(r * m.out));
  } else {
    // Vectors and small matrices: each state the size of one trainable tensor, none of them near 1e5 elements for
    // IA3, prompt or prefix tuning; counted as not paged (the allocated figure keeps them, the safe side).
    paged = 0;
  }
  return Math.max(0, Math.min(1, paged / T));
}

/** PCIe time to page `bytes` of optimizer states out and back in once per optimizer step (2 × bytes / bandwidth). */
export function pagingSecondsPerStep(bytes: number, pcieBytesPerSecond = 25e9): number {
  return (2 * bytes) / pcieBytesPerSecond;
}

/**
 * transformers 5.24 loading with on-the-fly bitsandbytes quantization (core_model_loading.py
 * convert_and_load_state_dict_in_model: `has_on_the_fly_quantization` turns the 4-thread pool off, "to avoid worker
 * threads loading full-precision tensors to GPU faster than the main thread can quantize them"): each tensor is read
 * from its safetensors slice into host memory (`_materialize_copy`: `tensor[...]`, then `.to(device)`), then
 * integrations/bitsandbytes.py Bnb4bitQuantize.convert builds `bnb.nn.Params4bit(value).to(value.device)`, which
 * quantizes it on the GPU. One 16-bit tensor at a time on the host and on the GPU. A pre-quantized checkpoint (GPTQ,
 * AWQ) loads with the pool (GLOBAL_WORKERS = min(4, cpu_count)): up to four tensors in flight.
 */
export const HF_LOAD_WORKERS = 4;
export function loadHostBytesPerProcess(arch: Architecture, technique: Technique, checkpointBytes = 2): number {
  const largestLinear = Math.max(...arch.modules.map((m) => m.in * m.out));
  const embedding = arch.spec.vocabSize * arch.spec.hiddenSize;
  const largest = Math.max(largestLinear, embedding) * checkpointBytes;
  if (technique.kind !== 'qlora') return 0;
  return isInt4Base(technique) ? HF_LOAD_WORKERS * largest : largest;
}
