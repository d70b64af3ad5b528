/**
 * Plan documents evolve: every later version of the plan format adds fields. Each change is one step
 * here (version N → N+1), applied in order to every plan that enters the app — imported files, plans
 * read from the database, drafts from the editor's draft store — before the current schema reads it.
 *
 * Rules for a new step:
 *  - bump PLAN_SCHEMA_VERSION in ./plan and append `{ from: N, describe, up }`;
 *  - a new field gets its value in `up` (the value that keeps what the older document meant), never
 *    only through a schema default that would silently change what an older file means;
 *  - a step is pure and total on documents of its `from` version, and has a test of its own.
 * A document from a newer version than this app reads is refused, never read with fields dropped.
 */
import { PLAN_SCHEMA_VERSION, PlanSchema, type Plan } from './plan';
import { AppFailure, issuesFromZod, type Issue } from '../result';

export type PlanDocument = Record<string, unknown>;

export interface PlanMigrationStep {
  /** The version this step reads; it writes `from + 1`. */
  from: number;
  describe: string;
  up: (document: PlanDocument) => PlanDocument;
}

/** The chain, oldest first. Version 1 is the first published format; files without schemaVersion are version 1. */
export const PLAN_MIGRATIONS: ReadonlyArray<PlanMigrationStep> = [
  {
    from: 1,
    describe:
      'add training.stack (format 1 estimated transformers: "transformers"), training.compile, ' +
      'training.optimizerInBackward, training.activationOffload (format 1 had none: false) and ' +
      'data.maxTokensPerExample (format 1 sized memory at the full sequence length: null)',
    up: (document) => {
      // A section that is absent gets the values; one that is not an object is left for the schema to report.
      const training = document.training ?? {};
      const data = document.data ?? {};
      return {
        ...document,
        training: isObject(training)
          ? { stack: 'transformers', compile: false, optimizerInBackward: false, activationOffload: false, ...training }
          : training,
        data: isObject(data) ? { maxTokensPerExample: null, ...data } : data,
      };
    },
  },
  {
    from: 2,
    describe:
      "add data.stats, the statistics of the user's data file (issue 17), and the training.stack value 'trl' (TRL's " +
      'SFTTrainer with its fused LM head); format 2 had no statistics, and an absent data.stats means exactly ' +
      "that (the estimate keeps using examples, mean and longest tokens), and no format-2 file names 'trl', so " +
      'the document is unchanged',
    // An optional field whose absence is the older meaning: nothing to write. A format-2 document that somehow has
    // `data.stats` keeps it, and the schema checks it like any other field.
    up: (document) => ({ ...document }),
  },
  {
    from: 3,
    describe:
      'add objective (issue 19): format 3 planned supervised fine-tuning only, so the objective is written as ' +
      "{ kind: 'sft' } and every other objective field takes its default; " +
      'add hardware.intraNode, hardware.interNode and hardware.nicsPerNode (issue 15 §7): format 3 took the link ' +
      'inside a node from the GPU (null) and assumed one 200 Gb/s InfiniBand HDR link per node between nodes ' +
      "('infiniband_200', 1); add training.kernels (format 3 ran the stock modules: 'none'), " +
      "training.expandableSegments and training.samplingStrategy (format 3 assumed PyTorch's default allocator and " +
      "shuffled batches: false, 'random') and each technique's " +
      'quantGroupSize (format 3 had no GPTQ/AWQ base: 128, unused); add data.imagesPerExample, data.imageWidth and ' +
      'data.imageHeight (issue 16: format 3 estimated text only: 0 images, sizes null)',
    up: (document) => {
      const objective = document.objective ?? {};
      const data = document.data ?? {};
      const hardware = document.hardware ?? {};
      const training = document.training ?? {};
      const techniques = document.techniques;
      return {
        ...document,
        objective: isObject(objective) ? { kind: 'sft', ...objective } : objective,
        hardware: isObject(hardware)
          ? { intraNode: null, interNode: 'infiniband_200', nicsPerNode: 1, ...hardware }
          : hardware,
        training: isObject(training)
          ? { kernels: 'none', expandableSegments: false, samplingStrategy: 'random', ...training }
          : training,
        data: isObject(data) ? { imagesPerExample: 0, imageWidth: null, imageHeight: null, ...data } : data,
        ...(Array.isArray(techniques)
          ? { techniques: techniques.map((t: unknown) => (isObject(t) ? { quantGroupSize: 128, ...t } : t)) }
          : {}),
      };
    },
  },
];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export type UpgradeResult =
  { ok: true; document: PlanDocument; fromVersion: number } | { ok: false; message: string; issues: Issue[] };

export function documentVersion(document: PlanDocument): unknown {
  return document.schemaVersion ?? 1;
}

/** Brings a plan document of any earlier version to `current`, one step at a time. */
export function upgradePlanDocument(
  json: unknown,
  chain: ReadonlyArray<PlanMigrationStep> = PLAN_MIGRATIONS,
  current: number = PLAN_SCHEMA_VERSION,
): UpgradeResult {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return {
      ok: false,
      message: 'A plan file holds one JSON object.',
      issues: [{ path: '(root)', message: 'must be an object' }],
    };
  }
  let document = json as PlanDocument;
  const version = documentVersion(document);
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return {
      ok: false,
      message: 'schemaVersion: must be a whole number from 1.',
      issues: [{ path: 'schemaVersion', message: 'must be a whole number from 1' }],
    };
  }
  if (version > current) {
    return {
      ok: false,
      message:
        `schemaVersion: this plan was written by a newer Tuneplan (format ${version}; this version reads up ` +
        `to ${current}). Update Tuneplan to open it; nothing was changed.`,
      issues: [{ path: 'schemaVersion', message: `newer than ${current}` }],
    };
  }
  for (let v = version; v < current; v++) {
    const step = chain.find((s) => s.from === v);
    if (!step) {
      return {
        ok: false,
        message: `schemaVersion: no upgrade from plan format ${v} to ${v + 1} (a Tuneplan bug: please report it).`,
        issues: [{ path: 'schemaVersion', message: `no upgrade from ${v}` }],
      };
    }
    document = { ...step.up(document), schemaVersion: v + 1 };
  }
  return { ok: true, document: { ...document, schemaVersion: current }, fromVersion: version };
}

export type PlanReadResult =
  { ok: true; plan: Plan; fromVersion: number } | { ok: false; message: string; issues: Issue[] };

/** Upgrade, then validate with the current schema: the one way a stored or imported plan becomes a `Plan`. */
export function readPlanDocument(json: unknown): PlanReadResult {
  const upgraded = upgradePlanDocument(json);
  if (!upgraded.ok) return upgraded;
  const parsed = PlanSchema.safeParse(upgraded.document);
  if (!parsed.success) {
    const issues = issuesFromZod(parsed.error);
    return {
      ok: false,
      message: `The plan is invalid: ${issues
        .slice(0, 10)
        .map((i) => `${i.path}: ${i.message}`)
        .join('; ')}${issues.length > 10 ? `; and ${issues.length - 10} more` : ''}.`,
      issues,
    };
  }
  return { ok: true, plan: parsed.data, fromVersion: upgraded.fromVersion };
}

/** For stored plans: the upgraded plan, or a STORAGE failure that names the problem (never a silent drop). */
export function readStoredPlan(json: unknown): Plan {
  const read = readPlanDocument(json);
  if (read.ok) return read.plan;
  throw new AppFailure('STORAGE', `A stored plan cannot be read: ${read.message}`, { issues: read.issues });
}
