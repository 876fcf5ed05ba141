import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { idParam, modelSchema, projectSchema } from '../schemas.ts';
import type { WireTypeProvider } from '../http/wire-types.ts';
import { modelFileRoutes, modelParams } from './file-routes.ts';

export async function modelRoutes(untyped: FastifyInstance, context: ServerContext): Promise<void> {
  const app = untyped.withTypeProvider<WireTypeProvider>();
  const { projects, models, blobs } = context;
  app.get('/projects/:projectId/models', {
    config: { access: 'device' },
    schema: {
      operationId: 'listModels', summary: "List a project's model versions, newest first", tags: ['models'],
      params: { type: 'object', required: ['projectId'], properties: { projectId: idParam } },
      response: { 200: { type: 'object', required: ['models'], properties: { models: { type: 'array', items: modelSchema } } } },
    },
  }, async (request) => ({ models: models.list(projects.get(request.params.projectId).id) }));

  app.get('/models/:modelId', {
    config: { access: 'device' },
    schema: { operationId: 'getModel', summary: 'One model version', tags: ['models'], params: modelParams, response: { 200: modelSchema } },
  }, async (request) => models.get(request.params.modelId));

  app.post('/models/:modelId/activate', {
    config: { access: 'device' },
    schema: {
      operationId: 'activateModel', summary: "Make this version the project's active model (rollback = activate an older one)", tags: ['models'],
      description: 'With pin (the default) it stays active when new training results arrive; pin: false lets the next result take over.',
      params: modelParams,
      body: { type: 'object', additionalProperties: false, properties: { pin: { type: 'boolean', default: true } } },
      response: { 200: projectSchema },
    },
  }, async (request) => {
    const { projectId } = models.activate(request.params.modelId, request.body?.pin ?? true);
    return projects.get(projectId);
  });

  app.delete('/models/:modelId', {
    config: { access: 'device' },
    schema: { operationId: 'deleteModel', summary: 'Delete a version and its files (not the active one)', tags: ['models'], params: modelParams, response: { 204: { type: 'null' } } },
  }, async (request, reply) => {
    const { sha256s } = models.delete(request.params.modelId);
    for (const sha256 of sha256s) blobs.deleteIfUnreferenced(sha256, () => models.blobReferenced(sha256));
    return reply.code(204).send(null); // the 204 schema says null; Fastify sends no body for a 204 either way
  });

  await modelFileRoutes(untyped, context);
}
