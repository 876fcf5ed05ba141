import type { FastifyInstance } from 'fastify';
import { NORMAL_LABEL } from '@offgrid/features';
import type { ServerContext } from '../context.ts';
import { OffgridError } from '../errors.ts';
import { idParam, jobSchema } from '../schemas.ts';
import type { WireTypeProvider } from '../http/wire-types.ts';
import type { JobStore, TrainRequest } from './job-store.ts';
import { jobLiveRoutes, jobParams } from './live-routes.ts';
import type { ApiKeyRecord } from '../auth/keys.ts';

const MIN_SAMPLES_PER_LABEL = 2;
const DEFAULT_REQUEST: TrainRequest = { budgetSeconds: 120, seed: 0 };

export async function jobRoutes(untyped: FastifyInstance, context: ServerContext): Promise<void> {
  const app = untyped.withTypeProvider<WireTypeProvider>();
  const { projects, samples, jobStore, jobs } = context;
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
          backbone: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', maxLength: 100, description: 'Image projects: the pretrained backbone whose transfer head (trained on its embeddings of the photos) competes in the search when embedding them fits the budget: mobilenet-v2-nsfwjs (the default, built in), an imported one by name, or "none" to search from-scratch families only.' },
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

  await jobLiveRoutes(untyped, context);
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
