import type { FastifyInstance } from 'fastify';
import { OffgridError, shorten } from '../errors.ts';

const ALLOWED_HEADERS = 'authorization, content-type, content-encoding, idempotency-key, x-checksum-sha256, range, if-none-match, if-range';
const EXPOSED_HEADERS = 'etag, x-checksum-sha256, content-range, accept-ranges, retry-after, content-disposition';

/**
 * CORS for the served app's own origins only (plus any configured ones, e.g. a dev server). The app is
 * same-origin, so this mostly matters as a refusal: a page on another origin gets no
 * Access-Control-Allow-Origin, so a browser will not let it read the API even with a stolen key.
 * `origins` is read per request because the server's URLs are known only once it listens.
 */
export function corsForOrigins(app: FastifyInstance, origins: () => Iterable<string>): void {
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (!origin) return;
    const allowed = new Set(origins()).has(origin);
    const preflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (allowed) {
      reply.header('access-control-allow-origin', origin).header('vary', 'Origin').header('access-control-expose-headers', EXPOSED_HEADERS);
    }
    if (!preflight) return;
    if (!allowed) throw new OffgridError('FORBIDDEN', `Origin ${shorten(origin)} may not call this API. Open the app from this server instead, or add the origin to the server's corsOrigins setting.`);
    return reply.code(204)
      .header('access-control-allow-methods', 'GET, HEAD, POST, PUT, DELETE')
      .header('access-control-allow-headers', ALLOWED_HEADERS)
      .header('access-control-max-age', '600')
      .send();
  });
}
