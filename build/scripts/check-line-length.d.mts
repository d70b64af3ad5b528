// Types for check-line-length.mjs (plain ESM run by `npm run check:lines`, imported by the unit tests).
export const MAX_LINE_CHARS: number;
export function ignoreMatcher(text: string): (file: string) => boolean;
export function longLines(text: string, max?: number): { line: number; chars: number }[];
export function filesToCheck(files: string[], ignored: (file: string) => boolean): string[];
export function checkLineLength(root: string): { file: string; line: number; chars: number }[];
