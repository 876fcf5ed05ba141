import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { WorkerRefusedError } from './http-worker-link.ts';
import { startQueueWorker, type QueueSource } from './queue-worker.ts';
import { startTestRedis, type TestRedis } from './test-redis.ts';
import { QUEUE_NAME } from './trial-worker.ts';
import { WorkerAccess, workerUserOf } from './worker-acl.ts';
import type { WorkerLink } from './worker-link.ts';

// A worker's login follows the coordinator: Redis restarted (same password back), the coordinator restarted too (a
// new password: the worker fetches it and restarts its BullMQ worker), the key revoked (the worker stops). The
// coordinator's side is a WorkerAccess on an admin client, re-synced on each reconnection as the coordinator does.
let redis: TestRedis;
let admin: Redis;
let queueClient: Redis;
let queue: Queue;
let access: WorkerAccess;
let active = true;
const KEY = 'key-1';
const newAccess = () => new WorkerAccess({ client: admin, redisUrl: redis.url, queueName: QUEUE_NAME, isActive: (keyId) => active && keyId === KEY });
const source: QueueSource = {
  async queue() {
    if (!active) throw new WorkerRefusedError('GET /worker/queue: 401 {"error":{"code":"OFFGRID_ERR_UNAUTHORIZED"}}');
    return { redisUrl: await access.credentials(KEY), queueName: QUEUE_NAME };
  },
};
// Trials here never train: their input cannot be fetched, so each one the worker takes is 'started' then 'failed'.
const link: WorkerLink = {
  input: async () => { throw new Error('no input in this test'); },
  checkpointOf: async () => undefined, progress: async () => true, checkpoint: async () => true,
  result: async () => undefined, failure: async () => undefined, heartbeat: async () => undefined,
};
const events: string[] = [];
const waitFor = async (what: string, timeoutMs = 40_000) => {
  for (const start = Date.now(); !events.includes(what); await new Promise((resolve) => setTimeout(resolve, 100))) {
    if (Date.now() - start > timeoutMs) assert.fail(`no "${what}" in ${timeoutMs} ms: ${events.join(', ')}`);
  }
};
let worker: ReturnType<typeof startQueueWorker>;

before(async () => {
  redis = await startTestRedis({ appendonly: true });
  admin = new Redis({ port: redis.port, password: redis.password, maxRetriesPerRequest: null });
  admin.on('error', () => undefined);
  access = newAccess();
  admin.on('ready', () => { access.sync().catch(() => undefined); });
  queueClient = admin.duplicate();
  queueClient.on('error', () => undefined);
  queue = new Queue(QUEUE_NAME, { connection: queueClient });
  worker = startQueueWorker({
    source, initial: await source.queue(), link, concurrency: 1, name: 'w', refreshDelayMs: 200,
    onError: () => undefined,
    onRestart: (url) => events.push(`restart as ${new URL(url).username}`),
    onRefused: () => events.push('refused'),
    onTrial: (event) => events.push(`${event.trialId} ${event.outcome}`),
  });
});
after(async () => {
  await worker?.close();
  await queue?.close();
  queueClient?.disconnect();
  admin?.disconnect();
  await redis?.close();
});

const addTrial = (trialId: string) => queue.add('trial', { trialId, request: {}, dataSha256: '0'.repeat(64) } as never, { jobId: trialId, attempts: 1 });

test('Redis restarted: the coordinator re-creates the user with its password, and the worker takes trials again as it was', { timeout: 60_000 }, async () => {
  await addTrial('t1');
  await waitFor('t1 failed');
  await redis.stop();
  await redis.start();
  await addTrial('t2');
  await waitFor('t2 failed');
  assert.ok(!events.some((event) => event.startsWith('restart')), `no restart was needed: ${events.join(', ')}`);
});

test('Redis and the coordinator restarted: the worker fetches its new password and restarts its BullMQ worker', { timeout: 60_000 }, async () => {
  await redis.stop();
  access = newAccess(); // a restarted coordinator remembers no password
  await redis.start();
  await waitFor(`restart as ${workerUserOf(KEY)}`);
  await addTrial('t3');
  await waitFor('t3 failed');
});

test('the key revoked: its connections are cut, the refresh is refused and the worker stops taking trials', { timeout: 60_000 }, async () => {
  active = false;
  await access.revoke(KEY);
  await waitFor('refused', 20_000);
  const clients = String(await admin.call('CLIENT', 'LIST')).split('\n').filter((line) => line.includes(`user=${workerUserOf(KEY)} `));
  assert.deepEqual(clients, []);
  await addTrial('t4');
  await new Promise((resolve) => setTimeout(resolve, 2000));
  assert.ok(!events.includes('t4 started'), events.join(', '));
  assert.equal(await queue.getWaitingCount(), 1, 'the trial waits for another worker');
});
