/**
 * The packaged app carries every file the main process loads at run time. electron/main/main.ts starts the data
 * worker from build/out/data-worker.mjs (issue 17); a `files` list without it builds an app whose Data section fails
 * only once installed, where no test runs.
 */
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../../..');
const require = createRequire(import.meta.url);
const config = require(path.join(root, 'build/electron-builder.config.cjs')) as { files: string[] };

describe('electron-builder files', () => {
  it('include the data worker the main process resolves beside electron/', () => {
    const main = fs.readFileSync(path.join(root, 'electron/main/main.ts'), 'utf8');
    expect(main).toMatch(/path\.resolve\(here, '\.\.\/data-worker\.mjs'\)/);
    expect(config.files).toContain('build/out/data-worker.mjs');
    const build = fs.readFileSync(path.join(root, 'build/scripts/build.mjs'), 'utf8');
    expect(build).toMatch(/'data-worker': 'electron\/services\/data\/worker\.ts'/);
  });
});
