import type { TrainProgress } from '../train/progress.ts';
import type { TrainImageRequest, TrainImageResult, WorkerInput } from './protocol.ts';
import { runWorker } from './run-worker.ts';

export interface TrainInWorkerOptions {
  onProgress?: (progress: TrainProgress) => void;
  /** Aborting terminates the worker at once and rejects with an AbortError. */
  signal?: AbortSignal;
}

/**
 * Trains the small CNN in a worker thread (its own wasm backend, so the caller's event loop stays
 * free) and resolves with the TFLite files. The request's arrays are copied, not moved.
 */
export function trainImageClassifierInWorker(req: TrainImageRequest, opts: TrainInWorkerOptions = {}): Promise<TrainImageResult> {
  if (req.labels.length < 2) return Promise.reject(new Error(`Training needs at least 2 labels (got ${req.labels.length}).`));
  const workerData: WorkerInput & { entry: string } = { entry: './training-worker.ts', request: req, startedAt: Date.now() };
  return runWorker<{ type: 'progress'; progress: TrainProgress }, TrainImageResult>(
    workerData, 'offgrid-training', (update) => opts.onProgress?.(update.progress), opts.signal,
  );
}
