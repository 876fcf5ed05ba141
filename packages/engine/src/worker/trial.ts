import type { TrainingCheckpoint } from '../train/checkpoint.ts';
import type { TrialProgress, TrialRequest, TrialResult, TrialWorkerInput, TrialWorkerMessage } from './trial-protocol.ts';
import { MessageChannel } from 'node:worker_threads';
import { runWorker } from './run-worker.ts';

export interface TrialHandlers {
  onProgress?: (progress: TrialProgress) => void;
  /** After every epoch, with bytes to persist; pass one back as `request.checkpoint` to resume. */
  onCheckpoint?: (checkpoint: TrainingCheckpoint) => void;
  /** Aborting terminates the worker at once and rejects with an AbortError. */
  signal?: AbortSignal;
}

/**
 * Runs one trial — `request.family` with `request.config` on `request.data` — in a new worker
 * thread that ends with it (TrialPool / localTrials keep workers for the next trial) (own wasm backend, or own GPU device with `accelerator: 'webgpu'`; run one per core in parallel) and resolves with float32 TFLite bytes,
 * validation metrics and the epoch history.
 */
export function trainInWorker(request: TrialRequest, handlers: TrialHandlers = {}): Promise<TrialResult> {
  const { onProgress, onCheckpoint, signal } = handlers;
  const refusal = refuseTrial(request);
  if (refusal) return Promise.reject(refusal);
  if (request.cores === 2) return trainOnTwoCores(request, handlers);
  const workerData: TrialWorkerInput = { entry: './trial-worker.ts', request, startedAt: Date.now() };
  return runWorker<Exclude<TrialWorkerMessage, { type: 'result' | 'error' }>, TrialResult>(
    workerData, `offgrid-trial-${request.family}`,
    (update) => (update.type === 'progress' ? onProgress?.(update.progress) : onCheckpoint?.(update.checkpoint)),
    signal, [], { stopGracefully: request.accelerator === 'webgpu' },
  );
}

/** Why a request cannot train at all, found before any worker starts. */
export function refuseTrial(request: TrialRequest): Error | undefined {
  if (request.labels.length < 2) return new Error(`Training needs at least 2 labels (got ${request.labels.length}).`);
  if (request.cores === 2 && request.accelerator === 'webgpu') return new Error('Training on two cores splits work between wasm threads; with accelerator webgpu use cores: 1.');
  return undefined;
}

/** A leader and a follower worker joined by a channel; the samples live once, in shared memory, for both. */
async function trainOnTwoCores(request: TrialRequest, { onProgress, onCheckpoint, signal }: TrialHandlers): Promise<TrialResult> {
  if (request.checkpoint) throw new Error('Training on two cores cannot resume from a checkpoint; use cores: 1.');
  const x = new Float32Array(new SharedArrayBuffer(request.data.x.byteLength));
  x.set(request.data.x);
  const shared: TrialRequest = { ...request, data: { ...request.data, x } };
  const { port1, port2 } = new MessageChannel();
  const stopFollower = new AbortController();
  const stopLeader = new AbortController();
  const leaderSignal = signal ? AbortSignal.any([signal, stopLeader.signal]) : stopLeader.signal;
  const startedAt = Date.now();
  const follower = runWorker<never, null>({ entry: './trial-worker.ts', request: shared, startedAt, role: 'follower', pairPort: port2 } as TrialWorkerInput, `offgrid-follower-${request.family}`, () => {}, stopFollower.signal, [port2]);
  let followerError: Error | undefined;
  follower.catch((error: Error) => {
    if (stopFollower.signal.aborted) return;
    followerError = error;
    stopLeader.abort(error);
  });
  try {
    return await runWorker<Exclude<TrialWorkerMessage, { type: 'result' | 'error' }>, TrialResult>(
      { entry: './trial-worker.ts', request: shared, startedAt, role: 'leader', pairPort: port1 } as TrialWorkerInput, `offgrid-trial-${request.family}`,
      (update) => (update.type === 'progress' ? onProgress?.(update.progress) : onCheckpoint?.(update.checkpoint)),
      leaderSignal, [port1],
    );
  } catch (error) {
    throw followerError ?? error;
  } finally {
    stopFollower.abort();
  }
}
