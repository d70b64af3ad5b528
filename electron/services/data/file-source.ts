/**
 * Node side of the data reader: a file on disk as a ByteSource (streamed with fs.createReadStream, random
 * reads with a file handle), the Arrow files of a `datasets.save_to_disk` folder, and a model folder's
 * tokenizer files.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ByteSource } from '../../../shared/data/byte-source';
import type { TokenizerFiles } from '../../../shared/data/token-count';
import { stripBom } from '../../../shared/text';

const CHUNK = 1024 * 1024;

export function fileSource(file: string): ByteSource {
  const size = fs.statSync(file).size;
  return {
    name: path.basename(file),
    size,
    async *stream() {
      // highWaterMark bounds the memory held: one 1 MiB chunk at a time.
      const stream = fs.createReadStream(file, { highWaterMark: CHUNK });
      try {
        for await (const chunk of stream) yield chunk as Buffer;
      } finally {
        stream.destroy();
      }
    },
    async read(start, end) {
      const handle = await fs.promises.open(file, 'r');
      try {
        const buf = Buffer.alloc(Math.max(0, end - start));
        await handle.read(buf, 0, buf.byteLength, start);
        return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
      } finally {
        await handle.close();
      }
    },
  };
}

/**
 * What a path the user gave means: a data file, or a `save_to_disk` folder (state.json lists its
 * `_data_files`, datasets/arrow_dataset.py `save_to_disk`); several shards become the parts of one source.
 */
export function dataSource(target: string): ByteSource {
  const stat = fs.statSync(target);
  if (!stat.isDirectory()) return fileSource(target);
  const state = path.join(target, 'state.json');
  if (!fs.existsSync(state))
    throw new Error(
      `${path.basename(target)} is a folder without state.json: ` +
        "pick a data file, or a folder written by datasets' save_to_disk",
    );
  const parsed = JSON.parse(stripBom(fs.readFileSync(state, 'utf8'))) as { _data_files?: { filename: string }[] };
  const files = (parsed._data_files ?? []).map((f) => path.join(target, path.basename(f.filename)));
  if (files.length === 0) throw new Error(`${path.basename(target)}/state.json lists no _data_files`);
  if (files.length === 1) return fileSource(files[0]!);
  const parts = files.map(fileSource);
  return {
    name: parts[0]!.name,
    size: parts.reduce((a, s) => a + s.size, 0),
    parts,
    stream: () => parts[0]!.stream(),
    read: (start, end) => parts[0]!.read(start, end),
  };
}

/** tokenizer.json + tokenizer_config.json (+ chat_template.jinja) from a model folder or a tokenizer.json path. */
export function loadTokenizerFiles(target: string): TokenizerFiles {
  const dir = fs.statSync(target).isDirectory() ? target : path.dirname(target);
  const read = (name: string): string | undefined => {
    const f = path.join(dir, name);
    return fs.existsSync(f) ? stripBom(fs.readFileSync(f, 'utf8')) : undefined;
  };
  const tokenizerText = read('tokenizer.json');
  if (!tokenizerText)
    throw new Error(
      `${dir} has no tokenizer.json: pick the model folder (as save_pretrained writes it) or its tokenizer.json`,
    );
  const configText = read('tokenizer_config.json');
  const parse = (text: string, name: string): Record<string, unknown> => {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`${name} is not valid JSON: ${(error as Error).message}`);
    }
  };
  const config = configText ? parse(configText, 'tokenizer_config.json') : {};
  const chatTemplate = read('chat_template.jinja');
  return {
    tokenizer: parse(tokenizerText, 'tokenizer.json'),
    config,
    ...(chatTemplate ? { chatTemplate } : {}),
    name:
      typeof config.tokenizer_class === 'string'
        ? `${path.basename(dir)} (${config.tokenizer_class})`
        : path.basename(dir),
  };
}
