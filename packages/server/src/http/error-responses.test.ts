import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../test-server.ts';

let t: TestServer;
before(async () => { t = await startTestServer(); });
after(async () => { await t.stop(); });

interface Operation { responses: Record<string, { content?: Record<string, { schema: { title?: string; required?: string[] } }> }> }

test('every /api/v1 route declares the error answers it can give, as ErrorBody in application/json', async () => {
  const document = (await (await fetch(`${t.baseUrl}/api/docs/json`)).json()) as { paths: Record<string, Record<string, Operation>> };
  const statusesOf = (method: string, path: string) => {
    const operation = document.paths[`/api/v1${path}`][method];
    const errors = Object.entries(operation.responses).filter(([status]) => Number(status) >= 400);
    for (const [status, response] of errors) {
      assert.equal(response.content?.['application/json']?.schema.title, 'ErrorBody', `${method} ${path} ${status}`);
    }
    return errors.map(([status]) => Number(status));
  };
  assert.deepEqual(statusesOf('get', '/health'), [400, 500], 'public, no key check, no rate limit');
  assert.deepEqual(statusesOf('post', '/pairing/exchange'), [400, 413, 415, 429, 500], 'public but rate-limited per address');
  assert.deepEqual(statusesOf('get', '/projects'), [400, 401, 429, 500]);
  assert.deepEqual(statusesOf('delete', '/models/{modelId}'), [400, 401, 403, 404, 409, 429, 500]);
  assert.deepEqual(statusesOf('get', '/models/{modelId}/download'), [400, 401, 403, 404, 416, 429, 500]);
  assert.deepEqual(statusesOf('post', '/projects/import'), [400, 401, 403, 409, 413, 415, 429, 500], 'admin only');
  assert.deepEqual(statusesOf('get', '/jobs/{jobId}/events'), [400, 401, 403, 404, 429, 500], 'an SSE route still answers errors as JSON');
  // Ready keeps its own 503 body (the checks), not ErrorBody.
  assert.equal(document.paths['/api/v1/ready'].get.responses['503'].content?.['application/json']?.schema.title, undefined);
});

test('declared error answers are sent whole: code and message survive the response serializer', async () => {
  const missing = await t.api('/models/00000000-0000-0000-0000-000000000000');
  assert.deepEqual([missing.status, await missing.json()], [404, { error: { code: 'OFFGRID_ERR_NOT_FOUND', message: "No model with id 00000000-0000-0000-0000-000000000000. List a project's models with GET /api/v1/projects/<projectId>/models." } }]);
  const unauthorized = await t.api('/projects', { key: null });
  assert.equal(unauthorized.status, 401);
  assert.equal(((await unauthorized.json()) as { error: { code: string } }).error.code, 'OFFGRID_ERR_UNAUTHORIZED');
});
