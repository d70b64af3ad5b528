// Types for open-browser.mjs (plain ESM run by `npm start`, imported by the unit tests).
export function browserCommand(url: string, platform?: NodeJS.Platform): { command: string; args: string[] };
export function openWithLaunchCode(
  printedUrl: string,
  deps?: {
    open?: (command: string, args: string[]) => unknown;
    fetchImpl?: typeof fetch;
    log?: (message: string) => void;
    platform?: NodeJS.Platform;
  },
): Promise<string | null>;
