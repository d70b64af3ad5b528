/**
 * Text as files hold it. Windows editors (Notepad, PowerShell's `Out-File -Encoding utf8` before 6.0)
 * write a UTF-8 byte-order mark, and `JSON.parse` rejects U+FEFF at the start of a document
 * (ECMA-404 allows no BOM; ECMA-262 JSON.parse follows it). Every reader of user files strips it here.
 */
export const BOM = '\uFEFF';

export function stripBom(text: string): string {
  return text.startsWith(BOM) ? text.slice(1) : text;
}

/** `JSON.parse` for text read from a user's file: a leading BOM is not an error. */
export function parseJsonText(text: string): unknown {
  return JSON.parse(stripBom(text));
}
