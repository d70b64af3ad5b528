import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../db/open';
import { createDispatch, createHandlers } from '../../electron/services/create-handlers';
import {
  parseAppleSysctl,
  parseNvidiaSmi,
  parseRocmSmi,
  physicalCoresFromCpuinfo,
} from '../../electron/services/probes/parsers';
import { FAKE_PROBE } from '../helpers/fake-probe';
import { ConfigImportError, parseHfConfig } from '../../shared/catalog/hf-config';
import { CHANNELS } from '../../shared/channels';
import { PlanSchema } from '../../shared/domain/plan';
import { parsePlanText, parsePlanValue } from '../../shared/exporters/plan-json';
import { parseTrainerFiles, TrainerImportError } from '../../shared/import/trainer-state';
import { samplePlan } from '../helpers/plans';

/** Adversarial JSON: wrong types, huge and NaN-like numbers, prototype-pollution keys, long strings, nesting. */
const nasty = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(
      null,
      true,
      false,
      0,
      -1,
      1e308,
      -1e308,
      2 ** 53 + 1,
      'NaN',
      'Infinity',
      '-0',
      '',
      ' ',
      '__proto__',
      'constructor',
      '<script>alert(1)</script>',
      "'; DROP TABLE plans; --",
    ),
    fc.double(),
    fc.integer(),
    fc.string({ maxLength: 50 }),
    fc.string({ minLength: 1000, maxLength: 5000 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(
        fc.constantFrom(
          '__proto__',
          'constructor',
          'prototype',
          'name',
          'id',
          'plan',
          'revision',
          'model',
          'techniques',
        ),
        fc.string({ maxLength: 10 }),
      ),
      tie('value'),
      { maxKeys: 5 },
    ),
  ),
})).value;

describe('fuzzing every contract input', () => {
  const db = openDatabase({ file: ':memory:' });
  const dispatch = createDispatch(
    createHandlers({
      db,
      appInfo: { name: 'Tuneplan', version: 'fuzz', mode: 'test', dataDir: '', databasePath: '' },
      probe: () => Promise.resolve(FAKE_PROBE),
    }),
    () => {},
  );

  it('never throws, never stores anything invalid, and names the path of each validation failure', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CHANNELS), nasty, async (channel, input) => {
        const result = await dispatch(channel, input);
        expect(typeof result.ok).toBe('boolean');
        if (!result.ok) {
          expect(['VALIDATION', 'NOT_FOUND', 'CONFLICT', 'UNKNOWN_CHANNEL', 'UNSUPPORTED']).toContain(
            result.error.code,
          );
          if (result.error.code === 'VALIDATION') expect(result.error.details?.issues?.[0]?.path).toBeTruthy();
        }
      }),
      { numRuns: 600 },
    );
    // Whatever got in is valid.
    for (const row of db.prepare('SELECT plan_json FROM plans').all() as Array<{ plan_json: string }>)
      expect(PlanSchema.safeParse(JSON.parse(row.plan_json)).success).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a valid plan with one field made hostile is refused at that field', async () => {
    const fields = [
      'name',
      'notes',
      'training.microBatch',
      'training.seqLen',
      'distribution.gpusPerNode',
      'hardware.headroomPct',
      'pricing.usdPerGpuHour',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fields),
        fc.constantFrom<unknown>(-5, 1e300, 'NaN', [], {}, 'x'.repeat(25_000), true),
        async (field, bad) => {
          const plan = PlanSchema.parse(samplePlan()) as unknown as Record<string, Record<string, unknown>>;
          const [a, b] = field.split('.') as [string, string | undefined];
          if (b) plan[a] = { ...plan[a], [b]: bad };
          else (plan as Record<string, unknown>)[a] = bad;
          const before = (db.prepare('SELECT count(*) AS n FROM plans').get() as { n: number }).n;
          const result = await dispatch('plans:save', { plan });
          if (!result.ok) {
            expect(result.error.code).toBe('VALIDATION');
            expect(result.error.details?.issues?.map((i) => i.path)).toContain(`plan.${field}`);
            expect((db.prepare('SELECT count(*) AS n FROM plans').get() as { n: number }).n).toBe(before);
          }
        },
      ),
      { numRuns: 120 },
    );
  });
});

describe('fuzzing file imports and tool parsers', () => {
  it('plan import answers ok or a message with paths, never throws', () => {
    fc.assert(
      fc.property(nasty, (value) => {
        const r = parsePlanValue(value);
        if (!r.ok) expect(r.issues.length).toBeGreaterThan(0);
        const t = parsePlanText(JSON.stringify(value) ?? 'null');
        expect(typeof t.ok).toBe('boolean');
      }),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        expect(typeof parsePlanText(text).ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });

  it('config.json and trainer_state.json imports fail only with their own clear errors', () => {
    fc.assert(
      fc.property(nasty, (value) => {
        try {
          parseHfConfig(value);
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigImportError);
        }
        try {
          parseTrainerFiles([{ name: 'trainer_state.json', text: JSON.stringify(value) ?? '' }]);
        } catch (e) {
          expect(e).toBeInstanceOf(TrainerImportError);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('probe parsers turn any text into data or a reason', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 500 }), (text) => {
        for (const parse of [parseNvidiaSmi, parseRocmSmi, parseAppleSysctl]) {
          const r = parse(text);
          expect('gpus' in r || 'reason' in r).toBe(true);
        }
        const cores = physicalCoresFromCpuinfo(text);
        expect(cores === null || cores > 0).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
