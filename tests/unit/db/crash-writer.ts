/**
 * Child process for the crash-safety test: `crash-writer.mjs <db file> [save|backup|restore] [round]`.
 * Saves plans (and a run for each) in a loop and prints "ack <id>" on stdout only after each save returned,
 * i.e. was acknowledged to the caller. In the other modes it starts like the app (the start-up backup step),
 * then between saves it:
 *  - backup:  makes a daily backup ("backup-start <file>" before, "backup-done <file>" after);
 *  - restore: restores one of the listed backups ("restore-start <file> <undo file>" before, "restore-done <file>"
 *             after), as the Restore button does.
 * Each line is written before (or after) the step it names, so the parent knows what was acknowledged when.
 */
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../../../db/open';
import { backupIfDue, listBackups, restoreBackup } from '../../../electron/services/backups';
import { createDispatch, createHandlers } from '../../../electron/services/create-handlers';

const file = process.argv[2]!;
const mode = process.argv[3] ?? 'save';
const round = Number(process.argv[4] ?? 0);
const dataDir = path.dirname(file);
const db = openDatabase({ file });
const dispatch = createDispatch(
  createHandlers({
    db,
    appInfo: { name: 'Tuneplan', version: 'crash', mode: 'test', dataDir, databasePath: file },
  }),
);
const say = (line: string) => fs.writeSync(1, `${line}\n`);
// A clock one day further on each step, and later in each round, so every backup gets a new name and is due.
const DAY = 24 * 60 * 60 * 1000;
let step = 0;
const tick = () => new Date(Date.UTC(2030, 0, 1) + (round * 1000 + step++) * DAY);
const nameAt = (d: Date, reason = '') =>
  `tuneplan-${d.toISOString().replace(/[:.]/g, '-')}${reason ? `-${reason}` : ''}.sqlite`;

async function dailyBackup(): Promise<void> {
  const now = tick();
  say(`backup-start ${nameAt(now)}`);
  const made = await backupIfDue(db, dataDir, now);
  if (made) say(`backup-done ${made.file}`);
}

let i = 0;
async function loop(): Promise<void> {
  if (mode !== 'save') await dailyBackup(); // what the app does at start-up (cleans a crash's leftovers first)
  for (;;) {
    const saved = await dispatch('plans:save', {
      plan: {
        name: `crash plan ${process.pid}-${i++}`,
        notes: 'x'.repeat(mode === 'save' ? 2000 : 500),
        model: { source: 'catalog', id: 'Phi-3-mini-4k-instruct' },
        techniques: [{ kind: 'lora' }, { kind: 'full' }],
      },
    });
    if (!saved.ok) throw new Error(saved.error.message);
    const id = (saved.data as { id: string }).id;
    const run = await dispatch('runs:save', {
      planId: id,
      result: { technique: 'lora', gpuName: 'A100', gpuCount: 1, peakMemoryBytes: 1e10 },
    });
    if (!run.ok) throw new Error(run.error.message);
    say(`ack ${id}`);
    if (mode === 'backup') await dailyBackup();
    if (mode === 'restore') {
      const offered = listBackups(dataDir);
      const pick = offered[Math.floor(Math.random() * offered.length)];
      if (!pick) continue;
      const now = tick();
      say(`restore-start ${pick.file} ${nameAt(now, 'before-restore')}`);
      await restoreBackup(db, dataDir, pick.file, now);
      say(`restore-done ${pick.file}`);
    }
  }
}
void loop();
