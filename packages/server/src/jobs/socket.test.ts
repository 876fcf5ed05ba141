import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../test-server.ts';
import { jpegOf } from '../test-images.ts';
import { openSocket } from '../ws-client.ts';
import { instantPipeline } from './instant-pipeline.ts';

let t: TestServer;
let projectId: string;
before(async () => {
  t = await startTestServer({ pipeline: instantPipeline({ epochs: 4, delayMs: 30 }) });
  projectId = ((await (await t.api('/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ws', labels: ['a', 'b'] }) })).json()) as { id: string }).id;
  for (const [label, seed] of [['a', 1], ['a', 2], ['b', 3], ['b', 4]] as const) {
    await t.api(`/projects/${projectId}/samples?label=${label}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: await jpegOf([seed * 50, 0, 0], seed) });
  }
});
after(async () => { await t.stop(); });

const train = async (server: TestServer, body: Record<string, unknown>) =>
  ((await (await server.api(`/projects/${projectId}/train`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as { id: string }).id;
const socketUrl = (server: TestServer, jobId: string) => `${server.baseUrl}/api/v1/jobs/${jobId}/socket`;

test('the job socket streams every change as Job JSON and closes (1000) after the final status', async () => {
  const jobId = await train(t, { budgetSeconds: 10 });
  const outcome = await openSocket(socketUrl(t, jobId), ['offgrid.v1', `key.${t.adminKey}`]);
  assert.ok(outcome.opened, JSON.stringify(outcome));
  assert.equal(outcome.protocol, 'offgrid.v1', 'only our own subprotocol is echoed, never the key');
  assert.deepEqual([outcome.code, outcome.reason], [1000, 'final status']);
  const jobs = outcome.messages.map((m) => JSON.parse(m) as { id: string; status: string; progress: { epoch: number; fraction: number } });
  assert.ok(jobs.every((job) => job.id === jobId));
  assert.equal(jobs.at(-1)!.status, 'succeeded');
  assert.deepEqual([...new Set(jobs.filter((j) => j.status === 'running').map((j) => j.progress.epoch))].filter((e) => e > 0), [1, 2, 3, 4], 'every epoch arrived');
  const fractions = jobs.map((j) => j.progress.fraction);
  assert.deepEqual(fractions, [...fractions].sort((a, b) => a - b));

  // A finished job: its final state at once, then the close.
  const again = await openSocket(socketUrl(t, jobId), ['offgrid.v1', `key.${t.adminKey}`]);
  assert.ok(again.opened);
  assert.deepEqual([again.messages.length, JSON.parse(again.messages[0]).status, again.code], [1, 'succeeded', 1000]);
  // Authorization works too where the client can set it (not browsers).
  const bearer = await openSocket(socketUrl(t, jobId), ['offgrid.v1'], { headers: { authorization: `Bearer ${t.adminKey}` } });
  assert.ok(bearer.opened && bearer.messages.length === 1);
});

test('the job socket refuses a missing or wrong key (401), a missing subprotocol (400), an unknown job (404) and a plain GET (426)', async () => {
  const jobId = await train(t, { budgetSeconds: 10 });
  const refusals: [string[], Record<string, string>, number, string][] = [
    [['offgrid.v1'], {}, 401, 'OFFGRID_ERR_UNAUTHORIZED'],
    [['offgrid.v1', 'key.og_wrong'], {}, 401, 'OFFGRID_ERR_UNAUTHORIZED'],
    [['offgrid.v1', 'key.'], {}, 401, 'OFFGRID_ERR_UNAUTHORIZED'],
    [[`key.${t.adminKey}`], {}, 400, 'OFFGRID_ERR_VALIDATION'],
  ];
  for (const [protocols, headers, status, code] of refusals) {
    const outcome = await openSocket(socketUrl(t, jobId), protocols, { headers });
    assert.ok(!outcome.opened, `${protocols} opened`);
    assert.equal(outcome.status, status, `${protocols}: ${outcome.body}`);
    assert.equal(JSON.parse(outcome.body).error.code, code);
    assert.ok(!outcome.body.includes(t.adminKey));
  }
  const unknown = await openSocket(socketUrl(t, '00000000-0000-4000-8000-000000000000'), ['offgrid.v1', `key.${t.adminKey}`]);
  assert.deepEqual(unknown.opened ? unknown : [unknown.status, JSON.parse(unknown.body).error.code], [404, 'OFFGRID_ERR_NOT_FOUND']);
  const plain = await t.api(`/jobs/${jobId}/socket`);
  assert.deepEqual([plain.status, ((await plain.json()) as { error: { code: string } }).error.code, plain.headers.get('upgrade')], [426, 'OFFGRID_ERR_UPGRADE_REQUIRED', 'websocket']);
});

test('a graceful shutdown closes open job sockets with 1001', async () => {
  const other = await startTestServer({ pipeline: instantPipeline({ holdUntilAborted: true }), dataDir: t.dataDir + '-shutdown' });
  try {
    const created = await other.api('/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', labels: ['a', 'b'] }) });
    const id = ((await created.json()) as { id: string }).id;
    for (const [label, seed] of [['a', 1], ['a', 2], ['b', 3], ['b', 4]] as const) {
      await other.api(`/projects/${id}/samples?label=${label}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: await jpegOf([0, seed * 50, 0], seed) });
    }
    const job = (await (await other.api(`/projects/${id}/train`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ budgetSeconds: 600 }) })).json()) as { id: string };
    const outcome = openSocket(socketUrl(other, job.id), ['offgrid.v1', `key.${other.adminKey}`], { onOpen: () => void other.server.close() });
    const closed = await outcome;
    assert.ok(closed.opened);
    assert.equal(closed.code, 1001);
    assert.ok(closed.messages.length >= 1);
  } finally {
    await other.stop();
  }
});
