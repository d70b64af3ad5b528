/**
 * The one line browser mode prints on stdout once it listens (electron/web/main.ts), and the pattern that finds
 * it there (`npm start`: build/scripts/launch.mjs; the e2e fixtures). Plain ESM so that `npm start` can read it
 * before anything is built; electron/web/main.ts has it bundled in.
 */

/** `Tuneplan running at http://127.0.0.1:PORT/#token=TOKEN` */
export function startupLine(serverUrl, token) {
  return `Tuneplan running at ${serverUrl}/#token=${token}`;
}

/** Finds the start-up line in the server's output; group 1 is the address with its token. */
export const STARTUP_LINE_PATTERN = /Tuneplan running at (\S+)/;
