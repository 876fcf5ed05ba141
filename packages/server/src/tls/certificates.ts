import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { networkInterfaces, hostname } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';

/**
 * A local certificate authority, made once per data directory, and a server certificate it signs for
 * this machine's names and LAN addresses. The phone trusts the CA once; the server certificate can then
 * be re-issued (new Wi-Fi address) without bothering the user again. Chrome registers service workers
 * only on trusted HTTPS origins, so a plain self-signed leaf would not do.
 */
export interface TlsMaterial {
  key: string;
  cert: string;
  caCert: string;
  /** SHA-256 of the CA certificate (DER), colon-separated hex: what the user compares on the phone. */
  caFingerprint: string;
}

export function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
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

function createCa(): { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey } {
  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600 * 1000);
  cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000);
  const subject = [{ name: 'commonName', value: `Offgrid local CA (${hostname()})` }, { name: 'organizationName', value: 'Offgrid' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert, key: keys.privateKey };
}

function createServerCert(ca: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey }, names: string[], ips: string[]) {
  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600 * 1000);
  // Browsers refuse leaf certificates valid for more than 398 days.
  cert.validity.notAfter = new Date(Date.now() + 397 * 24 * 3600 * 1000);
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

/** Loads the CA and server certificate from `dir`, creating what is missing and re-issuing the server certificate when this machine's addresses changed. */
export async function ensureTls(dir: string, extraNames: string[] = []): Promise<TlsMaterial> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const paths = { caKey: join(dir, 'ca.key'), caCert: join(dir, 'ca.crt'), key: join(dir, 'server.key'), cert: join(dir, 'server.crt'), sans: join(dir, 'server.sans') };

  let ca: { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey };
  if (existsSync(paths.caKey) && existsSync(paths.caCert)) {
    ca = { cert: forge.pki.certificateFromPem(await readFile(paths.caCert, 'utf8')), key: forge.pki.privateKeyFromPem(await readFile(paths.caKey, 'utf8')) };
  } else {
    ca = createCa();
    await writeFile(paths.caKey, forge.pki.privateKeyToPem(ca.key), { mode: 0o600 });
    await writeFile(paths.caCert, forge.pki.certificateToPem(ca.cert));
  }

  const names = [...new Set(['localhost', hostname(), `${hostname()}.local`, ...extraNames])];
  const ips = [...new Set(['127.0.0.1', ...lanAddresses()])];
  const wanted = JSON.stringify({ names, ips });
  const current = existsSync(paths.sans) ? await readFile(paths.sans, 'utf8') : '';
  if (current !== wanted || !existsSync(paths.key) || !existsSync(paths.cert)) {
    const server = createServerCert(ca, names, ips);
    await writeFile(paths.key, forge.pki.privateKeyToPem(server.key), { mode: 0o600 });
    await writeFile(paths.cert, forge.pki.certificateToPem(server.cert) + forge.pki.certificateToPem(ca.cert));
    await writeFile(paths.sans, wanted);
  }
  const caCert = await readFile(paths.caCert, 'utf8');
  return { key: await readFile(paths.key, 'utf8'), cert: await readFile(paths.cert, 'utf8'), caCert, caFingerprint: fingerprintOf(caCert) };
}
