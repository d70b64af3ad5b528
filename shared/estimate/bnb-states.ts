/**
 * bitsandbytes optimizer states, tensor by tensor (bitsandbytes 0.50.2 bitsandbytes/optim/optimizer.py, the same at
 * 95f9af3 on GitHub):
 *  - `Optimizer2State.init_state` (AdamW) / `Optimizer1State.init_state` (Lion): with optim_bits 32 every state is
 *    `get_state_buffer(p, dtype=torch.float32)`, whatever the parameter's dtype; with optim_bits 8 a tensor of fewer
 *    than `min_8bit_size` = 4096 elements still gets fp32 states (`if p.numel() < config["min_8bit_size"]: dtype =
 *    torch.float32`); otherwise each state is a uint8 tensor of the parameter's size plus an fp32 `absmax` of
 *    ceil(n / 256) blocks (`blocksize = 256; blocks = (n // blocksize) + bool(n % blocksize)`). The 256-entry fp32
 *    quantization maps (`qmap1`, `qmap2`) are shared by the optimizer's tensors (2 KiB per optimizer: not counted).
 *  - `GlobalOptimManager.register_module_override(module, "weight", {"optim_bits": 32})` gives one parameter 32-bit
 *    states (`check_overrides` at the first step). transformers' Trainer registers it for every `nn.Embedding` when
 *    the optimizer is a bitsandbytes one with optim_bits 8 (transformers 5.24 trainer.py `create_optimizer`, lines
 *    1327–1340; TRL's trainers inherit it). torchtune builds the optimizer from its config (`config.instantiate`,
 *    recipes/full_finetune_single_device.py `_setup_optimizer`) and registers no override (no GlobalOptimManager or
 *    register_module_override anywhere in pytorch/torchtune at bd2a0fc).
 */
import type { Technique, Training } from '../domain/plan';
import type { Architecture } from './architecture';
import { LORA_FAMILY, type TechniqueParams } from './techniques';

/** Optimizer2State / Optimizer1State `min_8bit_size` default. */
export const BNB_MIN_8BIT_SIZE = 4096;
/** The block-wise 8-bit state's block: one fp32 absmax per 256 elements per state. */
export const BNB_BLOCKSIZE = 256;

/** Optimizer-state bytes bitsandbytes allocates for one tensor of `numel` elements. */
export function bnbStateBytes(numel: number, states: number, bits: 8 | 32): number {
  if (numel <= 0) return 0;
  if (bits === 32 || numel < BNB_MIN_8BIT_SIZE) return states * numel * 4;
  return states * (numel + Math.ceil(numel / BNB_BLOCKSIZE) * 4);
}

export interface TrainableTensor {
  numel: number;
  /** How many tensors of this size. */
  count: number;
  /** An nn.Embedding weight (transformers' Trainer gives it 32-bit bitsandbytes states). */
  embedding: boolean;
}

/**
 * The trainable tensors of a plan, by size: full fine-tuning's weights, biases, norms, embedding and head; LoRA's A
 * (r × in) and B (out × r) per adapted module; other techniques as one tensor per trainable vector group. What the
 * architecture does not itemise (a vision tower, a DoRA magnitude) is one remainder tensor, so the elements always
 * add up to the trainable parameters.
 */
export function trainableTensors(arch: Architecture, params: TechniqueParams, technique: Technique): TrainableTensor[] {
  const T = params.trainableParams;
  const out: TrainableTensor[] = [];
  const h = arch.spec.hiddenSize;
  if (params.kind === 'full') {
    const groups = arch.layerGroups?.length
      ? arch.layerGroups
      : [{ layers: arch.spec.numLayers, modules: arch.modules }];
    for (const g of groups)
      for (const m of g.modules) {
        out.push({ numel: m.in * m.out, count: g.layers * m.count, embedding: false });
        if (m.bias) out.push({ numel: m.out, count: g.layers * m.count, embedding: false });
      }
    // Norm weights: vectors of the hidden size (q/k norms and the like are smaller still: < 4096 either way).
    const norms = Math.floor(arch.normParamsPerLayer / h);
    out.push({ numel: h, count: arch.spec.numLayers * norms, embedding: false });
    out.push({ numel: arch.normParamsPerLayer - norms * h, count: arch.spec.numLayers, embedding: false });
    out.push({ numel: arch.finalNormParams, count: 1, embedding: false });
    if (!technique.freezeEmbeddings) {
      out.push({ numel: arch.embeddingParams, count: 1, embedding: true });
      out.push({ numel: arch.lmHeadParams, count: 1, embedding: false });
      out.push({ numel: arch.positionParams, count: 1, embedding: true });
    }
  } else if (LORA_FAMILY.includes(technique.kind) && params.adapted.length > 0) {
    for (const a of params.adapted) {
      const r = a.rank ?? technique.rank;
      const count = a.layers * a.module.count;
      // LoRA-FA's A is frozen (no optimizer state); VeRA trains vectors, not A and B.
      if (technique.kind === 'vera') continue;
      if (technique.kind !== 'lora_fa') out.push({ numel: r * a.module.in, count, embedding: false });
      out.push({ numel: a.module.out * r, count, embedding: false });
    }
  } else if (params.adapted.length > 0) {
    // IA3: one vector per adapted module and layer.
    for (const a of params.adapted)
      out.push({ numel: a.trainablePerLayer / a.module.count, count: a.layers * a.module.count, embedding: false });
  } else if (technique.kind === 'prompt_tuning' || technique.kind === 'p_tuning') {
    // PEFT's PromptEmbedding / PromptEncoder hold the virtual tokens in an nn.Embedding (n_virtual × h).
    out.push({ numel: Math.min(T, technique.virtualTokens * h), count: 1, embedding: true });
  }
  const listed = out.reduce((s, t) => s + t.numel * t.count, 0);
  const kept = out.filter((t) => t.numel > 0 && t.count > 0);
  if (listed > T) return [{ numel: T, count: 1, embedding: false }]; // the itemisation does not fit: one tensor
  if (T - listed > 0) kept.push({ numel: T - listed, count: 1, embedding: false });
  return kept;
}

/**
 * Optimizer-state bytes of a bitsandbytes optimizer over the plan's trainable tensors: AdamW (`adamw_8bit`,
 * `paged_adamw_8bit`, `paged_adamw`) keeps 2 states, Lion 1; `bits` 8 or 32. transformers' Trainer (stacks
 * 'transformers' and 'trl') overrides nn.Embedding weights to 32-bit for 8-bit optimizers; torchtune does not.
 */
export function bnbOptimizerStateBytes(
  tensors: TrainableTensor[],
  states: number,
  bits: 8 | 32,
  stack: Training['stack'],
): number {
  const embeddingOverride = bits === 8 && stack !== 'torchtune';
  return tensors.reduce(
    (s, t) => s + t.count * bnbStateBytes(t.numel, states, t.embedding && embeddingOverride ? 32 : bits),
    0,
  );
}

/**
 * The plan optimizers that run a bitsandbytes class (optimizer-impl.ts; shared/exporters/torchtune.ts names the same
 * classes): its states per parameter and bits. bitsandbytes.optim.Lion defaults to optim_bits 32.
 */
export const BNB_OPTIMIZERS: Partial<Record<Training['optimizer'], { states: number; bits: 8 | 32 }>> = {
  adamw_8bit: { states: 2, bits: 8 },
  paged_adamw_8bit: { states: 2, bits: 8 },
  paged_adamw: { states: 2, bits: 32 },
  lion: { states: 1, bits: 32 },
};
