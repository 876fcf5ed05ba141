import { rm } from 'node:fs/promises';
import { Queue, QueueEvents } from 'bullmq';
import type { TrialExecutor } from '@offgrid/engine';
import type { AcceleratorChoice } from '@offgrid/engine/accelerator';
import { BlobStore } from '../storage/blob-store.ts';
import { TrialBoard, type TrialEvent } from './trial-board.ts';
import type { TrialJobData } from './trial-wire.ts';
import { ATTEMPTS, queuedTrialExecutor } from './queued-executor.ts';
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

  const executor = queuedTrialExecutor({ queue, board, inputs, redisUrl: options.redisUrl });

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
