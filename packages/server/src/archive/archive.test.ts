import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startTestServer, type TestServer } from '../test-server.ts';
import { jpegOf } from '../test-images.ts';
import { instantPipeline } from '../jobs/instant-pipeline.ts';

let a: TestServer;
let b: TestServer;
before(async () => {
  a = await startTestServer({ pipeline: instantPipeline() });
  b = await startTestServer({ pipeline: instantPipeline() });
});
after(async () => { await a.stop(); await b.stop(); });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are compared whole
const json = async (response: Response): Promise<any> => response.json();
const post = (t: TestServer, path: string, body: unknown) => t.api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const importInto = (t: TestServer, archive: Uint8Array, headers: Record<string, string> = {}, key?: string) =>
  t.api('/projects/import', { method: 'POST', headers: { 'content-type': 'application/x-tar', ...headers }, body: archive, ...(key ? { key } : {}) });
/** Every file in the blob folder (temp files included), to prove a refused import left nothing behind. */
const filesOf = (t: TestServer) => !existsSync(join(t.dataDir, 'blobs')) ? [] : readdirSync(join(t.dataDir, 'blobs'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(t.dataDir.length)).sort();

async function trainedProject(t: TestServer): Promise<{ id: string; modelIds: string[] }> {
  const { id } = await json(await post(t, '/projects', { name: 'moving day', labels: ['cat', 'dog'] }));
  for (const [label, seed] of [['cat', 1], ['cat', 2], ['dog', 3], ['dog', 4], ['dog', 5]] as const) {
    assert.equal((await t.api(`/projects/${id}/samples?label=${label}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: await jpegOf([seed * 40, 90, 0], seed) })).status, 201);
  }
  const modelIds: string[] = [];
  for (const seed of [1, 2]) {
    const job = await json(await post(t, `/projects/${id}/train`, { budgetSeconds: 10, seed }));
    for (;;) {
      const polled = await json(await t.api(`/jobs/${job.id}`));
      if (polled.status === 'succeeded') { modelIds.push(polled.modelId); break; }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  // Roll back to v1 and pin it: the registry state must survive the move too.
  assert.equal((await post(t, `/models/${modelIds[0]}/activate`, { pin: true })).status, 200);
  return { id, modelIds };
}

test('export → import on a second server keeps the project, samples, jobs and models; downloads are byte-identical', async () => {
  const { id, modelIds } = await trainedProject(a);
  const exported = await a.api(`/projects/${id}/export`);
  assert.equal(exported.status, 200);
  assert.equal(exported.headers.get('content-type'), 'application/x-tar');
  const archive = new Uint8Array(await exported.arrayBuffer());
  const blobsBefore = filesOf(b);

  // Refusals first: each leaves the second server exactly as it was.
  const manifestSize = parseInt(new TextDecoder().decode(archive.subarray(124, 135)), 8);
  const manifestEnd = 512 + Math.ceil(manifestSize / 512) * 512;
  const corrupt = archive.slice();
  corrupt[manifestEnd + 512 + 100] ^= 0xff; // one byte inside the first file
  const truncated = archive.slice(0, Math.floor(archive.length * 0.6));
  const endless = archive.slice(0, archive.length - 1024); // every entry whole, but no end marker
  const refusals: [string, Uint8Array, number, string][] = [
    ['corrupt file', corrupt, 400, 'OFFGRID_ERR_CHECKSUM_MISMATCH'],
    ['truncated', truncated, 400, 'OFFGRID_ERR_VALIDATION'],
    ['truncated gzip', gzipSync(archive).subarray(0, 2000), 400, 'OFFGRID_ERR_VALIDATION'],
    ['no end marker', endless, 400, 'OFFGRID_ERR_VALIDATION'],
    ['not a tar', new TextEncoder().encode('hello'.repeat(200)), 400, 'OFFGRID_ERR_VALIDATION'],
  ];
  for (const [name, body, status, code] of refusals) {
    const response = await importInto(b, body);
    const answer = await json(response);
    assert.deepEqual([response.status, answer.error?.code], [status, code], `${name}: ${JSON.stringify(answer)}`);
    assert.match(answer.error.message, /nothing was imported/, name);
  }
  const deviceKey = (await json(await post(b, '/pairing/exchange', { token: await (async () => (await json(await post(b, '/pairing/tokens', {}))).token)() }))).apiKey;
  assert.equal((await importInto(b, archive, {}, deviceKey)).status, 403, 'device keys cannot import');
  assert.equal((await a.api(`/projects/${id}/export`, { key: (await json(await post(a, '/pairing/exchange', { token: (await json(await post(a, '/pairing/tokens', {}))).token }))).apiKey })).status, 403, 'nor export');
  assert.deepEqual((await json(await b.api('/projects'))).projects, []);
  assert.deepEqual(filesOf(b), blobsBefore, 'no file (or temp file) stayed behind');

  // The real import, gzipped on the way.
  const imported = await importInto(b, gzipSync(archive), { 'content-type': 'application/gzip' });
  const result = await json(imported);
  assert.equal(imported.status, 201, JSON.stringify(result));
  assert.deepEqual(result.imported, { samples: 5, datasets: 2, jobs: 2, models: 2, blobs: 5 + 4 * 2 });
  assert.deepEqual(result.project, await json(await a.api(`/projects/${id}`)));
  assert.deepEqual(await json(await b.api(`/projects/${id}/samples`)), await json(await a.api(`/projects/${id}/samples`)));
  assert.deepEqual(await json(await b.api(`/projects/${id}/models`)), await json(await a.api(`/projects/${id}/models`)));
  for (const modelId of modelIds) {
    assert.deepEqual(await json(await b.api(`/models/${modelId}`)), await json(await a.api(`/models/${modelId}`)));
    for (const variant of ['float32', 'int8']) {
      const [fromA, fromB] = await Promise.all([a, b].map(async (t) => new Uint8Array(await (await t.api(`/models/${modelId}/download?variant=${variant}`)).arrayBuffer())));
      assert.deepEqual(fromB, fromA, `${modelId} ${variant}`);
    }
  }
  for (const sample of (await json(await a.api(`/projects/${id}/samples`))).samples) {
    const path = join('blobs', sample.sha256.slice(0, 2), sample.sha256);
    assert.deepEqual(readFileSync(join(b.dataDir, path)), readFileSync(join(a.dataDir, path)));
  }
  // The moved project trains on the new machine.
  const retrained = await post(b, `/projects/${id}/train`, { budgetSeconds: 10, seed: 3 });
  assert.equal(retrained.status, 202);

  // Once more: the same project is already here.
  const again = await importInto(b, archive);
  assert.deepEqual([again.status, (await json(again)).error.code], [409, 'OFFGRID_ERR_CONFLICT']);
  // A re-export from the new server imports back into a fresh third server too (round trip of the round trip).
  const c = await startTestServer({ pipeline: instantPipeline() });
  try {
    const second = new Uint8Array(await (await b.api(`/projects/${id}/export`)).arrayBuffer());
    const response = await importInto(c, second);
    assert.equal(response.status, 201, JSON.stringify(await response.clone().json()));
    assert.equal((await json(await c.api(`/projects/${id}`))).activeModelId, modelIds[0]);
  } finally {
    await c.stop();
  }
});

test('a privacy-mode project started from a copied model moves with its promise and its model; the source project can still be deleted', async () => {
  const source = await trainedProject(a);
  const { id } = await json(await post(a, '/projects', { name: 'clinic', labels: ['cat', 'dog'], samplesStayOnDevice: true }));
  const copy = await post(a, `/projects/${id}/models/copy`, { fromModelId: source.modelIds[1] });
  assert.equal(copy.status, 201, JSON.stringify(await copy.clone().json()));
  const copied = await json(copy);
  const archive = new Uint8Array(await (await a.api(`/projects/${id}/export`)).arrayBuffer());

  const imported = await importInto(b, archive);
  assert.equal(imported.status, 201, JSON.stringify(await imported.clone().json()));
  const project = await json(await b.api(`/projects/${id}`));
  assert.equal(project.samplesStayOnDevice, true, 'the promise travels with the project');
  assert.deepEqual(project, await json(await a.api(`/projects/${id}`)));
  assert.equal((await b.api(`/projects/${id}/samples?label=cat`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: await jpegOf([0, 0, 0], 9) })).status, 403, 'the new server refuses its samples too');
  assert.deepEqual(await json(await b.api(`/models/${copied.id}`)), copied);
  const [fromA, fromB] = await Promise.all([a, b].map(async (t) => new Uint8Array(await (await t.api(`/models/${copied.id}/download?variant=int8`)).arrayBuffer())));
  assert.deepEqual(fromB, fromA);

  // The copy holds no reference into the project it came from: that project can go.
  const deleted = await a.api(`/projects/${source.id}`, { method: 'DELETE' });
  assert.ok(deleted.status === 200 || deleted.status === 204, `${deleted.status} ${await deleted.text()}`);
  assert.equal((await a.api(`/models/${copied.id}/download?variant=int8`)).status, 200, 'the copy keeps its files');
});
