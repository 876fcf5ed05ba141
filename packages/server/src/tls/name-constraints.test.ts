import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import forge from 'node-forge';
import { nameConstraintsExtension, permits, permittedNamesFor, readNameConstraints } from './name-constraints.ts';

const iface = (cidr: string, family: 'IPv4' | 'IPv6' = 'IPv4', internal = false) => ({ address: cidr.split('/')[0], netmask: '', family, mac: '', internal, cidr, scopeid: 0 }) as NetworkInterfaceInfo;

test('permittedNamesFor: own names, .local, loopback; a private subnet whole, a public address alone; IPv6 and internal interfaces skipped', () => {
  const permitted = permittedNamesFor(['localhost', 'Studio', 'Studio.local', 'offgrid.lan'], {
    lo: [iface('127.0.0.1/8', 'IPv4', true)],
    wlan0: [iface('192.168.1.23/24'), iface('fd00::2/64', 'IPv6')],
    eth0: [iface('172.20.3.4/16'), iface('203.0.113.9/24')],
    wg0: [iface('10.8.0.2/32')],
  });
  assert.deepEqual(permitted, ['localhost', 'studio', 'offgrid.lan', 'local', '127.0.0.0/8', '::1/128', '192.168.1.0/24', '172.20.0.0/16', '203.0.113.9/32', '10.8.0.2/32']);
});

test('permits: a DNS base covers itself and names under it; networks by prefix; a type without constraints is free', () => {
  const permitted = ['localhost', 'studio', 'local', '127.0.0.0/8', '::1/128', '192.168.1.0/24'];
  const cases: [string, boolean][] = [
    ['localhost', true], ['STUDIO', true], ['studio.local', true], ['printer.local', true], ['local', true],
    ['example.com', false], ['studio.example.com', false], ['notlocal', false], ['evil-localhost', false],
    ['127.0.0.1', true], ['127.9.9.9', true], ['192.168.1.254', true], ['192.168.2.1', false], ['8.8.8.8', false],
    ['::1', true], ['fd00::2', false],
  ];
  for (const [name, expected] of cases) assert.equal(permits(permitted, name), expected, name);
  assert.equal(permits(['.local'], 'x.local'), true);
  assert.equal(permits(['.local'], 'local'), false);
  assert.equal(permits(['local'], '8.8.8.8'), true, 'no IP constraint: IPs unconstrained (RFC 5280)');
});

test('the extension is critical DER that forge and this reader parse back to the same subtrees', () => {
  const permitted = ['localhost', 'local', '127.0.0.0/8', '::1/128', '192.168.1.0/24', '203.0.113.9/32', 'fd00::/64'];
  const extension = nameConstraintsExtension(permitted);
  assert.deepEqual([extension.id, extension.critical], ['2.5.29.30', true]);
  const keys = forge.pki.rsa.generateKeyPair({ bits: 512 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.setExtensions([extension]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const parsed = forge.pki.certificateFromPem(forge.pki.certificateToPem(cert));
  assert.deepEqual(readNameConstraints(parsed), permitted);
  const byForge = parsed.extensions[0] as { critical: boolean; permittedSubtrees?: { type: number }[] };
  assert.equal(byForge.critical, true);
  if (byForge.permittedSubtrees) assert.deepEqual(byForge.permittedSubtrees.map((subtree) => subtree.type), [2, 2, 7, 7, 7, 7, 7]);
  assert.equal(readNameConstraints(forge.pki.createCertificate()), undefined);
});
