/**
 * The Data section's run state: one analysis at a time, its progress, cancel, and the last statistics
 * (kept when a later run is cancelled or fails, so a cancelled full pass leaves the quick pass on screen).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DataProgress } from '../../../shared/data/analyze';
import type { DataAnalysisOptionsInput, DataStats } from '../../../shared/domain/data-stats';
import { toAnalysisError } from './analysis';

export type RunStatus =
  | { kind: 'idle' }
  | { kind: 'running'; pass: 'quick' | 'full'; progress: DataProgress | null }
  | { kind: 'cancelled' }
  | { kind: 'failed'; message: string; fields: string[] | null };

/**
 * `runner` runs a request off the UI thread: the Web Worker with a picked File (analysis.ts AnalysisRequest), or
 * the desktop app's main process with a path (desktop-runner.ts PathAnalysisRequest).
 */
export function useDataAnalysis<R extends { options: DataAnalysisOptionsInput }>(
  runner: (request: R, onProgress: (p: DataProgress) => void, signal: AbortSignal) => Promise<DataStats>,
) {
  const [status, setStatus] = useState<RunStatus>({ kind: 'idle' });
  const [stats, setStats] = useState<DataStats | null>(null);
  const controller = useRef<AbortController | null>(null);

  // Leaving the screen stops the run (the Web Worker, or the main process's worker thread, is terminated).
  useEffect(() => () => controller.current?.abort(), []);

  const start = useCallback(
    (request: R) => {
      controller.current?.abort();
      const c = new AbortController();
      controller.current = c;
      const pass = request.options.pass ?? 'quick';
      setStatus({ kind: 'running', pass, progress: null });
      runner(request, (progress) => !c.signal.aborted && setStatus({ kind: 'running', pass, progress }), c.signal).then(
        (result) => {
          if (controller.current !== c) return;
          controller.current = null;
          setStats(result);
          setStatus({ kind: 'idle' });
        },
        (error: unknown) => {
          // A run replaced by a newer one (or cleared) says nothing: the newer run owns the status.
          if (controller.current !== c) return;
          controller.current = null;
          const e = toAnalysisError(error);
          setStatus(e.cancelled ? { kind: 'cancelled' } : { kind: 'failed', message: e.message, fields: e.fields });
        },
      );
    },
    [runner],
  );

  const cancel = useCallback(() => {
    controller.current?.abort();
  }, []);

  const clear = useCallback(() => {
    controller.current?.abort();
    controller.current = null;
    setStats(null);
    setStatus({ kind: 'idle' });
  }, []);

  return { status, stats, start, cancel, clear };
}
