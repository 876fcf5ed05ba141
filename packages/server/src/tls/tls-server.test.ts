import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, type ConnectionOptions, type EphemeralKeyInfo } from 'node:tls';
import { startTestServer } from '../test-server.ts';

type Handshake = { protocol: string | null; cipher: string; kx?: string; serial: string } | { error: string };

/** One handshake against the server: the negotiated protocol, suite and key exchange, or the client's error. */
function handshake(port: number, options: ConnectionOptions): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options }, () => {
      const result = { protocol: socket.getProtocol(), cipher: socket.getCipher().standardName, kx: (socket.getEphemeralKeyInfo() as EphemeralKeyInfo | null)?.type, serial: socket.getPeerCertificate().serialNumber };
      socket.end();
      resolve(result);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
  });
}

test('TLS: 1.2 only with forward-secret AEAD suites (no AES128-SHA, no CBC), 1.3 as usual, 1.1 refused', async () => {
  const t = await startTestServer({ insecureHttp: false });
  try {
    const port = t.server.port;
    const tls12 = (ciphers: string) => handshake(port, { maxVersion: 'TLSv1.2', ciphers });

    assert.deepEqual(await tls12('AES128-SHA'), { error: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' }, 'static RSA key exchange, CBC');
    assert.deepEqual(await tls12('AES256-GCM-SHA384'), { error: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' }, 'AEAD but no forward secrecy');
    assert.deepEqual(await tls12('ECDHE-RSA-AES128-SHA'), { error: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' }, 'forward secret but CBC');
    assert.deepEqual(await tls12('DHE-RSA-AES128-GCM-SHA256'), { error: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' }, 'finite-field DHE');
    for (const [ciphers, standardName] of [
      ['ECDHE-RSA-AES128-GCM-SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
      ['ECDHE-RSA-AES256-GCM-SHA384', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
      ['ECDHE-RSA-CHACHA20-POLY1305', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
    ]) {
      assert.deepEqual({ ...(await tls12(ciphers)), serial: '' }, { protocol: 'TLSv1.2', cipher: standardName, kx: 'ECDH', serial: '' });
    }
    // A client offering everything gets the server's first choice, not its own (honorCipherOrder).
    const offered = await tls12('AES128-SHA:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256');
    assert.equal('cipher' in offered && offered.cipher, 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');

    const tls13 = await handshake(port, {});
    assert.equal('protocol' in tls13 && tls13.protocol, 'TLSv1.3');
    assert.match('cipher' in tls13 ? tls13.cipher : '', /^TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)$/);

    // The client must lower its own floor (OpenSSL 3 refuses TLS 1.1 below security level 0) for the server to be asked at all.
    const tls11 = await handshake(port, { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' });
    assert.deepEqual(tls11, { error: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
  } finally {
    await t.stop();
  }
});

test('a running server serves a re-issued certificate without a restart, with the same TLS settings', async () => {
  const t = await startTestServer({ insecureHttp: false, tlsCheckIntervalMs: 100 });
  try {
    const port = t.server.port;
    const before = await handshake(port, {});
    assert.ok('serial' in before, JSON.stringify(before));
    // Losing the record of the certificate's names forces a re-issue at the next check, as a new address would.
    await rm(join(t.dataDir, 'tls', 'server.sans'));
    let after: Handshake = before;
    for (let i = 0; i < 100 && 'serial' in after && after.serial === before.serial; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await handshake(port, {});
    }
    assert.ok('serial' in after && after.serial !== before.serial, 'a new certificate is served');
    assert.deepEqual(await handshake(port, { maxVersion: 'TLSv1.2', ciphers: 'AES128-SHA' }), { error: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE' });
  } finally {
    await t.stop();
  }
});
