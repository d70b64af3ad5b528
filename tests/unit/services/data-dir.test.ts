import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveDataDir } from '../../../electron/services/data-dir';

describe('data folder', () => {
  it('TUNEPLAN_DATA_DIR overrides everything', () => {
    expect(resolveDataDir({ TUNEPLAN_DATA_DIR: '/tmp/tp' }, 'linux', '/home/u')).toBe(path.resolve('/tmp/tp'));
  });
  it('follows Electron userData conventions per platform', () => {
    expect(resolveDataDir({}, 'linux', '/home/u')).toBe(path.join('/home/u/.config', 'Tuneplan'));
    expect(resolveDataDir({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/u')).toBe(path.join('/xdg', 'Tuneplan'));
    expect(resolveDataDir({}, 'darwin', '/Users/u')).toBe(
      path.join('/Users/u/Library/Application Support', 'Tuneplan'),
    );
    expect(resolveDataDir({ APPDATA: 'C:/Users/u/AppData/Roaming' }, 'win32', 'C:/Users/u')).toBe(
      path.join('C:/Users/u/AppData/Roaming', 'Tuneplan'),
    );
  });
});
