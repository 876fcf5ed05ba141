import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { idParam } from '../schemas.ts';

export const keySchema = {
  type: 'object',
  required: ['id', 'scope', 'name', 'createdAt'],
  properties: {
    id: { type: 'string' }, scope: { type: 'string', enum: ['admin', 'device'] }, name: { type: 'string' },
    createdAt: { type: 'string' }, lastUsedAt: { type: 'string' }, revokedAt: { type: 'string' },
    projectIds: { type: 'array', items: { type: 'string' }, description: 'Device keys: the projects the key may reach. Absent on admin keys, which reach every project.' },
  },
} as const;

/** Admin-only key management: see which phones hold keys, when each was last used, and revoke a lost one. */
export async function keyRoutes(app: FastifyInstance, { keys }: ServerContext): Promise<void> {
  app.get('/keys', {
    config: { access: 'admin' },
    schema: {
      summary: 'List API keys (admin)', tags: ['keys'],
      response: { 200: { type: 'object', required: ['keys'], properties: { keys: { type: 'array', items: keySchema } } } },
    },
  }, async () => ({ keys: keys.list() }));

  app.post<{ Params: { keyId: string } }>('/keys/:keyId/revoke', {
    config: { access: 'admin' },
    schema: {
      summary: 'Revoke an API key (admin); its next request gets 401', tags: ['keys'],
      params: { type: 'object', properties: { keyId: idParam } }, response: { 200: keySchema },
    },
  }, async (request) => keys.revoke(request.params.keyId));

  app.put<{ Params: { keyId: string }; Body: { projectIds: string[] } }>('/keys/:keyId/projects', {
    config: { access: 'admin' },
    schema: {
      summary: "Set the projects a device key may reach (admin)", tags: ['keys'],
      params: { type: 'object', properties: { keyId: idParam } },
      body: { type: 'object', required: ['projectIds'], additionalProperties: false, properties: { projectIds: { type: 'array', maxItems: 1000, items: idParam } } },
      response: { 200: keySchema },
    },
  }, async (request) => keys.setProjects(request.params.keyId, request.body.projectIds));
}
