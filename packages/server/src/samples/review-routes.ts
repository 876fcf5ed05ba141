import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { OffgridError } from '../errors.ts';
import { idParam, projectSchema } from '../schemas.ts';
import type { WireTypeProvider } from '../http/wire-types.ts';
import { deleteUnneededFiles, SampleEdits } from './sample-edits.ts';

const sampleParams = { type: 'object', required: ['projectId', 'sampleId'], properties: { projectId: idParam, sampleId: idParam } } as const;
const projectParams = { type: 'object', required: ['projectId'], properties: { projectId: idParam } } as const;
const sampleIds = { type: 'array', minItems: 1, maxItems: 1000, uniqueItems: true, items: idParam } as const;
const idList = { type: 'array', items: { type: 'string' } } as const;

/** Reviewing a project's data on the phone: see a sample (bytes or thumbnail), delete, restore, move, purge. */
export async function sampleReviewRoutes(untyped: FastifyInstance, { db, projects, samples, blobs, models, thumbnails }: ServerContext): Promise<void> {
  const app = untyped.withTypeProvider<WireTypeProvider>();
  const edits = new SampleEdits(db);
  const sampleOf = (projectId: string, sampleId: string) => {
    const [sample] = samples.listByIds([sampleId]);
    if (!sample || sample.projectId !== projects.get(projectId).id) throw new OffgridError('NOT_FOUND', `No sample ${sampleId} in project ${projectId}. List its samples with GET /api/v1/projects/${projectId}/samples.`);
    return sample;
  };

  app.get('/projects/:projectId/samples/:sampleId/content', {
    config: { access: 'device' },
    schema: { operationId: 'sampleContent', summary: 'A sample as stored: the image, WAV clip, motion or tabular JSON, or text (deleted samples too, for an undo)', tags: ['samples'], params: sampleParams, produces: ['image/jpeg', 'image/png', 'image/webp', 'audio/wav', 'application/json', 'text/plain'] },
  }, async (request, reply) => {
    const sample = sampleOf(request.params.projectId, request.params.sampleId);
    return reply.type(sample.mediaType).header('cache-control', 'private, max-age=31536000, immutable').send(await blobs.get(sample.sha256));
  });

  app.get('/projects/:projectId/samples/:sampleId/thumbnail', {
    config: { access: 'device' },
    schema: { operationId: 'sampleThumbnail', summary: 'A 96×96 JPEG of an image sample (made once, cached); other modalities: GET …/content', tags: ['samples'], params: sampleParams, produces: ['image/jpeg'] },
  }, async (request, reply) => {
    const sample = sampleOf(request.params.projectId, request.params.sampleId);
    if (!sample.mediaType.startsWith('image/')) throw new OffgridError('NOT_FOUND', `Sample ${sample.id} is ${sample.mediaType}, not an image: only images have thumbnails. Read it with GET …/content.`);
    return reply.type('image/jpeg').header('cache-control', 'private, max-age=31536000, immutable').send(await thumbnails.of(sample.sha256, () => blobs.get(sample.sha256)));
  });

  app.post('/projects/:projectId/samples/edits', {
    config: { access: 'device' },
    schema: {
      operationId: 'editSamples', summary: 'Delete, restore (undo a delete) or move selected samples to another label', tags: ['samples'],
      description: 'Deleted samples leave every list, count and future training snapshot at once, but keep their bytes, so "restore" undoes it; "purge" erases them. Each id is reported as changed, unchanged (already so, e.g. another phone did it first; or restoring into a label that was removed) or missing (not in this project).',
      params: projectParams,
      body: {
        type: 'object', required: ['sampleIds', 'action'], additionalProperties: false,
        properties: { sampleIds, action: { type: 'string', enum: ['delete', 'restore', 'relabel'] }, label: { type: 'string', description: 'With relabel: the label to move them to.' } },
      },
      response: { 200: { type: 'object', title: 'SampleEditResult', required: ['changed', 'unchanged', 'missing', 'project'], properties: { changed: idList, unchanged: idList, missing: idList, project: projectSchema } } },
    },
  }, async (request) => {
    const project = projects.get(request.params.projectId);
    const result = edits.edit(project, request.body.sampleIds, request.body.action, request.body.label);
    await samples.whenDurable();
    return { ...result, project: projects.get(project.id) };
  });

  app.post('/projects/:projectId/samples/purge', {
    config: { access: 'device' },
    schema: {
      operationId: 'purgeSamples', summary: 'Erase samples everywhere: rows, stored training snapshots and their bytes (for privacy); models trained on them are marked', tags: ['samples'],
      description: 'Cannot be undone. The bytes are deleted unless another sample or model file has the same content. Model versions trained on a snapshot that held one get purgedSamples: retrain to forget them.',
      params: projectParams,
      body: { type: 'object', required: ['sampleIds'], additionalProperties: false, properties: { sampleIds } },
      response: {
        200: {
          type: 'object', title: 'PurgeResult', required: ['purged', 'missing', 'filesDeleted', 'modelsMarked', 'project'],
          properties: { purged: idList, missing: idList, filesDeleted: { type: 'integer' }, modelsMarked: { type: 'integer' }, project: projectSchema },
        },
      },
    },
  }, async (request) => {
    const project = projects.get(request.params.projectId);
    const { purged, missing, sha256s, modelsMarked } = edits.purge(project, request.body.sampleIds);
    await samples.whenDurable();
    const filesDeleted = await deleteUnneededFiles({ blobs, models, thumbnails }, sha256s);
    return { purged, missing, filesDeleted, modelsMarked, project: projects.get(project.id) };
  });
}
