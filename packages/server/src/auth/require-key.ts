import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OffgridError } from '../errors.ts';
import type { ApiKeyRecord, KeyScope, KeyStore } from './keys.ts';
import { TokenBuckets, type RateLimitOptions } from './rate-limit.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Reachable without a key (health, readiness, pairing exchange); still rate-limited per address. */
    public?: boolean;
    /** Scope the key must have; any valid key when absent. */
    scope?: KeyScope;
  }
  interface FastifyRequest {
    apiKey?: ApiKeyRecord;
  }
}

/** Paths under /api that are documentation, not data: the OpenAPI page must open in a plain browser tab. */
export const DOCS_PREFIX = '/api/docs';

/** The WebSocket subprotocol the server speaks; the only one it ever echoes back. */
export const WS_PROTOCOL = 'offgrid.v1';
/** Browsers cannot set Authorization on a WebSocket: the key travels as the subprotocol `key.<apiKey>` (never in the URL, which lands in logs). */
export const WS_KEY_PREFIX = 'key.';

/** Whether this is a WebSocket upgrade request. */
export function isWebSocketUpgrade(request: FastifyRequest): boolean {
  return (request.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** The subprotocols a WebSocket client offered, in order. */
export function offeredProtocols(request: FastifyRequest): string[] {
  const header = request.headers['sec-websocket-protocol'];
  return (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map((p) => p.trim()).filter(Boolean);
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) return /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (!isWebSocketUpgrade(request)) return undefined;
  const offered = offeredProtocols(request).find((p) => p.startsWith(WS_KEY_PREFIX));
  return offered ? offered.slice(WS_KEY_PREFIX.length) || undefined : undefined;
}

function rateLimited(what: string, retryAfter: number, limits: { burst: number; perSecond: number }): OffgridError {
  return new OffgridError('RATE_LIMITED',
    `Too many requests ${what}: at most ${limits.perSecond} per second (bursts of ${limits.burst}). Wait ${retryAfter} s (Retry-After) and try again.`,
    { 'retry-after': String(retryAfter) });
}

/**
 * Every API route needs a valid key unless it opts out with `config: { public: true }`: secure by default.
 * Rate limits are per key, so 20 phones uploading at once do not share one budget; requests without a valid
 * key share a small per-address budget.
 */
export function requireApiKeys(app: FastifyInstance, keys: KeyStore, limits: RateLimitOptions | false): void {
  const byKey = limits && new TokenBuckets(limits.perKey);
  const byAddress = limits && new TokenBuckets(limits.perAddress);
  const limitAddress = (request: FastifyRequest) => {
    const wait = byAddress ? byAddress.take(request.ip) : 0;
    if (wait && limits) throw rateLimited('from this address without a valid API key', wait, limits.perAddress);
  };
  app.addHook('onRequest', async (request) => {
    // The app shell (HTML, JS, wasm) must load before a phone is paired; all data goes through /api.
    if (!request.url.startsWith('/api/') || request.url.startsWith(DOCS_PREFIX)) return;
    const config = request.routeOptions.config;
    if (config.public) {
      if (!request.url.startsWith('/api/v1/health') && !request.url.startsWith('/api/v1/ready')) limitAddress(request);
      return;
    }
    const key = bearerOf(request);
    if (!key) {
      limitAddress(request);
      throw new OffgridError('UNAUTHORIZED', isWebSocketUpgrade(request)
        ? `This WebSocket needs an API key: offer the subprotocols "${WS_PROTOCOL}, ${WS_KEY_PREFIX}<key>" (or send "Authorization: Bearer <key>"). Pair the device by opening the link that \`offgrid serve\` prints.`
        : 'This request needs an API key: send "Authorization: Bearer <key>". Pair the device by opening the link that `offgrid serve` prints.');
    }
    const record = keys.verify(key);
    if (!record) {
      limitAddress(request);
      throw new OffgridError('UNAUTHORIZED', 'The API key is unknown or revoked. Pair the device again.');
    }
    const wait = byKey ? byKey.take(record.id) : 0;
    if (wait && limits) throw rateLimited('with this API key', wait, limits.perKey);
    if (config.scope === 'admin' && record.scope !== 'admin') throw new OffgridError('FORBIDDEN', 'This action needs an admin key; device keys cannot do it.');
    request.apiKey = record;
  });
}
