import { Worker } from 'node:worker_threads';
import type { TrainingCheckpoint } from '../train/checkpoint.ts';
import type { TrialProgress, TrialRequest, TrialResult, TrialWorkerInput, TrialWorkerMessage } from './trial-protocol.ts';

const BOOTSTRAP_URL = new URL('./bootstrap.mjs', import.meta.url);

export interface TrialHandlers {
  onProgress?: (progress: TrialProgress) => void;
  /** After every epoch, with bytes to persist; pass one back as `request.checkpoint` to resume. */
  onCheckpoint?: (checkpoint: TrainingCheckpoint) => void;
  /** Aborting terminates the worker at once and rejects with an AbortError. */
  signal?: AbortSignal;
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error && reason.name === 'AbortError' ? reason : new DOMException('Training was aborted.', 'AbortError');
}

function workerFailure(message: Extract<TrialWorkerMessage, { type: 'error' }>): Error {
  const error = new Error(`Training worker failed: ${message.message}`);
  error.name = message.name;
  if (message.stack) error.stack = `${error.name}: ${error.message}\n    (in the training worker)\n${message.stack.split('\n').slice(1).join('\n')}`;
  return error;
}

/**
 * Runs one trial — `request.family` with `request.config` on `request.data` — in its own worker
 * thread (own wasm backend; run one per core in parallel) and resolves with float32 TFLite bytes,
 * validation metrics and the epoch history.
 */
export function trainInWorker(request: TrialRequest, handlers: TrialHandlers = {}): Promise<TrialResult> {
  const { onProgress, onCheckpoint, signal } = handlers;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  if (request.labels.length < 2) return Promise.reject(new Error(`Training needs at least 2 labels (got ${request.labels.length}).`));
  return new Promise<TrialResult>((resolve, reject) => {
    const workerData: TrialWorkerInput = { entry: './trial-worker.ts', request, startedAt: Date.now() };
    const worker = new Worker(BOOTSTRAP_URL, { workerData, name: `offgrid-trial-${request.family}` });
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
    worker.on('message', (message: TrialWorkerMessage) => {
      if (settled) return;
      if (message.type === 'progress') return onProgress?.(message.progress);
      if (message.type === 'checkpoint') return onCheckpoint?.(message.checkpoint);
      if (message.type === 'result') settle(() => resolve(message.result));
      else settle(() => reject(workerFailure(message)));
      void worker.terminate();
    });
    worker.on('error', (error) => settle(() => reject(new Error(`Training worker crashed: ${error.message}`, { cause: error }))));
    worker.on('exit', (code) => settle(() => reject(new Error(`Training worker exited with code ${code} before returning a model.`))));
  });
}
