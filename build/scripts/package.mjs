#!/usr/bin/env node
/**
 * `npm run package`: builds everything, makes sure the Electron binary and the Electron-ABI
 * better-sqlite3 exist, then runs electron-builder with build/electron-builder.config.cjs.
 * Needs network access for Electron and its headers; says so plainly where there is none.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildStale } from './build.mjs';
import { buildElectronNative, electronNativeBindingPath } from './build-native-electron.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
await buildStale({ force: true });
const version = JSON.parse(fs.readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
if (!fs.existsSync(electronNativeBindingPath(version))) {
  const built = buildElectronNative(version);
  if (!built.ok) {
    console.error(
      `Cannot package: better-sqlite3 could not be built for Electron ${version} (${built.reason}). ` +
        "Packaging needs network access for Electron's headers.",
    );
    process.exit(1);
  }
}
const args = ['--config', path.join(root, 'build/electron-builder.config.cjs'), ...process.argv.slice(2)];
const r = spawnSync(path.join(root, 'node_modules/.bin/electron-builder'), args, { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
