import type { FastifyInstance } from 'fastify';
import { OffgridError } from '../errors.ts';
import type { ServerContext } from '../context.ts';
import { idParam } from '../schemas.ts';
import type { WireTypeProvider } from '../http/wire-types.ts';

export function pairingLink(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/$/, '')}/?pair=${encodeURIComponent(token)}`;
}

export async function pairingRoutes(untyped: FastifyInstance, context: ServerContext): Promise<void> {
  const app = untyped.withTypeProvider<WireTypeProvider>();
  const { keys } = context;
  app.post('/pairing/tokens', {
    config: { access: 'admin' },
    schema: {
      operationId: 'createPairingToken', summary: 'Create a one-time pairing link (admin)', tags: ['keys'],
      description: 'The device key the link buys reaches projectIds (default none) and the projects that phone creates; an admin can change it later (PUT /keys/{keyId}/projects).',
      body: { type: 'object', nullable: true, additionalProperties: false, properties: { projectIds: { type: 'array', maxItems: 1000, items: idParam } } },
      response: { 200: { type: 'object', required: ['token', 'url', 'expiresAt'], properties: { token: { type: 'string' }, url: { type: 'string' }, expiresAt: { type: 'string' } } } },
    },
  }, async (request) => {
    const projectIds = request.body?.projectIds ?? [];
    for (const projectId of projectIds) context.projects.get(projectId); // 404 for an unknown one, before a link is made
    const { token, expiresAt } = keys.createPairingToken(projectIds);
    // Read at request time: the public URL is known only once the server listens.
    return { token, url: pairingLink(context.publicUrl, token), expiresAt };
  });

  app.post('/pairing/exchange', {
    config: { access: 'public', limitPerAddress: true },
    schema: {
      operationId: 'exchangePairingToken', summary: 'Spend a pairing token on a device API key (no key needed)', tags: ['keys'],
      body: {
        type: 'object', required: ['token'], additionalProperties: false,
        properties: { token: { type: 'string', minLength: 1, maxLength: 200 }, deviceName: { type: 'string', maxLength: 100 } },
      },
      response: { 200: { type: 'object', required: ['apiKey', 'keyId', 'scope'], properties: { apiKey: { type: 'string' }, keyId: { type: 'string' }, scope: { type: 'string', enum: ['admin', 'device'] } } } },
    },
  }, async (request) => {
    const paired = keys.exchangePairingToken(request.body.token, request.body.deviceName ?? 'phone');
    if (!paired) throw new OffgridError('UNAUTHORIZED', 'This pairing link is unknown, already used or expired (links last 10 minutes). Ask for a new one on the workstation.');
    return { apiKey: paired.apiKey, keyId: paired.record.id, scope: 'device' as const }; // pairing always makes a device key
  });
}
