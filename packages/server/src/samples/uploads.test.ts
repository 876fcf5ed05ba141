import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { startTestServer, type TestServer } from '../test-server.ts';
import { jpegOf } from '../test-images.ts';

let t: TestServer;
before(async () => { t = await startTestServer(); });
after(async () => { await t.stop(); });

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function createProject(): Promise<{ id: string }> {
  const response = await t.api('/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'uploads', labels: ['cat', 'dog'] }) });
  assert.equal(response.status, 201);
  return response.json() as Promise<{ id: string }>;
}

async function counts(projectId: string): Promise<Record<string, number>> {
  return ((await (await t.api(`/projects/${projectId}`)).json()) as { sampleCounts: Record<string, number> }).sampleCounts;
}

function blobFiles(): string[] {
  const root = join(t.dataDir, 'blobs');
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/**
 * Streams a body made of gzip members (concatenated members are one valid gzip stream) over a real socket,
 * stopping as soon as the server answers, and returns the answer.
 */
function streamGzip(path: string, contentType: string, members: Buffer[]): Promise<{ status: number; body: unknown; sentBytes: number }> {
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let answered = false;
    const req = request(`${t.baseUrl}/api/v1${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': contentType, 'content-encoding': 'gzip', 'transfer-encoding': 'chunked' },
    }, (res) => {
      answered = true;
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), sentBytes }));
    });
    req.on('error', (error) => { if (!answered) reject(error); });
    let index = 0;
    const pump = () => {
      while (index < members.length && !answered) {
        sentBytes += members[index].length;
        if (!req.write(members[index++])) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/** 1 GiB of zeros as 64 gzip members of 16 MiB each (about 1 MiB on the wire). */
const zeros16MiB = gzipSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
const GIB_OF_ZEROS = Array.from({ length: 64 }, () => zeros16MiB);

describe('compressed uploads', () => {
  test('a gzipped image, a gzipped JSON body and a gzipped multipart dataset are accepted', async () => {
    const created = await t.api('/projects', {
      method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ name: 'gz', labels: ['cat', 'dog'] })),
    });
    assert.equal(created.status, 201);
    const project = (await created.json()) as { id: string };
    const jpeg = await jpegOf([200, 100, 50], 40);
    const image = await t.api(`/projects/${project.id}/samples?label=cat`, { method: 'POST', headers: { 'content-type': 'image/jpeg', 'content-encoding': 'gzip' }, body: gzipSync(jpeg) });
    assert.equal(image.status, 201);
    assert.equal(((await image.json()) as { sample: { sha256: string } }).sample.sha256, sha256(jpeg));

    const form = new FormData();
    form.append('dog', new Blob([await jpegOf([20, 100, 50], 41)], { type: 'image/jpeg' }), 'a.jpg');
    const multipart = new Request('http://x', { method: 'POST', body: form });
    const dataset = await t.api(`/projects/${project.id}/samples`, {
      method: 'POST', headers: { 'content-type': multipart.headers.get('content-type')!, 'content-encoding': 'gzip' },
      body: gzipSync(Buffer.from(await multipart.arrayBuffer())),
    });
    assert.equal(dataset.status, 200);
    assert.deepEqual(((await dataset.json()) as { results: { ok: boolean }[] }).results.map((r) => r.ok), [true]);
    assert.deepEqual(await counts(project.id), { cat: 1, dog: 1 });
  });

  test('a gzip bomb (16 GiB of zeros) as an image gets 413 after the 10 MiB cap, stops being read, and writes nothing', async () => {
    const project = await createProject();
    const blobsBefore = blobFiles();
    const answer = await streamGzip(`/projects/${project.id}/samples?label=cat`, 'image/jpeg', Array.from({ length: 16 }, () => GIB_OF_ZEROS).flat());
    assert.deepEqual([answer.status, answer.body], [413, {
      error: { code: 'OFFGRID_ERR_TOO_LARGE', message: 'The upload is too large. Images are limited to 10 MiB (after decompression); phones should downsample before uploading.' },
    }]);
    // 16 MiB on the wire; had the server inflated it all, the client would have sent every byte.
    assert.ok(answer.sentBytes < zeros16MiB.length * 1024 / 2, `the server stopped reading early (client sent ${answer.sentBytes} bytes)`);
    assert.deepEqual(await counts(project.id), { cat: 0, dog: 0 });
    assert.deepEqual(blobFiles(), blobsBefore);
  });

  test('a gzip bomb inside a multipart dataset gets 413 at the dataset cap and writes nothing', async () => {
    const project = await createProject();
    const blobsBefore = blobFiles();
    const head = gzipSync('--b\r\nContent-Disposition: form-data; name="cat"; filename="bomb.jpg"\r\nContent-Type: image/jpeg\r\n\r\n');
    const answer = await streamGzip(`/projects/${project.id}/samples`, 'multipart/form-data; boundary=b', [head, ...GIB_OF_ZEROS]);
    assert.equal(answer.status, 413);
    assert.deepEqual(answer.body, {
      error: { code: 'OFFGRID_ERR_TOO_LARGE', message: 'The request body is larger than 268435456 bytes once decompressed; nothing was stored. Send smaller files or split the dataset into several uploads.' },
    });
    assert.deepEqual(await counts(project.id), { cat: 0, dog: 0 });
    assert.deepEqual(blobFiles(), blobsBefore);
  });

  test('a multipart body that stops inside a file part gets 400 for that request only; stored samples stay', async () => {
    // Regression: the file stream's "Part terminated early" error had no listener and ended the whole process.
    const project = await createProject();
    const stored = await t.api(`/projects/${project.id}/samples?label=cat`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: await jpegOf([200, 30, 30], 1) });
    assert.equal(stored.status, 201);
    const cutInFile = '--b\r\nContent-Disposition: form-data; name="dog"; filename="two.jpg"\r\nContent-Type: image/jpeg\r\n\r\nabcdef';
    const cutInHeaders = '--b\r\nContent-Disposition: form-data; name="dog"; filena';
    for (const [body, gzipped] of [[Buffer.from(cutInFile), false], [gzipSync(cutInFile), true], [Buffer.from(cutInHeaders), false]] as const) {
      const answer = await t.api(`/projects/${project.id}/samples`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=b', ...(gzipped ? { 'content-encoding': 'gzip' } : {}) }, body });
      assert.equal(answer.status, 400);
      assert.deepEqual(await answer.json(), { error: { code: 'OFFGRID_ERR_VALIDATION', message: 'The multipart body is malformed (Unexpected end of multipart data). Send it as multipart/form-data with the boundary its Content-Type names.' } });
      assert.equal((await t.api('/health')).status, 200, 'the server is still alive');
    }
    assert.deepEqual(await counts(project.id), { cat: 1, dog: 0 });
  });

  test('a gzipped JSON body past 1 MiB decoded gets 413; corrupt gzip and unknown encodings are refused', async () => {
    const big = await t.api('/projects', { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(`{"name":"${'x'.repeat(2 * 1024 * 1024)}","labels":["a","b"]}`) });
    assert.equal(big.status, 413);
    const corrupt = await t.api('/projects', { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: 'not gzip at all' });
    assert.equal(corrupt.status, 400);
    assert.deepEqual(await corrupt.json(), { error: { code: 'OFFGRID_ERR_VALIDATION', message: 'The gzip body is corrupt (incorrect header check). Compress it again or send it uncompressed.' } });
    const brotli = await t.api('/projects', { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: '{}' });
    assert.deepEqual([brotli.status, await brotli.json()], [415, { error: { code: 'OFFGRID_ERR_UNSUPPORTED_MEDIA_TYPE', message: 'Content-Encoding "br" is not supported; send the body as is or gzip it ("Content-Encoding: gzip").' } }]);
  });
});

describe('echoed values', () => {
  const long = 'x'.repeat(8000);
  const shown = `${'x'.repeat(80)}…`;

  test('headers and fields a client fills with kilobytes are repeated as their first 80 characters', async () => {
    const project = await createProject();
    const jpeg = await jpegOf([5, 5, 5], 70);
    const answers = [
      await t.api(`/projects/${project.id}/samples?label=cat`, { method: 'POST', headers: { 'content-type': 'image/jpeg', 'content-encoding': long }, body: jpeg }),
      await t.api(`/projects/${project.id}/samples?label=cat`, { method: 'POST', headers: { 'content-type': `application/${long}` }, body: jpeg }),
      await t.api('/projects', { method: 'OPTIONS', headers: { origin: `http://${long}`, 'access-control-request-method': 'POST' } }),
    ];
    assert.deepEqual(await Promise.all(answers.map(async (answer) => [answer.status, await answer.json()])), [
      [415, { error: { code: 'OFFGRID_ERR_UNSUPPORTED_MEDIA_TYPE', message: `Content-Encoding "${shown}" is not supported; send the body as is or gzip it ("Content-Encoding: gzip").` } }],
      [415, { error: { code: 'OFFGRID_ERR_UNSUPPORTED_MEDIA_TYPE', message: `This image project takes Content-Type image/jpeg, image/png, image/webp, multipart/form-data (many files); got application/${'x'.repeat(68)}….` } }],
      [403, { error: { code: 'OFFGRID_ERR_FORBIDDEN', message: `Origin http://${'x'.repeat(73)}… may not call this API. Open the app from this server instead, or add the origin to the server's corsOrigins setting.` } }],
    ]);
    // A multipart checksum is a free-form field (up to 1 MiB): only its start comes back.
    const form = new FormData();
    form.append('checksums', JSON.stringify({ 'a.jpg': 'ab'.repeat(100_000) }));
    form.append('cat', new Blob([jpeg], { type: 'image/jpeg' }), 'a.jpg');
    const { results } = (await (await t.api(`/projects/${project.id}/samples`, { method: 'POST', body: form })).json()) as { results: { error: { message: string } }[] };
    assert.equal(results[0].error.message, `The upload arrived with sha256 ${sha256(jpeg)}, but the client announced ${'ab'.repeat(40)}…; nothing was stored. Send the file again.`);
    assert.deepEqual(await counts(project.id), { cat: 0, dog: 0 });
  });
});

describe('checksums', () => {
  test('X-Checksum-Sha256 must match the uploaded (decompressed) bytes; a mismatch stores nothing', async () => {
    const project = await createProject();
    const jpeg = await jpegOf([1, 2, 3], 50);
    const blobsBefore = blobFiles();
    const wrong = 'ab'.repeat(32);
    const refused = await t.api(`/projects/${project.id}/samples?label=cat`, { method: 'POST', headers: { 'content-type': 'image/jpeg', 'x-checksum-sha256': wrong }, body: jpeg });
    assert.deepEqual([refused.status, await refused.json()], [400, {
      error: { code: 'OFFGRID_ERR_CHECKSUM_MISMATCH', message: `The upload arrived with sha256 ${sha256(jpeg)}, but the client announced ${wrong}; nothing was stored. Send the file again.` },
    }]);
    assert.deepEqual(blobFiles(), blobsBefore);
    assert.deepEqual(await counts(project.id), { cat: 0, dog: 0 });
    const accepted = await t.api(`/projects/${project.id}/samples?label=cat`, { method: 'POST', headers: { 'content-type': 'image/jpeg', 'content-encoding': 'gzip', 'x-checksum-sha256': sha256(jpeg).toUpperCase() }, body: gzipSync(jpeg) });
    assert.equal(accepted.status, 201);
    const malformed = await t.api(`/projects/${project.id}/samples?label=cat`, { method: 'POST', headers: { 'content-type': 'image/jpeg', 'x-checksum-sha256': 'nope' }, body: jpeg });
    assert.equal(malformed.status, 400);
  });

  test('in a multipart dataset, the "checksums" field is checked per file', async () => {
    const project = await createProject();
    const good = await jpegOf([9, 9, 9], 51);
    const form = new FormData();
    form.append('checksums', JSON.stringify({ 'good.jpg': sha256(good), 'bad.jpg': '00'.repeat(32) }));
    form.append('cat', new Blob([good], { type: 'image/jpeg' }), 'good.jpg');
    form.append('dog', new Blob([await jpegOf([99, 9, 9], 52)], { type: 'image/jpeg' }), 'bad.jpg');
    const response = await t.api(`/projects/${project.id}/samples`, { method: 'POST', body: form });
    const { results } = (await response.json()) as { results: { filename: string; ok: boolean; error?: { code: string } }[] };
    assert.deepEqual(results.map((r) => [r.filename, r.ok, r.error?.code]), [['good.jpg', true, undefined], ['bad.jpg', false, 'OFFGRID_ERR_CHECKSUM_MISMATCH']]);
    assert.deepEqual(await counts(project.id), { cat: 1, dog: 0 });
  });

  test('samples are listed page by page with their digests', async () => {
    const project = await createProject();
    const digests: string[] = [];
    for (let i = 0; i < 5; i++) {
      const jpeg = await jpegOf([i * 40, 0, 0], 60 + i);
      digests.push(sha256(jpeg));
      assert.equal((await t.api(`/projects/${project.id}/samples?label=dog`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: jpeg })).status, 201);
    }
    const first = (await (await t.api(`/projects/${project.id}/samples?limit=3`)).json()) as { samples: { sha256: string }[]; nextAfter?: string };
    assert.equal(first.samples.length, 3);
    const second = (await (await t.api(`/projects/${project.id}/samples?limit=3&after=${first.nextAfter}`)).json()) as { samples: { sha256: string }[]; nextAfter?: string };
    assert.equal(second.nextAfter, undefined);
    assert.deepEqual([...first.samples, ...second.samples].map((s) => s.sha256), digests);
  });
});
