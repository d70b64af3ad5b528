/** Issue 11 item 12: a packaged app ignores every variable that loads code. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODE_LOADING_VARIABLES, devOverrides } from '../../../electron/main/dev-overrides';

const env = {
  TUNEPLAN_NATIVE_BINDING: '/tmp/evil/better_sqlite3.node',
  TUNEPLAN_RENDERER_DIR: '/tmp/evil/renderer',
  TUNEPLAN_DATA_DIR: '/tmp/data',
};

describe('devOverrides', () => {
  it('honours the code-loading variables in development and test runs (unpackaged)', () => {
    expect(devOverrides(env, { packaged: false })).toEqual({
      nativeBinding: '/tmp/evil/better_sqlite3.node',
      rendererDir: '/tmp/evil/renderer',
      ignored: [],
    });
    expect(devOverrides({}, { packaged: false })).toEqual({ ignored: [] });
  });

  it('ignores them, and names them, in a packaged build', () => {
    expect(devOverrides(env, { packaged: true })).toEqual({
      ignored: ['TUNEPLAN_NATIVE_BINDING', 'TUNEPLAN_RENDERER_DIR'],
    });
    expect(devOverrides({ TUNEPLAN_RENDERER_DIR: '' }, { packaged: true })).toEqual({ ignored: [] });
  });

  it('is the only place in electron/ that reads a code-loading variable', () => {
    const root = path.resolve(__dirname, '../../../electron');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (/\.ts$/.test(entry.name) && entry.name !== 'dev-overrides.ts') {
          const text = fs.readFileSync(full, 'utf8');
          for (const name of CODE_LOADING_VARIABLES) if (text.includes(name)) offenders.push(`${full}: ${name}`);
        }
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});
