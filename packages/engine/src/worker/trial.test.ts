import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadLiteRtNode, runTflite } from '@offgrid/tflite';
import { brightVersusDark } from '../train/test-images.ts';
import { fromSamples } from '../train/data.ts';
import type { TrainingCheckpoint } from '../train/checkpoint.ts';
import { createRandom } from '../util/random.ts';
import { trainInWorker } from './trial.ts';
import { blobs } from './test-trial-data.ts';
import type { TrialProgress, TrialRequest } from './trial-protocol.ts';

function imageData(count: number, shape: [number, number, number], seed = 7): TrialRequest['data'] {
  const { images, targets } = brightVersusDark(count, seed, shape);
  const data = fromSamples(images, targets, shape);
  return { x: data.x, shape: [...shape], targets };
}

/** Three sine frequencies over 32 steps × 2 channels (sequences). */
function waves(count: number): TrialRequest['data'] {
  const random = createRandom(4);
  const x = new Float32Array(count * 64);
  const targets = Array.from({ length: count }, (_, i) => i % 3);
  targets.forEach((t, i) => {
    const phase = random.next() * 6.28;
    for (let s = 0; s < 32; s++) for (let c = 0; c < 2; c++) x[i * 64 + s * 2 + c] = Math.sin(phase + (s * (t + 1) * 3.14) / 8) + (random.next() - 0.5) * 0.3;
  });
  return { x, shape: [32, 2], targets };
}

test('a small-cnn trial returns TFLite bytes, validation metrics, history and per-epoch checkpoints', async () => {
  const events: TrialProgress[] = [];
  const checkpoints: TrainingCheckpoint[] = [];
  const request: TrialRequest = {
    family: 'small-cnn', config: { filters: 8, denseUnits: 16 }, training: { augment: 'flip', lrSchedule: 'cosine' },
    data: imageData(60, [16, 16, 3]), labels: ['dark', 'bright'], budgetSeconds: 30, epochs: 4, seed: 1,
  };
  const result = await trainInWorker(request, { onProgress: (p) => events.push(p), onCheckpoint: (c) => checkpoints.push(c) });
  assert.equal(result.epochs, 4);
  assert.equal(result.stoppedBy, 'epochs');
  assert.deepEqual(result.inputShape, [16, 16, 3]);
  assert.equal(result.history.length, 4);
  assert.ok(result.metrics.validation!.accuracy >= 0.9, `val accuracy ${result.metrics.validation!.accuracy}`);
  assert.equal(result.metrics.validation!.accuracy, result.metrics.valAccuracy);
  assert.equal(result.metrics.validation!.count, 12);
  assert.deepEqual(checkpoints.map((c) => c.epoch), [1, 2, 3, 4]);
  assert.deepEqual([...new Set(events.map((e) => e.phase))], ['preparing', 'training', 'exporting', 'done']);
  assert.ok(events.every((e, i) => i === 0 || e.fraction >= events[i - 1].fraction));
  await loadLiteRtNode();
  const [out] = await runTflite(result.tflite, [new Float32Array(16 * 16 * 3).fill(0.6)]);
  assert.ok(out[1] > 0.5, 'bright image classified bright by the exported model');

  // Resuming from epoch 2 in a fresh worker continues exactly.
  const resumed = await trainInWorker({ ...request, checkpoint: checkpoints[1] });
  assert.deepEqual(resumed.history.map((h) => h.valLoss), result.history.map((h) => h.valLoss));
  assert.deepEqual(resumed.tflite, result.tflite);
});

test('two trials run at once in two workers, with the same results as one at a time', async (t) => {
  const request = (family: string, seed: number): TrialRequest => family === 'mlp'
    ? { family, data: blobs(600), labels: ['a', 'b', 'c'], budgetSeconds: 60, epochs: 8, seed }
    : { family, data: waves(300), labels: ['slow', 'mid', 'fast'], budgetSeconds: 60, epochs: 6, seed, training: { learningRate: 0.005 } };
  let start = performance.now();
  const alone = [await trainInWorker(request('cnn1d', 1)), await trainInWorker(request('mlp', 2))];
  const sequential = performance.now() - start;
  start = performance.now();
  const together = await Promise.all([trainInWorker(request('cnn1d', 1)), trainInWorker(request('mlp', 2))]);
  const parallel = performance.now() - start;
  t.diagnostic(`one at a time ${(sequential / 1000).toFixed(2)} s, two at once ${(parallel / 1000).toFixed(2)} s: speed-up ${(sequential / parallel).toFixed(2)}x`);
  together.forEach((r, i) => assert.deepEqual(r.history.map((h) => h.loss), alone[i].history.map((h) => h.loss)));
  assert.ok(alone[0].metrics.validation!.accuracy >= 0.8, `cnn1d val accuracy ${alone[0].metrics.validation!.accuracy}`);
  assert.ok(alone[1].metrics.validation!.accuracy >= 0.8, `mlp val accuracy ${alone[1].metrics.validation!.accuracy}`);
});

test('a mobilenet trial at another resolution resizes the data and exports that input size', async () => {
  const result = await trainInWorker({
    family: 'mobilenet', config: { resolution: 32, widthMultiplier: 0.25, blocks: 2 },
    data: imageData(24, [20, 20, 3]), labels: ['dark', 'bright'], budgetSeconds: 30, epochs: 1, seed: 2,
  });
  assert.deepEqual(result.inputShape, [32, 32, 3]);
  const [out] = await runTflite(result.tflite, [new Float32Array(32 * 32 * 3)]);
  assert.equal(out.length, 2);
});

test('bad trials fail fast with the reason', async () => {
  await assert.rejects(trainInWorker({ family: 'resnet', data: blobs(6), labels: ['a', 'b', 'c'], budgetSeconds: 5 }), /Unknown model family "resnet"/);
  await assert.rejects(trainInWorker({ family: 'mlp', config: { layers: 9 }, data: blobs(6), labels: ['a', 'b', 'c'], budgetSeconds: 5 }), /layers = 9 is outside \[1, 4\]/);
  await assert.rejects(trainInWorker({ family: 'mlp', data: blobs(6), labels: ['a', 'b', 'c'], budgetSeconds: 5 }, { signal: AbortSignal.abort() }), { name: 'AbortError' });
});

test('aborting a running trial terminates its worker at once with an AbortError', async () => {
  const controller = new AbortController();
  let abortedAt = 0;
  const trial = trainInWorker(
    { family: 'mlp', data: blobs(300), labels: ['a', 'b', 'c'], epochs: 10_000, budgetSeconds: 120, seed: 1 },
    { signal: controller.signal, onProgress: () => { if (!abortedAt) { abortedAt = Date.now(); controller.abort(); } } },
  );
  await assert.rejects(trial, { name: 'AbortError' });
  assert.ok(abortedAt > 0, 'the trial reported progress before the abort');
  assert.ok(Date.now() - abortedAt < 2000, `settled ${Date.now() - abortedAt} ms after the abort`);
});

test('on two cores each worker computes half of every batch: the same first epoch as one core, and it learns', async () => {
  // Without dropout, augmentation or batch norm, and in the first epoch (same shuffle), averaging the halves'
  // gradients weighted by their sizes is the whole batch's gradient: the runs differ only by float rounding.
  const request: TrialRequest = {
    family: 'mlp', config: { dropout: 0, units: 32 }, trainer: { batchSize: 16, learningRate: 0.01 }, data: blobs(150), labels: ['a', 'b', 'c'], budgetSeconds: 60, epochs: 1, seed: 2,
  };
  const one = await trainInWorker(request);
  const two = await trainInWorker({ ...request, cores: 2 });
  const close = (a: number, b: number) => Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(a));
  assert.ok(close(one.history[0].loss, two.history[0].loss), `train loss ${one.history[0].loss} vs ${two.history[0].loss}`);
  assert.ok(close(one.history[0].valLoss!, two.history[0].valLoss!), `val loss ${one.history[0].valLoss} vs ${two.history[0].valLoss}`);

  const cnn = await trainInWorker({
    family: 'small-cnn', config: { filters: 8, denseUnits: 16 }, training: { augment: 'flip' }, data: imageData(80, [16, 16, 3]), labels: ['dark', 'bright'],
    budgetSeconds: 60, epochs: 4, seed: 1, cores: 2,
  });
  assert.equal(cnn.epochs, 4);
  assert.ok(cnn.metrics.validation!.accuracy >= 0.9, `val accuracy ${cnn.metrics.validation!.accuracy}`);
  await assert.rejects(trainInWorker({ ...request, cores: 2, checkpoint: { epoch: 1, optimizerStep: 1, bytes: new Uint8Array(8) } }), /cannot resume from a checkpoint/);
});

test('a cross-validated trial (folds) scores every sample out of fold, sends no checkpoints, and refuses to resume', async () => {
  const data = blobs(60);
  const checkpoints: TrainingCheckpoint[] = [];
  const request: TrialRequest = { family: 'mlp', config: { layers: 1, units: 16 }, training: { learningRate: 0.02 }, data, labels: ['a', 'b', 'c'], epochs: 3, budgetSeconds: 60, seed: 1, folds: 3 };
  const result = await trainInWorker(request, { onCheckpoint: (c) => checkpoints.push(c) });
  assert.equal(result.metrics.validation?.confusion.flat().reduce((a, b) => a + b, 0), 60, 'all 60 samples validated');
  assert.equal(result.validationIndices.length, 20, "the returned model's own fold");
  assert.equal(result.history.length, 3);
  assert.equal(checkpoints.length, 0);
  assert.ok(result.tflite.byteLength > 0);
  await assert.rejects(trainInWorker({ ...request, initialWeights: new Uint8Array(8) }), /Cross-validated trials \(folds\) cannot resume/);
});
