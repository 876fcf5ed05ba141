import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { idParam, projectSchema } from '../schemas.ts';

export async function projectRoutes(app: FastifyInstance, { projects }: ServerContext): Promise<void> {
  app.get('/projects', {
    schema: { summary: 'List projects', tags: ['projects'], response: { 200: { type: 'object', required: ['projects'], properties: { projects: { type: 'array', items: projectSchema } } } } },
  }, async () => ({ projects: projects.list() }));

  app.post<{ Body: { name: string; labels: string[] } }>('/projects', {
    schema: {
      summary: 'Create a project with its labels', tags: ['projects'],
      body: {
        type: 'object', required: ['name', 'labels'], additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 100 },
          labels: { type: 'array', minItems: 2, maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 64 } },
        },
      },
      response: { 201: projectSchema },
    },
  }, async (request, reply) => reply.code(201).send(projects.create(request.body.name, request.body.labels)));

  app.get<{ Params: { projectId: string } }>('/projects/:projectId', {
    schema: { summary: 'One project with its sample counts and active model', tags: ['projects'], params: { type: 'object', properties: { projectId: idParam } }, response: { 200: projectSchema } },
  }, async (request) => projects.get(request.params.projectId));
}
