import type { FastifyInstance } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { VERSION } from '../version.ts';
import { DOCS_CSP } from './security-headers.ts';
import { DOCS_PREFIX, registerPublicPlugin } from '../auth/require-key.ts';

/**
 * The OpenAPI document is generated from the route schemas (the one source for validation, docs and the SDK),
 * served at /api/docs/json, with a browsable page at /api/docs. Swagger UI's files ship inside the npm
 * package, so the page works with no internet. Must be registered before the routes (it collects them).
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Offgrid LAN server', version: VERSION,
        description: 'Offline AutoML for phones. Every /api/v1 route needs "Authorization: Bearer <apiKey>" except health, ready and pairing exchange. Errors: { error: { code: "OFFGRID_ERR_*", message } }.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from pairing (device) or printed at first start (admin).' } } },
      security: [{ apiKey: [] }],
    },
    // Public routes say so in the document too.
    transform: ({ schema, url, route }) => {
      const transformed = { ...(schema ?? {}) } as Record<string, unknown>;
      if (route.config?.access === 'public') transformed.security = [];
      return { schema: transformed as typeof schema, url };
    },
  });
  await registerPublicPlugin(app, fastifySwaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { docExpansion: 'list', deepLinking: false }, validatorUrl: false, staticCSP: DOCS_CSP });
}
