import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../test-server.ts';
import { instantPipeline } from '../jobs/instant-pipeline.ts';
import { jpegOf } from '../test-images.ts';
import { tinyClassifier } from '../federated/test-classifier.ts';

/** The keys an attacker on the LAN might hold, from none to admin. */
export type KeyKind = 'none' | 'wrong' | 'revoked' | 'other device' | 'device' | 'worker' | 'admin';

/**
 * A server with one of everything a route can name, for the security tests: a phone ("device") that owns a
 * project with samples, a finished job, a model and an open federated round; a second phone ("other device") with a project of its own;
 * a revoked phone key; a worker key (an `offgrid worker` machine); and a spare device key that key routes may act on.
 */
export interface SecurityFixture {
  t: TestServer;
  keys: Record<Exclude<KeyKind, 'none'>, string>;
  /** The first phone's project, its job and model, and the spare key. */
  ids: { projectId: string; otherProjectId: string; sampleId: string; jobId: string; modelId: string; keyId: string; roundId: string };
  pair(projectIds?: string[]): Promise<{ apiKey: string; keyId: string }>;
}

export async function securityFixture(): Promise<SecurityFixture> {
  // Thousands of requests, many deliberately refused: the rate limits are tested on their own.
  // A real classifier as the model: federated rounds need its head.
  const t = await startTestServer({ pipeline: instantPipeline({ files: (labels, shape) => tinyClassifier(labels, shape) }), rateLimits: false });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- setup answers, read field by field
  const call = async (key: string, method: string, path: string, body?: unknown): Promise<any> => {
    const response = await t.api(path, { method, key, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
    const json = await response.json();
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  const pair = async (projectIds: string[] = []) => {
    const { token } = await call(t.adminKey, 'POST', '/pairing/tokens', { projectIds });
    return call('', 'POST', '/pairing/exchange', { token }) as Promise<{ apiKey: string; keyId: string }>;
  };
  const device = await pair();
  const other = await pair();
  const revoked = await pair();
  const spare = await pair();
  await call(t.adminKey, 'POST', `/keys/${revoked.keyId}/revoke`);
  const worker = await call(t.adminKey, 'POST', '/keys', { scope: 'worker', name: 'lab-pc-2' }) as { apiKey: string };

  const project = await call(device.apiKey, 'POST', '/projects', { name: 'mine', labels: ['red', 'blue'] });
  const otherProject = await call(other.apiKey, 'POST', '/projects', { name: 'theirs', labels: ['a', 'b'] });
  const sampleIds: string[] = [];
  for (const [label, rgb] of [['red', [220, 20, 20]], ['blue', [20, 20, 220]]] as const) {
    for (const seed of [1, 2]) {
      const upload = await t.api(`/projects/${project.id}/samples?label=${label}`, { method: 'POST', key: device.apiKey, headers: { 'content-type': 'image/jpeg' }, body: await jpegOf([...rgb], seed) });
      assert.equal(upload.status, 201);
      sampleIds.push(((await upload.json()) as { sample: { id: string } }).sample.id);
    }
  }
  const job = await call(device.apiKey, 'POST', `/projects/${project.id}/train`, { budgetSeconds: 10 });
  let finished = job;
  for (let i = 0; i < 200 && !['succeeded', 'failed', 'cancelled'].includes(finished.status); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    finished = await call(device.apiKey, 'GET', `/jobs/${job.id}`);
  }
  assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
  // Pinned: jobs the tests queue must not replace it, or deleting it (refused while active) would succeed.
  await call(device.apiKey, 'POST', `/models/${finished.modelId}/activate`, { pin: true });
  const round = await call(device.apiKey, 'POST', `/projects/${project.id}/federated/rounds`, {});
  return {
    t, pair,
    keys: { wrong: 'og_wrong', revoked: revoked.apiKey, 'other device': other.apiKey, device: device.apiKey, worker: worker.apiKey, admin: t.adminKey },
    ids: { projectId: project.id, otherProjectId: otherProject.id, sampleId: sampleIds[0], jobId: job.id, modelId: finished.modelId, keyId: spare.keyId, roundId: round.id },
  };
}
