// Training jobs for every non-image modality and for anomaly projects, through real HTTP on a real server: small
// generated data is uploaded, the job runs the real pipeline, and both downloaded .tflite files are run in
// LiteRT.js on fresh samples preprocessed with the model's own `input.preprocessing` (as the phone does).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_TEXT_SPEC, decodeWav, encodeText, motionWindows, parseMotionRecording, preprocessAudio, scaleFeatures, spectralFeatures, type AudioSpec, type CharNgramSpec, type MotionSpec,
} from '@offgrid/features';
import { parseModel, runTflite } from '@offgrid/tflite';
import { startTestServer, type TestServer } from '../test-server.ts';
import { motionBytes, motionRecording, wavTone } from '../samples/test-samples.ts';
import { downloadModel, json, postJson, trainToEnd } from './test-training.ts';

let t: TestServer;
before(async () => { t = await startTestServer(); });
after(async () => { await t.stop(); });

/** Per job: small data learns in a few seconds; the four jobs keep the file well under 90 s on 2 busy cores. */
const BUDGET_SECONDS = 12;

async function createProject(body: Record<string, unknown>): Promise<{ id: string }> {
  const response = await postJson(t, '/projects', { name: `${body.modality} ${body.task ?? 'classify'}`, ...body });
  const project = await json(response);
  assert.equal(response.status, 201, JSON.stringify(project));
  return project;
}

async function upload(projectId: string, label: string, body: Uint8Array | string, contentType: string): Promise<void> {
  const response = await t.api(`/projects/${projectId}/samples?label=${encodeURIComponent(label)}`, { method: 'POST', headers: { 'content-type': contentType }, body });
  assert.equal(response.status, 201, await response.text());
}

/** Trains, checks the job succeeded and returns the registered model with both .tflite files. */
async function trainModel(projectId: string) {
  const began = Date.now();
  const job = await trainToEnd(t, projectId, { budgetSeconds: BUDGET_SECONDS, seed: 3 });
  assert.equal(job.status, 'succeeded', JSON.stringify({ status: job.status, error: job.error }));
  const model = await json(await t.api(`/models/${job.modelId}`));
  // Classifiers also carry what federated rounds need (head, trunks) and the held-out set the server tests them on.
  const federated = model.task === 'classify' ? ['head', 'holdout', 'trunk-float32', 'trunk-int8'] : [];
  assert.deepEqual(model.artifacts.map((a: { variant: string }) => a.variant), ['float32', 'int8', 'probes', 'report', 'report-html', ...federated].sort());
  // The report (served through its response schema) carries the same task and preprocessing, and renders.
  const report = await json(await t.api(`/models/${model.id}/report`));
  assert.deepEqual([report.task, report.input.kind, report.input.preprocessing], [model.task, model.input.kind, model.input.preprocessing]);
  if (model.task === 'anomaly') assert.ok(report.metrics.anomaly.scoreHistogram.normal.length > 0, JSON.stringify(report.metrics.anomaly));
  assert.equal((await t.api(`/models/${model.id}/report.html`)).status, 200);
  const files = { float32: await downloadModel(t, model.id, 'float32'), int8: await downloadModel(t, model.id, 'int8') };
  return { model, files, seconds: (Date.now() - began) / 1000 };
}

const argmax = (values: Float32Array) => values.indexOf(Math.max(...values));

/** The label both files pick for one preprocessed example. */
async function predictBoth(files: Record<'float32' | 'int8', Uint8Array>, input: Float32Array | Int32Array): Promise<number[]> {
  return [argmax((await runTflite(files.float32, [input]))[0]), argmax((await runTflite(files.int8, [input]))[0])];
}

test('audio: tones → job → model with its log-mel spec and normalization → both files tell fresh tones apart', { timeout: 60_000 }, async (context) => {
  const project = await createProject({ labels: ['low', 'high'], modality: 'audio', settings: { audio: { clipSeconds: 0.5 } } });
  const tones = { low: 300, high: 2000 };
  for (const [label, hz] of Object.entries(tones)) for (let i = 0; i < 8; i++) await upload(project.id, label, wavTone(hz + i * 10, 0.5, 16000, i + 1), 'audio/wav');
  const { model, files, seconds } = await trainModel(project.id);
  const spec = model.input.preprocessing.audio as AudioSpec;
  assert.deepEqual([model.task, model.input.kind, model.input.dtype, model.input.width], ['classify', 'audio', 'float32', undefined]);
  assert.equal(spec.clipSeconds, 0.5, "the project's clip length");
  assert.ok(spec.normalization && spec.normalization.std > 0, JSON.stringify(spec));
  assert.deepEqual(model.input.shape, [Math.floor((8000 - spec.frameLength) / spec.hopLength) + 1, spec.melBands]);
  for (const [index, hz] of Object.values(tones).entries()) {
    const input = preprocessAudio(decodeWav(wavTone(hz + 35, 0.5, 16000, 99)), spec);
    assert.deepEqual(await predictBoth(files, input), [index, index], `a ${hz} Hz tone`);
  }
  context.diagnostic(`audio job ${seconds.toFixed(1)} s; test int8 ${model.metrics.test.int8.accuracy}`);
});

test('motion: slow and fast recordings → job → windows spec (raw or spectral) → both files classify fresh recordings', { timeout: 60_000 }, async (context) => {
  const motion = { rateHz: 25, windowSeconds: 1, strideSeconds: 0.5 };
  const project = await createProject({ labels: ['slow', 'fast'], modality: 'motion', settings: { motion } });
  const rhythms = { slow: 1, fast: 6 };
  for (const [label, hz] of Object.entries(rhythms)) for (let i = 0; i < 4; i++) await upload(project.id, label, motionBytes(motionRecording(hz, 6, { rateHz: 50, seed: i })), 'application/json');
  const { model, files, seconds } = await trainModel(project.id);
  const spec = model.input.preprocessing.motion as MotionSpec & { features: 'raw' | 'spectral' };
  assert.deepEqual([model.input.kind, spec.rateHz, spec.windowSeconds, spec.strideSeconds], ['motion', 25, 1, 0.5]);
  assert.ok(['raw', 'spectral'].includes(spec.features), JSON.stringify(spec));
  assert.equal(spec.normalization?.mean.length, spec.channels.length);
  for (const [index, hz] of Object.values(rhythms).entries()) {
    const windows = motionWindows(parseMotionRecording(motionRecording(hz, 3, { rateHz: 50, seed: 7 })), spec);
    for (const window of windows) {
      const input = spec.features === 'spectral' ? spectralFeatures(window, spec) : window;
      assert.equal(input.length, model.input.shape.reduce((a: number, b: number) => a * b, 1));
      assert.deepEqual(await predictBoth(files, input), [index, index], `a ${hz} Hz motion (${spec.features} features)`);
    }
  }
  context.diagnostic(`motion job ${seconds.toFixed(1)} s; features ${spec.features}; test int8 ${model.metrics.test.int8.accuracy}`);
});

test('text: short reviews → job → vocabulary in the model input, int32 ids into both files → fresh reviews classified', { timeout: 60_000 }, async (context) => {
  const project = await createProject({ labels: ['praise', 'complaint'], modality: 'text', settings: { text: { seqLength: 96 } } });
  const words = { praise: ['great', 'lovely', 'delicious', 'friendly', 'amazing'], complaint: ['cold', 'rude', 'awful', 'dirty', 'slow'] };
  const subjects = ['the soup', 'our waiter', 'the pizza', 'this place', 'the service', 'dessert'];
  for (const [label, adjectives] of Object.entries(words)) {
    for (let i = 0; i < 12; i++) await upload(project.id, label, `${subjects[i % subjects.length]} was ${adjectives[i % 5]} and ${adjectives[(i + 2) % 5]}`, 'text/plain; charset=utf-8');
  }
  const { model, files, seconds } = await trainModel(project.id);
  const text = model.input.preprocessing.text as { seqLength: number; vocabulary: string[]; charNgrams?: CharNgramSpec };
  assert.deepEqual([model.input.kind, model.input.dtype, model.input.shape, text.seqLength], ['text', 'int32', [96], 96]);
  assert.deepEqual(text.charNgrams, DEFAULT_TEXT_SPEC.charNgrams, 'the n-gram spec reaches the phone through the API');
  assert.deepEqual(text.vocabulary.slice(0, 3), ['<PAD>', '<START>', '<UNKNOWN>']);
  assert.ok(['delicious', 'rude', 'soup'].every((word) => text.vocabulary.includes(word)), 'the vocabulary learned from the samples');
  for (const [variant, bytes] of Object.entries(files)) {
    const parsed = parseModel(bytes);
    assert.equal(parsed.tensors[parsed.inputs[0]].dtype, 'int32', `${variant} takes int32 token ids`);
  }
  const fresh = [['a lovely and delicious dinner', 0], ['so rude and awful', 1]] as const;
  for (const [review, index] of fresh) assert.deepEqual(await predictBoth(files, encodeText(review, text.vocabulary, text.seqLength, text.charNgrams)), [index, index], review);
  context.diagnostic(`text job ${seconds.toFixed(1)} s; vocabulary ${text.vocabulary.length}; test int8 ${model.metrics.test.int8.accuracy}`);
});

test('tabular anomaly: normal rows + known faults → job → thresholds and held-out figures → scores separate fresh rows', { timeout: 60_000 }, async (context) => {
  const featureNames = ['temperature', 'pressure', 'flow'];
  const project = await createProject({ labels: ['normal', 'leak'], modality: 'tabular', task: 'anomaly', featureNames, settings: { falseAlarmRate: 0.05 } });
  // Normal: pressure and flow follow temperature; a leak breaks the relation (high temperature, low pressure and flow).
  // 140 normal rows: the detector needs 100 after the test hold-out (they calibrate its int8 model and threshold).
  const normalRow = (i: number) => { const x = 40 + (i * 37) % 30 + (i % 7) / 10; return [x, 2 * x + (i % 5) / 5, 100 - x + (i % 3) / 3]; };
  const leakRow = (i: number) => [60 + (i % 10), 40 + i, 90 + (i % 4)];
  const csv = ['label,temperature,pressure,flow', ...Array.from({ length: 140 }, (_, i) => `normal,${normalRow(i).join(',')}`), ...Array.from({ length: 10 }, (_, i) => `leak,${leakRow(i).join(',')}`)];
  const uploaded = await json(await t.api(`/projects/${project.id}/samples`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: `${csv.join('\n')}\n` }));
  assert.equal(uploaded.results.filter((r: { ok: boolean }) => r.ok).length, 150);

  const { model, files, seconds } = await trainModel(project.id);
  const scaling = model.input.preprocessing.tabular as { featureNames: string[]; mean: number[]; std: number[] };
  assert.deepEqual([model.task, model.input.kind, model.input.shape, scaling.featureNames], ['anomaly', 'tabular', [3], featureNames]);
  const anomaly = model.metrics.anomaly;
  assert.ok(Number.isFinite(anomaly.threshold) && Number.isFinite(anomaly.thresholdInt8), JSON.stringify(anomaly));
  assert.equal(anomaly.falseAlarmRate, 0.05, "the project's false-alarm rate");
  assert.ok(anomaly.heldOutNormal.samples >= 5, JSON.stringify(anomaly));
  assert.equal(anomaly.knownAnomalies.samples, 10, 'every known anomaly is evaluated (none is trained on)');
  assert.ok(anomaly.knownAnomalies.detectedInt8 >= 0.8 && anomaly.auroc > 0.9, `leaks stand out: ${JSON.stringify(anomaly)}`);
  assert.deepEqual(model.labels, ['normal', 'leak']);
  const scoreOf = async (variant: 'float32' | 'int8', row: number[]) => {
    const output = (await runTflite(files[variant], [scaleFeatures(row, scaling)]))[0];
    assert.equal(output.length, 1, 'one anomaly score');
    return output[0];
  };
  for (const [variant, threshold] of [['float32', anomaly.threshold], ['int8', anomaly.thresholdInt8]] as const) {
    const normal = await scoreOf(variant, normalRow(1001));
    const leak = await scoreOf(variant, [75, 35, 95]);
    assert.ok(normal < threshold && leak > threshold, `${variant}: normal ${normal}, leak ${leak}, threshold ${threshold}`);
  }
  context.diagnostic(`anomaly job ${seconds.toFixed(1)} s; threshold ${anomaly.threshold.toFixed(4)} (int8 ${anomaly.thresholdInt8.toFixed(4)}); held-out false alarms ${(100 * anomaly.heldOutNormal.falseAlarmsInt8).toFixed(0)}% of ${anomaly.heldOutNormal.samples}; leaks detected ${(100 * anomaly.knownAnomalies.detectedInt8).toFixed(0)}%; AUROC ${anomaly.auroc.toFixed(3)}`);
});

test('a job that cannot train is refused up front, or fails with the reason the pipeline gives', { timeout: 30_000 }, async () => {
  const project = await createProject({ labels: ['normal', 'leak'], modality: 'tabular', task: 'anomaly', featureNames: ['x'] });
  const refused = await postJson(t, `/projects/${project.id}/train`, { budgetSeconds: 10 });
  assert.deepEqual([refused.status, (await json(refused)).error], [400, {
    code: 'OFFGRID_ERR_NOT_ENOUGH_DATA', message: 'Capture at least 2 tabular samples of the label "normal" before training; too few for: normal.',
  }]);
  // Enough to queue (known anomalies are optional), too few for the detector: the job fails and says why.
  for (let i = 0; i < 5; i++) await upload(project.id, 'normal', JSON.stringify({ features: [i] }), 'application/json');
  const job = await trainToEnd(t, project.id, { budgetSeconds: 10 });
  assert.equal(job.status, 'failed');
  assert.match(job.error ?? '', /^Training failed: Anomaly detection needs at least 20 normal samples \(got \d\)/);
  assert.equal(job.failure?.code, 'NOT_ENOUGH_DATA', 'the code the engine gave, from inside its worker thread');
  assert.equal(job.failure?.message, job.error);
  assert.deepEqual((await json(await t.api(`/projects/${project.id}/models`))).models, []);
});
