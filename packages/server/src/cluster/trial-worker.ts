import { availableParallelism, hostname } from 'node:os';
import { Worker } from 'bullmq';
import type { TrialExecutor } from '@offgrid/engine';
import { WasmFallbackTrials, type AcceleratorChoice, type AcceleratorFallback } from '@offgrid/engine/accelerator';
import type { RedisOptions } from 'ioredis';
import { closeClient, redisClient } from './redis-url.ts';
import { WORKER_HEARTBEAT_MS } from './trial-board.ts';
import { runTrialJob } from './trial-job.ts';
import type { TrialJobData } from './trial-wire.ts';
import type { WorkerLink } from './worker-link.ts';

export const QUEUE_NAME = 'offgrid-trials';

/**
 * How long a worker holds a trial without renewing its lock before BullMQ hands the trial to another worker
 * (a `kill -9`, a pulled cable): the lock is renewed every half of this while the worker lives, and the check
 * for stalled trials runs every STALLED_CHECK_MS.
 */
export const LOCK_MS = 10_000;
const STALLED_CHECK_MS = 5_000;
/** A trial whose workers died this many times fails instead of killing a fourth. */
const MAX_STALLS = 3;

export interface TrialWorkerOptions {
  connection: RedisOptions;
  link: WorkerLink;
  /** Trials at once on this machine, one core each. */
  concurrency: number;
  /** Where errors of the Redis connection go (it reconnects by itself meanwhile). */
  onError: (error: Error) => void;
  name?: string;
  /** What its trials train on (chooseAccelerator's result; default wasm). Trials of the coordinator's choice are overridden: each machine trains on its own. */
  accelerator?: AcceleratorChoice;
  /** WebGPU failed in a trial here: that trial and every later one train on wasm. */
  onFallback?: (fallback: AcceleratorFallback) => void;
  /** Each trial this worker starts and how it ends (the worker's log; tests read which machine ran what). */
  onTrial?: (event: { trialId: string; outcome: 'started' | 'delivered' | 'unwanted' | 'failed'; detail?: string }) => void;
}

/** Pulls trials from the queue and trains them here: on a worker machine, and on the coordinator's own cores. */
export function startTrialWorker(options: TrialWorkerOptions): { close(): Promise<void>; name: string } {
  const name = options.name ?? hostname();
  const closing = new AbortController();
  const client = redisClient(options.connection, options.onError);
  const chosen = options.accelerator ?? { backend: 'wasm', reason: 'wasm (the default)' };
  // TF.js loads with the first trial, not with the worker. Warm worker threads, one per trial at a time, carry
  // over from trial to trial (their start-up can cost more than a small trial trains) and close with the worker.
  let pool: Promise<TrialExecutor & { close(): Promise<void> }> | undefined;
  const engine: TrialExecutor = {
    train: async (request, handlers) => (await (pool ??= import('@offgrid/engine').then(({ TrialPool }) => new TrialPool({ maxIdle: options.concurrency })))).train(request, handlers),
  };
  const trials = new WasmFallbackTrials(engine, chosen.backend, (fallback) => {
    options.onFallback?.(fallback);
    void beat();
  });
  const worker = new Worker<TrialJobData>(QUEUE_NAME, async (job) => {
    options.onTrial?.({ trialId: job.data.trialId, outcome: 'started', ...(job.attemptsMade > 0 || job.stalledCounter > 0 ? { detail: `retry after ${job.attemptsMade} failure(s), ${job.stalledCounter} stall(s)` } : {}) });
    const outcome = await runTrialJob(job.data, options.link, closing.signal, trials);
    options.onTrial?.({ trialId: job.data.trialId, outcome });
    return outcome;
  }, {
    connection: client, concurrency: options.concurrency, name,
    lockDuration: LOCK_MS, stalledInterval: STALLED_CHECK_MS, maxStalledCount: MAX_STALLS,
  });
  worker.on('error', options.onError);
  // The heartbeat says what this machine offers; a failed one is only logged (the next one may get through).
  const beat = () => options.link.heartbeat({
    name, cores: availableParallelism(), concurrency: options.concurrency, accelerator: trials.backend,
    acceleratorReason: trials.fallback ? `wasm: WebGPU failed during ${trials.fallback.during} at ${trials.fallback.at} (${trials.fallback.error})` : chosen.reason,
  }).catch(options.onError);
  void beat();
  const heartbeat = setInterval(beat, WORKER_HEARTBEAT_MS);
  heartbeat.unref();
  worker.on('failed', (job, error) => { if (job) options.onTrial?.({ trialId: job.data.trialId, outcome: 'failed', detail: error.message }); });
  return {
    name,
    async close() {
      // Running trials stop at once; they stay active in Redis until their lock lapses, then another worker resumes them.
      clearInterval(heartbeat);
      closing.abort(new Error('worker shutting down'));
      await worker.close(true);
      await (await pool)?.close();
      await closeClient(client);
    },
  };
}
