import { after, before, describe, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../test-server.ts';
import { jpegOf } from '../test-images.ts';
import { BlobStore } from '../storage/blob-store.ts';

let t: TestServer;
before(async () => { t = await startTestServer(); });
after(async () => { await t.stop(); });

describe('rate limits', () => {
  test('past its budget a key gets 429 with Retry-After and a message that says the limit; other keys are unaffected', async () => {
    const limited = await startTestServer({ rateLimits: { perKey: { burst: 3, perSecond: 0.5 }, perAddress: { burst: 2, perSecond: 0.5 } } });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await limited.api('/projects')).status, 200);
      const refused = await limited.api('/projects');
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '2');
      assert.deepEqual(await refused.json(), {
        error: { code: 'OFFGRID_ERR_RATE_LIMITED', message: 'Too many requests with this API key: at most 0.5 per second (bursts of 3). Wait 2 s (Retry-After) and try again.' },
      });
      assert.equal((await limited.api('/health', { key: null })).status, 200, 'health is never limited');
      // Requests without a valid key share a per-address budget (slows down guessing).
      assert.equal((await limited.api('/projects', { key: 'og_guess1' })).status, 401);
      assert.equal((await limited.api('/projects', { key: 'og_guess2' })).status, 401);
      const guessing = await limited.api('/projects', { key: 'og_guess3' });
      assert.equal(guessing.status, 429);
      assert.match(((await guessing.json()) as { error: { message: string } }).error.message, /from this address without a valid API key/);
    } finally {
      await limited.stop();
    }
  });

  test('the defaults let 20 devices upload 30 images each as fast as they can', async () => {
    const project = (await (await t.api('/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'many', labels: ['a', 'b'] }) })).json()) as { id: string };
    const jpeg = await jpegOf([1, 2, 3], 77);
    const deviceKeys: string[] = [];
    for (let d = 0; d < 20; d++) {
      const { token } = (await (await t.api('/pairing/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ projectIds: [project.id] }) })).json()) as { token: string };
      const paired = await t.api('/pairing/exchange', { key: null, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
      deviceKeys.push(((await paired.json()) as { apiKey: string }).apiKey);
    }
    const statuses = await Promise.all(deviceKeys.map(async (key) => {
      const codes: number[] = [];
      for (let i = 0; i < 30; i++) codes.push((await t.api(`/projects/${project.id}/samples?label=a`, { key, method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: jpeg })).status);
      return codes;
    }));
    assert.deepEqual([...new Set(statuses.flat())], [201]);
  });
});

describe('CORS', () => {
  test("only the served app's own origin gets Access-Control-Allow-Origin", async () => {
    const own = await t.api('/projects', { headers: { origin: t.baseUrl } });
    assert.equal(own.headers.get('access-control-allow-origin'), t.baseUrl);
    const other = await t.api('/projects', { headers: { origin: 'http://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    const preflight = await fetch(`${t.baseUrl}/api/v1/projects`, { method: 'OPTIONS', headers: { origin: t.baseUrl, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), t.baseUrl);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/);
    const refused = await fetch(`${t.baseUrl}/api/v1/projects`, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('access-control-allow-origin'), null);
  });
});

describe('OpenAPI', () => {
  test('the document is generated from the route schemas; the page and its assets are served locally', async () => {
    const doc = (await (await fetch(`${t.baseUrl}/api/docs/json`)).json()) as { openapi: string; paths: Record<string, Record<string, { security?: unknown[] }>>; components: { securitySchemes: Record<string, unknown> } };
    assert.equal(doc.openapi, '3.0.3');
    for (const path of ['/api/v1/projects', '/api/v1/projects/{projectId}/samples', '/api/v1/models/{modelId}/download', '/api/v1/models/{modelId}/activate', '/api/v1/keys', '/api/v1/ready']) {
      assert.ok(doc.paths[path], `${path} is documented`);
    }
    assert.deepEqual(doc.paths['/api/v1/health'].get.security, []);
    assert.ok(doc.components.securitySchemes.apiKey);
    const page = await fetch(`${t.baseUrl}/api/docs`, { redirect: 'follow' });
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.doesNotMatch(html, /https?:\/\/(?!127\.0\.0\.1)/, 'no external URLs (works offline)');
    const scripts = [...html.matchAll(/src="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(scripts.length > 0);
    for (const src of scripts) assert.equal((await fetch(new URL(src, page.url))).status, 200, src);
  });
});

describe('health and readiness', () => {
  test('ready checks that the database and the blob folder accept writes', async () => {
    const dir = await startTestServer();
    try {
      const ready = await dir.api('/ready', { key: null });
      assert.deepEqual([ready.status, await ready.json()], [200, { ready: true, checks: { database: { ok: true }, blobs: { ok: true } }, accelerator: { backend: 'wasm', reason: 'wasm (the default)' } }]);
      // A file where the blob folder should be: writes fail even for root.
      const blobs = join(dir.dataDir, 'blobs');
      mkdirSync(blobs, { recursive: true });
      renameSync(blobs, `${blobs}.moved`);
      writeFileSync(blobs, 'not a folder');
      // The last probe answers for one second: the failure shows once it has expired.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const broken = await dir.api('/ready', { key: null });
      const body = (await broken.json()) as { ready: boolean; checks: { blobs: { ok: boolean } }; error: { code: string; message: string } };
      assert.equal(broken.status, 503);
      assert.deepEqual([body.ready, body.checks.blobs.ok, body.error.code], [false, false, 'OFFGRID_ERR_NOT_READY']);
      assert.match(body.error.message, /^The server cannot store data \(blobs: .+\)\. Check the data directory's disk space and permissions\.$/);
    } finally {
      await dir.stop();
    }
  });

  test('a flood of /ready calls costs at most one probe per second; a failure still shows within about a second', async () => {
    const dir = await startTestServer();
    const probes = mock.method(BlobStore.prototype, 'probeWritable');
    try {
      const started = performance.now();
      const answers = await Promise.all(Array.from({ length: 200 }, () => dir.api('/ready', { key: null }).then(async (r) => [r.status, (await r.json() as { ready: boolean }).ready])));
      const seconds = (performance.now() - started) / 1000;
      assert.deepEqual(new Set(answers.map(String)), new Set(['200,true']));
      assert.ok(probes.mock.callCount() <= Math.ceil(seconds) + 1, `${probes.mock.callCount()} probes for 200 calls in ${seconds.toFixed(2)} s`);
      // The disk starts failing: within about a second of it, /ready says so.
      probes.mock.mockImplementation(async () => { throw new Error('ENOSPC: no space left on device'); });
      const failing = performance.now();
      let status = 200;
      while (status === 200 && performance.now() - failing < 3000) {
        status = (await dir.api('/ready', { key: null })).status;
        if (status === 200) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.equal(status, 503);
      assert.ok(performance.now() - failing < 1300, `the failure showed after ${Math.round(performance.now() - failing)} ms`);
    } finally {
      probes.mock.restore();
      await dir.stop();
    }
  });
});

describe('graceful shutdown', () => {
  test('an upload in flight when close() is called completes and is stored, and close() does not wait for keep-alive timeouts', async () => {
    const server = await startTestServer();
    const project = (await (await server.api('/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'shutdown', labels: ['a', 'b'] }) })).json()) as { id: string };
    const jpeg = await jpegOf([5, 50, 200], 88);
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${server.baseUrl}/api/v1/projects/${project.id}/samples?label=a`, {
        method: 'POST', headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'image/jpeg', 'content-length': jpeg.length },
      }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write(jpeg.subarray(0, 100));
      // The rest arrives while the server is already closing.
      setTimeout(() => req.end(jpeg.subarray(100)), 300);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = server.stop({ keepData: true });
    const uploaded = await answer;
    const started = Date.now();
    await closed;
    assert.ok(Date.now() - started < 2000, `close() took ${Date.now() - started} ms after the last response`);
    assert.equal(uploaded.status, 201, uploaded.body);
    const sample = (JSON.parse(uploaded.body) as { sample: { id: string } }).sample;
    const restarted = await startTestServer({ dataDir: server.dataDir });
    try {
      const { samples } = (await (await restarted.api(`/projects/${project.id}/samples`, { key: server.adminKey })).json()) as { samples: { id: string }[] };
      assert.deepEqual(samples.map((s) => s.id), [sample.id]);
    } finally {
      await restarted.stop();
    }
  });
});
