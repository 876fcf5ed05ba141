import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { startTestServer, type TestServer } from '../test-server.ts';
import { instantPipeline } from '../jobs/instant-pipeline.ts';
import { jpegOf } from '../test-images.ts';
import { blobPathOf, sha256 } from '../server-process.ts';

let t: TestServer;
before(async () => { t = await startTestServer({ pipeline: instantPipeline() }); });
after(async () => { await t.stop(); });

type Project = { id: string; labels: string[]; sampleCounts: Record<string, number> };
type EditResult = { changed: string[]; unchanged: string[]; missing: string[]; project: Project };

const post = async <T>(path: string, body: unknown, key?: string): Promise<{ status: number; body: T }> => {
  const response = await t.api(path, { method: 'POST', ...(key ? { key } : {}), headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() as T };
};

async function projectWith(labels: string[], perLabel: number, options: { modality?: string; task?: string } = {}): Promise<{ project: Project; ids: Record<string, string[]> }> {
  const { body: project } = await post<Project>('/projects', { name: 'review', labels, ...options });
  const ids: Record<string, string[]> = {};
  for (const [i, label] of labels.entries()) {
    ids[label] = [];
    for (let n = 0; n < perLabel; n++) {
      const upload = await t.api(`/projects/${project.id}/samples?label=${encodeURIComponent(label)}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: await jpegOf([40 + 60 * i, 200 - 50 * i, 90], 1000 * i + n + Math.floor(Math.random() * 1e6)) });
      assert.equal(upload.status, 201);
      ids[label].push(((await upload.json()) as { sample: { id: string } }).sample.id);
    }
  }
  return { project, ids };
}

const listed = async (projectId: string) => ((await (await t.api(`/projects/${projectId}/samples`)).json()) as { samples: { id: string; label: string }[] }).samples;
const counts = async (projectId: string) => ((await (await t.api(`/projects/${projectId}`)).json()) as Project).sampleCounts;
const snapshotsOf = async (projectId: string) => {
  const archive = Buffer.from(await (await t.api(`/projects/${projectId}/export`)).arrayBuffer());
  const manifest = JSON.parse(archive.subarray(512, 512 + parseInt(archive.subarray(124, 136).toString(), 8)).toString()) as { datasets: { sampleIds: string[] }[] };
  return manifest.datasets.map((d) => d.sampleIds);
};

test('delete, undo and move: lists, counts and new training snapshots follow at once', async () => {
  const { project, ids } = await projectWith(['cat', 'dog'], 4);
  const deleted = await post<EditResult>(`/projects/${project.id}/samples/edits`, { sampleIds: [ids.cat[0], ids.cat[1]], action: 'delete' });
  assert.deepEqual([deleted.status, deleted.body.changed, deleted.body.project.sampleCounts], [200, [ids.cat[0], ids.cat[1]], { cat: 2, dog: 4 }]);
  assert.deepEqual((await listed(project.id)).map((s) => s.id).sort(), [ids.cat[2], ids.cat[3], ...ids.dog].sort());
  const job = await post<{ id: string }>(`/projects/${project.id}/train`, { budgetSeconds: 10 });
  assert.equal(job.status, 202);
  assert.deepEqual((await snapshotsOf(project.id))[0].sort(), [ids.cat[2], ids.cat[3], ...ids.dog].sort(), 'the new snapshot leaves deleted samples out');

  const undone = await post<EditResult>(`/projects/${project.id}/samples/edits`, { sampleIds: [ids.cat[0], ids.cat[1]], action: 'restore' });
  assert.deepEqual([undone.body.changed.length, undone.body.project.sampleCounts], [2, { cat: 4, dog: 4 }]);
  const again = await post<EditResult>(`/projects/${project.id}/samples/edits`, { sampleIds: [ids.cat[0]], action: 'restore' });
  assert.deepEqual([again.body.changed, again.body.unchanged], [[], [ids.cat[0]]], 'an undo twice changes nothing');

  const moved = await post<EditResult>(`/projects/${project.id}/samples/edits`, { sampleIds: [ids.cat[0]], action: 'relabel', label: 'dog' });
  assert.deepEqual(moved.body.project.sampleCounts, { cat: 3, dog: 5 });
  assert.equal((await listed(project.id)).find((s) => s.id === ids.cat[0])?.label, 'dog');
  const unknown = await post<{ error: { code: string; message: string } }>(`/projects/${project.id}/samples/edits`, { sampleIds: [ids.cat[1]], action: 'relabel', label: 'cow' });
  assert.deepEqual([unknown.status, unknown.body.error.code], [400, 'OFFGRID_ERR_UNKNOWN_LABEL']);
  const { ids: elsewhere } = await projectWith(['x', 'y'], 1);
  const foreign = await post<EditResult>(`/projects/${project.id}/samples/edits`, { sampleIds: [elsewhere.x[0]], action: 'delete' });
  assert.deepEqual(foreign.body.missing, [elsewhere.x[0]], 'a sample of another project is not touched');
});

test('two phones editing the same samples at once end consistent', async () => {
  const { project, ids } = await projectWith(['a', 'b'], 6);
  const pairing = await post<{ token: string }>('/pairing/tokens', { projectIds: [project.id] });
  const phone2 = (await post<{ apiKey: string }>('/pairing/exchange', { token: pairing.body.token })).body.apiKey;
  const everyA = ids.a;
  const [one, two] = await Promise.all([
    post<EditResult>(`/projects/${project.id}/samples/edits`, { sampleIds: everyA, action: 'delete' }),
    post<EditResult>(`/projects/${project.id}/samples/edits`, { sampleIds: everyA, action: 'delete' }, phone2),
  ]);
  assert.equal(one.body.changed.length + two.body.changed.length, 6, 'each sample deleted exactly once');
  assert.equal(one.body.unchanged.length + two.body.unchanged.length, 6);
  // One phone moves b's samples to a while the other deletes them: every sample ends in one state, and the counts agree with the list.
  await Promise.all([
    post(`/projects/${project.id}/samples/edits`, { sampleIds: ids.b, action: 'relabel', label: 'a' }),
    post(`/projects/${project.id}/samples/edits`, { sampleIds: ids.b.slice(0, 3), action: 'delete' }, phone2),
  ]);
  const list = await listed(project.id);
  const counted = await counts(project.id);
  assert.deepEqual(counted, { a: list.filter((s) => s.label === 'a').length, b: list.filter((s) => s.label === 'b').length });
  assert.equal(counted.b, 0);
});

test('purge erases a sample everywhere: row, stored snapshots, its bytes and thumbnail; models trained on it are marked', async () => {
  const { project, ids } = await projectWith(['left', 'right'], 3);
  const job = await post<{ id: string }>(`/projects/${project.id}/train`, { budgetSeconds: 10 });
  let model: { modelId?: string; status: string } = { status: 'queued' };
  // Polled every 50 ms for up to 30 s: a loaded machine may take seconds to run even the instant pipeline.
  for (let i = 0; i < 600 && model.status !== 'succeeded'; i++) {
    model = await (await t.api(`/jobs/${job.body.id}`)).json() as typeof model;
    if (model.status !== 'succeeded') await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const victim = ids.left[0];
  const bytes = Buffer.from(await (await t.api(`/projects/${project.id}/samples/${victim}/content`)).arrayBuffer());
  const digest = sha256(bytes);
  assert.equal((await t.api(`/projects/${project.id}/samples/${victim}/thumbnail`)).status, 200);
  assert.ok(existsSync(blobPathOf(t.dataDir, digest)));
  assert.ok(readdirSync(join(t.dataDir, 'thumbnails'), { recursive: true }).some((name) => String(name).includes(digest)));
  // The same photo in another project keeps its bytes there.
  const { body: other } = await post<Project>('/projects', { name: 'other', labels: ['p', 'q'] });
  const shared = await t.api(`/projects/${other.id}/samples?label=p`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: bytes });
  assert.equal(shared.status, 201);

  const purge = await post<{ purged: string[]; filesDeleted: number; modelsMarked: number; project: Project }>(`/projects/${project.id}/samples/purge`, { sampleIds: [victim, ids.left[1]] });
  assert.deepEqual([purge.status, purge.body.purged.length, purge.body.modelsMarked, purge.body.project.sampleCounts], [200, 2, 1, { left: 1, right: 3 }]);
  assert.equal(purge.body.filesDeleted, 1, 'the shared photo keeps its file; the other is deleted');
  assert.ok(existsSync(blobPathOf(t.dataDir, digest)), 'still needed by the other project');
  assert.ok((await snapshotsOf(project.id)).every((sampleIds) => !sampleIds.includes(victim) && !sampleIds.includes(ids.left[1])));
  assert.equal((await t.api(`/projects/${project.id}/samples/${victim}/content`)).status, 404);
  const marked = await (await t.api(`/models/${model.modelId}`)).json() as { purgedSamples?: number };
  assert.equal(marked.purgedSamples, 2);

  // Once the other project's copy goes too, the bytes leave the disk.
  const otherSample = ((await shared.json()) as { sample: { id: string } }).sample.id;
  await post(`/projects/${other.id}/samples/purge`, { sampleIds: [otherSample] });
  assert.equal(existsSync(blobPathOf(t.dataDir, digest)), false, 'a purged sample\'s bytes are gone from disk');
  assert.ok(!readdirSync(join(t.dataDir, 'thumbnails'), { recursive: true }).some((name) => String(name).includes(digest)), 'and its thumbnail');
});

test('content and thumbnails: the stored bytes, and a 96×96 JPEG made once', async () => {
  const { project, ids } = await projectWith(['a', 'b'], 1);
  const content = await t.api(`/projects/${project.id}/samples/${ids.a[0]}/content`);
  assert.equal(content.headers.get('content-type'), 'image/jpeg');
  const thumbnail = await t.api(`/projects/${project.id}/samples/${ids.a[0]}/thumbnail`);
  const meta = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata();
  assert.deepEqual([thumbnail.headers.get('content-type'), meta.format, meta.width, meta.height], ['image/jpeg', 'jpeg', 96, 96]);
  const { body: texts } = await post<Project>('/projects', { name: 'texts', labels: ['spam', 'ham'], modality: 'text' });
  const text = await t.api(`/projects/${texts.id}/samples?label=ham`, { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'see you at noon' });
  const textId = ((await text.json()) as { sample: { id: string } }).sample.id;
  assert.equal(await (await t.api(`/projects/${texts.id}/samples/${textId}/content`)).text(), 'see you at noon');
  const none = await t.api(`/projects/${texts.id}/samples/${textId}/thumbnail`);
  assert.equal(none.status, 404);
  assert.match(((await none.json()) as { error: { message: string } }).error.message, /only images have thumbnails/);
});

test('labels: add, rename (samples follow), remove with their samples deleted or moved; the rules hold', async () => {
  const { project, ids } = await projectWith(['cat', 'dog'], 2);
  const added = await post<Project>(`/projects/${project.id}/labels`, { label: 'bird' });
  assert.deepEqual([added.status, added.body.labels], [200, ['cat', 'dog', 'bird']]);
  assert.equal((await post(`/projects/${project.id}/labels`, { label: 'BIRD'.toLowerCase() })).status, 409);
  const renamed = await post<Project>(`/projects/${project.id}/labels/rename`, { from: 'cat', to: 'kitten' });
  assert.deepEqual(renamed.body.sampleCounts, { kitten: 2, dog: 2, bird: 0 });
  assert.equal((await post(`/projects/${project.id}/labels/rename`, { from: 'dog', to: 'kitten' })).status, 409);
  const moved = await post<Project>(`/projects/${project.id}/labels/remove`, { label: 'kitten', samples: 'move', to: 'bird' });
  assert.deepEqual(moved.body.sampleCounts, { dog: 2, bird: 2 });
  assert.ok((await listed(project.id)).filter((s) => ids.cat.includes(s.id)).every((s) => s.label === 'bird'));
  const unsaid = await post<{ error: { message: string } }>(`/projects/${project.id}/labels/remove`, { label: 'dog', samples: 'move' });
  assert.equal(unsaid.status, 400);
  assert.match(unsaid.body.error.message, /needs "to"/);
  const tooFew = await post<{ error: { message: string } }>(`/projects/${project.id}/labels/remove`, { label: 'dog', samples: 'delete' });
  assert.deepEqual([tooFew.status, /at least two labels/.test(tooFew.body.error.message)], [400, true]);
  assert.deepEqual(await counts(project.id), { dog: 2, bird: 2 }, 'a refused change changes nothing');

  await post(`/projects/${project.id}/labels`, { label: 'fish' });
  const dropped = await post<Project>(`/projects/${project.id}/labels/remove`, { label: 'dog', samples: 'delete' });
  assert.deepEqual(dropped.body.sampleCounts, { bird: 2, fish: 0 });
  // A deleted sample comes back when its photo is uploaded again, under the label it is sent with.
  const bytes = Buffer.from(await (await t.api(`/projects/${project.id}/samples/${ids.dog[0]}/content`)).arrayBuffer());
  const again = await t.api(`/projects/${project.id}/samples?label=fish`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: bytes });
  assert.deepEqual([again.status, ((await again.json()) as { sample: { label: string }; duplicate: boolean }).sample.label], [201, 'fish']);
  assert.deepEqual(await counts(project.id), { bird: 2, fish: 1 });

  const { body: anomaly } = await post<Project>('/projects', { name: 'pump', labels: ['normal'], modality: 'tabular', task: 'anomaly', featureNames: ['rpm'] });
  assert.equal((await post(`/projects/${anomaly.id}/labels/rename`, { from: 'normal', to: 'fine' })).status, 400);
});

test('deleting a project removes its data, cancels its running job and keeps what other projects share', async () => {
  const { project, ids } = await projectWith(['a', 'b'], 2);
  const bytes = Buffer.from(await (await t.api(`/projects/${project.id}/samples/${ids.a[0]}/content`)).arrayBuffer());
  const lonely = sha256(Buffer.from(await (await t.api(`/projects/${project.id}/samples/${ids.b[0]}/content`)).arrayBuffer()));
  const { body: keeper } = await post<Project>('/projects', { name: 'keeper', labels: ['a', 'b'] });
  assert.equal((await t.api(`/projects/${keeper.id}/samples?label=a`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: bytes })).status, 201);
  const job = await post<{ id: string }>(`/projects/${project.id}/train`, { budgetSeconds: 600 });
  const gone = await t.api(`/projects/${project.id}`, { method: 'DELETE' });
  assert.equal(gone.status, 204);
  assert.equal((await t.api(`/projects/${project.id}`)).status, 404);
  assert.equal((await t.api(`/jobs/${job.body.id}`)).status, 404);
  assert.equal(existsSync(blobPathOf(t.dataDir, lonely)), false, 'its own files are deleted');
  assert.ok(existsSync(blobPathOf(t.dataDir, sha256(bytes))), 'a file another project uses stays');
  assert.deepEqual(await counts(keeper.id), { a: 1, b: 0 });
  assert.equal(existsSync(join(t.dataDir, 'jobs', job.body.id)), false, 'no work folder left');
});

test('the SDK drives every review route against the real server', async () => {
  const { OffgridClient } = await import('@offgrid/sdk');
  const client = new OffgridClient({ baseUrl: t.baseUrl, apiKey: t.adminKey });
  const { project, ids } = await projectWith(['red', 'green'], 2);
  assert.equal((await client.sampleThumbnail(project.id, ids.red[0])).type, 'image/jpeg');
  assert.equal((await client.sampleContent(project.id, ids.red[0])).size > 100, true);
  const edited = await client.editSamples(project.id, { sampleIds: [ids.red[0]], action: 'relabel', label: 'green' });
  assert.deepEqual(edited.project.sampleCounts, { red: 1, green: 3 });
  assert.deepEqual((await client.purgeSamples(project.id, [ids.red[1]])).project.sampleCounts, { red: 0, green: 3 });
  assert.deepEqual((await client.addLabel(project.id, 'blue')).labels, ['red', 'green', 'blue']);
  assert.deepEqual((await client.renameLabel(project.id, 'blue', 'navy')).labels, ['red', 'green', 'navy']);
  assert.deepEqual((await client.removeLabel(project.id, { label: 'red', samples: 'delete' })).labels, ['green', 'navy']);
  await client.deleteProject(project.id);
  await assert.rejects(client.getProject(project.id), (error: { status?: number }) => error.status === 404);
});
