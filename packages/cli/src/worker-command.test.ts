import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { deliveredTrials as delivered, sensorCsv, SENSOR_PROJECT, startTestCluster, type TestCluster } from './test-cluster.ts';
import { startCli, type CliProcess } from './test-processes.ts';

// A coordinator and two workers as real processes (real Redis, real HTTPS with the coordinator's own CA): a search
// spreads its trials over both workers; a worker killed mid-trial has its trial finished by the other, counted
// once; a worker whose key was revoked is refused; the coordinator killed mid-search resumes the job on restart.

let cluster: TestCluster;
const api: TestCluster['api'] = (path, init) => cluster.api(path, init);
const workers: CliProcess[] = [];
const startWorker = (name: string, key: string, options?: Parameters<TestCluster['startWorker']>[2]) => {
  const worker = cluster.startWorker(name, key, options);
  workers.push(worker);
  return worker;
};

/** A worker key made with `offgrid keys create`, as a user would. */
async function workerKey(name: string): Promise<{ apiKey: string; key: { id: string } }> {
  const keys = startCli(['keys', 'create', '--scope', 'worker', '--name', name, '--server', cluster.server, '--key', cluster.adminKey, '--ca', cluster.ca, '--json']);
  const [line] = await keys.waitFor(/^\{.*"apiKey".*\}$/, 30_000);
  assert.equal(await keys.exited, 0);
  return JSON.parse(line) as { apiKey: string; key: { id: string } };
}

before(async () => {
  cluster = await startTestCluster();
});
after(() => cluster?.stop());

test('a search runs on two worker processes; one killed mid-trial has its trial finished by the other, counted once', { timeout: 180_000 }, async () => {
  const project = await api('/projects', { method: 'POST', body: JSON.stringify(SENSOR_PROJECT) });
  await api(`/projects/${project.id}/samples`, { method: 'POST', contentType: 'text/csv', body: sensorCsv(11) });

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
  const finished = await cluster.finish(job.id);
  assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
  const all = [...delivered(workerA), ...delivered(workerB)];
  assert.equal(all.filter((id) => id === killedTrial).length, 1, 'the killed trial was delivered once, by B');
  assert.equal(new Set(all).size, all.length, 'no trial was delivered twice');
  assert.ok(delivered(workerA).length >= 1 && delivered(workerB).length >= 1, `A ${delivered(workerA).length}, B ${delivered(workerB).length}`);
  // The coordinator's terminal says which machine ran which trial: the killed one, delivered on B.
  await cluster.coordinator.waitFor(new RegExp(` trial ${killedTrial} delivered on worker-b$`), 5000);
  assert.ok(cluster.coordinator.lines.some((line) => / trial \S+ delivered on worker-a$/.test(line)), 'A\'s trials too');
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

test('the coordinator killed mid-search and restarted: the job resumes with its finished trials and worker B carries on', { timeout: 180_000 }, async () => {
  const workerB = workers.find((worker) => worker.lines.some((line) => line.includes('worker "worker-b"')))!;
  assert.equal(workerB.child.exitCode, null, 'worker B from the first test still runs');
  const [project] = (await api('/projects')).projects;
  const job = await api(`/projects/${project.id}/train`, { method: 'POST', body: JSON.stringify({ budgetSeconds: 40, seed: 2 }) });
  const from = workerB.lines.length;
  await workerB.waitFor(/ trial \S+ delivered/, 90_000, from);
  await cluster.restartCoordinator();
  // The restarted search queues new trials (new ids); B, which kept running, takes them.
  const after = workerB.lines.length;
  await workerB.waitFor(/ trial \S+ delivered/, 90_000, after);
  const finished = await cluster.finish(job.id);
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
  const worker = startWorker('gpu-worker', apiKey, { args: ['--accelerator', 'webgpu'], env: { OFFGRID_TEST_LOSE_GPU_AFTER_STEPS: '3' } });
  const [, reason] = await worker.waitFor(/ training on (webgpu, as asked: .*)$/, 120_000);
  await worker.waitFor(/takes trials from/);
  const listed = async () => (await api('/ready')).workers.find((w: { name: string }) => w.name === 'gpu-worker');
  let entry = await listed();
  for (let i = 0; i < 20 && !entry; i++) entry = await new Promise((resolve) => setTimeout(resolve, 250)).then(listed);
  assert.deepEqual([entry.accelerator, entry.acceleratorReason], ['webgpu', reason]);

  const job = await api(`/projects/${project.id}/train`, { method: 'POST', body: JSON.stringify({ budgetSeconds: 30, seed: 3 }) });
  const [, during] = await worker.waitFor(/ WebGPU failed during (trial \S+) \(the GPU device was lost .*\): this worker trains on wasm from now on$/, 120_000);
  // The worker prints the line, then tells the coordinator in a heartbeat of its own (an HTTP call under way).
  entry = await listed();
  for (let i = 0; i < 40 && entry.accelerator !== 'wasm'; i++) entry = await new Promise((resolve) => setTimeout(resolve, 250)).then(listed);
  assert.equal(entry.accelerator, 'wasm');
  assert.match(entry.acceleratorReason, new RegExp(`^wasm: WebGPU failed during ${during} at \\S+ \\(the GPU device was lost`));
  await worker.waitFor(new RegExp(` ${during} delivered`), 60_000);
  const finished = await cluster.finish(job.id);
  assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
});
