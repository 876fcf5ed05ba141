// Runs inside a worker_threads Worker (through ../worker/bootstrap.mjs): one anomaly detector trained on its own
// wasm backend, exported and calibrated. Never import this from the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { initWasmBackend } from '../backend/init-wasm.ts';
import type { AnomalyWorkerInput, AnomalyWorkerMessage } from './train-in-worker.ts';
import { trainAnomalyDetector } from './train.ts';
import { codeOf } from '../worker/run-worker.ts';

const port = parentPort;
if (!port) throw new Error('anomaly-worker.ts must run in a worker thread; use trainAnomalyInWorker().');
const post = (message: AnomalyWorkerMessage): void => port.postMessage(message);

try {
  await initWasmBackend();
  const { options } = workerData as AnomalyWorkerInput;
  const result = await trainAnomalyDetector({ ...options, onProgress: (progress) => post({ type: 'progress', progress }) });
  post({ type: 'result', result });
} catch (error) {
  const e = error instanceof Error ? error : new Error(String(error));
  post({ type: 'error', name: e.name, message: e.message, stack: e.stack, ...codeOf(e) });
}
