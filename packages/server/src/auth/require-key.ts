import type { FastifyInstance, FastifyPluginAsync, FastifyPluginCallback, FastifyRequest } from 'fastify';
import { OffgridError } from '../errors.ts';
import type { ApiKeyRecord, KeyScope, KeyStore } from './keys.ts';
import { TokenBuckets, type RateLimitOptions } from './rate-limit.ts';

/** Who may call a route: anyone (`public`), or a key of that scope. An admin key may call every route. */
export type RouteAccess = 'public' | KeyScope;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route. A route that declares nothing is closed to everyone (default-deny). */
    access?: RouteAccess;
    /** A public route that can be used to guess secrets (the pairing exchange): rate-limited per address. */
    limitPerAddress?: boolean;
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

/** Whether a key may reach a project: admin keys reach all, device keys the ones in their scope. */
export function keyReaches(key: ApiKeyRecord | undefined, projectId: string): boolean {
  return key !== undefined && (key.projectIds === undefined || key.projectIds.includes(projectId));
}

/** The project a request's path parameters name, directly (:projectId) or through what belongs to it (:jobId, :modelId). */
export type ProjectOfParams = (params: Record<string, string | undefined>) => string | undefined;

/**
 * Whether a key of `scope` may call a route open to `access`. Admin keys call every route except the worker
 * routes: those hand out the queue's Redis password and take trial results, and only a key made for a worker
 * machine (revocable on its own when that machine is lost) may do that. Worker keys call only worker routes.
 */
export function keyMayCall(scope: KeyScope, access: RouteAccess): boolean {
  if (access === 'public' || scope === access) return true;
  return scope === 'admin' && access !== 'worker';
}

/** Why a key of `scope` is refused on a route open to `access`, and what to use instead. */
function refusal(scope: KeyScope, access: RouteAccess): string {
  if (access === 'worker') return `This route is for \`offgrid worker\` processes and needs a worker key; a ${scope} key cannot call it. An admin creates one with \`offgrid keys create --scope worker --name <machine>\` (POST /api/v1/keys).`;
  if (scope === 'worker') return 'A worker key only takes queued training work (the /api/v1/worker routes); use an admin or device key for this.';
  return access === 'admin' ? 'This action needs an admin key; device keys cannot do it.' : `This action needs a ${access} key; a ${scope} key cannot do it.`;
}

/**
 * Authorization is decided by the route the router matched (its `config.access` and its path parameters), never by the request's URL:
 * the router decodes `/%61pi/…`, absolute-form targets and other spellings into the same route, so a string
 * test on `request.url` can be walked around. A route that declares no access is closed (default-deny), and
 * the rate limits are keyed the same way: per key, or per address for requests without a valid key.
 */
export function requireApiKeys(app: FastifyInstance, keys: KeyStore, limits: RateLimitOptions | false, projectOf: ProjectOfParams): void {
  const byKey = limits && new TokenBuckets(limits.perKey);
  const byAddress = limits && new TokenBuckets(limits.perAddress);
  const limitAddress = (request: FastifyRequest) => {
    const wait = byAddress ? byAddress.take(request.ip) : 0;
    if (wait && limits) throw rateLimited('from this address without a valid API key', wait, limits.perAddress);
  };
  app.addHook('onRequest', async (request) => {
    // No route matched: the not-found handler answers 404 and reveals nothing the public OpenAPI document does not.
    if (request.is404) return;
    const { access, limitPerAddress } = request.routeOptions.config;
    if (access === 'public') {
      if (limitPerAddress) limitAddress(request);
      return;
    }
    if (access === undefined) {
      throw new OffgridError('FORBIDDEN', `The route ${request.method} ${request.routeOptions.url} declares no access level, so it is closed to everyone. Did you forget \`config: { access }\` on it?`);
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
    if (!keyMayCall(record.scope, access)) {
      throw new OffgridError('FORBIDDEN', refusal(record.scope, access));
    }
    // Params are known once the router matched, before the body is read: an upload to another project is refused unread.
    const projectId = projectOf(request.params as Record<string, string | undefined>);
    if (projectId !== undefined && !keyReaches(record, projectId)) {
      throw new OffgridError('FORBIDDEN', `This device key was not given the project ${projectId}. Ask the workstation's admin to share it (PUT /api/v1/keys/${record.id}/projects) or to pair this phone for it.`);
    }
    request.apiKey = record;
  });
}

/**
 * Registers a third-party plugin (static files, the docs page) whose routes are all public: they carry no
 * `config.access` of their own, so they would otherwise be closed by default-deny. Encapsulated, so the mark
 * reaches only that plugin's routes.
 */
export async function registerPublicPlugin<Options extends object>(app: FastifyInstance, plugin: FastifyPluginAsync<Options> | FastifyPluginCallback<Options>, options: Options): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => { route.config = { ...route.config, access: 'public' }; });
    await scope.register(plugin, options);
  });
}
