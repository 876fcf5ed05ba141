import { resolve } from 'node:path';
import QRCode from 'qrcode';
import { announceAdminKey, resolveConfig, serveOptionsOf, startServer } from '@offgrid/server';

export async function serveCommand(argv: string[]): Promise<number> {
  // The server's one configuration table (flags > environment > --config file > defaults); in a terminal
  // the JSON logs stay quiet unless asked for, so the banner below is readable.
  const config = resolveConfig(argv, { OFFGRID_LOG_LEVEL: 'warn', ...process.env });
  // With --queue, the terminal shows which machine runs which trial (the job's leaderboard shows the trials themselves).
  const options = { ...serveOptionsOf(config), onTrial: (event: { trialId: string; worker: string; what: string }) => {
    process.stdout.write(`${new Date().toLocaleTimeString()} trial ${event.trialId} ${event.what} on ${event.worker}\n`);
  } };
  const server = await startServer(options);

  const lines = [
    '',
    `Offgrid is running. Data: ${resolve(config.data)}`,
    `Training on ${server.accelerator.reason}.`,
    '',
    'Open on the phone (same Wi-Fi):',
    ...server.urls.map((url) => `  ${url}`),
  ];
  if (server.caFingerprint) {
    lines.push('', `HTTPS certificate authority: ${server.urls[0]}/ca.crt`, `  SHA-256 fingerprint: ${server.caFingerprint}`,
      '  Install it once on the phone (Settings → Security → Encryption & credentials → Install a certificate → CA certificate).');
  }
  for (const warning of server.tlsWarnings) lines.push('', `Warning: ${warning}`);
  if (server.adminKey) {
    // Only a terminal gets the key itself: piped or logged output would keep it next to the logs.
    const notice = announceAdminKey(options.dataDir, server.adminKey, process.stdout.isTTY === true);
    lines.push('', 'adminKey' in notice
      ? `Admin API key (shown only now, keep it safe): ${notice.adminKey}`
      : `Admin API key: saved in ${notice.adminKeyFile} (readable by this user only; not printed because the output is not a terminal). Copy it somewhere safe, then delete the file.`);
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
