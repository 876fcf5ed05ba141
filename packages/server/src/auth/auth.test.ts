import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../test-server.ts';
import { openSocket } from '../ws-client.ts';

let t: TestServer;
// Two requests without a valid key per route outgrow the per-address burst (120) as routes are added: the rate limits are tested on their own.
before(async () => { t = await startTestServer({ rateLimits: false }); });
after(async () => { await t.stop(); });

const NO_KEY = { error: { code: 'OFFGRID_ERR_UNAUTHORIZED', message: 'This request needs an API key: send "Authorization: Bearer <key>". Pair the device by opening the link that `offgrid serve` prints.' } };
const WS_NO_KEY = { error: { code: 'OFFGRID_ERR_UNAUTHORIZED', message: 'This WebSocket needs an API key: offer the subprotocols "offgrid.v1, key.<key>" (or send "Authorization: Bearer <key>"). Pair the device by opening the link that `offgrid serve` prints.' } };
const WRONG_KEY = { error: { code: 'OFFGRID_ERR_UNAUTHORIZED', message: 'The API key is unknown or revoked. Pair the device again.' } };
/** The only API routes a request without a key may reach; anything else added later must be behind a key. */
const PUBLIC_API_ROUTES = ['GET /api/v1/health', 'HEAD /api/v1/health', 'GET /api/v1/ready', 'HEAD /api/v1/ready', 'POST /api/v1/pairing/exchange'];
const ID = '00000000-0000-4000-8000-000000000000';

test('every API route (collected by the onRoute hook) answers 401 without a key and with a wrong key', async () => {
  const apiRoutes = t.server.routes.filter((route) => route.url.startsWith('/api/') && !route.url.startsWith('/api/docs'));
  assert.deepEqual(apiRoutes.filter((route) => route.access === 'public').map((route) => `${route.method} ${route.url}`).sort(), [...PUBLIC_API_ROUTES].sort());
  const guarded = apiRoutes.filter((route) => route.access !== 'public');
  assert.ok(guarded.length >= 20, `only ${guarded.length} guarded routes found: ${guarded.map((r) => r.url).join(', ')}`);
  for (const route of guarded) {
    const url = `${t.baseUrl}${route.url.replace(/:[A-Za-z]+/g, ID)}`;
    for (const [authorization, expected] of [[undefined, NO_KEY], ['Bearer og_wrong', WRONG_KEY]] as const) {
      const response = await fetch(url, {
        method: route.method,
        headers: { ...(authorization ? { authorization } : {}), ...(['POST', 'PUT', 'PATCH'].includes(route.method) ? { 'content-type': 'application/json' } : {}) },
        ...(['POST', 'PUT', 'PATCH'].includes(route.method) ? { body: '{}' } : {}),
      });
      const name = `${route.method} ${route.url} ${authorization ? 'wrong key' : 'no key'}`;
      assert.equal(response.status, 401, name);
      if (route.method === 'HEAD') continue;
      assert.deepEqual(await response.json(), expected, name);
    }
    // WebSocket routes are also tried as real upgrades: the key may come as a subprotocol, so a missing or wrong one must be refused too.
    if (route.websocket && route.method === 'GET') {
      for (const [protocols, expected] of [[['offgrid.v1'], WS_NO_KEY], [['offgrid.v1', 'key.og_wrong'], WRONG_KEY]] as const) {
        const outcome = await openSocket(url, [...protocols]);
        const name = `upgrade ${route.url} ${protocols.join(', ')}`;
        assert.ok(!outcome.opened, `${name} opened`);
        assert.deepEqual([outcome.status, JSON.parse(outcome.body)], [401, expected], name);
      }
    }
  }
  assert.ok(guarded.some((route) => route.websocket), 'the job socket is among the walked routes');
});

test('the /ca.crt, docs and the app shell need no key; /ca.crt is outside /api', async () => {
  const ca = t.server.routes.find((route) => route.url === '/ca.crt');
  assert.equal(ca?.access, 'public');
  assert.equal((await fetch(`${t.baseUrl}/api/docs/json`)).status, 200);
});
