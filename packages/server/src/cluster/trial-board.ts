import type { WireType } from '@offgrid/features';
import type { workerInfoSchema } from '../schemas.ts';
import type { TrialHandlers, TrialProgress, TrialResult } from '@offgrid/engine';

/** A checkpoint as the engine makes it (epoch, optimizer step, opaque bytes). */
export interface Checkpoint {
  epoch: number;
  optimizerStep: number;
  bytes: Uint8Array;
}

interface OpenTrial {
  handlers: TrialHandlers;
  resolve: (result: TrialResult) => void;
  reject: (error: Error) => void;
  /** The newest checkpoint: where a trial resumes when its worker died (or an ASHA promotion's starting point). */
  checkpoint?: Checkpoint;
  /** The worker that last reported on it. */
  worker?: string;
}

/** A machine that works the queue, as it last described itself (GET /ready lists them). */
export type WorkerInfo = WireType<typeof workerInfoSchema>;

/** A worker silent for this long is no longer listed (it sends a heartbeat every WORKER_HEARTBEAT_MS). */
export const WORKER_HEARTBEAT_MS = 10_000;
const WORKER_GONE_MS = 3 * WORKER_HEARTBEAT_MS;

/** What the coordinator's terminal shows: which machine runs which trial, and how it ended. */
export interface TrialEvent {
  trialId: string;
  worker: string;
  what: 'running' | 'delivered' | 'failed';
}

/** How a delivered result was taken: counted now, counted before (a redelivery), or no longer wanted. */
export type Commit = 'counted' | 'duplicate' | 'unwanted';

/**
 * The coordinator's record of queued trials: who waits for each result, its newest checkpoint, and which
 * inputs workers may download. Results are counted once per trial id, however often they arrive (a worker
 * that finished but died before acknowledging the job, and the one that redid it, both deliver).
 */
export class TrialBoard {
  private readonly open = new Map<string, OpenTrial>();
  private readonly counted = new Set<string>();
  private readonly inputs = new Set<string>();
  private readonly workers = new Map<string, WorkerInfo>();

  constructor(private readonly onEvent: (event: TrialEvent) => void = () => {}) {}

  heartbeat(worker: Omit<WorkerInfo, 'lastHeartbeatAt'>, now = Date.now()): void {
    this.workers.set(worker.name, { ...worker, lastHeartbeatAt: new Date(now).toISOString() });
  }

  /** The workers heard from lately, each with the trials it runs now. */
  connectedWorkers(now = Date.now()): (WorkerInfo & { trials: string[] })[] {
    const running = this.running();
    return [...this.workers.values()]
      .filter((worker) => now - Date.parse(worker.lastHeartbeatAt) < WORKER_GONE_MS)
      .map((worker) => ({ ...worker, trials: running.filter((trial) => trial.worker === worker.name).map((trial) => trial.trialId) }));
  }

  /** Waits for the trial's result; `handlers` get its progress and checkpoints from whichever worker runs it. */
  expect(trialId: string, handlers: TrialHandlers, checkpoint?: Checkpoint): Promise<TrialResult> {
    return new Promise<TrialResult>((resolve, reject) => {
      this.open.set(trialId, { handlers, resolve, reject, ...(checkpoint ? { checkpoint } : {}) });
    });
  }

  /** Stops waiting (the search no longer wants it): later reports are answered "unwanted", so workers stop. */
  drop(trialId: string, reason: Error): void {
    const trial = this.open.get(trialId);
    this.open.delete(trialId);
    trial?.reject(reason);
  }

  isOpen(trialId: string): boolean {
    return this.open.has(trialId);
  }

  allowInput(sha256: string): void {
    this.inputs.add(sha256);
  }

  /** No open trial needs it any more. */
  forgetInput(sha256: string): void {
    this.inputs.delete(sha256);
  }

  /** Only what queued work needs is readable with a worker key: not any blob of the store. */
  mayRead(sha256: string): boolean {
    return this.inputs.has(sha256);
  }

  progress(trialId: string, progress: TrialProgress, worker?: string): boolean {
    const trial = this.open.get(trialId);
    if (!trial) return false;
    if (worker && trial.worker !== worker) {
      trial.worker = worker;
      this.onEvent({ trialId, worker, what: 'running' });
    }
    const machine = worker ?? trial.worker;
    trial.handlers.onProgress?.(machine ? { ...progress, machine } : progress);
    return true;
  }

  checkpoint(trialId: string, checkpoint: Checkpoint): boolean {
    const trial = this.open.get(trialId);
    if (!trial) return false;
    // An older epoch arriving late (a worker presumed dead) must not rewind the trial.
    if (trial.checkpoint && trial.checkpoint.epoch >= checkpoint.epoch) return true;
    trial.checkpoint = checkpoint;
    trial.handlers.onCheckpoint?.(checkpoint);
    return true;
  }

  latestCheckpoint(trialId: string): Checkpoint | undefined {
    return this.open.get(trialId)?.checkpoint;
  }

  commit(trialId: string, result: TrialResult, worker?: string): Commit {
    if (this.counted.has(trialId)) return 'duplicate';
    const trial = this.open.get(trialId);
    if (!trial) return 'unwanted';
    this.counted.add(trialId);
    this.open.delete(trialId);
    this.onEvent({ trialId, worker: worker ?? trial.worker ?? 'a worker', what: 'delivered' });
    trial.resolve(result);
    return 'counted';
  }

  fail(trialId: string, message: string, worker?: string): Commit {
    if (this.counted.has(trialId)) return 'duplicate';
    const trial = this.open.get(trialId);
    if (!trial) return 'unwanted';
    this.counted.add(trialId);
    this.open.delete(trialId);
    this.onEvent({ trialId, worker: worker ?? trial.worker ?? 'a worker', what: 'failed' });
    trial.reject(new Error(message));
    return 'counted';
  }

  /** Which worker runs each open trial (for /ready and the logs). */
  running(): { trialId: string; worker?: string }[] {
    return [...this.open].map(([trialId, trial]) => ({ trialId, ...(trial.worker ? { worker: trial.worker } : {}) }));
  }
}
