/**
 * URL rules for the desktop window (no `electron` import, unit-tested in plain Node).
 * The app is served from `app://tuneplan/`; nothing else may load in the window.
 */
import { containedUrlPath } from '../services/contained-path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'tuneplan';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/** True only for URLs of our own app origin. */
export function isAppUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
  } catch {
    return false;
  }
}

/**
 * Maps an app:// request to a file under `root`, or null for anything else or any path escape —
 * including a symlink whose target is outside `root` (net.fetch on a file: URL would follow it).
 */
export function resolveAppRequest(raw: string, root: string): string | null {
  if (!isAppUrl(raw)) return null;
  let pathname: string;
  try {
    pathname = new URL(raw).pathname;
  } catch {
    return null;
  }
  return containedUrlPath(root, pathname);
}

/** Links the user clicks may open in the system browser: http(s) only, never file:, javascript: etc. */
export function isSafeExternalUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}
