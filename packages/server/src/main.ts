/**
 * The server's own entry point: `node --import tsx packages/server/src/main.ts [--port 8000] [--data dir] …`
 * (options in config.ts). Prints one JSON line `{"offgrid":"listening",…}` on stdout once it listens (the
 * durability test and the load bench wait for it); logs are pino JSON lines. SIGTERM/SIGINT close gracefully.
 */
import { ConfigError, resolveConfig, serveOptionsOf } from './config.ts';
import { startServer } from './serve.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = resolveConfig(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof ConfigError) && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') !== true) throw error;
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  const server = await startServer(serveOptionsOf(config));
  process.stdout.write(`${JSON.stringify({
    offgrid: 'listening', urls: server.urls, port: server.port, pid: process.pid, caFingerprint: server.caFingerprint,
    adminKey: server.adminKey, pairingUrl: server.pairingUrl,
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
