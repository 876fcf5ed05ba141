import { runWorker } from '../worker/run-worker.ts';
import type { TrainProgress } from '../train/progress.ts';
import type { AnomalyDetector, TrainAnomalyOptions } from './train.ts';

/** TrainAnomalyOptions without the callbacks: what crosses into the worker (structured-cloneable). */
export type AnomalyWorkerOptions = Omit<TrainAnomalyOptions, 'onProgress' | 'signal'>;
export interface AnomalyWorkerInput {
  entry: string;
  options: AnomalyWorkerOptions;
}
export type AnomalyWorkerMessage =
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'result'; result: AnomalyDetector }
  | { type: 'error'; name: string; message: string; stack?: string; code?: string };

/**
 * trainAnomalyDetector in its own worker thread (own wasm backend), so a server stays responsive while it
 * trains; aborting terminates the worker at once and rejects with an AbortError.
 */
export function trainAnomalyInWorker(options: TrainAnomalyOptions): Promise<AnomalyDetector> {
  const { onProgress, signal, ...rest } = options;
  const workerData: AnomalyWorkerInput = { entry: '../anomaly/anomaly-worker.ts', options: rest };
  return runWorker<Extract<AnomalyWorkerMessage, { type: 'progress' }>, AnomalyDetector>(workerData, 'offgrid-anomaly', (update) => onProgress?.(update.progress), signal);
}
