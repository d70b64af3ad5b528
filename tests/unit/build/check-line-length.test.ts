/**
 * Issue 13: `npm run check:lines` flags every line over 120 characters outside what .prettierignore keeps
 * byte-for-byte (generated output, snapshots, fixtures, catalog data, plan.schema.json, screenshots) and JSON.
 */
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkLineLength,
  filesToCheck,
  ignoreMatcher,
  longLines,
  MAX_LINE_CHARS,
} from '../../../build/scripts/check-line-length.mjs';
import { makeTempDir } from '../../helpers/temp-dir';

const REPO_IGNORE = fs.readFileSync(path.join(__dirname, '../../../.prettierignore'), 'utf8');

describe('check-line-length', () => {
  it('counts characters, not bytes, and flags only lines over 120', () => {
    expect(MAX_LINE_CHARS).toBe(120);
    const ok = '—'.repeat(120); // 360 bytes in UTF-8, 120 characters
    const long = 'x'.repeat(121);
    expect(longLines(`${ok}\n${long}\r\nshort\n`)).toEqual([{ line: 2, chars: 121 }]);
    expect(longLines(`${'x'.repeat(120)}\r\n`)).toEqual([]);
  });

  it("skips what the repository's .prettierignore keeps as written, and JSON data", () => {
    const ignored = ignoreMatcher(REPO_IGNORE);
    const files = [
      'shared/estimate/cost.ts',
      'README.md',
      'tests/fixtures/runs/trainer_state.json',
      'tests/fixtures/data/chat.jsonl',
      'tests/unit/__snapshots__/exports.test.ts.snap',
      'shared/catalog/data/gpus.json',
      'shared/exporters/plan.schema.json',
      'package-lock.json',
      'tests/e2e-web/screenshots/editor.png',
      'build/out/main.cjs',
      'tests/python/fixtures_gen/save_configs.py',
      'tsconfig.json',
    ];
    expect(filesToCheck(files, ignored)).toEqual([
      'shared/estimate/cost.ts',
      'README.md',
      'tests/python/fixtures_gen/save_configs.py',
    ]);
  });

  it('reads gitignore-style patterns: folders, anchors, stars; refuses negations', () => {
    const ignored = ignoreMatcher('# comment\nnode_modules/\n/top.txt\ndocs/*.md\ngen/**/out.ts\n');
    expect(ignored('node_modules/a.js')).toBe(true);
    expect(ignored('pkg/node_modules/a.js')).toBe(true);
    expect(ignored('node_modules_x/a.js')).toBe(false);
    expect(ignored('top.txt')).toBe(true);
    expect(ignored('sub/top.txt')).toBe(false);
    expect(ignored('docs/a.md')).toBe(true);
    expect(ignored('docs/sub/a.md')).toBe(false);
    expect(ignored('gen/a/b/out.ts')).toBe(true);
    expect(() => ignoreMatcher('!keep.ts')).toThrow(/negated pattern/);
  });

  it('lists long lines of tracked and untracked files in a git work tree, not ignored ones', () => {
    const { dir, cleanup } = makeTempDir('tuneplan-lines-');
    try {
      const git = (...args: string[]) => spawnSync('git', args, { cwd: dir, encoding: 'utf8' });
      if (git('init', '-q').status !== 0) throw new Error('git init failed');
      fs.writeFileSync(path.join(dir, '.prettierignore'), 'generated/\n');
      fs.writeFileSync(path.join(dir, '.gitignore'), 'ignored.ts\n');
      fs.mkdirSync(path.join(dir, 'generated'));
      const long = `const s = '${'y'.repeat(130)}';\n`;
      fs.writeFileSync(path.join(dir, 'generated', 'big.ts'), long);
      fs.writeFileSync(path.join(dir, 'ignored.ts'), long);
      fs.writeFileSync(path.join(dir, 'data.json'), long);
      fs.writeFileSync(path.join(dir, 'tracked.ts'), `short\n${long}`);
      git('add', 'tracked.ts');
      fs.writeFileSync(path.join(dir, 'untracked.md'), long);
      const found = checkLineLength(dir).sort((a, b) => a.file.localeCompare(b.file));
      expect(found).toEqual([
        { file: 'tracked.ts', line: 2, chars: long.length - 1 },
        { file: 'untracked.md', line: 1, chars: long.length - 1 },
      ]);
    } finally {
      cleanup();
    }
  });
});
