/**
 * Issue 15 §3: reserved − allocated from PyTorch's CUDA caching allocator, from the sizes in play rather than a flat
 * percentage (ESTIMATOR.md §10). Read from c10/cuda/CUDACachingAllocator.cpp (PyTorch 2.x, DeviceCachingAllocator):
 *  - `round_size`: every request is rounded up to kMinBlockSize = 512 B (roundup_power2_divisions unset, the default);
 *  - `get_pool`: requests ≤ kSmallSize (1 MiB) come from the small pool, larger ones from the large pool;
 *  - `get_allocation_size`: a new small segment is kSmallBuffer (2 MiB); a large request under kMinLargeAlloc (10 MiB)
 *    gets a kLargeBuffer (20 MiB) segment that later 1–10 MiB requests share; larger requests get a segment of their
 *    own size rounded up to kRoundLarge (2 MiB);
 *  - `should_split`: a small block is split when ≥ 512 B remain; a large block only when more than kSmallSize (1 MiB)
 *    remains (and the request is under max_split_size, unlimited by default), so a large tensor may keep up to 1 MiB
 *    of its segment inside its own block; with expandable segments every pool splits down to 512 B;
 *  - `malloc` → `get_free_block`: the smallest cached free block that fits is reused (best fit) before a new segment
 *    is reserved; freed blocks stay cached (reserved) until empty_cache or an out-of-memory retry
 *    (`release_cached_blocks`);
 *  - Note [Expandable Segments] (PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True): one segment per stream and pool
 *    whose physical pages (2 MiB for the small pool, 20 MiB for the large pool) are mapped as it grows, so a larger
 *    request later in training extends the segment instead of leaving the earlier, smaller segments cached beside it.
 *
 * What the estimator counts as `allocatedBytes` is the bytes the tensors request (PyTorch's requested_bytes); the
 * 512 B rounding and a large block's unsplit remainder (≤ 1 MiB) are counted in PyTorch's allocated_bytes too
 * (`alloc_found_block` adds block->size), but they are at most 1 MiB per large tensor and are kept here, in
 * reserved − allocated, so that allocated and active stay the sum of the tensors.
 *
 * Two parts:
 *  - rounding: the segments the live tensors occupy minus their bytes — the persistent inventory (weights, gradients,
 *    optimizer states, one tensor per parameter tensor: `persistentRounding`, computed once per profile) and the
 *    per-layer activation tensors of the batch (memory.ts);
 *  - fragmentation of the memory that churns every step (activations, logits): cached freed blocks the next requests
 *    cannot reuse (`fragmentationBytes`). It depends on whether the shapes repeat (`ShapeRegime`).
 */
import type { Architecture } from './architecture';

/**
 * PyTorch's caching allocator (c10/cuda/CUDACachingAllocator.cpp): every block is rounded up to kMinBlockSize = 512 B;
 * requests ≤ kSmallSize (1 MiB) come from 2 MiB segments (kSmallBuffer), 1–10 MiB (below kMinLargeAlloc) from 20 MiB
 * segments (kLargeBuffer), larger ones from segments rounded to kRoundLarge = 2 MiB (`get_allocation_size`); a large
 * block is split only when more than kSmallSize remains (`should_split`), so each large tensor may carry up to 1 MiB
 * of unsplit rounding in its own block. With PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True segments grow in pages
 * and the cached-but-unusable share (fragmentation) mostly disappears.
 */
export const ALLOCATOR = {
  minBlockBytes: 512,
  smallSizeBytes: 2 ** 20,
  smallSegmentBytes: 2 * 2 ** 20,
  minLargeAllocBytes: 10 * 2 ** 20,
  largeSegmentBytes: 20 * 2 ** 20,
  roundLargeBytes: 2 * 2 ** 20,
} as const;

/** The segment size the allocator reserves for one request of `bytes` (round_size, then get_allocation_size). */
export function allocationSize(bytes: number): number {
  const rounded = roundSize(bytes);
  if (rounded <= ALLOCATOR.smallSizeBytes) return ALLOCATOR.smallSegmentBytes;
  if (rounded < ALLOCATOR.minLargeAllocBytes) return ALLOCATOR.largeSegmentBytes;
  return Math.ceil(rounded / ALLOCATOR.roundLargeBytes) * ALLOCATOR.roundLargeBytes;
}

/** round_size: every request rounded up to kMinBlockSize (512 B). */
export function roundSize(bytes: number): number {
  if (bytes <= ALLOCATOR.minBlockBytes) return ALLOCATOR.minBlockBytes;
  return Math.ceil(bytes / ALLOCATOR.minBlockBytes) * ALLOCATOR.minBlockBytes;
}

/** What `count` tensors of `bytes` each occupy: the blocks PyTorch counts as allocated, and the segments reserved. */
export interface Footprint {
  blockBytes: number;
  reservedBytes: number;
}

/**
 * The footprint of `count` tensors of `bytes` each, allocated one after another into fresh segments (the same sizes
 * share segments; a mix of sizes can only share more, so this is the upper side for a mixed inventory):
 *  - small (≤ 1 MiB after rounding): packed into 2 MiB segments, floor(2 MiB / size) per segment;
 *  - 1–10 MiB: floor(20 MiB / size) per 20 MiB segment; the last block of a full segment keeps the tail when the tail
 *    is ≤ 1 MiB (should_split);
 *  - ≥ 10 MiB: one segment each, rounded to 2 MiB; a remainder ≤ 1 MiB stays in the block, a larger one is split off
 *    and cached.
 * With expandable segments every block is split down to 512 B inside one growing segment: the tensors take their
 * rounded size, plus at most one partly used page per pool (≤ 20 MiB, not counted).
 */
export function groupFootprint(bytes: number, count: number, expandable = false): Footprint {
  if (!(bytes > 0) || !(count > 0)) return { blockBytes: 0, reservedBytes: 0 };
  const r = roundSize(bytes);
  if (expandable) return { blockBytes: r * count, reservedBytes: r * count };
  if (r <= ALLOCATOR.smallSizeBytes) {
    const perSegment = Math.floor(ALLOCATOR.smallSegmentBytes / r);
    return { blockBytes: r * count, reservedBytes: Math.ceil(count / perSegment) * ALLOCATOR.smallSegmentBytes };
  }
  if (r < ALLOCATOR.minLargeAllocBytes) {
    const perSegment = Math.floor(ALLOCATOR.largeSegmentBytes / r);
    const tail = ALLOCATOR.largeSegmentBytes - perSegment * r;
    const fullSegments = Math.floor(count / perSegment);
    return {
      blockBytes: r * count + (tail <= ALLOCATOR.smallSizeBytes ? tail * fullSegments : 0),
      reservedBytes: Math.ceil(count / perSegment) * ALLOCATOR.largeSegmentBytes,
    };
  }
  const segment = allocationSize(r);
  const block = segment - r <= ALLOCATOR.smallSizeBytes ? segment : r;
  return { blockBytes: block * count, reservedBytes: segment * count };
}

/** Reserved bytes beyond what `count` tensors of `bytes` request (segment and block rounding). */
export function roundingBytes(bytes: number, count = 1, expandable = false): number {
  if (!(bytes > 0) || !(count > 0)) return 0;
  return groupFootprint(bytes, count, expandable).reservedBytes - bytes * count;
}

/** A group of same-size tensors: elements each, and how many. */
export interface TensorGroup {
  numel: number;
  count: number;
}

/**
 * Every parameter tensor of the model, by size: each layer's linear weights and biases, its norm vectors, the final
 * norm, the embedding, an untied head and learned positions; what the architecture does not itemise (a vision tower)
 * is one remainder tensor, so the elements add up to the model's parameters.
 */
export function parameterTensors(arch: Architecture): TensorGroup[] {
  const out: TensorGroup[] = [];
  const h = arch.spec.hiddenSize;
  const groups = arch.layerGroups.length ? arch.layerGroups : [{ layers: arch.spec.numLayers, modules: arch.modules }];
  for (const g of groups)
    for (const m of g.modules) {
      out.push({ numel: m.in * m.out, count: g.layers * m.count });
      if (m.bias) out.push({ numel: m.out, count: g.layers * m.count });
    }
  const norms = Math.floor(arch.normParamsPerLayer / h);
  out.push({ numel: h, count: arch.spec.numLayers * norms });
  out.push({ numel: arch.normParamsPerLayer - norms * h, count: arch.spec.numLayers });
  out.push({ numel: arch.finalNormParams, count: 1 });
  out.push({ numel: arch.embeddingParams, count: 1 });
  out.push({ numel: arch.lmHeadParams, count: 1 });
  out.push({ numel: arch.positionParams, count: 1 });
  const kept = out.filter((t) => t.numel > 0 && t.count > 0);
  const listed = kept.reduce((s, t) => s + t.numel * t.count, 0);
  if (listed > arch.totalParams) return [{ numel: arch.totalParams, count: 1 }];
  if (arch.totalParams - listed > 0) kept.push({ numel: arch.totalParams - listed, count: 1 });
  return kept;
}

/**
 * The rounding of `totalBytes` spread over `groups` in proportion to their elements (bytes per element = total ÷
 * elements): how a class of state (weights, gradients, optimizer states, each possibly sharded or quantized) lays
 * out over the parameter tensors. `copies` tensors per parameter tensor (AdamW: two states).
 */
export function classRounding(groups: TensorGroup[], totalBytes: number, copies = 1, expandable = false): number {
  if (!(totalBytes > 0) || copies <= 0) return 0;
  const elements = groups.reduce((s, t) => s + t.numel * t.count, 0) * copies;
  if (!(elements > 0)) return 0;
  const perElement = totalBytes / elements;
  return groups.reduce((s, t) => s + roundingBytes(t.numel * perElement, t.count * copies, expandable), 0);
}

/**
 * Whether the shapes of the tensors that churn every step repeat: 'fixed' with packing, a token budget (packed
 * sequences) or every example at full length; 'variable' when unpacked batches are padded to their longest example
 * and the data's lengths vary in random order (the default: training.packing false), and for GRPO's completions;
 * 'longest_first' when unpacked batches come longest first, so every later batch is cut from the blocks the longest
 * one reserved (transformers' LengthGroupedSampler: trainer_pt_utils.get_length_grouped_indices puts the longest batch
 * first; PEFT's method-comparison BucketIterator sorts each bucket long to short:
 * method_comparison/MetaMathQA/data.py).
 * The plan selects it with training.samplingStrategy 'group_by_length' (memory.ts shapeRegime).
 */
export type ShapeRegime = 'fixed' | 'variable' | 'longest_first';

/** Which end of the fragmentation's range a figure takes (memory.ts MemoryAssumptions). */
export type AllocatorEnd = 'low' | 'expected' | 'high';

export interface FragmentationInput {
  shapes: ShapeRegime;
  expandable: boolean;
  /** Bytes at the moment whose size follows the batch's shape (activations, logits): what churns with the data. */
  dataChurnBytes: number;
  /** One decoder layer's saved tensors at this batch: the working set a layer frees and the next one reuses. */
  layerBytes: number;
  end: AllocatorEnd;
}

/**
 * Cached freed blocks the requests at the peak cannot reuse.
 *  - Fixed shapes: every step asks for the same sizes in the same order, so best fit (`get_free_block`) hands back the
 *    blocks the step before freed, and reserved stops growing after the first step. Within a step, a layer's freed
 *    temporaries are reused by the next layer's tensors of the same sizes; what stays cached at the peak is about one
 *    layer's working set (approximated by its saved tensors). Low: none (rounding only). High: two layers' worth
 *    (an engineering assumption: the working sets of the last two layers left split by a request of another size).
 *  - Variable shapes: the longest batch needs blocks larger than any cached for the shorter batches before it, so it
 *    reserves new segments while the smaller cached ones stay (Note [Expandable Segments], "Rationale": "some number
 *    of (N + 1)*A allocations will actually fit in the already existing N*B*A segments, though not perfectly").
 *    With memory to spare reserved keeps them: up to everything that churns once more (torchtune issue #1185: Llama-3
 *    8B QLoRA on unpacked Alpaca, peak reserved 16.39 GiB, 10.83 GiB with expandable segments) — `cachedSpareBytes`,
 *    what nvidia-smi may show on a roomy GPU. It is not what decides a fit: before an allocation fails,
 *    `DeviceCachingAllocator::malloc` frees the cached blocks it can and retries (`release_available_cached_blocks`,
 *    then "Free all non-split cached blocks and retry alloc.": `release_cached_blocks`). The earlier, shorter
 *    batches' activations are all freed by the end of their step, so their segments are whole free blocks that this
 *    releases; what it cannot give back is the free space inside segments that still hold live blocks. So every end
 *    of the range is as for fixed shapes, from one layer's working set (low: a split remainder of the layer in
 *    flight) to two layers' (high).
 *  - Longest batch first ('longest_first'): as fixed shapes.
 *  - Expandable segments: one growing segment per pool, split down to 512 B, so freed ranges are reused by any later
 *    request that fits and a longer batch extends the segment. Low and expected: none. High: one layer's working set
 *    (holes between live blocks inside the segment remain; pages are unmapped only when an allocation fails,
 *    `release_cached_blocks`).
 */
export function fragmentationBytes(f: FragmentationInput): number {
  const churn = Math.max(0, f.dataChurnBytes);
  const layer = Math.min(Math.max(0, f.layerBytes), churn);
  if (f.expandable) return f.end === 'high' ? layer : 0;
  // Longest first: after the longest batch the shorter ones reuse (split) its blocks, as with fixed shapes.
  if (f.shapes !== 'variable') return f.end === 'low' ? 0 : f.end === 'expected' ? layer : Math.min(2 * layer, churn);
  // Shuffled: whole free segments of earlier batches are released before an allocation fails (release_cached_blocks);
  // what stays is the layer in flight (cachedSpareBytes: what reserved keeps with memory to spare).
  return f.end === 'high' ? Math.min(2 * layer, churn) : layer;
}

/**
 * Shuffled, unpacked batches without expandable segments: the cached blocks of earlier, shorter batches that reserved
 * keeps when nothing forces their release — up to everything that churns once more (fragmentationBytes). What a
 * roomy GPU's nvidia-smi may show beyond the estimate; released before an out-of-memory error, so not in the fit.
 */
export function cachedSpareBytes(shapes: ShapeRegime, expandable: boolean, dataChurnBytes: number): number {
  return shapes === 'variable' && !expandable ? Math.max(0, dataChurnBytes) : 0;
}

/** What the persistent inventory needs from a memory profile (memory.ts MemoryProfile). */
export interface InventoryInput {
  arch: Architecture;
  /** The base weights' tensors and bytes (frozen, or every weight for a full fine-tune). */
  weightBytes: number;
  /** The trainable tensors (techniques' adapters, or every parameter for a full fine-tune) and their bytes. */
  trainable: TensorGroup[];
  adapterBytes: number;
  optimizerStateBytes: number;
  /** Optimizer tensors per trainable tensor (AdamW: exp_avg and exp_avg_sq; + an fp32 master copy). */
  stateCopies: number;
  /** Every gradient of the trainable tensors (the profile's gradients per GPU). */
  gradientBytes: number;
  /** A frozen reference copy of the base (issue 19), laid out like the weights. */
  referenceBytes: number;
  expandable: boolean;
}

export interface PersistentRounding {
  /** Rounding of the weights, adapters and optimizer states (bytes). */
  statesBytes: number;
  /** Rounding per byte of gradients (gradients are laid out like the trainable tensors). */
  perGradientByte: number;
}

/** The persistent inventory's rounding: computed once per profile (memory.ts caches it). */
export function persistentRounding(p: InventoryInput): PersistentRounding {
  const params = parameterTensors(p.arch);
  const statesBytes =
    classRounding(params, p.weightBytes, 1, p.expandable) +
    classRounding(params, p.referenceBytes, 1, p.expandable) +
    classRounding(p.trainable, p.adapterBytes, 1, p.expandable) +
    classRounding(p.trainable, p.optimizerStateBytes, p.stateCopies, p.expandable);
  // One gradient per trainable tensor, at its own size; the moments of a step hold all of them or a part (the head's
  // first, one at a time in the optimizer-in-backward step), taken in proportion.
  const perGradientByte =
    p.gradientBytes > 0 ? classRounding(p.trainable, p.gradientBytes, 1, p.expandable) / p.gradientBytes : 0;
  return { statesBytes, perGradientByte };
}
