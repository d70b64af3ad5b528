/**
 * Browser mode's transport: the same dispatch as Electron IPC, over HTTP on 127.0.0.1.
 * Wire shape: `POST /api/<channel>` with the JSON input as body and `Authorization: Bearer <token>`,
 * answering the Result JSON. Every request must carry the loopback Host it is served on (DNS
 * rebinding), API calls need the per-launch token, and a foreign Origin is refused.
 */
import { timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { fail, ok, type ErrorCode, type Result } from '../../shared/result';
import type { Dispatch } from '../../shared/handlers';
import { containedUrlPath } from '../services/contained-path';
import { CONTENT_SECURITY_POLICY } from '../../shared/security';
import { createLaunchCodes, LAUNCH_CODE_TTL_MS, type LaunchCodes } from './launch-codes';

export const MAX_BODY_BYTES = 6 * 1024 * 1024; // plan imports are capped at 5 MB; leave room for the envelope
/**
 * An oversize body is read to its end and thrown away so the client gets its 413 instead of a
 * connection reset (closing a socket with unread input makes the kernel send RST). Past this much
 * the client is not a browser sending a big file, and the connection is cut.
 */
export const MAX_DRAIN_BYTES = 8 * MAX_BODY_BYTES;

export interface WebServerOptions {
  dispatch: Dispatch;
  token: string;
  /** Folder with the built renderer (index.html); absent = API only. */
  staticDir?: string;
  port?: number;
  log?: (message: string) => void;
  /** One-time launch codes (tests inject a clock); default: a fresh store per server. */
  launchCodes?: LaunchCodes;
}

export interface RunningServer {
  url: string;
  port: number;
  server: http.Server;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export function tokensEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Host header must name exactly the loopback address and port we serve (blocks DNS rebinding). */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  return origin === undefined || origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
}

/**
 * Maps a URL path to a file under `root`, or null if it would escape it, by `..` or by a symlink
 * that points outside (the real path is returned for existing files: see containedPath).
 */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  return containedUrlPath(root, urlPath.split('?')[0] ?? '/');
}

const securityHeaders = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

function send(res: http.ServerResponse, status: number, body: Result<unknown>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...securityHeaders,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** The body as text, or null when it was over `limit` (then it was drained, not kept). */
function readBody(req: http.IncomingMessage, res: http.ServerResponse, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DRAIN_BYTES) {
        req.removeAllListeners('data');
        req.pause();
        if (res.headersSent) req.destroy();
        else {
          res.once('finish', () => req.destroy());
          res.setHeader('Connection', 'close');
          send(res, 413, tooLarge());
        }
        return;
      }
      if (size <= limit) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () => resolve(size > limit ? null : Buffer.concat(chunks).toString('utf8')));
    // Cut off past MAX_DRAIN_BYTES (413 already sent): settle so the handler does not wait forever.
    req.on('close', () => resolve(null));
    req.on('error', reject);
  });
}

const tooLarge = () =>
  fail('TOO_LARGE', `The request is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB; send a smaller plan or file.`);

const RedeemSchema = z.object({ code: z.string().min(1).max(200) }).strict();

function bearer(req: http.IncomingMessage): string {
  const auth = req.headers.authorization ?? '';
  return auth.startsWith('Bearer ') ? auth.slice(7) : '';
}

export function startWebServer(options: WebServerOptions): Promise<RunningServer> {
  const { dispatch, token, staticDir } = options;
  const log = options.log ?? (() => {});
  const launchCodes = options.launchCodes ?? createLaunchCodes();
  const unauthorized = () =>
    fail(
      'UNAUTHORIZED',
      'Missing or wrong token. Open the address Tuneplan printed at start-up (it carries the token).',
    );
  let port = options.port ?? 0;

  const server = http.createServer((req, res) => {
    void (async () => {
      if (!isAllowedHost(req.headers.host, port)) {
        send(res, 403, fail('FORBIDDEN', 'This server only answers requests addressed to its loopback address.'));
        return;
      }
      if (!isAllowedOrigin(req.headers.origin, port)) {
        send(res, 403, fail('FORBIDDEN', 'Requests from other sites are refused.'));
        return;
      }
      const url = req.url ?? '/';
      if (url.startsWith('/api/') || url.startsWith('/auth/')) {
        if (req.method !== 'POST') {
          res.setHeader('Allow', 'POST');
          send(res, 405, fail('VALIDATION', 'Use POST for API calls.'));
          return;
        }
        const route = url.split('?')[0] ?? '';
        // The one-time launch code is the token's substitute here, so this route needs no token.
        if (route === '/auth/redeem') {
          await redeem(req, res);
          return;
        }
        const given = bearer(req);
        if (!given || !tokensEqual(given, token)) {
          send(res, 401, unauthorized());
          return;
        }
        if (route === '/auth/code') {
          const issued = launchCodes.issue();
          send(res, 200, ok({ code: issued.code, expiresInSeconds: LAUNCH_CODE_TTL_MS / 1000 }));
          return;
        }
        if (!route.startsWith('/api/')) {
          send(res, 404, fail('NOT_FOUND', `There is no ${route} endpoint; the API is POST /api/<channel>.`));
          return;
        }
        let channel: string;
        try {
          channel = decodeURIComponent(route.slice('/api/'.length));
        } catch {
          send(
            res,
            400,
            fail(
              'VALIDATION',
              'The channel in the URL has a malformed percent encoding; use /api/<channel>, e.g. /api/plans:list.',
            ),
          );
          return;
        }
        const body = await readBody(req, res, MAX_BODY_BYTES);
        if (body === null) {
          if (!res.headersSent) send(res, 413, tooLarge());
          return;
        }
        let input: unknown = {};
        if (body.trim() !== '') {
          try {
            input = JSON.parse(body);
          } catch {
            send(res, 400, fail('VALIDATION', 'The request body is not valid JSON.'));
            return;
          }
        }
        const result = await dispatch(channel, input);
        send(res, result.ok ? 200 : statusFor(result.error.code), result);
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(res, 405, fail('VALIDATION', 'Only GET is allowed here.'));
        return;
      }
      serveStatic(res, staticDir, url);
    })().catch((error: unknown) => {
      log(`web server error: ${(error as Error).message}`);
      if (!res.headersSent) send(res, 500, fail('INTERNAL', 'Something went wrong inside Tuneplan.'));
    });
  });

  async function redeem(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req, res, 4096);
    if (body === null) {
      if (!res.headersSent) send(res, 413, fail('TOO_LARGE', 'A launch code request is a few bytes: { "code": "…" }.'));
      return;
    }
    let parsed: ReturnType<typeof RedeemSchema.safeParse>;
    try {
      parsed = RedeemSchema.safeParse(JSON.parse(body));
    } catch {
      send(res, 400, fail('VALIDATION', 'The request body is not valid JSON; send { "code": "…" }.'));
      return;
    }
    if (!parsed.success) {
      send(res, 400, fail('VALIDATION', 'code: send the one-time code from the address as { "code": "…" }.'));
      return;
    }
    const outcome = launchCodes.redeem(parsed.data.code);
    if (outcome === 'ok') {
      send(res, 200, ok({ token }));
      return;
    }
    const why =
      outcome === 'used'
        ? 'This one-time link was already used. If you did not open it twice, stop Tuneplan and start it again.'
        : outcome === 'expired'
          ? `This one-time link expired (it works for ${LAUNCH_CODE_TTL_MS / 1000} s).`
          : 'This one-time link is not valid.';
    send(
      res,
      401,
      fail('UNAUTHORIZED', `${why} Open the address Tuneplan printed at start-up (it ends with #token=…).`),
    );
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Loopback only: browser mode is never reachable from another machine.
    server.listen(port, '127.0.0.1', () => {
      port = (server.address() as AddressInfo).port;
      server.off('error', reject);
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** HTTP status for a failed Result: 4xx or 507 for every expected failure, 500 only for INTERNAL. */
export function statusFor(code: ErrorCode): number {
  switch (code) {
    case 'VALIDATION':
      return 400;
    // The operation exists but needs the desktop app (native dialogs, printToPDF); the client can act
    // on it, so it is a 4xx. CANCELLED only comes from native dialogs, but answer it the same way.
    case 'UNSUPPORTED':
    case 'CANCELLED':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
    case 'UNKNOWN_CHANNEL':
      return 404;
    case 'CONFLICT':
      return 409;
    case 'TOO_LARGE':
      return 413;
    // 507 Insufficient Storage (RFC 4918 §11.5): the server cannot store what is needed to complete
    // the request — a full disk, a read-only data folder or a database that refuses the write.
    case 'STORAGE':
    case 'READ_ONLY':
      return 507;
    // 424 Failed Dependency (RFC 4918 §11.4): the request depended on another action — fetching from the Hugging
    // Face Hub — and that failed (offline, timeout, the Hub's own error); the client can act on it, so a 4xx.
    case 'NETWORK':
      return 424;
    default:
      return 500;
  }
}

const isFile = (p: string) => {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};

function serveStatic(res: http.ServerResponse, staticDir: string | undefined, url: string): void {
  const file = staticDir ? resolveStaticPath(staticDir, url) : null;
  let target = file;
  if (staticDir && target && !isFile(target)) {
    // Single-page app: unknown paths get index.html; assets that are missing get 404 below.
    // index.html goes through the same symlink check as any other file.
    target = path.extname(target) ? null : resolveStaticPath(staticDir, '/');
  }
  if (!target || !isFile(target)) {
    res.writeHead(404, { ...securityHeaders, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(staticDir ? 'Not found' : 'The app is not built. Run `npm run build`.');
    return;
  }
  const data = fs.readFileSync(target);
  res.writeHead(200, {
    ...securityHeaders,
    'Content-Type': MIME[path.extname(target)] ?? 'application/octet-stream',
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'Content-Length': data.length,
  });
  res.end(data);
}
