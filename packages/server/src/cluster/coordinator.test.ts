import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../test-server.ts';
import { json, postJson, trainToEnd } from '../jobs/test-training.ts';
import { startTestRedis, type TestRedis } from './test-redis.ts';

// The coordinator alone: with --queue every trial is a BullMQ job on a real Redis, and its own core takes them.
let redis: TestRedis;
let t: TestServer;
before(async () => {
  // appendonly: what is queued survives the Redis restart below.
  redis = await startTestRedis({ appendonly: true });
  t = await startTestServer({ queue: redis.url, trainingConcurrency: 1, queueTrials: 2 });
});
after(async () => {
  await t?.stop();
  await redis?.close();
});

test('a job on a coordinator trains through the queue on its own core: trials and the retraining are BullMQ jobs', { timeout: 120_000 }, async () => {
  const project = await json(await postJson(t, '/projects', { name: 'sensors', labels: ['idle', 'fault'], modality: 'tabular', featureNames: ['temperature'] }));
  const rows = Array.from({ length: 60 }, (_, i) => (i % 2 ? `fault,${(70 + i / 10).toFixed(1)}` : `idle,${(20 + i / 10).toFixed(1)}`));
  const uploaded = await t.api(`/projects/${project.id}/samples`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: `label,temperature\n${rows.join('\n')}\n` });
  assert.equal(uploaded.status, 200, await uploaded.text());
  const job = await trainToEnd(t, project.id, { budgetSeconds: 15, seed: 2 });
  assert.equal(job.status, 'succeeded', JSON.stringify(job));
  // Trial inputs live only while a trial needs them: none is left once the job is done.
  const inputs = readdirSync(join(t.dataDir, 'trial-inputs'), { recursive: true }).filter((name) => /[0-9a-f]{64}$/.test(String(name)));
  assert.deepEqual(inputs, []);
  const model = await json(await t.api(`/models/${job.modelId}`));
  assert.ok(model.metrics.trials >= 1, `${model.metrics.trials} trials`);
  assert.ok(model.metrics.test.int8.accuracy >= 0.9, `int8 test accuracy ${model.metrics.test.int8.accuracy}`);
});

test('Redis stopped and restarted mid-search: the coordinator and its worker reconnect and the job finishes', { timeout: 120_000 }, async () => {
  const project = await json(await postJson(t, '/projects', { name: 'restart', labels: ['low', 'high'], modality: 'tabular', featureNames: ['level'] }));
  const rows = Array.from({ length: 60 }, (_, i) => (i % 2 ? `high,${(80 + i / 10).toFixed(1)}` : `low,${(10 + i / 10).toFixed(1)}`));
  assert.equal((await t.api(`/projects/${project.id}/samples`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: `label,level\n${rows.join('\n')}\n` })).status, 200);
  const started = await json(await postJson(t, `/projects/${project.id}/train`, { budgetSeconds: 35, seed: 4 }));
  // Mid-search: once the job runs, Redis goes away for two seconds.
  for (let i = 0; i < 100 && (await json(await t.api(`/jobs/${started.id}`))).status !== 'running'; i++) await new Promise((resolve) => setTimeout(resolve, 100));
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await redis.stop();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  await redis.start();
  const restartedAt = Date.now();
  let job = await json(await t.api(`/jobs/${started.id}`));
  for (let i = 0; i < 200 && !['succeeded', 'failed', 'cancelled'].includes(job.status); i++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    job = await json(await t.api(`/jobs/${started.id}`));
  }
  assert.equal(job.status, 'succeeded', JSON.stringify(job));
  const report = await json(await t.api(`/models/${job.modelId}/report`));
  const statuses = report.trials.map((trial: { status: string; startedAt: string; seconds: number }) => `${trial.status}@${Math.round(Date.parse(trial.startedAt) + trial.seconds * 1000 - restartedAt)}ms`);
  assert.ok(report.trials.every((trial: { status: string }) => !trial.status.startsWith('failed')), `no trial failed: ${statuses.join(', ')}`);
  assert.ok(report.trials.some((trial: { status: string; startedAt: string; seconds: number }) => /^(completed|pruned)/.test(trial.status) && Date.parse(trial.startedAt) + trial.seconds * 1000 > restartedAt), `a trial finished after the restart: ${statuses.join(', ')}`);
});
