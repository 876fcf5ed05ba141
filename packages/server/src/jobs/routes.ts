import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { OffgridError } from '../errors.ts';
import { idParam, jobSchema } from '../schemas.ts';
import { FINAL_STATUSES, type Job, type TrainRequest } from './job-store.ts';

const MIN_SAMPLES_PER_LABEL = 2;
const jobParams = { type: 'object', properties: { jobId: idParam } } as const;

export async function jobRoutes(app: FastifyInstance, { projects, samples, jobStore, jobs }: ServerContext): Promise<void> {
  app.post<{ Params: { projectId: string }; Body: TrainRequest }>('/projects/:projectId/train', {
    schema: {
      summary: "Snapshot the project's samples and queue a training job", tags: ['jobs'],
      params: { type: 'object', properties: { projectId: idParam } },
      body: {
        type: 'object', required: ['budgetSeconds'], additionalProperties: false,
        properties: {
          budgetSeconds: { type: 'number', minimum: 5, maximum: 24 * 3600 },
          epochs: { type: 'integer', minimum: 1, maximum: 1000 },
          batchSize: { type: 'integer', minimum: 1, maximum: 1024 },
          validationSplit: { type: 'number', minimum: 0, maximum: 0.5 },
        },
      },
      response: { 202: jobSchema },
    },
  }, async (request, reply) => {
    const project = projects.get(request.params.projectId);
    const short = project.labels.filter((label) => project.sampleCounts[label] < MIN_SAMPLES_PER_LABEL);
    if (short.length > 0) {
      throw new OffgridError('NOT_ENOUGH_DATA', `Capture at least ${MIN_SAMPLES_PER_LABEL} images of each label before training; too few for: ${short.join(', ')}.`);
    }
    const job = jobStore.create(project.id, project.labels, samples.idsOf(project.id), request.body);
    jobs.kick();
    return reply.code(202).send(job);
  });

  app.get<{ Params: { jobId: string } }>('/jobs/:jobId', {
    schema: { summary: 'A training job (poll)', tags: ['jobs'], params: jobParams, response: { 200: jobSchema } },
  }, async (request) => jobStore.get(request.params.jobId));

  app.post<{ Params: { jobId: string } }>('/jobs/:jobId/cancel', {
    schema: { summary: 'Cancel a queued or running job', tags: ['jobs'], params: jobParams, response: { 200: jobSchema } },
  }, async (request) => jobs.cancel(request.params.jobId));

  // Server-Sent Events: the current state at once, then every change, closed after a final status.
  app.get<{ Params: { jobId: string } }>('/jobs/:jobId/events', {
    schema: { summary: 'Live job progress as Server-Sent Events (event: job, data: Job JSON); closes after a final status', tags: ['jobs'], params: jobParams, produces: ['text/event-stream'] },
  }, async (request, reply) => {
    const first = jobStore.get(request.params.jobId);
    reply.hijack();
    const stream = reply.raw;
    stream.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const send = (job: Job) => {
      stream.write(`event: job\ndata: ${JSON.stringify(job)}\n\n`);
      if (FINAL_STATUSES.includes(job.status)) close();
    };
    const onJob = (job: Job) => { if (job.id === first.id) send(job); };
    const heartbeat = setInterval(() => stream.write(': keep-alive\n\n'), 15_000);
    const close = () => {
      clearInterval(heartbeat);
      jobs.off('job', onJob);
      jobs.off('closing', close);
      stream.end();
    };
    jobs.on('job', onJob);
    // On shutdown the stream ends (clients reconnect or poll); an open stream would hold the server open.
    jobs.on('closing', close);
    request.raw.on('close', close);
    send(first);
  });
}
