import type { FastifyInstance } from 'fastify';
import type { WireTypeProvider } from '../http/wire-types.ts';
import type { ServerContext } from '../context.ts';
import { OffgridError } from '../errors.ts';
import type { TrialProgress } from '@offgrid/engine';
import { resultFromWire, type WireResult } from './trial-wire.ts';
import type { Coordinator } from './coordinator.ts';

/** Trial ids are made by the coordinator (`<run>-<n>`); anything else names no trial. */
const trialParams = { type: 'object', required: ['trialId'], properties: { trialId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,100}$' } } } as const;
const wantedSchema = { type: 'object', required: ['wanted'], properties: { wanted: { type: 'boolean', description: 'false: the search no longer wants this trial (pruned, cancelled or past the deadline): stop training it.' } } } as const;
const commitSchema = { type: 'object', required: ['outcome'], properties: { outcome: { type: 'string', enum: ['counted', 'duplicate', 'unwanted'], description: 'counted now; duplicate: counted before (this delivery is ignored); unwanted: the search stopped waiting for it.' } } } as const;
const workerName = { type: 'string', maxLength: 200, description: 'The machine that ran it, for the coordinator\'s view.' } as const;
/** Results carry one float32 model (base64) and its validation report: far under this. */
const RESULT_LIMIT = 256 * 1024 * 1024;
const CHECKPOINT_LIMIT = 512 * 1024 * 1024;

/**
 * What `offgrid worker` processes call, with a worker key only (see keyMayCall): the queue's connection, the
 * inputs of queued trials, and the trials' checkpoints, progress and results. Nothing here reaches a project.
 */
export async function workerRoutes(untyped: FastifyInstance, context: ServerContext): Promise<void> {
  const app = untyped.withTypeProvider<WireTypeProvider>();
  const coordinator = () => coordinatorOf(context);
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: CHECKPOINT_LIMIT }, (_request, body, done) => done(null, body));

  app.get('/worker/queue', {
    config: { access: 'worker' },
    schema: {
      operationId: 'getWorkerQueue', summary: 'The queue workers pull trials from (worker key); its Redis password never has to be typed on a worker', tags: ['workers'],
      response: { 200: { type: 'object', required: ['redisUrl', 'queueName'], properties: { redisUrl: { type: 'string' }, queueName: { type: 'string' } } } },
    },
    // Each call creates (or refreshes) this key's own Redis user: a worker calls again when Redis refuses its login.
  }, async (request) => coordinator().workerQueue(request.apiKey!.id));

  app.post('/worker/heartbeat', {
    config: { access: 'worker' },
    schema: {
      operationId: 'sendWorkerHeartbeat', summary: 'A worker is alive, and what it offers (worker key); /ready lists it', tags: ['workers'],
      body: {
        type: 'object', required: ['name', 'cores', 'concurrency', 'accelerator'], additionalProperties: false,
        properties: { name: workerName, cores: { type: 'integer', minimum: 1, maximum: 4096 }, concurrency: { type: 'integer', minimum: 1, maximum: 64 }, accelerator: { type: 'string', maxLength: 100 }, acceleratorReason: { type: 'string', maxLength: 1000 } },
      },
      response: { 204: { type: 'null' } },
    },
  }, async (request, reply) => {
    coordinator().board.heartbeat(request.body);
    return reply.code(204).send(null); // the 204 schema says null; Fastify sends no body for a 204 either way
  });

  app.get('/worker/inputs/:sha256', {
    config: { access: 'worker' },
    schema: {
      operationId: 'getTrialInput', summary: 'A queued trial\'s input (its samples), by sha256 (worker key); check the digest before use', tags: ['workers'],
      params: { type: 'object', required: ['sha256'], properties: { sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } } },
    },
  }, async (request, reply) => {
    const { board, inputs } = coordinator();
    if (!board.mayRead(request.params.sha256)) throw new OffgridError('NOT_FOUND', `No queued trial needs the input ${request.params.sha256}: it belongs to a finished search, or to an earlier run of the coordinator.`);
    return reply.type('application/octet-stream').send(await inputs.get(request.params.sha256));
  });

  await trialRoutes(untyped, context);
}

/** A queued trial's life as its worker reports it: checkpoints to resume from, progress, and its outcome. */
async function trialRoutes(untyped: FastifyInstance, context: ServerContext): Promise<void> {
  const app = untyped.withTypeProvider<WireTypeProvider>();
  const coordinator = () => coordinatorOf(context);
  app.get('/worker/trials/:trialId/checkpoint', {
    config: { access: 'worker' },
    schema: { operationId: 'getTrialCheckpoint', summary: 'The newest checkpoint of a trial, to resume it (worker key); 204 when it starts from scratch', tags: ['workers'], params: trialParams },
  }, async (request, reply) => {
    const checkpoint = coordinator().board.latestCheckpoint(request.params.trialId);
    if (!checkpoint) return reply.code(204).send();
    return reply.type('application/octet-stream').header('x-offgrid-epoch', String(checkpoint.epoch)).header('x-offgrid-optimizer-step', String(checkpoint.optimizerStep)).send(Buffer.from(checkpoint.bytes));
  });

  app.put<{ Params: { trialId: string }; Querystring: { epoch: number; optimizerStep: number }; Body: Buffer }>('/worker/trials/:trialId/checkpoint', {
    config: { access: 'worker' },
    bodyLimit: CHECKPOINT_LIMIT,
    schema: {
      operationId: 'putTrialCheckpoint', summary: 'Store a trial\'s checkpoint after an epoch (worker key; body: the checkpoint bytes)', tags: ['workers'], params: trialParams,
      querystring: { type: 'object', required: ['epoch', 'optimizerStep'], properties: { epoch: { type: 'integer', minimum: 1 }, optimizerStep: { type: 'integer', minimum: 0 } } },
      response: { 200: wantedSchema },
    },
  }, async (request) => {
    if (!Buffer.isBuffer(request.body) || request.body.length === 0) throw new OffgridError('VALIDATION', 'Send the checkpoint bytes as the body, with Content-Type: application/octet-stream.');
    const { epoch, optimizerStep } = request.query;
    return { wanted: coordinator().board.checkpoint(request.params.trialId, { epoch, optimizerStep, bytes: new Uint8Array(request.body) }) };
  });

  // The engine's TrialProgress and the wire result are only sketched in the schema (the worker and the coordinator
  // run the same code): their types come from the engine, not from the schema.
  app.post<{ Params: { trialId: string }; Body: { worker?: string; progress: TrialProgress } }>('/worker/trials/:trialId/progress', {
    config: { access: 'worker' },
    schema: {
      operationId: 'reportTrialProgress', summary: 'Report a running trial\'s progress (worker key)', tags: ['workers'], params: trialParams,
      body: { type: 'object', required: ['progress'], properties: { worker: workerName, progress: { type: 'object', additionalProperties: true } } },
      response: { 200: wantedSchema },
    },
  }, async (request) => ({ wanted: coordinator().board.progress(request.params.trialId, request.body.progress, request.body.worker) }));

  app.post<{ Params: { trialId: string }; Body: { worker?: string; result: WireResult } }>('/worker/trials/:trialId/result', {
    config: { access: 'worker' },
    bodyLimit: RESULT_LIMIT,
    schema: {
      operationId: 'reportTrialResult', summary: 'Deliver a trial\'s result (worker key); counted once however often it is delivered', tags: ['workers'], params: trialParams,
      body: {
        type: 'object', required: ['result'],
        properties: {
          worker: workerName,
          result: { type: 'object', required: ['tflite', 'inputShape', 'epochs', 'history', 'validationIndices', 'metrics'], additionalProperties: true, properties: { tflite: { type: 'string', contentEncoding: 'base64' } } },
        },
      },
      response: { 200: commitSchema },
    },
  }, async (request) => ({ outcome: coordinator().board.commit(request.params.trialId, resultFromWire(request.body.result), request.body.worker) }));

  app.post('/worker/trials/:trialId/failure', {
    config: { access: 'worker' },
    schema: {
      operationId: 'reportTrialFailure', summary: 'Deliver a trial\'s training error (worker key); it is the trial\'s outcome, not retried', tags: ['workers'], params: trialParams,
      body: { type: 'object', required: ['message'], properties: { worker: workerName, message: { type: 'string', maxLength: 10_000 } } },
      response: { 200: commitSchema },
    },
  }, async (request) => ({ outcome: coordinator().board.fail(request.params.trialId, `${request.body.message} (on ${request.body.worker ?? 'a worker'})`, request.body.worker) }));
}

function coordinatorOf(context: ServerContext): Coordinator {
  if (!context.coordinator) throw new OffgridError('CONFLICT', 'This server is not a coordinator: start it with `offgrid serve --queue redis://:<password>@<LAN address>:6379` (or "queue" in its config file) before starting workers.');
  return context.coordinator;
}
