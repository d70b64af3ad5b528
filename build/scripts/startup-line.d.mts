// Types for startup-line.mjs (plain ESM read by `npm start`, bundled into browser mode, imported by tests).
export function startupLine(serverUrl: string, token: string): string;
export const STARTUP_LINE_PATTERN: RegExp;
