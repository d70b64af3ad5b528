/**
 * A model's architecture: everything the estimator needs, nothing it doesn't.
 * Field names follow Hugging Face `config.json` meanings (see shared/catalog/hf-config.ts for the mapping).
 */
import { z } from 'zod';

const posInt = (max: number) =>
  z.number().int('must be a whole number').min(1, 'must be at least 1').max(max, `must be at most ${max}`);

export const MODEL_TYPES = [
  'llama',
  'mistral',
  'mixtral',
  'phi3',
  'phi3small',
  'phimoe',
  'qwen2',
  'gemma2',
  'generic',
] as const;

export const MoeSchema = z.object({
  numExperts: posInt(1024),
  topK: posInt(64),
});

export const ModelSpecSchema = z
  .object({
    name: z.string().trim().min(1, 'needs a name').max(200),
    hfId: z.string().max(200).optional(),
    modelType: z.enum(MODEL_TYPES),
    hiddenSize: posInt(1_000_000),
    intermediateSize: posInt(4_000_000),
    numLayers: posInt(10_000),
    numHeads: posInt(10_000),
    numKvHeads: posInt(10_000),
    headDim: posInt(100_000),
    vocabSize: posInt(10_000_000),
    maxPositionEmbeddings: posInt(100_000_000),
    tieWordEmbeddings: z.boolean(),
    /** Which linear layers carry a bias: none, q/k/v only (Qwen2), attention q/k/v/o (PhiMoE), every linear (Phi-3-small). */
    linearBias: z.enum(['none', 'qkv', 'attention', 'all']).default('none'),
    lmHeadBias: z.boolean().default(false),
    norm: z.enum(['rmsnorm', 'layernorm']).default('rmsnorm'),
    normsPerLayer: z.number().int().min(1).max(8).default(2),
    /** Phi-3: q,k,v in one `qkv_proj`; gate and up in one `gate_up_proj`. */
    fusedQkv: z.boolean().default(false),
    fusedGateUp: z.boolean().default(false),
    moe: MoeSchema.nullable().default(null),
  })
  .superRefine((m, ctx) => {
    if (m.numHeads % m.numKvHeads !== 0) {
      ctx.addIssue({ code: 'custom', path: ['numKvHeads'], message: `must divide numHeads (${m.numHeads}) evenly` });
    }
    if (m.moe && m.moe.topK > m.moe.numExperts) {
      ctx.addIssue({
        code: 'custom',
        path: ['moe', 'topK'],
        message: `must be at most numExperts (${m.moe.numExperts})`,
      });
    }
  });
export type ModelSpec = z.infer<typeof ModelSpecSchema>;
export type ModelSpecInput = z.input<typeof ModelSpecSchema>;
