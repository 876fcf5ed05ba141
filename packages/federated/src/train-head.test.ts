import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHead, evaluateHead, type Head } from './head.ts';
import { headLossGradient, trainHead } from './train-head.ts';
import { headDelta, l2Norm } from './update.ts';
import { createBlobs, sampleBlobs } from './synthetic.ts';

const blobs = createBlobs(11, 8, 4, 3);
const train = sampleBlobs(blobs, 1, 50);
const heldOut = sampleBlobs(blobs, 2, 50);

test('trainHead learns a separable problem: the loss falls, accuracy on held-out samples is high', async () => {
  const base = createHead(8, 4);
  const losses: number[] = [];
  const before = evaluateHead(base, train.embeddings, train.targets);
  const result = await trainHead(base, train, { epochs: 10, seed: 1, learningRate: 0.05, onEpoch: ({ loss, epoch, epochs }) => {
    assert.equal(epochs, 10);
    assert.equal(epoch, losses.length + 1);
    losses.push(loss);
  } });
  assert.equal(result.epochsRun, 10);
  assert.equal(result.cancelled, false);
  assert.equal(result.loss, losses[9]);
  assert.ok(losses[9] < losses[0] / 2, `loss ${losses[0]} → ${losses[9]}`);
  const after = evaluateHead(result.head, train.embeddings, train.targets);
  assert.ok(after.loss < before.loss / 4, `train loss ${before.loss} → ${after.loss}`);
  const accuracy = evaluateHead(result.head, heldOut.embeddings, heldOut.targets).accuracy;
  assert.ok(accuracy >= 0.95, `held-out accuracy ${accuracy}`);
  assert.ok(base.weights.every((w) => w === 0), 'the base head is not modified');
});

test('trainHead is deterministic for a seed and differs across seeds', async () => {
  const options = { epochs: 3, learningRate: 0.05, batchSize: 16, l2: 1e-3 };
  const a = await trainHead(createHead(8, 4), train, { ...options, seed: 7 });
  const b = await trainHead(createHead(8, 4), train, { ...options, seed: 7 });
  const c = await trainHead(createHead(8, 4), train, { ...options, seed: 8 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.head.weights, c.head.weights);
});

test('trainHead stops on abort: between epochs, mid-epoch, and before it starts', async () => {
  const controller = new AbortController();
  const stopped = await trainHead(createHead(8, 4), train, { epochs: 10, seed: 3, signal: controller.signal, onEpoch: ({ epoch }) => {
    if (epoch === 1) controller.abort();
  } });
  assert.equal(stopped.cancelled, true);
  assert.equal(stopped.epochsRun, 1);
  const oneEpoch = await trainHead(createHead(8, 4), train, { epochs: 1, seed: 3 });
  assert.deepEqual(stopped.head, oneEpoch.head, 'the head as of the last full batch (here: the end of epoch 1)');

  const midway = new AbortController();
  let ticks = 0;
  const yielding = setInterval(() => {
    if (++ticks === 3) midway.abort();
  }, 0);
  const big = sampleBlobs(blobs, 4, 2000);
  const cut = await trainHead(createHead(8, 4), big, { epochs: 50, seed: 3, batchSize: 8, signal: midway.signal, yieldEveryMs: 0 });
  clearInterval(yielding);
  assert.equal(cut.cancelled, true);
  assert.ok(cut.epochsRun < 50 && Number.isFinite(cut.loss));
  assert.ok(cut.head.weights.every(Number.isFinite));

  const before = await trainHead(createHead(8, 4), train, { epochs: 5, seed: 3, signal: AbortSignal.abort() });
  assert.deepEqual(before, { head: createHead(8, 4), epochsRun: 0, loss: NaN, cancelled: true });
});

test('trainHead yields to the event loop (a macrotask) while it trains', async () => {
  let timerRan = false;
  setTimeout(() => (timerRan = true), 0);
  let sawTimer = false;
  await trainHead(createHead(8, 4), train, { epochs: 3, seed: 1, yieldEveryMs: 0, onEpoch: () => (sawTimer ||= timerRan) });
  assert.ok(sawTimer, 'a timer queued before training ran before training ended');
});

test('the proximal term keeps the trained head nearer to the base', async () => {
  const base = createHead(8, 4, { seed: 9 });
  const options = { epochs: 5, seed: 2, learningRate: 0.05 };
  const free = await trainHead(base, train, options);
  const held = await trainHead(base, train, { ...options, proximal: 1 });
  const freeDistance = l2Norm(headDelta(base, free.head));
  const heldDistance = l2Norm(headDelta(base, held.head));
  assert.ok(heldDistance < freeDistance * 0.8, `‖Δ‖ with μ=1: ${heldDistance}, without: ${freeDistance}`);
});

test('headLossGradient matches finite differences (cross-entropy, l2 and proximal terms)', () => {
  const small = sampleBlobs(createBlobs(5, 3, 3, 1), 6, 4);
  const head = createHead(3, 3, { seed: 4, scale: 0.5 });
  const base = createHead(3, 3, { seed: 8, scale: 0.5 });
  const options = { l2: 0.1, proximal: 0.3, base };
  const { gradient } = headLossGradient(head, small, options);
  const at = (weights: Float32Array, bias: Float32Array) => headLossGradient({ ...head, weights, bias }, small, options).loss;
  const size = head.weights.length + head.bias.length;
  for (let j = 0; j < size; j++) {
    const isWeight = j < head.weights.length;
    const values = isWeight ? head.weights : head.bias;
    const index = isWeight ? j : j - head.weights.length;
    const plus = values.slice();
    const minus = values.slice();
    plus[index] += 1e-2;
    minus[index] -= 1e-2;
    const step = plus[index] - minus[index]; // the float32 step actually taken
    const numeric = (isWeight ? at(plus, head.bias) - at(minus, head.bias) : at(head.weights, plus) - at(head.weights, minus)) / step;
    assert.ok(Math.abs(numeric - gradient[j]) < 1e-4 * Math.max(1, Math.abs(gradient[j])), `θ[${j}]: analytic ${gradient[j]}, numeric ${numeric}`);
  }
});

test('trainHead refuses bad input and says how to fix it', async () => {
  const base = createHead(8, 4);
  const run = (head: Head, data: { embeddings: Float32Array; targets: ArrayLike<number> }, options: object = {}) =>
    trainHead(head, data, { epochs: 1, seed: 1, ...options });
  await assert.rejects(run(base, { embeddings: train.embeddings, targets: [...train.targets].slice(1) }), /199 targets need 199 × 8 \(inputSize\)/);
  await assert.rejects(run(base, { embeddings: new Float32Array(8), targets: [4] }), /targets\[0\] is 4; a target must be a class index 0…3/);
  await assert.rejects(run(base, { embeddings: Float32Array.of(0, 0, 0, 0, 0, 0, 0, Infinity), targets: [1] }), /sample 0 holds Infinity at index 7; drop that sample/);
  await assert.rejects(run(createHead(4, 4), train), /need 200 × 4 \(inputSize\) = 800 embedding numbers, got 1600; is the embedding from the same trunk/);
  await assert.rejects(run(base, train, { learningRate: -1 }), /learningRate must be a positive number; got -1/);
  await assert.rejects(run(base, train, { batchSize: 2.5 }), /batchSize must be a positive integer/);
  await assert.rejects(run(base, train, { proximal: -0.1 }), /proximal must be a finite number ≥ 0/);
  await assert.rejects(trainHead(base, train, { epochs: 1.5, seed: 1 }), /epochs must be a whole number/);
  await assert.rejects(run(base, train, { learningRate: 1e308 }), /diverged in epoch 1 \(loss NaN\): lower learningRate \(was 1e\+308\)/);
  await assert.rejects(run(base, train, { learningRate: 1e39 }), /diverged: the head's weights overflow float32; lower learningRate \(was 1e\+39\) or scale the embeddings/);
});
