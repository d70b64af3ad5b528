/**
 * The Result envelope every transport answers with. A handler never throws across a
 * transport: failures become `{ ok: false, error }` with a stable `code` the UI maps to words.
 */
import { z } from 'zod';

export const ERROR_CODES = [
  'VALIDATION', // input failed its schema; details.issues names each field
  'NOT_FOUND', // the record does not exist (or was deleted)
  'CONFLICT', // optimistic revision check failed: someone saved a newer version
  'STORAGE', // the database could not be read or written
  'READ_ONLY', // the data folder or database cannot be written
  'UNKNOWN_CHANNEL', // no such contract channel
  'UNAUTHORIZED', // missing or wrong browser-mode token
  'FORBIDDEN', // request from an untrusted sender / host / origin
  'TOO_LARGE', // request body or file over its size limit
  'UNSUPPORTED', // the operation needs the desktop app (native dialogs, printToPDF)
  'CANCELLED', // the user closed a dialog without choosing
  'NETWORK', // a remote service (the Hugging Face Hub) could not be reached or did not answer usefully
  'INTERNAL', // a bug: logged, shown as "something went wrong"
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const IssueSchema = z.object({ path: z.string(), message: z.string() });
export type Issue = z.infer<typeof IssueSchema>;

export const AppErrorSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  details: z.object({ issues: z.array(IssueSchema).optional(), currentRevision: z.number().optional() }).optional(),
});
export type AppError = z.infer<typeof AppErrorSchema>;

export type Result<T> = { ok: true; data: T } | { ok: false; error: AppError };

export const ok = <T>(data: T): Result<T> => ({ ok: true, data });
export const fail = (code: ErrorCode, message: string, details?: AppError['details']): Result<never> =>
  details ? { ok: false, error: { code, message, details } } : { ok: false, error: { code, message } };

/** An error a service throws on purpose; the dispatcher turns it into a failed Result. */
export class AppFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: AppError['details'],
  ) {
    super(message);
    this.name = 'AppFailure';
  }
}

/** Turns zod issues into `path: message` pairs; the path uses dots and [index]. */
export function issuesFromZod(error: z.ZodError): Issue[] {
  return error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

export function validationFailure(error: z.ZodError, what = 'Input'): Result<never> {
  const issues = issuesFromZod(error);
  const first = issues[0];
  const summary = first ? `${first.path}: ${first.message}` : 'invalid';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return fail('VALIDATION', `${what} is invalid — ${summary}${more}`, { issues });
}
