import { randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { TrialExecutor, TrialHandlers, TrialRequest, TrialResult } from '@offgrid/engine';
import type { BlobStore } from '../storage/blob-store.ts';
import type { Checkpoint, TrialBoard } from './trial-board.ts';
import { encodeTrialData, sha256Of, type TrialJobData } from './trial-wire.ts';
import { redactRedisUrl } from './redis-url.ts';

/** Attempts per trial job: a worker that cannot download its input (or loses the coordinator) gives it back. */
export const ATTEMPTS = 3;

/**
 * Trial inputs that workers download, kept while a trial that needs them is open and then deleted: a long-running
 * coordinator must not fill its disk with every view of every job.
 */
class SharedInputs {
  private readonly users = new Map<string, number>();
  constructor(private readonly inputs: BlobStore, private readonly board: TrialBoard) {}

  async publish(bytes: Uint8Array): Promise<string> {
    const sha256 = sha256Of(bytes);
    // Counted before the write, so a trial finishing meanwhile cannot delete the file under a new one.
    this.users.set(sha256, (this.users.get(sha256) ?? 0) + 1);
    await this.inputs.put(bytes);
    this.board.allowInput(sha256);
    return sha256;
  }

  release(sha256: string): void {
    const left = (this.users.get(sha256) ?? 1) - 1;
    if (left > 0) {
      this.users.set(sha256, left);
      return;
    }
    this.users.delete(sha256);
    this.board.forgetInput(sha256);
    // The check and the delete are one synchronous step.
    this.inputs.deleteIfUnreferenced(sha256, () => this.users.has(sha256));
  }
}

/**
 * The search's trials (and retraining) as BullMQ jobs: the inputs are published for workers to download, the job is
 * queued, and the result resolves whichever worker delivers it (the board counts it once). An abort drops the trial.
 */
export function queuedTrialExecutor({ queue, board, inputs, redisUrl }: { queue: Queue<TrialJobData>; board: TrialBoard; inputs: BlobStore; redisUrl: string }): TrialExecutor {
  const shared = new SharedInputs(inputs, board);
  const run = randomBytes(4).toString('hex');
  let count = 0;

  async function queueAndWait(trialId: string, job: TrialJobData, handlers: TrialHandlers, checkpoint?: Checkpoint): Promise<TrialResult> {
    const { signal } = handlers;
    const result = board.expect(trialId, handlers, checkpoint);
    const onAbort = () => {
      board.drop(trialId, signal!.reason instanceof Error ? signal!.reason : new DOMException('Training was aborted.', 'AbortError'));
      // A waiting job goes; a running one stops when its worker next reports (it is told the trial is unwanted).
      void queue.remove(trialId).catch(() => undefined);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await queue.add('trial', job, { jobId: trialId, attempts: ATTEMPTS, backoff: { type: 'fixed', delay: 500 }, removeOnComplete: true, removeOnFail: 1000 }).catch((error: Error) => {
        result.catch(() => undefined);
        board.drop(trialId, error);
        throw new Error(`Cannot queue the trial at ${redactRedisUrl(redisUrl)}: ${error.message}`, { cause: error });
      });
      return await result;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  return {
    async train(request: TrialRequest, handlers = {}) {
      handlers.signal?.throwIfAborted();
      const { data, checkpoint, initialWeights, ...rest } = request;
      const trialId = `${run}-${++count}`;
      const published: string[] = [];
      const share = async (bytes: Uint8Array) => {
        const sha256 = await shared.publish(bytes);
        published.push(sha256);
        return sha256;
      };
      try {
        const job: TrialJobData = {
          trialId, request: rest, dataSha256: await share(encodeTrialData(data)),
          ...(initialWeights ? { initialWeightsSha256: await share(initialWeights) } : {}),
        };
        return await queueAndWait(trialId, job, handlers, checkpoint);
      } finally {
        for (const sha256 of published) shared.release(sha256);
      }
    },
  };
}
