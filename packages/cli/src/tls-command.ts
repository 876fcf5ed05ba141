// `offgrid tls rotate`: a new local certificate authority for a data directory, for when the old one cannot
// serve any more (made without name constraints, expiring, or the machine moved to another network).
import { join, resolve } from 'node:path';
import { resolveConfig, rotateCa } from '@offgrid/server';

export const TLS_USAGE = `Usage:
  offgrid tls rotate [--data ./offgrid-data] [--config file.json]
      Replace the server's certificate authority and certificate (<data>/tls); the old folder is moved aside.
      Phones must then install the new CA once (and may remove the old one). Restart \`offgrid serve\` afterwards.
`;

export async function tlsCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (action !== 'rotate') {
    const help = action === undefined || action === 'help';
    process[help ? 'stdout' : 'stderr'].write(help ? TLS_USAGE : `Unknown tls action "${action}".\n${TLS_USAGE}`);
    return help ? 0 : 2;
  }
  // The data directory exactly as `offgrid serve` resolves it (flag, environment, config file, default).
  const dataDir = resolve(resolveConfig(rest).data);
  const tls = await rotateCa(join(dataDir, 'tls'));
  const days = (date: Date) => date.toISOString().slice(0, 10);
  process.stdout.write([
    `New certificate authority in ${join(dataDir, 'tls')}${tls.retiredDir ? ` (the old one is in ${tls.retiredDir}; delete it once every phone has the new CA)` : ''}.`,
    `  SHA-256 fingerprint: ${tls.caFingerprint}`,
    `  Valid until ${days(tls.caNotAfter)}; it may sign for: ${tls.caPermits?.join(', ')}`,
    `  Server certificate valid until ${days(tls.leafNotAfter)} (renewed automatically).`,
    '',
    'Restart `offgrid serve`, then on each phone install the new CA once from <server>/ca.crt',
    '(Settings → Security → Encryption & credentials → Install a certificate → CA certificate) and remove the old "Offgrid local CA".',
    ...tls.warnings.map((warning) => `Warning: ${warning}`),
    '',
  ].join('\n'));
  return 0;
}
