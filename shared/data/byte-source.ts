/**
 * Where data bytes come from, without holding a file in memory: a Node file handle
 * (electron/services/data/file-source.ts) or a browser `File` (renderer/features/data/data-worker.ts).
 */
export interface ByteSource {
  /** The file's base name, used to pick the format (never stored unless the user asks). */
  name: string;
  /** Total size in bytes. */
  size: number;
  /** The bytes from the start, chunk by chunk (a chunk is a view the reader may keep until the next one). */
  stream(): AsyncIterable<Uint8Array>;
  /** Random access: Parquet reads its footer and then each row group. */
  read(start: number, end: number): Promise<ArrayBuffer>;
  /** Shards read one after the other (a save_to_disk folder with data-00000-of-00004.arrow, ...). */
  parts?: ByteSource[];
}

/** A ByteSource over bytes already in memory: tests and small browser files. */
export function memorySource(name: string, bytes: Uint8Array, chunkSize = 64 * 1024): ByteSource {
  return {
    name,
    size: bytes.byteLength,
    // eslint-disable-next-line @typescript-eslint/require-await -- an async iterable, as a file's would be
    async *stream() {
      for (let i = 0; i < bytes.byteLength; i += chunkSize)
        yield bytes.subarray(i, Math.min(i + chunkSize, bytes.byteLength));
    },
    read(start, end) {
      return Promise.resolve(bytes.slice(start, end).buffer);
    },
  };
}
