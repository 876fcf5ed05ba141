import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { startCoordinator } from './coordinator.ts';
import { redisConnection } from './redis-url.ts';
import { startTestRedis, type TestRedis } from './test-redis.ts';
import { QUEUE_NAME } from './trial-worker.ts';
import { WorkerAccess, workerUserOf } from './worker-acl.ts';

// Per-worker Redis users on a real redis-server: enough for a BullMQ worker, nothing beyond the queue, cut at once
// on revocation, and back after a Redis restart.
let redis: TestRedis;
let admin: Redis;
let access: WorkerAccess;
const active = new Set<string>();
const clients: Redis[] = [];
const connect = (url: string) => {
  const client = new Redis({ ...redisConnection(url), maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => undefined);
  clients.push(client);
  return client;
};

before(async () => {
  redis = await startTestRedis({ appendonly: true });
  admin = new Redis({ port: redis.port, password: redis.password, maxRetriesPerRequest: null });
  admin.on('error', () => undefined); // reconnects through the restart below
  access = new WorkerAccess({ client: admin, redisUrl: redis.url, queueName: QUEUE_NAME, isActive: (keyId) => active.has(keyId) });
});
after(async () => {
  for (const client of clients) client.disconnect();
  admin?.disconnect();
  await redis?.close();
});

test('a worker\'s user runs a BullMQ worker (progress, logs, lock renewal, stalled checks) without one refusal', { timeout: 60_000 }, async () => {
  active.add('key-a');
  const url = await access.credentials('key-a');
  await admin.call('ACL', 'LOG', 'RESET');
  // BullMQ leaves the clients it is given open: they are closed below.
  const [queueClient, eventsClient, workerClient] = [admin.duplicate(), admin.duplicate(), new Redis({ ...redisConnection(url), maxRetriesPerRequest: null })];
  const queue = new Queue(QUEUE_NAME, { connection: queueClient });
  const events = new QueueEvents(QUEUE_NAME, { connection: eventsClient });
  const client = connect(url);
  const errors: string[] = [];
  // Jobs outlive the lock (1 s), so it is renewed while they run.
  const worker = new Worker(QUEUE_NAME, async (job) => {
    await job.updateProgress(50);
    await job.log('halfway');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    if (job.data.fail) throw new Error('training failed');
    return 'ok';
  }, { connection: workerClient, concurrency: 2, lockDuration: 1000, stalledInterval: 500 });
  worker.on('error', (error) => errors.push(error.message));
  try {
    await events.waitUntilReady();
    const finished = new Promise<void>((resolve) => {
      let count = 0;
      const done = () => { if (++count === 3) resolve(); };
      events.on('completed', done);
      events.on('failed', done);
    });
    await queue.add('trial', { n: 1 }, { removeOnComplete: true });
    await queue.add('trial', { n: 2 }, { removeOnComplete: true });
    await queue.add('trial', { fail: true }, { attempts: 1 });
    await finished;
    assert.deepEqual(errors, []);
    assert.deepEqual(await admin.call('ACL', 'LOG'), [], 'Redis refused the worker nothing');
    assert.equal(await client.call('ACL', 'WHOAMI'), workerUserOf('key-a'));
  } finally {
    await worker.close(true);
    await queue.close();
    await events.close();
    for (const used of [queueClient, eventsClient, workerClient]) used.disconnect();
  }
});

test('a worker\'s user cannot reach keys or channels outside the queue, nor run admin commands (NOPERM)', async () => {
  active.add('key-b');
  const client = connect(await access.credentials('key-b'));
  await admin.set('offgrid:secret', 'x');
  const refused: [string, ...string[]][] = [
    ['GET', 'offgrid:secret'], ['SET', 'offgrid:secret', 'y'], ['DEL', 'offgrid:secret'], ['PUBLISH', 'other', 'x'],
    ['ACL', 'SETUSER', 'evil', 'on', '>x', '+@all'], ['ACL', 'LIST'], ['CONFIG', 'GET', 'requirepass'], ['CONFIG', 'SET', 'dir', '/tmp'],
    ['FLUSHALL'], ['FLUSHDB'], ['KEYS', '*'], ['SCAN', '0'], ['RANDOMKEY'], ['SELECT', '1'], ['SWAPDB', '0', '1'],
    ['CLIENT', 'LIST'], ['CLIENT', 'KILL', 'USER', 'default'], ['MONITOR'], ['SHUTDOWN'], ['DEBUG', 'SLEEP', '0'],
    ['SCRIPT', 'FLUSH'], ['SCRIPT', 'KILL'], ['FUNCTION', 'FLUSH'], ['PUBSUB', 'CHANNELS'], ['MIGRATE', '127.0.0.1', '1', 'bull:offgrid-trials:x', '0', '1'],
    ['SORT', 'bull:offgrid-trials:wait', 'BY', 'offgrid:*'],
  ];
  for (const [command, ...args] of refused) {
    await assert.rejects(client.call(command, ...args), /NOPERM|DEBUG command not allowed/, `${command} ${args.join(' ')}`);
  }
  // Lua runs with the caller's rights: a script cannot reach past them either.
  await assert.rejects(client.call('EVAL', "return redis.call('get', 'offgrid:secret')", '0'), /can't access at least one of the keys|NOPERM/);
  await assert.rejects(client.call('SUBSCRIBE', 'other'), /NOPERM/);
  assert.equal(await admin.get('offgrid:secret'), 'x');
  // The queue's own keys and channels are its.
  assert.equal(await client.call('SET', 'bull:offgrid-trials:probe', '1'), 'OK');
  assert.equal(await client.call('PUBLISH', 'bull:offgrid-trials:events', 'x'), 0);
  assert.equal(await client.call('DEL', 'bull:offgrid-trials:probe'), 1);
});

test('revoking a key kills its live connections at once, and its password no longer logs in', async () => {
  active.add('key-c');
  const url = await access.credentials('key-c');
  const client = connect(url);
  assert.equal(await client.call('PING'), 'PONG');
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  active.delete('key-c');
  const start = Date.now();
  await access.revoke('key-c');
  await closed;
  assert.ok(Date.now() - start < 1000, `cut in ${Date.now() - start} ms`);
  assert.ok(!((await admin.call('ACL', 'USERS')) as string[]).includes(workerUserOf('key-c')));
  await assert.rejects(connect(url).call('PING'), /WRONGPASS/);
  await assert.rejects(access.credentials('key-c'), /revoked/, 'a revoked key gets no user back');
});

test('on the coordinator\'s reconnection after a Redis restart, users come back with their passwords; revoked ones do not', { timeout: 60_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), 'offgrid-acl-'));
  const keys = new Set(['key-d', 'key-e']);
  const coordinator = await startCoordinator({ redisUrl: redis.url, inputsDir: join(root, 'inputs'), localConcurrency: 0, log: () => undefined, isWorkerKeyActive: (keyId) => keys.has(keyId) });
  try {
    const [d, e] = [await coordinator.workerQueue('key-d'), await coordinator.workerQueue('key-e')];
    // key-e is revoked while Redis is away: its DELUSER cannot reach it then.
    await redis.stop();
    keys.delete('key-e');
    await redis.start();
    const users = async () => (await admin.call('ACL', 'USERS')) as string[];
    let now = await users();
    for (let i = 0; i < 100 && !now.includes(workerUserOf('key-d')); i++) now = await new Promise((resolve) => setTimeout(resolve, 100)).then(users);
    assert.ok(now.includes(workerUserOf('key-d')) && !now.includes(workerUserOf('key-e')), now.join(', '));
    assert.equal(await connect(d.redisUrl).call('PING'), 'PONG', 'the same password works again');
    await assert.rejects(connect(e.redisUrl).call('PING'), /WRONGPASS/);
    // A user a revoked key left in Redis (revoked while the coordinator was down) goes on the next reconnection too.
    await admin.call('ACL', 'SETUSER', workerUserOf('key-f'), 'on', '>x');
    await admin.call('CLIENT', 'KILL', 'USER', 'default');
    for (let i = 0; i < 100 && (await users()).includes(workerUserOf('key-f')); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(!(await users()).includes(workerUserOf('key-f')));
  } finally {
    await coordinator.close();
    rmSync(root, { recursive: true, force: true });
  }
});
