/** Command-line options of browser mode. */
export function parseArgs(argv: readonly string[]): { port: number; staticDir: string | undefined } {
  let port = 0;
  let staticDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (name: string) => {
      const inline = arg?.startsWith(`${name}=`) ? arg.slice(name.length + 1) : undefined;
      if (inline !== undefined) return inline;
      i++;
      return argv[i];
    };
    if (arg === '--port' || arg?.startsWith('--port=')) {
      const raw = value('--port');
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0 || n > 65535)
        throw new Error(`--port must be a whole number from 0 to 65535 (got "${raw ?? ''}")`);
      port = n;
    } else if (arg === '--static' || arg?.startsWith('--static=')) {
      staticDir = value('--static');
    }
  }
  return { port, staticDir };
}
