/**
 * The data worker (a module Web Worker, started by worker-runner.ts with
 * `new Worker(new URL('./data-worker.ts', import.meta.url), { type: 'module' })`), used in browser mode and by
 * the desktop renderer alike. It streams the `File` the user picked — nothing is uploaded, and File.stream()
 * has no size limit — counts tokens with the tokenizer files the user picked, and posts back only
 * statistics. Messages in: {type:'start', request}; {type:'cancel'}. Out: {type:'progress'} …, then
 * {type:'done', stats} or {type:'error', message, cancelled, fields}.
 */
import type { DataProgress } from '../../../shared/data/analyze';
import type { DataStats } from '../../../shared/domain/data-stats';
import { analyzeFile, toAnalysisError, type AnalysisRequest } from './analysis';

export type DataWorkerRequest = { type: 'start'; request: AnalysisRequest } | { type: 'cancel' };
export type DataWorkerReply =
  | { type: 'progress'; progress: DataProgress }
  | { type: 'done'; stats: DataStats }
  | { type: 'error'; cancelled: boolean; message: string; fields: string[] | null };

// The DOM lib types `self` as Window; in a worker it is a DedicatedWorkerGlobalScope.
const scope = self as unknown as {
  postMessage(m: DataWorkerReply): void;
  onmessage: ((e: MessageEvent<DataWorkerRequest>) => void) | null;
};
let controller: AbortController | null = null;

scope.onmessage = (e) => {
  const msg = e.data;
  if (msg.type === 'cancel') {
    controller?.abort();
    return;
  }
  controller = new AbortController();
  analyzeFile(msg.request, (progress) => scope.postMessage({ type: 'progress', progress }), controller.signal).then(
    (stats) => scope.postMessage({ type: 'done', stats }),
    (error: unknown) => {
      const e = toAnalysisError(error);
      scope.postMessage({ type: 'error', cancelled: e.cancelled, message: e.message, fields: e.fields });
    },
  );
};
