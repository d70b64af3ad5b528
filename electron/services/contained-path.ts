/**
 * Maps a request path to a file inside a served folder, refusing both `..` escapes and symlinks
 * whose target lies outside the folder (issue 11 item 10). Shared by browser mode's static files
 * (electron/web/server.ts) and the desktop app's app:// protocol (electron/main/url-guards.ts).
 */
import fs from 'node:fs';
import path from 'node:path';

const isInside = (root: string, full: string) => full.startsWith(root + path.sep);

/**
 * Returns the real path (every symlink resolved) of `relative` under `root` when it exists and stays
 * inside the real root, the lexical path when nothing exists there (the caller answers 404 or falls
 * back), or null when it escapes. Callers read the returned path, so a link is never followed twice.
 */
export function containedPath(root: string, relative: string): string | null {
  const base = path.resolve(root);
  const full = path.resolve(base, relative);
  if (!isInside(base, full)) return null;
  let real: string;
  try {
    real = fs.realpathSync(full);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Nothing there (or a dangling link): there is nothing to serve either way.
    return code === 'ENOENT' || code === 'ENOTDIR' ? full : null;
  }
  let realRoot: string;
  try {
    realRoot = fs.realpathSync(base);
  } catch {
    return null;
  }
  return isInside(realRoot, real) ? real : null;
}

/**
 * Maps a URL's path (percent-encoded, as in the request) to a file under `root` with containedPath: `/` is
 * index.html; a path that does not decode or holds a NUL byte is refused (null).
 */
export function containedUrlPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  return containedPath(root, relative);
}
