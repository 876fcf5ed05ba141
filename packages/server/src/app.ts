import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TlsOptions } from 'node:tls';
import { fileURLToPath } from 'node:url';
import type { AcceleratorChoice } from '@offgrid/engine/accelerator';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import { openDatabase } from './storage/database.ts';
import { BlobStore } from './storage/blob-store.ts';
import { KeyStore } from './auth/keys.ts';
import { registerPublicPlugin, requireApiKeys, WS_PROTOCOL, type RouteAccess } from './auth/require-key.ts';
import { DEFAULT_RATE_LIMITS, type RateLimitOptions } from './auth/rate-limit.ts';
import { pairingRoutes } from './auth/pairing-routes.ts';
import { projectOfParams } from './auth/project-of-params.ts';
import { keyRoutes } from './auth/key-routes.ts';
import { ProjectStore } from './projects/project-store.ts';
import { projectRoutes } from './projects/routes.ts';
import { projectEditRoutes } from './projects/edit-routes.ts';
import { SampleStore } from './samples/sample-store.ts';
import { sampleRoutes } from './samples/routes.ts';
import { sampleReviewRoutes } from './samples/review-routes.ts';
import { Thumbnails } from './samples/thumbnails.ts';
import { JobStore } from './jobs/job-store.ts';
import { JobRunner, type SearchPipeline } from './jobs/job-runner.ts';
import { jobRoutes } from './jobs/routes.ts';
import { ModelStore } from './models/model-store.ts';
import { modelRoutes } from './models/routes.ts';
import { federatedRoutes, privacyRoutes } from './federated/routes.ts';
import { FederatedRounds } from './federated/rounds.ts';
import { RoundStore } from './federated/round-store.ts';
import { opsRoutes } from './ops/routes.ts';
import { workerRoutes } from './cluster/worker-routes.ts';
import type { TrialEvent } from './cluster/trial-board.ts';
import { corsForOrigins } from './http/cors.ts';
import { decompressBodies } from './http/decompress.ts';
import { registerOpenApi } from './http/openapi.ts';
import { securityHeaders } from './http/security-headers.ts';
import { declareErrorResponses } from './http/error-responses.ts';
import { withRedactedUrls } from './http/log-redaction.ts';
import { diskFullError, isDiskFull } from './storage/disk-full.ts';
import { errorBody, kindOfStatus, OffgridError, shorten } from './errors.ts';
import { VERSION } from './version.ts';
import type { ServerContext } from './context.ts';

export { VERSION };
export const DEFAULT_APP_DIR = fileURLToPath(new URL('../../app/dist', import.meta.url));

export interface BuildOptions {
  /** Holds offgrid.db, blobs/ and tls/. */
  dataDir: string;
  publicUrl: string;
  /** The built PWA; served at / when present. */
  appDir?: string;
  /** CA certificate (PEM) offered at /ca.crt for phones to trust once. */
  caCert?: string;
  /** Key, certificate and TLS settings (`TLS_SERVER_OPTIONS`) for Fastify's `https` option. */
  https?: TlsOptions & { key: string; cert: string };
  logger?: FastifyServerOptions['logger'];
  /** Training boundary: `@offgrid/pipeline`'s search unless a test swaps it. */
  pipeline?: SearchPipeline;
  /** Trials a job runs in parallel, one core each (default 1: the other core keeps the API responsive). */
  trainingConcurrency?: number;
  /**
   * redis://[:password@]host:port: this server becomes the coordinator of `offgrid worker`s on other machines
   * (trials are BullMQ jobs; this machine's own `trainingConcurrency` cores work the queue too). Unset: no Redis at all.
   */
  queue?: string;
  /** With `queue`: trials a search keeps in flight across all machines (default 4). */
  queueTrials?: number;
  /** With `queue`: which machine runs which trial, as it happens. */
  onTrial?: (event: TrialEvent) => void;
  /** Per-key and per-address request budgets; false turns them off. */
  rateLimits?: RateLimitOptions | false;
  /** Origins besides the server's own that may call the API from a browser (e.g. a Vite dev server). */
  corsOrigins?: string[];
  /** What this machine's trials train on (chosen once, by startServer's self-test); default wasm. */
  accelerator?: AcceleratorChoice;
}

/** One registered route, as collected by the onRoute hook (the auth test walks all of them). */
export interface RegisteredRoute {
  method: string;
  url: string;
  /** Who may call it (`config.access`); undefined means nobody (default-deny). */
  access?: RouteAccess;
  /** Upgrades to a WebSocket (the auth test also tries the upgrade). */
  websocket: boolean;
}

/** Builds the whole server without listening, so tests can `inject()` or listen on port 0. */
export async function buildApp(options: BuildOptions): Promise<{ app: FastifyInstance; context: ServerContext; routes: RegisteredRoute[] }> {
  // Redis errors can come before the app (and its logger) exists: the coordinator's log reads this when it writes.
  const logger: { app?: FastifyInstance } = {};
  const context = await openContext(options, logger);

  const app = Fastify({
    logger: withRedactedUrls(options.logger),
    https: options.https ?? null,
    // Graceful close: idle keep-alive sockets are closed, in-flight requests (an upload being written) finish.
    forceCloseConnections: 'idle',
    // What Fastify refuses before routing (a malformed URL) gets the same { error: { code, message } } body as the rest.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => sendError(error, request, reply, options.dataDir),
  } as FastifyServerOptions);

  logger.app = app;
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    declareErrorResponses(route);
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    // access is read when asked: plugins marked public (registerPublicPlugin) set it in a later onRoute hook.
    for (const method of methods) routes.push({ method, url: route.url, get access() { return route.config?.access; }, websocket: typeof (route as { wsHandler?: unknown }).wsHandler === 'function' || route.websocket === true });
  });

  app.setErrorHandler((error: FastifyError | OffgridError, request, reply) => sendError(error, request, reply, options.dataDir));
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(errorBody('NOT_FOUND', `No route ${request.method} ${shorten(request.url.split('?')[0])}. The API lives under /api/v1; its documentation under /api/docs.`));
  });
  let closing = false;
  securityHeaders(app, { https: options.https !== undefined });
  app.addHook('onSend', async (_request, reply) => {
    // While closing, answered requests release their socket at once instead of idling until the keep-alive timeout.
    if (closing) reply.header('connection', 'close');
  });
  // Registered before the key check: its onRequest hook marks upgrade requests, so a refused upgrade's socket is closed after the answer.
  await app.register(fastifyWebsocket, {
    // Only our own subprotocol is ever echoed back: never the "key.<apiKey>" one.
    options: { maxPayload: 64 * 1024, handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false) },
    // On close, open sockets get 1001 "going away" (job streams also end through the runner's 'closing' event).
    preClose(done) {
      for (const client of this.websocketServer.clients) client.close(1001, 'server shutting down');
      done();
    },
  });
  corsForOrigins(app, () => [...context.origins, ...(options.corsOrigins ?? [])]);
  requireApiKeys(app, context.keys, options.rateLimits ?? DEFAULT_RATE_LIMITS, projectOfParams(context.db));
  decompressBodies(app);
  await registerOpenApi(app);

  await app.register(async (api) => {
    for (const routes of [opsRoutes, pairingRoutes, keyRoutes, projectRoutes, projectEditRoutes, sampleRoutes, sampleReviewRoutes, jobRoutes, modelRoutes, federatedRoutes, privacyRoutes, workerRoutes]) await api.register(routes, context);
  }, { prefix: '/api/v1' });

  app.get('/ca.crt', { config: { access: 'public' }, schema: { hide: true } }, async (_request, reply) => {
    if (!options.caCert) throw new OffgridError('NOT_FOUND', 'This server runs without its own certificate authority.');
    return reply.type('application/x-x509-ca-cert').header('content-disposition', 'attachment; filename="offgrid-ca.crt"').send(options.caCert);
  });

  const appDir = options.appDir ?? DEFAULT_APP_DIR;
  if (existsSync(appDir)) {
    await registerPublicPlugin(app, fastifyStatic, { root: appDir, wildcard: true, decorateReply: false });
  }
  // Close order: live streams end first (so the server can close), in-flight requests finish, then the job
  // runner stops (its running job stays 'running' and is re-queued on the next start) and SQLite closes.
  app.addHook('preClose', async () => {
    closing = true;
    context.jobs.emit('closing');
  });
  app.addHook('onReady', async () => context.federated.rounds.start());
  app.addHook('onClose', async () => {
    context.federated.rounds.stop();
    await context.jobs.stop();
    await context.coordinator?.close();
    context.db.close();
  });
  return { app, context, routes };
}


/**
 * The server's state, apart from its HTTP wiring: the data folder, database and stores, the keys, and the job
 * runner (with the queue's coordinator under --queue). Closed by the app's onClose hook.
 */
async function openContext(options: BuildOptions, logger: { app?: FastifyInstance }): Promise<ServerContext> {
  // The server's user only: it holds what phones sent and the keys' hashes (chmod too: the folder may already exist).
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(options.dataDir, 0o700);
  const db = openDatabase(join(options.dataDir, 'offgrid.db'));
  const blobs = new BlobStore(join(options.dataDir, 'blobs'));
  blobs.makePrivate();
  // Before anything listens: what a crash left half-written goes now (a running write's temp file would be in use).
  blobs.removeInterruptedWrites();
  const samples = new SampleStore(db, blobs);
  const jobStore = new JobStore(db);
  const models = new ModelStore(db);
  const projects = new ProjectStore(db);
  const rounds = new RoundStore(db);
  const keys = new KeyStore(db);
  // Loaded only with --queue: the embedded default never loads BullMQ or needs Redis.
  const accelerator = options.accelerator ?? { backend: 'wasm', reason: 'wasm (the default)' };
  const coordinator = options.queue
    ? await (await import('./cluster/coordinator.ts')).startCoordinator({
      redisUrl: options.queue, inputsDir: join(options.dataDir, 'trial-inputs'), localConcurrency: options.trainingConcurrency ?? 1, accelerator,
      ...(options.onTrial ? { onTrial: options.onTrial } : {}),
      // Read at each decision: a key revoked a moment ago gets no Redis user back.
      isWorkerKeyActive: (keyId) => keys.isActive(keyId, 'worker'),
      // Redis errors can come before the app (and its logger) exists: they go to stderr until then.
      log: (level, message, error) => (logger.app ? logger.app.log[level]({ err: error }, message) : process.stderr.write(`${message}\n`)),
    }).catch((error: unknown) => { db.close(); throw error; })
    : undefined;
  const context: ServerContext = {
    db, blobs, samples, jobStore, models, projects, thumbnails: new Thumbnails(join(options.dataDir, 'thumbnails')),
    keys,
    jobs: new JobRunner({
      jobs: jobStore, samples, models, blobs, projects,
      workRoot: join(options.dataDir, 'jobs'), pipeline: options.pipeline, accelerator, dataDir: options.dataDir,
      // A coordinator keeps trials in flight for every machine; alone, one per core of this one.
      ...(coordinator ? { executor: coordinator.executor, concurrency: options.queueTrials ?? 4 } : { concurrency: options.trainingConcurrency ?? 1 }),
    }),
    federated: { store: rounds, rounds: new FederatedRounds({ rounds, models, blobs, log: (message) => logger.app?.log.info(message) }) },
    publicUrl: options.publicUrl,
    origins: options.publicUrl ? [new URL(options.publicUrl).origin] : [],
    accelerator,
    ...(coordinator ? { coordinator } : {}),
  };
  return context;
}

function sendError(error: FastifyError | OffgridError, _request: FastifyRequest, reply: FastifyReply, dataDir: string) {
  reply.type('application/json; charset=utf-8');
  // A full disk from any write (SQLite's SQLITE_FULL, ENOSPC/EDQUOT from a file) is the operator's to fix: say what to free.
  if (isDiskFull(error)) {
    reply.log.warn({ err: error }, 'disk full');
    error = diskFullError(dataDir);
  }
  if (error instanceof OffgridError) return reply.code(error.status).headers(error.headers).send(error.toBody());
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return reply.code(400).send(errorBody('VALIDATION', `Invalid request: ${shorten(fastifyError.message)}.`));
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return reply.code(413).send(errorBody('TOO_LARGE', 'The upload is too large. Images are limited to 10 MiB (after decompression); phones should downsample before uploading.'));
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return reply.code(415).send(errorBody('UNSUPPORTED_MEDIA_TYPE', `Unsupported Content-Type. Send JSON, an image (image/jpeg, image/png, image/webp) or multipart/form-data.`));
    case 'FST_ERR_BAD_URL':
      return reply.code(400).send(errorBody('REQUEST', `The URL cannot be read (${shorten(fastifyError.message)}). Percent-encode it: "%" is %25, a space %20.`));
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return reply.code(400).send(errorBody('VALIDATION', `Invalid request body: ${shorten(fastifyError.message)}.`));
  }
  const status = fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500 ? fastifyError.statusCode : 500;
  if (status === 500) reply.log.error(error);
  return reply.code(status).send(status === 500 ? errorBody('INTERNAL', 'Something went wrong on the server; details are in its log.') : errorBody(kindOfStatus(status), shorten(fastifyError.message)));
}
