import type { TrialProgress } from '@offgrid/engine';
import type { WasmFallbackTrials } from '@offgrid/engine/accelerator';
import { decodeTrialData, type TrialJobData } from './trial-wire.ts';
import type { WorkerLink } from './worker-link.ts';

/** Progress goes to the coordinator at most this often (the trainer reports every batch). */
const PROGRESS_INTERVAL_MS = 500;

/**
 * Runs one queued trial on this machine: fetches its input by sha256, resumes from the coordinator's newest
 * checkpoint of it (a worker that died mid-trial left one), trains in a worker thread, and delivers the result.
 * A training error is the trial's outcome (delivered as a failure, not retried); a transport error throws, so
 * BullMQ retries the job. When the coordinator answers that the trial is no longer wanted, training stops.
 */
export async function runTrialJob(data: TrialJobData, link: WorkerLink, signal: AbortSignal, trials: WasmFallbackTrials): Promise<'delivered' | 'unwanted'> {
  const trainingData = decodeTrialData(await link.input(data.dataSha256));
  const initialWeights = data.initialWeightsSha256 ? await link.input(data.initialWeightsSha256) : undefined;
  const checkpoint = await link.checkpointOf(data.trialId);
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  let unwanted = false;
  let linkError: Error | undefined;
  const keep = (wanted: boolean) => {
    if (!wanted && !unwanted) { unwanted = true; stop.abort(); }
  };
  const lost = (error: Error) => {
    // The coordinator cannot be told: stop now; the job is retried (here or elsewhere) from the last checkpoint it has.
    linkError ??= error;
    stop.abort(error);
  };
  // Checkpoints go out in order, one at a time; progress only as the newest, at most every PROGRESS_INTERVAL_MS.
  let uploads = Promise.resolve();
  let lastProgress = 0;
  let progressInFlight = false;
  const onProgress = (progress: TrialProgress) => {
    const now = Date.now();
    if (progressInFlight || now - lastProgress < PROGRESS_INTERVAL_MS) return;
    lastProgress = now;
    progressInFlight = true;
    // A lost progress report costs nothing but a stale bar (a revoked key stops the worker through onRefused); a lost
    // checkpoint (below) would leave the coordinator unable to resume the trial, so that one stops it.
    link.progress(data.trialId, progress).then(keep, () => undefined).finally(() => { progressInFlight = false; });
  };
  try {
    // This machine's accelerator, not the coordinator's (two-core retraining splits wasm threads: wasm only).
    const accelerator = data.request.cores === 2 ? 'wasm' : trials.backend;
    const result = await trials.train(
      { ...data.request, accelerator, data: trainingData, ...(checkpoint ? { checkpoint } : {}), ...(initialWeights ? { initialWeights } : {}) },
      {
        signal: stop.signal, onProgress,
        onCheckpoint: (next) => { uploads = uploads.then(() => link.checkpoint(data.trialId, next)).then(keep, lost); },
      },
      `trial ${data.trialId}`,
    ).catch(async (error: Error) => {
      await uploads;
      if (unwanted) return 'unwanted' as const;
      if (linkError) throw linkError;
      if (signal.aborted) throw error;
      await link.failure(data.trialId, error.message);
      return 'failed' as const;
    });
    if (result === 'unwanted') return 'unwanted';
    if (result === 'failed') return 'delivered';
    await uploads;
    if (linkError) throw linkError;
    await link.result(data.trialId, result);
    return 'delivered';
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
