// X.509 name constraints (RFC 5280 §4.2.1.10) for the local CA, so that its key can only vouch for this machine.
// node-forge reads the extension but cannot build it: this file writes its DER, reads it back and answers
// "would a verifier accept this name under that CA?" the way OpenSSL and Chrome do.
import { isIP } from 'node:net';
import type { NetworkInterfaceInfo } from 'node:os';
import forge from 'node-forge';

export const NAME_CONSTRAINTS_OID = '2.5.29.30';

/**
 * What a CA may sign for, one entry per permitted subtree: a DNS name ("local" permits `local` and every name
 * under it, RFC 5280's form rather than ".local", which some Android validators refuse) or an IP network in
 * CIDR form ("192.168.1.0/24", "::1/128").
 */
export type PermittedNames = readonly string[];

export type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

/** forge's IP helpers (binary strings of 4 or 16 bytes), missing from its type definitions. */
const ipUtil = forge.util as unknown as { bytesFromIP(ip: string): string; bytesToIP(bytes: string): string };

/** Private IPv4 ranges a LAN interface's whole subnet may be permitted in (RFC 1918 and link-local). */
const PRIVATE_V4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16'];

/**
 * The permitted subtrees for a new CA: the server's own names, every `.local` name, loopback, and each LAN
 * interface's IPv4 address — widened to the interface's subnet when that subnet is private, so a new DHCP lease
 * on the same network stays covered (a public address is permitted alone: its neighbours are other people's).
 */
export function permittedNamesFor(names: string[], interfaces: Interfaces): PermittedNames {
  const dns = names.map((name) => name.toLowerCase()).filter((name) => !name.endsWith('.local'));
  const networks = Object.values(interfaces).flat().flatMap((info) => {
    if (!info || info.internal || info.family !== 'IPv4') return [];
    const subnet = info.cidr ? networkOf(info.cidr) : undefined;
    return subnet && PRIVATE_V4.some((range) => contains(range, subnet)) ? [subnet] : [`${info.address}/32`];
  });
  return [...new Set([...dns, 'local', '127.0.0.0/8', '::1/128', ...networks])];
}

/** Whether a verifier that honours `permitted` accepts `name` (a DNS name or an IP address) in a leaf's SAN. */
export function permits(permitted: PermittedNames, name: string): boolean {
  // As in RFC 5280: a name type with no permitted subtree is unconstrained.
  if (isIP(name)) {
    const networks = permitted.filter((entry) => entry.includes('/'));
    return networks.length === 0 || networks.some((network) => contains(network, `${name}/${isIP(name) === 4 ? 32 : 128}`));
  }
  const domains = permitted.filter((entry) => !entry.includes('/'));
  const host = name.toLowerCase();
  return domains.length === 0 || domains.some((base) => (base.startsWith('.') ? host.endsWith(base) : host === base || host.endsWith(`.${base}`)));
}

/** The extension's value (DER of NameConstraints with permittedSubtrees only), for forge's `setExtensions`. */
export function nameConstraintsExtension(permitted: PermittedNames): { id: string; critical: true; value: string } {
  const { asn1 } = forge;
  const subtrees = permitted.map((entry) => {
    const base = entry.includes('/')
      ? asn1.create(asn1.Class.CONTEXT_SPECIFIC, 7, false, bytesToBinary([...addressBytes(entry.split('/')[0]), ...maskBytes(entry)]))
      : asn1.create(asn1.Class.CONTEXT_SPECIFIC, 2, false, entry);
    return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [base]);
  });
  const value = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, subtrees)]);
  return { id: NAME_CONSTRAINTS_OID, critical: true, value: asn1.toDer(value).getBytes() };
}

/** The permitted subtrees of a certificate's name constraints; undefined when it has none (a CA from before they existed). */
export function readNameConstraints(cert: forge.pki.Certificate): PermittedNames | undefined {
  const extension = cert.extensions.find((ext: { id?: string }) => ext.id === NAME_CONSTRAINTS_OID) as { value: string } | undefined;
  if (!extension) return undefined;
  const { asn1 } = forge;
  const permitted: string[] = [];
  const trees = asn1.fromDer(extension.value).value as forge.asn1.Asn1[];
  for (const tree of trees.filter((t) => t.tagClass === asn1.Class.CONTEXT_SPECIFIC && t.type === 0)) {
    for (const subtree of tree.value as forge.asn1.Asn1[]) {
      const base = (subtree.value as forge.asn1.Asn1[])[0];
      if (base.type === 2) permitted.push(base.value as string);
      if (base.type === 7) permitted.push(cidrOf(binaryToBytes(base.value as string)));
    }
  }
  return permitted;
}

function addressBytes(ip: string): number[] {
  return binaryToBytes(ipUtil.bytesFromIP(ip));
}

function maskBytes(cidr: string): number[] {
  const [ip, prefix] = cidr.split('/');
  const bits = Number(prefix);
  return Array.from({ length: isIP(ip) === 4 ? 4 : 16 }, (_, i) => (0xff << (8 - Math.min(8, Math.max(0, bits - 8 * i)))) & 0xff);
}

/** "192.168.1.23/24" → "192.168.1.0/24". */
function networkOf(cidr: string): string {
  const mask = maskBytes(cidr);
  const network = addressBytes(cidr.split('/')[0]).map((byte, i) => byte & mask[i]);
  return `${ipUtil.bytesToIP(bytesToBinary(network))}/${cidr.split('/')[1]}`;
}

/** Whether network `outer` contains network (or address/32, /128) `inner`; false across IPv4 and IPv6. */
function contains(outer: string, inner: string): boolean {
  const [outerIp, innerIp] = [outer.split('/')[0], inner.split('/')[0]];
  if (isIP(outerIp) !== isIP(innerIp) || Number(inner.split('/')[1]) < Number(outer.split('/')[1])) return false;
  const mask = maskBytes(outer);
  const [a, b] = [addressBytes(outerIp), addressBytes(innerIp)];
  return mask.every((m, i) => (a[i] & m) === (b[i] & m));
}

/** iPAddress constraint bytes (address then mask, 8 or 32 bytes) → CIDR. */
function cidrOf(bytes: number[]): string {
  const half = bytes.length / 2;
  const prefix = bytes.slice(half).reduce((sum, byte) => sum + byte.toString(2).replaceAll('0', '').length, 0);
  return `${ipUtil.bytesToIP(bytesToBinary(bytes.slice(0, half)))}/${prefix}`;
}

const binaryToBytes = (binary: string): number[] => Array.from(binary, (char) => char.charCodeAt(0));
const bytesToBinary = (bytes: number[]): string => String.fromCharCode(...bytes);
