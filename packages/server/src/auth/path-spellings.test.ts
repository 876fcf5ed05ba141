import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../app.ts';
import { startTestServer, type TestServer } from '../test-server.ts';
import { openSocket } from '../ws-client.ts';
import { pathSpellings, rawRequest } from './raw-request.ts';

// Regression for the key check that read `request.url` prefixes: `/%61pi/v1/keys` and absolute-form targets
// reached every route, admin ones included, without a key. Authorization must follow the matched route.

let t: TestServer;
// Hundreds of anonymous requests: the per-address limit is tested on its own below.
before(async () => { t = await startTestServer({ rateLimits: false }); });
after(async () => { await t.stop(); });

const ID = '00000000-0000-4000-8000-000000000000';

test('every spelling of a guarded route that reaches it asks for a key; the rest reach no route', async () => {
  const guarded = t.server.routes.filter((route) => route.url.startsWith('/api/v1/') && route.access !== 'public');
  assert.ok(guarded.length >= 20);
  const reached = new Set<string>();
  for (const route of guarded) {
    const canonical = route.url.replace(/:[A-Za-z]+/g, ID);
    for (const [spelling, target] of Object.entries(pathSpellings(canonical, t.baseUrl))) {
      const name = `${route.method} ${route.url} as ${spelling} (${target})`;
      const body = ['POST', 'PUT', 'PATCH'].includes(route.method) ? '{}' : undefined;
      const headers: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
      const anonymous = await rawRequest(t.baseUrl, route.method, target, { headers, body });
      // A HEAD answer has no body to tell a missing route from a missing record: its GET twin routes the same.
      const withAdminKey = await rawRequest(t.baseUrl, route.method === 'HEAD' ? 'GET' : route.method, target, { headers: { ...headers, authorization: `Bearer ${t.adminKey}` }, body });
      if (withAdminKey.routed) {
        // The spelling reaches the route: it must be exactly as closed as the canonical path.
        reached.add(spelling);
        assert.equal(anonymous.status, 401, `${name}: ${anonymous.text}`);
      } else {
        assert.equal(anonymous.status, 404, `${name}: ${anonymous.text}`);
      }
    }
  }
  // The router does decode these: without them the loop above would prove nothing.
  for (const spelling of ['canonical', 'percent-encoded first letter', 'percent-encoded every letter', 'absolute-form']) {
    assert.ok(reached.has(spelling), `${spelling} never reached a route`);
  }
});

test('the admin routes named in the report stay closed to a device key under every spelling', async () => {
  const pairing = await (await t.api('/pairing/tokens', { method: 'POST' })).json() as { token: string };
  const device = await (await t.api('/pairing/exchange', { method: 'POST', key: null, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: pairing.token }) })).json() as { apiKey: string };
  for (const [method, path] of [['GET', '/api/v1/keys'], ['POST', '/api/v1/pairing/tokens'], ['POST', `/api/v1/keys/${ID}/revoke`], ['GET', `/api/v1/projects/${ID}/export`]] as const) {
    for (const [spelling, target] of Object.entries(pathSpellings(path, t.baseUrl))) {
      const answer = await rawRequest(t.baseUrl, method, target, { headers: { authorization: `Bearer ${device.apiKey}` } });
      assert.ok([403, 404].includes(answer.status), `${method} ${path} as ${spelling} with a device key: ${answer.status} ${answer.text}`);
    }
  }
});

test('job progress streams (SSE and WebSocket) refuse a percent-encoded path without a key', async () => {
  const sse = await rawRequest(t.baseUrl, 'GET', `/%61pi/v1/jobs/${ID}/events`);
  assert.equal(sse.status, 401);
  const socket = await openSocket(`${t.baseUrl}/%61pi/v1/jobs/${ID}/socket`, ['offgrid.v1']);
  assert.equal(socket.opened, false);
  assert.equal(socket.opened === false && socket.status, 401);
});

test('the per-address limit counts a percent-encoded path like the canonical one', async () => {
  const limited = await startTestServer({ rateLimits: { perKey: { burst: 100, perSecond: 1 }, perAddress: { burst: 3, perSecond: 0.01 } } });
  try {
    const statuses = [];
    for (const target of ['/api/v1/keys', '/%61pi/v1/keys', `${limited.baseUrl}/api/v1/keys`, '/%61pi/v1/keys']) statuses.push((await rawRequest(limited.baseUrl, 'GET', target)).status);
    assert.deepEqual(statuses, [401, 401, 401, 429]);
  } finally {
    await limited.stop();
  }
});

test('a route that declares no access is closed to everyone, admin included (default-deny)', async () => {
  assert.deepEqual(t.server.routes.filter((route) => route.access === undefined).map((route) => `${route.method} ${route.url}`), [], 'every route declares its access');
  // Routes can only be added before listening: a fresh app gets one that forgot its config.
  const dataDir = mkdtempSync(join(tmpdir(), 'offgrid-undeclared-'));
  const { app, context } = await buildApp({ dataDir, publicUrl: '' });
  try {
    app.get('/api/v1/undeclared', async () => ({ secret: true }));
    const { apiKey } = context.keys.create('admin', 'test');
    const answer = await app.inject({ method: 'GET', url: '/api/v1/undeclared', headers: { authorization: `Bearer ${apiKey}` } });
    assert.equal(answer.statusCode, 403);
    assert.match(answer.body, /declares no access level/);
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
