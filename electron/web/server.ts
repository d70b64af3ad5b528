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
import { fail, type Result } from '../../shared/result';
import type { Dispatch } from '../services/create-handlers';
import { CONTENT_SECURITY_POLICY } from '../../shared/security';

export const MAX_BODY_BYTES = 6 * 1024 * 1024; // plan imports are capped at 5 MB; leave room for the envelope

export interface WebServerOptions {
  dispatch: Dispatch;
  token: string;
  /** Folder with the built renderer (index.html); absent = API only. */
  staticDir?: string;
  port?: number;
  log?: (message: string) => void;
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

/** Maps a URL path to a file under `root`, or null if it would escape it. */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const full = path.resolve(root, relative);
  const rootWithSep = path.resolve(root) + path.sep;
  return full.startsWith(rootWithSep) ? full : null;
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

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error('TOO_LARGE'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function startWebServer(options: WebServerOptions): Promise<RunningServer> {
  const { dispatch, token, staticDir } = options;
  const log = options.log ?? (() => {});
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
      if (url.startsWith('/api/')) {
        if (req.method !== 'POST') {
          res.setHeader('Allow', 'POST');
          send(res, 405, fail('VALIDATION', 'Use POST for API calls.'));
          return;
        }
        const auth = req.headers.authorization ?? '';
        const given = auth.startsWith('Bearer ') ? auth.slice(7) : '';
        if (!given || !tokensEqual(given, token)) {
          send(
            res,
            401,
            fail(
              'UNAUTHORIZED',
              'Missing or wrong token. Open the address Tuneplan printed at start-up (it carries the token).',
            ),
          );
          return;
        }
        const channel = decodeURIComponent(url.slice('/api/'.length).split('?')[0] ?? '');
        let body: string;
        try {
          body = await readBody(req, MAX_BODY_BYTES);
        } catch {
          send(res, 413, fail('TOO_LARGE', `The request is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB.`));
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

function statusFor(code: string): number {
  switch (code) {
    case 'VALIDATION':
      return 400;
    case 'NOT_FOUND':
    case 'UNKNOWN_CHANNEL':
      return 404;
    case 'CONFLICT':
      return 409;
    case 'TOO_LARGE':
      return 413;
    default:
      return 500;
  }
}

function serveStatic(res: http.ServerResponse, staticDir: string | undefined, url: string): void {
  const file = staticDir ? resolveStaticPath(staticDir, url) : null;
  let target = file;
  if (target && (!fs.existsSync(target) || fs.statSync(target).isDirectory())) {
    // Single-page app: unknown paths get index.html; assets that are missing get 404 below.
    target = path.extname(target) ? null : path.join(staticDir ?? '', 'index.html');
  }
  if (!target || !fs.existsSync(target)) {
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
