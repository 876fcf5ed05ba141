import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../test-server.ts';
import { json, postJson } from '../jobs/test-training.ts';
import { HttpWorkerLink } from './http-worker-link.ts';
import { redisConnection } from './redis-url.ts';
import { startTestRedis, type TestRedis } from './test-redis.ts';
import { startTrialWorker } from './trial-worker.ts';

// A coordinator with no cores of its own for trials: a job's trials wait in the queue until a worker joins
// mid-search. That worker's first download of a trial input is corrupted on the way (a proxy flips a byte): the
// sha256 check refuses it, BullMQ retries the job, and the search finishes.
let redis: TestRedis;
let t: TestServer;
let proxy: Server;
let proxyUrl: string;
let root: string;
let corrupted = 0;

before(async () => {
  redis = await startTestRedis();
  root = mkdtempSync(join(tmpdir(), 'offgrid-join-'));
  t = await startTestServer({ queue: redis.url, trainingConcurrency: 0, queueTrials: 2 });
  proxy = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('error', () => response.destroy());
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => ['authorization', 'content-type'].includes(name))) as Record<string, string>;
      fetch(`${t.baseUrl}${request.url}`, { method: request.method, headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) }).then(async (answer) => {
        const body = Buffer.from(await answer.arrayBuffer());
        if (request.url?.includes('/worker/inputs/') && answer.ok && corrupted === 0) {
          corrupted++;
          body[body.length - 1] ^= 0xff;
        }
        const passed = ['content-type', 'x-offgrid-epoch', 'x-offgrid-optimizer-step'].flatMap((name) => (answer.headers.get(name) ? [[name, answer.headers.get(name)!]] : []));
        response.writeHead(answer.status, Object.fromEntries(passed));
        response.end(body);
      }, () => response.destroy());
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
});
after(async () => {
  await new Promise((resolve) => proxy?.close(resolve));
  await t?.stop();
  await redis?.close();
  rmSync(root, { recursive: true, force: true });
});

test('a worker joining mid-search takes the waiting trials; a corrupted download is refused by sha256 and retried', { timeout: 120_000 }, async () => {
  const project = await json(await postJson(t, '/projects', { name: 'join', labels: ['cold', 'hot'], modality: 'tabular', featureNames: ['t'] }));
  const rows = Array.from({ length: 60 }, (_, i) => (i % 2 ? `hot,${(60 + i / 10).toFixed(1)}` : `cold,${(5 + i / 10).toFixed(1)}`));
  assert.equal((await t.api(`/projects/${project.id}/samples`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: `label,t\n${rows.join('\n')}\n` })).status, 200);
  const { apiKey } = await json(await postJson(t, '/keys', { scope: 'worker', name: 'joiner' }));
  const started = await json(await postJson(t, `/projects/${project.id}/train`, { budgetSeconds: 25, seed: 5 }));
  // Nobody works the queue yet: the search waits with its trials queued.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  assert.equal((await json(await t.api(`/jobs/${started.id}`))).status, 'running');

  const events: string[] = [];
  const errors: Error[] = [];
  const link = new HttpWorkerLink({ server: proxyUrl, key: apiKey, cacheDir: join(root, 'cache'), worker: 'joiner' });
  const { redisUrl } = await link.queue();
  const worker = startTrialWorker({
    connection: redisConnection(redisUrl), link, concurrency: 1, name: 'joiner',
    onError: (error) => errors.push(error),
    onTrial: (event) => events.push(`${event.trialId} ${event.outcome}${event.detail ? `: ${event.detail}` : ''}`),
  });
  try {
    let job = await json(await t.api(`/jobs/${started.id}`));
    for (let i = 0; i < 200 && !['succeeded', 'failed', 'cancelled'].includes(job.status); i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      job = await json(await t.api(`/jobs/${started.id}`));
    }
    assert.equal(job.status, 'succeeded', `${JSON.stringify(job)}\n${events.join('\n')}`);
    assert.equal(corrupted, 1);
    const refused = events.find((event) => / failed: .*has sha256 [0-9a-f]{64}, not [0-9a-f]{64}: it was corrupted on the way/.test(event));
    assert.ok(refused, `the corrupted input was refused:\n${events.join('\n')}`);
    const trialId = refused.split(' ')[0];
    assert.ok(events.includes(`${trialId} started: retry after 1 failure(s), 0 stall(s)`) && events.includes(`${trialId} delivered`), `then retried and delivered:\n${events.join('\n')}`);
  } finally {
    await worker.close();
    await link.close();
  }
});
