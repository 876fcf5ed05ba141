import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';
import { startTestServer } from '../test-server.ts';
import { ensureTls, rotateCa } from './certificates.ts';

const DAY_MS = 24 * 3600 * 1000;

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

async function withTlsDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const root = await mkdtemp(join(tmpdir(), 'offgrid-tls-'));
  try {
    return await run(join(root, 'tls'));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const lan = (cidr: string) => ({
  eth0: [{ address: cidr.split('/')[0], netmask: '', family: 'IPv4' as const, mac: '02:00:00:00:00:01', internal: false, cidr }],
});

/** A certificate signed by `signer` (forge, independent of the code under test), with its key, both PEM. */
function sign(signer: { cert: forge.pki.Certificate; key: forge.pki.PrivateKey } | undefined, options: { dns?: string[]; ips?: string[]; days: number; ca?: boolean }) {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = '01' + Math.random().toString(16).slice(2, 14);
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + options.days * DAY_MS);
  const subject = [{ name: 'commonName', value: options.ca ? 'Old unconstrained CA' : (options.dns?.[0] ?? options.ips![0]) }];
  cert.setSubject(subject);
  cert.setIssuer(signer ? signer.cert.subject.attributes : subject);
  cert.setExtensions(options.ca
    ? [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }]
    : [{ name: 'extKeyUsage', serverAuth: true }, { name: 'subjectAltName', altNames: [...(options.dns ?? []).map((value) => ({ type: 2, value })), ...(options.ips ?? []).map((ip) => ({ type: 7, ip }))] }]);
  const signingKey = signer?.key ?? forge.pki.privateKeyFromPem(keyPem);
  cert.sign(signingKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem };
}

async function caOf(dir: string) {
  return { cert: forge.pki.certificateFromPem(await readFile(join(dir, 'ca.crt'), 'utf8')), key: forge.pki.privateKeyFromPem(await readFile(join(dir, 'ca.key'), 'utf8')) };
}

/** Whether Node's TLS client (OpenSSL), trusting only `caPem`, accepts a server presenting this chain: 'ok' or OpenSSL's reason (Node's code for a name-constraint violation is only UNSPECIFIED). Host names are not compared: only the chain, name constraints included. */
async function verdict(caPem: string, chain: { certPem: string; keyPem: string }): Promise<string> {
  const server = createServer({ key: chain.keyPem, cert: chain.certPem });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ca: caPem, checkServerIdentity: () => undefined }, () => {
        socket.end();
        resolve('ok');
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.message));
    });
  } finally {
    server.close();
  }
}

test('HTTPS by default: a client that trusts the served CA connects; one that does not is refused', async () => {
  const t = await startTestServer({ insecureHttp: false });
  try {
    assert.match(t.baseUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
    await assert.rejects(httpsGet(`${t.baseUrl}/api/v1/health`), /self-signed|unable to verify|certificate/);
    const ca = (await fetch(`${t.baseUrl}/ca.crt`).catch(() => undefined)) ?? undefined;
    assert.equal(ca, undefined, 'plain fetch must not trust the local CA either');
    const caPem = await readFile(`${t.dataDir}/tls/ca.crt`, 'utf8');
    const health = await httpsGet(`${t.baseUrl}/api/v1/health`, caPem);
    assert.deepEqual([health.status, JSON.parse(health.body).ok], [200, true]);
    const served = await httpsGet(`${t.baseUrl}/ca.crt`, caPem);
    assert.equal(served.body, caPem);
    assert.equal(new X509Certificate(caPem).fingerprint256, t.server.caFingerprint);
    const leaf = new X509Certificate((await readFile(`${t.dataDir}/tls/server.crt`, 'utf8')));
    assert.match(leaf.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.ok(leaf.checkIssued(new X509Certificate(caPem)));
    assert.deepEqual(t.server.tlsWarnings, []);
  } finally {
    await t.stop();
  }
});

test('the CA carries critical name constraints: its own server certificate verifies, one it signs for another site or address does not', async () => {
  await withTlsDir(async (dir) => {
    await ensureTls(dir);
    const caPem = await readFile(join(dir, 'ca.crt'), 'utf8');
    const extension = forge.pki.certificateFromPem(caPem).extensions.find((ext: { id: string }) => ext.id === '2.5.29.30');
    assert.equal(extension?.critical, true, 'nameConstraints (2.5.29.30) present and critical');
    assert.equal(new X509Certificate(caPem).ca, true);

    const own = { certPem: await readFile(join(dir, 'server.crt'), 'utf8'), keyPem: await readFile(join(dir, 'server.key'), 'utf8') };
    assert.equal(await verdict(caPem, own), 'ok');
    const ca = await caOf(dir);
    assert.equal(await verdict(caPem, sign(ca, { dns: ['printer.local'], days: 30 })), 'ok', '.local names are permitted');
    assert.equal(await verdict(caPem, sign(ca, { dns: ['example.com'], days: 30 })), 'permitted subtree violation');
    assert.equal(await verdict(caPem, sign(ca, { dns: ['localhost', 'bank.example'], days: 30 })), 'permitted subtree violation', 'one foreign name spoils the certificate');
    assert.equal(await verdict(caPem, sign(ca, { ips: ['8.8.8.8'], days: 30 })), 'permitted subtree violation');
  });
});

test('a private LAN subnet is permitted whole (a new DHCP lease needs no new CA); a public address alone; another network means rotating', async () => {
  await withTlsDir(async (dir) => {
    const first = await ensureTls(dir, { interfaces: lan('192.168.1.23/24') });
    assert.ok(first.caPermits?.includes('192.168.1.0/24') && first.caPermits.includes('local') && first.caPermits.includes('127.0.0.0/8'), String(first.caPermits));
    const chain = async () => ({ certPem: await readFile(join(dir, 'server.crt'), 'utf8'), keyPem: await readFile(join(dir, 'server.key'), 'utf8') });

    const moved = await ensureTls(dir, { interfaces: lan('192.168.1.77/24') });
    assert.equal(moved.caFingerprint, first.caFingerprint);
    assert.notEqual(moved.cert, first.cert, 'the server certificate is re-issued for the new address');
    assert.match(new X509Certificate(moved.cert).subjectAltName ?? '', /IP Address:192\.168\.1\.77/);
    assert.deepEqual(moved.warnings, []);
    assert.equal(await verdict(first.caCert, await chain()), 'ok');

    const elsewhere = await ensureTls(dir, { interfaces: lan('10.0.0.5/24') });
    assert.equal(elsewhere.caFingerprint, first.caFingerprint, 'the CA is never replaced behind the phones\' back');
    assert.equal(elsewhere.warnings.length, 1);
    assert.match(elsewhere.warnings[0], /^10\.0\.0\.5 is outside what the certificate authority may sign for .*offgrid tls rotate/);
    assert.doesNotMatch(new X509Certificate(elsewhere.cert).subjectAltName ?? '', /10\.0\.0\.5/, 'left out, or the whole certificate would fail');
    assert.equal(await verdict(first.caCert, await chain()), 'ok', 'localhost and the .local name still work');
  });
  await withTlsDir(async (dir) => {
    const tls = await ensureTls(dir, { interfaces: lan('203.0.113.9/24') });
    assert.ok(tls.caPermits?.includes('203.0.113.9/32') && !tls.caPermits.some((entry) => entry.startsWith('203.0.113.0')), String(tls.caPermits));
  });
});

test('lifetimes: server certificate at most 90 days, CA at most 5 years', async () => {
  await withTlsDir(async (dir) => {
    const tls = await ensureTls(dir);
    const leaf = new X509Certificate(tls.cert);
    const ca = new X509Certificate(tls.caCert);
    assert.ok(Date.parse(leaf.validTo) - Date.now() <= 90 * DAY_MS, leaf.validTo);
    assert.ok(Date.parse(leaf.validTo) - Date.now() > 89 * DAY_MS, leaf.validTo);
    assert.ok(Date.parse(ca.validTo) - Date.now() <= 5 * 365 * DAY_MS, ca.validTo);
  });
});

test('the server certificate is re-issued on start when fewer than 30 days remain (or when it outlives 90 days), and kept otherwise', async () => {
  await withTlsDir(async (dir) => {
    const first = await ensureTls(dir);
    const sans = (pem: string) => new X509Certificate(pem).subjectAltName!.split(', ').map((entry) => entry.replace(/^(DNS|IP Address):/, ''));
    const names = sans(first.cert);
    const ca = await caOf(dir);
    const install = async (days: number) => {
      const leaf = sign(ca, { dns: names.filter((name) => !/^[\d.]+$/.test(name)), ips: names.filter((name) => /^[\d.]+$/.test(name)), days });
      await writeFile(join(dir, 'server.crt'), leaf.certPem);
      await writeFile(join(dir, 'server.key'), leaf.keyPem);
      return leaf.certPem;
    };

    const comfortable = await install(45);
    assert.equal((await ensureTls(dir)).cert, comfortable, '45 days left: kept');
    const nearExpiry = await install(10);
    const renewed = await ensureTls(dir);
    assert.notEqual(renewed.cert, nearExpiry);
    assert.ok(Date.parse(new X509Certificate(renewed.cert).validTo) - Date.now() > 89 * DAY_MS);
    assert.deepEqual(sans(renewed.cert), names);
    const oldLong = await install(397);
    assert.notEqual((await ensureTls(dir)).cert, oldLong, 'a 397-day certificate from an older version is replaced');
  });
});

test('a CA from an older version (no name constraints) keeps working for paired phones but warns until rotated', async () => {
  await withTlsDir(async (dir) => {
    await ensureTls(dir);
    const old = sign(undefined, { ca: true, days: 3650 });
    await writeFile(join(dir, 'ca.crt'), old.certPem);
    await writeFile(join(dir, 'ca.key'), old.keyPem);
    const tls = await ensureTls(dir);
    assert.equal(tls.caCert, old.certPem, 'kept');
    assert.equal(tls.caPermits, undefined);
    assert.equal(await verdict(old.certPem, { certPem: tls.cert, keyPem: tls.key }), 'ok', 'server certificate re-issued by the old CA');
    assert.equal(tls.warnings.length, 1);
    assert.match(tls.warnings[0], /made by an older Offgrid without name constraints: its key could sign a certificate for any website\. Run `offgrid tls rotate`/);

    const rotated = await rotateCa(dir);
    assert.notEqual(rotated.caFingerprint, tls.caFingerprint);
    assert.ok(rotated.caPermits?.includes('local'));
    assert.deepEqual(rotated.warnings, []);
    assert.equal(await readFile(join(rotated.retiredDir!, 'ca.crt'), 'utf8'), old.certPem, 'the old folder is moved aside');
    assert.equal(await verdict(rotated.caCert, { certPem: rotated.cert, keyPem: rotated.key }), 'ok');
    assert.notEqual(await verdict(old.certPem, { certPem: rotated.cert, keyPem: rotated.key }), 'ok');
    assert.ok(existsSync(join(dir, 'ca.key')));
  });
});

test('an expiring CA warns (it is not replaced: phones trust it)', async () => {
  await withTlsDir(async (dir) => {
    const made = await ensureTls(dir);
    const later = await ensureTls(dir, { now: new Date(made.caNotAfter.getTime() - 20 * DAY_MS) });
    assert.equal(later.caFingerprint, made.caFingerprint);
    assert.match(later.warnings.join('\n'), /expires in 19 days .*offgrid tls rotate/);
    assert.ok(later.leafNotAfter.getTime() <= made.caNotAfter.getTime(), 'the server certificate does not outlive its CA');
  });
});
