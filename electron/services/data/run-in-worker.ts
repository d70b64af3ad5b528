/**
 * Runs a data analysis in a worker thread (electron/services/data/worker.ts, bundled as
 * build/out/data-worker.mjs) so the main process stays responsive; `signal` cancels it.
 */
import { Worker } from 'node:worker_threads';
import type { DataProgress } from '../../../shared/data/analyze';
import type { DataAnalysisOptionsInput, DataStats } from '../../../shared/domain/data-stats';

export interface WorkerInput {
  dataPath: string;
  tokenizerPath?: string;
  options: DataAnalysisOptionsInput;
}
export type WorkerErrorCode = 'CANCELLED' | 'VALIDATION' | 'NOT_FOUND' | 'DATA';
export type WorkerMessage =
  | { type: 'progress'; progress: DataProgress }
  | { type: 'done'; stats: DataStats }
  /** `fields`: the first record's fields when its shape is not recognised (the mapping form lists them). */
  | { type: 'error'; code: WorkerErrorCode; message: string; fields?: string[] };

export class DataWorkerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly fields: string[] | null = null,
  ) {
    super(message);
  }
}

export function analyzeInWorker(
  workerFile: string,
  input: WorkerInput,
  onProgress?: (p: DataProgress) => void,
  signal?: AbortSignal,
  /** Called when the thread has exited (finished, failed or terminated by a cancel). */
  onExit?: (code: number) => void,
): Promise<DataStats> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DataWorkerError('CANCELLED', 'The data analysis was cancelled.'));
      return;
    }
    const worker = new Worker(workerFile, { workerData: input });
    // Cancel is the user's word: it answers at once, even if the worker was about to finish.
    const abort = () => {
      worker.postMessage({ type: 'cancel' });
      finish(() => reject(new DataWorkerError('CANCELLED', 'The data analysis was cancelled.')));
    };
    signal?.addEventListener('abort', abort, { once: true });
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', abort);
      f();
      // Terminated rather than asked: a worker busy inside one long record, or one that never reads its
      // port, still stops.
      void worker.terminate();
    };
    worker.on('message', (m: WorkerMessage) => {
      // Messages the worker posted before it was terminated are still delivered; once settled (cancelled,
      // failed or done) the caller hears nothing more.
      if (settled) return;
      if (m.type === 'progress') onProgress?.(m.progress);
      else if (m.type === 'done') finish(() => resolve(m.stats));
      else finish(() => reject(new DataWorkerError(m.code, m.message, m.fields ?? null)));
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) => {
      onExit?.(code);
      finish(() => reject(new DataWorkerError('DATA', `the data worker stopped (exit ${code})`)));
    });
  });
}
