import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { networkInterfaces, hostname } from 'node:os';
import { join } from 'node:path';
import type { TlsOptions } from 'node:tls';
import forge from 'node-forge';
import { nameConstraintsExtension, permits, permittedNamesFor, readNameConstraints, type Interfaces, type PermittedNames } from './name-constraints.ts';

/**
 * A local certificate authority, made once per data directory, and a server certificate it signs for
 * this machine's names and LAN addresses. The phone trusts the CA once; the server certificate can then
 * be re-issued (new Wi-Fi address, near expiry) without bothering the user again. Chrome registers service
 * workers only on trusted HTTPS origins, so a plain self-signed leaf would not do.
 *
 * The CA is name-constrained to this machine's names, `.local`, loopback and its LAN subnets, so its key
 * cannot vouch for any other website (see docs/security-tls.md).
 */
export interface TlsMaterial {
  key: string;
  cert: string;
  caCert: string;
  /** SHA-256 of the CA certificate (DER), colon-separated hex: what the user compares on the phone. */
  caFingerprint: string;
  /** What the CA may sign for (its name constraints); undefined for a CA made before they existed. */
  caPermits?: PermittedNames;
  caNotAfter: Date;
  leafNotAfter: Date;
  /** What the user should act on (printed by `offgrid serve`): an unconstrained or expiring CA, addresses it does not cover. */
  warnings: string[];
}

export interface EnsureTlsOptions {
  /** Names the server certificate carries besides localhost, the hostname and <hostname>.local. */
  extraNames?: string[];
  /** Tests: the clock and the network interfaces (os.networkInterfaces() shape). */
  now?: Date;
  interfaces?: Interfaces;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * Lifetimes, in days. The leaf is short (browsers accept up to 398) and renewed on start and by a running
 * server once fewer than `renewLeafWithin` days remain, which costs nobody anything. The CA is installed by
 * hand on every phone, so rotating it is costly; thanks to its name constraints a long life risks little.
 */
export const TLS_LIFETIMES = Object.freeze({ caDays: 5 * 365, leafDays: 90, renewLeafWithin: 30, warnCaWithin: 60 });

/**
 * Server TLS settings: TLS 1.2 at least; in TLS 1.2 only forward-secret (ECDHE) AEAD suites, so no static
 * RSA key exchange (`AES128-SHA`) and no CBC. TLS 1.3 suites are all ECDHE + AEAD already. Passed to Fastify's
 * `https` option with the key and certificate.
 */
export const TLS_SERVER_OPTIONS = Object.freeze({
  minVersion: 'TLSv1.2',
  ciphers: [
    'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
  honorCipherOrder: true,
} as const satisfies TlsOptions);

type KeyPair = { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey };

export function lanAddresses(interfaces: Interfaces = networkInterfaces()): string[] {
  return Object.values(interfaces)
    .flat()
    .filter((info) => info && info.family === 'IPv4' && !info.internal)
    .map((info) => info!.address);
}

function newKeyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  // node:crypto generates RSA keys natively; forge's pure-JS generator takes seconds.
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKey = forge.pki.privateKeyFromPem(pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
  const publicKey = forge.pki.publicKeyFromPem(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  return { privateKey, publicKey };
}

function serial(): string {
  // Positive (leading byte < 0x80) random serial, as RFC 5280 asks.
  return '01' + randomBytes(15).toString('hex');
}

function createCa(permitted: PermittedNames, now: Date): KeyPair {
  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(now.getTime() - DAY_MS);
  cert.validity.notAfter = new Date(now.getTime() + TLS_LIFETIMES.caDays * DAY_MS);
  const subject = [{ name: 'commonName', value: `Offgrid local CA (${hostname()})` }, { name: 'organizationName', value: 'Offgrid' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    // pathLen 0: no intermediate CAs; serverAuth: verifiers that chain extended key usages refuse anything but TLS servers.
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    nameConstraintsExtension(permitted),
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert, key: keys.privateKey };
}

function createServerCert(ca: KeyPair, names: string[], ips: string[], now: Date): KeyPair {
  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(now.getTime() - DAY_MS);
  cert.validity.notAfter = new Date(Math.min(now.getTime() + TLS_LIFETIMES.leafDays * DAY_MS, ca.cert.validity.notAfter.getTime()));
  cert.setSubject([{ name: 'commonName', value: names[0] }]);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...names.map((value) => ({ type: 2, value })), ...ips.map((ip) => ({ type: 7, ip }))] },
  ]);
  cert.sign(ca.key, forge.md.sha256.create());
  return { cert, key: keys.privateKey };
}

export function fingerprintOf(certPem: string): string {
  const der = forge.asn1.toDer(forge.pki.certificateToAsn1(forge.pki.certificateFromPem(certPem))).getBytes();
  return createHash('sha256').update(Buffer.from(der, 'binary')).digest('hex').toUpperCase().match(/../g)!.join(':');
}

const tlsPaths = (dir: string) => ({ caKey: join(dir, 'ca.key'), caCert: join(dir, 'ca.crt'), key: join(dir, 'server.key'), cert: join(dir, 'server.crt'), sans: join(dir, 'server.sans') });

/** Why the server certificate on disk must be re-issued, or undefined when it can stay. */
function leafProblem(leaf: forge.pki.Certificate, ca: KeyPair, now: Date): string | undefined {
  const daysLeft = (leaf.validity.notAfter.getTime() - now.getTime()) / DAY_MS;
  if (daysLeft < TLS_LIFETIMES.renewLeafWithin) return 'expires soon';
  if (daysLeft > TLS_LIFETIMES.leafDays) return 'valid for longer than Offgrid now issues';
  try {
    return ca.cert.verify(leaf) ? undefined : 'not signed by this CA';
  } catch {
    return 'not signed by this CA';
  }
}

/**
 * Loads the CA and server certificate from `dir`, creating what is missing and re-issuing the server
 * certificate when this machine's names or addresses changed, when it nears expiry, or when it was made by
 * an older version. A CA is never replaced here (phones trust it): problems with it become `warnings`.
 */
export async function ensureTls(dir: string, options: EnsureTlsOptions = {}): Promise<TlsMaterial> {
  const now = options.now ?? new Date();
  const interfaces = options.interfaces ?? networkInterfaces();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const paths = tlsPaths(dir);
  const names = [...new Set(['localhost', hostname(), `${hostname()}.local`, ...(options.extraNames ?? [])])];
  const ips = [...new Set(['127.0.0.1', ...lanAddresses(interfaces)])];

  let ca: KeyPair;
  if (existsSync(paths.caKey) && existsSync(paths.caCert)) {
    ca = { cert: forge.pki.certificateFromPem(await readFile(paths.caCert, 'utf8')), key: forge.pki.privateKeyFromPem(await readFile(paths.caKey, 'utf8')) };
  } else {
    ca = createCa(permittedNamesFor(names, interfaces), now);
    await writeFile(paths.caKey, forge.pki.privateKeyToPem(ca.key), { mode: 0o600 });
    await writeFile(paths.caCert, forge.pki.certificateToPem(ca.cert));
  }

  const caPermits = readNameConstraints(ca.cert);
  const warnings = caWarnings(dir, ca.cert, caPermits, now);
  // A leaf naming anything outside the CA's constraints fails verification as a whole: leave such names out.
  const outside = [...names, ...ips].filter((name) => caPermits && !permits(caPermits, name));
  if (outside.length > 0) {
    warnings.push(`${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} outside what the certificate authority may sign for (${caPermits!.join(', ')}), ` +
      'so phones cannot use them (the network changed since the CA was made). Run `offgrid tls rotate` and install the new CA on each phone once.');
  }
  const wanted = JSON.stringify({ names: names.filter((name) => !outside.includes(name)), ips: ips.filter((ip) => !outside.includes(ip)) });
  const current = existsSync(paths.sans) ? await readFile(paths.sans, 'utf8') : '';
  const leaf = existsSync(paths.key) && existsSync(paths.cert) ? forge.pki.certificateFromPem(await readFile(paths.cert, 'utf8')) : undefined;
  if (current !== wanted || !leaf || leafProblem(leaf, ca, now)) {
    const { names: leafNames, ips: leafIps } = JSON.parse(wanted) as { names: string[]; ips: string[] };
    const server = createServerCert(ca, leafNames, leafIps, now);
    // The SAN record goes last (and first away): an interrupted re-issue is redone on the next start.
    await rm(paths.sans, { force: true });
    await writeFile(paths.key, forge.pki.privateKeyToPem(server.key), { mode: 0o600 });
    await writeFile(paths.cert, forge.pki.certificateToPem(server.cert) + forge.pki.certificateToPem(ca.cert));
    await writeFile(paths.sans, wanted);
  }
  const caCert = await readFile(paths.caCert, 'utf8');
  const cert = await readFile(paths.cert, 'utf8');
  return {
    key: await readFile(paths.key, 'utf8'), cert, caCert, caFingerprint: fingerprintOf(caCert), caPermits,
    caNotAfter: ca.cert.validity.notAfter, leafNotAfter: forge.pki.certificateFromPem(cert).validity.notAfter, warnings,
  };
}

function caWarnings(dir: string, ca: forge.pki.Certificate, caPermits: PermittedNames | undefined, now: Date): string[] {
  const warnings: string[] = [];
  const rotate = 'Run `offgrid tls rotate` and install the new CA on each phone once.';
  if (!caPermits) {
    warnings.push(`The certificate authority in ${dir} was made by an older Offgrid without name constraints: its key could sign a certificate for any website. ${rotate}`);
  }
  const daysLeft = Math.floor((ca.validity.notAfter.getTime() - now.getTime()) / DAY_MS);
  if (daysLeft < 0) warnings.push(`The certificate authority in ${dir} expired on ${ca.validity.notAfter.toISOString().slice(0, 10)}: phones refuse the server. ${rotate}`);
  else if (daysLeft < TLS_LIFETIMES.warnCaWithin) warnings.push(`The certificate authority in ${dir} expires in ${daysLeft} days (${ca.validity.notAfter.toISOString().slice(0, 10)}). ${rotate}`);
  return warnings;
}

/**
 * A new CA and server certificate for `dir`; the old folder is moved aside (`<dir>.retired-<time>`), not
 * deleted, so its key can be inspected or destroyed by the user. Phones must install the new CA once.
 */
export async function rotateCa(dir: string, options: EnsureTlsOptions = {}): Promise<TlsMaterial & { retiredDir?: string }> {
  let retiredDir: string | undefined;
  if (existsSync(dir)) {
    retiredDir = `${dir}.retired-${(options.now ?? new Date()).toISOString().replace(/[:.]/g, '-')}`;
    await rename(dir, retiredDir);
  }
  return { ...(await ensureTls(dir, options)), retiredDir };
}
