/**
 * Browser-mode data worker (a module Web Worker: `new Worker(new URL('./data-worker.ts', import.meta.url),
 * { type: 'module' })`). It streams the `File` the user picked — nothing is uploaded, and File.stream()
 * has no size limit — counts tokens with the tokenizer files the user picked, and posts back only
 * statistics. Messages in: {type:'start', file, tokenizer?: {json, config?, template?}, options};
 * {type:'cancel'}. Out: {type:'progress'} …, then {type:'done', stats} or {type:'error', message}.
 */
import { analyzeData, DataCancelled, type DataProgress } from '../../../shared/data/analyze';
import type { ByteSource } from '../../../shared/data/byte-source';
import { byteEstimateCounter, tokenizerCounter } from '../../../shared/data/token-count';
import {
  DataAnalysisOptionsSchema,
  type DataAnalysisOptionsInput,
  type DataStats,
} from '../../../shared/domain/data-stats';

export type DataWorkerRequest =
  | {
      type: 'start';
      file: File;
      tokenizer?: { json: File; config?: File; template?: File; name: string };
      options: DataAnalysisOptionsInput;
    }
  | { type: 'cancel' };
export type DataWorkerReply =
  | { type: 'progress'; progress: DataProgress }
  | { type: 'done'; stats: DataStats }
  | { type: 'error'; cancelled: boolean; message: string };

export function fileByteSource(file: File): ByteSource {
  return {
    name: file.name,
    size: file.size,
    async *stream() {
      const reader = file.stream().getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      } finally {
        reader.releaseLock();
      }
    },
    read: (start, end) => file.slice(start, end).arrayBuffer(),
  };
}

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
  const signal = controller.signal;
  void (async () => {
    try {
      const counter = msg.tokenizer
        ? tokenizerCounter({
            tokenizer: JSON.parse(await msg.tokenizer.json.text()) as Record<string, unknown>,
            config: msg.tokenizer.config
              ? (JSON.parse(await msg.tokenizer.config.text()) as Record<string, unknown>)
              : {},
            ...(msg.tokenizer.template ? { chatTemplate: await msg.tokenizer.template.text() } : {}),
            name: msg.tokenizer.name,
          })
        : byteEstimateCounter();
      const stats = await analyzeData({
        source: fileByteSource(msg.file),
        counter,
        options: DataAnalysisOptionsSchema.parse(msg.options),
        signal,
        onProgress: (progress) => scope.postMessage({ type: 'progress', progress }),
      });
      scope.postMessage({ type: 'done', stats });
    } catch (error) {
      scope.postMessage({
        type: 'error',
        cancelled: error instanceof DataCancelled,
        message: (error as Error).message,
      });
    }
  })();
};
