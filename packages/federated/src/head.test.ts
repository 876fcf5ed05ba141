import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cloneHead, createHead, evaluateHead, headLogits, headProbabilities, logitRange, validateHead, type Head } from './head.ts';

// A 2-class head over 3 inputs: class 0 = x0 + 2·x1 − x2 + 0.5, class 1 = −x0 + x2 − 1.
function smallHead(): Head {
  return { inputSize: 3, numClasses: 2, weights: Float32Array.of(1, 2, -1, -1, 0, 1), bias: Float32Array.of(0.5, -1) };
}

test('createHead: zeros by default, seeded uniform within the Glorot limit, the same for the same seed', () => {
  const zero = createHead(4, 3);
  assert.equal(zero.weights.length, 12);
  assert.ok(zero.weights.every((w) => w === 0) && zero.bias.every((b) => b === 0));
  const a = createHead(4, 3, { seed: 5 });
  const limit = Math.sqrt(6 / 7);
  assert.ok(a.weights.every((w) => Math.abs(w) <= limit) && a.weights.some((w) => w !== 0));
  assert.deepEqual(a, createHead(4, 3, { seed: 5 }));
  assert.notDeepEqual(a.weights, createHead(4, 3, { seed: 6 }).weights);
  assert.throws(() => createHead(0, 3), /inputSize must be a positive integer/);
  assert.throws(() => createHead(4, 1), /numClasses must be an integer ≥ 2/);
});

test('cloneHead copies the arrays', () => {
  const head = smallHead();
  const copy = cloneHead(head);
  copy.weights[0] = 9;
  copy.bias[0] = 9;
  assert.equal(head.weights[0], 1);
  assert.equal(head.bias[0], 0.5);
});

test('headLogits is W·x + b in FULLY_CONNECTED layout; headProbabilities a stable softmax', () => {
  const head = smallHead();
  assert.deepEqual([...headLogits(head, [1, 2, 3])], [1 + 4 - 3 + 0.5, -1 + 3 - 1]);
  const out = new Float32Array(2);
  assert.equal(headLogits(head, Float32Array.of(0, 0, 0), out), out);
  assert.deepEqual([...out], [0.5, -1]);
  const p = headProbabilities(head, [1, 2, 3]);
  const expected = 1 / (1 + Math.exp(1 - 2.5));
  assert.ok(Math.abs(p[0] - expected) < 1e-7 && Math.abs(p[0] + p[1] - 1) < 1e-7);
  const huge = headProbabilities(head, [1e6, 1e6, 0]); // logits 3e6 and −1e6: no overflow
  assert.deepEqual([...huge], [1, 0]);
  assert.throws(() => headLogits(head, [1, 2]), /2 numbers but the head takes 3/);
});

test('evaluateHead: accuracy and mean cross-entropy by hand', () => {
  const head = smallHead();
  const embeddings = Float32Array.of(1, 2, 3, 0, 0, 5); // logits [2.5, 1] → class 0; [-4.5, 4] → class 1
  const result = evaluateHead(head, embeddings, [0, 0]);
  const ce = (logits: number[], t: number) => Math.log(logits.reduce((s, l) => s + Math.exp(l), 0)) - logits[t];
  assert.equal(result.count, 2);
  assert.equal(result.correct, 1);
  assert.equal(result.accuracy, 0.5);
  assert.ok(Math.abs(result.loss - (ce([2.5, 1], 0) + ce([-4.5, 4], 0)) / 2) < 1e-9);
  assert.throws(() => evaluateHead(head, embeddings, [0, 2]), /targets\[1\] is 2; a target must be a class index 0…1/);
  assert.throws(() => evaluateHead(head, embeddings, [0]), /1 targets need 1 × 3 \(inputSize\) = 3 embedding numbers, got 6/);
  assert.throws(() => evaluateHead(head, Float32Array.of(1, 2, NaN), [0]), /sample 0 holds NaN at index 2/);
});

test('logitRange spans every sample and class', () => {
  assert.deepEqual(logitRange(smallHead(), Float32Array.of(1, 2, 3, 0, 0, 5)), { min: -4.5, max: 4 });
  assert.throws(() => logitRange(smallHead(), Float32Array.of(1, 2)), /not a positive multiple of inputSize 3/);
});

test('validateHead names what is wrong', () => {
  assert.throws(() => validateHead({ ...smallHead(), weights: new Float32Array(5) }), /weights must be a Float32Array of numClasses × inputSize = 6 numbers.*got Float32Array\(5\)/);
  assert.throws(() => validateHead({ ...smallHead(), bias: [0, 0] as unknown as Float32Array }), /bias must be a Float32Array of numClasses = 2 numbers; got Array\(2\)/);
  assert.throws(() => validateHead({ ...smallHead(), bias: Float32Array.of(0, Infinity) }), /bias\[1\] is Infinity/);
});
