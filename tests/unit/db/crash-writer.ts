/**
 * Child process for the crash-safety test: saves plans (and a run for each) in a loop and prints
 * "ack <id>" on stdout only after each save returned, i.e. was acknowledged to the caller.
 */
import fs from 'node:fs';
import { openDatabase } from '../../../db/open';
import { createDispatch, createHandlers } from '../../../electron/services/create-handlers';

const file = process.argv[2]!;
const db = openDatabase({ file });
const dispatch = createDispatch(
  createHandlers({
    db,
    appInfo: { name: 'Tuneplan', version: 'crash', mode: 'test', dataDir: '', databasePath: file },
  }),
);
let i = 0;
async function loop(): Promise<void> {
  for (;;) {
    const saved = await dispatch('plans:save', {
      plan: {
        name: `crash plan ${process.pid}-${i++}`,
        notes: 'x'.repeat(2000),
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
    fs.writeSync(1, `ack ${id}\n`);
  }
}
void loop();
