import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openDatabase } from '../storage/database.ts';
import { MIGRATIONS } from '../storage/migrations.ts';
import { KeyStore } from './keys.ts';
import { securityFixture, type SecurityFixture } from '../security/test-fixture.ts';
import { jpegOf } from '../test-images.ts';
import { JOB_CAPS } from '../jobs/routes.ts';

// Regression: any paired phone could read every project and its samples, activate another project's model,
// cancel any job, and queue 200 day-long jobs in a second.

let f: SecurityFixture;
before(async () => { f = await securityFixture(); });
after(async () => { await f.t.stop(); });

const json = (key: string, method: string, path: string, body?: unknown) =>
  f.t.api(path, { method, key, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });

test("a phone sees only its own projects; another phone's project, job and model are refused", async () => {
  const { projectId, jobId, modelId } = f.ids;
  const other = f.keys['other device'];
  const listed = await (await json(other, 'GET', '/projects')).json() as { projects: { id: string }[] };
  assert.deepEqual(listed.projects.map((p) => p.id), [f.ids.otherProjectId]);
  const refused = [
    ['GET', `/projects/${projectId}`], ['GET', `/projects/${projectId}/samples`], ['GET', `/projects/${projectId}/models`],
    ['GET', `/projects/${projectId}/jobs`], ['POST', `/projects/${projectId}/train`], ['GET', `/jobs/${jobId}`], ['GET', `/jobs/${jobId}/events`],
    ['POST', `/jobs/${jobId}/cancel`], ['GET', `/models/${modelId}`], ['POST', `/models/${modelId}/activate`], ['DELETE', `/models/${modelId}`],
    ['GET', `/models/${modelId}/download?variant=int8`], ['GET', `/models/${modelId}/report`], ['GET', `/models/${modelId}/report.html`],
  ] as const;
  for (const [method, path] of refused) {
    const answer = await json(other, method, path, method === 'POST' ? {} : undefined);
    assert.equal(answer.status, 403, `${method} ${path}`);
    assert.match(((await answer.json()) as { error: { message: string } }).error.message, /was not given the project/);
  }
  const upload = await f.t.api(`/projects/${projectId}/samples?label=red`, { method: 'POST', key: other, headers: { 'content-type': 'image/jpeg' }, body: await jpegOf([1, 2, 3], 9) });
  assert.equal(upload.status, 403);
  const mine = await (await json(f.keys.device, 'GET', `/projects/${projectId}`)).json() as { sampleCounts: Record<string, number> };
  assert.deepEqual(mine.sampleCounts, { red: 2, blue: 2 }, 'nothing of the refused upload was stored');
});

test('an admin widens a phone\'s scope; a pairing link can carry projects; unknown projects are refused', async () => {
  const { projectId, otherProjectId } = f.ids;
  const visitor = await f.pair();
  assert.equal((await json(visitor.apiKey, 'GET', `/projects/${projectId}`)).status, 403);
  const widened = await json(f.keys.admin, 'PUT', `/keys/${visitor.keyId}/projects`, { projectIds: [projectId] });
  assert.deepEqual(((await widened.json()) as { projectIds: string[] }).projectIds, [projectId]);
  assert.equal((await json(visitor.apiKey, 'GET', `/projects/${projectId}`)).status, 200);
  assert.equal((await json(visitor.apiKey, 'PUT', `/keys/${visitor.keyId}/projects`, { projectIds: [otherProjectId] })).status, 403, 'a phone cannot widen itself');

  const invited = await f.pair([otherProjectId]);
  assert.equal((await json(invited.apiKey, 'GET', `/projects/${otherProjectId}/samples`)).status, 200);
  assert.equal((await json(invited.apiKey, 'GET', `/projects/${projectId}/samples`)).status, 403);
  const created = await (await json(invited.apiKey, 'POST', '/projects', { name: 'new', labels: ['x', 'y'] })).json() as { id: string };
  const listed = await (await json(invited.apiKey, 'GET', '/projects')).json() as { projects: { id: string }[] };
  assert.deepEqual(listed.projects.map((p) => p.id).sort(), [otherProjectId, created.id].sort(), 'the projects it was given and the one it created');

  const unknown = '00000000-0000-4000-8000-000000000000';
  assert.equal((await json(f.keys.admin, 'POST', '/pairing/tokens', { projectIds: [unknown] })).status, 404);
  assert.equal((await json(f.keys.admin, 'PUT', `/keys/${visitor.keyId}/projects`, { projectIds: [unknown] })).status, 404);
  const keys = await (await json(f.keys.admin, 'GET', '/keys')).json() as { keys: { id: string; scope: string; projectIds?: string[] }[] };
  assert.ok(keys.keys.filter((k) => k.scope === 'admin').every((k) => k.projectIds === undefined));
  assert.deepEqual(keys.keys.find((k) => k.id === visitor.keyId)?.projectIds, [projectId]);
});

test('a phone may have a few jobs queued or running, the server a few more; past that a clear 429', async () => {
  const phone = await f.pair([f.ids.projectId]);
  const started: string[] = [];
  const { projectId } = f.ids;
  for (let i = 0; i < JOB_CAPS.perDeviceKey; i++) {
    const answer = await json(phone.apiKey, 'POST', `/projects/${projectId}/train`, { budgetSeconds: 86_400 });
    assert.equal(answer.status, 202);
    started.push(((await answer.json()) as { id: string }).id);
  }
  const refused = await json(phone.apiKey, 'POST', `/projects/${projectId}/train`, { budgetSeconds: 86_400 });
  assert.deepEqual([refused.status, await refused.json()], [429, { error: {
    code: 'OFFGRID_ERR_RATE_LIMITED',
    message: `This phone already has ${JOB_CAPS.perDeviceKey} training jobs queued or running. Wait for one to finish, or cancel one (POST /api/v1/jobs/{jobId}/cancel), then try again.`,
  } }]);
  // The admin is not capped per key, but the server is.
  for (let i = started.length; i < JOB_CAPS.total; i++) started.push(((await (await json(f.keys.admin, 'POST', `/projects/${projectId}/train`, { budgetSeconds: 86_400 })).json()) as { id: string }).id);
  const full = await json(f.keys.admin, 'POST', `/projects/${projectId}/train`, { budgetSeconds: 86_400 });
  assert.equal(full.status, 429);
  for (const jobId of started) assert.equal((await json(f.keys.admin, 'POST', `/jobs/${jobId}/cancel`)).status, 200);
  assert.equal((await json(phone.apiKey, 'POST', `/projects/${projectId}/train`, { budgetSeconds: 10 })).status, 202, 'cancelled jobs free their place');
});

test('phones paired before project scopes keep every project that existed; new keys start with none', () => {
  const dir = mkdtempSync(join(tmpdir(), 'offgrid-scope-migration-'));
  try {
    const file = join(dir, 'offgrid.db');
    const old = new Database(file);
    for (const step of MIGRATIONS.slice(0, 4)) old.exec(step);
    old.pragma('user_version = 4');
    old.prepare("INSERT INTO api_keys (id, hash, scope, name, created_at) VALUES ('k1', 'h1', 'device', 'old phone', '2026-01-01'), ('k2', 'h2', 'admin', 'ws', '2026-01-01')").run();
    old.prepare("INSERT INTO projects (id, name, labels, created_at) VALUES ('p1', 'a', '[]', '2026-01-01'), ('p2', 'b', '[]', '2026-01-01')").run();
    old.close();
    const db = openDatabase(file);
    const keys = new KeyStore(db);
    assert.deepEqual(keys.get('k1').projectIds, ['p1', 'p2']);
    assert.equal(keys.get('k2').projectIds, undefined);
    assert.deepEqual(keys.create('device', 'new phone').record.projectIds, undefined, 'create returns the bare record');
    assert.deepEqual(keys.list().find((k) => k.name === 'new phone')?.projectIds, []);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
