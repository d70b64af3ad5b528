#!/usr/bin/env node
/**
 * Builds what is stale: the Node bundles (browser-mode server, CLI, Electron main and preload)
 * with esbuild, and the renderer with Vite. `--force` rebuilds everything.
 */
import { build as esbuild } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.join(root, 'build/out');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const define = { __TUNEPLAN_VERSION__: JSON.stringify(pkg.version) };

function newestMtime(paths) {
  let newest = 0;
  const walk = (p) => {
    if (!fs.existsSync(p)) return;
    const stat = fs.statSync(p);
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(p)) if (entry !== 'node_modules' && entry !== 'out') walk(path.join(p, entry));
    } else newest = Math.max(newest, stat.mtimeMs);
  };
  paths.forEach((p) => walk(path.join(root, p)));
  return newest;
}
const mtime = (p) => (fs.existsSync(p) ? fs.statSync(p).mtimeMs : 0);

// startup-line.mjs is bundled into browser mode (electron/web/main.ts prints it).
const nodeSources = ['shared', 'db', 'electron', 'build/scripts/startup-line.mjs', 'package.json'];
const rendererSources = ['shared', 'renderer', 'build/vite.config.ts', 'package.json'];

export async function buildNode() {
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    define,
    sourcemap: 'linked',
    logLevel: 'warning',
    packages: 'external',
  };
  await esbuild({
    ...common,
    format: 'esm',
    entryPoints: {
      'web/main': 'electron/web/main.ts',
      cli: 'electron/cli/main.ts',
      // The desktop app reads data files in a worker thread (electron/services/data/run-in-worker.ts).
      'data-worker': 'electron/services/data/worker.ts',
    },
    outdir: out,
    outExtension: { '.js': '.mjs' },
    absWorkingDir: root,
    // ESM bundles of CommonJS dependencies need a require().
    banner: {
      js:
        "import { createRequire as __tpCreateRequire } from 'node:module'; " +
        'const require = __tpCreateRequire(import.meta.url);',
    },
  });
  await esbuild({
    ...common,
    format: 'cjs',
    entryPoints: { 'electron/main': 'electron/main/main.ts' },
    outdir: out,
    outExtension: { '.js': '.cjs' },
    absWorkingDir: root,
    external: ['electron'],
  });
  // Sandboxed preloads cannot require local files: bundle everything except electron itself.
  await esbuild({
    ...common,
    packages: undefined,
    format: 'cjs',
    entryPoints: { 'electron/preload': 'electron/preload/preload.ts' },
    outdir: out,
    outExtension: { '.js': '.cjs' },
    absWorkingDir: root,
    external: ['electron'],
  });
  fs.writeFileSync(path.join(out, '.node-stamp'), new Date().toISOString());
}

export async function buildRenderer() {
  const { build } = await import('vite');
  await build({ configFile: path.join(root, 'build/vite.config.ts'), logLevel: 'warn' });
  fs.writeFileSync(path.join(out, '.renderer-stamp'), new Date().toISOString());
}

export async function buildStale({ force = false, log = console.log, nodeOnly = false } = {}) {
  fs.mkdirSync(out, { recursive: true });
  const built = [];
  if (force || newestMtime(nodeSources) > mtime(path.join(out, '.node-stamp'))) {
    log('Building the Node bundles (server, CLI, Electron main and preload)…');
    await buildNode();
    built.push('node');
  }
  if (!nodeOnly && (force || newestMtime(rendererSources) > mtime(path.join(out, '.renderer-stamp')))) {
    log('Building the renderer…');
    await buildRenderer();
    built.push('renderer');
  }
  return built;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildStale({ force: process.argv.includes('--force') })
    .then((built) => console.log(built.length ? `Built: ${built.join(', ')}.` : 'Everything is up to date.'))
    .catch((error) => {
      console.error(error?.message ?? error);
      process.exit(1);
    });
}
