/**
 * Statistics of a user's training data (issue 17): what leaves the data worker. Only numbers cross the
 * API — never the examples, and the file's path or name only when the user asks (`source.name`).
 *
 * The estimator (issue 15: padded vs packed batches) consumes `lengths` (quantiles and the longest
 * examples, after the chat template, before truncation) and `totalTokens`; the helpers in
 * shared/data/batching.ts recompute padding, packing and the worst batch for any micro-batch and
 * sequence length from these same fields, so a plan edit does not need another pass over the file.
 */
import { z } from 'zod';

export const DATA_FORMATS = ['jsonl', 'json', 'csv', 'parquet', 'arrow'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

/** The dataset shapes TRL's SFT/DPO trainers recognise, plus Alpaca and ShareGPT (converted as noted in shapes.ts). */
export const DATA_SHAPES = [
  'text',
  'messages',
  'prompt_completion',
  'alpaca',
  'sharegpt',
  'preference',
  'mapped',
] as const;
export type DataShape = (typeof DATA_SHAPES)[number];

const count = z.number().int().nonnegative();
const tokens = z.number().nonnegative();
/** [low, high]: equal to the point value for an exact pass, wider for a sample or a byte estimate. */
const range = z.tuple([tokens, tokens]);

export const LineIssueSchema = z.object({
  /** 1-based line (JSON Lines, CSV) or record number (JSON array, Parquet, Arrow). */
  line: count,
  message: z.string().max(500),
});
export type LineIssue = z.infer<typeof LineIssueSchema>;

export const TokenizerInfoSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('tokenizer'),
    /** tokenizer_config.json `tokenizer_class` or the model folder's name; never a full path. */
    name: z.string().max(200),
    chatTemplate: z.boolean(),
  }),
  z.object({
    kind: z.literal('bytes'),
    /** UTF-8 bytes per token used for the point estimate, and the range used for [low, high]. */
    bytesPerToken: z.number().positive(),
    bytesPerTokenRange: z.tuple([z.number().positive(), z.number().positive()]),
  }),
]);
export type TokenizerInfo = z.infer<typeof TokenizerInfoSchema>;

export const LengthStatsSchema = z.object({
  /** Sequences per example: 1, or 2 for preference data (prompt+chosen and prompt+rejected are both trained). */
  sequencesPerExample: z.union([z.literal(1), z.literal(2)]),
  /** Tokens per sequence as training tokenizes it (the longest of the pair for preference data). */
  mean: tokens,
  p50: tokens,
  p95: tokens,
  p99: tokens,
  max: tokens,
  p50Range: range,
  p95Range: range,
  maxRange: range,
  /** 101 values: the 0th, 1st, ... 100th percentile of tokens per example (nearest-rank). */
  quantiles: z.array(tokens).length(101),
  /** The longest examples, longest first (at most 256): exact worst batches for any micro-batch up to 256. */
  longest: z.array(tokens).max(256),
  histogram: z.object({
    /** Bin edges (tokens), one more than counts; bins are [edge_i, edge_i+1). */
    edges: z.array(tokens).min(2),
    counts: z.array(count),
  }),
});
export type LengthStats = z.infer<typeof LengthStatsSchema>;

export const BatchingStatsSchema = z.object({
  microBatch: z.number().int().positive(),
  seqLen: z.number().int().positive(),
  overflow: z.enum(['truncate', 'drop']),
  /** Examples longer than seqLen, and the tokens truncation cuts (or dropping removes). */
  overSeqLen: count,
  overSeqLenTokens: tokens,
  /** Real (non-padding) tokens one epoch trains on, after truncation or dropping. */
  tokensPerEpoch: tokens,
  tokensPerEpochRange: range,
  /** Fraction of computed tokens that are padding: 0 = none. */
  paddingRandom: z.number().min(0).max(1),
  paddingGrouped: z.number().min(0).max(1),
  paddingPacked: z.number().min(0).max(1),
  /** Padded tokens of one micro-batch: expected for random batches, and the worst the sampler can form. */
  expectedBatchTokensRandom: tokens,
  peakBatchTokensPadded: tokens,
  /** The worst batch without padding (packing-free sum of the longest examples): the padding-free peak. */
  peakBatchTokensUnpadded: tokens,
  stepsPerEpochRandom: count,
  packedSequences: count,
});
export type BatchingStats = z.infer<typeof BatchingStatsSchema>;

export const DataStatsSchema = z.object({
  version: z.literal(1),
  source: z.object({
    format: z.enum(DATA_FORMATS),
    shape: z.enum(DATA_SHAPES),
    /** Only when the user asked to keep it: the file's base name, never its folder. */
    name: z.string().max(300).optional(),
    fileBytes: count,
    /** Records read (valid + skipped + malformed). */
    records: count,
  }),
  tokenizer: TokenizerInfoSchema,
  pass: z.object({
    kind: z.enum(['quick', 'full']),
    /** Examples whose tokens were counted exactly; the rest extrapolated from their size (quick pass). */
    counted: count,
    exact: z.boolean(),
    note: z.string().max(1000),
  }),
  examples: count,
  malformed: z.object({ count, first: z.array(LineIssueSchema).max(20) }),
  skipped: z.object({ count, first: z.array(LineIssueSchema).max(20) }),
  warnings: z.array(z.string().max(1000)).max(20),
  totalTokens: tokens,
  totalTokensRange: range,
  lengths: LengthStatsSchema,
  batching: BatchingStatsSchema,
  seconds: z.number().nonnegative(),
});
export type DataStats = z.infer<typeof DataStatsSchema>;

/** Options that decide how records become token sequences. */
export const FieldMappingSchema = z
  .object({
    /** A text column trained as is. */
    text: z.string().min(1).max(200).optional(),
    /** A column of chat messages ({role, content} or {from, value}). */
    messages: z.string().min(1).max(200).optional(),
    prompt: z.string().min(1).max(200).optional(),
    completion: z.string().min(1).max(200).optional(),
  })
  .refine((m) => m.text || m.messages || (m.prompt && m.completion), {
    message: 'map a text column, a messages column, or both a prompt and a completion column',
  });
export type FieldMapping = z.infer<typeof FieldMappingSchema>;

export const DataAnalysisOptionsSchema = z.object({
  pass: z.enum(['quick', 'full']).default('quick'),
  /** Examples counted exactly by the quick pass (evenly spaced). */
  sampleSize: z.number().int().min(100).max(1_000_000).default(5000),
  seqLen: z.number().int().min(1).max(10_000_000).default(2048),
  microBatch: z.number().int().min(1).max(65_536).default(4),
  overflow: z.enum(['truncate', 'drop']).default('truncate'),
  mapping: FieldMappingSchema.optional(),
  /** Keep the file's base name in the statistics (off by default: the data and its path are not stored). */
  keepName: z.boolean().default(false),
});
export type DataAnalysisOptions = z.infer<typeof DataAnalysisOptionsSchema>;
export type DataAnalysisOptionsInput = z.input<typeof DataAnalysisOptionsSchema>;
