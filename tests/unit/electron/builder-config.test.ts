import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const configPath = path.resolve(__dirname, '../../../build/electron-builder.config.cjs');
const load = (testBuild: boolean) => {
  delete require.cache[configPath];
  const old = process.env.TUNEPLAN_TEST_BUILD;
  if (testBuild) process.env.TUNEPLAN_TEST_BUILD = '1';
  else delete process.env.TUNEPLAN_TEST_BUILD;
  try {
    return require(configPath) as Record<string, unknown> & {
      electronFuses: Record<string, boolean>;
      extraResources: Array<{ from: string; to: string }>;
    };
  } finally {
    if (old === undefined) delete process.env.TUNEPLAN_TEST_BUILD;
    else process.env.TUNEPLAN_TEST_BUILD = old;
  }
};

describe('electron-builder configuration', () => {
  it('sets the fuses: no run-as-node, no NODE_OPTIONS, cookie encryption, asar integrity, asar only', () => {
    expect(load(false).electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });
  it('keeps the inspect fuse on only in builds tests launch', () => {
    expect(load(true).electronFuses.enableNodeCliInspectArguments).toBe(true);
  });
  it('ships the Electron-ABI addon and never rebuilds the Node one', () => {
    const c = load(false);
    expect(c.npmRebuild).toBe(false);
    expect(c.extraResources[0]).toMatchObject({
      from: expect.stringMatching(/^build\/native\/electron-[\d.]+\/better_sqlite3\.node$/),
      to: 'native/better_sqlite3.node',
    });
    expect(c.asar).toBe(true);
  });
  it('targets Linux (AppImage, deb), Windows (nsis) and macOS (dmg)', () => {
    const c = load(false) as unknown as {
      linux: { target: string[] };
      win: { target: string[] };
      mac: { target: string[] };
    };
    expect([c.linux.target, c.win.target, c.mac.target]).toEqual([['AppImage', 'deb'], ['nsis'], ['dmg']]);
  });
});
