/**
 * A stand-in for the Hugging Face Hub on 127.0.0.1 (ephemeral port), serving REAL config.json files from
 * tests/fixtures/configs at the Hub's address layout, for the `models:fetchHubConfig` tests (issue 16).
 *
 * What it reproduces, from what @huggingface/hub asks (packages/hub src/lib/file-download-info.ts, WebBlob) and
 * what the Hub answers (huggingface_hub src/huggingface_hub/utils/_http.py reads the same headers):
 * - `GET /{namespace}/{name}/resolve/{revision}/config.json`; with `Range: bytes=0-0` → 206 with
 *   `Content-Range: bytes 0-0/{size}`; without → 200 and the file; `ETag`, `X-Repo-Commit` on both.
 * - errors as the Hub sends them: `X-Error-Code` (GatedRepo, RepoNotFound, RevisionNotFound, EntryNotFound),
 *   `X-Error-Message`, a JSON body `{"error": …}`. Anonymous requests for a gated model get 401, a token without
 *   access 403; a missing repository 401 without a token (the Hub does not tell it from a private one), 404 with.
 * - a renamed repository: 307 to the new name on the same host; plus, for the failure tests, a redirect to another
 *   host, a too-large file, a file whose size the first answer understates, a 500 and an answer that never comes.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const configs = path.resolve(__dirname, '../fixtures/configs');

/** Hub id → the real config.json it serves (see tests/fixtures/configs/README.md for where each comes from). */
export const HUB_FIXTURES: Record<string, string> = {
  'Qwen/Qwen2.5-7B-Instruct': 'qwen2.5-7b-instruct-config.json',
  'deepseek-ai/DeepSeek-V3': 'deepseek-v3-config.json',
  'llava-hf/llava-1.5-7b-hf': 'vision/llava-1.5-7b-hf-config.json',
};
export const fixtureText = (repoId: string) => fs.readFileSync(path.join(configs, HUB_FIXTURES[repoId]!), 'utf8');

export const STAND_IN_COMMIT = 'a09a35458c702b33eeacc393d103063234e8bc28';
/** A token that has accepted the gated model's licence; any other hf_ token has not; GOOD_TOKEN is not invalid. */
export const GOOD_TOKEN = 'hf_standInGoodToken';
export const INVALID_TOKEN = 'hf_standInRevoked';

export interface StandInRequest {
  method: string;
  url: string;
  range: string | undefined;
  authorization: string | undefined;
}

export interface HubStandIn {
  url: string;
  requests: StandInRequest[];
  close: () => Promise<void>;
}

type Reply = { status: number; headers?: Record<string, string>; body?: string | Buffer };

function hubError(status: number, code: string | null, message: string): Reply {
  return {
    status,
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      ...(code ? { 'X-Error-Code': code } : {}),
      'X-Error-Message': message,
    },
    body: JSON.stringify({ error: message }),
  };
}

function serveFile(body: Buffer, range: string | undefined, declaredSize = body.length): Reply {
  const headers = {
    'Content-Type': 'text/plain; charset=utf-8',
    'Accept-Ranges': 'bytes',
    // The Hub's ETag for a git-stored file is its git blob id.
    ETag: `"${createHash('sha1').update(`blob ${body.length}\0`).update(body).digest('hex')}"`,
    'X-Repo-Commit': STAND_IN_COMMIT,
  };
  const m = range ? /^bytes=(\d+)-(\d+)$/.exec(range) : null;
  if (m) {
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]), body.length - 1);
    return {
      status: 206,
      headers: { ...headers, 'Content-Range': `bytes ${start}-${end}/${declaredSize}` },
      body: body.subarray(start, end + 1),
    };
  }
  return { status: 200, headers, body };
}

/** Starts the stand-in; `other` is a second server (another origin) the "evil/redirect" repository points at. */
export async function startHubStandIn(): Promise<HubStandIn> {
  const requests: StandInRequest[] = [];
  const pending = new Set<http.ServerResponse>();
  const other = http.createServer((_req, res) => res.end('{"model_type":"llama"}'));
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  const otherPort = (other.address() as AddressInfo).port;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const range = req.headers.range;
    const authorization = req.headers.authorization;
    requests.push({ method: req.method ?? '', url: url.pathname, range, authorization });
    const token = authorization?.replace(/^Bearer /, '');
    const m = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const send = (reply: Reply) => {
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body);
    };
    if (!m) return send(hubError(404, null, 'Not Found'));
    const [, repo, rawRevision, file] = m as unknown as [string, string, string, string];
    const revision = decodeURIComponent(rawRevision);
    if (token === INVALID_TOKEN) return send(hubError(401, null, 'Invalid credentials in Authorization header'));
    if (repo === 'old-org/Qwen2.5-7B-Instruct-renamed')
      return send({ status: 307, headers: { Location: `/Qwen/Qwen2.5-7B-Instruct/resolve/${rawRevision}/${file}` } });
    if (repo === 'evil/redirect')
      return send({ status: 302, headers: { Location: `http://127.0.0.1:${otherPort}/config.json` } });
    if (repo === 'slow/model') {
      pending.add(res); // never answered; closed with the server
      return;
    }
    if (repo === 'broken/model') return send(hubError(500, null, 'Internal Error'));
    if (repo === 'meta-llama/Llama-3.1-8B')
      return send(
        token
          ? hubError(
              403,
              'GatedRepo',
              'Access to model meta-llama/Llama-3.1-8B is restricted and you are not in the authorized list. ' +
                'Visit https://huggingface.co/meta-llama/Llama-3.1-8B to ask for access.',
            )
          : hubError(
              401,
              'GatedRepo',
              'Access to model meta-llama/Llama-3.1-8B is restricted. You must have access to it and be ' +
                'authenticated to access it. Please log in.',
            ),
      );
    if (repo === 'TheBloke/Llama-2-7B-GGUF')
      return send(hubError(404, 'EntryNotFound', `${file} does not exist on "${revision}"`));
    if (repo === 'big/config') {
      const body = Buffer.alloc(2 * 1024 * 1024 + 10, 0x20);
      return send(serveFile(body, range));
    }
    if (repo === 'liar/config') {
      // The first answer says 600 bytes; the file then runs to 3 MiB, sent chunked (no Content-Length to check).
      const body = Buffer.alloc(3 * 1024 * 1024, 0x20);
      if (range) return send(serveFile(body, range, 600));
      const { headers } = serveFile(body, undefined);
      res.writeHead(200, { ...headers, 'Transfer-Encoding': 'chunked' });
      for (let i = 0; i < body.length; i += 64 * 1024) res.write(body.subarray(i, i + 64 * 1024));
      res.end();
      return;
    }
    const fixture = HUB_FIXTURES[repo];
    if (!fixture)
      return send(
        token
          ? hubError(404, 'RepoNotFound', 'Repository not found')
          : hubError(401, 'RepoNotFound', 'Repository not found'),
      );
    if (revision !== 'main' && revision !== STAND_IN_COMMIT)
      return send(hubError(404, 'RevisionNotFound', `Invalid rev id: ${revision}`));
    if (file !== 'config.json') return send(hubError(404, 'EntryNotFound', `${file} does not exist on "${revision}"`));
    return send(serveFile(fs.readFileSync(path.join(configs, fixture)), range));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      for (const res of pending) res.destroy();
      server.closeAllConnections();
      other.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => server.close(() => resolve())),
        new Promise<void>((resolve) => other.close(() => resolve())),
      ]);
    },
  };
}

/** An address where nothing listens: a port the OS gave out and took back (what "offline" looks like). */
export async function closedPortUrl(): Promise<string> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
