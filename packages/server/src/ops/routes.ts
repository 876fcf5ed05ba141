import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { errorBody } from '../errors.ts';
import { workerInfoSchema } from '../schemas.ts';
import { VERSION } from '../version.ts';

interface Check {
  ok: boolean;
  error?: string;
}

const checkSchema = { type: 'object', required: ['ok'], properties: { ok: { type: 'boolean' }, error: { type: 'string' } } } as const;
const readySchema = {
  type: 'object', required: ['ready', 'checks', 'accelerator'],
  properties: {
    ready: { type: 'boolean' },
    checks: { type: 'object', required: ['database', 'blobs'], properties: { database: checkSchema, blobs: checkSchema } },
    accelerator: {
      type: 'object', required: ['backend', 'reason'], description: 'What this machine\'s trials train on, chosen once at start-up (`--accelerator`), and why: the adapter and its measured speed-up, or why not WebGPU.',
      properties: { backend: { type: 'string', enum: ['wasm', 'webgpu'] }, reason: { type: 'string' }, adapter: { type: 'string' }, speedup: { type: 'number' } },
    },
    error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } }, description: 'Only when not ready.' },
    workers: {
      type: 'array', description: 'Only on a coordinator (`--queue`): the machines working its queue, heard from in the last 30 s, with the trials each runs now.',
      items: {
        type: 'object', required: [...workerInfoSchema.required, 'trials'],
        properties: { ...workerInfoSchema.properties, trials: { type: 'array', items: { type: 'string' } } },
      },
    },
  },
} as const;

async function check(probe: () => unknown): Promise<Check> {
  try {
    await probe();
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** How long one readiness probe answers for: `/ready` needs no key, so a flood of calls costs at most one probe (two fsyncs) per this. */
const READY_PROBE_TTL_MS = 1000;

/**
 * Runs `probe` at most once per `ttlMs`: callers while it runs share it, callers within `ttlMs` of its end get its
 * result. The time counts from the end, so a slow disk never has two probes running at once.
 */
function sharedProbe<T>(probe: () => Promise<T>, ttlMs: number): () => Promise<T> {
  let latest: { result: Promise<T>; settledAt?: number } | undefined;
  return function cachedProbe() {
    if (latest && (latest.settledAt === undefined || performance.now() - latest.settledAt < ttlMs)) return latest.result;
    const current: { result: Promise<T>; settledAt?: number } = { result: probe() };
    current.result = current.result.finally(() => (current.settledAt = performance.now()));
    latest = current;
    return current.result;
  };
}

/** Liveness (the process answers) and readiness (it can actually store what phones send). */
export async function opsRoutes(app: FastifyInstance, context: ServerContext): Promise<void> {
  const { db, blobs } = context;
  app.get('/health', {
    config: { access: 'public' },
    schema: { operationId: 'health', summary: 'Liveness: the process answers (no key needed)', tags: ['operations'], response: { 200: { type: 'object', required: ['ok', 'version'], properties: { ok: { type: 'boolean' }, version: { type: 'string' } } } } },
  }, async () => ({ ok: true, version: VERSION }));

  const probe = db.prepare("INSERT INTO meta (key, value) VALUES ('ready-probe', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
  const probeChecks = sharedProbe(async () => ({
    database: await check(() => probe.run(new Date().toISOString())), blobs: await check(() => blobs.probeWritable()),
  }), READY_PROBE_TTL_MS);
  app.get('/ready', {
    config: { access: 'public' },
    schema: { operationId: 'ready', summary: 'Readiness: the database and the blob folder accept writes (no key needed)', tags: ['operations'], response: { 200: readySchema, 503: readySchema } },
  }, async (_request, reply) => {
    const checks = await probeChecks();
    const failed = Object.entries(checks).filter(([, c]) => !c.ok).map(([name, c]) => `${name}: ${c.error}`);
    const { backend, reason, adapter, speedup } = context.accelerator;
    const shown = { accelerator: { backend, reason, ...(adapter ? { adapter } : {}), ...(speedup !== undefined ? { speedup } : {}) }, ...(context.coordinator ? { workers: context.coordinator.board.connectedWorkers() } : {}) };
    if (failed.length === 0) return { ready: true, checks, ...shown };
    return reply.code(503).send({
      ready: false, checks, ...shown,
      ...errorBody('NOT_READY', `The server cannot store data (${failed.join('; ')}). Check the data directory's disk space and permissions.`),
    });
  });
}
