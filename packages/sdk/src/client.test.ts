import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OffgridClient } from './client.ts';
import { OffgridApiError, OffgridChecksumError } from './errors.ts';
import { sha256Hex } from './checksum.ts';
import { fakeFetch, jsonResponse, streamedResponse } from './test-fetch.ts';
import type { Job, JobStatus } from './types.ts';

const BASE = 'https://192.168.1.20:8000';

function job(status: JobStatus, epoch = 1): Job {
  return {
    id: 'job1',
    projectId: 'p1',
    status,
    progress: { phase: status === 'succeeded' ? 'done' : 'training', epoch, epochs: 3, fraction: epoch / 3 },
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

describe('OffgridClient.watchJob', () => {
  it('follows the SSE stream until a final status', async () => {
    const { fetch, requests } = fakeFetch(() =>
      streamedResponse([sse(job('running', 1)).slice(0, 20), sse(job('running', 1)).slice(20), sse(job('succeeded', 3))]),
    );
    const seen: JobStatus[] = [];
    const final = await new OffgridClient({ baseUrl: BASE, apiKey: 'k', fetch }).watchJob('job1', (j) => seen.push(j.status));
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
    const client = new OffgridClient({ baseUrl: BASE, fetch, pollIntervalMs: 1 });
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
    const final = await new OffgridClient({ baseUrl: BASE, fetch, pollIntervalMs: 1 }).watchJob('job1', (j) => seen.push(j.status));
    assert.equal(final.status, 'failed');
    assert.deepEqual(seen, ['running', 'failed']);
  });

  it('stops when aborted', async () => {
    const { fetch } = fakeFetch((request) =>
      request.url.endsWith('/events') ? Promise.reject(new TypeError('offline')) : jsonResponse(job('running')),
    );
    const controller = new AbortController();
    const watching = new OffgridClient({ baseUrl: BASE, fetch, pollIntervalMs: 10_000 }).watchJob(
      'job1',
      () => controller.abort(new Error('user left')),
      controller.signal,
    );
    await assert.rejects(watching, /user left/);
  });
});
