import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { api, jsonOf, killSpawned, postJson, spawnServer, stopServer, type ServerProcess } from '../server-process.ts';

// A small fuzz of every write route with malformed bodies, against the server in its own process: an error
// thrown from a stream kills the process, which an in-process server (the test runner catches it) would hide.

const ID = '00000000-0000-4000-8000-000000000000';
const jsonText = JSON.stringify({ name: 'fuzz', labels: ['a', 'b'] });

/** [what, content-type, content-encoding, body]: each is wrong in one way a client or an attacker could send. */
const MALFORMED: [string, string, string | undefined, Buffer][] = [
  ['multipart cut inside a file part', 'multipart/form-data; boundary=b', undefined, Buffer.from('--b\r\nContent-Disposition: form-data; name="a"; filename="a.png"\r\nContent-Type: image/png\r\n\r\nabcdef')],
  ['multipart cut inside part headers', 'multipart/form-data; boundary=b', undefined, Buffer.from('--b\r\nContent-Disposition: form-da')],
  ['multipart without a boundary', 'multipart/form-data', undefined, Buffer.from('--b\r\n\r\n')],
  ['gzip multipart cut inside a file part', 'multipart/form-data; boundary=b', 'gzip', gzipSync('--b\r\nContent-Disposition: form-data; name="a"; filename="a.png"\r\n\r\nxyz')],
  ['not gzip at all', 'application/json', 'gzip', Buffer.from('not gzip')],
  ['gzip cut in half', 'application/json', 'gzip', gzipSync(jsonText).subarray(0, 12)],
  ['gzip with trailing garbage', 'application/json', 'gzip', Buffer.concat([gzipSync(jsonText), Buffer.from('garbage')])],
  ['JSON cut short', 'application/json', undefined, Buffer.from('{"name": "fu')],
  ['JSON that is not an object', 'application/json', undefined, Buffer.from('[1, 2, 3]')],
  ['empty JSON body', 'application/json', undefined, Buffer.alloc(0)],
  ['JSON sent as an image', 'image/png', undefined, Buffer.from(jsonText)],
  ['random bytes as a JPEG', 'image/jpeg', undefined, Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7919) % 256))],
  ['random bytes as WAV', 'audio/wav', undefined, Buffer.from('RIFF\xff\xff\xff\xffWAVEfmt ', 'latin1')],
  ['random bytes as a tar archive', 'application/x-tar', undefined, Buffer.alloc(1024, 0x41)],
  ['an unknown content type', 'application/x-unknown', undefined, Buffer.from('x')],
  ['CSV with unbalanced quotes', 'text/csv', undefined, Buffer.from('label,x\n"a,1\n')],
];

let server: ServerProcess;
let adminKey: string;
let workerKey: string;
let dataDir: string;
let projectId: string;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'offgrid-fuzz-'));
  server = await spawnServer(dataDir);
  adminKey = server.adminKey!;
  projectId = (await postJson<{ id: string }>(server, adminKey, '/projects', { name: 'fuzz', labels: ['a', 'b'] })).id;
  workerKey = (await postJson<{ apiKey: string }>(server, adminKey, '/keys', { scope: 'worker', name: 'fuzz-worker' })).apiKey;
});
after(async () => {
  if (server.process.exitCode === null) await stopServer(server);
  killSpawned();
  rmSync(dataDir, { recursive: true, force: true });
});

/** [method, path, whether it declares a request body, the key that may call it (worker routes take worker keys only)]. */
async function writeRoutes(): Promise<[string, string, boolean, string][]> {
  const document = await jsonOf<{ paths: Record<string, Record<string, { requestBody?: unknown; tags?: string[] }>> }>(await fetch(`${server.baseUrl}/api/docs/json`));
  return Object.entries(document.paths).flatMap(([path, operations]) => Object.entries(operations)
    .filter(([method]) => ['post', 'put', 'patch', 'delete'].includes(method))
    .map(([method, operation]): [string, string, boolean, string] => [method.toUpperCase(), path, operation.requestBody !== undefined, operation.tags?.includes('workers') ? workerKey : adminKey]));
}

/** The fixture project, or for deleting a project a fresh one each time (the fuzz must not delete what later cases use). */
async function target(method: string, path: string): Promise<string> {
  const project = method === 'DELETE' && path.endsWith('/projects/{projectId}')
    ? (await postJson<{ id: string }>(server, adminKey, '/projects', { name: 'doomed', labels: ['a', 'b'] })).id
    : projectId;
  return path.replace('{projectId}', project).replace(/\{\w+\}/g, ID);
}

async function alive(what: string): Promise<void> {
  assert.equal(server.process.exitCode, null, `the server process exited after ${what}`);
  assert.equal((await fetch(`${server.baseUrl}/api/v1/health`)).status, 200, `health after ${what}`);
}

test('every write route answers 4xx to every malformed body, and the server lives on', async () => {
  const routes = await writeRoutes();
  assert.ok(routes.length >= 8, `write routes: ${routes.map(([m, p]) => `${m} ${p}`).join(', ')}`);
  assert.ok(routes.filter(([, , , key]) => key === workerKey).length >= 4, 'the worker routes are in the document and fuzzed with a worker key');
  const wrong: string[] = [];
  for (const [method, route, takesBody, key] of routes) {
    for (const [what, contentType, encoding, body] of MALFORMED) {
      const path = await target(method, route);
      const name = `${what} → ${method} ${path}`;
      const answer = await fetch(`${server.baseUrl}${path}`, {
        method, body, headers: { authorization: `Bearer ${key}`, 'content-type': contentType, ...(encoding ? { 'content-encoding': encoding } : {}) },
      }).catch((error: Error) => error);
      await alive(name);
      // Well-formed JSON sent to a route that takes no body (deleting a project) is ignored, not an error.
      const ignorable = !takesBody && what === 'JSON that is not an object';
      if (answer instanceof Error) wrong.push(`${name}: ${answer.message}`);
      // 401/403 would mean the body was never looked at: every route gets a key it accepts.
      else if ((answer.status < 400 && !ignorable) || answer.status >= 500 || answer.status === 401 || answer.status === 403) wrong.push(`${name}: ${answer.status} ${(await answer.text()).slice(0, 200)}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('a client that hangs up mid-body (declared length never arrives) costs only its own request', async () => {
  const { port, hostname } = new URL(server.baseUrl);
  for (const contentType of ['multipart/form-data; boundary=b', 'image/jpeg', 'application/json', 'application/x-tar']) {
    const path = contentType === 'application/x-tar' ? '/api/v1/projects/import' : `/api/v1/projects/${projectId}/samples?label=a`;
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(`POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${adminKey}\r\nContent-Type: ${contentType}\r\nContent-Length: 100000\r\n\r\n--b\r\nContent-Disposition: form-data; name="a"; filename="x"\r\n\r\nabc`);
        setTimeout(() => socket.destroy(), 100);
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    await alive(`a hang-up while sending ${contentType}`);
  }
  const samples = await jsonOf<{ samples: unknown[] }>(await api(server, adminKey, `/projects/${projectId}/samples`));
  assert.deepEqual(samples.samples, [], 'nothing half-sent was stored');
});

test('a huge path or a huge invalid value is not echoed back whole', async () => {
  const long = 'x'.repeat(8000);
  const notFound = await fetch(`${server.baseUrl}/${long}`);
  assert.equal(notFound.status, 404);
  assert.ok((await notFound.text()).length < 400);
  const invalid = await api(server, adminKey, '/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'n', labels: ['a', 'b'], modality: long }) });
  assert.equal(invalid.status, 400);
  assert.ok((await invalid.text()).length < 600);
});
