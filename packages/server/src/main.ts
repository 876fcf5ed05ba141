/**
 * The server's own entry point: `node --import tsx packages/server/src/main.ts [--port 8000] [--data dir] …`
 * (options in config.ts). Prints one JSON line `{"offgrid":"listening",…}` on stdout once it listens (the
 * durability test and the load bench wait for it); logs are pino JSON lines. On a data directory's first start the
 * line has `adminKey` when stdout is a terminal, else `adminKeyFile` (see admin-key.ts). SIGTERM/SIGINT close gracefully.
 */
import { ConfigError, resolveConfig, serveOptionsOf } from './config.ts';
import { startServer } from './serve.ts';
import { announceAdminKey } from './admin-key.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = resolveConfig(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof ConfigError) && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') !== true) throw error;
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  const options = serveOptionsOf(config);
  const server = await startServer(options);
  // Logs share stdout: unless it is a terminal the key goes to a private file and the line carries its path (adminKeyFile).
  const adminKey = server.adminKey ? announceAdminKey(options.dataDir, server.adminKey, process.stdout.isTTY === true) : {};
  process.stdout.write(`${JSON.stringify({
    offgrid: 'listening', urls: server.urls, port: server.port, pid: process.pid, caFingerprint: server.caFingerprint,
    ...adminKey, pairingUrl: server.pairingUrl, accelerator: server.accelerator,
  })}\n`);
  const stop = async (signal: string) => {
    server.app.log.info({ signal }, 'closing: finishing in-flight requests');
    await server.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

await main();
