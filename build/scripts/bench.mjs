#!/usr/bin/env node
/** `npm run bench`: builds what is stale, bundles tests/bench/bench.ts and runs it. */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildStale } from './build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
await buildStale({ log: () => {} });
const outfile = path.join(root, 'build/out/bench.mjs');
await build({
  entryPoints: [path.join(root, 'tests/bench/bench.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outfile,
  logLevel: 'warning',
  define: { __TUNEPLAN_VERSION__: '"bench"' },
  banner: {
    js:
      "import { createRequire as __tpCreateRequire } from 'node:module'; " +
      'const require = __tpCreateRequire(import.meta.url);',
  },
});
const r = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
