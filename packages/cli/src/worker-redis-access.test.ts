import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { deliveredTrials as delivered, sensorCsv, SENSOR_PROJECT, startTestCluster, type TestCluster } from './test-cluster.ts';
import type { CliProcess } from './test-processes.ts';

// Each worker key has its own Redis user (issue #18), as real processes see it: revoking a worker's key mid-trial
// cuts its Redis connections at once and the worker stops, its trial finished by another worker and counted once;
// Redis restarted mid-search, workers get back in (same password, re-created by the coordinator); Redis and the
// coordinator restarted, the worker's old password is gone and it fetches a new one over HTTPS.

let cluster: TestCluster;
let projectId: string;
const api: TestCluster['api'] = (path, init) => cluster.api(path, init);
const startWorker = (name: string, key: string) => cluster.startWorker(name, key, { args: ['--accelerator', 'wasm'] });

/** The live Redis connections logged in as a worker key's user. */
async function connectionsOf(keyId: string): Promise<string[]> {
  return String(await cluster.redis.call('CLIENT', 'LIST')).split('\n').filter((line) => line.includes(` user=offgrid-worker-${keyId} `));
}

before(async () => {
  // appendonly: what is queued survives the Redis restarts below.
  cluster = await startTestCluster({ appendonly: true });
  projectId = (await api('/projects', { method: 'POST', body: JSON.stringify(SENSOR_PROJECT) })).id;
  await api(`/projects/${projectId}/samples`, { method: 'POST', contentType: 'text/csv', body: sensorCsv(7) });
});
after(() => cluster?.stop());

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
  assert.ok(!workerA.lines.some((line) => line.includes(cluster.redis.password)), 'the admin password never reaches a worker');

  const job = await api(`/projects/${projectId}/train`, { method: 'POST', body: JSON.stringify({ budgetSeconds: 75, seed: 1 }) });
  const [, cutTrial] = await workerA.waitFor(/ trial (\S+) started/, 90_000);
  await api(`/keys/${a.key.id}/revoke`, { method: 'POST' });
  // By the time the revocation is answered, A has no connection to Redis left and its user is gone.
  assert.deepEqual(await connectionsOf(a.key.id), []);
  assert.ok(!((await cluster.redis.call('ACL', 'USERS')) as string[]).includes(`offgrid-worker-${a.key.id}`));
  await workerA.waitFor(/stopping: the coordinator refused this worker's key \(revoked\?\): .*401/, 30_000);
  assert.equal(await workerA.exited, 1);
  assert.ok(!delivered(workerA).includes(cutTrial), 'A did not deliver the trial it was cut from');

  // Its trial goes back to the queue (its lock lapses, or its failure is recorded) and B finishes it.
  await workerB.waitFor(new RegExp(` trial ${cutTrial} started: retry after \\d failure\\(s\\), \\d stall\\(s\\)`), 90_000);
  await workerB.waitFor(new RegExp(` trial ${cutTrial} delivered`), 90_000);
  const finished = await cluster.finish(job.id);
  assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
  const all = [...delivered(workerA), ...delivered(workerB)];
  assert.equal(all.filter((id) => id === cutTrial).length, 1, 'the cut trial was delivered once, by B');
  assert.equal(new Set(all).size, all.length, 'no trial was delivered twice');
  // Redis refused the workers nothing but A's logins after its revocation: their users allow all a BullMQ worker does.
  const log = (await cluster.redis.call('ACL', 'LOG')) as unknown[][];
  const refusals = log.map((entry) => Object.fromEntries(Array.from({ length: entry.length / 2 }, (_, i) => [String(entry[2 * i]), entry[2 * i + 1]])));
  assert.deepEqual(refusals.filter((entry) => entry.reason !== 'auth').map((entry) => `${entry.username}: ${entry.reason} ${entry.object}`), []);
});

test('Redis stopped and restarted mid-search: the worker gets back in as its own user and the job finishes, nothing queued lost', { timeout: 180_000 }, async () => {
  assert.equal(workerB.child.exitCode, null, 'worker B from the first test still runs');
  const job = await api(`/projects/${projectId}/train`, { method: 'POST', body: JSON.stringify({ budgetSeconds: 40, seed: 2 }) });
  await workerB.waitFor(/ trial \S+ started/, 60_000, workerB.lines.length);
  await cluster.redis.stop();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  await cluster.redis.start();
  const restartedAt = Date.now();
  const from = workerB.lines.length;
  await workerB.waitFor(/ trial \S+ delivered/, 90_000, from);
  const finished = await cluster.finish(job.id);
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
  await cluster.restartCoordinator(async () => {
    await cluster.redis.stop();
    await cluster.redis.start();
  });
  const from = workerB.lines.length;
  await workerB.waitFor(new RegExp(`queue: new credentials from the coordinator, reconnected as offgrid-worker-${keyB}$`), 90_000, from);
  await workerB.waitFor(/ trial \S+ delivered/, 120_000, from);
  const finished = await cluster.finish(job.id);
  assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
});
