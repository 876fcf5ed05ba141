import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.ts';
import { idParam } from '../schemas.ts';
import type { WireTypeProvider } from '../http/wire-types.ts';

export const keySchema = {
  type: 'object',
  required: ['id', 'scope', 'name', 'createdAt'],
  properties: {
    id: { type: 'string' }, scope: { type: 'string', enum: ['admin', 'device', 'worker'] }, name: { type: 'string' },
    createdAt: { type: 'string' }, lastUsedAt: { type: 'string' }, revokedAt: { type: 'string' },
    projectIds: { type: 'array', items: { type: 'string' }, description: 'Device keys: the projects the key may reach; worker keys: none. Absent on admin keys, which reach every project.' },
  },
} as const;

/** Admin-only key management: see which phones hold keys, when each was last used, and revoke a lost one. */
export async function keyRoutes(untyped: FastifyInstance, context: ServerContext): Promise<void> {
  const { keys } = context;
  const app = untyped.withTypeProvider<WireTypeProvider>();
  app.get('/keys', {
    config: { access: 'admin' },
    schema: {
      operationId: 'listKeys', summary: 'List API keys (admin)', tags: ['keys'],
      response: { 200: { type: 'object', required: ['keys'], properties: { keys: { type: 'array', items: keySchema } } } },
    },
  }, async () => ({ keys: keys.list() }));

  // Phones get device keys by pairing; this makes the keys a person hands out: one per worker machine (so a lost
  // machine is revoked alone), or another admin key (so the first can be retired).
  app.post('/keys', {
    config: { access: 'admin' },
    schema: {
      operationId: 'createKey', summary: 'Create a worker or admin key (admin); the secret is returned only in this answer', tags: ['keys'],
      body: {
        type: 'object', required: ['scope', 'name'], additionalProperties: false,
        properties: {
          scope: { type: 'string', enum: ['worker', 'admin'], description: 'worker: for `offgrid worker` on another machine. Device keys come from pairing.' },
          name: { type: 'string', minLength: 1, maxLength: 100, description: 'Which machine or person holds it, shown in the key list.' },
        },
      },
      response: { 201: { type: 'object', required: ['apiKey', 'key'], properties: { apiKey: { type: 'string' }, key: keySchema } } },
    },
  }, async (request, reply) => {
    const { apiKey, record } = keys.create(request.body.scope, request.body.name);
    return reply.code(201).send({ apiKey, key: keys.get(record.id) });
  });

  app.post('/keys/:keyId/revoke', {
    config: { access: 'admin' },
    schema: {
      operationId: 'revokeKey', summary: 'Revoke an API key (admin); its next request gets 401, and a worker key loses its Redis user and connections at once', tags: ['keys'],
      params: { type: 'object', required: ['keyId'], properties: { keyId: idParam } }, response: { 200: keySchema },
    },
  }, async (request) => {
    const revoked = keys.revoke(request.params.keyId);
    // A worker key also loses its Redis user, live connections included. Redis being away does not undo the
    // revocation (done above): the coordinator deletes the user when it reconnects.
    if (revoked.scope === 'worker') {
      await context.coordinator?.revokeWorker(revoked.id).catch((error: Error) => request.log.warn({ err: error }, `worker key ${revoked.id} revoked; its Redis user goes when Redis answers: ${error.message}`));
    }
    return revoked;
  });

  app.put('/keys/:keyId/projects', {
    config: { access: 'admin' },
    schema: {
      operationId: 'setKeyProjects', summary: "Set the projects a device key may reach (admin)", tags: ['keys'],
      params: { type: 'object', required: ['keyId'], properties: { keyId: idParam } },
      body: { type: 'object', required: ['projectIds'], additionalProperties: false, properties: { projectIds: { type: 'array', maxItems: 1000, items: idParam } } },
      response: { 200: keySchema },
    },
  }, async (request) => keys.setProjects(request.params.keyId, request.body.projectIds));
}
