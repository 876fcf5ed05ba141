import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeProbes, DEFAULT_IMAGE_SPEC, MAX_PROBES, preprocessImage } from '@offgrid/features';
import { readLabels, readMetadata, runTflite } from '@offgrid/tflite';
import { decodeImage } from '@offgrid/engine/data';
import { startTestServer, type TestServer } from '../test-server.ts';
import { jpegOf } from '../test-images.ts';
import { json, readEvents as readJobEvents, type StreamedJob } from './test-training.ts';

let t: TestServer;
before(async () => { t = await startTestServer(); });
after(async () => { await t.stop(); });

const COLOURS: Record<string, [number, number, number]> = { red: [220, 40, 40], blue: [40, 60, 220] };
const BUDGET_SECONDS = 25;
const readEvents = (jobId: string) => readJobEvents(t, jobId);

test('upload → search job with live leaderboard → model with float32 + int8 files, metrics and report → LiteRT.js predicts the colours', { timeout: 90_000 }, async (context) => {
  const project = await json(await t.api('/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'colours', labels: Object.keys(COLOURS) }) }));
  for (const [label, rgb] of Object.entries(COLOURS)) {
    for (let i = 0; i < 14; i++) {
      const response = await t.api(`/projects/${project.id}/samples?label=${label}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: await jpegOf(rgb, i + (label === 'red' ? 100 : 200), 40) });
      assert.equal(response.status, 201);
    }
  }
  const refused = await t.api(`/projects/${project.id}/train`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ budgetSeconds: 3 }) });
  assert.deepEqual([refused.status, (await json(refused)).error.message], [400, 'Invalid request: body/budgetSeconds must be >= 10.']);
  const started = await t.api(`/projects/${project.id}/train`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ budgetSeconds: BUDGET_SECONDS, seed: 1 }) });
  assert.equal(started.status, 202);
  const job = await json(started);
  assert.deepEqual([job.status, job.request], ['queued', { budgetSeconds: BUDGET_SECONDS, seed: 1 }]);

  const began = Date.now();
  const events = await readEvents(job.id);
  const seconds = (Date.now() - began) / 1000;
  const last = events.at(-1)!;
  assert.equal(last.status, 'succeeded', JSON.stringify(last));
  assert.ok(seconds < BUDGET_SECONDS + 15, `the job kept to its budget: ${seconds.toFixed(1)} s`);
  const running = events.filter((e) => e.status === 'running');
  const phases = [...new Set(running.map((e) => e.progress.phase))];
  assert.deepEqual(phases.filter((p) => p !== 'preparing' && p !== 'retraining'), ['searching', 'quantizing', 'evaluating'], `phases in order: ${phases}`);
  assert.ok(running.some((e) => e.progress.phase === 'searching' && e.progress.epoch >= 1 && e.progress.leaderboard.length >= 1), 'trial epochs and the leaderboard were streamed');
  const fractions = events.map((e) => e.progress.fraction);
  assert.deepEqual(fractions, [...fractions].sort((a, b) => a - b), 'progress never goes backwards');
  assert.ok(running.every((e) => e.progress.fraction < 1));

  const polled = await json(await t.api(`/jobs/${job.id}`));
  assert.deepEqual([polled.status, polled.progress.phase, polled.progress.fraction, polled.progress.etaSeconds], ['succeeded', 'done', 1, 0]);
  assert.ok(polled.progress.trialsFinished >= 2, `trials finished: ${polled.progress.trialsFinished}`);
  const board = polled.progress.leaderboard as StreamedJob['progress']['leaderboard'];
  assert.deepEqual(board.map((row) => row.valAccuracy ?? -1), board.map((row) => row.valAccuracy ?? -1).sort((a, b) => b - a), 'best first');
  // Removed right after the final status is saved (a crash in between leaves a folder, never a second model).
  for (let i = 0; i < 50 && existsSync(join(t.dataDir, 'jobs', job.id)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(existsSync(join(t.dataDir, 'jobs', job.id)), false, 'the work folder is gone once the model is registered');

  const model = await json(await t.api(`/models/${polled.modelId}`));
  assert.deepEqual(model.labels, ['red', 'blue']);
  // The image fields stay at the top level for apps that read them directly; preprocessing has the same spec.
  assert.deepEqual(model.input, {
    kind: 'image', shape: [32, 32, 3], dtype: 'float32', preprocessing: { image: { width: 32, height: 32, mean: 127.5, std: 127.5 } },
    width: 32, height: 32, channels: 3, mean: 127.5, std: 127.5,
  });
  assert.equal(model.task, 'classify');
  assert.deepEqual(model.artifacts.map((a: { variant: string }) => a.variant), ['float32', 'head', 'holdout', 'int8', 'probes', 'report', 'report-html', 'trunk-float32', 'trunk-int8']);
  assert.ok(Number.isInteger(model.metrics.valSamples) && model.metrics.valSamples >= 1, 'the validation count comes with the accuracy');
  const rightOnes = model.metrics.valAccuracy * model.metrics.valSamples;
  assert.ok(Math.abs(rightOnes - Math.round(rightOnes)) < 1e-6, `val accuracy ${model.metrics.valAccuracy} is a share of the ${model.metrics.valSamples} samples it names`);
  const sizeOf = (variant: string) => model.artifacts.find((a: { variant: string }) => a.variant === variant).sizeBytes;
  assert.deepEqual(model.metrics.sizes, { float32Bytes: sizeOf('float32'), int8Bytes: sizeOf('int8'), int8Ratio: sizeOf('int8') / sizeOf('float32') });
  assert.ok(model.metrics.valAccuracy >= 0.75, JSON.stringify(model.metrics));
  assert.ok(model.metrics.test.samples >= 2 && model.metrics.test.int8.accuracy >= 0.75 && model.metrics.test.float32.accuracy >= 0.75, JSON.stringify(model.metrics));
  assert.ok(model.metrics.int8AgreementWithFloat32 >= 0.75);

  // The full report: the same file `offgrid train` writes, with every trial's learning curve.
  const report = await json(await t.api(`/models/${model.id}/report`));
  // All of it: the response schema drops whatever it does not list, so it must list everything the pipeline writes.
  const stored = model.artifacts.find((a: { variant: string }) => a.variant === 'report').sha256;
  assert.deepEqual(report, JSON.parse(readFileSync(join(t.dataDir, 'blobs', stored.slice(0, 2), stored), 'utf8')));
  const measured = report.trials.filter((trial: { status: string }) => /^(completed|pruned)/.test(trial.status));
  assert.ok(measured.length >= 1 && measured.every((trial: { macs?: number }) => trial.macs! > 0) && report.winner.macs > 0 && report.search.objective === 'float32', `MACs and the objective: ${JSON.stringify(report.trials.map((t: { status: string; macs?: number }) => [t.status, t.macs]))}`);
  assert.deepEqual(report.labels, ['red', 'blue']);
  assert.equal(report.trials.length, model.metrics.trials);
  assert.equal(report.trials.length, polled.progress.trialsFinished + report.trials.filter((trial: { status: string }) => /running|interrupted/.test(trial.status)).length);
  // A trial the deadline cut off may have no epoch; every other has its learning curve.
  assert.ok(report.trials.every((trial: { history: unknown[]; family: string; status: string }) => (trial.history.length >= 1 || /running|interrupted/.test(trial.status)) && ['small-cnn', 'mobilenet'].includes(trial.family)), JSON.stringify(report.trials));
  assert.equal(report.metrics.test.int8.accuracy, model.metrics.test.int8.accuracy);
  assert.equal(report.split.seed, 1);
  const html = await t.api(`/models/${model.id}/report.html`);
  assert.match(html.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(await html.text(), /<svg[^>]*aria-label="confusion matrix"/);
  assert.equal((await t.api(`/models/${model.id}/download?variant=float16`)).status, 400, 'no float16 file: the pipeline ships float32 and int8');

  // The probe samples a phone checks variants on: held-out samples exactly as the model takes them. Both files
  // give the same answers on them in LiteRT.js (what the phone checks before it keeps int8).
  const probeDownload = await t.api(`/models/${model.id}/download?variant=probes`);
  assert.match(probeDownload.headers.get('content-type') ?? '', /^application\/json/);
  const probes = decodeProbes(new Uint8Array(await probeDownload.arrayBuffer()));
  assert.deepEqual([probes.dtype, probes.shape], ['float32', [1, 32, 32, 3]]);
  assert.equal(probes.samples.length, Math.min(MAX_PROBES, model.metrics.test.samples));

  // Both files load in LiteRT.js and tell fresh pictures apart, preprocessed exactly as the phone does.
  const files: Record<string, Uint8Array> = {};
  for (const variant of ['float32', 'int8']) {
    const download = await t.api(`/models/${model.id}/download?variant=${variant}`);
    files[variant] = new Uint8Array(await download.arrayBuffer());
    assert.equal(download.headers.get('x-checksum-sha256'), createHash('sha256').update(files[variant]).digest('hex'));
    assert.deepEqual(readLabels(files[variant]), ['red', 'blue']);
    assert.deepEqual(readMetadata(files[variant]).metadata?.inputs[0].normalization, { mean: [127.5], std: [127.5] });
    for (const [index, [label, rgb]] of Object.entries(COLOURS).entries()) {
      const [probabilities] = await runTflite(files[variant], [preprocessImage(await decodeImage(await jpegOf(rgb, 999 + index)), DEFAULT_IMAGE_SPEC)]);
      assert.equal(probabilities.length, 2);
      assert.equal(probabilities.indexOf(Math.max(...probabilities)), index, `${variant}: ${label} predicted as ${[...probabilities]}`);
    }
  }
  assert.ok(files.int8.length < 0.5 * files.float32.length, `int8 ${files.int8.length} B vs float32 ${files.float32.length} B`);
  const top = async (variant: string) => {
    const answers: number[] = [];
    for (const sample of probes.samples) {
      const [p] = await runTflite(files[variant], [sample as Float32Array]);
      answers.push(p.indexOf(Math.max(...p)));
    }
    return answers;
  };
  assert.deepEqual(await top('int8'), await top('float32'), 'int8 agrees with float32 on every probe sample');
  context.diagnostic(`job ${seconds.toFixed(1)} s of ${BUDGET_SECONDS} s; ${report.trials.length} trials; winner ${report.winner.family} (${report.winner.epochs} epochs, retrained ${report.winner.retrained}); test int8 ${model.metrics.test.int8.accuracy} float32 ${model.metrics.test.float32.accuracy}; int8 ${files.int8.length} B = ${(model.metrics.sizes.int8Ratio * 100).toFixed(0)}% of float32`);
});

test('a job can rank trials by their int8 files and carry the phone\'s limits; nonsense limits are refused', { timeout: 30_000 }, async () => {
  const project = await json(await t.api('/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'limits', labels: Object.keys(COLOURS) }) }));
  for (const [label, rgb] of Object.entries(COLOURS)) {
    for (let i = 0; i < 2; i++) await t.api(`/projects/${project.id}/samples?label=${label}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: await jpegOf(rgb, 500 + i, 40) });
  }
  const train = (body: unknown) => t.api(`/projects/${project.id}/train`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const refused = await train({ objective: 'fastest' });
  assert.deepEqual([refused.status, (await json(refused)).error.message], [400, 'Invalid request: body/objective must be equal to one of the allowed values.']);
  const negative = await train({ maxMacs: 0 });
  assert.deepEqual([negative.status, (await json(negative)).error.message], [400, 'Invalid request: body/maxMacs must be >= 1.']);
  const started = await train({ budgetSeconds: 30, objective: 'int8', maxInt8Kb: 48, maxMacs: 2_000_000 });
  assert.equal(started.status, 202);
  const job = await json(started);
  assert.deepEqual(job.request, { budgetSeconds: 30, seed: 0, objective: 'int8', maxInt8Kb: 48, maxMacs: 2_000_000 });
  await t.api(`/jobs/${job.id}/cancel`, { method: 'POST' });
  assert.equal((await readEvents(job.id)).at(-1)!.status, 'cancelled');
});

test('cancelling a running search stops it within seconds: status cancelled, no model, work folder gone', { timeout: 60_000 }, async () => {
  const project = await json(await t.api('/projects', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'cancel me', labels: Object.keys(COLOURS) }) }));
  for (const [label, rgb] of Object.entries(COLOURS)) {
    for (let i = 0; i < 6; i++) await t.api(`/projects/${project.id}/samples?label=${label}`, { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: await jpegOf(rgb, 300 + i, 40) });
  }
  const job = await json(await t.api(`/projects/${project.id}/train`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ budgetSeconds: 120 }) }));
  for (;;) {
    const polled = await json(await t.api(`/jobs/${job.id}`));
    assert.ok(['queued', 'running'].includes(polled.status), JSON.stringify(polled));
    if (polled.progress.phase === 'searching' && polled.progress.epoch >= 1) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // A reopened app finds the running job by its project.
  const active = await json(await t.api(`/projects/${project.id}/jobs?active=true`));
  assert.deepEqual(active.jobs.map((j: { id: string; status: string }) => [j.id, j.status]), [[job.id, 'running']]);
  const cancelledAt = Date.now();
  assert.equal((await t.api(`/jobs/${job.id}/cancel`, { method: 'POST' })).status, 200);
  const events = await readEvents(job.id);
  assert.equal(events.at(-1)!.status, 'cancelled', JSON.stringify(events.at(-1)));
  assert.deepEqual((await json(await t.api(`/projects/${project.id}/jobs?active=true`))).jobs, []);
  assert.deepEqual((await json(await t.api(`/projects/${project.id}/jobs`))).jobs.map((j: { id: string; status: string }) => [j.id, j.status]), [[job.id, 'cancelled']]);
  const unknown = await t.api('/projects/00000000-0000-4000-8000-000000000000/jobs');
  assert.equal(unknown.status, 404);
  const badLimit = await t.api(`/projects/${project.id}/jobs?limit=0`);
  assert.deepEqual([badLimit.status, (await json(badLimit)).error.message], [400, 'Invalid request: querystring/limit must be >= 1.']);
  assert.ok(Date.now() - cancelledAt < 10_000, `stopped ${Date.now() - cancelledAt} ms after the cancel`);
  assert.deepEqual((await json(await t.api(`/projects/${project.id}/models`))).models, []);
  for (let i = 0; i < 50 && existsSync(join(t.dataDir, 'jobs', job.id)); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(existsSync(join(t.dataDir, 'jobs', job.id)), false);
});
