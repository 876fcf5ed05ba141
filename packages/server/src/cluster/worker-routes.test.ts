import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { TrialResult } from '@offgrid/engine';
import { buildApp } from '../app.ts';
import type { ServerContext } from '../context.ts';
import { HttpWorkerLink, WorkerRefusedError } from './http-worker-link.ts';
import { startTestRedis, type TestRedis } from './test-redis.ts';
import { decodeTrialData, encodeTrialData, sha256Of } from './trial-wire.ts';

// The worker routes on a real coordinator (real Redis, a real socket), called through the worker's own HTTP client.
let redis: TestRedis;
let root: string;
let app: FastifyInstance;
let context: ServerContext;
let baseUrl: string;
let adminKey: string;
let workerKey: string;
let workerKeyId: string;
const link = (key = workerKey) => new HttpWorkerLink({ server: baseUrl, key, cacheDir: join(root, 'cache'), worker: 'test-worker' });

before(async () => {
  redis = await startTestRedis();
  root = mkdtempSync(join(tmpdir(), 'offgrid-worker-routes-'));
  // No local worker (0 cores): the trials here are delivered by the test, as a remote worker would.
  ({ app, context } = await buildApp({ dataDir: join(root, 'data'), publicUrl: '', queue: redis.url, trainingConcurrency: 0, rateLimits: false }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  adminKey = context.keys.create('admin', 'test').apiKey;
  const created = await fetch(`${baseUrl}/api/v1/keys`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ scope: 'worker', name: 'lab-pc-2' }) });
  assert.equal(created.status, 201);
  const body = await created.json() as { apiKey: string; key: { id: string; scope: string; projectIds: string[] } };
  assert.deepEqual([body.key.scope, body.key.projectIds], ['worker', []], 'a worker key reaches no project');
  ({ apiKey: workerKey, key: { id: workerKeyId } } = body);
});
after(async () => {
  await app?.close();
  await redis?.close();
  rmSync(root, { recursive: true, force: true });
});

test('the queue\'s address goes to worker keys only; a worker key reaches nothing else', async () => {
  // Its own Redis user, never the admin password; the same credentials however often it asks.
  const queue = await link().queue();
  const url = new URL(queue.redisUrl);
  assert.deepEqual([url.protocol, url.host, url.username, queue.queueName], ['redis:', `127.0.0.1:${redis.port}`, `offgrid-worker-${workerKeyId}`, 'offgrid-trials']);
  assert.ok(url.password.length >= 32 && !queue.redisUrl.includes(redis.password), 'a password of its own');
  assert.deepEqual(await link().queue(), queue);
  const asAdmin = await fetch(`${baseUrl}/api/v1/worker/queue`, { headers: { authorization: `Bearer ${adminKey}` } });
  assert.equal(asAdmin.status, 403);
  assert.match(((await asAdmin.json()) as { error: { message: string } }).error.message, /needs a worker key; a admin key cannot call it\. An admin creates one with `offgrid keys create --scope worker/);
  for (const path of ['/projects', '/keys', '/models/x']) {
    const response = await fetch(`${baseUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${workerKey}` } });
    assert.equal(response.status, 403, path);
  }
});

test('inputs: only a queued trial\'s, checked by sha256 and cached; a corrupt cached copy is fetched again', async () => {
  const data = { x: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [3], targets: [0, 1], groups: [7, 8] };
  const bytes = encodeTrialData(data);
  const sha256 = await context.coordinator!.inputs.put(bytes);
  assert.equal(sha256, sha256Of(bytes));
  await assert.rejects(link().input(sha256), /404 .*No queued trial needs the input/);
  context.coordinator!.board.allowInput(sha256);
  const fetched = await link().input(sha256);
  assert.deepEqual(decodeTrialData(fetched), { x: data.x, shape: [3], targets: Int32Array.from([0, 1]), groups: Int32Array.from([7, 8]) });
  writeFileSync(join(root, 'cache', sha256), 'torn');
  assert.deepEqual(await link().input(sha256), fetched);
  assert.equal(await link().pruneCache(60_000), 0, 'a file just used is kept');
  assert.equal(await link().pruneCache(60_000, Date.now() + 120_000), 1, 'one unused for longer goes');
  assert.equal(existsSync(join(root, 'cache', sha256)), false);
});

test('checkpoints and results: the newest checkpoint resumes a trial; a result delivered twice is counted once', async () => {
  const board = context.coordinator!.board;
  const checkpoints: number[] = [];
  const waiting = board.expect('run-7', { onCheckpoint: (c) => checkpoints.push(c.epoch) });
  const worker = link();
  assert.equal(await worker.checkpointOf('run-7'), undefined);
  assert.equal(await worker.checkpoint('run-7', { epoch: 2, optimizerStep: 40, bytes: new Uint8Array([9, 8, 7]) }), true);
  assert.deepEqual(await worker.checkpointOf('run-7'), { epoch: 2, optimizerStep: 40, bytes: new Uint8Array([9, 8, 7]) });
  assert.deepEqual(checkpoints, [2]);
  const result = { tflite: new Uint8Array([1, 2, 3]), inputShape: [3], epochs: 3, history: [], stoppedBy: 'epochs', validationIndices: [1], metrics: { parameters: 10, seconds: 1 } } as unknown as TrialResult;
  await worker.result('run-7', result);
  const second = await fetch(`${baseUrl}/api/v1/worker/trials/run-7/result`, {
    method: 'POST', headers: { authorization: `Bearer ${workerKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ worker: 'other', result: { ...result, tflite: 'BAUG' } }),
  });
  assert.deepEqual(await second.json(), { outcome: 'duplicate' });
  assert.deepEqual((await waiting).tflite, new Uint8Array([1, 2, 3]), 'the first delivery is the counted one');
  assert.equal(await worker.progress('run-7', { epoch: 3, epochs: 3 } as never), false, 'a finished trial is no longer wanted');
});

test('/ready lists the workers heard from, with what they offer', async () => {
  const before = await (await fetch(`${baseUrl}/api/v1/ready`)).json() as { workers: unknown[] };
  assert.deepEqual(before.workers, []);
  await link().heartbeat({ name: 'lab-pc-2', cores: 8, concurrency: 7, accelerator: 'webgpu', acceleratorReason: 'webgpu: NVIDIA RTX 4060, gradients match cpu, 6.10x wasm\'s training speed' });
  const ready = await (await fetch(`${baseUrl}/api/v1/ready`)).json() as { ready: boolean; workers: { name: string; cores: number; concurrency: number; accelerator: string; acceleratorReason?: string; lastHeartbeatAt: string; trials: string[] }[] };
  assert.equal(ready.ready, true);
  assert.deepEqual(ready.workers.map(({ lastHeartbeatAt, ...worker }) => ({ ...worker, recent: Date.now() - Date.parse(lastHeartbeatAt) < 5000 })), [{ name: 'lab-pc-2', cores: 8, concurrency: 7, accelerator: 'webgpu', acceleratorReason: 'webgpu: NVIDIA RTX 4060, gradients match cpu, 6.10x wasm\'s training speed', trials: [], recent: true }]);
});

test('a revoked worker key is refused at once', async () => {
  const revoked = await fetch(`${baseUrl}/api/v1/keys/${workerKeyId}/revoke`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}` } });
  assert.equal(revoked.status, 200);
  const refusals: Error[] = [];
  const worker = new HttpWorkerLink({ server: baseUrl, key: workerKey, cacheDir: join(root, 'cache'), worker: 'lost', onRefused: (error) => refusals.push(error) });
  await assert.rejects(worker.queue(), (error: Error) => error instanceof WorkerRefusedError && /401/.test(error.message));
  assert.equal(refusals.length, 1, 'the worker is told to stop pulling trials');
  // Its Redis user went with it.
  const admin = new Redis({ port: redis.port, password: redis.password });
  try {
    assert.ok(!((await admin.call('ACL', 'USERS')) as string[]).includes(`offgrid-worker-${workerKeyId}`));
  } finally {
    admin.disconnect();
  }
});

test('a server without --queue tells a worker how to make it a coordinator', async () => {
  const plain = await buildApp({ dataDir: join(root, 'plain'), publicUrl: '', rateLimits: false });
  try {
    const key = plain.context.keys.create('worker', 'w').apiKey;
    const response = await plain.app.inject({ method: 'GET', url: '/api/v1/worker/queue', headers: { authorization: `Bearer ${key}` } });
    assert.equal(response.statusCode, 409);
    assert.match(response.json<{ error: { message: string } }>().error.message, /not a coordinator: start it with `offgrid serve --queue redis:/);
  } finally {
    await plain.app.close();
  }
});
