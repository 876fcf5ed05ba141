// Federated rounds over real HTTP and SQLite: phones (simulated in Node with @offgrid/federated, each holding only
// some labels) join, train the head, send updates, rate the average; the server refuses what it must and records it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRandom, encodeHoldout } from '@offgrid/features';
import {
  decodeHead, encodeFloats, evaluateHead, headDelta, logitRange, trainHead, type Head,
} from '@offgrid/federated';
import { loadLiteRtNode, parseModel, readClassifierHead, readLabels, TfliteSession } from '@offgrid/tflite';
import { startTestServer, type TestServer } from '../test-server.ts';
import { instantPipeline } from '../jobs/instant-pipeline.ts';
import { jpegOf } from '../test-images.ts';
import { tinyClassifier } from './test-classifier.ts';

const LABELS = ['red', 'green', 'blue'];
const pipeline = instantPipeline({ files: (labels, shape) => tinyClassifier(labels, shape) });
let t: TestServer;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers read field by field
async function call(key: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const response = await t.api(path, { method, key, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

async function ok(key: string, method: string, path: string, body?: unknown) {
  const answer = await call(key, method, path, body);
  assert.ok(answer.status < 300, `${method} ${path}: ${answer.status} ${JSON.stringify(answer.json)}`);
  return answer.json;
}

async function pair(projectIds: string[]): Promise<string> {
  const { token } = await ok(t.adminKey, 'POST', '/pairing/tokens', { projectIds });
  return (await ok('', 'POST', '/pairing/exchange', { token })).apiKey;
}

/** A project with a trained model (a real classifier: 8-value embedding, 3 labels) and `phones` paired device keys. */
async function projectWithModel(phones: number): Promise<{ projectId: string; modelId: string; keys: string[] }> {
  const owner = await pair([]);
  const project = await ok(owner, 'POST', '/projects', { name: 'farm', labels: LABELS });
  for (const [index, label] of LABELS.entries()) {
    for (const seed of [1, 2]) {
      const upload = await t.api(`/projects/${project.id}/samples?label=${label}`, { method: 'POST', key: owner, headers: { 'content-type': 'image/jpeg' }, body: await jpegOf([index * 100, 50, 200 - index * 90], seed) });
      assert.equal(upload.status, 201);
    }
  }
  const job = await ok(owner, 'POST', `/projects/${project.id}/train`, { budgetSeconds: 10 });
  let finished = job;
  while (!['succeeded', 'failed'].includes(finished.status)) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    finished = await ok(owner, 'GET', `/jobs/${job.id}`);
  }
  assert.equal(finished.status, 'succeeded', JSON.stringify(finished));
  const keys = [owner];
  for (let i = 1; i < phones; i++) keys.push(await pair([project.id]));
  return { projectId: project.id, modelId: finished.modelId, keys };
}

/** What one phone's trunk gives for its samples: labels as clusters in the 8-value embedding space. */
function phoneData(classes: number[], perClass: number, seed: number): { embeddings: Float32Array; targets: Int32Array } {
  const random = createRandom(seed);
  const embeddings = new Float32Array(classes.length * perClass * 8);
  const targets = new Int32Array(classes.length * perClass);
  classes.forEach((c, k) => {
    for (let s = 0; s < perClass; s++) {
      const row = k * perClass + s;
      targets[row] = c;
      for (let i = 0; i < 8; i++) embeddings[row * 8 + i] = (i % 3 === c ? 2 : 0) + (random.next() - 0.5);
    }
  });
  return { embeddings, targets };
}

async function downloadHead(key: string, modelId: string): Promise<Head> {
  const response = await t.api(`/models/${modelId}/download?variant=head`, { key });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  return decodeHead(await response.json());
}

before(async () => {
  await loadLiteRtNode();
  t = await startTestServer({ pipeline, rateLimits: false });
});
after(async () => { await t.stop(); });

test('a classifier version ships its head and both trunks; the trunk gives the embedding the head reads', async () => {
  const { modelId, keys } = await projectWithModel(1);
  const model = await ok(keys[0], 'GET', `/models/${modelId}`);
  assert.deepEqual(model.artifacts.map((a: { variant: string }) => a.variant).sort(), ['float32', 'head', 'int8', 'report', 'report-html', 'trunk-float32', 'trunk-int8']);
  const head = await downloadHead(keys[0], modelId);
  assert.deepEqual([head.numClasses, head.inputSize], [3, 8]);
  const trunk = new Uint8Array(await (await t.api(`/models/${modelId}/download?variant=trunk-int8`, { key: keys[0] })).arrayBuffer());
  const session = await TfliteSession.create(trunk);
  try {
    const [embedding] = await session.run([new Float32Array(model.input.shape.reduce((a: number, b: number) => a * b, 1)).fill(0.3)]);
    assert.equal(embedding.length, 8);
  } finally {
    session.close();
  }
});

test('a round: phones with different labels train, the average beats the base on their held-out samples, a new version is registered', async () => {
  const { projectId, modelId, keys } = await projectWithModel(3);
  const round = await ok(keys[0], 'POST', `/projects/${projectId}/federated/rounds`, { minParticipants: 2, maxParticipants: 3, epochs: 20, learningRate: 0.05, clipNorm: 50, evaluationSeconds: 60 });
  assert.deepEqual([round.status, round.number, round.baseModelId], ['open', 1, modelId]);
  assert.equal((await call(keys[0], 'POST', `/projects/${projectId}/federated/rounds`, {})).status, 409, 'one round at a time');

  // Non-IID: each phone sees two of the three labels.
  const shares = [[0, 1], [1, 2], [0, 2]];
  const local = shares.map((classes, i) => ({ train: phoneData(classes, 30, 10 + i), heldOut: phoneData(classes, 10, 20 + i) }));
  const base = await downloadHead(keys[0], modelId);
  assert.equal(round.you, undefined, 'the phone that opened the round has not joined it yet');
  for (const [i, key] of keys.entries()) {
    assert.deepEqual((await ok(key, 'POST', `/federated/rounds/${round.id}/join`)).you, { status: 'joined', rated: false });
    const trained = await trainHead(base, local[i].train, { epochs: 20, learningRate: 0.05, batchSize: 16, seed: i });
    const after = await ok(key, 'POST', `/federated/rounds/${round.id}/update`, { baseModelId: modelId, sampleCount: 60, delta: encodeFloats(headDelta(base, trained.head)) });
    assert.equal(after.status, i < 2 ? 'open' : 'evaluating', 'the round averages once every phone sent its update');
    assert.deepEqual(after.you, { status: 'submitted', rated: false });
  }
  // Each key sees its own standing, in the round and in the project's list (a phone that reloaded resumes from it).
  const seen = await ok(keys[1], 'GET', `/federated/rounds/${round.id}`);
  assert.deepEqual([seen.you, (await ok(keys[2], 'GET', `/projects/${projectId}/federated/rounds`)).rounds[0].you], [{ status: 'submitted', rated: false }, { status: 'submitted', rated: false }]);
  const candidate = await ok(keys[1], 'GET', `/federated/rounds/${round.id}/candidate`);
  const average = decodeHead(candidate.head);
  let closed;
  for (const [i, key] of keys.entries()) {
    const { embeddings, targets } = local[i].heldOut;
    const rating = { samples: targets.length, correct: evaluateHead(average, embeddings, targets).correct, baseCorrect: evaluateHead(base, embeddings, targets).correct, logitRange: logitRange(average, embeddings) };
    closed = await ok(key, 'POST', `/federated/rounds/${round.id}/evaluation`, rating);
    assert.equal(closed.you.rated, true);
  }
  assert.equal(closed.status, 'closed');
  assert.equal(closed.outcome.decision, 'registered', closed.outcome.reason);
  assert.ok(closed.outcome.candidateAccuracy > closed.outcome.baseAccuracy);
  assert.deepEqual([closed.outcome.participants, closed.outcome.samples, closed.outcome.evaluatedSamples], [3, 180, 60]);
  assert.deepEqual(closed.participants.map((p: { status: string }) => p.status), ['submitted', 'submitted', 'submitted']);
  assert.ok(closed.participants.every((p: { norm: number }) => p.norm > 0));

  // The new version: the base's files with the averaged head, labels kept, active, with the round in its metrics.
  const model = await ok(keys[0], 'GET', `/models/${closed.outcome.modelId}`);
  assert.deepEqual([model.version, model.active, model.metrics.federated.round], [2, true, 1]);
  const float32 = new Uint8Array(await (await t.api(`/models/${model.id}/download?variant=float32`, { key: keys[0] })).arrayBuffer());
  const written = readClassifierHead(parseModel(float32));
  written.weights.forEach((w, i) => assert.ok(Math.abs(w - average.weights[i]) < 1e-6));
  assert.deepEqual(readLabels(float32), LABELS);
  const int8 = new Uint8Array(await (await t.api(`/models/${model.id}/download?variant=int8`, { key: keys[0] })).arrayBuffer());
  assert.deepEqual(readLabels(int8), LABELS);
  const [floatSession, int8Session] = [await TfliteSession.create(float32), await TfliteSession.create(int8)];
  try {
    const size = model.input.shape.reduce((a: number, b: number) => a * b, 1);
    const random = createRandom(5);
    let agree = 0;
    for (let n = 0; n < 20; n++) {
      const input = Float32Array.from({ length: size }, () => random.next() * 2 - 1);
      const [f, q] = [(await floatSession.run([input]))[0], (await int8Session.run([input]))[0]];
      const top = (p: Float32Array) => p.indexOf(Math.max(...p));
      if (top(f) === top(q)) agree++;
    }
    assert.ok(agree >= 17, `int8 agrees with float32 on ${agree} of 20`);
  } finally {
    floatSession.close();
    int8Session.close();
  }
  const trunkOf = (m: { artifacts: { variant: string; sha256: string }[] }) => m.artifacts.find((a) => a.variant === 'trunk-int8')!.sha256;
  assert.equal(trunkOf(model), trunkOf(await ok(keys[0], 'GET', `/models/${modelId}`)), 'the trunk is the base\'s, stored once');
});

test('where the base version has a held-out set, the server tests the average itself (int8 files through LiteRT.js)', async () => {
  // Inputs of each label share a pattern; phones embed theirs with the real trunk, the server holds 20 per label.
  const size = 32 * 32 * 3;
  const random = createRandom(77);
  const patterns = LABELS.map(() => Float32Array.from({ length: size }, () => (random.next() < 0.5 ? -1 : 1)));
  const inputs = (label: number, n: number) => Array.from({ length: n }, () => patterns[label].map((v) => 0.7 * v + (random.next() - 0.5)));
  const heldOut = LABELS.flatMap((_, label) => inputs(label, 20).map((x) => ({ x, label })));
  const holdout = encodeHoldout(concat(heldOut.map((s) => s.x)), heldOut.map((s) => s.label), [...heldOut.keys()], [32, 32, 3], 'float32');
  const own = await startTestServer({ pipeline: instantPipeline({ files: (labels, shape) => ({ ...tinyClassifier(labels, shape, 3), holdout }) }), rateLimits: false });
  const previous = t;
  t = own;
  try {
    const { projectId, modelId, keys } = await projectWithModel(2);
    const model = await ok(keys[0], 'GET', `/models/${modelId}`);
    assert.ok(model.artifacts.some((a: { variant: string }) => a.variant === 'holdout'));
    assert.equal((await t.api(`/models/${modelId}/download?variant=holdout`, { key: keys[0] })).status, 400, 'the held-out set stays on the server');
    const trunk = await TfliteSession.create(new Uint8Array(await (await t.api(`/models/${modelId}/download?variant=trunk-float32`, { key: keys[0] })).arrayBuffer()));
    const base = await downloadHead(keys[0], modelId);
    const round = await ok(keys[0], 'POST', `/projects/${projectId}/federated/rounds`, { minParticipants: 2, maxParticipants: 2, clipNorm: 100, evaluationSeconds: 5 });
    try {
      for (const [i, key] of keys.entries()) {
        const labels = i === 0 ? [0, 1, 2] : [0, 2];
        const samples = labels.flatMap((label) => inputs(label, 30).map((x) => ({ x, label })));
        const embeddings = concat(await Promise.all(samples.map(async (s) => Float32Array.from((await trunk.run([s.x]))[0]))));
        const trained = await trainHead(base, { embeddings, targets: samples.map((s) => s.label) }, { epochs: 40, learningRate: 0.1, seed: i });
        await ok(key, 'POST', `/federated/rounds/${round.id}/join`);
        await ok(key, 'POST', `/federated/rounds/${round.id}/update`, { baseModelId: modelId, sampleCount: samples.length, delta: encodeFloats(headDelta(base, trained.head)) });
      }
    } finally {
      trunk.close();
    }
    // No phone rates it: the server's own test decides.
    const closed = await ok(keys[0], 'POST', `/federated/rounds/${round.id}/close`);
    assert.equal(closed.outcome.evaluatedOn, 'server');
    assert.equal(closed.outcome.evaluatedSamples, 60);
    assert.equal(closed.outcome.decision, 'registered', closed.outcome.reason);
    const registered = await ok(keys[0], 'GET', `/models/${closed.outcome.modelId}`);
    assert.equal(registered.metrics.test.samples, 60);
    assert.equal(registered.metrics.test.int8.accuracy, closed.outcome.candidateAccuracy);
    assert.ok(registered.metrics.test.int8.accuracy > closed.outcome.baseAccuracy);
    assert.equal(registered.metrics.federated.evaluatedOn, 'server');
  } finally {
    t = previous;
    await own.stop();
  }
});

function concat(arrays: Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

test('poisoned, stale, oversized and out-of-turn updates are refused and recorded; a huge norm is clipped', async () => {
  const { projectId, modelId, keys } = await projectWithModel(4);
  const round = await ok(keys[0], 'POST', `/projects/${projectId}/federated/rounds`, { minParticipants: 2, maxParticipants: 4, clipNorm: 1 });
  const base = await downloadHead(keys[0], modelId);
  const length = base.numClasses * base.inputSize + base.numClasses;
  const send = (key: string, delta: Float32Array | string, baseModelId = modelId) =>
    call(key, 'POST', `/federated/rounds/${round.id}/update`, { baseModelId, sampleCount: 10, delta: typeof delta === 'string' ? delta : encodeFloats(delta) });

  const early = await send(keys[0], new Float32Array(length));
  assert.equal(early.status, 409);
  assert.match(early.json.error.message, /Join the round first/);
  for (const key of keys) await ok(key, 'POST', `/federated/rounds/${round.id}/join`);

  const poisoned = new Float32Array(length).fill(0.01);
  poisoned[3] = NaN;
  const nan = await send(keys[0], poisoned);
  assert.equal(nan.status, 400);
  assert.match(nan.json.error.message, /NaN|finite/i);
  const stale = await send(keys[1], new Float32Array(length), '00000000-0000-4000-8000-000000000000');
  assert.equal(stale.status, 409);
  assert.match(stale.json.error.message, /trained from model .* averages updates of model/);
  const oversized = await send(keys[2], new Float32Array(length * 4));
  assert.equal(oversized.status, 413);
  const garbage = await call(keys[3], 'POST', `/federated/rounds/${round.id}/update`, { baseModelId: modelId, sampleCount: 10, delta: 'not base64!' });
  assert.equal(garbage.status, 400, 'the schema refuses what is not base64');

  const huge = new Float32Array(length).fill(1e6);
  assert.equal((await send(keys[3], huge)).status, 200);
  assert.equal((await send(keys[3], huge)).status, 409, 'one update per phone per round');

  const record = await ok(keys[0], 'GET', `/federated/rounds/${round.id}`);
  assert.deepEqual(record.participants.map((p: { status: string; reason?: string }) => [p.status, p.reason ?? null]),
    [['rejected', 'not-finite'], ['rejected', 'stale'], ['rejected', 'oversized'], ['submitted', null]]);
  assert.ok(record.participants[3].norm > 1e6);

  // One good update of four: the minimum (2) is not met, and closing keeps the base.
  const closed = await ok(keys[0], 'POST', `/federated/rounds/${round.id}/close`);
  assert.deepEqual([closed.status, closed.outcome.decision, closed.outcome.participants], ['closed', 'too-few-participants', 1]);
  const late = await pair([projectId]);
  assert.equal((await call(late, 'POST', `/federated/rounds/${round.id}/join`)).status, 409, 'a closed round takes no one');
});

test('a phone that disconnects does not block the round: the deadline averages who finished; a restart keeps open rounds', async () => {
  const { projectId, modelId, keys } = await projectWithModel(3);
  const round = await ok(keys[0], 'POST', `/projects/${projectId}/federated/rounds`, { minParticipants: 2, maxParticipants: 3, deadlineSeconds: 3, evaluationSeconds: 5, clipNorm: 10 });
  const base = await downloadHead(keys[0], modelId);
  for (const key of keys) await ok(key, 'POST', `/federated/rounds/${round.id}/join`);
  for (const [i, key] of keys.slice(0, 2).entries()) {
    const trained = await trainHead(base, phoneData([i, 2], 20, 40 + i), { epochs: 5, seed: i });
    await ok(key, 'POST', `/federated/rounds/${round.id}/update`, { baseModelId: modelId, sampleCount: 40, delta: encodeFloats(headDelta(base, trained.head)) });
  }
  // The third phone went away. The server restarts before the deadline: the round is still there, and still closes.
  const { dataDir, adminKey } = t;
  await t.stop({ keepData: true });
  // The admin key is printed on a data folder's first start only: the test keeps it.
  t = { ...(await startTestServer({ pipeline, rateLimits: false, dataDir })), adminKey };
  const reopened = await ok(t.adminKey, 'GET', `/federated/rounds/${round.id}`);
  assert.deepEqual([reopened.status, reopened.participants.map((p: { status: string }) => p.status)], ['open', ['submitted', 'submitted', 'joined']]);
  let current = reopened;
  for (let i = 0; i < 100 && current.status === 'open'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    current = await ok(t.adminKey, 'GET', `/federated/rounds/${round.id}`);
  }
  assert.equal(current.status, 'evaluating', 'the deadline averaged the two updates');
  // Nobody rates it: at the evaluation deadline the round closes and the base stays.
  for (let i = 0; i < 100 && current.status !== 'closed'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    current = await ok(t.adminKey, 'GET', `/federated/rounds/${round.id}`);
  }
  assert.deepEqual([current.outcome.decision, current.outcome.participants, current.outcome.samples], ['kept-base', 2, 80]);
  assert.match(current.outcome.reason, /no phone rated/);
});

test('noise for differential privacy: the outcome states the (ε, δ) spent', async () => {
  const { projectId, modelId, keys } = await projectWithModel(2);
  const round = await ok(keys[0], 'POST', `/projects/${projectId}/federated/rounds`, { minParticipants: 2, maxParticipants: 2, clipNorm: 1, noiseMultiplier: 1.1 });
  const base = await downloadHead(keys[0], modelId);
  for (const [i, key] of keys.entries()) {
    await ok(key, 'POST', `/federated/rounds/${round.id}/join`);
    const trained = await trainHead(base, phoneData([0, 1, 2], 10, 60 + i), { epochs: 3, seed: i });
    await ok(key, 'POST', `/federated/rounds/${round.id}/update`, { baseModelId: modelId, sampleCount: 30, delta: encodeFloats(headDelta(base, trained.head)) });
  }
  const closed = await ok(keys[0], 'POST', `/federated/rounds/${round.id}/close`);
  assert.equal(closed.outcome.decision, 'kept-base');
  assert.ok(Math.abs(closed.outcome.noiseStd - (1.1 * 1) / 2) < 1e-9, 'std = z · C / participants');
  assert.equal(closed.outcome.privacy.delta, 1e-5);
  assert.equal(closed.outcome.privacy.noisyRounds, 1);
  assert.ok(closed.outcome.privacy.epsilon > 1 && closed.outcome.privacy.epsilon < 20, `ε = ${closed.outcome.privacy.epsilon}`);
});

test('privacy mode: the server refuses every sample of the project, and only an admin changes the promise', async () => {
  const phone = await pair([]);
  const project = await ok(phone, 'POST', '/projects', { name: 'clinic', labels: LABELS, samplesStayOnDevice: true });
  assert.equal(project.samplesStayOnDevice, true);
  const image = await t.api(`/projects/${project.id}/samples?label=red`, { method: 'POST', key: phone, headers: { 'content-type': 'image/jpeg' }, body: await jpegOf([1, 2, 3], 1) });
  assert.equal(image.status, 403);
  assert.match(((await image.json()) as { error: { message: string } }).error.message, /keeps its samples on the phones/);
  assert.deepEqual((await ok(phone, 'GET', `/projects/${project.id}`)).sampleCounts, { red: 0, green: 0, blue: 0 });

  // Its model comes from a project trained on data that may be shared (same labels); then rounds run on it.
  const seed = await projectWithModel(1);
  assert.equal((await call(phone, 'POST', `/projects/${project.id}/models/copy`, { fromModelId: seed.modelId })).status, 403, 'the phone does not reach the seed project');
  const copy = await ok(t.adminKey, 'POST', `/projects/${project.id}/models/copy`, { fromModelId: seed.modelId });
  assert.deepEqual([copy.version, copy.active, copy.projectId], [1, true, project.id]);
  const round = await ok(phone, 'POST', `/projects/${project.id}/federated/rounds`, { minParticipants: 1, maxParticipants: 1 });
  assert.equal(round.baseModelId, copy.id);
  const mismatched = await ok(phone, 'POST', '/projects', { name: 'other labels', labels: ['x', 'y'] });
  assert.equal((await call(t.adminKey, 'POST', `/projects/${mismatched.id}/models/copy`, { fromModelId: seed.modelId })).status, 409);
  assert.equal((await call(phone, 'POST', `/projects/${project.id}/privacy`, { samplesStayOnDevice: false })).status, 403, 'a phone cannot withdraw the promise');

  // A project that holds samples cannot promise it holds none.
  const open = await ok(phone, 'POST', '/projects', { name: 'open', labels: ['a', 'b'] });
  await t.api(`/projects/${open.id}/samples?label=a`, { method: 'POST', key: phone, headers: { 'content-type': 'image/jpeg' }, body: await jpegOf([9, 9, 9], 2) });
  const refused = await call(t.adminKey, 'POST', `/projects/${open.id}/privacy`, { samplesStayOnDevice: true });
  assert.equal(refused.status, 409);
  assert.match(refused.json.error.message, /Purge them/);
  const off = await ok(t.adminKey, 'POST', `/projects/${project.id}/privacy`, { samplesStayOnDevice: false });
  assert.equal(off.samplesStayOnDevice, false);
});
