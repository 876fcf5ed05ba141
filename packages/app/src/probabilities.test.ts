/// <reference types="node" />
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { softmax, toProbabilities, topPrediction } from './probabilities.ts';

describe('probabilities', () => {
  it('softmax is stable for large logits and sums to 1', () => {
    const p = softmax([1000, 1001, 999]);
    assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-6);
    assert.ok(p[1] > p[0] && p[0] > p[2]);
  });

  it('keeps an output that is already a probability vector', () => {
    assert.deepEqual(Array.from(toProbabilities([0.25, 0.75])), [0.25, 0.75]);
  });

  it('applies softmax to logits', () => {
    const p = toProbabilities([2, 0]);
    assert.ok(Math.abs(p[0] - 0.8808) < 1e-4);
  });

  it('picks the top label', () => {
    assert.deepEqual(topPrediction([0.1, 0.7, 0.2], ['cat', 'dog', 'cup']), { index: 1, label: 'dog', confidence: 0.7 });
  });
});
