import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../test-server.ts';

let t: TestServer;
before(async () => { t = await startTestServer(); });
after(async () => { await t.stop(); });

interface KeyInfo { id: string; scope: string; name: string; createdAt: string; lastUsedAt?: string; revokedAt?: string }

async function pairDevice(name: string): Promise<{ apiKey: string; keyId: string }> {
  const { token } = (await (await t.api('/pairing/tokens', { method: 'POST' })).json()) as { token: string };
  const response = await t.api('/pairing/exchange', { key: null, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, deviceName: name }) });
  return response.json() as Promise<{ apiKey: string; keyId: string }>;
}

async function listKeys(): Promise<KeyInfo[]> {
  const response = await t.api('/keys');
  assert.equal(response.status, 200);
  return ((await response.json()) as { keys: KeyInfo[] }).keys;
}

test('admins list keys with their last use, revoke a device key, and the revoked key gets 401 at once', async () => {
  const phone = await pairDevice('pixel');
  const before = Date.now();
  assert.equal((await t.api('/projects', { key: phone.apiKey })).status, 200);
  const keys = await listKeys();
  assert.deepEqual(keys.map((k) => [k.scope, k.name]), [['admin', 'workstation'], ['device', 'pixel']]);
  const device = keys.find((k) => k.id === phone.keyId)!;
  assert.ok(device.lastUsedAt && Date.parse(device.lastUsedAt) >= before - 1000, JSON.stringify(device));
  assert.equal(device.revokedAt, undefined);
  assert.ok(keys[0].lastUsedAt, 'the admin key used for this listing shows its last use too');

  const forbidden = await t.api('/keys', { key: phone.apiKey });
  assert.deepEqual([forbidden.status, await forbidden.json()], [403, { error: { code: 'OFFGRID_ERR_FORBIDDEN', message: 'This action needs an admin key; device keys cannot do it.' } }]);

  const revoked = await t.api(`/keys/${phone.keyId}/revoke`, { method: 'POST' });
  assert.equal(revoked.status, 200);
  const info = (await revoked.json()) as KeyInfo;
  assert.equal(info.id, phone.keyId);
  assert.ok(info.revokedAt);
  const refused = await t.api('/projects', { key: phone.apiKey });
  assert.deepEqual([refused.status, await refused.json()], [401, { error: { code: 'OFFGRID_ERR_UNAUTHORIZED', message: 'The API key is unknown or revoked. Pair the device again.' } }]);
  assert.equal((await listKeys()).find((k) => k.id === phone.keyId)?.revokedAt, info.revokedAt);
});

test('the last admin key cannot be revoked; unknown keys are 404', async () => {
  const admin = (await listKeys()).find((k) => k.scope === 'admin')!;
  const refused = await t.api(`/keys/${admin.id}/revoke`, { method: 'POST' });
  assert.deepEqual([refused.status, await refused.json()], [409, {
    error: { code: 'OFFGRID_ERR_CONFLICT', message: 'This is the last admin key; revoking it would lock everyone out. Create another admin key first.' },
  }]);
  const missing = await t.api('/keys/00000000-0000-4000-8000-000000000000/revoke', { method: 'POST' });
  assert.deepEqual([missing.status, await missing.json()], [404, {
    error: { code: 'OFFGRID_ERR_NOT_FOUND', message: 'No API key with id 00000000-0000-4000-8000-000000000000. List keys with GET /api/v1/keys.' },
  }]);
});
