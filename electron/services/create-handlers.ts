/**
 * The contract's implementation over db/. Transports (IPC, HTTP, tests) call `dispatch`, which
 * validates input, runs the handler and always answers a Result — it never throws.
 * Imports no `electron`: it runs in plain Node for browser mode and tests.
 */
import { randomUUID } from 'node:crypto';
import { isChannel } from '../../shared/channels';
import { contract, type AppInfo } from '../../shared/contract';
import type { Dispatch, Handlers } from '../../shared/handlers';
import { MachineProbeSchema, type MachineProbe } from '../../shared/domain/machine';
import { ModelSpecSchema } from '../../shared/domain/model-spec';
import { readStoredPlan } from '../../shared/domain/plan-migrations';
import { RunResultSchema } from '../../shared/domain/run-result';
import { AppFailure, fail, ok, validationFailure, type Result } from '../../shared/result';
import { schemaVersion, type Db } from '../../db/open';
import { createModelsRepo } from '../../db/models-repo';
import { createPlansRepo } from '../../db/plans-repo';
import { createProfilesRepo } from '../../db/profiles-repo';
import { listBackups, restoreBackup } from './backups';
import { fetchHubConfig, hubDepsFromEnv, type HubDeps } from './hub-config';
import { createRunsRepo } from '../../db/runs-repo';

export interface HandlerDeps {
  db: Db;
  appInfo: Omit<AppInfo, 'schemaVersion' | 'readOnly' | 'notices'> & Partial<Pick<AppInfo, 'readOnly' | 'notices'>>;
  now?: () => Date;
  newId?: () => string;
  log?: (message: string) => void;
  /** Probes this machine; injected so tests can use fake tools. */
  probe?: () => Promise<MachineProbe>;
  /**
   * Where `models:fetchHubConfig` goes and how (Hub address, token, fetch, limits); by default read from the
   * environment at each call (TUNEPLAN_HF_ENDPOINT, HF_TOKEN: electron/services/hub-config.ts).
   */
  hub?: () => HubDeps;
}

export function createHandlers(deps: HandlerDeps): Handlers {
  const now = () => (deps.now ?? (() => new Date()))().toISOString();
  const newId = deps.newId ?? randomUUID;
  const plans = createPlansRepo(deps.db, readStoredPlan);
  const models = createModelsRepo(deps.db, (json) => ModelSpecSchema.parse(json));
  const runs = createRunsRepo(deps.db, (json) => RunResultSchema.parse(json));
  const profiles = createProfilesRepo(deps.db, (json) => MachineProbeSchema.parse(json));
  const probe = deps.probe ?? (() => Promise.reject(new Error('no machine probe configured')));

  return {
    'app:info': () => ({ readOnly: false, notices: [], ...deps.appInfo, schemaVersion: schemaVersion(deps.db) }),
    'plans:list': (input) => plans.list(input),
    'plans:get': ({ id }) => plans.get(id),
    'plans:save': ({ id, revision, plan }) => {
      if (id === undefined) return plans.create(newId(), plan, now());
      return plans.update(id, revision ?? 0, plan, now());
    },
    'plans:delete': ({ id }) => {
      plans.delete(id);
      return { id };
    },
    'models:list': () => models.list(),
    'models:save': ({ spec, onConflict, replaceId }) =>
      onConflict === 'replace' && replaceId
        ? models.replace(replaceId, spec, now())
        : models.create(newId(), spec, now()),
    'models:delete': ({ id }) => {
      models.delete(id);
      return { id };
    },
    // Only on the user's request; the renderer reads the text with the same reader as an opened file.
    'models:fetchHubConfig': (request) =>
      fetchHubConfig(request, { ...(deps.now ? { now: deps.now } : {}), ...(deps.hub ?? hubDepsFromEnv)() }),
    'system:probe': () => probe(),
    'profiles:list': () => profiles.list(),
    'profiles:save': ({ name, probe: snapshot }) => profiles.create(newId(), name, snapshot, now()),
    'profiles:delete': ({ id }) => {
      profiles.delete(id);
      return { id };
    },
    'runs:list': ({ planId }) => runs.listForPlan(planId),
    'runs:save': ({ id, planId, result }) =>
      id ? runs.update(id, planId, result, now()) : runs.create(newId(), planId, result, now()),
    'runs:delete': ({ id }) => {
      runs.delete(id);
      return { id };
    },
    'backups:list': () => (deps.appInfo.dataDir ? listBackups(deps.appInfo.dataDir) : []),
    'backups:restore': ({ file }) =>
      restoreBackup(deps.db, deps.appInfo.dataDir, file, (deps.now ?? (() => new Date()))()),
    // The desktop app replaces these two with native implementations (electron/main/desktop-handlers.ts).
    'desktop:savePdf': () => {
      throw new AppFailure(
        'UNSUPPORTED',
        'Saving a PDF needs the desktop app; in the browser use Print report and choose “Save as PDF”.',
      );
    },
    'desktop:openJson': () => {
      throw new AppFailure(
        'UNSUPPORTED',
        'The native open dialog needs the desktop app; choose the file with the file picker instead.',
      );
    },
    'desktop:openPath': () => {
      throw new AppFailure(
        'UNSUPPORTED',
        'The native open dialog needs the desktop app; choose the file with the file picker instead.',
      );
    },
    // Reading a data file by path is the desktop app's (electron/services/data/data-jobs.ts, registered by
    // electron/main). Browser mode never reads paths a request names: the page streams the File the user
    // picked in a Web Worker (renderer/features/data/worker-runner.ts).
    'data:analyze': dataNeedsDesktop,
    'data:progress': dataNeedsDesktop,
    'data:cancel': dataNeedsDesktop,
  };
}

function dataNeedsDesktop(): never {
  throw new AppFailure(
    'UNSUPPORTED',
    'Reading a data file by its path needs the desktop app; in the browser pick the file in the Data section, ' +
      'and it is read in the page.',
  );
}

/** Wraps handlers with validation and error mapping; the single entry point for every transport. */
export function createDispatch(handlers: Handlers, log: (message: string) => void = console.error): Dispatch {
  return async (channel, rawInput) => {
    if (!isChannel(channel)) return fail('UNKNOWN_CHANNEL', `There is no "${String(channel).slice(0, 60)}" operation.`);
    const spec = contract[channel];
    const parsed = spec.input.safeParse(rawInput);
    if (!parsed.success) return validationFailure(parsed.error);
    try {
      const handler = handlers[channel] as (input: unknown) => unknown;
      const output = await handler(parsed.data);
      return ok(output);
    } catch (error) {
      return errorToResult(error, log);
    }
  };
}

export function errorToResult(error: unknown, log: (message: string) => void): Result<never> {
  if (error instanceof AppFailure) return fail(error.code, error.message, error.details);
  const code = (error as { code?: unknown }).code;
  if (code === 'SQLITE_READONLY' || code === 'SQLITE_READONLY_DBMOVED') {
    return fail(
      'READ_ONLY',
      'The data folder is read-only, so nothing was saved. ' +
        'Make it writable or set TUNEPLAN_DATA_DIR to a writable folder.',
    );
  }
  if (code === 'SQLITE_FULL')
    return fail('STORAGE', 'The disk is full, so nothing was saved. Free some space and try again.');
  if (typeof code === 'string' && code.startsWith('SQLITE_')) {
    return fail('STORAGE', `The database could not complete the operation (${code}). Your saved data was not changed.`);
  }
  log(`Tuneplan internal error: ${(error as Error)?.stack ?? String(error)}`);
  return fail(
    'INTERNAL',
    'Something went wrong inside Tuneplan; nothing was changed. Details were written to the log.',
  );
}
