/**
 * The files the user picked, as the analysis reads them: a `File` streamed with File.stream() (nothing is
 * uploaded and nothing is read whole), and the tokenizer files picked one by one or as a model folder
 * (`<input webkitdirectory>`: each File carries its `webkitRelativePath`, "Llama-3-8B/tokenizer.json").
 */
import type { ByteSource } from '../../../shared/data/byte-source';
import type { TokenizerFiles } from '../../../shared/data/token-count';

/** A File as a ByteSource: streamed from the start, or sliced for Parquet's footer and row groups. */
export function fileByteSource(file: File): ByteSource {
  return {
    name: file.name,
    size: file.size,
    async *stream() {
      const reader = file.stream().getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        reader.releaseLock();
      }
    },
    read: (start, end) => file.slice(start, end).arrayBuffer(),
  };
}

/** The files that make a tokenizer, as transformers' save_pretrained writes them into a model folder. */
export interface TokenizerPick {
  json: File;
  config?: File;
  /** chat_template.jinja (transformers ≥ 4.43 saves the template there instead of in tokenizer_config.json). */
  template?: File;
  /** The folder's name when a folder was picked, "" when files were picked one by one; never a path. */
  name: string;
}

/** The tokenizer files among those picked (files or a whole folder), or a message naming what is missing. */
export function pickTokenizer(files: readonly File[]): TokenizerPick | string {
  const byName = (n: string) => files.find((f) => f.name === n);
  const json = byName('tokenizer.json');
  if (!json)
    return files.length === 0
      ? 'no files picked'
      : 'tokenizer.json is not among the files picked: pick the model folder (as save_pretrained writes it), ' +
          'or tokenizer.json with tokenizer_config.json';
  const config = byName('tokenizer_config.json');
  const template = byName('chat_template.jinja');
  // webkitRelativePath is "Folder/tokenizer.json" when a folder was picked, "" otherwise.
  const folder = json.webkitRelativePath ? json.webkitRelativePath.split('/').slice(-2, -1)[0] : undefined;
  return { json, ...(config ? { config } : {}), ...(template ? { template } : {}), name: folder ?? '' };
}

function parseJson(text: string, name: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
    return v as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${name} is not valid JSON: ${(error as Error).message}`);
  }
}

/** The picked files read and parsed, named as electron/services/data/file-source.ts loadTokenizerFiles names them. */
export async function readTokenizer(pick: TokenizerPick): Promise<TokenizerFiles> {
  const tokenizer = parseJson(await pick.json.text(), 'tokenizer.json');
  const config = pick.config ? parseJson(await pick.config.text(), 'tokenizer_config.json') : {};
  const chatTemplate = pick.template ? await pick.template.text() : undefined;
  return {
    tokenizer,
    config,
    ...(chatTemplate ? { chatTemplate } : {}),
    name:
      typeof config.tokenizer_class === 'string'
        ? pick.name
          ? `${pick.name} (${config.tokenizer_class})`
          : config.tokenizer_class
        : pick.name || 'tokenizer.json',
  };
}
