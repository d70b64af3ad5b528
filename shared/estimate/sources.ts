/**
 * Every constant the estimator uses comes from one of these. The UI and CLI show them beside
 * each figure's formula.
 */
export interface Source {
  id: string;
  title: string;
  url: string;
  date: string;
}

const s = (id: string, title: string, url: string, date: string): Source => ({ id, title, url, date });

export const SOURCES = {
  catalogModels: s(
    'catalogModels',
    'Tuneplan model catalog (config.json values, cross-checked)',
    'shared/catalog/data/models.json',
    '2026',
  ),
  catalogGpus: s('catalogGpus', 'Tuneplan GPU catalog (vendor datasheets)', 'shared/catalog/data/gpus.json', '2026'),
  catalogPrices: s(
    'catalogPrices',
    'Tuneplan price catalog (dated per SKU)',
    'shared/catalog/data/prices.json',
    '2026-11-09',
  ),
  lora: s(
    'lora',
    'Hu et al., LoRA: Low-Rank Adaptation of Large Language Models (2021), §4 and Table 4',
    'https://arxiv.org/abs/2106.09685',
    '2021-10',
  ),
  dora: s(
    'dora',
    'Liu et al., DoRA: Weight-Decomposed Low-Rank Adaptation (2024); PEFT DoraLinearLayer',
    'https://arxiv.org/abs/2402.09353',
    '2024-07',
  ),
  ia3: s(
    'ia3',
    'Liu et al., Few-Shot PEFT is Better and Cheaper than In-Context Learning (IA3, 2022)',
    'https://arxiv.org/abs/2205.05638',
    '2022-08',
  ),
  promptTuning: s(
    'promptTuning',
    'Lester et al., The Power of Scale for Parameter-Efficient Prompt Tuning (2021)',
    'https://arxiv.org/abs/2104.08691',
    '2021-09',
  ),
  prefixTuning: s(
    'prefixTuning',
    'Li & Liang, Prefix-Tuning (2021); PEFT PrefixEncoder (num_virtual_tokens × layers × 2 × kv width)',
    'https://arxiv.org/abs/2101.00190',
    '2021-01',
  ),
  qlora: s(
    'qlora',
    'Dettmers et al., QLoRA (2023), §3: NF4 blocksize 64, double quantization 0.127 bit/param',
    'https://arxiv.org/abs/2305.14314',
    '2023-05',
  ),
  bnb8bit: s(
    'bnb8bit',
    'bitsandbytes 8-bit optimizers: 2 bytes of state per parameter, tensors < 4096 elements stay 32-bit',
    'https://huggingface.co/docs/bitsandbytes/v0.43.0/optimizers',
    '2024',
  ),
  adafactor: s(
    'adafactor',
    'Shazeer & Stern, Adafactor (2018): factored second moments (rows + columns)',
    'https://arxiv.org/abs/1804.04235',
    '2018-04',
  ),
  lion: s(
    'lion',
    'Chen et al., Symbolic Discovery of Optimization Algorithms (Lion, 2023): one momentum state',
    'https://arxiv.org/abs/2302.06675',
    '2023-02',
  ),
  transformersOptimizers: s(
    'transformersOptimizers',
    'transformers 5.24 Trainer.get_optimizer_cls_and_kwargs → trainer_optimizer.py _OPTIMIZER_HANDLERS ' +
      '(_get_adamw_torch, _get_bitsandbytes_optimizer, _get_adafactor, _get_sgd); training_args.py OptimizerNames',
    'https://github.com/huggingface/transformers/blob/v5.24.0/src/transformers/trainer_optimizer.py',
    '2026',
  ),
  torchOptimDefaults: s(
    'torchOptimDefaults',
    'torch 2.13 adam() / sgd(): foreach or fused unset → optimizer.py _default_to_fused_or_foreach(use_fused=False)',
    'https://github.com/pytorch/pytorch/blob/v2.13.0/torch/optim/optimizer.py',
    '2026',
  ),
  zero: s(
    'zero',
    'Rajbhandari et al., ZeRO (2020), §5 and Table 1: (2+2+K)Ψ, K=12',
    'https://arxiv.org/abs/1910.02054',
    '2020-05',
  ),
  zeroInfinity: s(
    'zeroInfinity',
    'Rajbhandari et al., ZeRO-Infinity (2021): CPU and NVMe offload',
    'https://arxiv.org/abs/2104.07857',
    '2021-04',
  ),
  deepspeedConfig: s(
    'deepspeedConfig',
    'DeepSpeed config docs: reduce_bucket_size / allgather_bucket_size 5e8, stage3_prefetch_bucket_size',
    'https://www.deepspeed.ai/docs/config-json/',
    '2024',
  ),
  fsdp: s(
    'fsdp',
    'Zhao et al., PyTorch FSDP (2023): FULL_SHARD ≈ ZeRO-3, SHARD_GRAD_OP ≈ ZeRO-2',
    'https://arxiv.org/abs/2304.11277',
    '2023-09',
  ),
  korthikanti: s(
    'korthikanti',
    'Korthikanti et al., Reducing Activation Recomputation in Large Transformer Models (2022), ' +
      '§4: s·b·h·(34 + 5·a·s/h)',
    'https://arxiv.org/abs/2205.05198',
    '2022-05',
  ),
  hfLlama: s(
    'hfLlama',
    'Hugging Face transformers LlamaRMSNorm / LlamaAttention (fp32 norm, repeat_kv with a padding mask)',
    'https://github.com/huggingface/transformers/blob/main/src/transformers/models/llama/modeling_llama.py',
    '2026',
  ),
  hfLoss: s(
    'hfLoss',
    'transformers ForCausalLMLoss: logits.float() then cross_entropy (log_softmax saved in fp32)',
    'https://github.com/huggingface/transformers/blob/main/src/transformers/loss/loss_utils.py',
    '2026',
  ),
  peftLora: s(
    'peftLora',
    'PEFT LoRA layer: adapters in fp32 (autocast_adapter_dtype), input cast to the adapter dtype',
    'https://github.com/huggingface/peft/blob/main/src/peft/tuners/lora/layer.py',
    '2026',
  ),
  pytorchAdamW: s(
    'pytorchAdamW',
    'PyTorch AdamW foreach implementation (temporaries the size of a parameter group state)',
    'https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html',
    '2026',
  ),
  pytorchDdp: s(
    'pytorchDdp',
    'PyTorch DDP: gradient buckets copy the gradients unless gradient_as_bucket_view=True',
    'https://pytorch.org/docs/stable/generated/torch.nn.parallel.DistributedDataParallel.html',
    '2026',
  ),
  nccl: s(
    'nccl',
    'NCCL environment variables: NCCL_BUFFSIZE (default 4 MiB per connection buffer), NCCL_MIN/MAX_NCHANNELS',
    'https://docs.nvidia.com/deeplearning/nccl/user-guide/docs/env.html',
    '2026',
  ),
  cudaMemory: s(
    'cudaMemory',
    'PyTorch CUDA caching allocator: reserved ≥ allocated (block rounding and cache); context outside both',
    'https://pytorch.org/docs/stable/notes/cuda.html#memory-management',
    '2026',
  ),
  cudaCachingAllocator: s(
    'cudaCachingAllocator',
    'PyTorch c10/cuda/CUDACachingAllocator.cpp: kMinBlockSize 512 B (round_size), kSmallSize 1 MiB, kSmallBuffer ' +
      '2 MiB, kMinLargeAlloc 10 MiB, kLargeBuffer 20 MiB, kRoundLarge 2 MiB (get_allocation_size), should_split, ' +
      'best-fit get_free_block, Note [Expandable Segments]',
    'https://github.com/pytorch/pytorch/blob/main/c10/cuda/CUDACachingAllocator.cpp',
    '2026',
  ),
  torchtuneExpandableSegments: s(
    'torchtuneExpandableSegments',
    'torchtune issue #1185: Llama-3 8B QLoRA on unpacked Alpaca, peak reserved 16.39 GiB, 10.83 GiB with ' +
      'PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True (A100 80GB, 20 steps)',
    'https://github.com/meta-pytorch/torchtune/issues/1185',
    '2024-07',
  ),
  estimatorGuide: s(
    'estimatorGuide',
    'Tuneplan estimator design notes (measured-peak counters, CUDA context 0.3–1.5 GiB)',
    'design/ESTIMATOR.md',
    '2026',
  ),
  transformerMath: s(
    'transformerMath',
    'EleutherAI, Transformer Math 101: 6·P FLOPs per token for training',
    'https://blog.eleuther.ai/transformer-math/',
    '2023-04',
  ),
  flashAttention: s(
    'flashAttention',
    'Dao, FlashAttention-2 (2023): causal kernels skip masked blocks',
    'https://arxiv.org/abs/2307.08691',
    '2023-07',
  ),
  peftBench: s(
    'peftBench',
    'PEFT method comparison benchmark (Llama-3.2-3B, L40S): full 2,316 tok/s ≈ 12 % MFU, LoRA 7,174 tok/s',
    'https://github.com/huggingface/peft/tree/main/method_comparison',
    '2026-07',
  ),
  liger: s(
    'liger',
    'Liger Kernel fused linear cross-entropy: logits computed in chunks, never materialized whole',
    'https://github.com/linkedin/Liger-Kernel',
    '2024',
  ),
  azureFinetuneBilling: s(
    'azureFinetuneBilling',
    'Azure fine-tuning billing: training tokens × epochs × price per token, plus hosting per hour',
    'https://github.com/MicrosoftDocs/azure-ai-docs/blob/main/articles/ai-foundry/' +
      'openai/how-to/fine-tuning-cost-management.md',
    '2025-11-26',
  ),
  torchtuneActivationOffload: s(
    'torchtuneActivationOffload',
    'torchtune OffloadActivations: saved tensors ≥ 1024 bytes to pinned host RAM, output head kept ' +
      '(torchtune/training/_activation_offloading.py)',
    'https://github.com/pytorch/torchtune/blob/1814feb/torchtune/training/_activation_offloading.py',
    '2024-11',
  ),
  torchtuneOptimizerInBackward: s(
    'torchtuneOptimizerInBackward',
    'torchtune optimizer_in_bwd: one optimizer per parameter stepped from a post-accumulate-grad hook ' +
      '(torchtune/training/memory.py)',
    'https://github.com/pytorch/torchtune/blob/1814feb/torchtune/training/memory.py',
    '2024-11',
  ),
  torchtuneModel: s(
    'torchtuneModel',
    'torchtune TransformerDecoder (fp32 logits, `self.output(h).float()`), MultiHeadAttention (k, v expanded to all ' +
      'heads), CEWithChunkedOutputLoss (8 chunks)',
    'https://github.com/pytorch/torchtune/blob/1814feb/torchtune/modules/transformer.py',
    '2024-11',
  ),
  torchCompilePartitioner: s(
    'torchCompilePartitioner',
    'PyTorch AOTAutograd min-cut rematerialization partitioner: fused element-wise ops are recomputed in backward ' +
      '(torch/_functorch/partitioners.py)',
    'https://github.com/pytorch/pytorch/blob/main/torch/_functorch/partitioners.py',
    '2024',
  ),
  bnbDequant: s(
    'bnbDequant',
    'bitsandbytes MatMul4Bit: each 4-bit weight dequantized to the compute dtype for its matmul, forward and ' +
      'backward (bitsandbytes/autograd/_functions.py)',
    'https://github.com/bitsandbytes-foundation/bitsandbytes/blob/main/bitsandbytes/autograd/_functions.py',
    '2024',
  ),
  torchtuneAblation: s(
    'torchtuneAblation',
    'torchtune README, Optimization flags ablation (Llama 3.2 3B, A100, batch 2, 4,096 tokens; peak active bytes)',
    'https://github.com/pytorch/torchtune/blob/bd2a0fc7c31430972728494fa01aaeeb0ebf1ba1/README.md',
    '2024-11-18',
  ),
  hfTrainerSampler: s(
    'hfTrainerSampler',
    'transformers Trainer: RandomSampler unless group_by_length (LengthGroupedSampler); batches padded to their ' +
      'longest (trainer.py _get_train_sampler, trainer_pt_utils.py)',
    'https://github.com/huggingface/transformers/blob/main/src/transformers/trainer_pt_utils.py',
    '2026',
  ),
  trlPacking: s(
    'trlPacking',
    'TRL pack_dataset, packing_strategy "bfd": best-fit decreasing into sequences of max_length (trl/data_utils.py)',
    'https://github.com/huggingface/trl/blob/main/trl/data_utils.py',
    '2026',
  ),
  trlFusedHead: s(
    'trlFusedHead',
    'TRL 1.16 SFTTrainer: loss_type "nll" through add_fused_lm_head / ChunkedLogProbFunction (4,096 × 32,768 tiles, ' +
      'no logits tensor, use_cache=False)',
    'https://github.com/huggingface/trl/blob/v1.16.0/trl/kernels/chunked_logprob.py',
    '2026',
  ),
  trlPreference: s(
    'trlPreference',
    'TRL 1.16 DPOTrainer: chosen and rejected stacked in one batch (DataCollatorForPreference), reference forward ' +
      'under no_grad, precompute_ref_log_probs, PEFT adapter disabled as reference (trl/trainer/dpo_trainer.py)',
    'https://github.com/huggingface/trl/blob/v1.16.0/trl/trainer/dpo_trainer.py',
    '2026',
  ),
  trlGrpo: s(
    'trlGrpo',
    'TRL 1.16 GRPOTrainer and VLLMGeneration: generation batch, num_generations, β = 0 without reference, vLLM ' +
      'colocate/server, sleep mode (trl/trainer/grpo_trainer.py, trl/generation/vllm_generation.py)',
    'https://github.com/huggingface/trl/blob/v1.16.0/trl/trainer/grpo_trainer.py',
    '2026',
  ),
  vllmMemory: s(
    'vllmMemory',
    'vLLM Worker.determine_available_memory: KV cache = total GPU memory × gpu_memory_utilization − vLLM peak; ' +
      'AttentionSpec page = 2 · block · kv_heads · head_size · dtype bytes (vllm/v1/worker/gpu_worker.py)',
    'https://github.com/vllm-project/vllm/blob/main/vllm/v1/worker/gpu_worker.py',
    '2026',
  ),
  ncclTestsPerformance: s(
    'ncclTestsPerformance',
    'NCCL tests, doc/PERFORMANCE.md: bus bandwidth; ring all-reduce 2(n−1)/n, reduce-scatter and all-gather (n−1)/n',
    'https://github.com/NVIDIA/nccl-tests/blob/master/doc/PERFORMANCE.md',
    '2026',
  ),
  interconnectDatasheets: s(
    'interconnectDatasheets',
    'NVLink, PCIe and network rates per GPU and adapter from vendor datasheets (NVIDIA A100/H100/H200/B200, AMD ' +
      'MI300X, ConnectX-5/6/7) and PCI-SIG; the table with each source: shared/estimate/interconnect.ts',
    'shared/estimate/interconnect.ts',
    '2026',
  ),
  torchtitanPerformance: s(
    'torchtitanPerformance',
    'torchtitan docs/performance.md: Llama 3 8B FSDP2 on 64 A100 56.8–58.2 % MFU; Llama 3.1 8B FSDP on 8 H100 ' +
      '33–39 % MFU',
    'https://github.com/pytorch/torchtitan/blob/main/docs/performance.md',
    '2025',
  ),
  megatronV1: s(
    'megatronV1',
    "NVIDIA ADLR, MegatronLM's Supercharged V1.0: 62.4 TFLOPS per V100 (48 % of peak)",
    'https://nv-adlr.github.io/MegatronLMV1',
    '2020-05',
  ),
  ligerKernels: s(
    'ligerKernels',
    'Liger-Kernel 0.8.2: RMSNorm saves X and fp32 rstd, SwiGLU saves gate and up, fused linear cross-entropy in ' +
      'chunks of next_pow2(BT / ceil(V/H)) rows (src/liger_kernel/ops/*.py, transformers/monkey_patch.py)',
    'https://github.com/linkedin/Liger-Kernel/tree/ead96b6/src/liger_kernel',
    '2026-08',
  ),
  unslothKernels: s(
    'unslothKernels',
    'Unsloth: offloaded gradient checkpointing (unsloth_zoo/gradient_checkpointing.py UnslothCheckpointFunction) ' +
      'and fused cross-entropy in fp32 chunks of at most 4 GiB (unsloth_zoo/fused_losses/cross_entropy_loss.py)',
    'https://github.com/unslothai/unsloth-zoo/tree/ce232d6/unsloth_zoo',
    '2026-08',
  ),
  torchAutocast: s(
    'torchAutocast',
    'PyTorch autocast: which ops run in bf16 (mm, linear, SDPA) or fp32 (layer_norm, pow, rsqrt on CUDA), and the ' +
      'cast cache that keeps only casts of leaf weights (aten/src/ATen/autocast_mode.h, autocast_mode.cpp cached_cast)',
    'https://github.com/pytorch/pytorch/blob/v2.13.0/aten/src/ATen/autocast_mode.cpp',
    '2026-10',
  ),
  mixedPrecisionDtypes: s(
    'mixedPrecisionDtypes',
    "Who decides the forward's dtypes: accelerate's native AMP (off under DeepSpeed: accelerator.py), DeepSpeed's " +
      'parameter cast (runtime/engine.py _cast_module_mixed_precision), TRL casting bitsandbytes QLoRA adapters to ' +
      "bf16 (trainer/sft_trainer.py), LLaMA-Factory building them with PEFT's fp32 default (model/adapter.py)",
    'https://github.com/huggingface/accelerate/blob/v1.15.0/src/accelerate/accelerator.py',
    '2026-11',
  ),
  gptqmodelKernels: s(
    'gptqmodelKernels',
    'GPTQModel: int4 packing (qweight, qzeros, fp16 scales, g_idx) and the trainable torch kernel that ' +
      'dequantizes each weight and multiplies (gptqmodel/nn_modules/qlinear/torch.py TorchLinear._forward_eager)',
    'https://github.com/ModelCloud/GPTQModel/tree/f4c327a/gptqmodel/nn_modules/qlinear',
    '2026-08',
  ),
  bnbPagedOptimizer: s(
    'bnbPagedOptimizer',
    'bitsandbytes paged optimizers: states of tensors ≥ 1e5 elements in cudaMallocManaged memory, prefetched ' +
      'before each update (bitsandbytes/optim/optimizer.py get_state_buffer, prefetch_state; csrc/pythonInterface.cpp)',
    'https://github.com/bitsandbytes-foundation/bitsandbytes/blob/95f9af3/bitsandbytes/optim/optimizer.py',
    '2026-08',
  ),
  hfQuantizedLoading: s(
    'hfQuantizedLoading',
    'transformers 5.24 loading: on-the-fly quantization loads one tensor at a time, pre-quantized checkpoints with ' +
      '4 threads (core_model_loading.py convert_and_load_state_dict_in_model; integrations/bitsandbytes.py)',
    'https://github.com/huggingface/transformers/blob/v5.24.0/src/transformers/core_model_loading.py',
    '2026',
  ),
  hfVisionProcessors: s(
    'hfVisionProcessors',
    'transformers 5.24 image processors and processors: tokens per image (llava get_image_features, Gemma3Processor ' +
      'image_seq_length, MllamaVisionModel tiles, Idefics3ImageProcessor get_number_of_image_patches, ' +
      'Qwen2VLImageProcessor smart_resize and Qwen2VLProcessor replace_image_token)',
    'https://github.com/huggingface/transformers/tree/v5.24.0/src/transformers/models',
    '2026',
  ),
  pytorchAutograd: s(
    'pytorchAutograd',
    'PyTorch autograd mechanics, "Excluding subgraphs from backward": an operation whose inputs all have ' +
      'requires_grad=False records no graph; in a frozen base "no intermediate buffers will be saved"',
    'https://docs.pytorch.org/docs/stable/notes/autograd.html',
    '2026',
  ),
} as const satisfies Record<string, Source>;

export type SourceId = keyof typeof SOURCES;
