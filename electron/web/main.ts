/**
 * Browser mode entry: `node build/out/web/main.mjs [--port N] [--static DIR]`.
 * Prints exactly one line with the URL and its per-launch token.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startupLine } from '../../build/scripts/startup-line.mjs';
import { createDispatch } from '../services/create-handlers';
import { resolveDataDir } from '../services/data-dir';
import { startServices } from '../services/start-services';
import { parseArgs } from './args';
import { startWebServer } from './server';

async function main(): Promise<void> {
  const { port, staticDir } = parseArgs(process.argv.slice(2));
  const dataDir = resolveDataDir();
  const { db, handlers, notices } = startServices({ dataDir, mode: 'browser' });
  for (const n of notices) console.error(`Tuneplan: ${n.message}`);
  const token = randomBytes(32).toString('base64url');
  const here = path.dirname(fileURLToPath(import.meta.url));
  const server = await startWebServer({
    dispatch: createDispatch(handlers),
    token,
    port,
    staticDir: staticDir ?? path.resolve(here, '../renderer'),
    log: (m) => console.error(m),
  });
  console.log(startupLine(server.url, token));
  const stop = () => {
    void server.close().then(() => {
      db.close();
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`Tuneplan could not start browser mode: ${(error as Error).message}`);
  process.exit(1);
});
