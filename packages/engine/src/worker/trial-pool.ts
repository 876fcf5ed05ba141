import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { abortReason, BOOTSTRAP_URL, workerFailure } from './run-worker.ts';
import { refuseTrial, trainInWorker, type TrialHandlers } from './trial.ts';
import type { TrialExecutor } from './trial-executor.ts';
import type { TrialRequest, TrialResult, TrialWorkerCommand, TrialWorkerInput, TrialWorkerMessage, TrialWorkerPoolInput } from './trial-protocol.ts';

const ENTRY = './trial-worker.ts';

export interface TrialPoolOptions {
  /** Idle workers kept warm at most (default: this machine's cores); pass the trials the search runs at once. */
  maxIdle?: number;
  /** An idle worker is closed after this long without a trial (default 20 s). */
  idleMs?: number;
  /** Trials one worker trains before it is replaced: its wasm heap never shrinks below its largest trial's (default 50). */
  maxTrialsPerWorker?: number;
  /** false: a fresh worker per trial, as before the pool (comparisons). Default: unless OFFGRID_TRIAL_WORKER_REUSE=0. */
  reuse?: boolean;
}

/**
 * Trials in worker threads of this process, each started worker kept warm for the next trial: starting one (tsx,
 * TF.js, the wasm backend) costs 1–2 s on an idle machine and 5–8 s under load, more than a small table's rung trains
 * (bench/automl/RESULTS.md). A worker is reused only after a trial that returned a result (its engine cleaned up);
 * an abort terminates it at once, and one that crashed, exited or posted an error is discarded. Two-core and WebGPU
 * trials take a fresh worker (trainInWorker): a leader/follower pair shares a channel made per trial, and a WebGPU
 * worker stops gracefully, so it cannot be told apart from one that will never finish.
 * Idle workers keep no process alive (unref) and close after `idleMs`, or at `close()`.
 */
export class TrialPool implements TrialExecutor {
  /** Worker threads this pool has started (fewer than its trials once workers are reused). */
  started = 0;
  private readonly idle: Worker[] = [];
  private readonly idleTimers = new Map<Worker, NodeJS.Timeout>();
  private readonly trialsIn = new WeakMap<Worker, number>();
  private closing = false;
  private readonly maxIdle: number;
  private readonly idleMs: number;
  private readonly maxTrialsPerWorker: number;
  readonly reuse: boolean;

  constructor(options: TrialPoolOptions = {}) {
    this.maxIdle = options.maxIdle ?? availableParallelism();
    this.idleMs = options.idleMs ?? 20_000;
    this.maxTrialsPerWorker = options.maxTrialsPerWorker ?? 50;
    this.reuse = options.reuse ?? process.env.OFFGRID_TRIAL_WORKER_REUSE !== '0';
  }

  /** Idle workers now (tests). */
  get idleCount(): number {
    return this.idle.length;
  }

  train(request: TrialRequest, handlers: TrialHandlers = {}): Promise<TrialResult> {
    if (!this.reuse || request.cores === 2 || request.accelerator === 'webgpu') return trainInWorker(request, handlers);
    const refusal = refuseTrial(request);
    if (refusal) return Promise.reject(refusal);
    const { onProgress, onCheckpoint, signal } = handlers;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    this.closing = false;
    const startedAt = Date.now();
    const worker = this.take();
    return new Promise<TrialResult>((resolve, reject) => {
      let settled = false;
      const settle = (keep: boolean, outcome: () => void): void => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        if (keep) this.park(worker);
        else void worker.terminate();
        outcome();
      };
      const onAbort = (): void => settle(false, () => reject(abortReason(signal!)));
      const onMessage = (message: TrialWorkerMessage): void => {
        if (message.type === 'result') settle(true, () => resolve(message.result));
        else if (message.type === 'error') settle(false, () => reject(workerFailure(message)));
        else if (message.type === 'progress') onProgress?.(message.progress);
        else onCheckpoint?.(message.checkpoint);
      };
      const onError = (error: Error): void => settle(false, () => reject(new Error(`Training worker crashed: ${error.message}`, { cause: error })));
      const onExit = (code: number): void => settle(false, () => reject(new Error(`Training worker exited with code ${code} before returning a model.`)));
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      const input: TrialWorkerInput = { entry: ENTRY, request, startedAt };
      // A request that cannot be copied to the worker (a function in it, say) fails here, before the worker sees it.
      try {
        worker.postMessage({ type: 'trial', input } satisfies TrialWorkerCommand);
      } catch (error) {
        settle(true, () => reject(error as Error));
      }
    });
  }

  /**
   * Closes the idle workers now, and each busy one when its trial ends. The pool stays usable: a later trial starts
   * a worker again. The pipeline calls it when its search and retraining are done, the cluster worker when it stops.
   */
  async close(): Promise<void> {
    this.closing = true;
    const idle = this.idle.splice(0);
    for (const worker of idle) clearTimeout(this.idleTimers.get(worker));
    this.idleTimers.clear();
    await Promise.all(idle.map((worker) => worker.terminate()));
  }

  /** The most recently used idle worker (its caches are warmest), or a new one. */
  private take(): Worker {
    const warm = this.idle.pop();
    if (warm) {
      clearTimeout(this.idleTimers.get(warm));
      this.idleTimers.delete(warm);
      warm.ref();
      return warm;
    }
    const workerData: TrialWorkerPoolInput = { entry: ENTRY, pooled: true };
    const worker = new Worker(BOOTSTRAP_URL, { workerData, name: 'offgrid-trial' });
    this.started += 1;
    // An idle worker that dies is forgotten; while busy, the trial's own listeners report it. Without an 'error'
    // listener an idle worker's error would be thrown in this thread.
    const forget = (): void => this.forget(worker);
    worker.on('error', forget).on('exit', forget);
    return worker;
  }

  private park(worker: Worker): void {
    const trials = (this.trialsIn.get(worker) ?? 0) + 1;
    this.trialsIn.set(worker, trials);
    if (this.closing || trials >= this.maxTrialsPerWorker || this.idle.length >= this.maxIdle) return void worker.terminate();
    worker.unref();
    this.idle.push(worker);
    this.idleTimers.set(worker, setTimeout(() => {
      this.forget(worker);
      void worker.terminate();
    }, this.idleMs).unref());
  }

  private forget(worker: Worker): void {
    const at = this.idle.indexOf(worker);
    if (at >= 0) this.idle.splice(at, 1);
    clearTimeout(this.idleTimers.get(worker));
    this.idleTimers.delete(worker);
  }
}
