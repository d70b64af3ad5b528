import Database from 'better-sqlite3';
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../../helpers/temp-dir';

/** Kills a writer with SIGKILL at random moments, many times; every acknowledged save must survive intact. */
describe('crash safety', () => {
  it('after repeated SIGKILLs the database is intact and holds every acknowledged save', async () => {
    const { dir, cleanup } = makeTempDir('tuneplan-crash-');
    // Bundled inside the project so the child resolves better-sqlite3 from node_modules.
    const script = path.resolve(__dirname, '../../../build/out/test-crash-writer.mjs');
    await build({
      entryPoints: [path.join(__dirname, 'crash-writer.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      outfile: script,
      logLevel: 'error',
      define: { __TUNEPLAN_VERSION__: '"crash"' },
      banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
      absWorkingDir: path.resolve(__dirname, '../../..'),
    });
    const dbFile = path.join(dir, 'tuneplan.sqlite');
    const acked = new Set<string>();
    const rounds = 25;
    for (let round = 0; round < rounds; round++) {
      await new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, [script, dbFile], {
          stdio: ['ignore', 'pipe', 'pipe'],
          cwd: path.resolve(__dirname, '../../..'),
        });
        let buffer = '';
        let stderr = '';
        let timer: NodeJS.Timeout | undefined;
        // Kill at a random moment once the writer is saving (mid-write most of the time); never wait over 10 s.
        const fallback = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.stdout.on('data', (c: Buffer) => {
          timer ??= setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 200));
          buffer += c.toString();
          const lines = buffer.split('\n');
          buffer = lines.pop() ?? '';
          for (const l of lines) if (l.startsWith('ack ')) acked.add(l.slice(4));
        });
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('exit', (_code, signal) => {
          clearTimeout(timer);
          clearTimeout(fallback);
          if (signal !== 'SIGKILL') reject(new Error(`writer exited on its own: ${stderr}`));
          else resolve();
        });
      });
      const db = new Database(dbFile);
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const ids = new Set((db.prepare('SELECT id FROM plans').all() as Array<{ id: string }>).map((r) => r.id));
        for (const id of acked)
          expect(ids.has(id), `acknowledged plan ${id} is missing after round ${round}`).toBe(true);
        for (const row of db.prepare('SELECT plan_json FROM plans').all() as Array<{ plan_json: string }>)
          expect(() => JSON.parse(row.plan_json) as unknown).not.toThrow();
        const orphans = db
          .prepare('SELECT count(*) AS n FROM run_results WHERE plan_id NOT IN (SELECT id FROM plans)')
          .get() as { n: number };
        expect(orphans.n).toBe(0);
      } finally {
        db.close();
      }
    }
    expect(acked.size).toBeGreaterThan(rounds);
    console.log(`[crash-safety] ${rounds} SIGKILLs, ${acked.size} acknowledged saves, all present and intact`);
    cleanup();
  }, 120_000);
});
