#!/usr/bin/env node
/**
 * `npm run check:lines` (issue 13): no line over 120 characters outside generated files and snapshots.
 * Prettier (print width 120) wraps code but leaves long string literals, template literals, comments and
 * Markdown tables alone, so this check covers what it cannot.
 *
 * Files: tracked plus untracked-but-not-ignored (`git ls-files --cached --others --exclude-standard`), less
 * what .prettierignore lists (generated output, snapshots, fixtures, catalog data, lock file, plan.schema.json,
 * screenshots: kept byte-for-byte as written), less every *.json file (data, or configs Prettier formats)
 * and binary files. Width counts characters (Unicode code points), not bytes, so "—" or "×" count as one.
 * Prints `file:line (N chars)` for each long line and exits 1 when there is any.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAX_LINE_CHARS = 120;

const BINARY_EXTENSIONS = new Set(
  'png jpg jpeg gif ico icns webp woff woff2 ttf otf sqlite db gz zip tgz parquet arrow bin pdf'.split(' '),
);

/**
 * A matcher for the gitignore-style patterns of .prettierignore: `#` comments, a trailing `/` for a folder,
 * a leading or inner `/` anchors the pattern at the root, `*` matches within one path segment, `**` across.
 * Negations (`!`) are not used there and are refused so a new one cannot be silently ignored.
 * @param {string} text
 * @returns {(file: string) => boolean}
 */
export function ignoreMatcher(text) {
  const regexes = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (line.startsWith('!')) throw new Error(`.prettierignore: negated pattern "${line}" is not supported here`);
    const dir = line.endsWith('/');
    let pattern = line.replace(/^\/|\/$/g, '');
    const anchored = line.slice(0, -1).includes('/');
    const body = pattern
      .split('**')
      .map((part) =>
        part
          .split('*')
          .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('[^/]*'),
      )
      .join('.*');
    pattern = `${anchored ? '^' : '(?:^|/)'}${body}${dir ? '/' : '(?:$|/)'}`;
    regexes.push(new RegExp(pattern));
  }
  return (file) => regexes.some((r) => r.test(file));
}

/**
 * The long lines of one file's text.
 * @param {string} text
 * @param {number} [max]
 * @returns {{ line: number, chars: number }[]}
 */
export function longLines(text, max = MAX_LINE_CHARS) {
  const out = [];
  text.split('\n').forEach((line, i) => {
    const chars = [...line.replace(/\r$/, '')].length;
    if (chars > max) out.push({ line: i + 1, chars });
  });
  return out;
}

/**
 * Which files are checked: not ignored, not JSON, not binary by name.
 * @param {string[]} files paths relative to the root, with `/`
 * @param {(file: string) => boolean} ignored
 * @returns {string[]}
 */
export function filesToCheck(files, ignored) {
  return files.filter((f) => {
    const ext = path.posix.extname(f).slice(1).toLowerCase();
    return !ignored(f) && ext !== 'json' && !BINARY_EXTENSIONS.has(ext);
  });
}

function gitFiles(root) {
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`git ls-files failed: ${r.stderr || r.error?.message || r.status}`);
  return [...new Set(r.stdout.split('\0').filter(Boolean))];
}

/**
 * @param {string} root
 * @returns {{ file: string, line: number, chars: number }[]}
 */
export function checkLineLength(root) {
  const ignoreFile = path.join(root, '.prettierignore');
  const ignored = ignoreMatcher(fs.existsSync(ignoreFile) ? fs.readFileSync(ignoreFile, 'utf8') : '');
  const found = [];
  for (const file of filesToCheck(gitFiles(root), ignored)) {
    const full = path.join(root, file);
    let buffer;
    try {
      if (!fs.statSync(full).isFile()) continue;
      buffer = fs.readFileSync(full);
    } catch {
      continue; // Tracked but deleted in the working tree.
    }
    if (buffer.subarray(0, 8000).includes(0)) continue; // Binary.
    for (const hit of longLines(buffer.toString('utf8'))) found.push({ file, ...hit });
  }
  return found;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const found = checkLineLength(root);
  for (const { file, line, chars } of found) console.log(`${file}:${line} (${chars} chars)`);
  if (found.length) {
    const files = new Set(found.map((f) => f.file)).size;
    console.error(
      `${found.length} line(s) over ${MAX_LINE_CHARS} characters in ${files} file(s). ` +
        'Split long strings into concatenations (same text), re-wrap comments, turn wide Markdown tables into lists.',
    );
    process.exit(1);
  }
  console.log(`No line over ${MAX_LINE_CHARS} characters.`);
}
