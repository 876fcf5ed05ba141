import type { RouteOptions } from 'fastify';
import { errorSchema } from '../schemas.ts';

/** Routes that can answer 409 (a conflict with what is stored), by `METHOD url`. */
const CONFLICT_ROUTES = new Set([
  'POST /api/v1/keys/:keyId/revoke', 'DELETE /api/v1/models/:modelId', 'POST /api/v1/projects/import',
  'POST /api/v1/projects/:projectId/labels', 'POST /api/v1/projects/:projectId/labels/rename',
  // Federated rounds: one at a time per project, a full or closed round, a stale or second update, copying another task's model.
  'POST /api/v1/projects/:projectId/federated/rounds', 'POST /api/v1/federated/rounds/:roundId/join', 'POST /api/v1/federated/rounds/:roundId/update',
  'GET /api/v1/federated/rounds/:roundId/candidate', 'POST /api/v1/federated/rounds/:roundId/evaluation', 'POST /api/v1/projects/:projectId/models/copy',
  'POST /api/v1/projects/:projectId/privacy',
]);
/** Other statuses only one route gives. */
const SPECIAL_STATUSES: Record<string, number[]> = {
  'GET /api/v1/models/:modelId/download': [416],
  'GET /api/v1/jobs/:jobId/socket': [426],
};
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * The `{ error: { code, message } }` answers a route can give, declared in its schema so the OpenAPI document
 * (and the SDK generated from it) has them: 400 and 500 everywhere; 401 and 429 behind the key check (public
 * routes that could be used for guessing are rate-limited per address too); 403 on admin routes; 404 with a path
 * parameter; 413/415 where a body is parsed; 409/416/426 where those routes give them. Statuses a route
 * declares itself (ready's 503) are kept.
 */
export function errorStatusesOf(route: Pick<RouteOptions, 'method' | 'url' | 'config'>, method: string): number[] {
  const { access, limitPerAddress } = route.config ?? {};
  const id = `${method} ${route.url}`;
  const statuses = [400, 500];
  if (access !== 'public') statuses.push(401, 429);
  else if (limitPerAddress) statuses.push(429);
  // 403: a device key on an admin route, or on a project outside its scope (require-key.ts).
  if (access === 'admin' || /:(projectId|jobId|modelId|roundId)\b/.test(route.url)) statuses.push(403);
  if (route.url.includes('/:')) statuses.push(404);
  if (WITH_BODY.has(method)) statuses.push(413, 415);
  if (CONFLICT_ROUTES.has(id)) statuses.push(409);
  statuses.push(...(SPECIAL_STATUSES[id] ?? []));
  return statuses.sort((a, b) => a - b);
}

/** onRoute hook body: adds the error responses to an /api/v1 route's schema (documentation; the error handler sends the bodies). */
export function declareErrorResponses(route: RouteOptions): void {
  if (!route.url.startsWith('/api/v1/') || !route.schema || (route.schema as { hide?: boolean }).hide) return;
  const method = (Array.isArray(route.method) ? route.method[0] : route.method).toUpperCase();
  const response = { ...(route.schema.response as Record<string, unknown> | undefined) };
  // A route that produces something else (SSE, HTML, a tar) still answers errors as JSON: say so per status,
  // or the document would list the error under the route's own media type.
  const produces = (route.schema as { produces?: string[] }).produces;
  const declared = produces ? { description: 'Error', content: { 'application/json': { schema: errorSchema } } } : errorSchema;
  for (const status of errorStatusesOf(route, method)) response[status] ??= declared;
  route.schema = { ...route.schema, response };
}
