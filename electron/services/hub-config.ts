/**
 * Fetches a model's config.json from the Hugging Face Hub by its id (issue 16), for the same reader as a file the
 * user opens (shared/catalog/hf-config.ts). Tuneplan is offline-first: this runs only when the user asks, only in
 * the main process or the browser-mode server (never the renderer), only to the one Hub host, with a time limit
 * and a size cap, and every failure is a message that says what to do — above all, how to get the file by hand.
 *
 * The download is @huggingface/hub's `downloadFile` (https://github.com/huggingface/huggingface.js, packages/hub
 * src/lib/download-file.ts and file-download-info.ts). What it asks the Hub, which the stand-in server in the
 * tests reproduces (tests/helpers/hub-stand-in.ts):
 *   1. GET {hub}/{repo}/resolve/{revision}/config.json with `Range: bytes=0-0` → 206 with
 *      `Content-Range: bytes 0-0/{size}` and an `ETag` (404 with `X-Error-Code: EntryNotFound` → null);
 *   2. GET of the same address without a Range → the file.
 * Errors carry the Hub's `X-Error-Code` header (GatedRepo, RepoNotFound, RevisionNotFound, EntryNotFound), which
 * huggingface_hub maps to its exceptions (src/huggingface_hub/utils/_http.py `hf_raise_for_status`); the library's
 * HubApiError keeps only the status, so the fetch given to it records the header.
 *
 * Imports no `electron`: browser mode runs it under plain Node.
 */
import { downloadFile, HubApiError } from '@huggingface/hub';
import {
  DEFAULT_HUB_URL,
  hubConfigPageUrl,
  type HubConfigFetched,
  type HubConfigRequest,
} from '../../shared/catalog/hub-repo-id';
import { AppFailure } from '../../shared/result';

/** A config.json is a few KB (the largest, with label maps or vision sub-configs, tens of KB). */
export const HUB_CONFIG_MAX_BYTES = 1024 * 1024;
/** For the whole exchange (both requests and the body), not per request. */
export const HUB_TIMEOUT_MS = 20_000;
/** Same-host redirects followed (a renamed repository answers 307 to its new name). */
const MAX_REDIRECTS = 5;

export interface HubDeps {
  /** The Hub's base address; `TUNEPLAN_HF_ENDPOINT` or https://huggingface.co. */
  hubUrl: string;
  /** `HF_TOKEN`: sent to the Hub host only, never logged, never stored. */
  accessToken?: string | undefined;
  fetch?: typeof fetch;
  timeoutMs?: number;
  maxBytes?: number;
  now?: () => Date;
}

/** The Hub address and token from the environment, read at each call (like huggingface_hub's HF_ENDPOINT). */
export function hubDepsFromEnv(env: NodeJS.ProcessEnv = process.env): HubDeps {
  const endpoint = env.TUNEPLAN_HF_ENDPOINT?.trim();
  const token = env.HF_TOKEN?.trim();
  return { hubUrl: endpoint || DEFAULT_HUB_URL, ...(token ? { accessToken: token } : {}) };
}

/** What the last answer from the Hub said, beyond what HubApiError keeps. */
interface Seen {
  url?: string;
  errorCode?: string | null;
  errorMessage?: string | null;
  commit?: string | null;
  tooLarge?: number;
}

const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/** A refusal of the guarded fetch (another host, a redirect loop); explain() adds how to get the file by hand. */
class HubHostError extends Error {
  constructor(
    readonly code: 'FORBIDDEN' | 'NETWORK',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The fetch handed to the library: one deadline for everything, redirects followed only within the Hub's origin
 * (so a token never leaves it and nothing else is contacted), every body cut off past `maxBytes`.
 */
function guardedFetch(base: typeof fetch, hub: URL, signal: AbortSignal, maxBytes: number, seen: Seen): typeof fetch {
  return async (input, init) => {
    let url = new URL(input instanceof Request ? input.url : String(input));
    for (let hop = 0; ; hop++) {
      if (url.origin !== hub.origin)
        throw new HubHostError(
          'FORBIDDEN',
          `${hub.host} sent the download on to another host (${url.host}); Tuneplan only talks to ${hub.host}.`,
        );
      const res = await base(url, { ...init, signal, redirect: 'manual' });
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        if (hop >= MAX_REDIRECTS)
          throw new HubHostError('NETWORK', `${hub.host} redirected more than ${MAX_REDIRECTS} times.`);
        url = new URL(location, url);
        continue;
      }
      seen.url = url.href;
      seen.errorCode = res.headers.get('x-error-code');
      seen.errorMessage = res.headers.get('x-error-message');
      seen.commit = res.headers.get('x-repo-commit');
      const declared = Number(res.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > maxBytes) {
        await res.body?.cancel();
        seen.tooLarge = declared;
        throw new Error('body over the size limit');
      }
      // The library reads only the headers of a successful 1-byte probe: release its connection now.
      const probe = res.ok && new Headers(init?.headers).get('range') === 'bytes=0-0';
      if (probe) await res.body?.cancel();
      let received = 0;
      const body =
        res.body && !probe && !NULL_BODY_STATUS.has(res.status)
          ? res.body.pipeThrough(
              new TransformStream<Uint8Array, Uint8Array>({
                transform(chunk, controller) {
                  received += chunk.byteLength;
                  if (received > maxBytes) {
                    seen.tooLarge = received;
                    controller.error(new Error('body over the size limit'));
                  } else controller.enqueue(chunk);
                },
              }),
            )
          : null;
      const out = new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
      // The library compares the answer's address with the Hub's origin to decide where to read the file.
      Object.defineProperty(out, 'url', { value: url.href });
      return out;
    }
  };
}

/** The system error code behind a failed fetch (undici wraps it: TypeError "fetch failed" → cause → code). */
function networkCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const { code, errors, cause } = e as { code?: unknown; errors?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    if (Array.isArray(errors)) {
      const inner = errors.map(networkCode).find(Boolean);
      if (inner) return inner;
    }
    e = cause;
  }
  return undefined;
}

const byHand = (page: string) =>
  `download config.json from ${page} and open it (Import config.json…, or tuneplan model FILE)`;

/** A failed exchange → a failure that names the cause and what to do. */
function explain(
  error: unknown,
  req: Required<HubConfigRequest>,
  deps: HubDeps,
  hub: URL,
  signal: AbortSignal,
  seen: Seen,
): AppFailure {
  const pageUrl = page(req, deps);
  if (error instanceof AppFailure) return error;
  if (error instanceof HubHostError) return new AppFailure(error.code, `${error.message} Instead, ${byHand(pageUrl)}.`);
  const { repoId, revision } = req;
  if (seen.tooLarge !== undefined)
    return new AppFailure(
      'TOO_LARGE',
      `The config.json of ${repoId} is over ${size(deps.maxBytes ?? HUB_CONFIG_MAX_BYTES)} (a config.json is a few ` +
        `KB), so Tuneplan stopped reading it. Check the file at ${pageUrl}.`,
    );
  if (signal.aborted)
    return new AppFailure(
      'NETWORK',
      `${hub.host} did not answer within ${limit(deps.timeoutMs ?? HUB_TIMEOUT_MS)}. ` +
        `Try again, or ${byHand(pageUrl)}.`,
    );
  if (error instanceof HubApiError) {
    const status = error.statusCode;
    const code = seen.errorCode;
    if (code === 'GatedRepo')
      return new AppFailure(
        'FORBIDDEN',
        `${repoId} is a gated model: accept its licence on ${hub.origin}/${repoId} (signed in), then ` +
          `${byHand(pageUrl)}` +
          (deps.accessToken
            ? '. The token in HF_TOKEN has no access to it yet.'
            : '; or set HF_TOKEN to a token of the account that accepted it.'),
      );
    if (code === 'RevisionNotFound')
      return new AppFailure(
        'NOT_FOUND',
        `${repoId} has no revision "${revision}": give a branch, tag or commit that exists, or leave it out for main.`,
      );
    if (code === 'EntryNotFound') return noConfig(req);
    if (status === 401 && /invalid credentials|invalid username or password/i.test(seen.errorMessage ?? error.message))
      return new AppFailure(
        'FORBIDDEN',
        `${hub.host} refused the token in HF_TOKEN as invalid. Fix it (a token from ${hub.origin}/settings/tokens) ` +
          'or unset HF_TOKEN for public models.',
      );
    // The Hub answers 401 for a missing repository as for a private one when no token is sent (_http.py).
    if (code === 'RepoNotFound' || status === 404)
      return new AppFailure(
        'NOT_FOUND',
        `There is no model ${repoId} on ${hub.host}, or no config.json in it. Check the id on its page ` +
          `(${hub.origin}/${repoId}); a private model needs HF_TOKEN set to a token that can read it.`,
      );
    if (status === 401 || status === 403)
      return new AppFailure(
        'FORBIDDEN',
        `${hub.host} refused access to ${repoId} (${status}): it is gated or private. If gated, accept its licence ` +
          `on ${hub.origin}/${repoId}, then ${byHand(pageUrl)}; if private, set HF_TOKEN to a token that can read it.`,
      );
    if (status === 429)
      return new AppFailure(
        'NETWORK',
        `${hub.host} is rate-limiting requests (429). Wait a minute, or ${byHand(pageUrl)}.`,
      );
    return new AppFailure(
      'NETWORK',
      `${hub.host} answered ${status} for ${repoId}'s config.json. Try again later, or ${byHand(pageUrl)}.`,
    );
  }
  const sys = networkCode(error);
  if (sys)
    return new AppFailure(
      'NETWORK',
      `Could not reach ${hub.host} (${sys}): you're offline or the Hub cannot be reached — ${byHand(pageUrl)}.`,
    );
  // InvalidApiResponseFormatError and the like: something answered, but not as the Hub does.
  return new AppFailure(
    'NETWORK',
    `${hub.host} did not answer as the Hugging Face Hub does (${(error as Error)?.message ?? String(error)}). ` +
      `Check TUNEPLAN_HF_ENDPOINT, or ${byHand(pageUrl)}.`,
  );
}

const size = (bytes: number) => (bytes % 1024 ** 2 === 0 ? `${bytes / 1024 ** 2} MiB` : `${bytes} bytes`);
const limit = (ms: number) => (ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`);

const page = (req: Required<HubConfigRequest>, deps: HubDeps) =>
  hubConfigPageUrl(req.repoId, req.revision, deps.hubUrl);

const noConfig = ({ repoId, revision }: Required<HubConfigRequest>) =>
  new AppFailure(
    'NOT_FOUND',
    `${repoId} has no config.json at revision "${revision}" (GGUF-only, adapter-only and non-transformers ` +
      'repositories have none). Fetch the base model it names on its page instead.',
  );

/** Fetches `config.json` of `repoId` (validated by the contract: HubConfigRequestSchema) from the Hub. */
export async function fetchHubConfig(request: HubConfigRequest, deps: HubDeps): Promise<HubConfigFetched> {
  const req = { repoId: request.repoId, revision: request.revision ?? 'main' };
  let hub: URL;
  try {
    hub = new URL(deps.hubUrl);
    if (hub.protocol !== 'https:' && hub.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    throw new AppFailure(
      'VALIDATION',
      `TUNEPLAN_HF_ENDPOINT is "${deps.hubUrl}", not an http(s) address: set it to the Hub's address ` +
        `(e.g. ${DEFAULT_HUB_URL}) or unset it.`,
    );
  }
  // The library refuses other tokens with a TypeError; say which variable and what a token looks like.
  if (deps.accessToken !== undefined && !deps.accessToken.startsWith('hf_'))
    throw new AppFailure(
      'FORBIDDEN',
      'HF_TOKEN is set but is not a Hugging Face access token (they start with "hf_"): fix or unset it.',
    );
  const maxBytes = deps.maxBytes ?? HUB_CONFIG_MAX_BYTES;
  const signal = AbortSignal.timeout(deps.timeoutMs ?? HUB_TIMEOUT_MS);
  const seen: Seen = {};
  const hubUrl = hub.href.replace(/\/+$/, '');
  try {
    const blob = await downloadFile({
      repo: req.repoId,
      path: 'config.json',
      revision: req.revision,
      hubUrl,
      ...(deps.accessToken ? { accessToken: deps.accessToken } : {}),
      // A config.json is a plain git file; Xet storage would mean more hosts (cas servers) to contact.
      xet: false,
      fetch: guardedFetch(deps.fetch ?? fetch, hub, signal, maxBytes, seen),
    });
    if (!blob) throw noConfig(req);
    if (blob.size > maxBytes) {
      seen.tooLarge = blob.size;
      throw new Error('over the size limit');
    }
    const text = new TextDecoder('utf-8').decode(await blob.arrayBuffer());
    const commit = seen.commit;
    return {
      name: req.repoId,
      text,
      source: {
        repoId: req.repoId,
        revision: req.revision,
        ...(commit ? { commit } : {}),
        url: seen.url ?? `${hubUrl}/${req.repoId}/resolve/${encodeURIComponent(req.revision)}/config.json`,
        fetchedAt: (deps.now ?? (() => new Date()))().toISOString(),
      },
    };
  } catch (error) {
    throw explain(error, req, deps, hub, signal, seen);
  }
}
