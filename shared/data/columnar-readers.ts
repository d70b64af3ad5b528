/**
 * Columnar formats, read a slice at a time: Parquet with hyparquet (one row group or 1,000 rows at a
 * time through `parquetReadObjects({rowStart, rowEnd})`) and the Arrow IPC stream that
 * `datasets.Dataset.save_to_disk` writes (`data-00000-of-00001.arrow`: pyarrow `ipc.new_stream`,
 * datasets/arrow_writer.py ArrowWriter) with apache-arrow's RecordBatchReader, one record batch at a time.
 * Rows become plain JSON values (nested lists of structs → arrays of objects) so the shape detector
 * sees the same thing as for JSON Lines.
 */
import { parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { RecordBatchReader } from 'apache-arrow';
import type { ByteSource } from './byte-source';
import type { RawItem } from './text-readers';

/** Arrow/Parquet values → plain JSON (Vectors and StructRows have toJSON; bigint → number). */
export function plain(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  if (Array.isArray(value)) return value.map(plain);
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return plain(withJson.toJSON());
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = plain(v);
  return out;
}

const PARQUET_SLICE_ROWS = 1000;

export async function* readParquet(source: ByteSource): AsyncGenerator<RawItem> {
  const file = {
    byteLength: source.size,
    slice: (start: number, end?: number) => source.read(start, end ?? source.size),
  };
  const metadata = await parquetMetadataAsync(file);
  const rows = Number(metadata.num_rows);
  for (let start = 0; start < rows; start += PARQUET_SLICE_ROWS) {
    const end = Math.min(rows, start + PARQUET_SLICE_ROWS);
    let objects: Record<string, unknown>[];
    try {
      objects = await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: end });
    } catch (error) {
      const message = (error as Error).message;
      // hyparquet decodes snappy and uncompressed pages itself; other codecs need hyparquet-compressors.
      throw new Error(
        /compression|codec|unsupported/i.test(message)
          ? `cannot read this Parquet file (${message}); ` +
              'write it with snappy or no compression (pandas/pyarrow default: snappy)'
          : `cannot read rows ${start + 1}–${end} of this Parquet file: ${message}`,
      );
    }
    for (let i = 0; i < objects.length; i++) yield { kind: 'record', line: start + i + 1, value: plain(objects[i]) };
  }
}

export async function* readArrow(source: ByteSource): AsyncGenerator<RawItem> {
  let row = 0;
  // Each shard of a save_to_disk folder is a complete IPC stream (its own schema message).
  for (const part of source.parts ?? [source]) {
    const reader = await RecordBatchReader.from(part.stream());
    for await (const batch of reader) {
      for (let i = 0; i < batch.numRows; i++) {
        row++;
        yield { kind: 'record', line: row, value: plain(batch.get(i)) };
      }
    }
  }
}
