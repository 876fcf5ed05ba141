import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { Queue, QueueEvents } from 'bullmq';
import type { TrialExecutor, TrialHandlers, TrialRequest, TrialResult } from '@offgrid/engine';
import type { AcceleratorChoice } from '@offgrid/engine/accelerator';
import { BlobStore } from '../storage/blob-store.ts';
import { TrialBoard, type Checkpoint, type TrialEvent } from './trial-board.ts';
import { encodeTrialData, sha256Of, type TrialJobData } from './trial-wire.ts';
import { QUEUE_NAME, startTrialWorker } from './trial-worker.ts';
import { localLink } from './worker-link.ts';
import { closeClient, redactRedisUrl, redisClient, redisConnection } from './redis-url.ts';
import { WorkerAccess } from './worker-acl.ts';

export interface CoordinatorOptions {
  /**
   * redis://[:password@]host:port, the admin password (the coordinator runs ACL commands). Workers get its scheme,
   * host and port with a user of their own, so name the coordinator's LAN address, not localhost.
   */
  redisUrl: string;
  /** Trial inputs live here while the coordinator runs (cleared at start: a restarted search publishes them again). */
  inputsDir: string;
  /** Trials the coordinator's own cores take from the queue (0: only other machines train). */
  localConcurrency: number;
  /** What the coordinator's own cores train on (its start-up self-test). */
  accelerator?: AcceleratorChoice;
  log: (level: 'warn' | 'error', message: string, error?: Error) => void;
  /** Which machine runs which trial (`offgrid serve` prints them). */
  onTrial?: (event: TrialEvent) => void;
  /** Whether a worker key is valid now: only those get (and keep) a Redis user. Default: none is. */
  isWorkerKeyActive?: (keyId: string) => boolean;
}

export interface Coordinator {
  /** Trials and retraining as BullMQ jobs; resolves with the result whichever machine trained it. */
  executor: TrialExecutor;
  board: TrialBoard;
  inputs: BlobStore;
  queueName: string;
  /** The queue's URL for one worker key: its own Redis user, created (or refreshed) now; never the admin password. */
  workerQueue(keyId: string): Promise<{ redisUrl: string; queueName: string }>;
  /** Deletes a revoked worker key's Redis user and kills its connections. */
  revokeWorker(keyId: string): Promise<void>;
  close(): Promise<void>;
}

/** Attempts per trial job: a worker that cannot download its input (or loses the coordinator) gives it back. */
const ATTEMPTS = 3;
/** A coordinator whose Redis does not answer at start-up says so instead of waiting forever (ioredis retries silently). */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Turns this server into the coordinator: the search stays here (it decides, SQLite and blobs stay
 * authoritative), each trial becomes a BullMQ job on Redis, and workers on any machine, this one included,
 * pull them. Results come back over HTTPS (the worker routes) and are counted once.
 */
export async function startCoordinator(options: CoordinatorOptions): Promise<Coordinator> {
  const connection = redisConnection(options.redisUrl);
  const board = new TrialBoard(options.onTrial);
  await rm(options.inputsDir, { recursive: true, force: true });
  const inputs = new BlobStore(options.inputsDir);
  const where = redactRedisUrl(options.redisUrl);
  const queueClient = redisClient(connection, (error) => options.log('warn', `queue (${where}): ${error.message}`, error));
  const eventsClient = redisClient(connection, (error) => options.log('warn', `queue events (${where}): ${error.message}`, error));
  const aclClient = redisClient(connection, (error) => options.log('warn', `worker users (${where}): ${error.message}`, error));
  const access = new WorkerAccess({
    client: aclClient, redisUrl: options.redisUrl, queueName: QUEUE_NAME, isActive: options.isWorkerKeyActive ?? (() => false),
  });
  // Every (re)connection, the first included: Redis forgets ACL users when it restarts (no aclfile), and a key may
  // have been revoked while Redis was away.
  aclClient.on('ready', () => { access.sync().catch((error: Error) => options.log('warn', `worker users (${where}): ${error.message}`, error)); });
  const queue = new Queue<TrialJobData>(QUEUE_NAME, { connection: queueClient });
  queue.on('error', (error) => options.log('warn', `queue (${where}): ${error.message}`, error));
  // Fails fast at start-up when Redis is not there or refuses the password: a coordinator without its queue trains nothing.
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      queue.waitUntilReady(),
      new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`no answer in ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS); }),
    ]);
  } catch (error) {
    await queue.close().catch(() => undefined);
    for (const client of [queueClient, eventsClient, aclClient]) client.disconnect();
    throw new Error(`Cannot reach the queue at ${redactRedisUrl(options.redisUrl)}: ${(error as Error).message}. Start redis-server there (with requirepass) or fix --queue.`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
  // Trials queued by an earlier run have nobody waiting for them: the resumed search queues what it still needs.
  await queue.obliterate({ force: true });
  const events = new QueueEvents(QUEUE_NAME, { connection: eventsClient });
  events.on('error', (error) => options.log('warn', `queue events: ${error.message}`, error));
  // Final failures only (BullMQ emits 'failed' once retries are spent): e.g. an input every worker found corrupt.
  events.on('failed', ({ jobId, failedReason }) => { board.fail(jobId, `The trial failed on ${ATTEMPTS} tries: ${failedReason}`); });
  await events.waitUntilReady();
  const local = options.localConcurrency > 0
    ? startTrialWorker({
      connection, link: localLink(board, inputs, 'coordinator'), concurrency: options.localConcurrency, name: 'coordinator',
      ...(options.accelerator ? { accelerator: options.accelerator } : {}),
      onFallback: (fallback) => options.log('warn', `WebGPU failed during ${fallback.during} on this machine (${fallback.error}): its trials train on wasm from now on`),
      onError: (error) => options.log('warn', `local worker: ${error.message}`, error),
    })
    : undefined;

  const run = randomBytes(4).toString('hex');
  let count = 0;
  // Inputs are kept while a trial that needs them is open, then deleted: a long-running coordinator must not fill its
  // disk with every view of every job. Counted before the write, so a trial finishing meanwhile cannot delete the file
  // under a new one (the check and the delete are one synchronous step).
  const users = new Map<string, number>();
  const publish = async (sha256: string, bytes: Uint8Array) => {
    users.set(sha256, (users.get(sha256) ?? 0) + 1);
    await inputs.put(bytes);
    board.allowInput(sha256);
  };
  const release = (sha256: string) => {
    const left = (users.get(sha256) ?? 1) - 1;
    if (left > 0) return users.set(sha256, left);
    users.delete(sha256);
    board.forgetInput(sha256);
    inputs.deleteIfUnreferenced(sha256, () => users.has(sha256));
  };
  const executor: TrialExecutor = {
    async train(request: TrialRequest, handlers = {}) {
      const { signal } = handlers;
      signal?.throwIfAborted();
      const { data, checkpoint, initialWeights, ...rest } = request;
      const trialId = `${run}-${++count}`;
      const published: string[] = [];
      const share = async (bytes: Uint8Array) => {
        const sha256 = sha256Of(bytes);
        published.push(sha256);
        await publish(sha256, bytes);
        return sha256;
      };
      try {
        const job: TrialJobData = {
          trialId, request: rest, dataSha256: await share(encodeTrialData(data)),
          ...(initialWeights ? { initialWeightsSha256: await share(initialWeights) } : {}),
        };
        return await queueAndWait(trialId, job, handlers, checkpoint);
      } finally {
        for (const sha256 of published) release(sha256);
      }
    },
  };

  /** Queues the trial and resolves with its result, whichever worker delivers it; an abort drops it. */
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
        throw new Error(`Cannot queue the trial at ${redactRedisUrl(options.redisUrl)}: ${error.message}`, { cause: error });
      });
      return await result;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  return {
    executor, board, inputs,
    queueName: QUEUE_NAME,
    workerQueue: async (keyId) => ({ redisUrl: await access.credentials(keyId), queueName: QUEUE_NAME }),
    revokeWorker: (keyId) => access.revoke(keyId),
    async close() {
      await local?.close();
      await events.close();
      await queue.close();
      await closeClient(queueClient);
      await closeClient(eventsClient);
      await closeClient(aclClient);
    },
  };
}
