/**
 * Worker-thread entry (node:worker_threads): the desktop app analyses a data file off the main process's
 * event loop. In: workerData {dataPath, tokenizerPath?, options}; messages {type:'cancel'}. Out: progress
 * messages, then one {type:'done', stats} or {type:'error', code, message}. Only statistics leave.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeData, DataCancelled } from '../../../shared/data/analyze';
import { UnknownShapeError } from '../../../shared/data/shapes';
import { byteEstimateCounter, tokenizerCounter, TokenizerLoadError } from '../../../shared/data/token-count';
import { DataAnalysisOptionsSchema } from '../../../shared/domain/data-stats';
import { dataSource, loadTokenizerFiles } from './file-source';
import type { WorkerMessage, WorkerInput } from './run-in-worker';

const port = parentPort!;
const input = workerData as WorkerInput;
const controller = new AbortController();
port.on('message', (m: { type?: string }) => {
  if (m?.type === 'cancel') controller.abort();
});
const post = (m: WorkerMessage) => port.postMessage(m);

async function run(): Promise<void> {
  try {
    const counter = input.tokenizerPath
      ? tokenizerCounter(loadTokenizerFiles(input.tokenizerPath))
      : byteEstimateCounter();
    const stats = await analyzeData({
      source: dataSource(input.dataPath),
      counter,
      options: DataAnalysisOptionsSchema.parse(input.options),
      signal: controller.signal,
      onProgress: (progress) => post({ type: 'progress', progress }),
    });
    post({ type: 'done', stats });
  } catch (error) {
    const code =
      error instanceof DataCancelled
        ? 'CANCELLED'
        : error instanceof UnknownShapeError || error instanceof TokenizerLoadError
          ? 'VALIDATION'
          : (error as NodeJS.ErrnoException).code === 'ENOENT'
            ? 'NOT_FOUND'
            : 'DATA';
    post({
      type: 'error',
      code,
      message: (error as Error).message,
      ...(error instanceof UnknownShapeError ? { fields: error.fields } : {}),
    });
  }
}
void run();
