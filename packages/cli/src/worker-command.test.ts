import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { freePort, startTestRedis, type TestRedis } from '@offgrid/server/test-redis';
import { startCli, type CliProcess } from './test-processes.ts';

// A coordinator and two workers as real processes (real Redis, real HTTPS with the coordinator's own CA): a search
// spreads its trials over both workers; a worker killed mid-trial has its trial finished by the other, counted
// once; a worker whose key was revoked is refused; the coordinator killed mid-search resumes the job on restart.

let redis: TestRedis;
let root: string;
let coordinator: CliProcess;
let coordinatorArgs: string[];
let server: string;
let adminKey: string;
let ca: string;
let dispatcher: Agent;
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

async function workerKey(name: string): Promise<{ apiKey: string; key: { id: string } }> {
  const keys = startCli(['keys', 'create', '--scope', 'worker', '--name', name, '--server', server, '--key', adminKey, '--ca', ca, '--json']);
  const [line] = await keys.waitFor(/^\{.*"apiKey".*\}$/, 30_000);
  assert.equal(await keys.exited, 0);
  return JSON.parse(line) as { apiKey: string; key: { id: string } };
}

function startWorker(name: string, key: string): CliProcess {
  const worker = startCli(['worker', '--server', server, '--key', key, '--ca', ca, '--concurrency', '1', '--name', name, '--cache', join(root, `cache-${name}`)]);
  workers.push(worker);
  return worker;
}

before(async () => {
  redis = await startTestRedis();
  root = mkdtempSync(join(tmpdir(), 'offgrid-cluster-'));
  const port = await freePort();
  const data = join(root, 'coordinator');
  // --training-concurrency 0: this machine only coordinates, so every trial is seen on a worker.
  coordinatorArgs = ['serve', '--port', String(port), '--host', '127.0.0.1', '--data', data, '--queue', redis.url, '--training-concurrency', '0', '--queue-trials', '2'];
  coordinator = startCli(coordinatorArgs);
  await coordinator.waitFor(/Offgrid is running/, 60_000);
  server = `https://127.0.0.1:${port}`;
  adminKey = readFileSync(join(data, 'admin-key.txt'), 'utf8').trim().split(/\s+/).find((word) => word.startsWith('og_'))!;
  ca = join(data, 'tls', 'ca.crt');
  dispatcher = new Agent({ connect: { ca: readFileSync(ca, 'utf8') } });
});

after(async () => {
  for (const worker of workers) await worker.stop();
  await coordinator?.stop();
  await dispatcher?.close();
  await redis?.close();
  rmSync(root, { recursive: true, force: true });
});

const delivered = (worker: CliProcess) => worker.lines.map((line) => / trial (\S+) delivered/.exec(line)?.[1]).filter((id): id is string => id !== undefined);

test('a search runs on two worker processes; one killed mid-trial has its trial finished by the other, counted once', { timeout: 180_000 }, async () => {
  const project = await api('/projects', { method: 'POST', body: JSON.stringify({ name: 'sensors', labels: ['idle', 'running', 'fault'], modality: 'tabular', featureNames: ['temperature', 'vibration'] }) });
  let state = 11;
  const noise = () => { state = (state * 1103515245 + 12345) % 2 ** 31; return (state % 1000) / 1000 - 0.5; };
  const rows = Array.from({ length: 120 }, (_, i) => {
    const label = ['idle', 'running', 'fault'][i % 3];
    const [t, v] = { idle: [20, 0.1], running: [45, 1.0], fault: [70, 3.0] }[label] as [number, number];
    return `${label},${(t + noise() * 6).toFixed(2)},${(v + noise() * 0.4).toFixed(3)}`;
  });
  await api(`/projects/${project.id}/samples`, { method: 'POST', contentType: 'text/csv', body: `label,temperature,vibration\n${rows.join('\n')}\n` });

  const [a, b] = [await workerKey('worker-a'), await workerKey('worker-b')];
  const workerA = startWorker('worker-a', a.apiKey);
  const workerB = startWorker('worker-b', b.apiKey);
  await Promise.all([workerA.waitFor(/takes trials from/), workerB.waitFor(/takes trials from/)]);
  // Both are listed by /ready on the coordinator (their first heartbeat goes out as they start).
  let ready = await api('/ready');
  for (let i = 0; i < 20 && ready.workers.length < 2; i++) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    ready = await api('/ready');
  }
  assert.deepEqual(ready.workers.map((w: { name: string; concurrency: number }) => `${w.name}/${w.concurrency}`).sort(), ['worker-a/1', 'worker-b/1']);
  const job = await api(`/projects/${project.id}/train`, { method: 'POST', body: JSON.stringify({ budgetSeconds: 75, seed: 1 }) });

  // Both workers deliver, then A is killed at the start of its next trial.
  await Promise.all([workerA.waitFor(/ trial \S+ delivered/, 90_000), workerB.waitFor(/ trial \S+ delivered/, 90_000)]);
  const [, killedTrial] = await workerA.waitFor(/ trial (\S+) started/, 60_000, workerA.lines.length);
  workerA.child.kill('SIGKILL');
  await workerA.exited;

  // Its lock lapses (LOCK_MS), BullMQ hands the trial to B, which resumes and delivers it once its current trial is
  // done. The budget leaves room for that on a busy machine: a trial still running at the deadline is cut (unwanted).
  await workerB.waitFor(new RegExp(` trial ${killedTrial} started: retry after 0 failure\\(s\\), 1 stall\\(s\\)`), 60_000);
  await workerB.waitFor(new RegExp(` trial ${killedTrial} delivered`), 60_000);
  const finished = await finish(job.id);
  assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
  const all = [...delivered(workerA), ...delivered(workerB)];
  assert.equal(all.filter((id) => id === killedTrial).length, 1, 'the killed trial was delivered once, by B');
  assert.equal(new Set(all).size, all.length, 'no trial was delivered twice');
  assert.ok(delivered(workerA).length >= 1 && delivered(workerB).length >= 1, `A ${delivered(workerA).length}, B ${delivered(workerB).length}`);
  // The coordinator's terminal says which machine ran which trial: the killed one, delivered on B.
  await coordinator.waitFor(new RegExp(` trial ${killedTrial} delivered on worker-b$`), 5000);
  assert.ok(coordinator.lines.some((line) => / trial \S+ delivered on worker-a$/.test(line)), 'A\'s trials too');
  // So does the job's leaderboard, which the phone's training screen draws: every trial with the machine that trained it.
  const { leaderboard } = (finished as unknown as { progress: { leaderboard: { machine?: string }[] } }).progress;
  assert.ok(leaderboard.length >= 2 && leaderboard.every((row) => row.machine === 'worker-a' || row.machine === 'worker-b'), JSON.stringify(leaderboard));
  assert.ok(leaderboard.some((row) => row.machine === 'worker-b'), JSON.stringify(leaderboard));
  const model = await api(`/models/${finished.modelId}`);
  assert.ok(model.metrics.test.int8.accuracy >= 0.8, `int8 test accuracy ${model.metrics.test.int8.accuracy}`);

  // A revoked worker key: the worker is refused before it takes any trial.
  await api(`/keys/${a.key.id}/revoke`, { method: 'POST' });
  const revoked = startWorker('worker-a-again', a.apiKey);
  await revoked.waitFor(/The coordinator refused this worker: .*401/, 30_000);
  assert.equal(await revoked.exited, 1);
});

async function finish(jobId: string): Promise<{ status: string; modelId?: string }> {
  let job = await api(`/jobs/${jobId}`);
  for (let i = 0; i < 240 && !['succeeded', 'failed', 'cancelled'].includes(job.status); i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    job = await api(`/jobs/${jobId}`);
  }
  return job;
}

test('the coordinator killed mid-search and restarted: the job resumes with its finished trials and worker B carries on', { timeout: 180_000 }, async () => {
  const workerB = workers.find((worker) => worker.lines.some((line) => line.includes('worker "worker-b"')))!;
  assert.equal(workerB.child.exitCode, null, 'worker B from the first test still runs');
  const [project] = (await api('/projects')).projects;
  const job = await api(`/projects/${project.id}/train`, { method: 'POST', body: JSON.stringify({ budgetSeconds: 40, seed: 2 }) });
  const from = workerB.lines.length;
  await workerB.waitFor(/ trial \S+ delivered/, 90_000, from);
  coordinator.child.kill('SIGKILL');
  await coordinator.exited;
  coordinator = startCli(coordinatorArgs);
  await coordinator.waitFor(/Offgrid is running/, 60_000);
  // The restarted search queues new trials (new ids); B, which kept running, takes them.
  const after = workerB.lines.length;
  await workerB.waitFor(/ trial \S+ delivered/, 90_000, after);
  const finished = await finish(job.id);
  assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
  const report = await api(`/models/${finished.modelId}/report`);
  assert.ok(report.trials.length >= 2, `${report.trials.length} trials: the ones before the kill were kept`);
});

test('a worker with --accelerator webgpu trains on its GPU and says so in /ready; a device lost there, it goes on on wasm', { timeout: 240_000 }, async () => {
  for (const worker of workers) await worker.stop(); // only this worker takes the trials
  const project = await api('/projects', { method: 'POST', body: JSON.stringify({ name: 'gpu-sensors', labels: ['low', 'high'], modality: 'tabular', featureNames: ['a', 'b'] }) });
  const rows = Array.from({ length: 60 }, (_, i) => `${i % 2 ? 'high' : 'low'},${(i % 2) * 10 + (i % 7) / 7},${(i % 5) / 5}`);
  await api(`/projects/${project.id}/samples`, { method: 'POST', contentType: 'text/csv', body: `label,a,b\n${rows.join('\n')}\n` });
  const { apiKey } = await workerKey('gpu-worker');
  // A genuine device loss in Dawn: the worker's WebGPU trials destroy their device after 3 steps.
  const worker = startCli(['worker', '--server', server, '--key', apiKey, '--ca', ca, '--concurrency', '1', '--name', 'gpu-worker', '--cache', join(root, 'cache-gpu'), '--accelerator', 'webgpu'], { OFFGRID_TEST_LOSE_GPU_AFTER_STEPS: '3' });
  workers.push(worker);
  const [, reason] = await worker.waitFor(/ training on (webgpu, as asked: .*)$/, 120_000);
  await worker.waitFor(/takes trials from/);
  const listed = async () => (await api('/ready')).workers.find((w: { name: string }) => w.name === 'gpu-worker');
  let entry = await listed();
  for (let i = 0; i < 20 && !entry; i++) entry = await new Promise((resolve) => setTimeout(resolve, 250)).then(listed);
  assert.deepEqual([entry.accelerator, entry.acceleratorReason], ['webgpu', reason]);

  const job = await api(`/projects/${project.id}/train`, { method: 'POST', body: JSON.stringify({ budgetSeconds: 30, seed: 3 }) });
  const [, during] = await worker.waitFor(/ WebGPU failed during (trial \S+) \(the GPU device was lost .*\): this worker trains on wasm from now on$/, 120_000);
  entry = await listed();
  assert.equal(entry.accelerator, 'wasm');
  assert.match(entry.acceleratorReason, new RegExp(`^wasm: WebGPU failed during ${during} at \\S+ \\(the GPU device was lost`));
  await worker.waitFor(new RegExp(` ${during} delivered`), 60_000);
  const finished = await finish(job.id);
  assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
});
