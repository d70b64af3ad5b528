/**
 * One-time launch codes for browser mode (issue 11 item 11). The launcher must not put the token on
 * the browser's command line, where `ps` shows it to every local user; it asks the server for a code
 * instead (`POST /auth/code` with the token) and opens `/#code=CODE`. The page trades the code for the
 * token once (`POST /auth/redeem`). A code seen in a process list is therefore worth nothing once the
 * browser has used it, and nothing at all after LAUNCH_CODE_TTL_MS.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

/** Long enough for a cold browser start, short enough that a leaked code soon goes stale. */
export const LAUNCH_CODE_TTL_MS = 60_000;
/** A launcher needs one code per start; keep a few, never an unbounded list. */
export const MAX_OUTSTANDING_CODES = 8;

export type RedeemOutcome = 'ok' | 'used' | 'expired' | 'unknown';

export interface LaunchCodes {
  issue(): { code: string; expiresAt: number };
  redeem(code: string): RedeemOutcome;
}

export function createLaunchCodes(
  options: { now?: () => number; ttlMs?: number; random?: () => string } = {},
): LaunchCodes {
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? LAUNCH_CODE_TTL_MS;
  const random = options.random ?? (() => randomBytes(32).toString('base64url'));
  const codes: { code: Buffer; expiresAt: number; used: boolean }[] = [];

  return {
    issue() {
      const code = random();
      const expiresAt = now() + ttlMs;
      codes.push({ code: Buffer.from(code), expiresAt, used: false });
      while (codes.length > MAX_OUTSTANDING_CODES) codes.shift();
      return { code, expiresAt };
    },
    redeem(given) {
      const candidate = Buffer.from(given);
      // Constant-time comparison per entry, as for the token.
      const entry = codes.find((c) => c.code.length === candidate.length && timingSafeEqual(c.code, candidate));
      if (!entry) return 'unknown';
      if (entry.used) return 'used';
      if (now() > entry.expiresAt) return 'expired';
      entry.used = true;
      return 'ok';
    },
  };
}
