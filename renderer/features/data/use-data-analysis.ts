/**
 * The Data section's run state: one analysis at a time, its progress, cancel, and the last statistics
 * (kept when a later run is cancelled or fails, so a cancelled full pass leaves the quick pass on screen).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DataProgress } from '../../../shared/data/analyze';
import type { DataStats } from '../../../shared/domain/data-stats';
import { toAnalysisError, type AnalysisRequest, type AnalysisRunner } from './analysis';

export type RunStatus =
  | { kind: 'idle' }
  | { kind: 'running'; pass: 'quick' | 'full'; progress: DataProgress | null }
  | { kind: 'cancelled' }
  | { kind: 'failed'; message: string; fields: string[] | null };

export function useDataAnalysis(runner: AnalysisRunner) {
  const [status, setStatus] = useState<RunStatus>({ kind: 'idle' });
  const [stats, setStats] = useState<DataStats | null>(null);
  const controller = useRef<AbortController | null>(null);

  // Leaving the screen stops the run (the worker is terminated).
  useEffect(() => () => controller.current?.abort(), []);

  const start = useCallback(
    (request: AnalysisRequest) => {
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
