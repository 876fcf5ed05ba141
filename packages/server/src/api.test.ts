import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { startTestServer, type TestServer } from './test-server.ts';
import { jpegOf } from './test-images.ts';

let t: TestServer;
before(async () => { t = await startTestServer(); });
after(async () => { await t.stop(); });

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
async function json(response: Response): Promise<{ status: number; body: any }> {
  return { status: response.status, body: await response.json() };
}

async function createProject(labels = ['cat', 'dog']) {
  const { status, body } = await json(await t.api('/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'pets', labels }) }));
  assert.equal(status, 201);
  return body as { id: string; labels: string[]; sampleCounts: Record<string, number> };
}

function upload(projectId: string, label: string, bytes: Uint8Array, type = 'image/jpeg', headers: Record<string, string> = {}) {
  return t.api(`/projects/${projectId}/samples?label=${encodeURIComponent(label)}`, { method: 'POST', headers: { 'content-type': type, ...headers }, body: bytes });
}

describe('keys and pairing', () => {
  test('health needs no key', async () => {
    assert.deepEqual(await json(await t.api('/health', { key: null })), { status: 200, body: { ok: true, version: '0.1.0' } });
  });

  test('a missing or wrong key is refused with a message that says what to do', async () => {
    const missing = await json(await t.api('/projects', { key: null }));
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error.code, 'OFFGRID_ERR_UNAUTHORIZED');
    assert.match(missing.body.error.message, /Authorization: Bearer/);
    assert.deepEqual(await json(await t.api('/projects', { key: 'og_wrong' })), {
      status: 401, body: { error: { code: 'OFFGRID_ERR_UNAUTHORIZED', message: 'The API key is unknown or revoked. Pair the device again.' } },
    });
  });

  test('a pairing token buys one device key, once; device keys cannot mint tokens', async () => {
    const { body: pairing } = await json(await t.api('/pairing/tokens', { method: 'POST' }));
    assert.equal(pairing.url, `${t.baseUrl}/?pair=${pairing.token}`);
    const exchange = () => t.api('/pairing/exchange', { key: null, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: pairing.token, deviceName: 'test phone' }) });
    const first = await json(await exchange());
    assert.equal(first.status, 200);
    assert.equal(first.body.scope, 'device');
    assert.equal((await t.api('/projects', { key: first.body.apiKey })).status, 200);
    assert.equal((await exchange()).status, 401);
    const forbidden = await json(await t.api('/pairing/tokens', { method: 'POST', key: first.body.apiKey }));
    assert.deepEqual(forbidden, { status: 403, body: { error: { code: 'OFFGRID_ERR_FORBIDDEN', message: 'This action needs an admin key; device keys cannot do it.' } } });
  });
});

describe('projects', () => {
  test('created projects are listed with zero counts per label', async () => {
    const project = await createProject(['a', 'b', 'c']);
    assert.deepEqual(project.sampleCounts, { a: 0, b: 0, c: 0 });
    const { body } = await json(await t.api('/projects'));
    assert.ok(body.projects.some((p: { id: string }) => p.id === project.id));
  });

  test('bad projects are refused: one label, duplicate labels, unknown id', async () => {
    const post = (body: unknown) => t.api('/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const one = await json(await post({ name: 'x', labels: ['only'] }));
    assert.equal(one.status, 400);
    assert.equal(one.body.error.code, 'OFFGRID_ERR_VALIDATION');
    assert.deepEqual(await json(await post({ name: 'x', labels: ['a', 'a'] })), { status: 400, body: { error: { code: 'OFFGRID_ERR_VALIDATION', message: 'Labels must be unique; "a" is given twice.' } } });
    const missing = await json(await t.api('/projects/00000000-0000-0000-0000-000000000000'));
    assert.equal(missing.status, 404);
  });
});

describe('samples', () => {
  test('an image is stored once; a retry by bytes or idempotency key is reported as a duplicate', async () => {
    const project = await createProject();
    const jpeg = await jpegOf([200, 30, 30], 1);
    const first = await json(await upload(project.id, 'cat', jpeg, 'image/jpeg', { 'idempotency-key': 'k1' }));
    assert.equal(first.status, 201);
    assert.equal(first.body.duplicate, false);
    assert.deepEqual([first.body.sample.width, first.body.sample.height, first.body.sample.label], [64, 64, 'cat']);
    const again = await json(await upload(project.id, 'cat', jpeg));
    assert.equal(again.body.duplicate, true);
    assert.equal(again.body.sample.id, first.body.sample.id);
    const retried = await json(await upload(project.id, 'cat', await jpegOf([0, 0, 0], 2), 'image/jpeg', { 'idempotency-key': 'k1' }));
    assert.equal(retried.body.sample.id, first.body.sample.id);
    const { body } = await json(await t.api(`/projects/${project.id}`));
    assert.deepEqual(body.sampleCounts, { cat: 1, dog: 0 });
  });

  test('bad images get a clear 4xx and nothing already stored is lost', async () => {
    const project = await createProject();
    await upload(project.id, 'dog', await jpegOf([10, 200, 10], 3));
    const jpeg = await jpegOf([10, 10, 200], 4);
    // The same noisy picture as PNG and WebP: every format must be decoded to its last pixel, not only read to its header.
    const png = await sharp(jpeg).png().toBuffer();
    const webp = await sharp(jpeg).webp().toBuffer();
    const cut = (bytes: Buffer) => bytes.subarray(0, Math.floor(bytes.length * 0.9));
    const cases: [string, () => Promise<Response>, number, string, RegExp][] = [
      ['not an image', () => upload(project.id, 'dog', new TextEncoder().encode('hello, not a picture')), 400, 'OFFGRID_ERR_BAD_IMAGE', /not a readable JPEG/],
      ['truncated JPEG', () => upload(project.id, 'dog', jpeg.subarray(0, Math.floor(jpeg.length / 2))), 400, 'OFFGRID_ERR_BAD_IMAGE', /damaged or truncated/],
      ['JPEG missing its last 10%', () => upload(project.id, 'dog', cut(jpeg)), 400, 'OFFGRID_ERR_BAD_IMAGE', /damaged or truncated/],
      ['PNG missing its last 10%', () => upload(project.id, 'dog', cut(png), 'image/png'), 400, 'OFFGRID_ERR_BAD_IMAGE', /damaged or truncated/],
      // WebP's RIFF header announces the full length, so a short file is already refused when its header is read.
      ['WebP missing its last 10%', () => upload(project.id, 'dog', cut(webp), 'image/webp'), 400, 'OFFGRID_ERR_BAD_IMAGE', /damaged or truncated|not a readable/],
      ['unknown label', () => upload(project.id, 'horse', jpeg), 400, 'OFFGRID_ERR_UNKNOWN_LABEL', /not one of this project's labels \(cat, dog\)/],
      ['no label', () => t.api(`/projects/${project.id}/samples`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: jpeg }), 400, 'OFFGRID_ERR_VALIDATION', /\?label=/],
      ['wrong content type', () => upload(project.id, 'dog', jpeg, 'application/x-foo'), 415, 'OFFGRID_ERR_UNSUPPORTED_MEDIA_TYPE', /Content-Type/],
      ['over 10 MiB', () => upload(project.id, 'dog', new Uint8Array(11 * 1024 * 1024)), 413, 'OFFGRID_ERR_TOO_LARGE', /10 MiB/],
      ['huge dimensions', async () => upload(project.id, 'dog', await sharp({ create: { width: 10000, height: 5000, channels: 3, background: '#000' } }).png({ compressionLevel: 9 }).toBuffer(), 'image/png'), 400, 'OFFGRID_ERR_BAD_IMAGE', /pixels/],
      ['tiny image', async () => upload(project.id, 'dog', await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).png().toBuffer(), 'image/png'), 400, 'OFFGRID_ERR_BAD_IMAGE', /at least 8 pixels/],
    ];
    for (const [name, request, status, code, message] of cases) {
      const response = await json(await request());
      assert.equal(response.status, status, name);
      assert.equal(response.body.error.code, code, name);
      assert.match(response.body.error.message, message, name);
    }
    const { body } = await json(await t.api(`/projects/${project.id}`));
    assert.deepEqual(body.sampleCounts, { cat: 0, dog: 1 });
  });

  test('a multipart dataset upload reports one result per file', async () => {
    const project = await createProject();
    const form = new FormData();
    form.append('cat', new Blob([await jpegOf([250, 250, 250], 5)], { type: 'image/jpeg' }), 'white.jpg');
    form.append('dog', new Blob([new TextEncoder().encode('garbage')], { type: 'image/jpeg' }), 'broken.jpg');
    form.append('fish', new Blob([await jpegOf([0, 0, 250], 6)], { type: 'image/jpeg' }), 'blue.jpg');
    form.append('dog', new Blob([await jpegOf([5, 5, 5], 7)], { type: 'image/jpeg' }), 'black.jpg');
    const { status, body } = await json(await t.api(`/projects/${project.id}/samples`, { method: 'POST', body: form }));
    assert.equal(status, 200);
    assert.deepEqual(body.results.map((r: { ok: boolean; filename: string; error?: { code: string } }) => [r.filename, r.ok, r.error?.code]),
      [['white.jpg', true, undefined], ['broken.jpg', false, 'OFFGRID_ERR_BAD_IMAGE'], ['blue.jpg', false, 'OFFGRID_ERR_UNKNOWN_LABEL'], ['black.jpg', true, undefined]]);
    const { body: stored } = await json(await t.api(`/projects/${project.id}`));
    assert.deepEqual(stored.sampleCounts, { cat: 1, dog: 1 });
  });
});

describe('training requests', () => {
  test('training needs enough images of every label and a sane budget', async () => {
    const project = await createProject();
    await upload(project.id, 'cat', await jpegOf([250, 0, 0], 8));
    const train = (body: unknown) => t.api(`/projects/${project.id}/train`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.deepEqual(await json(await train({ budgetSeconds: 30 })), {
      status: 400, body: { error: { code: 'OFFGRID_ERR_NOT_ENOUGH_DATA', message: 'Capture at least 2 images of each label before training; too few for: cat, dog.' } },
    });
    const bad = await json(await train({ budgetSeconds: 1, epochs: 0 }));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'OFFGRID_ERR_VALIDATION');
  });
});
