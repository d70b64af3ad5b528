import type { AppError } from '../../../shared/result';

/** Plain words for an error, with the fields at fault when the backend named them. */
export function errorText(error: AppError): string {
  const lead: Record<AppError['code'], string> = {
    VALIDATION: 'Please fix the highlighted fields.',
    NOT_FOUND: 'That plan no longer exists.',
    CONFLICT: 'This plan was changed elsewhere.',
    STORAGE: 'Tuneplan could not read or write its data.',
    READ_ONLY: 'The data folder is read-only.',
    UNKNOWN_CHANNEL: 'This version of the app and its backend do not match.',
    UNAUTHORIZED: 'This page is not signed in to the Tuneplan server.',
    FORBIDDEN: 'The request was refused.',
    TOO_LARGE: 'That is too large.',
    UNSUPPORTED: 'This needs the desktop app.',
    CANCELLED: 'Cancelled.',
    NETWORK: 'The Hugging Face Hub could not be reached.',
    INTERNAL: 'Something went wrong.',
  };
  return error.message || lead[error.code];
}
