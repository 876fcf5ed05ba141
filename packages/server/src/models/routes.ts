import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { OffgridError } from '../errors.ts';
import { idParam, modelSchema } from '../schemas.ts';

export async function modelRoutes(app: FastifyInstance, { projects, models, blobs }: ServerContext): Promise<void> {
  app.get<{ Params: { projectId: string } }>('/projects/:projectId/models', {
    schema: {
      params: { type: 'object', properties: { projectId: idParam } },
      response: { 200: { type: 'object', required: ['models'], properties: { models: { type: 'array', items: modelSchema } } } },
    },
  }, async (request) => ({ models: models.list(projects.get(request.params.projectId).id) }));

  app.get<{ Params: { modelId: string } }>('/models/:modelId', {
    schema: { params: { type: 'object', properties: { modelId: idParam } }, response: { 200: modelSchema } },
  }, async (request) => models.get(request.params.modelId));

  app.get<{ Params: { modelId: string }; Querystring: { variant: string } }>('/models/:modelId/download', {
    schema: {
      params: { type: 'object', properties: { modelId: idParam } },
      querystring: { type: 'object', properties: { variant: { type: 'string', enum: ['float32', 'int8', 'float16'], default: 'float32' } } },
    },
  }, async (request, reply) => {
    const model = models.get(request.params.modelId);
    const artifact = model.artifacts.find((a) => a.variant === request.query.variant);
    if (!artifact) {
      throw new OffgridError('NOT_FOUND', `Model ${model.id} has no ${request.query.variant} file; available: ${model.artifacts.map((a) => a.variant).join(', ')}.`);
    }
    const etag = `"${artifact.sha256}"`;
    reply.header('etag', etag).header('x-checksum-sha256', artifact.sha256).header('cache-control', 'private, max-age=0, must-revalidate');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply
      .type('application/octet-stream')
      .header('content-disposition', `attachment; filename="model-v${model.version}-${artifact.variant}.tflite"`)
      .send(await blobs.get(artifact.sha256));
  });
}
