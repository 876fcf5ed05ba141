import type { TrainingCheckpoint } from '../train/checkpoint.ts';
import type { TrialProgress, TrialRequest, TrialResult, TrialWorkerInput, TrialWorkerMessage } from './trial-protocol.ts';
import { runWorker } from './run-worker.ts';

export interface TrialHandlers {
  onProgress?: (progress: TrialProgress) => void;
  /** After every epoch, with bytes to persist; pass one back as `request.checkpoint` to resume. */
  onCheckpoint?: (checkpoint: TrainingCheckpoint) => void;
  /** Aborting terminates the worker at once and rejects with an AbortError. */
  signal?: AbortSignal;
}

/**
 * Runs one trial — `request.family` with `request.config` on `request.data` — in its own worker
 * thread (own wasm backend; run one per core in parallel) and resolves with float32 TFLite bytes,
 * validation metrics and the epoch history.
 */
export function trainInWorker(request: TrialRequest, handlers: TrialHandlers = {}): Promise<TrialResult> {
  const { onProgress, onCheckpoint, signal } = handlers;
  if (request.labels.length < 2) return Promise.reject(new Error(`Training needs at least 2 labels (got ${request.labels.length}).`));
  const workerData: TrialWorkerInput = { entry: './trial-worker.ts', request, startedAt: Date.now() };
  return runWorker<Exclude<TrialWorkerMessage, { type: 'result' | 'error' }>, TrialResult>(
    workerData, `offgrid-trial-${request.family}`,
    (update) => (update.type === 'progress' ? onProgress?.(update.progress) : onCheckpoint?.(update.checkpoint)),
    signal,
  );
}
