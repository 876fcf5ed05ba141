import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { X509Certificate } from 'node:crypto';
import { startTestServer } from '../test-server.ts';

function httpsGet(url: string, ca?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, rejectUnauthorized: true }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('HTTPS by default: a client that trusts the served CA connects; one that does not is refused', async () => {
  const t = await startTestServer({ insecureHttp: false });
  try {
    assert.match(t.baseUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    await assert.rejects(httpsGet(`${t.baseUrl}/api/v1/health`), /self-signed|unable to verify|certificate/);
    const ca = (await fetch(`${t.baseUrl}/ca.crt`).catch(() => undefined)) ?? undefined;
    assert.equal(ca, undefined, 'plain fetch must not trust the local CA either');
    const { readFile } = await import('node:fs/promises');
    const caPem = await readFile(`${t.dataDir}/tls/ca.crt`, 'utf8');
    const health = await httpsGet(`${t.baseUrl}/api/v1/health`, caPem);
    assert.deepEqual([health.status, JSON.parse(health.body).ok], [200, true]);
    const served = await httpsGet(`${t.baseUrl}/ca.crt`, caPem);
    assert.equal(served.body, caPem);
    assert.equal(new X509Certificate(caPem).fingerprint256, t.server.caFingerprint);
    const leaf = new X509Certificate((await readFile(`${t.dataDir}/tls/server.crt`, 'utf8')));
    assert.match(leaf.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.ok(leaf.checkIssued(new X509Certificate(caPem)));
  } finally {
    await t.stop();
  }
});
