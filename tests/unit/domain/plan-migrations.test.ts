import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../db/open';
import { createDispatch, createHandlers } from '../../../electron/services/create-handlers';
import { PLAN_SCHEMA_VERSION, PlanSchema } from '../../../shared/domain/plan';
import {
  PLAN_MIGRATIONS,
  readPlanDocument,
  upgradePlanDocument,
  type PlanMigrationStep,
} from '../../../shared/domain/plan-migrations';
import { parsePlanText } from '../../../shared/exporters/plan-json';
import { samplePlan } from '../../helpers/plans';

// A synthetic three-version history, to test the chain's mechanics independently of today's single version.
const chain: PlanMigrationStep[] = [
  { from: 2, describe: 'rename notes → description', up: ({ notes, ...d }) => ({ ...d, description: notes }) },
  { from: 1, describe: 'add objective (older files meant SFT)', up: (d) => ({ ...d, objective: 'sft' }) },
];

describe('plan document migration chain', () => {
  it('applies every step from the document version to the current one, in order', () => {
    const r = upgradePlanDocument({ name: 'old', notes: 'n' }, chain, 3);
    expect(r).toEqual({
      ok: true,
      fromVersion: 1,
      document: { name: 'old', objective: 'sft', description: 'n', schemaVersion: 3 },
    });
    const mid = upgradePlanDocument({ schemaVersion: 2, name: 'mid', notes: 'x' }, chain, 3);
    expect(mid.ok && mid.document).toEqual({ name: 'mid', description: 'x', schemaVersion: 3 });
  });

  it('refuses a newer document with a message and leaves it untouched', () => {
    const doc = { schemaVersion: 4, name: 'future', extra: { kept: true } };
    const copy = structuredClone(doc);
    const r = upgradePlanDocument(doc, chain, 3);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/newer Tuneplan \(format 4; this version reads up to 3\)/);
    expect(doc).toEqual(copy);
  });

  it('reports a missing step instead of skipping it', () => {
    const r = upgradePlanDocument({ name: 'x' }, [chain[0]!], 3);
    expect(!r.ok && r.message).toMatch(/no upgrade from plan format 1 to 2/);
  });

  it('rejects versions that are not whole numbers from 1', () => {
    for (const v of [0, -1, 1.5, '1', null]) {
      expect(upgradePlanDocument({ schemaVersion: v, name: 'x' }).ok, String(v)).toBe(v === null);
    }
  });

  it('today: the chain reaches the current version, and files, stored plans and drafts all read through it', () => {
    expect(PLAN_MIGRATIONS.map((s) => s.from)).toEqual(
      Array.from({ length: PLAN_SCHEMA_VERSION - 1 }, (_, i) => i + 1),
    );
    const plan = samplePlan();
    const read = readPlanDocument(JSON.parse(JSON.stringify(plan)));
    expect(read.ok && read.plan).toEqual(PlanSchema.parse(plan));
    const newer = JSON.stringify({ ...plan, schemaVersion: PLAN_SCHEMA_VERSION + 1 });
    const file = parsePlanText(newer);
    expect(!file.ok && file.message).toMatch(/newer Tuneplan/);
  });

  it('a stored plan from a newer version answers STORAGE with the reason; the list still works', async () => {
    const db = openDatabase({ file: ':memory:' });
    const dispatch = createDispatch(
      createHandlers({
        db,
        appInfo: { name: 'Tuneplan', version: '1', mode: 'test', dataDir: '', databasePath: ':memory:' },
      }),
      () => {},
    );
    const saved = await dispatch('plans:save', { plan: samplePlan() });
    expect(saved.ok).toBe(true);
    const id = (saved as { data: { id: string } }).data.id;
    db.prepare('UPDATE plans SET plan_json = json_set(plan_json, ?, ?) WHERE id = ?').run(
      '$.schemaVersion',
      PLAN_SCHEMA_VERSION + 1,
      id,
    );
    const got = await dispatch('plans:get', { id });
    expect(got.ok).toBe(false);
    expect(!got.ok && got.error.code).toBe('STORAGE');
    expect(!got.ok && got.error.message).toMatch(/newer Tuneplan/);
    const list = await dispatch('plans:list', {});
    expect(list.ok && (list.data as unknown[]).length).toBe(1);
  });
});

describe('plan format 1 → 2 (issue 15: training switches and the longest example)', () => {
  const step = PLAN_MIGRATIONS.find((s) => s.from === 1)!;

  it('gives a format-1 file the values that keep its meaning: switches off, longest example unknown', () => {
    const v1 = { name: 'old', model: { source: 'catalog', id: 'llama-3.2-3b' }, training: { microBatch: 2 } };
    const read = readPlanDocument(v1);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.fromVersion).toBe(1);
    expect(read.plan.schemaVersion).toBe(PLAN_SCHEMA_VERSION);
    expect(read.plan.training).toMatchObject({
      microBatch: 2,
      stack: 'transformers',
      compile: false,
      optimizerInBackward: false,
      activationOffload: false,
    });
    expect(read.plan.data.maxTokensPerExample).toBeNull();
  });

  it('writes the values into the document itself (not only through schema defaults) and keeps present ones', () => {
    expect(step.up({ name: 'x' })).toEqual({
      name: 'x',
      training: { stack: 'transformers', compile: false, optimizerInBackward: false, activationOffload: false },
      data: { maxTokensPerExample: null },
    });
    const kept = step.up({ name: 'x', training: { compile: true }, data: { examples: 5 } });
    expect(kept.training).toEqual({
      stack: 'transformers',
      compile: true,
      optimizerInBackward: false,
      activationOffload: false,
    });
    expect(kept.data).toEqual({ examples: 5, maxTokensPerExample: null });
  });

  it('leaves a malformed section for the schema to name', () => {
    const read = readPlanDocument({ name: 'x', model: { source: 'catalog', id: 'a' }, training: 'fast' });
    expect(!read.ok && read.message).toMatch(/training/);
  });
});

describe("plan format 2 → 3 (issue 17: statistics of the user's data)", () => {
  const step = PLAN_MIGRATIONS.find((s) => s.from === 2)!;
  const v2 = {
    schemaVersion: 2,
    name: 'two',
    model: { source: 'catalog', id: 'llama-3.2-3b' },
    training: { microBatch: 2, seqLen: 1024, stack: 'transformers' },
    data: { examples: 500, meanTokensPerExample: 300, maxTokensPerExample: 900 },
  };

  it('leaves a format-2 document as it was: no statistics, the same fields', () => {
    expect(step.up(structuredClone(v2))).toEqual(v2);
    const read = readPlanDocument(structuredClone(v2));
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.fromVersion).toBe(2);
    expect(read.plan.schemaVersion).toBe(PLAN_SCHEMA_VERSION);
    expect(read.plan.data.stats).toBeUndefined();
    expect(read.plan.data).toMatchObject({ examples: 500, meanTokensPerExample: 300, maxTokensPerExample: 900 });
  });

  it('a format-3 document with statistics that are not DataStats is refused naming data.stats', () => {
    const read = readPlanDocument({ ...v2, schemaVersion: 3, data: { ...v2.data, stats: { version: 1 } } });
    expect(!read.ok && read.message).toMatch(/data\.stats/);
  });
});

describe('plan format 3 → 4 (issue 19: the training objective)', () => {
  const step = PLAN_MIGRATIONS.find((s) => s.from === 3)!;
  const v3 = {
    schemaVersion: 3,
    name: 'three',
    model: { source: 'catalog', id: 'llama-3.2-3b' },
    training: { microBatch: 2, seqLen: 1024, stack: 'trl' },
  };

  it('writes objective.kind "sft" into the document: a format-3 file planned supervised fine-tuning', () => {
    expect(step.up(structuredClone(v3)).objective).toEqual({ kind: 'sft' });
    const read = readPlanDocument(structuredClone(v3));
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.fromVersion).toBe(3);
    expect(read.plan.objective.kind).toBe('sft');
    expect(read.plan.objective.beta).toBeNull();
  });

  it('keeps objective fields already present and leaves a malformed objective for the schema to name', () => {
    expect(step.up({ ...v3, objective: { kind: 'dpo', beta: 0.2 } }).objective).toEqual({ kind: 'dpo', beta: 0.2 });
    const read = readPlanDocument({ ...v3, objective: 'dpo' });
    expect(!read.ok && read.message).toMatch(/objective/);
  });

  it('a format-4 document with an unknown objective is refused naming objective.kind', () => {
    const read = readPlanDocument({ ...v3, schemaVersion: 4, objective: { kind: 'ppo' } });
    expect(!read.ok && read.message).toMatch(/objective\.kind/);
  });

  it("writes the interconnect format 3 assumed: the GPU's own link in a node, one HDR InfiniBand link per node", () => {
    expect(step.up(structuredClone(v3)).hardware).toEqual({
      intraNode: null,
      interNode: 'infiniband_200',
      nicsPerNode: 1,
    });
    const read = readPlanDocument({ ...structuredClone(v3), hardware: { gpu: { source: 'catalog', id: 'h100-sxm' } } });
    expect(read.ok && read.plan.hardware).toMatchObject({
      gpu: { id: 'h100-sxm' },
      intraNode: null,
      interNode: 'infiniband_200',
      nicsPerNode: 1,
    });
    // A new plan's defaults are the same conservative network; faster ones are the user's choice.
    const fresh = PlanSchema.parse({ name: 'new', model: { source: 'catalog', id: 'llama-3.2-3b' } });
    expect(fresh.hardware).toMatchObject({ intraNode: null, interNode: 'infiniband_200', nicsPerNode: 1 });
    const rail = PlanSchema.parse({ ...fresh, hardware: { interNode: 'infiniband_400', nicsPerNode: null } });
    expect(rail.hardware.nicsPerNode).toBeNull();
  });

  it('keeps interconnect fields already present and names a bad one with its allowed values', () => {
    const up = step.up({ ...v3, hardware: { interNode: 'ethernet_25', nicsPerNode: 2 } });
    expect(up.hardware).toEqual({ intraNode: null, interNode: 'ethernet_25', nicsPerNode: 2 });
    const bad = readPlanDocument({ ...v3, hardware: { interNode: 'infiniband_800' } });
    expect(!bad.ok && bad.message).toMatch(/hardware\.interNode/);
    expect(readPlanDocument({ ...v3, hardware: 'fast' }).ok).toBe(false);
  });

  it(
    "writes training.kernels 'none', expandableSegments false and each technique's quantGroupSize 128: format 3 " +
      "ran the stock modules on PyTorch's default allocator",
    () => {
      const up = step.up({ ...structuredClone(v3), techniques: [{ kind: 'qlora' }, { kind: 'lora', rank: 8 }] });
      expect(up.training).toEqual({
        kernels: 'none',
        expandableSegments: false,
        samplingStrategy: 'random',
        microBatch: 2,
        seqLen: 1024,
        stack: 'trl',
      });
      expect(up.techniques).toEqual([
        { quantGroupSize: 128, kind: 'qlora' },
        { quantGroupSize: 128, kind: 'lora', rank: 8 },
      ]);
      const read = readPlanDocument(structuredClone(v3));
      expect(read.ok && read.plan.training.kernels).toBe('none');
      expect(read.ok && read.plan.techniques[0]?.quantGroupSize).toBe(128);
      expect(read.ok && read.plan.training.expandableSegments).toBe(false);
    },
  );

  it('keeps kernels, the allocator setting and group sizes already present, and names a bad one with its field', () => {
    const up = step.up({
      ...v3,
      training: { kernels: 'liger', expandableSegments: true, samplingStrategy: 'group_by_length' },
      techniques: [{ kind: 'qlora', quantGroupSize: 64 }],
    });
    expect(up.training).toEqual({ kernels: 'liger', expandableSegments: true, samplingStrategy: 'group_by_length' });
    const badAlloc = readPlanDocument({ ...v3, training: { expandableSegments: 'yes' } });
    expect(!badAlloc.ok && badAlloc.message).toMatch(/training\.expandableSegments/);
    expect(up.techniques).toEqual([{ kind: 'qlora', quantGroupSize: 64 }]);
    const bad = readPlanDocument({ ...v3, training: { kernels: 'flash' } });
    expect(!bad.ok && bad.message).toMatch(/training\.kernels/);
    const group = readPlanDocument({ ...v3, techniques: [{ kind: 'qlora', quantType: 'gptq', quantGroupSize: 0 }] });
    expect(!group.ok && group.message).toMatch(/techniques\[0\]\.quantGroupSize: must be -1/);
    // A techniques value that is not a list is left for the schema to report.
    expect(step.up({ ...v3, techniques: 'lora' }).techniques).toBe('lora');
  });

  it('writes data.imagesPerExample 0 and no image size (issue 16): format 3 estimated text only', () => {
    expect(step.up(structuredClone(v3)).data).toEqual({ imagesPerExample: 0, imageWidth: null, imageHeight: null });
    const up = step.up({ ...v3, data: { examples: 500, imagesPerExample: 2 } });
    expect(up.data).toEqual({ imagesPerExample: 2, imageWidth: null, imageHeight: null, examples: 500 });
    const read = readPlanDocument(structuredClone(v3));
    expect(read.ok && read.plan.data).toMatchObject({ imagesPerExample: 0, imageWidth: null, imageHeight: null });
    const bad = readPlanDocument({ ...v3, data: { imagesPerExample: -1 } });
    expect(!bad.ok && bad.message).toMatch(/data\.imagesPerExample/);
    expect(step.up({ ...v3, data: 'images' }).data).toBe('images');
  });
});

describe("the objective's rules that TRL enforces when the config is built", () => {
  const base = { name: 'rules', model: { source: 'catalog', id: 'llama-3.2-3b' } };
  it('KTO refuses a micro-batch of 1 at training.microBatch (KTOTrainer: batch size must be > 1)', () => {
    const one = PlanSchema.safeParse({ ...base, objective: { kind: 'kto' }, training: { microBatch: 1 } });
    expect(one.success).toBe(false);
    expect(one.error?.issues[0]?.path).toEqual(['training', 'microBatch']);
    expect(PlanSchema.safeParse({ ...base, objective: { kind: 'kto' }, training: { microBatch: 2 } }).success).toBe(
      true,
    );
    expect(PlanSchema.safeParse({ ...base, objective: { kind: 'dpo' }, training: { microBatch: 1 } }).success).toBe(
      true,
    );
  });
  it("GRPO's generation batch (micro-batch × GPUs × accumulation) must divide by num_generations", () => {
    const plan = (microBatch: number, gpusPerNode: number, numGenerations: number) =>
      PlanSchema.safeParse({
        ...base,
        objective: { kind: 'grpo', numGenerations },
        training: { microBatch, gradAccum: 1 },
        distribution: { gpusPerNode },
      });
    expect(plan(4, 2, 8).success).toBe(true);
    const bad = plan(3, 1, 8);
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['objective', 'numGenerations']);
    expect(bad.error?.issues[0]?.message).toMatch(/= 3\) must divide by the generations per prompt/);
  });
});
