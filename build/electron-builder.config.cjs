// electron-builder configuration (npm run package). Where Electron can be downloaded, this produces
// Linux AppImage and deb, Windows nsis and macOS dmg installers with Electron fuses set.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const electronVersion = JSON.parse(
  fs.readFileSync(require.resolve('electron/package.json', { paths: [root] }), 'utf8'),
).version;
// The inspect fuse stays on only in builds that tests launch (Playwright attaches through it).
const testBuild = process.env.TUNEPLAN_TEST_BUILD === '1';

/** @type {import('electron-builder').Configuration} */
module.exports = {
  appId: 'dev.tuneplan.app',
  productName: 'Tuneplan',
  directories: { output: 'build/out/dist', buildResources: 'build/resources' },
  // data-worker.mjs: the main process's data worker thread (electron/main/main.ts resolves it beside electron/).
  files: [
    'build/out/electron/**/*',
    'build/out/data-worker.mjs',
    'build/out/renderer/**/*',
    'package.json',
    '!**/*.map',
  ],
  extraMetadata: { main: 'build/out/electron/main.cjs' },
  asar: true,
  // Never rebuild native modules here: node_modules/better-sqlite3 stays built for Node (tests, browser
  // mode); the Electron-ABI copy built by build/scripts/build-native-electron.mjs ships as a resource
  // and electron/main passes it to better-sqlite3 as nativeBinding.
  npmRebuild: false,
  extraResources: [
    { from: `build/native/electron-${electronVersion}/better_sqlite3.node`, to: 'native/better_sqlite3.node' },
  ],
  electronFuses: {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: testBuild,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
    grantFileProtocolExtraPrivileges: false,
  },
  linux: { target: ['AppImage', 'deb'], category: 'Development', maintainer: 'Tuneplan developers' },
  win: { target: ['nsis'] },
  mac: { target: ['dmg'], category: 'public.app-category.developer-tools', hardenedRuntime: true },
};
