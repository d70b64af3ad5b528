/**
 * Hugging Face Hub model ids and revisions, checked before anything goes on the network (issue 16: fetch a
 * config.json by Hub id). Pure: the renderer uses it to enable its button, the contract to validate input.
 */
import { z } from 'zod';

/** The public Hub; `TUNEPLAN_HF_ENDPOINT` (like huggingface_hub's `HF_ENDPOINT`) replaces it. */
export const DEFAULT_HUB_URL = 'https://huggingface.co';

/**
 * The Hub's own rule, as huggingface_hub checks it before every call (src/huggingface_hub/utils/_validators.py
 * `REPO_ID_REGEX` and `validate_repo_id`, which mirror the Hub's server/lib/Names.ts): "repo_name" or
 * "namespace/repo_name"; letters, digits, "-", "_", "."; each part starts and ends with a letter, digit or "_"
 * (the regex's `\b`); the name at most 96 characters; no "--" or ".."; not ending in ".git". Python's `\w` is
 * Unicode-aware, but the Hub's names are ASCII (the docstring: "[a-zA-Z0-9] or '-', '_', '.'"), so ASCII here.
 * A name without a namespace is an old id ("gpt2") that the Hub redirects to its organisation.
 */
const REPO_ID = /^(?:\w(?:[\w.-]*\w)?\/)?\w(?:[\w.-]{0,94}\w)?$/;

/** Why `id` is not a Hub model id, or null when it is one. */
export function hubRepoIdProblem(id: string): string | null {
  if (id === '') return 'enter a Hub model id such as Qwen/Qwen2.5-7B-Instruct';
  if (id.split('/').length > 2)
    return `"${id}" has more than one "/": a model id is "namespace/name", e.g. Qwen/Qwen2.5-7B-Instruct`;
  if (!REPO_ID.test(id))
    return (
      `"${id}" is not a Hub model id: use letters, digits, "-", "_" and ".", start and end each part with a ` +
      'letter or digit, at most 96 characters for the name (e.g. Qwen/Qwen2.5-7B-Instruct)'
    );
  if (id.includes('--') || id.includes('..')) return `"${id}" is not a Hub model id: "--" and ".." are not allowed`;
  if (id.endsWith('.git')) return `"${id}" is not a Hub model id: it cannot end in ".git"`;
  return null;
}

export const HubRepoIdSchema = z
  .string()
  .trim()
  .max(200, 'a Hub model id is at most 96 characters after its namespace')
  .superRefine((id, ctx) => {
    const problem = hubRepoIdProblem(id);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/**
 * A branch, tag or commit (what `revision=` takes in transformers): "main", "v1.0", "refs/pr/3", a 40-hex commit.
 * Git allows more in a ref name, but nothing a Hub model uses needs more, and a narrow set cannot smuggle a path
 * ("..") or a query into the URL (the library also percent-encodes it).
 */
export const HubRevisionSchema = z
  .string()
  .trim()
  .min(1, 'give a branch, tag or commit, or leave it out for "main"')
  .max(200)
  .regex(/^[\w.\-/]+$/, 'a revision is a branch, tag or commit: letters, digits, "-", "_", "." and "/" only')
  .refine((r) => !r.includes('..') && !r.startsWith('/') && !r.endsWith('/'), {
    message: 'a revision cannot contain ".." or start or end with "/"',
  });

/**
 * What a user pastes → a model id: "Qwen/Qwen2.5-7B-Instruct" as is; a Hub page address
 * ("https://huggingface.co/Qwen/Qwen2.5-7B-Instruct/blob/main/config.json") → its id. Anything else is returned
 * trimmed, for the schema to explain.
 */
export function hubRepoIdFromText(text: string): string {
  const trimmed = text.trim();
  const page =
    /^(?:https?:\/\/)?(?:www\.)?(?:huggingface\.co|hf\.co)\/(?!datasets\/|spaces\/)([^/?#\s]+)(?:\/([^/?#\s]+))?/i.exec(
      trimmed,
    );
  if (!page) return trimmed;
  const [, first, second] = page;
  // "/gpt2/blob/main/…": an old id without namespace.
  return second && second !== 'blob' && second !== 'resolve' && second !== 'tree' ? `${first}/${second}` : first!;
}

/** The Hub page of the file, for a user who downloads it by hand (offline, gated). */
export function hubConfigPageUrl(repoId: string, revision = 'main', hubUrl = DEFAULT_HUB_URL): string {
  return `${hubUrl.replace(/\/+$/, '')}/${repoId}/blob/${revision}/config.json`;
}

/** `models:fetchHubConfig` input: which model, at which revision (default "main"). */
export const HubConfigRequestSchema = z
  .object({ repoId: HubRepoIdSchema, revision: HubRevisionSchema.optional() })
  .strict();
export type HubConfigRequest = z.infer<typeof HubConfigRequestSchema>;

/**
 * A config.json fetched from the Hub: its text (for the same reader as an opened file), the name to give the
 * model (its repo id) and where it came from.
 */
export const HubConfigFetchedSchema = z.object({
  /** The model's name: its repo id ("Qwen/Qwen2.5-7B-Instruct"). */
  name: z.string(),
  text: z.string(),
  source: z.object({
    repoId: z.string(),
    /** The revision asked for ("main" when none was). */
    revision: z.string(),
    /** The commit the Hub served it from (its `X-Repo-Commit` header), when it said. */
    commit: z.string().optional(),
    /** The address it was read from (after any same-host redirect, e.g. a renamed repository). */
    url: z.string(),
    fetchedAt: z.string(),
  }),
});
export type HubConfigFetched = z.infer<typeof HubConfigFetchedSchema>;
