import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initWasmBackend } from '../backend/init-wasm.ts';
import { MODEL_FAMILIES } from '../families/registry.ts';
import { createRandom } from '../util/random.ts';
import { fromSamples } from './data.ts';
import { fit, type FitOptions, type FitResult } from './fit.ts';
import { stratifiedSplit } from './split.ts';
import type { TrainerProgress } from './progress.ts';
import { brightVersusDark } from './test-images.ts';

await initWasmBackend();

const SHAPE: [number, number, number] = [32, 32, 3];

/** The default small CNN through `fit`, on two classes of 32x32x3 images. */
async function train(data: { images: readonly Float32Array[]; targets: readonly number[] }, options: Omit<FitOptions, 'numClasses'>): Promise<FitResult> {
  return fit(fromSamples(data.images, data.targets, SHAPE), (seed) => MODEL_FAMILIES['small-cnn'].build({}, SHAPE, 2, seed), { numClasses: 2, ...options });
}

test('stratified split keeps every class on both sides and is seeded', () => {
  const targets = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2];
  const a = stratifiedSplit(targets, 0.2, createRandom(3));
  const b = stratifiedSplit(targets, 0.2, createRandom(3));
  assert.deepEqual(a, b);
  const count = (indices: number[], c: number): number => indices.filter((i) => targets[i] === c).length;
  assert.deepEqual([0, 1, 2].map((c) => count(a.validationIndices, c)), [2, 1, 1]);
  assert.deepEqual([0, 1, 2].map((c) => count(a.trainIndices, c)), [8, 4, 1]);
  assert.equal(new Set([...a.trainIndices, ...a.validationIndices]).size, targets.length);
});

test('learns bright vs dark images to ≥ 90% validation accuracy, reporting progress', async () => {
  const data = brightVersusDark(60);
  const events: TrainerProgress[] = [];
  const result = await train(data, {
    budgetSeconds: 10, epochs: 8, batchSize: 16, seed: 1, augment: { flip: true },
    onProgress: (p) => events.push(p),
  });
  assert.ok(result.metrics.valAccuracy! >= 0.9, `valAccuracy ${result.metrics.valAccuracy}`);
  assert.equal(result.epochs, 8);
  assert.equal(result.stoppedBy, 'epochs');
  const epochEvents = events.filter((e) => e.event === 'epoch');
  assert.equal(epochEvents.length, 8);
  assert.ok(events.length > epochEvents.length, 'batch events arrive too');
  assert.ok(events.every((e, i) => i === 0 || e.fraction >= events[i - 1].fraction), 'fraction never decreases');
  assert.equal(typeof epochEvents.at(-1)!.valLoss, 'number');
  result.model.dispose();
});

test('same seed, same training, no leaked tensors', async () => {
  const data = brightVersusDark(20);
  const options = { budgetSeconds: 10, epochs: 2, batchSize: 8, seed: 5 };
  const tensorsBefore = tf.memory().numTensors;
  const a = await train(data, options);
  const b = await train(data, options);
  assert.deepEqual(a.history.map((h) => [h.loss, h.valLoss]), b.history.map((h) => [h.loss, h.valLoss]));
  a.model.dispose();
  b.model.dispose();
  assert.equal(tf.memory().numTensors, tensorsBefore, 'training leaks no tensors');
});

test('stops when the next epoch would exceed the time budget', async () => {
  const data = brightVersusDark(200);
  const started = performance.now();
  const result = await train(data, { budgetSeconds: 1, epochs: 1000, seed: 2 });
  const seconds = (performance.now() - started) / 1000;
  assert.equal(result.stoppedBy, 'budget');
  assert.ok(result.epochs >= 1 && result.epochs < 1000);
  assert.ok(seconds < 1.6, `took ${seconds.toFixed(2)} s for a 1 s budget`);
  result.model.dispose();
});

test('chooses epochs from the budget when none are given', async () => {
  const data = brightVersusDark(40);
  const planned: number[] = [];
  const result = await train(data, { budgetSeconds: 1.5, seed: 3, onProgress: (p) => planned.push(p.epochs) });
  assert.ok(planned[0] > 1, `planned ${planned[0]} epochs`);
  assert.ok(result.epochs >= 2, `trained ${result.epochs} epochs`);
  result.model.dispose();
});

test('aborts between batches with an AbortError', async () => {
  const data = brightVersusDark(64);
  const controller = new AbortController();
  const training = train(data, {
    budgetSeconds: 30, epochs: 100, batchSize: 8, seed: 4,
    signal: controller.signal, onProgress: () => controller.abort(),
  });
  await assert.rejects(training, { name: 'AbortError' });
});

test('rejects inconsistent input with a useful message', async () => {
  await assert.rejects(
    train({ images: [new Float32Array(10), new Float32Array(10)], targets: [0, 1] }, { budgetSeconds: 1 }),
    /sample 0 has 10 values; shape 32x32x3 needs 3072/,
  );
});
