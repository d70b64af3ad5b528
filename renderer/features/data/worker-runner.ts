/**
 * Runs an analysis in a module Web Worker (data-worker.ts), one worker per run: the UI thread only posts the
 * picked File objects (structured clone passes a handle, not the bytes) and receives progress and statistics.
 * Cancel answers at once and terminates the worker, so a run stuck inside one long record still stops.
 * Vite emits the worker as its own file under the app's origin, which the CSP's script-src 'self' admits
 * (worker-src falls back to script-src: CSP Level 3 §6.1.12), so the policy needs no blob: or worker-src.
 */
import type { DataStats } from '../../../shared/domain/data-stats';
import { AnalysisError, type AnalysisRunner } from './analysis';
import type { DataWorkerReply, DataWorkerRequest } from './data-worker';

export const workerRunner: AnalysisRunner = (request, onProgress, signal) =>
  new Promise<DataStats>((resolve, reject) => {
    if (signal.aborted) {
      reject(new AnalysisError('the data analysis was cancelled', true));
      return;
    }
    const worker = new Worker(new URL('./data-worker.ts', import.meta.url), { type: 'module', name: 'tuneplan-data' });
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', abort);
      worker.terminate();
      f();
    };
    const abort = () => finish(() => reject(new AnalysisError('the data analysis was cancelled', true)));
    signal.addEventListener('abort', abort, { once: true });
    worker.onmessage = (e: MessageEvent<DataWorkerReply>) => {
      const m = e.data;
      if (m.type === 'progress') onProgress(m.progress);
      else if (m.type === 'done') finish(() => resolve(m.stats));
      else finish(() => reject(new AnalysisError(m.message, m.cancelled, m.fields)));
    };
    worker.onerror = (e) => {
      e.preventDefault();
      finish(() => reject(new AnalysisError(`the data worker failed: ${e.message || 'it could not start'}`)));
    };
    const start: DataWorkerRequest = { type: 'start', request };
    worker.postMessage(start);
  });
