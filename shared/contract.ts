/**
 * The one contract: channel → input and output schemas. Every transport (Electron IPC, local HTTP,
 * the in-process test API) validates against these, and types are inferred from them, never written twice.
 */
import { z } from 'zod';
import type { Channel } from './channels';
import { HubConfigFetchedSchema, HubConfigRequestSchema } from './catalog/hub-repo-id';
import { DataAnalyzeInputSchema, DataJobStatusSchema } from './data/data-job';
import { MachineProbeSchema } from './domain/machine';
import { ModelSpecSchema } from './domain/model-spec';
import { RunResultSchema } from './domain/run-result';
import { PlanSchema } from './domain/plan';
import { IdSchema } from './ids';

export const SavedPlanSchema = z.object({
  id: IdSchema,
  revision: z.number().int().min(1),
  createdAt: z.string(),
  updatedAt: z.string(),
  plan: PlanSchema,
});
export type SavedPlan = z.infer<typeof SavedPlanSchema>;

export const PlanSummarySchema = z.object({
  id: IdSchema,
  name: z.string(),
  model: z.string(),
  techniqueCount: z.number().int(),
  revision: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type PlanSummary = z.infer<typeof PlanSummarySchema>;

/** Something the user must know about the data folder at start-up (electron/services/storage.ts). */
export const StorageNoticeSchema = z.object({ level: z.enum(['warning', 'error']), message: z.string() });
export type StorageNotice = z.infer<typeof StorageNoticeSchema>;

export const AppInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  mode: z.enum(['desktop', 'browser', 'test']),
  dataDir: z.string(),
  databasePath: z.string(),
  schemaVersion: z.number().int(),
  readOnly: z.boolean().default(false),
  /** Things the user must know at start-up (a database moved aside, a read-only folder). */
  notices: z.array(StorageNoticeSchema).default([]),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

export const StoredModelSchema = z.object({
  id: IdSchema,
  name: z.string(),
  spec: ModelSpecSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type StoredModel = z.infer<typeof StoredModelSchema>;

export const StoredProfileSchema = z.object({
  id: IdSchema,
  name: z.string(),
  probe: MachineProbeSchema,
  createdAt: z.string(),
});
export type StoredProfile = z.infer<typeof StoredProfileSchema>;
export const StoredRunSchema = z.object({
  id: IdSchema,
  planId: IdSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  result: RunResultSchema,
});
export type StoredRun = z.infer<typeof StoredRunSchema>;

export const BackupInfoSchema = z.object({
  file: z.string(),
  createdAt: z.string(),
  sizeBytes: z.number(),
  reason: z.string(),
  /** What the backup holds, read when it passed its check (a backup that fails the check is never listed). */
  planCount: z.number().int().min(0),
  runCount: z.number().int().min(0),
});
export type BackupInfo = z.infer<typeof BackupInfoSchema>;

export const contract = {
  'app:info': { input: z.object({}).strict().prefault({}), output: AppInfoSchema },
  'plans:list': {
    input: z
      .object({
        query: z.string().max(200, 'search text must be at most 200 characters').default(''),
        sort: z.enum(['updated', 'name']).default('updated'),
        limit: z.number().int().min(1).max(100_000).default(10_000),
      })
      .strict()
      .prefault({}),
    output: z.array(PlanSummarySchema),
  },
  'plans:get': { input: z.object({ id: IdSchema }).strict(), output: SavedPlanSchema },
  'plans:save': {
    input: z
      .object({
        /** Absent: create. Present: update, and `revision` must be the one the caller loaded. */
        id: IdSchema.optional(),
        revision: z.number().int().min(1).optional(),
        plan: PlanSchema,
      })
      .strict()
      .superRefine((v, ctx) => {
        if (v.id && v.revision === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['revision'],
            message: 'is required when updating (the revision you loaded)',
          });
        }
      }),
    output: SavedPlanSchema,
  },
  'plans:delete': { input: z.object({ id: IdSchema }).strict(), output: z.object({ id: IdSchema }) },
  'models:list': { input: z.object({}).strict().prefault({}), output: z.array(StoredModelSchema) },
  'models:save': {
    input: z
      .object({
        spec: ModelSpecSchema,
        /**
         * A name already in use: 'keep-both' (default) stores the newcomer as "name (2)", "name (3)", …
         * (shared/naming.ts); 'replace' overwrites the spec of the model `replaceId` names, never one found
         * by name (issue 11.1: a second config.json silently replaced the first).
         */
        onConflict: z.enum(['keep-both', 'replace']).default('keep-both'),
        replaceId: IdSchema.optional(),
      })
      .strict()
      .superRefine((v, ctx) => {
        if (v.onConflict === 'replace' && v.replaceId === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['replaceId'],
            message: 'is required to replace a model (the id of the model to replace)',
          });
        }
      }),
    output: StoredModelSchema,
  },
  'models:delete': { input: z.object({ id: IdSchema }).strict(), output: z.object({ id: IdSchema }) },
  /**
   * Fetches a model's config.json from the Hugging Face Hub (issue 16), only when the user asks: the main process or
   * the browser-mode server does it (electron/services/hub-config.ts), never the renderer. `name` is the repo id.
   */
  'models:fetchHubConfig': { input: HubConfigRequestSchema, output: HubConfigFetchedSchema },
  'system:probe': { input: z.object({}).strict().prefault({}), output: MachineProbeSchema },
  'profiles:list': { input: z.object({}).strict().prefault({}), output: z.array(StoredProfileSchema) },
  'profiles:save': {
    input: z
      .object({ name: z.string().trim().min(1, 'give the profile a name').max(200), probe: MachineProbeSchema })
      .strict(),
    output: StoredProfileSchema,
  },
  'profiles:delete': { input: z.object({ id: IdSchema }).strict(), output: z.object({ id: IdSchema }) },
  'runs:list': { input: z.object({ planId: IdSchema }).strict(), output: z.array(StoredRunSchema) },
  'runs:save': {
    input: z.object({ id: IdSchema.optional(), planId: IdSchema, result: RunResultSchema }).strict(),
    output: StoredRunSchema,
  },
  'runs:delete': { input: z.object({ id: IdSchema }).strict(), output: z.object({ id: IdSchema }) },
  'backups:list': { input: z.object({}).strict().prefault({}), output: z.array(BackupInfoSchema) },
  'backups:restore': {
    input: z.object({ file: z.string().min(1).max(200) }).strict(),
    output: z.object({ restored: BackupInfoSchema, undo: BackupInfoSchema }),
  },
  /** Desktop only: print the window to PDF (printToPDF) and save it where the user chooses. */
  'desktop:savePdf': {
    input: z
      .object({ suggestedName: z.string().trim().min(1).max(200).default('tuneplan-report.pdf') })
      .strict()
      .prefault({}),
    output: z.object({ path: z.string() }),
  },
  /** Desktop only: a native open dialog for a JSON file (config.json, plan, probe), at most 5 MB. */
  'desktop:openJson': {
    input: z
      .object({ title: z.string().max(200).default('Open JSON') })
      .strict()
      .prefault({}),
    /**
     * `text` has any UTF-8 BOM removed; `folder` labels the folder the file came from (shared/naming.ts
     * folderLabel) when it says something, so a config.json can be named after it.
     */
    output: z.object({ name: z.string(), text: z.string(), folder: z.string().optional() }),
  },
  /**
   * Desktop only: a native open dialog that answers the chosen path (read later by the main process, never
   * sent as bytes): a data file or a `save_to_disk` folder for `data:analyze`, a tokenizer.json or model folder.
   * Two purposes per target because Windows and Linux dialogs cannot pick files and folders at once.
   */
  'desktop:openPath': {
    input: z.object({ purpose: z.enum(['dataFile', 'dataFolder', 'tokenizerFile', 'tokenizerFolder']) }).strict(),
    output: z.object({ path: z.string(), name: z.string(), sizeBytes: z.number().nonnegative(), folder: z.boolean() }),
  },
  /** Desktop only: starts analysing a data file by path in a worker thread of the main process (issue 17). */
  'data:analyze': { input: DataAnalyzeInputSchema, output: z.object({ jobId: IdSchema }) },
  /** Desktop only: where a `data:analyze` job stands (polled: the transports have no push). */
  'data:progress': { input: z.object({ jobId: IdSchema }).strict(), output: DataJobStatusSchema },
  /** Desktop only: stops a job (its worker thread is terminated); answers its status, `cancelled` if it was running. */
  'data:cancel': { input: z.object({ jobId: IdSchema }).strict(), output: DataJobStatusSchema },
} as const satisfies Record<Channel, { input: z.ZodType; output: z.ZodType }>;

export type Contract = typeof contract;
export type InputOf<C extends Channel> = z.input<Contract[C]['input']>;
export type ParsedInputOf<C extends Channel> = z.output<Contract[C]['input']>;
export type OutputOf<C extends Channel> = z.output<Contract[C]['output']>;
/** How plans are listed (search text, order, limit), with the contract's defaults applied. */
export type ListOptions = ParsedInputOf<'plans:list'>;
