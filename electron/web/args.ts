/** Command-line options of browser mode. */
import { parseArgs as parseNodeArgs } from 'node:util';

export function parseArgs(argv: readonly string[]): { port: number; staticDir: string | undefined } {
  // Not strict: other flags (npm's, launch.mjs's) are ignored. A valued option without a value parses as `true`.
  const { values } = parseNodeArgs({
    args: [...argv],
    options: { port: { type: 'string' }, static: { type: 'string' } },
    strict: false,
    allowPositionals: true,
  });
  const text = (value: string | boolean | undefined) => (typeof value === 'string' ? value : undefined);
  let port = 0;
  if (values.port !== undefined) {
    const raw = text(values.port);
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 65535)
      throw new Error(`--port must be a whole number from 0 to 65535 (got "${raw ?? ''}")`);
    port = n;
  }
  return { port, staticDir: text(values.static) };
}
