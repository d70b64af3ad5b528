/**
 * The default model FLOPs utilisation by GPU generation (issue 15 §7), from published training runs: each entry is an
 * MFU a well-tuned stack reported on that generation at a stated number of tokens per micro-batch. time.ts scales it
 * to the plan's micro-batch with the fill curve tokens/(tokens + half-fill point), normalised to 1 at the published
 * run's tokens, and multiplies the technique's factor (TECHNIQUE_EFFICIENCY). A generation without a published figure
 * keeps the GPU-class ceiling (time.ts MFU_CEILING), named as an assumption in the explanation.
 *
 * The published figures count 6·P(+attention) FLOPs per token like time.ts (torchtitan `get_num_flop_per_token`).
 */
import { CATALOG_GPUS } from '../catalog/gpus';
import type { ResolvedGpu } from './hardware';

export type GpuGeneration = 'volta' | 'ampere' | 'ada' | 'hopper' | 'blackwell' | 'other';

export interface PublishedMfu {
  /** Expected MFU, and the low and high ends the source reports (its own spread over runs or configurations). */
  mfu: number;
  low: number;
  high: number;
  /** Tokens per micro-batch of the published run (local batch × sequence length). */
  tokens: number;
  source: string;
}

/**
 * Only the data-centre dies of a generation carry its figure: GA102 (A10, RTX 3090, RTX A6000) and AD10x cards have
 * their own memory systems and no published training MFU; they keep the class ceiling.
 */
export const PUBLISHED_MFU: Partial<Record<GpuGeneration, PublishedMfu>> = {
  volta: {
    mfu: 0.48,
    low: 0.48,
    high: 0.48,
    tokens: 8 * 1024,
    source:
      'Megatron-LM v1.0 (NVIDIA ADLR, "MegatronLM\'s Supercharged V1.0", 2020): 1.2B GPT-2, 62.4 TFLOPS per V100 ' +
      'in a DGX-2H = 48 % of peak (batch 8 × 1,024 tokens)',
  },
  ampere: {
    mfu: 0.575,
    low: 0.568,
    high: 0.582,
    tokens: 8192,
    source:
      'torchtitan docs/performance.md (pytorch/torchtitan): Llama 3 8B, FSDP2 on 64 A100 80GB, local batch 1 × ' +
      '8,192 tokens: MFU 56.8 % (selective layer checkpointing) – 58.2 % (selective op)',
  },
  hopper: {
    mfu: 0.36,
    low: 0.33,
    high: 0.39,
    tokens: 2 * 8192,
    source:
      'torchtitan docs/performance.md (pytorch/torchtitan, Grand Teton H100 at 500 W): Llama 3.1 8B, FSDP on 8 ' +
      'H100, local batch 2 × 8,192 tokens, bf16: 33–39 % MFU; Meta, "The Llama 3 Herd of Models" (2024) reports ' +
      '38–43 % bf16 MFU at 8–16K H100s',
  },
};

const GENERATION_BY_ID = new Map<string, GpuGeneration>(CATALOG_GPUS.map((g) => [g.id, generationOf(g.arch)]));

/** The generation of a catalog `arch` string ("Ampere (GA100)", "Hopper", "Blackwell (GB202)", "Ada Lovelace ..."). */
export function generationOf(arch: string): GpuGeneration {
  if (/^Volta/i.test(arch)) return 'volta';
  if (/^Ampere \(GA100\)/i.test(arch)) return 'ampere';
  if (/^Hopper/i.test(arch)) return 'hopper';
  if (/^Blackwell/i.test(arch)) return 'blackwell';
  if (/^Ada/i.test(arch)) return 'ada';
  return 'other';
}

/** The published MFU that applies to this GPU, or null (class ceiling). */
export function publishedMfu(gpu: Pick<ResolvedGpu, 'id'>): PublishedMfu | null {
  const generation = GENERATION_BY_ID.get(gpu.id);
  return generation ? (PUBLISHED_MFU[generation] ?? null) : null;
}
