import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pathSpellings, rawRequest } from '../auth/raw-request.ts';
import { openSocket } from '../ws-client.ts';
import { securityFixture, type KeyKind, type SecurityFixture } from './test-fixture.ts';

// Every route of the OpenAPI document × every kind of key × every spelling of its path, with the status each
// must get. A new route falls under this test by existing; a spelling the router folds into a route must be
// exactly as closed as the canonical path.

let f: SecurityFixture;
before(async () => { f = await securityFixture(); });
after(async () => { await f.t.stop(); });

const KINDS: KeyKind[] = ['none', 'wrong', 'revoked', 'other device', 'device', 'worker', 'admin'];
/** Path parameters that tie a route to one project: the other phone's key must be refused there. */
const PROJECT_BOUND = /\{(projectId|jobId|modelId|roundId)\}/;

/** What a key of `kind` must get: a status, or 'allowed' (anything the handler says, but never 401 or 403). */
type Expected = 401 | 403 | 'allowed';

function expectedFor(access: string | undefined, path: string, kind: KeyKind): Expected {
  if (access === 'public') return 'allowed';
  if (kind === 'none' || kind === 'wrong' || kind === 'revoked') return 401;
  // Worker routes take worker keys only (not even admin: see docs/security.md); worker keys take nothing else.
  if (access === 'worker') return kind === 'worker' ? 'allowed' : 403;
  if (kind === 'worker') return 403;
  if (kind === 'admin') return 'allowed';
  if (access === 'admin') return 403;
  return kind === 'other device' && PROJECT_BOUND.test(path) ? 403 : 'allowed';
}

function matches(expected: Expected, status: number): boolean {
  return expected === 'allowed' ? status !== 401 && status !== 403 : status === expected;
}

async function documentedRoutes(): Promise<{ method: string; path: string; access?: string }[]> {
  const document = await (await fetch(`${f.t.baseUrl}/api/docs/json`)).json() as { paths: Record<string, Record<string, unknown>> };
  const registered = new Map(f.t.server.routes.map((route) => [`${route.method} ${route.url}`, route.access]));
  return Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => {
    const id = `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`;
    assert.ok(registered.has(id), `${id} is documented but not registered`);
    return { method: method.toUpperCase(), path, access: registered.get(id) };
  }));
}

test('the OpenAPI document lists every API route the server registered', async () => {
  const documented = new Set((await documentedRoutes()).map(({ method, path }) => `${method} ${path.replace(/\{(\w+)\}/g, ':$1')}`));
  const registered = f.t.server.routes.filter((route) => route.url.startsWith('/api/v1/') && route.method !== 'HEAD').map((route) => `${route.method} ${route.url}`);
  assert.deepEqual(registered.filter((id) => !documented.has(id)), [], 'registered but undocumented (hidden from this matrix)');
});

test('every route × every key × every path spelling gets the status its access rule says', async () => {
  const routes = await documentedRoutes();
  assert.ok(routes.length >= 25, `${routes.length} routes`);
  const { projectId, sampleId, jobId, modelId, keyId, roundId } = f.ids;
  // Deleting the fixture's project would leave nothing for the routes after it: each such request gets a project of its own.
  const disposable = async () => ((await (await f.t.api('/projects', { method: 'POST', key: f.keys.device, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'doomed', labels: ['a', 'b'] }) })).json()) as { id: string }).id;
  const wrong: string[] = [];
  const reached = new Set<string>();
  let requests = 0;
  for (const { method, path, access } of routes) {
    const destroysProject = method === 'DELETE' && path === '/api/v1/projects/{projectId}';
    const fill = (project: string) => path.replace('{projectId}', project).replace('{sampleId}', sampleId).replace('{jobId}', jobId).replace('{modelId}', modelId).replace('{keyId}', keyId).replace('{roundId}', roundId)
      .replace('{sha256}', '0'.repeat(64)).replace('{trialId}', 'run-1')
      + (path.endsWith('/download') ? '?variant=int8' : '');
    const body = ['POST', 'PUT', 'PATCH'].includes(method) ? '{}' : undefined;
    for (const spelling of Object.keys(pathSpellings(fill(projectId), f.t.baseUrl))) {
      const answers = new Map<KeyKind, { status: number; text: string; routed: boolean }>();
      for (const kind of KINDS) {
        const target = pathSpellings(fill(destroysProject ? await disposable() : projectId), f.t.baseUrl)[spelling];
        const headers: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
        if (kind !== 'none') headers.authorization = `Bearer ${f.keys[kind]}`;
        answers.set(kind, await rawRequest(f.t.baseUrl, method, target, { headers, body }).catch((error: Error) => ({ status: 0, text: error.message, routed: true })));
        requests++;
      }
      // Whether this spelling reaches the route at all: the admin key's answer is not the not-found handler's.
      const routed = answers.get('admin')!.routed;
      if (routed) reached.add(spelling);
      for (const kind of KINDS) {
        const { status, text } = answers.get(kind)!;
        const expected: Expected | 404 = routed ? expectedFor(access, path, kind) : 404;
        const ok = expected === 404 ? status === 404 : matches(expected, status);
        if (!ok) wrong.push(`${method} ${path} as ${spelling} with ${kind} key: expected ${expected}, got ${status} ${text.slice(0, 160)}`);
      }
    }
  }
  assert.deepEqual(wrong, [], `${wrong.length} of ${requests} requests got the wrong status`);
  for (const spelling of ['canonical', 'percent-encoded first letter', 'percent-encoded every letter', 'absolute-form']) {
    assert.ok(reached.has(spelling), `the router never folded "${spelling}" into a route: the matrix would prove nothing for it`);
  }
});

test('the job socket upgrades only for keys that reach the job', async () => {
  const url = `${f.t.baseUrl}/api/v1/jobs/${f.ids.jobId}/socket`;
  for (const kind of KINDS) {
    const protocols = kind === 'none' ? ['offgrid.v1'] : ['offgrid.v1', `key.${f.keys[kind]}`];
    const outcome = await openSocket(url, protocols);
    const expected = expectedFor('device', '/jobs/{jobId}/socket', kind);
    if (expected === 'allowed') assert.ok(outcome.opened, `${kind}: ${JSON.stringify(outcome)}`);
    else assert.equal(outcome.opened === false && outcome.status, expected, kind);
  }
});
