/**
 * The desktop app's data analyses by path (issue 17): `data:analyze` checks the paths and starts a worker
 * thread (run-in-worker.ts), `data:progress` answers where a job stands, `data:cancel` terminates it. The
 * transports are request/response only, so the renderer polls; the main process's event loop only records
 * the latest progress message, and every file check is asynchronous, so nothing here blocks the window.
 *
 * Imports no `electron`: browser mode never registers these (the browser reads the picked File in a Web
 * Worker, create-handlers.ts answers UNSUPPORTED), and tests run them in plain Node.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DATA_JOB_FAILURES, type DataJobStatus } from '../../../shared/data/data-job';
import type { Handlers } from '../../../shared/handlers';
import { AppFailure, type ErrorCode } from '../../../shared/result';
import { analyzeInWorker, DataWorkerError } from './run-in-worker';

export interface DataJobsDeps {
  /** The bundled worker (build/out/data-worker.mjs). */
  workerFile: string;
  newId?: () => string;
  now?: () => number;
  /** Jobs running at once; one more is refused. The renderer runs one at a time, plus one being cancelled. */
  maxRunning?: number;
  /**
   * A running job nobody has polled for this long is cancelled: the window that started it was closed or
   * reloaded (the renderer polls every few hundred ms while it shows the progress bar).
   */
  abandonAfterMs?: number;
  /** How long a finished job's status stays readable (the renderer reads it at its next poll). */
  keepFinishedMs?: number;
  /** The worker runner; tests may replace it. */
  run?: typeof analyzeInWorker;
}

export interface DataJobs {
  handlers: Pick<Handlers, 'data:analyze' | 'data:progress' | 'data:cancel'>;
  /** Worker threads started and not yet exited. */
  liveThreads(): number;
  /** Cancels every running job (the app is quitting). */
  cancelAll(): void;
}

interface Job {
  status: DataJobStatus;
  controller: AbortController;
  lastPolled: number;
  finishedAt: number | null;
}

/** A refused path: the message names the field and what to do, and `details.issues` carries the field. */
function refuse(code: ErrorCode, field: 'dataPath' | 'tokenizerPath', message: string): never {
  throw new AppFailure(code, `${field}: ${message}`, { issues: [{ path: field, message }] });
}

async function statOf(p: string, field: 'dataPath' | 'tokenizerPath', choose: string): Promise<fs.Stats> {
  if (!path.isAbsolute(p)) refuse('VALIDATION', field, `"${p}" is not an absolute path; ${choose}`);
  try {
    return await fs.promises.stat(p);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      refuse('NOT_FOUND', field, `nothing is at ${p} (moved or deleted?); ${choose}`);
    if (code === 'EACCES' || code === 'EPERM')
      refuse('VALIDATION', field, `${p} cannot be read (permission denied); allow reading it, or ${choose}`);
    refuse('VALIDATION', field, `${p} cannot be read (${code ?? (error as Error).message}); ${choose}`);
  }
}

async function readable(p: string, field: 'dataPath' | 'tokenizerPath', choose: string): Promise<void> {
  try {
    await fs.promises.access(p, fs.constants.R_OK);
  } catch {
    refuse('VALIDATION', field, `${p} cannot be read (permission denied); allow reading it, or ${choose}`);
  }
}

/** A regular readable file, or a folder `datasets.save_to_disk` wrote (its state.json lists the Arrow files). */
export async function checkDataPath(p: string): Promise<void> {
  const choose = 'choose the data file again with "Choose data file…"';
  const stat = await statOf(p, 'dataPath', choose);
  if (stat.isDirectory()) {
    const state = path.join(p, 'state.json');
    if (!(await fs.promises.stat(state).catch(() => null))?.isFile())
      refuse(
        'VALIDATION',
        'dataPath',
        `${p} is a folder without state.json; choose a data file, or a folder written by datasets' save_to_disk`,
      );
    await readable(state, 'dataPath', choose);
    return;
  }
  if (!stat.isFile())
    refuse('VALIDATION', 'dataPath', `${p} is not a regular file (a device, pipe or socket); ${choose}`);
  await readable(p, 'dataPath', choose);
}

/** A model folder holding tokenizer.json, or a tokenizer.json file (its folder's tokenizer_config.json is read too). */
export async function checkTokenizerPath(p: string): Promise<void> {
  const choose = 'choose the model folder (as save_pretrained writes it) or its tokenizer.json';
  const stat = await statOf(p, 'tokenizerPath', choose);
  let json = p;
  if (stat.isDirectory()) {
    json = path.join(p, 'tokenizer.json');
    if (!(await fs.promises.stat(json).catch(() => null))?.isFile())
      refuse('VALIDATION', 'tokenizerPath', `${p} has no tokenizer.json; ${choose}`);
  } else if (!stat.isFile() || path.basename(p) !== 'tokenizer.json') {
    refuse('VALIDATION', 'tokenizerPath', `${p} is not a tokenizer.json file; ${choose}`);
  }
  await readable(json, 'tokenizerPath', choose);
}

const isFailure = (code: string): code is (typeof DATA_JOB_FAILURES)[number] =>
  (DATA_JOB_FAILURES as readonly string[]).includes(code);

export function createDataJobs(deps: DataJobsDeps): DataJobs {
  const newId = deps.newId ?? randomUUID;
  const now = deps.now ?? Date.now;
  const maxRunning = deps.maxRunning ?? 2;
  const abandonAfterMs = deps.abandonAfterMs ?? 30_000;
  const keepFinishedMs = deps.keepFinishedMs ?? 5 * 60_000;
  const run = deps.run ?? analyzeInWorker;
  const jobs = new Map<string, Job>();
  let live = 0;
  let sweeper: NodeJS.Timeout | null = null;

  const running = () => [...jobs.values()].filter((j) => j.status.state === 'running');
  const settle = (job: Job, status: DataJobStatus) => {
    if (job.status.state !== 'running') return;
    job.status = status;
    job.finishedAt = now();
  };
  const cancel = (job: Job) => {
    if (job.status.state !== 'running') return;
    settle(job, { jobId: job.status.jobId, updates: job.status.updates, state: 'cancelled' });
    job.controller.abort();
  };
  const sweep = () => {
    const t = now();
    for (const [id, job] of jobs) {
      if (job.status.state === 'running' && t - job.lastPolled > abandonAfterMs) cancel(job);
      if (job.finishedAt !== null && t - job.finishedAt > keepFinishedMs) jobs.delete(id);
    }
    if (running().length === 0 && sweeper) {
      clearInterval(sweeper);
      sweeper = null;
    }
  };
  const find = (jobId: string): Job => {
    sweep();
    const job = jobs.get(jobId);
    if (!job)
      throw new AppFailure(
        'NOT_FOUND',
        `jobId: there is no data analysis ${jobId} (it ended a while ago, or the app restarted); start it again`,
        { issues: [{ path: 'jobId', message: 'no such data analysis' }] },
      );
    job.lastPolled = now();
    return job;
  };

  const handlers: DataJobs['handlers'] = {
    'data:analyze': async ({ dataPath, tokenizerPath, options }) => {
      sweep();
      await checkDataPath(dataPath);
      if (tokenizerPath !== undefined) await checkTokenizerPath(tokenizerPath);
      if (running().length >= maxRunning)
        throw new AppFailure(
          'CONFLICT',
          `${maxRunning} data analyses are already running; cancel one (or wait for it) before starting another.`,
        );
      const jobId = newId();
      const job: Job = {
        status: { jobId, updates: 0, state: 'running', progress: null },
        controller: new AbortController(),
        lastPolled: now(),
        finishedAt: null,
      };
      jobs.set(jobId, job);
      live++;
      let exited = false;
      const onExit = () => {
        if (!exited) live--;
        exited = true;
      };
      run(
        deps.workerFile,
        { dataPath, ...(tokenizerPath !== undefined ? { tokenizerPath } : {}), options },
        (progress) => {
          if (job.status.state === 'running')
            job.status = { jobId, state: 'running', progress, updates: job.status.updates + 1 };
        },
        job.controller.signal,
        onExit,
      ).then(
        (stats) => settle(job, { jobId, updates: job.status.updates, state: 'done', stats }),
        (error: unknown) => {
          const code = error instanceof DataWorkerError ? error.code : 'DATA';
          if (code === 'CANCELLED') settle(job, { jobId, updates: job.status.updates, state: 'cancelled' });
          else
            settle(job, {
              jobId,
              updates: job.status.updates,
              state: 'failed',
              code: isFailure(code) ? code : 'DATA',
              message:
                error instanceof DataWorkerError
                  ? error.message
                  : `the data worker failed: ${(error as Error)?.message ?? String(error)}`,
              fields: error instanceof DataWorkerError ? error.fields : null,
            });
          // A worker that failed to start never emits 'exit'.
          if (!(error instanceof DataWorkerError)) onExit();
        },
      );
      // Sweep at the abandon period (at most every 10 s; a short period, as tests set, is swept as often, from 50 ms).
      sweeper ??= setInterval(sweep, Math.max(50, Math.min(abandonAfterMs, 10_000)));
      sweeper.unref();
      return { jobId };
    },
    'data:progress': ({ jobId }) => structuredClone(find(jobId).status),
    'data:cancel': ({ jobId }) => {
      const job = find(jobId);
      cancel(job);
      return structuredClone(job.status);
    },
  };

  return {
    handlers,
    liveThreads: () => live,
    cancelAll: () => running().forEach(cancel),
  };
}
