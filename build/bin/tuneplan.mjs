#!/usr/bin/env node
// The `tuneplan` command (no Electron needed): rebuilds the CLI bundle when its sources changed, then runs it.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildStale } from '../scripts/build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
await buildStale({ log: (m) => process.stderr.write(`${m}\n`), nodeOnly: true });
await import(pathToFileURL(path.join(root, 'build/out/cli.mjs')).href);
