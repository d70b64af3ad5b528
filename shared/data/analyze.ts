/**
 * One analysis of a data file: read it streamed, turn each record into the sequences training builds,
 * count their tokens, and keep only numbers. The examples themselves are dropped as soon as they are
 * counted; what is returned is a DataStats (shared/domain/data-stats.ts).
 *
 * Quick pass: a first read measures every example's size (characters of the rendered fields); a second
 * read counts an evenly spaced sample exactly; the rest are extrapolated with the ratio estimator
 * with the regression estimator (tokens ≈ a + b · characters fitted on the sample; Cochran, Sampling
 * Techniques, 3rd ed., §7.1–7.3 for its variance). Ranges use the fit's 5th–95th percentile error per
 * example, and ±3 standard errors for the total. The full pass counts every example exactly.
 */
import type { DataAnalysisOptions, DataFormat, DataStats, LineIssue } from '../domain/data-stats';
import { batchingFromLengths, histogram, percentile } from './batching';
import type { ByteSource } from './byte-source';
import { readArrow, readParquet } from './columnar-readers';
import { detectShape, mappedRule, UnknownShapeError, type Sequence, type ShapeRule } from './shapes';
import { readCsv, readJsonArray, readJsonLines, type RawItem } from './text-readers';
import { sequenceChars, type TokenCounter } from './token-count';

export interface DataProgress {
  phase: 'scan' | 'count';
  /** Bytes read in this phase, of `bytesTotal`. */
  bytesRead: number;
  bytesTotal: number;
  /** Examples read and examples counted so far. */
  examples: number;
  counted: number;
  /** Examples the count phase will count (known after the scan; 0 before). */
  toCount: number;
}

export interface AnalyzeInput {
  source: ByteSource;
  counter: TokenCounter;
  options: DataAnalysisOptions;
  onProgress?: (p: DataProgress) => void;
  signal?: AbortSignal;
  now?: () => number;
}

export class DataCancelled extends Error {
  constructor() {
    super('the data analysis was cancelled');
  }
}

/** The format from the file name, else from the first bytes (Parquet "PAR1", Arrow stream 0xFFFFFFFF, `[` or `{`). */
export async function detectFormat(source: ByteSource): Promise<DataFormat> {
  const name = source.name.toLowerCase();
  if (/\.(jsonl|ndjson)(\.txt)?$/.test(name)) return 'jsonl';
  if (name.endsWith('.json')) return 'json';
  if (name.endsWith('.csv')) return 'csv';
  if (name.endsWith('.parquet')) return 'parquet';
  if (name.endsWith('.arrow')) return 'arrow';
  const head = new Uint8Array(await source.read(0, Math.min(source.size, 8)));
  if (head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31) return 'parquet';
  if (head[0] === 0xff && head[1] === 0xff && head[2] === 0xff && head[3] === 0xff) return 'arrow';
  const first = new TextDecoder()
    .decode(head)
    .replace(/^\uFEFF/, '')
    .trimStart()[0];
  if (first === '[') return 'json';
  if (first === '{') return 'jsonl';
  throw new Error(
    `cannot tell the format of "${source.name}": ` +
      "name it .jsonl, .json, .csv, .parquet or .arrow (datasets.save_to_disk's data-*.arrow)",
  );
}

function countingSource(source: ByteSource, onBytes: (n: number) => void): ByteSource {
  return {
    name: source.name,
    size: source.size,
    ...(source.parts ? { parts: source.parts.map((p) => countingSource(p, onBytes)) } : {}),
    async *stream() {
      for await (const chunk of source.stream()) {
        onBytes(chunk.byteLength);
        yield chunk;
      }
    },
    async read(start, end) {
      const buf = await source.read(start, end);
      onBytes(buf.byteLength);
      return buf;
    },
  };
}

function reader(format: DataFormat, source: ByteSource): AsyncGenerator<RawItem> {
  switch (format) {
    case 'jsonl':
      return readJsonLines(source);
    case 'json':
      return readJsonArray(source);
    case 'csv':
      return readCsv(source);
    case 'parquet':
      return readParquet(source);
    case 'arrow':
      return readArrow(source);
  }
}

class GrowableArray {
  data = new Float64Array(1024);
  length = 0;
  push(v: number) {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  view(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

const ISSUES_KEPT = 20;

export async function analyzeData(input: AnalyzeInput): Promise<DataStats> {
  const { counter, options, signal } = input;
  const now = input.now ?? (() => performance.now());
  const started = now();
  const format = await detectFormat(input.source);
  let bytesRead = 0;
  const source = countingSource(input.source, (n) => (bytesRead += n));
  let phase: DataProgress['phase'] = 'scan';
  let examples = 0;
  let counted = 0;
  let toCount = 0;
  let lastReport = now();
  let lastYield = now();
  const report = () =>
    input.onProgress?.({ phase, bytesRead, bytesTotal: input.source.size, examples, counted, toCount });
  // Progress at most every 200 ms (the UI redraws), and a macrotask yield every 100 ms so a worker sees
  // its cancel message even when every read is served from memory.
  const tick = async () => {
    if (signal?.aborted) throw new DataCancelled();
    const t = now();
    if (t - lastReport >= 200) {
      lastReport = t;
      report();
    }
    if (t - lastYield >= 100) {
      lastYield = t;
      await new Promise((r) => setTimeout(r, 0));
      if (signal?.aborted) throw new DataCancelled();
    }
  };

  let rule: ShapeRule | null = options.mapping ? mappedRule(options.mapping) : null;
  let records = 0;
  const malformed: LineIssue[] = [];
  let malformedCount = 0;
  const skipped: LineIssue[] = [];
  let skippedCount = 0;
  const warnings: string[] = [];
  let spe: 1 | 2 = 1;
  let examplesWithImages = 0;
  let imageCount = 0;
  let labelled = 0;

  /** Every valid example's sequences, in file order, with its 0-based example index. */
  // `tally`: the first read of the file counts records and issues; a second read (quick pass) does not.
  async function* examplesOf(tally = true): AsyncGenerator<{ index: number; sequences: Sequence[] }> {
    let index = 0;
    for await (const item of reader(format, source)) {
      await tick();
      if (tally) records++;
      if (item.kind === 'malformed') {
        if (tally) {
          malformedCount++;
          if (malformed.length < ISSUES_KEPT) malformed.push({ line: item.line, message: item.message });
        }
        continue;
      }
      if (!rule) {
        rule = detectShape(item.value);
        if (!rule)
          throw new UnknownShapeError(
            item.value && typeof item.value === 'object' && !Array.isArray(item.value) ? Object.keys(item.value) : [],
          );
      }
      const value = item.value && typeof item.value === 'object' ? (item.value as Record<string, unknown>) : {};
      if (tally) {
        const images = imagesIn(value);
        if (images > 0) {
          examplesWithImages++;
          imageCount += images;
        }
        if (labelKeyOf(value) !== null) labelled++;
      }
      const sequences = rule.toSequences(value);
      if (typeof sequences === 'string') {
        if (tally) {
          skippedCount++;
          if (skipped.length < ISSUES_KEPT) skipped.push({ line: item.line, message: sequences.slice(0, 500) });
        }
        continue;
      }
      if (sequences.length === 2) spe = 2;
      yield { index: index++, sequences };
    }
  }

  const countExample = (sequences: Sequence[]): number => {
    let max = 0;
    for (const s of sequences) max = Math.max(max, counter.count(s));
    return max;
  };
  const sizeOf = (sequences: Sequence[]) => Math.max(...sequences.map(sequenceChars));

  const lengths = new GrowableArray();
  let exact = true;
  let note: string;
  // Per-example lengths at the low and high end of the range; null = the point values (exact).
  let lo: Float64Array | null = null;
  let hi: Float64Array | null = null;
  let totalRange: [number, number];

  const quick = options.pass === 'quick' && counter.info.kind === 'tokenizer';
  let sampled = 0;
  if (quick) {
    const sizes = new GrowableArray();
    for await (const ex of examplesOf()) {
      examples = ex.index + 1;
      sizes.push(sizeOf(ex.sequences));
    }
    const n = sizes.length;
    const wanted = Math.min(options.sampleSize, n);
    phase = 'count';
    toCount = wanted;
    bytesRead = 0;
    report();
    if (wanted === n) {
      for await (const ex of examplesOf(false)) {
        lengths.push(countExample(ex.sequences));
        counted++;
      }
      sampled = n;
      note =
        `every one of the ${n.toLocaleString('en-US')} examples counted with the tokenizer ` +
        `(the file holds fewer than the ${options.sampleSize.toLocaleString('en-US')}-example sample)`;
      const t = lengths.view().reduce((a, v) => a + v, 0);
      totalRange = [t, t];
    } else {
      // Evenly spaced: example floor((j + ½)·N / n) for j = 0..n−1.
      const sampleIdx = new Int32Array(wanted);
      for (let j = 0; j < wanted; j++) sampleIdx[j] = Math.floor(((j + 0.5) * n) / wanted);
      const sampleTokens = new Float64Array(wanted);
      let j = 0;
      for await (const ex of examplesOf(false)) {
        if (j < wanted && ex.index === sampleIdx[j]) {
          sampleTokens[j] = countExample(ex.sequences);
          counted++;
          j++;
        }
        if (j >= wanted) break;
      }
      sampled = j;
      const sz = sizes.view();
      // Least-squares line tokens = a + b · characters over the sample: the intercept carries the chat
      // template's fixed tokens per example, which a plain ratio would spread over the characters.
      let mc = 0;
      let mt = 0;
      for (let k = 0; k < wanted; k++) {
        mc += sz[sampleIdx[k]!]!;
        mt += sampleTokens[k]!;
      }
      mc /= wanted;
      mt /= wanted;
      let sxy = 0;
      let sxx = 0;
      for (let k = 0; k < wanted; k++) {
        const dc = sz[sampleIdx[k]!]! - mc;
        sxy += dc * (sampleTokens[k]! - mt);
        sxx += dc * dc;
      }
      const slope = sxx > 0 ? sxy / sxx : 0;
      const intercept = mt - slope * mc;
      const residuals = new Float64Array(wanted);
      let se2 = 0;
      for (let k = 0; k < wanted; k++) {
        residuals[k] = sampleTokens[k]! - (intercept + slope * sz[sampleIdx[k]!]!);
        se2 += residuals[k]! ** 2;
      }
      se2 /= Math.max(1, wanted - 2);
      residuals.sort();
      const eLo = percentile(residuals, 5);
      const eHi = percentile(residuals, 95);
      const point = new Float64Array(n);
      const low = new Float64Array(n);
      const high = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const pred = intercept + slope * sz[i]!;
        point[i] = Math.max(1, Math.round(pred));
        low[i] = Math.max(1, Math.round(pred + eLo));
        high[i] = Math.max(1, Math.round(pred + eHi));
      }
      for (let k = 0; k < wanted; k++)
        point[sampleIdx[k]!] = low[sampleIdx[k]!] = high[sampleIdx[k]!] = sampleTokens[k]!;
      lo = low;
      hi = high;
      for (const v of point) lengths.push(v);
      // Regression-estimator variance of the total: N²(1 − f)/n · s_e² (Cochran, §7.3).
      const total = point.reduce((a, v) => a + v, 0);
      const sd = Math.sqrt(((n * n * (1 - wanted / n)) / wanted) * se2);
      totalRange = [Math.max(0, total - 3 * sd), total + 3 * sd];
      exact = false;
      note =
        `quick pass: ${wanted.toLocaleString('en-US')} of ${n.toLocaleString('en-US')} examples (evenly spaced) ` +
        'counted with the tokenizer; the rest extrapolated from their size ' +
        `(${intercept.toFixed(1)} + ${slope.toFixed(3)} tokens per character, fitted on the sample). ` +
        "Ranges: the fit's 5th–95th percentile error per example, ±3 standard errors for the total. " +
        'Run the full pass for exact figures.';
    }
  } else {
    phase = 'count';
    for await (const ex of examplesOf()) {
      examples = ex.index + 1;
      lengths.push(countExample(ex.sequences));
      counted++;
    }
    sampled = counted;
    if (counter.info.kind === 'bytes') {
      exact = false;
      const [fLo, fHi] = counter.rangeFactor;
      lo = lengths.view().map((v) => Math.round(v * fLo));
      hi = lengths.view().map((v) => Math.round(v * fHi));
      note =
        `no tokenizer: tokens estimated from UTF-8 bytes at ${counter.info.bytesPerToken} bytes per token ` +
        `(range ${counter.info.bytesPerTokenRange[1]}–${counter.info.bytesPerTokenRange[0]}). ` +
        "Pick the model's tokenizer for exact counts.";
    } else {
      note = `full pass: all ${counted.toLocaleString('en-US')} examples counted with the tokenizer`;
    }
    const t = lengths.view().reduce((a, v) => a + v, 0);
    totalRange = exact ? [t, t] : [t * counter.rangeFactor[0], t * counter.rangeFactor[1]];
  }
  examples = lengths.length;
  counted = quick ? sampled : counted;
  report();
  if (examples === 0 && records > 0 && !rule && malformedCount === records)
    warnings.push('every record is malformed: check the file is JSON Lines (one JSON object per line)');
  if (examples === 0) warnings.push('the file holds no usable examples');
  if (malformedCount > 0)
    warnings.push(
      `${malformedCount.toLocaleString('en-US')} malformed record(s) left out (first at line ${malformed[0]?.line})`,
    );
  if (skippedCount > 0)
    warnings.push(
      `${skippedCount.toLocaleString('en-US')} record(s) without the shape's fields left out ` +
        `(first at line ${skipped[0]?.line})`,
    );

  // Issue 16: what the reader does not count, said plainly. Images are not tokenized here: a vision-language plan
  // takes their tokens from the model's vision config and the plan's images per example.
  if (examplesWithImages > 0)
    warnings.push(
      `${examplesWithImages.toLocaleString('en-US')} record(s) carry ${imageCount.toLocaleString('en-US')} image(s) ` +
        `(${(imageCount / examplesWithImages).toFixed(2)} per record that has any): only their text is counted ` +
        `here. Set the plan's images per example; each image's tokens come from the model's vision config.`,
    );
  if (labelled > 0 && labelled === records - malformedCount)
    warnings.push(
      'the records have a label field: their text is counted as a causal language model reads it. Tuneplan ' +
        'does not read classification or sequence-to-sequence data yet (labels, source and target apart).',
    );

  const sorted = lengths.view().slice().sort();
  const sortedLo = lo ? lo.slice().sort() : sorted;
  const sortedHi = hi ? hi.slice().sort() : sorted;
  const q = (a: Float64Array, p: number) => percentile(a, p);
  const total = sorted.reduce((a, v) => a + v, 0);
  const opts = {
    microBatch: options.microBatch,
    seqLen: options.seqLen,
    overflow: options.overflow,
    sequencesPerExample: spe,
  };
  const batching = batchingFromLengths(sorted, opts);
  if (!exact) {
    batching.tokensPerEpochRange = [
      batchingFromLengths(sortedLo, opts).tokensPerEpoch,
      batchingFromLengths(sortedHi, opts).tokensPerEpoch,
    ];
  }
  if (batching.overSeqLen > 0)
    warnings.push(
      `${batching.overSeqLen.toLocaleString('en-US')} example(s) are longer than the sequence length ` +
        `${options.seqLen} and will be ${options.overflow === 'drop' ? 'dropped' : 'truncated'}`,
    );
  const stats: DataStats = {
    version: 1,
    source: {
      format,
      shape: rule?.shape ?? 'text',
      ...(options.keepName ? { name: input.source.name.split(/[\\/]/).pop()!.slice(0, 300) } : {}),
      fileBytes: input.source.size,
      records,
    },
    tokenizer: counter.info,
    pass: { kind: quick ? 'quick' : 'full', counted: sampled, exact, note: note.slice(0, 1000) },
    examples,
    malformed: { count: malformedCount, first: malformed },
    skipped: { count: skippedCount, first: skipped },
    warnings: warnings.slice(0, 20),
    totalTokens: total * spe,
    totalTokensRange: [totalRange[0] * spe, totalRange[1] * spe],
    lengths: {
      sequencesPerExample: spe,
      mean: examples ? total / examples : 0,
      p50: q(sorted, 50),
      p95: q(sorted, 95),
      p99: q(sorted, 99),
      max: q(sorted, 100),
      p50Range: [q(sortedLo, 50), q(sortedHi, 50)],
      p95Range: [q(sortedLo, 95), q(sortedHi, 95)],
      maxRange: [q(sortedLo, 100), q(sortedHi, 100)],
      quantiles: Array.from({ length: 101 }, (_, p) => q(sorted, p)),
      longest: Array.from(sorted.subarray(Math.max(0, sorted.length - 256))).reverse(),
      histogram: histogram(sorted),
    },
    batching,
    seconds: (now() - started) / 1000,
  };
  return stats;
}

/**
 * Images in one record: an `images` list or an `image` field (TRL's and LLaVA's dataset columns), else the content
 * parts of type image / image_url / input_image in its messages (the transformers and OpenAI chat formats).
 */
function imagesIn(record: Record<string, unknown>): number {
  // TRL's vision datasets hold the images in an `images` column and mark where each goes with an {"type": "image"}
  // part: the column is the count, the parts are not counted again.
  if (Array.isArray(record.images)) return record.images.length;
  if (record.image !== undefined && record.image !== null) return 1;
  let n = 0;
  for (const key of ['messages', 'conversations', 'prompt', 'completion', 'chosen', 'rejected']) {
    const messages = record[key];
    if (!Array.isArray(messages)) continue;
    for (const m of messages) {
      const content = m && typeof m === 'object' ? (m as { content?: unknown }).content : undefined;
      if (!Array.isArray(content)) continue;
      for (const part of content) {
        const type = part && typeof part === 'object' ? (part as { type?: unknown }).type : undefined;
        if (type === 'image' || type === 'image_url' || type === 'input_image') n++;
      }
    }
  }
  return n;
}

/** The record's classification label field, if it has one (`label`, `labels`; datasets' ClassLabel columns). */
function labelKeyOf(record: Record<string, unknown>): string | null {
  for (const key of ['label', 'labels'])
    if (typeof record[key] === 'number' || typeof record[key] === 'string') return key;
  return null;
}
