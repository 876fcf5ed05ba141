import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { freePort, startTestRedis, type TestRedis } from '@offgrid/server/test-redis';
import { startCli, type CliProcess } from './test-processes.ts';

// Each worker key has its own Redis user (issue #18), as real processes see it: revoking a worker's key mid-trial
// cuts its Redis connections at once and the worker stops, its trial finished by another worker and counted once;
// Redis restarted mid-search, workers get back in (same password, re-created by the coordinator); Redis and the
// coordinator restarted, the worker's old password is gone and it fetches a new one over HTTPS.

let redis: TestRedis;
let root: string;
let coordinator: CliProcess;
let coordinatorArgs: string[];
let server: string;
let adminKey: string;
let ca: string;
let dispatcher: Agent;
let projectId: string;
const workers: CliProcess[] = [];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- API answers, read field by field
async function api(path: string, init: { method?: string; body?: string; contentType?: string } = {}): Promise<any> {
  const response = await fetch(`${server}/api/v1${path}`, {
    method: init.method ?? 'GET', body: init.body, dispatcher,
    headers: { authorization: `Bearer ${adminKey}`, ...(init.body ? { 'content-type': init.contentType ?? 'application/json' } : {}) },
  });
  const json = await response.json();
  assert.ok(response.ok, `${init.method ?? 'GET'} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

function startWorker(name: string, key: string): CliProcess {
  const worker = startCli(['worker', '--server', server, '--key', key, '--ca', ca, '--concurrency', '1', '--name', name, '--cache', join(root, `cache-${name}`), '--accelerator', 'wasm']);
  workers.push(worker);
  return worker;
}

async function finish(jobId: string): Promise<{ status: string; modelId?: string }> {
  let job = await api(`/jobs/${jobId}`);
  for (let i = 0; i < 240 && !['succeeded', 'failed', 'cancelled'].includes(job.status); i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    job = await api(`/jobs/${jobId}`);
  }
  return job;
}

/** The live Redis connections logged in as a worker key's user. */
async function connectionsOf(keyId: string): Promise<string[]> {
  return String(await redis.call('CLIENT', 'LIST')).split('\n').filter((line) => line.includes(` user=offgrid-worker-${keyId} `));
}

const delivered = (worker: CliProcess) => worker.lines.map((line) => / trial (\S+) delivered/.exec(line)?.[1]).filter((id): id is string => id !== undefined);

before(async () => {
  // appendonly: what is queued survives the Redis restarts below.
  redis = await startTestRedis({ appendonly: true });
  root = mkdtempSync(join(tmpdir(), 'offgrid-redis-access-'));
  const port = await freePort();
  const data = join(root, 'coordinator');
  coordinatorArgs = ['serve', '--port', String(port), '--host', '127.0.0.1', '--data', data, '--queue', redis.url, '--training-concurrency', '0', '--queue-trials', '2'];
  coordinator = startCli(coordinatorArgs);
  await coordinator.waitFor(/Offgrid is running/, 60_000);
  server = `https://127.0.0.1:${port}`;
  adminKey = readFileSync(join(data, 'admin-key.txt'), 'utf8').trim().split(/\s+/).find((word) => word.startsWith('og_'))!;
  ca = join(data, 'tls', 'ca.crt');
  dispatcher = new Agent({ connect: { ca: readFileSync(ca, 'utf8') } });
  const project = await api('/projects', { method: 'POST', body: JSON.stringify({ name: 'sensors', labels: ['idle', 'running', 'fault'], modality: 'tabular', featureNames: ['temperature', 'vibration'] }) });
  projectId = project.id;
  let state = 7;
  const noise = () => { state = (state * 1103515245 + 12345) % 2 ** 31; return (state % 1000) / 1000 - 0.5; };
  const rows = Array.from({ length: 120 }, (_, i) => {
    const label = ['idle', 'running', 'fault'][i % 3];
    const [t, v] = { idle: [20, 0.1], running: [45, 1.0], fault: [70, 3.0] }[label] as [number, number];
    return `${label},${(t + noise() * 6).toFixed(2)},${(v + noise() * 0.4).toFixed(3)}`;
  });
  await api(`/projects/${projectId}/samples`, { method: 'POST', contentType: 'text/csv', body: `label,temperature,vibration\n${rows.join('\n')}\n` });
});

after(async () => {
  for (const worker of workers) await worker.stop();
  await coordinator?.stop();
  await dispatcher?.close();
  await redis?.close();
  rmSync(root, { recursive: true, force: true });
});

let keyB: string;
let workerB: CliProcess;

test('a worker\'s key revoked mid-trial: its Redis connections are cut at once, it stops, and its trial is finished by another worker, counted once', { timeout: 180_000 }, async () => {
  const a = await api('/keys', { method: 'POST', body: JSON.stringify({ scope: 'worker', name: 'worker-a' }) });
  const b = await api('/keys', { method: 'POST', body: JSON.stringify({ scope: 'worker', name: 'worker-b' }) });
  keyB = b.key.id;
  const workerA = startWorker('worker-a', a.apiKey);
  workerB = startWorker('worker-b', b.apiKey);
  await Promise.all([workerA.waitFor(/takes trials from .* \(queue redis:\/\/offgrid-worker-[0-9a-f-]+:\*\*\*@/), workerB.waitFor(/takes trials from/)]);
  assert.ok((await connectionsOf(a.key.id)).length > 0, 'A is logged in to Redis as its own user');
  assert.ok(!workerA.lines.some((line) => line.includes(redis.password)), 'the admin password never reaches a worker');

  const job = await api(`/projects/${projectId}/train`, { method: 'POST', body: JSON.stringify({ budgetSeconds: 75, seed: 1 }) });
  const [, cutTrial] = await workerA.waitFor(/ trial (\S+) started/, 90_000);
  await api(`/keys/${a.key.id}/revoke`, { method: 'POST' });
  // By the time the revocation is answered, A has no connection to Redis left and its user is gone.
  assert.deepEqual(await connectionsOf(a.key.id), []);
  assert.ok(!((await redis.call('ACL', 'USERS')) as string[]).includes(`offgrid-worker-${a.key.id}`));
  await workerA.waitFor(/stopping: the coordinator refused this worker's key \(revoked\?\): .*401/, 30_000);
  assert.equal(await workerA.exited, 1);
  assert.ok(!delivered(workerA).includes(cutTrial), 'A did not deliver the trial it was cut from');

  // Its trial goes back to the queue (its lock lapses, or its failure is recorded) and B finishes it.
  await workerB.waitFor(new RegExp(` trial ${cutTrial} started: retry after \\d failure\\(s\\), \\d stall\\(s\\)`), 90_000);
  await workerB.waitFor(new RegExp(` trial ${cutTrial} delivered`), 90_000);
  const finished = await finish(job.id);
  assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
  const all = [...delivered(workerA), ...delivered(workerB)];
  assert.equal(all.filter((id) => id === cutTrial).length, 1, 'the cut trial was delivered once, by B');
  assert.equal(new Set(all).size, all.length, 'no trial was delivered twice');
  // Redis refused the workers nothing but A's logins after its revocation: their users allow all a BullMQ worker does.
  const log = (await redis.call('ACL', 'LOG')) as unknown[][];
  const refusals = log.map((entry) => Object.fromEntries(Array.from({ length: entry.length / 2 }, (_, i) => [String(entry[2 * i]), entry[2 * i + 1]])));
  assert.deepEqual(refusals.filter((entry) => entry.reason !== 'auth').map((entry) => `${entry.username}: ${entry.reason} ${entry.object}`), []);
});

test('Redis stopped and restarted mid-search: the worker gets back in as its own user and the job finishes, nothing queued lost', { timeout: 180_000 }, async () => {
  assert.equal(workerB.child.exitCode, null, 'worker B from the first test still runs');
  const job = await api(`/projects/${projectId}/train`, { method: 'POST', body: JSON.stringify({ budgetSeconds: 40, seed: 2 }) });
  await workerB.waitFor(/ trial \S+ started/, 60_000, workerB.lines.length);
  await redis.stop();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  await redis.start();
  const restartedAt = Date.now();
  const from = workerB.lines.length;
  await workerB.waitFor(/ trial \S+ delivered/, 90_000, from);
  const finished = await finish(job.id);
  assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
  // Nothing queued was lost: no trial failed, and trials still finished after the restart.
  const report = await api(`/models/${finished.modelId}/report`);
  type Trial = { status: string; startedAt: string; seconds: number };
  const statuses = report.trials.map((trial: Trial) => `${trial.status}@${Math.round(Date.parse(trial.startedAt) + trial.seconds * 1000 - restartedAt)}ms`);
  assert.ok(report.trials.every((trial: Trial) => !trial.status.startsWith('failed')), `no trial failed: ${statuses.join(', ')}`);
  assert.ok(report.trials.some((trial: Trial) => /^(completed|pruned)/.test(trial.status) && Date.parse(trial.startedAt) + trial.seconds * 1000 > restartedAt), `a trial finished after the restart: ${statuses.join(', ')}`);
  assert.ok((await connectionsOf(keyB)).length > 0, 'B is logged in again as its own user');
  assert.ok(!workerB.lines.some((line) => /new credentials/.test(line)), 'the coordinator gave its user back the same password');
});

test('Redis and the coordinator restarted: the worker\'s password is gone; it fetches a new one over HTTPS and carries on', { timeout: 240_000 }, async () => {
  const job = await api(`/projects/${projectId}/train`, { method: 'POST', body: JSON.stringify({ budgetSeconds: 40, seed: 3 }) });
  await workerB.waitFor(/ trial \S+ delivered/, 90_000, workerB.lines.length);
  coordinator.child.kill('SIGKILL');
  await coordinator.exited;
  await redis.stop();
  await redis.start();
  coordinator = startCli(coordinatorArgs);
  await coordinator.waitFor(/Offgrid is running/, 60_000);
  const from = workerB.lines.length;
  await workerB.waitFor(new RegExp(`queue: new credentials from the coordinator, reconnected as offgrid-worker-${keyB}$`), 90_000, from);
  await workerB.waitFor(/ trial \S+ delivered/, 120_000, from);
  const finished = await finish(job.id);
  assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
});
