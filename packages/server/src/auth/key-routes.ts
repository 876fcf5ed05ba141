import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { idParam } from '../schemas.ts';

export const keySchema = {
  type: 'object',
  required: ['id', 'scope', 'name', 'createdAt'],
  properties: {
    id: { type: 'string' }, scope: { type: 'string', enum: ['admin', 'device'] }, name: { type: 'string' },
    createdAt: { type: 'string' }, lastUsedAt: { type: 'string' }, revokedAt: { type: 'string' },
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
}
