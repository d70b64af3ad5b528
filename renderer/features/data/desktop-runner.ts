/**
 * The desktop app's way to run an analysis: the main process reads the file by its path in a worker thread
 * (electron/services/data/data-jobs.ts), so the renderer sends only the paths the native dialog chose and
 * receives only statistics. The transports answer requests and push nothing, so progress is polled; the
 * worker reports at most every 200 ms (shared/data/analyze.ts), so a 250 ms poll shows every report that
 * matters. Cancel answers at once and tells the main process, which terminates the thread.
 */
import type { DataProgress } from '../../../shared/data/analyze';
import type { DataAnalysisOptionsInput, DataStats } from '../../../shared/domain/data-stats';
import type { TuneplanApi } from '../../api/client';
import { AnalysisError } from './analysis';

export interface PathAnalysisRequest {
  /** A data file or a `datasets.save_to_disk` folder, as `desktop:openPath` answered it. */
  dataPath: string;
  /** A model folder or its tokenizer.json; absent: tokens are estimated from bytes. */
  tokenizerPath?: string | undefined;
  options: DataAnalysisOptionsInput;
}

export type PathAnalysisRunner = (
  request: PathAnalysisRequest,
  onProgress: (p: DataProgress) => void,
  signal: AbortSignal,
) => Promise<DataStats>;

export const POLL_MS = 250;

export function desktopRunner(api: TuneplanApi, pollMs = POLL_MS): PathAnalysisRunner {
  return (request, onProgress, signal) =>
    new Promise<DataStats>((resolve, reject) => {
      const cancelled = () => new AnalysisError('the data analysis was cancelled', true);
      if (signal.aborted) {
        reject(cancelled());
        return;
      }
      let jobId: string | null = null;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let settled = false;
      let seen = 0;
      const finish = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', abort);
        f();
      };
      const fail = (message: string) => finish(() => reject(new AnalysisError(message)));
      const abort = () => {
        // A job still starting is cancelled as soon as its id arrives (below).
        if (jobId) void api.invoke('data:cancel', { jobId });
        finish(() => reject(cancelled()));
      };
      signal.addEventListener('abort', abort, { once: true });

      const poll = async (id: string) => {
        const r = await api.invoke('data:progress', { jobId: id });
        if (settled) return;
        if (!r.ok) return fail(r.error.message);
        const s = r.data;
        if (s.state === 'running') {
          if (s.progress && s.updates !== seen) {
            seen = s.updates;
            onProgress(s.progress);
          }
          timer = setTimeout(() => void poll(id).catch(transportFailed), pollMs);
        } else if (s.state === 'done') finish(() => resolve(s.stats));
        else if (s.state === 'failed') finish(() => reject(new AnalysisError(s.message, false, s.fields)));
        else finish(() => reject(cancelled()));
      };
      const transportFailed = (error: unknown) =>
        fail(`the app did not answer the data analysis: ${(error as Error)?.message ?? String(error)}`);

      api
        .invoke('data:analyze', {
          dataPath: request.dataPath,
          ...(request.tokenizerPath !== undefined ? { tokenizerPath: request.tokenizerPath } : {}),
          options: request.options,
        })
        .then((r) => {
          if (!r.ok) return fail(r.error.message);
          jobId = r.data.jobId;
          if (settled) void api.invoke('data:cancel', { jobId });
          else timer = setTimeout(() => void poll(r.data.jobId).catch(transportFailed), pollMs);
        }, transportFailed);
    });
}
