import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import QRCode from 'qrcode';
import { startServer } from '@offgrid/server';

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: process.env.OFFGRID_PORT ?? '8000' },
      host: { type: 'string', default: process.env.OFFGRID_HOST ?? '0.0.0.0' },
      data: { type: 'string', default: process.env.OFFGRID_DATA ?? './offgrid-data' },
      'insecure-http': { type: 'boolean', default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be a number from 0 to 65535, got "${values.port}".\n`);
    return 2;
  }
  const server = await startServer({
    dataDir: resolve(values.data), port, host: values.host, insecureHttp: values['insecure-http'],
    logger: { level: process.env.OFFGRID_LOG_LEVEL ?? 'warn' },
  });

  const lines = [
    '',
    `Offgrid is running. Data: ${resolve(values.data)}`,
    '',
    'Open on the phone (same Wi-Fi):',
    ...server.urls.map((url) => `  ${url}`),
  ];
  if (server.caFingerprint) {
    lines.push('', `HTTPS certificate authority: ${server.urls[0]}/ca.crt`, `  SHA-256 fingerprint: ${server.caFingerprint}`,
      '  Install it once on the phone (Settings → Security → Encryption & credentials → Install a certificate → CA certificate).');
  }
  if (server.adminKey) {
    lines.push('', `Admin API key (shown only now, keep it safe): ${server.adminKey}`);
  }
  lines.push('', `Pair a phone: scan the code or open this link (valid until ${new Date(server.pairingExpiresAt).toLocaleTimeString()}):`, `  ${server.pairingUrl}`, '');
  process.stdout.write(lines.join('\n') + '\n');
  process.stdout.write(await QRCode.toString(server.pairingUrl, { type: 'terminal', small: true }));

  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('Stopping: finishing in-flight requests…\n');
  await server.close();
  return 0;
}
