import { Worker } from 'node:worker_threads';
import type { TrainProgress } from '../train/progress.ts';
import type { TrainImageRequest, TrainImageResult, WorkerInput, WorkerMessage } from './protocol.ts';

const BOOTSTRAP_URL = new URL('./bootstrap.mjs', import.meta.url);

export interface TrainInWorkerOptions {
  onProgress?: (progress: TrainProgress) => void;
  /** Aborting terminates the worker at once and rejects with an AbortError. */
  signal?: AbortSignal;
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error && reason.name === 'AbortError' ? reason : new DOMException('Training was aborted.', 'AbortError');
}

/** Rebuilds the worker's error on this side, keeping its name and its stack (where the bug is). */
function workerFailure(message: Extract<WorkerMessage, { type: 'error' }>): Error {
  const error = new Error(`Training worker failed: ${message.message}`);
  error.name = message.name;
  if (message.stack) error.stack = `${error.name}: ${error.message}\n    (in the training worker)\n${message.stack.split('\n').slice(1).join('\n')}`;
  return error;
}

/**
 * Trains the small CNN in a worker thread (its own wasm backend, so the caller's event loop stays
 * free) and resolves with the float32 TFLite bytes. The request's arrays are copied, not moved.
 */
export function trainImageClassifierInWorker(req: TrainImageRequest, opts: TrainInWorkerOptions = {}): Promise<TrainImageResult> {
  const { onProgress, signal } = opts;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  if (req.labels.length < 2) return Promise.reject(new Error(`Training needs at least 2 labels (got ${req.labels.length}).`));
  return new Promise<TrainImageResult>((resolve, reject) => {
    const workerData: WorkerInput = { request: req, startedAt: Date.now() };
    const worker = new Worker(BOOTSTRAP_URL, { workerData, name: 'offgrid-training' });
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const onAbort = (): void => {
      settle(() => reject(abortReason(signal!)));
      void worker.terminate();
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    worker.on('message', (message: WorkerMessage) => {
      if (settled) return;
      if (message.type === 'progress') {
        onProgress?.(message.progress);
        return;
      }
      if (message.type === 'result') settle(() => resolve(message.result));
      else settle(() => reject(workerFailure(message)));
      void worker.terminate();
    });
    worker.on('error', (error) => settle(() => reject(new Error(`Training worker crashed: ${error.message}`, { cause: error }))));
    worker.on('exit', (code) => settle(() => reject(new Error(`Training worker exited with code ${code} before returning a model.`))));
  });
}
