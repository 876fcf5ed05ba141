import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Server as TlsServer } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { chooseAccelerator, type AcceleratorChoice, type AcceleratorRequest } from '@offgrid/engine/accelerator';
import { buildApp, type BuildOptions, type RegisteredRoute } from './app.ts';
import { ensureTls, lanAddresses, TLS_SERVER_OPTIONS } from './tls/certificates.ts';
import { pairingLink } from './auth/pairing-routes.ts';

export interface ServeOptions {
  dataDir: string;
  port: number;
  host: string;
  /** Plain HTTP; only for development behind an explicit flag (phones will not install the app without HTTPS). */
  insecureHttp?: boolean;
  appDir?: string;
  logger?: BuildOptions['logger'];
  pipeline?: BuildOptions['pipeline'];
  trainingConcurrency?: number;
  queue?: BuildOptions['queue'];
  queueTrials?: BuildOptions['queueTrials'];
  onTrial?: BuildOptions['onTrial'];
  rateLimits?: BuildOptions['rateLimits'];
  corsOrigins?: BuildOptions['corsOrigins'];
  /**
   * What this machine's trials train on: `auto` and `webgpu` run the self-test once, at start-up (chooseAccelerator:
   * gradients against cpu, a timed step against wasm); unset: wasm, without a self-test.
   */
  accelerator?: AcceleratorRequest;
  /** How often a running server re-checks its certificate (renewal, new address) and serves a re-issued one; default 12 h. */
  tlsCheckIntervalMs?: number;
}

export interface RunningServer {
  app: FastifyInstance;
  /** Every registered route (method, url, public, scope). */
  routes: RegisteredRoute[];
  /** URLs a phone on the LAN can open, best first. */
  urls: string[];
  port: number;
  caFingerprint?: string;
  /** TLS problems the user must act on (an unconstrained or expiring CA, addresses it does not cover): printed by `offgrid serve`. */
  tlsWarnings: string[];
  /** Printed once: only on the very first start of a data directory. */
  adminKey?: string;
  pairingUrl: string;
  pairingExpiresAt: string;
  /** What every search of this server trains on, and why. */
  accelerator: AcceleratorChoice;
  close(): Promise<void>;
}

/** Starts the product on its embedded defaults: SQLite + blob folder in `dataDir`, HTTPS from a local CA. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const scheme = options.insecureHttp ? 'http' : 'https';
  const tlsDir = join(options.dataDir, 'tls');
  // The self-test runs in its own process (seconds) while the certificates are checked.
  const choosing = options.accelerator ? chooseAccelerator(options.accelerator) : Promise.resolve(DEFAULT_ACCELERATOR);
  const tls = options.insecureHttp ? undefined : await ensureTls(tlsDir);
  const accelerator = await choosing;
  const hosts = options.host === '0.0.0.0' || options.host === '::' ? [...lanAddresses(), `${hostname()}.local`, 'localhost'] : [options.host];
  const { app, context, routes } = await buildApp({
    dataDir: options.dataDir, appDir: options.appDir, logger: options.logger, pipeline: options.pipeline,
    trainingConcurrency: options.trainingConcurrency, queue: options.queue, queueTrials: options.queueTrials, onTrial: options.onTrial,
    rateLimits: options.rateLimits, corsOrigins: options.corsOrigins, accelerator,
    // The port may be 0 (tests): the public URL is known only after listening.
    publicUrl: '', caCert: tls?.caCert, https: tls ? { ...TLS_SERVER_OPTIONS, key: tls.key, cert: tls.cert } : undefined,
  });
  await app.listen({ port: options.port, host: options.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const urls = hosts.map((host) => `${scheme}://${host}:${port}`);
  context.publicUrl = urls[0];
  context.origins = urls.map((url) => new URL(url).origin);

  const adminKey = context.keys.hasAdmin() ? undefined : context.keys.create('admin', 'workstation').apiKey;
  const pairing = context.keys.createPairingToken();
  context.jobs.start();
  for (const warning of tls?.warnings ?? []) app.log.warn({ tlsDir }, warning);
  app.log.info({ accelerator }, `training on ${accelerator.reason}`);
  const renewal = tls ? renewTlsWhileRunning(app, tlsDir, tls.cert, options.tlsCheckIntervalMs ?? 12 * 3600 * 1000) : undefined;
  return {
    app, routes, urls, port, adminKey, caFingerprint: tls?.caFingerprint, tlsWarnings: tls?.warnings ?? [],
    pairingUrl: pairingLink(context.publicUrl, pairing.token), pairingExpiresAt: pairing.expiresAt, accelerator,
    close: () => {
      clearInterval(renewal);
      return app.close();
    },
  };
}

const DEFAULT_ACCELERATOR: AcceleratorChoice = { backend: 'wasm', reason: 'wasm (the default)' };

/** A server left running for months outlives its 90-day certificate: re-check it now and then and serve a re-issued one without a restart. */
function renewTlsWhileRunning(app: FastifyInstance, tlsDir: string, served: string, intervalMs: number): NodeJS.Timeout {
  let checking = false;
  return setInterval(async () => {
    if (checking) return;
    checking = true;
    try {
      const tls = await ensureTls(tlsDir);
      if (tls.cert !== served) {
        (app.server as unknown as TlsServer).setSecureContext({ ...TLS_SERVER_OPTIONS, key: tls.key, cert: tls.cert });
        served = tls.cert;
        app.log.info({ tlsDir, notAfter: tls.leafNotAfter }, 'serving a re-issued server certificate');
        for (const warning of tls.warnings) app.log.warn({ tlsDir }, warning);
      }
    } catch (error) {
      app.log.error({ err: error, tlsDir }, 'could not renew the server certificate');
    } finally {
      checking = false;
    }
  }, intervalMs).unref();
}
