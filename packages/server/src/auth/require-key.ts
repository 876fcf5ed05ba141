import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OffgridError } from '../errors.ts';
import type { ApiKeyRecord, KeyScope, KeyStore } from './keys.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without a key (health, CA certificate, pairing exchange, the app's static files). */
    public?: boolean;
    /** Scope the key must have; any valid key when absent. */
    scope?: KeyScope;
  }
  interface FastifyRequest {
    apiKey?: ApiKeyRecord;
  }
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1];
}

/** Every API route needs a valid key unless it opts out with `config: { public: true }`: secure by default. */
export function requireApiKeys(app: FastifyInstance, keys: KeyStore): void {
  app.addHook('onRequest', async (request) => {
    // The app shell (HTML, JS, wasm) must load before a phone is paired; all data goes through /api.
    if (!request.url.startsWith('/api/')) return;
    const config = request.routeOptions.config;
    if (config.public) return;
    const key = bearerOf(request);
    if (!key) throw new OffgridError('UNAUTHORIZED', 'This request needs an API key: send "Authorization: Bearer <key>". Pair the device by opening the link that `offgrid serve` prints.');
    const record = keys.verify(key);
    if (!record) throw new OffgridError('UNAUTHORIZED', 'The API key is unknown or revoked. Pair the device again.');
    if (config.scope === 'admin' && record.scope !== 'admin') throw new OffgridError('FORBIDDEN', 'This action needs an admin key; device keys cannot do it.');
    request.apiKey = record;
  });
}
