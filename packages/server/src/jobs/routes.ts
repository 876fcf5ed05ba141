import type { FastifyInstance } from 'fastify';
import { NORMAL_LABEL } from '@offgrid/features';
import type { ServerContext } from '../context.ts';
import { OffgridError } from '../errors.ts';
import { idParam, jobSchema } from '../schemas.ts';
import type { WireTypeProvider } from '../http/wire-types.ts';
import { isWebSocketUpgrade, offeredProtocols, WS_KEY_PREFIX, WS_PROTOCOL } from '../auth/require-key.ts';
import { FINAL_STATUSES, type Job, type JobStore, type TrainRequest } from './job-store.ts';
import type { JobRunner } from './job-runner.ts';
import type { ApiKeyRecord } from '../auth/keys.ts';

const MIN_SAMPLES_PER_LABEL = 2;
const DEFAULT_REQUEST: TrainRequest = { budgetSeconds: 120, seed: 0 };
const jobParams = { type: 'object', required: ['jobId'], properties: { jobId: idParam } } as const;

export async function jobRoutes(untyped: FastifyInstance, { projects, samples, jobStore, jobs }: ServerContext): Promise<void> {
  const app = untyped.withTypeProvider<WireTypeProvider>();
  app.post('/projects/:projectId/train', {
    config: { access: 'device' },
    schema: {
      operationId: 'startTraining', summary: "Snapshot the project's samples and queue a training job", tags: ['jobs'],
      params: { type: 'object', required: ['projectId'], properties: { projectId: idParam } },
      description: 'The job searches model families and hyperparameters (TPE + ASHA) for budgetSeconds, retrains the winner, quantizes it to int8 and evaluates both files on a held-out test split; the result is a model version with its report.',
      body: {
        type: 'object', additionalProperties: false,
        properties: {
          budgetSeconds: { type: 'number', minimum: 10, maximum: 24 * 3600, default: DEFAULT_REQUEST.budgetSeconds, description: 'Wall-clock budget of the whole job, seconds (default 2 min).' },
          seed: { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1, default: 0, description: 'Same seed + same snapshot = same split and search.' },
          objective: { type: 'string', enum: ['float32', 'int8'], description: 'Rank trials by the validation accuracy of their float32 model (default) or of their int8 file (slower: every trial is quantized).' },
          maxInt8Kb: { type: 'number', minimum: 1, maximum: 1024 * 1024, description: 'Largest int8 .tflite file the phone takes, KiB; trials over it never win.' },
          maxMacs: { type: 'number', minimum: 1, description: 'Most multiply-accumulates per inference (a latency proxy); trials over it never win.' },
        },
      },
      response: { 202: jobSchema },
    },
  }, async (request, reply) => {
    const project = projects.get(request.params.projectId);
    // An anomaly model learns from its normal data; samples of the other labels (known anomalies) are optional.
    const needed = project.task === 'anomaly' ? [NORMAL_LABEL] : project.labels;
    const short = needed.filter((label) => (project.sampleCounts[label] ?? 0) < MIN_SAMPLES_PER_LABEL);
    if (short.length > 0) {
      const what = project.modality === 'image' ? 'images' : `${project.modality} samples`;
      const which = project.task === 'anomaly' ? `the label "${NORMAL_LABEL}"` : 'each label';
      throw new OffgridError('NOT_ENOUGH_DATA', `Capture at least ${MIN_SAMPLES_PER_LABEL} ${what} of ${which} before training; too few for: ${short.join(', ')}.`);
    }
    const { objective, maxInt8Kb, maxMacs } = request.body ?? {};
    if (project.task === 'anomaly' && (objective === 'int8' || maxInt8Kb !== undefined || maxMacs !== undefined)) {
      throw new OffgridError('VALIDATION', 'objective, maxInt8Kb and maxMacs apply to classifiers; an anomaly detector has one model and a calibrated threshold. Leave them out.');
    }
    checkJobCaps(jobStore, request.apiKey);
    const job = jobStore.create(project.id, project.labels, samples.idsOf(project.id), { ...DEFAULT_REQUEST, ...request.body }, request.apiKey?.id);
    jobs.kick();
    return reply.code(202).send(job);
  });

  app.get('/projects/:projectId/jobs', {
    config: { access: 'device' },
    schema: {
      operationId: 'listJobs', summary: "A project's training jobs, newest first", tags: ['jobs'],
      description: 'With active=true only queued and running jobs: an app that was closed or reloaded during training finds its job here and watches it again.',
      params: { type: 'object', required: ['projectId'], properties: { projectId: idParam } },
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          active: { type: 'boolean', default: false, description: 'Only queued and running jobs.' },
          limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
        },
      },
      response: { 200: { type: 'object', required: ['jobs'], properties: { jobs: { type: 'array', items: jobSchema } } } },
    },
  }, async (request) => ({ jobs: jobStore.listForProject(projects.get(request.params.projectId).id, request.query) }));

  app.get('/jobs/:jobId', {
    config: { access: 'device' },
    schema: { operationId: 'getJob', summary: 'A training job (poll)', tags: ['jobs'], params: jobParams, response: { 200: jobSchema } },
  }, async (request) => jobStore.get(request.params.jobId));

  app.post('/jobs/:jobId/cancel', {
    config: { access: 'device' },
    schema: { operationId: 'cancelJob', summary: 'Cancel a queued or running job', tags: ['jobs'], params: jobParams, response: { 200: jobSchema } },
  }, async (request) => jobs.cancel(request.params.jobId));

  // Server-Sent Events: the current state at once, then every change, closed after a final status.
  app.get('/jobs/:jobId/events', {
    config: { access: 'device' },
    schema: { operationId: 'jobEvents', summary: 'Live job progress as Server-Sent Events (event: job, data: Job JSON); closes after a final status', tags: ['jobs'], params: jobParams, produces: ['text/event-stream'] },
  }, async (request, reply) => {
    const first = jobStore.get(request.params.jobId);
    reply.hijack();
    const stream = reply.raw;
    stream.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const heartbeat = setInterval(() => stream.write(': keep-alive\n\n'), 15_000);
    const unwatch = watchJob(jobs, first, {
      send: (job) => stream.write(`event: job\ndata: ${JSON.stringify(job)}\n\n`),
      end: () => {
        clearInterval(heartbeat);
        stream.end();
      },
    });
    request.raw.on('close', unwatch);
  });

  // The same stream over a WebSocket: one text message (Job JSON) per change, closed (1000) after a final status.
  // Browsers cannot set Authorization on a WebSocket, so the key comes as the subprotocol "key.<apiKey>" (see require-key.ts).
  app.route<{ Params: { jobId: string } }>({
    method: 'GET',
    url: '/jobs/:jobId/socket',
    config: { access: 'device' },
    schema: {
      operationId: 'jobSocket', summary: 'Live job progress over a WebSocket (one Job JSON text message per change); closes after a final status', tags: ['jobs'], params: jobParams,
      description: `Upgrade with Sec-WebSocket-Protocol: "${WS_PROTOCOL}, ${WS_KEY_PREFIX}<apiKey>" (the server answers "${WS_PROTOCOL}"); Authorization: Bearer also works where the client can set it. Close codes: 1000 after a final status, 1001 when the server shuts down. A plain GET gets 426.`,
    },
    preHandler: async (request) => {
      if (!isWebSocketUpgrade(request)) return;
      if (!offeredProtocols(request).includes(WS_PROTOCOL)) {
        throw new OffgridError('VALIDATION', `Offer the WebSocket subprotocol "${WS_PROTOCOL}" (with "${WS_KEY_PREFIX}<apiKey>" when no Authorization header can be sent).`);
      }
      jobStore.get(request.params.jobId); // 404 before upgrading
    },
    handler: async () => {
      throw new OffgridError('UPGRADE_REQUIRED', `This endpoint is a WebSocket: connect with Upgrade: websocket and the subprotocol "${WS_PROTOCOL}". Without WebSockets, use GET /api/v1/jobs/<jobId>/events (Server-Sent Events).`, { upgrade: 'websocket' });
    },
    wsHandler: (socket, request) => {
      const heartbeat = setInterval(() => socket.ping(), 15_000);
      const unwatch = watchJob(jobs, jobStore.get(request.params.jobId), {
        send: (job) => socket.send(JSON.stringify(job)),
        end: (reason) => {
          clearInterval(heartbeat);
          if (reason === 'final') socket.close(1000, 'final status');
          else if (reason === 'closing') socket.close(1001, 'server shutting down');
        },
      });
      socket.on('close', () => {
        clearInterval(heartbeat);
        unwatch();
      });
    },
  });
}

/**
 * Sends the job's current state, then every change, and ends after a final status or when the server closes
 * (an open stream would hold the server open). Returns the function that stops watching (client went away).
 */
function watchJob(jobs: JobRunner, first: Job, sink: { send(job: Job): void; end(reason: 'final' | 'closing' | 'client'): void }): () => void {
  let done = false;
  const stop = (reason: 'final' | 'closing' | 'client') => {
    if (done) return;
    done = true;
    jobs.off('job', onJob);
    jobs.off('closing', onClosing);
    sink.end(reason);
  };
  const send = (job: Job) => {
    if (done) return;
    sink.send(job);
    if (FINAL_STATUSES.includes(job.status)) stop('final');
  };
  const onJob = (job: Job) => { if (job.id === first.id) send(job); };
  const onClosing = () => stop('closing');
  jobs.on('job', onJob);
  jobs.on('closing', onClosing);
  send(first);
  return () => stop('client');
}

/** Queued or running jobs one device key may have at once, and the whole server: one phone cannot fill the queue for days. */
export const JOB_CAPS = { perDeviceKey: 2, total: 8 } as const;

function checkJobCaps(jobStore: JobStore, key: ApiKeyRecord | undefined): void {
  if (key?.scope === 'device' && jobStore.countActive(key.id) >= JOB_CAPS.perDeviceKey) {
    throw new OffgridError('RATE_LIMITED', `This phone already has ${JOB_CAPS.perDeviceKey} training jobs queued or running. Wait for one to finish, or cancel one (POST /api/v1/jobs/{jobId}/cancel), then try again.`);
  }
  if (jobStore.countActive() >= JOB_CAPS.total) {
    throw new OffgridError('RATE_LIMITED', `The workstation already has ${JOB_CAPS.total} training jobs queued or running. Wait for one to finish, or cancel one, then try again.`);
  }
}
