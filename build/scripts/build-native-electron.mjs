/**
 * Builds better-sqlite3 for Electron's ABI into build/native/electron-<version>/, leaving the
 * Node build in node_modules untouched (unit tests, browser mode and CI use that one).
 * Needs Electron's headers (downloaded by node-gyp), so it works only where they can be fetched.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);

export function electronNativeBindingPath(electronVersion) {
  return path.join(root, 'build/native', `electron-${electronVersion}`, 'better_sqlite3.node');
}

function nodeGypBin() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    // npm ships node-gyp inside its own folder.
    const npmDir = path.resolve(
      path.dirname(process.execPath),
      '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    );
    return fs.existsSync(npmDir) ? npmDir : null;
  }
}

export function buildElectronNative(electronVersion) {
  const gyp = nodeGypBin();
  if (!gyp) return { ok: false, reason: 'node-gyp was not found' };
  const source = path.dirname(require.resolve('better-sqlite3/package.json'));
  const work = path.join(root, 'build/native', `src-electron-${electronVersion}`);
  fs.rmSync(work, { recursive: true, force: true });
  fs.cpSync(source, work, { recursive: true, filter: (p) => !p.includes(`${path.sep}build${path.sep}`) });
  const result = spawnSync(
    process.execPath,
    [
      gyp,
      'rebuild',
      '--release',
      `--target=${electronVersion}`,
      '--runtime=electron',
      '--dist-url=https://electronjs.org/headers',
      `--arch=${process.arch}`,
    ],
    { cwd: work, stdio: 'inherit', timeout: 600_000 },
  );
  const built = path.join(work, 'build/Release/better_sqlite3.node');
  if (result.status !== 0 || !fs.existsSync(built))
    return { ok: false, reason: `node-gyp exited with ${result.status ?? result.signal}` };
  const target = electronNativeBindingPath(electronVersion);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(built, target);
  return { ok: true, path: target };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const version = JSON.parse(fs.readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
  const result = buildElectronNative(version);
  console.log(result.ok ? `Built ${result.path}` : `Failed: ${result.reason}`);
  process.exit(result.ok ? 0 : 1);
}
