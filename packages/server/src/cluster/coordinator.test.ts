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
  redis = await startTestRedis();
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
  // The inputs went out by sha256: one per distinct view of the samples (trials of a family share theirs).
  const inputs = readdirSync(join(t.dataDir, 'trial-inputs'), { recursive: true }).filter((name) => /[0-9a-f]{64}$/.test(String(name)));
  assert.ok(inputs.length >= 1, `inputs: ${inputs.join(', ')}`);
  const model = await json(await t.api(`/models/${job.modelId}`));
  assert.ok(model.metrics.trials >= 1, `${model.metrics.trials} trials`);
  assert.ok(model.metrics.test.int8.accuracy >= 0.9, `int8 test accuracy ${model.metrics.test.int8.accuracy}`);
});
