import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../test-server.ts';
import { jpegOf } from '../test-images.ts';
import { instantPipeline } from '../jobs/instant-pipeline.ts';

let t: TestServer;
before(async () => { t = await startTestServer({ pipeline: instantPipeline() }); });
after(async () => { await t.stop(); });

interface Project { id: string; activeModelId?: string; modelPinned: boolean }
interface Model { id: string; version: number; active: boolean; artifacts: { variant: string; sha256: string; sizeBytes: number }[] }
const float32Of = (model: Model) => model.artifacts.find((a) => a.variant === 'float32')!;

const post = (path: string, body: unknown) => t.api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** The instant pipeline's model bytes depend only on the seed. */
async function train(projectId: string, seed: number): Promise<Model> {
  const job = (await (await post(`/projects/${projectId}/train`, { budgetSeconds: 10, seed })).json()) as { id: string };
  for (;;) {
    const polled = (await (await t.api(`/jobs/${job.id}`)).json()) as { status: string; modelId?: string; error?: string };
    if (polled.status === 'succeeded') return (await (await t.api(`/models/${polled.modelId}`)).json()) as Model;
    assert.ok(['queued', 'running'].includes(polled.status), JSON.stringify(polled));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const project = async (id: string) => (await (await t.api(`/projects/${id}`)).json()) as Project;

test('registry: new models become active, activate pins and rolls back, delete drops unreferenced files', async () => {
  const { id } = (await (await post('/projects', { name: 'registry', labels: ['a', 'b'] })).json()) as Project;
  for (const [label, seed] of [['a', 1], ['a', 2], ['b', 3], ['b', 4]] as const) {
    await t.api(`/projects/${id}/samples?label=${label}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: await jpegOf([seed * 60, 0, 0], seed) });
  }
  assert.equal((await project(id)).activeModelId, undefined);
  const v1 = await train(id, 1);
  assert.deepEqual(await project(id), { ...(await project(id)), activeModelId: v1.id, modelPinned: false });
  const v2 = await train(id, 2);
  const v3 = await train(id, 3);
  assert.equal((await project(id)).activeModelId, v3.id, 'an unpinned project follows the newest model');
  const listed = ((await (await t.api(`/projects/${id}/models`)).json()) as { models: Model[] }).models;
  assert.deepEqual(listed.map((m) => [m.version, m.active]), [[3, true], [2, false], [1, false]]);

  // Roll back to v1 and pin it: a new training result does not replace it.
  const rolledBack = await post(`/models/${v1.id}/activate`, {});
  assert.equal(rolledBack.status, 200);
  assert.deepEqual([(await rolledBack.json() as Project).activeModelId, (await project(id)).modelPinned], [v1.id, true]);
  const v4 = await train(id, 1); // same bytes as v1: the two versions share one blob
  assert.equal(v4.artifacts[0].sha256, v1.artifacts[0].sha256);
  assert.equal((await project(id)).activeModelId, v1.id);
  // Unpinning by activating v4 with pin: false.
  const unpinned = (await (await post(`/models/${v4.id}/activate`, { pin: false })).json()) as Project;
  assert.deepEqual([unpinned.activeModelId, unpinned.modelPinned], [v4.id, false]);

  const refused = await t.api(`/models/${v4.id}`, { method: 'DELETE' });
  assert.deepEqual([refused.status, await refused.json()], [409, {
    error: { code: 'OFFGRID_ERR_CONFLICT', message: "Model v4 is the project's active model. Activate another version first (POST /api/v1/models/<modelId>/activate), then delete this one." },
  }]);

  const blobOf = (model: Model) => join(t.dataDir, 'blobs', float32Of(model).sha256.slice(0, 2), float32Of(model).sha256);
  assert.equal((await t.api(`/models/${v2.id}`, { method: 'DELETE' })).status, 204);
  assert.equal((await t.api(`/models/${v2.id}`)).status, 404);
  assert.equal(existsSync(blobOf(v2)), false, "v2's file is gone: nothing else referenced it");
  assert.equal((await t.api(`/models/${v1.id}`, { method: 'DELETE' })).status, 204);
  assert.equal(existsSync(blobOf(v1)), true, 'v4 still references the blob v1 shared');
  const download = await t.api(`/models/${v4.id}/download`);
  assert.equal(download.status, 200);
  assert.equal((await download.arrayBuffer()).byteLength, 1000);
  assert.deepEqual(((await (await t.api(`/projects/${id}/models`)).json()) as { models: Model[] }).models.map((m) => m.version), [4, 3]);
});

test('downloads honour single byte ranges (206), refuse ranges past the end (416) and ignore a stale If-Range', async () => {
  const { id } = (await (await post('/projects', { name: 'ranges', labels: ['a', 'b'] })).json()) as Project;
  for (const [label, seed] of [['a', 11], ['a', 12], ['b', 13], ['b', 14]] as const) {
    await t.api(`/projects/${id}/samples?label=${label}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: await jpegOf([0, seed * 10, 0], seed) });
  }
  const model = await train(id, 7);
  const url = `/models/${model.id}/download?variant=float32`;
  const full = new Uint8Array(await (await t.api(url)).arrayBuffer());
  const etag = `"${float32Of(model).sha256}"`;

  const cases: [string, number, string, Uint8Array][] = [
    ['bytes=0-9', 206, 'bytes 0-9/1000', full.subarray(0, 10)],
    ['bytes=990-', 206, 'bytes 990-999/1000', full.subarray(990)],
    ['bytes=-4', 206, 'bytes 996-999/1000', full.subarray(996)],
    ['bytes=500-5000', 206, 'bytes 500-999/1000', full.subarray(500)],
  ];
  for (const [range, status, contentRange, bytes] of cases) {
    const response = await t.api(url, { headers: { range } });
    assert.equal(response.status, status, range);
    assert.equal(response.headers.get('content-range'), contentRange, range);
    assert.equal(response.headers.get('x-checksum-sha256'), float32Of(model).sha256, 'the digest is of the whole file');
    assert.deepEqual(new Uint8Array(await response.arrayBuffer()), bytes, range);
  }
  const past = await t.api(url, { headers: { range: 'bytes=1000-' } });
  assert.equal(past.status, 416);
  assert.equal(past.headers.get('content-range'), 'bytes */1000');
  assert.deepEqual(await past.json(), { error: { code: 'OFFGRID_ERR_RANGE_NOT_SATISFIABLE', message: 'The requested range is outside the file (1000 bytes). Ask for bytes=0-999 or drop the Range header.' } });
  const resumed = await t.api(url, { headers: { range: 'bytes=10-19', 'if-range': etag } });
  assert.equal(resumed.status, 206);
  const stale = await t.api(url, { headers: { range: 'bytes=10-19', 'if-range': '"something-else"' } });
  assert.equal(stale.status, 200);
  assert.equal((await stale.arrayBuffer()).byteLength, 1000);
  const head = await t.api(url, { method: 'HEAD' });
  assert.equal(head.headers.get('accept-ranges'), 'bytes');
});
