import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initWasmBackend } from '../backend/init-wasm.ts';
import { MODEL_FAMILIES } from '../families/registry.ts';
import { createRandom } from '../util/random.ts';
import { augmentImage } from './augment.ts';
import type { TrainingCheckpoint } from './checkpoint.ts';
import { fromSamples, predictSamples } from './data.ts';
import { effectiveBatchSize, fit, MIN_STEPS_PER_EPOCH, type FitOptions } from './fit.ts';
import type { TrainerProgress } from './progress.ts';
import { afterEpoch, initialScheduleState, rateForEpoch } from './schedule.ts';
import { brightVersusDark } from './test-images.ts';

await initWasmBackend();

const SHAPE = [8, 8, 1];
const images = (count: number, seed = 7) => {
  const { images: samples, targets } = brightVersusDark(count, seed, SHAPE as [number, number, number]);
  return fromSamples(samples, targets, SHAPE);
};
const smallCnn = (seed: number) => MODEL_FAMILIES['small-cnn'].build({ filters: 8, denseUnits: 16 }, SHAPE, 2, seed);
const base: FitOptions = { numClasses: 2, budgetSeconds: 30, epochs: 4, batchSize: 8, seed: 3 };

test('resuming from a checkpoint continues exactly as the uninterrupted run', async () => {
  const data = images(48);
  const options: FitOptions = {
    ...base, epochs: 4, augment: { flip: true, rotationDegrees: 10, brightness: 0.1 }, lrSchedule: { type: 'cosine' },
    earlyStopping: { patience: 10 }, classWeights: 'balanced',
  };
  const checkpoints: TrainingCheckpoint[] = [];
  const full = await fit(data, smallCnn, { ...options, onCheckpoint: (c) => void checkpoints.push(c) });
  assert.deepEqual(checkpoints.map((c) => c.epoch), [1, 2, 3, 4]);
  const trainCount = full.split.trainIndices.length;
  assert.equal(checkpoints[1].optimizerStep, 2 * Math.ceil(trainCount / effectiveBatchSize(trainCount, 8)));
  // Persisted bytes only (as the server would), at an odd offset.
  const stored = new Uint8Array(checkpoints[1].bytes.length + 1);
  stored.set(checkpoints[1].bytes, 1);
  const resumed = await fit(data, smallCnn, { ...options, resumeFrom: { ...checkpoints[1], bytes: stored.subarray(1) } });
  assert.deepEqual(resumed.history.map((h) => [h.loss, h.valLoss, h.learningRate]), full.history.map((h) => [h.loss, h.valLoss, h.learningRate]));
  const a = await Promise.all(full.model.getWeights().map((w) => w.data()));
  const b = await Promise.all(resumed.model.getWeights().map((w) => w.data()));
  assert.deepEqual(b, a);
  full.model.dispose();
  resumed.model.dispose();
});

test('a tiny training set gets smaller batches, so every epoch is several optimizer steps', async () => {
  assert.equal(effectiveBatchSize(16, 32), 4, 'a phone\'s first 16 samples: 4 steps of 4, not 1 of 16');
  assert.equal(effectiveBatchSize(90, 32), 12, 'a 90-row fold: 8 steps');
  assert.equal(effectiveBatchSize(256, 32), 32, 'enough data: the configured batch');
  assert.equal(effectiveBatchSize(50_000, 64), 64);
  assert.equal(effectiveBatchSize(3, 32), 4, 'never below 4, so batch norm still sees a batch');

  const events: TrainerProgress[] = [];
  const result = await fit(images(20), smallCnn, { ...base, batchSize: 32, epochs: 1, onProgress: (p) => events.push(p) });
  const trainCount = result.split.trainIndices.length;
  assert.ok(trainCount <= 32, 'the whole training set fits one configured batch');
  const batches = events.at(-1)!.batches!;
  assert.equal(batches, Math.ceil(trainCount / effectiveBatchSize(trainCount, 32)));
  assert.ok(batches >= Math.min(MIN_STEPS_PER_EPOCH, Math.floor(trainCount / 4)));
  result.model.dispose();
});

test('initialWeights: training starts from another run\'s weights with a fresh optimizer and epoch count', async () => {
  const checkpoints: TrainingCheckpoint[] = [];
  const first = await fit(images(48), smallCnn, { ...base, epochs: 3, learningRate: 0.01, onCheckpoint: (c) => void checkpoints.push(c) });
  // learningRate 0: the continued model keeps exactly the checkpoint's weights, so it predicts as the first run's did.
  const data = images(64, 11);
  const continued = await fit(data, smallCnn, { ...base, epochs: 1, learningRate: 0, initialWeights: checkpoints.at(-1)!.bytes });
  assert.equal(continued.epochs, 1, 'a fresh epoch count');
  const all = Array.from({ length: 64 }, (_, i) => i);
  assert.deepEqual(await predictSamples(continued.model, data, all), await predictSamples(first.model, data, all));
  const scratch = await fit(data, smallCnn, { ...base, epochs: 1, learningRate: 0 });
  assert.notDeepEqual(await predictSamples(scratch.model, data, all), await predictSamples(first.model, data, all), 'the initializers differ from the trained weights');
  const other = (seed: number) => MODEL_FAMILIES['small-cnn'].build({ filters: 8, denseUnits: 16, blocks: 1 }, SHAPE, 2, seed);
  await assert.rejects(fit(data, other, { ...base, epochs: 1, initialWeights: checkpoints.at(-1)!.bytes }), /same family and config/);
  for (const run of [first, continued, scratch]) run.model.dispose();
});

test('early stopping stops on a flat validation loss and restores the best weights', async () => {
  const data = images(40);
  // A learning rate of 0 keeps the val loss flat: no epoch after the first improves.
  const result = await fit(data, smallCnn, { ...base, epochs: 20, learningRate: 0, earlyStopping: { patience: 2 } });
  assert.equal(result.stoppedBy, 'early-stopping');
  assert.equal(result.epochs, 3);
  assert.equal(result.metrics.bestEpoch, 1);
  result.model.dispose();

  const events: TrainerProgress[] = [];
  const restored = await fit(data, smallCnn, { ...base, epochs: 6, learningRate: 0.05, earlyStopping: { patience: 1 }, onProgress: (p) => events.push(p) });
  const best = restored.history.reduce((m, h) => (h.valLoss! < m.valLoss! ? h : m));
  assert.equal(restored.metrics.bestEpoch, best.epoch);
  assert.equal(restored.metrics.valLoss, best.valLoss);
  const probabilities = await predictSamples(restored.model, data, restored.split.validationIndices);
  let loss = 0;
  restored.split.validationIndices.forEach((index, i) => { loss -= Math.log(Math.min(Math.max(probabilities[i * 2 + data.targets[index]], 1e-7), 1 - 1e-7)); });
  assert.ok(Math.abs(loss / restored.split.validationIndices.length - best.valLoss!) < 1e-5, 'returned weights are the best epoch\'s');
  const batch = events.find((e) => e.event === 'batch')!;
  assert.equal(batch.batch, 1);
  const trainCount = restored.split.trainIndices.length;
  assert.equal(batch.batches, Math.ceil(trainCount / effectiveBatchSize(trainCount, 8)));
  assert.equal(typeof batch.etaSeconds, 'number');
  restored.model.dispose();
});

test('learning-rate schedules: cosine decays to the minimum, plateau cuts after patience', () => {
  const state = initialScheduleState(0.1);
  assert.equal(rateForEpoch({ type: 'cosine' }, 0.1, 1, 5, state), 0.1);
  assert.ok(Math.abs(rateForEpoch({ type: 'cosine' }, 0.1, 3, 5, state) - 0.05) < 1e-12);
  assert.ok(Math.abs(rateForEpoch({ type: 'cosine', minLearningRate: 0.01 }, 0.1, 6, 5, state) - 0.01) < 1e-12);
  assert.equal(rateForEpoch({ type: 'cosine', warmupEpochs: 1 }, 0.1, 1, 5, state), 0.05);
  // A decay over 27 epochs (a search's last rung): a 3-epoch run of it keeps nearly the base rate; 27 decays fully.
  const over27 = { type: 'cosine', epochs: 27 } as const;
  assert.equal(rateForEpoch({ type: 'cosine' }, 0.1, 3, 3, state), 0, 'over the run\'s own 3 epochs it ends at 0');
  assert.ok(rateForEpoch(over27, 0.1, 3, 3, state) > 0.098, `${rateForEpoch(over27, 0.1, 3, 3, state)}`);
  assert.ok(Math.abs(rateForEpoch(over27, 0.1, 14, 27, state) - 0.05) < 1e-12);
  assert.equal(rateForEpoch(over27, 0.1, 27, 27, state), 0);
  assert.equal(rateForEpoch(over27, 0.1, 30, 50, state), 0, 'past its epochs the rate stays at the minimum');
  const plateau = { type: 'plateau', patience: 2, factor: 0.5 } as const;
  let s = afterEpoch(plateau, state, 1.0);
  s = afterEpoch(plateau, s, 1.0);
  assert.equal(rateForEpoch(plateau, 0.1, 3, 5, s), 0.1);
  s = afterEpoch(plateau, s, 1.0);
  assert.equal(rateForEpoch(plateau, 0.1, 4, 5, s), 0.05);
});

test('balanced class weights lift the minority class\'s recall on imbalanced data', async () => {
  // 90% class 0; classes overlap, so an unweighted model favours the majority.
  const random = createRandom(5);
  const count = 200;
  const x = new Float32Array(count * 4);
  const targets = Array.from({ length: count }, (_, i) => (i % 10 === 0 ? 1 : 0));
  targets.forEach((t, i) => { for (let f = 0; f < 4; f++) x[i * 4 + f] = (t ? 0.4 : -0.4) + (random.next() - 0.5) * 2.5; });
  const data = { x, shape: [4], targets };
  const mlp = (seed: number) => MODEL_FAMILIES.mlp.build({ layers: 1, units: 16, dropout: 0 }, [4], 2, seed);
  const recall = async (classWeights?: 'balanced') => {
    const r = await fit(data, mlp, { numClasses: 2, budgetSeconds: 30, epochs: 15, batchSize: 32, seed: 1, validationSplit: 0, learningRate: 0.01, classWeights });
    const p = await predictSamples(r.model, data, targets.map((_, i) => i));
    r.model.dispose();
    const minority = targets.map((t, i) => [t, i] as const).filter(([t]) => t === 1);
    return minority.filter(([, i]) => p[i * 2 + 1] > p[i * 2]).length / minority.length;
  };
  const plain = await recall();
  const weighted = await recall('balanced');
  assert.ok(weighted > plain + 0.2, `minority recall ${plain} → ${weighted}`);
});

test('weight penalties are part of the training loss (tf.layers adds them only inside model.fit)', async () => {
  const random = createRandom(9);
  const count = 64;
  const x = Float32Array.from({ length: count * 4 }, () => random.next() * 2 - 1);
  const targets = Array.from({ length: count }, (_, i) => (x[i * 4] > 0 ? 1 : 0));
  const data = { x, shape: [4], targets };
  const kernelNorm = async (l2: number) => {
    const r = await fit(data, (seed) => MODEL_FAMILIES.linear.build({ l2 }, [4], 2, seed), { numClasses: 2, budgetSeconds: 30, epochs: 30, seed: 1, validationSplit: 0, learningRate: 0.05 });
    const norm = tf.tidy(() => tf.norm(r.model.getWeights()[0]).dataSync()[0]);
    r.model.dispose();
    return norm;
  };
  const weak = await kernelNorm(1e-6);
  const strong = await kernelNorm(0.1);
  assert.ok(strong < weak / 2, `kernel norm with l2 0.1 (${strong}) should be well under the one with l2 1e-6 (${weak})`);
});

test('augmentation: flip mirrors exactly, zero-strength transforms are identities, seeded', () => {
  const shape = [3, 4, 2];
  const image = Float32Array.from({ length: 24 }, (_, i) => i);
  const out = new Float32Array(24);
  augmentImage(image, out, 0, shape, { flip: true }, { next: () => 0.1, nextSeed: () => 0, state: () => 0 });
  assert.deepEqual([...out.subarray(0, 8)], [6, 7, 4, 5, 2, 3, 0, 1]);
  augmentImage(image, out, 0, shape, { rotationDegrees: 1e-9, zoom: 1e-12 }, createRandom(1));
  out.forEach((v, i) => assert.ok(Math.abs(v - image[i]) < 1e-6));
  augmentImage(image, out, 0, shape, { brightness: 0.5 }, { next: () => 1, nextSeed: () => 0, state: () => 0 });
  out.forEach((v, i) => assert.ok(Math.abs(v - (image[i] + 0.5)) < 1e-5));
  const a = new Float32Array(24);
  const b = new Float32Array(24);
  const all = { flip: true, rotationDegrees: 15, zoom: 0.2, translate: 0.1, brightness: 0.2, contrast: 0.2 };
  augmentImage(image, a, 0, shape, all, createRandom(9));
  augmentImage(image, b, 0, shape, all, createRandom(9));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, image);
});

test('augmentation is refused for non-image samples; a checkpoint from another model is refused', async () => {
  const data = { x: new Float32Array(8), shape: [4], targets: [0, 1] };
  await assert.rejects(fit(data, (s) => MODEL_FAMILIES.mlp.build({}, [4], 2, s), { ...base, augment: { flip: true } }), /augment needs image samples/);
  const checkpoints: TrainingCheckpoint[] = [];
  const small = images(16);
  const r = await fit(small, smallCnn, { ...base, epochs: 1, onCheckpoint: (c) => void checkpoints.push(c) });
  r.model.dispose();
  const before = tf.memory().numTensors;
  await assert.rejects(
    fit(small, (s) => MODEL_FAMILIES['small-cnn'].build({ blocks: 1 }, SHAPE, 2, s), { ...base, resumeFrom: checkpoints[0] }),
    /Checkpoint holds 8 weights; the model has 6/,
  );
  assert.equal(tf.memory().numTensors, before, 'a failed resume leaks nothing');
});

test('training by budget spends what is left on part of a last epoch (time from a clock that each batch moves 1 s)', async () => {
  let clock = 0;
  const result = await fit(images(48), smallCnn, {
    numClasses: 2, budgetSeconds: 15, batchSize: 8, seed: 3, validationSplit: 0, now: () => clock,
    onProgress: (progress) => { if (progress.event === 'batch') clock += 1000; },
  });
  // 48 samples in batches of 6 (effectiveBatchSize): 8 batches (8 s) an epoch. After one, 7 s are left: not a
  // whole epoch, so 6 batches (7/8 of one, less the 5% margin) instead of stopping with 7 s unused.
  assert.deepEqual(result.history.map((h) => h.share), [undefined, 6 / 8]);
  assert.equal(result.stoppedBy, 'epochs');
  assert.equal(clock, 14_000);
});
