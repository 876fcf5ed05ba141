import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOT_CLIENT_METHODS, OffgridClient } from './client.ts';
import { API_OPERATIONS } from './generated/api-types.ts';
import { ErrorCodes, OffgridApiError, OffgridChecksumError } from './errors.ts';
import { sha256Hex } from './checksum.ts';
import { fakeFetch, jsonResponse, streamedResponse } from './test-fetch.ts';
import { gunzipSync } from 'node:zlib';
import type { Job, JobStatus, ModelVersion, Project } from './types.ts';

const BASE = 'https://192.168.1.20:8000';

function job(status: JobStatus, epoch = 1): Job {
  return {
    id: 'job1',
    projectId: 'p1',
    status,
    progress: {
      phase: status === 'succeeded' ? 'done' : 'searching', epoch, epochs: 3, fraction: epoch / 3,
      elapsedSeconds: epoch, etaSeconds: 3 - epoch, trialsFinished: 0, leaderboard: [],
    },
    createdAt: '2025-01-01T00:00:00Z',
    updatedAt: `2025-01-01T00:00:0${epoch}Z`,
    ...(status === 'succeeded' ? { modelId: 'm1' } : {}),
  };
}

function sse(value: Job): string {
  return `event: job\ndata: ${JSON.stringify(value)}\n\n`;
}

describe('OffgridClient requests', () => {
  it('prefixes /api/v1, sends the key and unwraps lists', async () => {
    const { fetch, requests } = fakeFetch(() => jsonResponse({ projects: [] }));
    const client = new OffgridClient({ baseUrl: `${BASE}/`, apiKey: 'k1', fetch });
    assert.deepEqual(await client.listProjects(), []);
    assert.equal(requests[0].url, `${BASE}/api/v1/projects`);
    assert.equal(requests[0].headers.Authorization, 'Bearer k1');
  });

  it('accepts a base URL that already ends in /api/v1', async () => {
    const { fetch, requests } = fakeFetch(() => jsonResponse({ ok: true, version: '0.1.0' }));
    await new OffgridClient({ baseUrl: `${BASE}/api/v1`, fetch }).health();
    assert.equal(requests[0].url, `${BASE}/api/v1/health`);
    assert.equal(requests[0].headers.Authorization, undefined);
  });

  it('uploads a sample as a raw body with label, content type and idempotency key', async () => {
    const { fetch, requests } = fakeFetch(() => jsonResponse({ sample: { id: 's1' }, duplicate: false }, 201));
    const client = new OffgridClient({ baseUrl: BASE, apiKey: 'k', fetch });
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    const result = await client.uploadSample('p 1', 'red apple', jpeg, { idempotencyKey: 'u-1' });
    assert.equal(result.duplicate, false);
    assert.equal(requests[0].method, 'POST');
    assert.equal(requests[0].url, `${BASE}/api/v1/projects/p%201/samples?label=red+apple`);
    assert.equal(requests[0].headers['Content-Type'], 'image/jpeg');
    assert.equal(requests[0].headers['Idempotency-Key'], 'u-1');
    assert.deepEqual(new Uint8Array(await (requests[0].body as Blob).arrayBuffer()), jpeg);
  });

  it('uploads a dataset as multipart with the label as field name', async () => {
    const { fetch, requests } = fakeFetch(() => jsonResponse({ results: [] }));
    const client = new OffgridClient({ baseUrl: BASE, fetch });
    await client.uploadDataset('p1', [{ label: 'cat', data: new Uint8Array([1]), filename: 'a.jpg' }]);
    const form = requests[0].body as FormData;
    assert.ok(form instanceof FormData);
    assert.equal((form.get('cat') as File).name, 'a.jpg');
    assert.equal(requests[0].headers['Content-Type'], undefined, 'fetch must set the multipart boundary');
  });

  it('sends the training request as JSON', async () => {
    const { fetch, requests } = fakeFetch(() => jsonResponse(job('queued'), 202));
    await new OffgridClient({ baseUrl: BASE, fetch }).startTraining('p1', { budgetSeconds: 30 });
    assert.equal(requests[0].url, `${BASE}/api/v1/projects/p1/train`);
    assert.equal(requests[0].headers['Content-Type'], 'application/json');
    assert.deepEqual(JSON.parse(requests[0].body as string), { budgetSeconds: 30 });
  });

  it('lists a project\'s active jobs (to re-attach after a reload)', async () => {
    const { fetch, requests } = fakeFetch(() => jsonResponse({ jobs: [job('running')] }));
    const jobs = await new OffgridClient({ baseUrl: BASE, fetch }).listJobs('p1', { active: true });
    assert.equal(requests[0].url, `${BASE}/api/v1/projects/p1/jobs?active=true`);
    assert.deepEqual(jobs.map((j) => j.status), ['running']);
  });
});

describe('OffgridClient methods', () => {
  // The server's operationIds name the methods (issue #20): a route added there needs a method here, or a line in
  // NOT_CLIENT_METHODS saying what calls it.
  it('has a method named after every operationId, except those NOT_CLIENT_METHODS explains', () => {
    const methods = new Set(Object.getOwnPropertyNames(OffgridClient.prototype));
    const missing = Object.keys(API_OPERATIONS).filter((id) => !methods.has(id) && !(id in NOT_CLIENT_METHODS));
    assert.deepEqual(missing, []);
  });

  it('lists in NOT_CLIENT_METHODS only operations that exist and have no method of their name', () => {
    const methods = new Set(Object.getOwnPropertyNames(OffgridClient.prototype));
    const stale = Object.keys(NOT_CLIENT_METHODS).filter((id) => !(id in API_OPERATIONS) || methods.has(id));
    assert.deepEqual(stale, []);
  });
});

describe('OffgridClient errors', () => {
  it('maps the error body to OffgridApiError', async () => {
    const body = { error: { code: 'OFFGRID_ERR_PROJECT_NOT_FOUND', message: 'No project p9. List projects first.' } };
    const { fetch } = fakeFetch(() => jsonResponse(body, 404));
    const error = await new OffgridClient({ baseUrl: BASE, fetch }).getProject('p9').catch((e: unknown) => e);
    assert.ok(error instanceof OffgridApiError);
    assert.deepEqual(
      { status: error.status, code: error.code, message: error.message },
      { status: 404, code: 'OFFGRID_ERR_PROJECT_NOT_FOUND', message: 'No project p9. List projects first.' },
    );
  });

  it('keeps the status and a snippet when the body is not an Offgrid error', async () => {
    const { fetch } = fakeFetch(() => new Response('<h1>Bad gateway</h1>', { status: 502, statusText: 'Bad Gateway' }));
    const error = await new OffgridClient({ baseUrl: BASE, fetch }).health().catch((e: unknown) => e);
    assert.ok(error instanceof OffgridApiError);
    assert.equal(error.status, 502);
    assert.equal(error.code, 'OFFGRID_ERR_UNEXPECTED_RESPONSE');
    assert.equal(error.message, 'HTTP 502 Bad Gateway: <h1>Bad gateway</h1>');
  });

  it('turns a failed fetch into a network error with status 0', async () => {
    const { fetch } = fakeFetch(() => Promise.reject(new TypeError('fetch failed')));
    const error = await new OffgridClient({ baseUrl: BASE, fetch }).health().catch((e: unknown) => e);
    assert.ok(error instanceof OffgridApiError);
    assert.equal(error.status, 0);
    assert.equal(error.code, 'OFFGRID_ERR_NETWORK');
    assert.match(error.message, /Cannot reach the Offgrid server/);
  });
});

describe('OffgridClient.downloadModel', () => {
  const bytes = new Uint8Array([0x54, 0x46, 0x4c, 0x33, 9, 9]);

  it('returns the bytes when the checksum matches', async () => {
    const sha = await sha256Hex(bytes);
    const { fetch, requests } = fakeFetch(() => new Response(bytes, { headers: { 'X-Checksum-Sha256': sha, ETag: '"e1"' } }));
    const model = await new OffgridClient({ baseUrl: BASE, fetch }).downloadModel('m1');
    assert.equal(requests[0].url, `${BASE}/api/v1/models/m1/download?variant=float32`);
    assert.deepEqual(model, { bytes, sha256: sha, etag: '"e1"' });
  });

  it('throws OffgridChecksumError on a mismatch', async () => {
    const { fetch } = fakeFetch(() => new Response(bytes, { headers: { 'X-Checksum-Sha256': '00'.repeat(32) } }));
    await assert.rejects(new OffgridClient({ baseUrl: BASE, fetch }).downloadModel('m1', 'int8'), OffgridChecksumError);
  });

  it('refuses a download without a checksum header', async () => {
    const { fetch } = fakeFetch(() => new Response(bytes));
    await assert.rejects(new OffgridClient({ baseUrl: BASE, fetch }).downloadModel('m1'), /X-Checksum-Sha256/);
  });
});

// The WebSocket (first where one exists) is tested in watch-job.test.ts; here: SSE and polling.
describe('OffgridClient.watchJob', () => {
  it('follows the SSE stream until a final status', async () => {
    const { fetch, requests } = fakeFetch(() =>
      streamedResponse([sse(job('running', 1)).slice(0, 20), sse(job('running', 1)).slice(20), sse(job('succeeded', 3))]),
    );
    const seen: JobStatus[] = [];
    const final = await new OffgridClient({ baseUrl: BASE, apiKey: 'k', fetch, WebSocket: null }).watchJob('job1', (j) => seen.push(j.status));
    assert.deepEqual(seen, ['running', 'succeeded']);
    assert.equal(final.modelId, 'm1');
    assert.equal(requests[0].url, `${BASE}/api/v1/jobs/job1/events`);
    assert.equal(requests[0].headers.Authorization, 'Bearer k');
  });

  it('falls back to polling when the stream cannot be opened', async () => {
    const polled = [job('running', 2), job('running', 2), job('succeeded', 3)];
    const { fetch, requests } = fakeFetch((request) => {
      if (request.url.endsWith('/events')) return jsonResponse({ error: { code: 'X', message: 'no stream' } }, 500);
      return jsonResponse(polled.shift());
    });
    const seen: number[] = [];
    const client = new OffgridClient({ baseUrl: BASE, fetch, pollIntervalMs: 1, WebSocket: null });
    const final = await client.watchJob('job1', (j) => seen.push(j.progress.epoch));
    assert.equal(final.status, 'succeeded');
    assert.deepEqual(seen, [2, 3], 'unchanged polls are not reported twice');
    assert.equal(requests.filter((r) => r.url.endsWith('/jobs/job1')).length, 3);
  });

  it('falls back to polling when the stream breaks before a final status', async () => {
    const { fetch } = fakeFetch((request) =>
      request.url.endsWith('/events')
        ? streamedResponse([sse(job('running', 1))], { failAfterChunks: true })
        : jsonResponse(job('failed', 2)),
    );
    const seen: JobStatus[] = [];
    const final = await new OffgridClient({ baseUrl: BASE, fetch, pollIntervalMs: 1, WebSocket: null }).watchJob('job1', (j) => seen.push(j.status));
    assert.equal(final.status, 'failed');
    assert.deepEqual(seen, ['running', 'failed']);
  });

  it('stops when aborted', async () => {
    const { fetch } = fakeFetch((request) =>
      request.url.endsWith('/events') ? Promise.reject(new TypeError('offline')) : jsonResponse(job('running')),
    );
    const controller = new AbortController();
    const watching = new OffgridClient({ baseUrl: BASE, fetch, pollIntervalMs: 10_000, WebSocket: null }).watchJob(
      'job1',
      () => controller.abort(new Error('user left')),
      controller.signal,
    );
    await assert.rejects(watching, /user left/);
  });
});

const PROJECT: Project = {
  id: 'p1', name: 'Fruit', labels: ['a', 'b'], modality: 'image', task: 'classify', settings: {},
  createdAt: '2025-01-01T00:00:00Z', sampleCounts: {}, activeModelId: 'm1', modelPinned: true, samplesStayOnDevice: false,
};

describe('OffgridClient: keys, readiness, samples, model activation', () => {
  it('lists and revokes keys', async () => {
    const key = { id: 'k 2', scope: 'device', name: 'Pixel', createdAt: '2025-01-01T00:00:00Z' };
    const { fetch, requests } = fakeFetch((request) =>
      request.url.endsWith('/keys') ? jsonResponse({ keys: [key] }) : jsonResponse({ ...key, revokedAt: '2025-01-02T00:00:00Z' }),
    );
    const client = new OffgridClient({ baseUrl: BASE, apiKey: 'admin', fetch });
    assert.deepEqual(await client.listKeys(), [key]);
    const revoked = await client.revokeKey('k 2');
    assert.equal(revoked.revokedAt, '2025-01-02T00:00:00Z');
    assert.deepEqual(requests.map((r) => `${r.method} ${r.url}`), [`GET ${BASE}/api/v1/keys`, `POST ${BASE}/api/v1/keys/k%202/revoke`]);
  });

  it('maps refusing to revoke the last admin key to a CONFLICT error', async () => {
    const { fetch } = fakeFetch(() => jsonResponse({ error: { code: ErrorCodes.CONFLICT, message: 'last admin key' } }, 409));
    const error = await new OffgridClient({ baseUrl: BASE, fetch }).revokeKey('k1').catch((e: unknown) => e);
    assert.ok(error instanceof OffgridApiError);
    assert.deepEqual([error.status, error.code], [409, 'OFFGRID_ERR_CONFLICT']);
  });

  it('answers readiness, also when the server is not ready (503)', async () => {
    const ready = { ready: true, checks: { database: { ok: true }, blobs: { ok: true } } };
    const notReady = {
      ready: false,
      checks: { database: { ok: true }, blobs: { ok: false, error: 'EACCES' } },
      error: { code: ErrorCodes.NOT_READY, message: 'The server cannot store data (blobs: EACCES).' },
    };
    const answers = [jsonResponse(ready), jsonResponse(notReady, 503), new Response('busy', { status: 503, statusText: 'Service Unavailable' })];
    const { fetch, requests } = fakeFetch(() => answers.shift()!);
    const client = new OffgridClient({ baseUrl: BASE, apiKey: 'k', fetch });
    assert.deepEqual(await client.ready(), ready);
    assert.deepEqual(await client.ready(), notReady);
    assert.equal(requests[0].url, `${BASE}/api/v1/ready`);
    const error = await client.ready().catch((e: unknown) => e);
    assert.ok(error instanceof OffgridApiError, 'a 503 without a readiness body still throws');
    assert.deepEqual([error.status, error.code], [503, 'OFFGRID_ERR_UNEXPECTED_RESPONSE']);
  });

  it('pages through samples with label, limit and after', async () => {
    const sample = { id: 's1', projectId: 'p1', label: 'a b', sha256: 'ab', width: 128, height: 128, createdAt: '2025-01-01T00:00:00Z' };
    const pages = [jsonResponse({ samples: [sample], nextAfter: 's1' }), jsonResponse({ samples: [] })];
    const { fetch, requests } = fakeFetch(() => pages.shift()!);
    const client = new OffgridClient({ baseUrl: BASE, fetch });
    assert.deepEqual(await client.listSamples('p1', { label: 'a b', limit: 1 }), { samples: [sample], nextAfter: 's1' });
    assert.deepEqual(await client.listSamples('p1', { label: 'a b', limit: 1, after: 's1' }), { samples: [] });
    assert.equal(requests[0].url, `${BASE}/api/v1/projects/p1/samples?label=a+b&limit=1`);
    assert.equal(requests[1].url, `${BASE}/api/v1/projects/p1/samples?label=a+b&limit=1&after=s1`);
  });

  it('lists all samples without a query string', async () => {
    const { fetch, requests } = fakeFetch(() => jsonResponse({ samples: [] }));
    await new OffgridClient({ baseUrl: BASE, fetch }).listSamples('p1');
    assert.equal(requests[0].url, `${BASE}/api/v1/projects/p1/samples`, 'no dangling "?"');
  });

  it('activates a model with or without pin and returns the project', async () => {
    const { fetch, requests } = fakeFetch(() => jsonResponse(PROJECT));
    const client = new OffgridClient({ baseUrl: BASE, fetch });
    assert.deepEqual(await client.activateModel('m1'), PROJECT);
    await client.activateModel('m1', { pin: false });
    assert.equal(requests[0].url, `${BASE}/api/v1/models/m1/activate`);
    assert.equal(requests[0].method, 'POST');
    assert.equal(requests[0].headers['Content-Type'], 'application/json');
    assert.deepEqual(JSON.parse(requests[0].body as string), {}, 'the server defaults pin to true');
    assert.deepEqual(JSON.parse(requests[1].body as string), { pin: false });
  });

  it('deletes a model (204) and maps refusing the active one to CONFLICT', async () => {
    const answers = [new Response(null, { status: 204 }), jsonResponse({ error: { code: ErrorCodes.CONFLICT, message: 'v2 is active; activate another first.' } }, 409)];
    const { fetch, requests } = fakeFetch(() => answers.shift()!);
    const client = new OffgridClient({ baseUrl: BASE, fetch });
    assert.equal(await client.deleteModel('m1'), undefined);
    assert.deepEqual([requests[0].method, requests[0].url], ['DELETE', `${BASE}/api/v1/models/m1`]);
    await assert.rejects(client.deleteModel('m2'), (error: unknown) => error instanceof OffgridApiError && error.code === 'OFFGRID_ERR_CONFLICT' && error.status === 409);
  });

  it('reads the active flag of model versions', async () => {
    const model = { id: 'm1', version: 1, active: true } as ModelVersion;
    const { fetch } = fakeFetch(() => jsonResponse({ models: [model] }));
    const [first] = await new OffgridClient({ baseUrl: BASE, fetch }).listModels('p1');
    assert.equal(first.active, true);
  });
});

describe('OffgridClient upload integrity', () => {
  const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

  it('sends X-Checksum-Sha256 (lowercase) and gzips on request', async () => {
    const { fetch, requests } = fakeFetch(() => jsonResponse({ sample: { id: 's1' }, duplicate: false }, 201));
    const sha = await sha256Hex(jpeg);
    await new OffgridClient({ baseUrl: BASE, fetch }).uploadSample('p1', 'a', jpeg, { sha256: sha.toUpperCase(), gzip: true });
    assert.equal(requests[0].headers['X-Checksum-Sha256'], sha);
    assert.equal(requests[0].headers['Content-Encoding'], 'gzip');
    assert.equal(requests[0].headers['Content-Type'], 'image/jpeg', 'the type of the image, not of the encoding');
    assert.deepEqual(new Uint8Array(gunzipSync(new Uint8Array(await new Response(requests[0].body).arrayBuffer()))), jpeg);
  });

  it('maps a checksum mismatch to its code', async () => {
    const { fetch } = fakeFetch(() => jsonResponse({ error: { code: ErrorCodes.CHECKSUM_MISMATCH, message: 'arrived with another sha256' } }, 400));
    const error = await new OffgridClient({ baseUrl: BASE, fetch }).uploadSample('p1', 'a', jpeg, { sha256: '00'.repeat(32) }).catch((e: unknown) => e);
    assert.ok(error instanceof OffgridApiError);
    assert.equal(error.code, 'OFFGRID_ERR_CHECKSUM_MISMATCH');
    assert.equal(error.transient, false);
  });

  it('sends a dataset with a checksums field before the files', async () => {
    const { fetch, requests } = fakeFetch(() => jsonResponse({ results: [] }));
    await new OffgridClient({ baseUrl: BASE, fetch }).uploadDataset('p1', [{ label: 'cat', data: jpeg, filename: 'a.jpg' }, { label: 'dog', data: jpeg }]);
    const form = requests[0].body as FormData;
    assert.deepEqual([...form.keys()], ['checksums', 'cat', 'dog']);
    const sha = await sha256Hex(jpeg);
    assert.deepEqual(JSON.parse(form.get('checksums') as string), { 'a.jpg': sha, 'dog-1': sha });
  });

  it('can leave the checksums out, and gzip the whole multipart body with its boundary', async () => {
    const { fetch, requests } = fakeFetch(() => jsonResponse({ results: [] }));
    await new OffgridClient({ baseUrl: BASE, fetch }).uploadDataset('p1', [{ label: 'cat', data: jpeg, filename: 'a.jpg' }], { checksums: false, gzip: true });
    const { headers, body } = requests[0];
    assert.equal(headers['Content-Encoding'], 'gzip');
    const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(headers['Content-Type'])?.[1];
    assert.ok(boundary, headers['Content-Type']);
    const form = await new Response(gunzipSync(new Uint8Array(await new Response(body).arrayBuffer())), { headers: { 'Content-Type': headers['Content-Type'] } }).formData();
    assert.deepEqual([...form.keys()], ['cat']);
    assert.deepEqual(new Uint8Array(await (form.get('cat') as File).arrayBuffer()), jpeg);
  });
});

describe('OffgridClient: project archives', () => {
  it('streams an export: the body is handed over unread, with the suggested file name', async () => {
    const { fetch, requests } = fakeFetch(() => new Response('tar bytes', { headers: { 'Content-Disposition': 'attachment; filename="offgrid-Fruit-p1.tar"' } }));
    const archive = await new OffgridClient({ baseUrl: BASE, apiKey: 'admin', fetch }).exportProject('p 1');
    assert.equal(requests[0].url, `${BASE}/api/v1/projects/p%201/export`);
    assert.equal(archive.filename, 'offgrid-Fruit-p1.tar');
    assert.equal(archive.sizeBytes, undefined);
    assert.equal(await new Response(archive.body).text(), 'tar bytes');
  });

  it('imports from a stream without letting fetch buffer it (duplex half, no redirect clone)', async () => {
    const answer = { project: PROJECT, imported: { samples: 1, datasets: 0, jobs: 0, models: 0, blobs: 1 } };
    const { fetch, requests } = fakeFetch(() => jsonResponse(answer, 201));
    const client = new OffgridClient({ baseUrl: BASE, apiKey: 'admin', fetch });
    const stream = new Blob(['archive']).stream();
    assert.deepEqual(await client.importProject(stream), answer);
    assert.equal(requests[0].method, 'POST');
    assert.equal(requests[0].url, `${BASE}/api/v1/projects/import`);
    assert.equal(requests[0].headers['Content-Type'], 'application/x-tar');
    assert.equal(requests[0].body, stream);
    assert.deepEqual([requests[0].init.duplex, requests[0].init.redirect, requests[0].init.window], ['half', 'error', null]);

    await client.importProject(new Blob(['archive']));
    assert.equal(requests[1].init.duplex, undefined, 'a Blob is sent as it is');
  });
});
