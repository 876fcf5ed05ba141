import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { OffgridError } from '../errors.ts';
import { idParam } from '../schemas.ts';
import type { WireTypeProvider } from '../http/wire-types.ts';
import { isWebSocketUpgrade, offeredProtocols, WS_KEY_PREFIX, WS_PROTOCOL } from '../auth/require-key.ts';
import { FINAL_STATUSES, type Job } from './job-store.ts';
import type { JobRunner } from './job-runner.ts';

export const jobParams = { type: 'object', required: ['jobId'], properties: { jobId: idParam } } as const;

/** A job's progress as it happens, over the two streaming transports (watchJob in the SDK tries them in turn). */
export async function jobLiveRoutes(untyped: FastifyInstance, { jobStore, jobs }: ServerContext): Promise<void> {
  const app = untyped.withTypeProvider<WireTypeProvider>();
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
