/**
 * Streamed readers for the text formats `datasets.load_dataset` accepts: JSON Lines, a JSON array of
 * objects, and CSV (RFC 4180). Each yields one item per record without holding the file: the memory
 * held is one chunk plus the record being read. A record that does not parse is an item of kind
 * 'malformed' with its line number — never an exception — so one bad line does not stop the run.
 */
import type { ByteSource } from './byte-source';

export type RawItem =
  { kind: 'record'; line: number; value: unknown } | { kind: 'malformed'; line: number; message: string };

/** One record larger than this is reported as malformed and skipped, so memory stays bounded. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

const NL = 10;
const CR = 13;

function stripBomBytes(chunk: Uint8Array, first: boolean): Uint8Array {
  // The UTF-8 byte-order mark (EF BB BF) that Windows editors write; see shared/text.ts.
  return first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? chunk.subarray(3) : chunk;
}

/** Lines as UTF-8 strings with their 1-based numbers; CRLF and a BOM are handled, empty lines skipped. */
export async function* readLines(source: ByteSource): AsyncGenerator<{ line: number; text: string } | RawItem> {
  const decoder = new TextDecoder('utf-8');
  let parts: Uint8Array[] = [];
  let partBytes = 0;
  let overlong = false;
  let line = 1;
  let first = true;
  const finish = (tail: Uint8Array): { line: number; text: string } | RawItem | null => {
    const n = line;
    line++;
    if (overlong) {
      overlong = false;
      parts = [];
      partBytes = 0;
      return { kind: 'malformed', line: n, message: `longer than ${MAX_RECORD_BYTES / 2 ** 20} MiB; skipped` };
    }
    let bytes = tail;
    if (parts.length) {
      bytes = new Uint8Array(partBytes + tail.byteLength);
      let o = 0;
      for (const p of parts) {
        bytes.set(p, o);
        o += p.byteLength;
      }
      bytes.set(tail, o);
      parts = [];
      partBytes = 0;
    }
    let end = bytes.byteLength;
    if (end > 0 && bytes[end - 1] === CR) end--;
    if (end === 0) return null;
    const text = decoder.decode(bytes.subarray(0, end));
    return text.trim() === '' ? null : { line: n, text };
  };
  for await (const raw of source.stream()) {
    const chunk = stripBomBytes(raw, first);
    first = false;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      if (nl < 0) break;
      const item = finish(chunk.subarray(start, nl));
      if (item) yield item;
      start = nl + 1;
    }
    if (start < chunk.byteLength) {
      if (overlong || partBytes + chunk.byteLength - start > MAX_RECORD_BYTES) {
        overlong = true;
        parts = [];
        partBytes = 0;
      } else {
        // Copy: the source may reuse its buffer for the next chunk.
        parts.push(chunk.slice(start));
        partBytes += chunk.byteLength - start;
      }
    }
  }
  if (partBytes > 0 || overlong) {
    const item = finish(new Uint8Array(0));
    if (item) yield item;
  }
}

function describeJsonError(error: unknown): string {
  return `not valid JSON (${(error as Error).message})`.slice(0, 300);
}

/** JSON Lines: one JSON value per line (https://jsonlines.org). */
export async function* readJsonLines(source: ByteSource): AsyncGenerator<RawItem> {
  for await (const item of readLines(source)) {
    if ('kind' in item) {
      yield item;
      continue;
    }
    try {
      yield { kind: 'record', line: item.line, value: JSON.parse(item.text) };
    } catch (error) {
      yield { kind: 'malformed', line: item.line, message: describeJsonError(error) };
    }
  }
}

/**
 * A JSON document: an array of records, streamed element by element (a byte scanner tracks strings and
 * nesting, then each element goes through JSON.parse). A document that starts with `{` is read as JSON
 * Lines, as `datasets`' json builder does (datasets/packaged_modules/json/json.py falls back to
 * line-by-line reading when the file is not one JSON array).
 */
export async function* readJsonArray(source: ByteSource): AsyncGenerator<RawItem> {
  // Find the first significant byte.
  let firstByte = -1;
  let skippedBom = false;
  for await (const raw of source.stream()) {
    const chunk = stripBomBytes(raw, !skippedBom);
    skippedBom = true;
    for (const b of chunk) {
      if (b !== 0x20 && b !== 0x09 && b !== NL && b !== CR) {
        firstByte = b;
        break;
      }
    }
    if (firstByte >= 0) break;
  }
  if (firstByte < 0) return;
  if (firstByte !== 0x5b /* [ */) {
    yield* readJsonLines(source);
    return;
  }
  const decoder = new TextDecoder('utf-8');
  let depth = 0;
  let inString = false;
  let escape = false;
  let line = 1;
  let elementLine = 0;
  let parts: Uint8Array[] = [];
  let partBytes = 0;
  let elementStart = -1; // index in the current chunk where the element started, or -1
  let first = true;
  let ended = false;
  const emit = (chunk: Uint8Array, end: number): RawItem | null => {
    const tail = chunk.subarray(Math.max(elementStart, 0), end);
    let bytes = tail;
    if (parts.length) {
      bytes = new Uint8Array(partBytes + tail.byteLength);
      let o = 0;
      for (const p of parts) {
        bytes.set(p, o);
        o += p.byteLength;
      }
      bytes.set(tail, o);
    }
    parts = [];
    partBytes = 0;
    elementStart = -1;
    const text = decoder.decode(bytes).trim();
    if (text === '') return null;
    try {
      return { kind: 'record', line: elementLine, value: JSON.parse(text) };
    } catch (error) {
      return { kind: 'malformed', line: elementLine, message: describeJsonError(error) };
    }
  };
  for await (const raw of source.stream()) {
    const chunk = stripBomBytes(raw, first);
    first = false;
    let inElement = elementStart >= 0 || partBytes > 0;
    if (inElement) elementStart = 0;
    for (let i = 0; i < chunk.byteLength && !ended; i++) {
      const b = chunk[i]!;
      if (b === NL) line++;
      if (inString) {
        if (escape) escape = false;
        else if (b === 0x5c) escape = true;
        else if (b === 0x22) inString = false;
        continue;
      }
      if (b === 0x22) {
        inString = true;
        if (depth === 1 && !inElement) {
          inElement = true;
          elementStart = i;
          elementLine = line;
        }
        continue;
      }
      if (b === 0x5b || b === 0x7b) {
        depth++;
        if (depth === 2 && !inElement) {
          inElement = true;
          elementStart = i;
          elementLine = line;
        }
        continue;
      }
      if (depth === 1 && (b === 0x2c || b === 0x5d)) {
        if (inElement) {
          const item = emit(chunk, i);
          if (item) yield item;
          inElement = false;
        }
        if (b === 0x5d) {
          depth = 0;
          ended = true;
        }
        continue;
      }
      if (b === 0x5d || b === 0x7d) {
        depth--;
        continue;
      }
      if (depth === 1 && !inElement && b !== 0x20 && b !== 0x09 && b !== NL && b !== CR) {
        inElement = true;
        elementStart = i;
        elementLine = line;
      }
    }
    if (ended) return;
    if (inElement) {
      const start = Math.max(elementStart, 0);
      if (partBytes + chunk.byteLength - start > MAX_RECORD_BYTES) {
        throw new Error(`record at line ${elementLine} is longer than ${MAX_RECORD_BYTES / 2 ** 20} MiB`);
      }
      parts.push(chunk.slice(start));
      partBytes += chunk.byteLength - start;
      elementStart = -1;
    }
  }
  if (partBytes > 0) {
    yield { kind: 'malformed', line: elementLine, message: 'the JSON array ends before this record closes' };
  }
}

/**
 * CSV as RFC 4180 (https://www.rfc-editor.org/rfc/rfc4180) and Python's csv module write it: the first
 * row names the columns, quoted fields may hold commas, `""` and line breaks; CRLF or LF. A row with a
 * different number of fields than the header is malformed.
 */
export async function* readCsv(source: ByteSource): AsyncGenerator<RawItem> {
  const decoder = new TextDecoder('utf-8');
  let header: string[] | null = null;
  let field = '';
  let row: string[] = [];
  let inQuotes = false;
  let quoteSeen = false; // just closed a quote: a following `"` is an escaped quote
  let quotedRow = false; // a quoted field makes a row real even when it is `""` alone
  let line = 1;
  let rowLine = 1;
  let rowChars = 0;
  let first = true;
  const endRow = (): RawItem | null => {
    row.push(field);
    field = '';
    const cells = row;
    row = [];
    const n = rowLine;
    rowChars = 0;
    const quoted = quotedRow;
    quotedRow = false;
    if (cells.length === 1 && cells[0] === '' && !quoted) return null; // empty line
    if (!header) {
      header = cells.map((c) => c.trim());
      return null;
    }
    if (cells.length !== header.length)
      return {
        kind: 'malformed',
        line: n,
        message: `${cells.length} fields where the header names ${header.length}`,
      };
    const value: Record<string, string> = {};
    header.forEach((h, i) => (value[h] = cells[i]!));
    return { kind: 'record', line: n, value };
  };
  for await (const raw of source.stream()) {
    let text = decoder.decode(raw, { stream: true });
    if (first && text.startsWith('\uFEFF')) text = text.slice(1);
    first = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (inQuotes) {
        if (c === '"') {
          inQuotes = false;
          quoteSeen = true;
        } else {
          if (c === '\n') line++;
          field += c;
        }
        continue;
      }
      if (c === '"') {
        if (quoteSeen) field += '"';
        inQuotes = true;
        quotedRow = true;
        quoteSeen = false;
        continue;
      }
      const afterQuote = quoteSeen;
      quoteSeen = false;
      if (c === ',') {
        row.push(field);
        field = '';
      } else if (c === '\n') {
        line++;
        // CRLF: the CR before the LF ends the row; a CR inside quotes (`"…\r"`) is data.
        if (!afterQuote && field.endsWith('\r')) field = field.slice(0, -1);
        const item = endRow();
        rowLine = line;
        if (item) yield item;
      } else field += c;
      if (++rowChars > MAX_RECORD_BYTES) throw new Error(`row at line ${rowLine} is longer than 64 MiB`);
    }
  }
  if (field !== '' || row.length) {
    if (field.endsWith('\r')) field = field.slice(0, -1);
    const item = endRow();
    if (item) yield item;
  }
}
