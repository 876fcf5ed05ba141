import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classificationReport } from './metrics.ts';

test('accuracy, per-class precision/recall/F1, macro-F1 and confusion (checked by hand)', () => {
  const labels = [0, 0, 0, 1, 1, 2];
  const predicted = [0, 0, 1, 1, 2, 2];
  const r = classificationReport(predicted, labels, 3);
  assert.equal(r.accuracy, 4 / 6);
  assert.deepEqual(r.confusion, [[2, 1, 0], [0, 1, 1], [0, 0, 1]]);
  assert.deepEqual(r.perClass.map((m) => m.support), [3, 2, 1]);
  assert.deepEqual(r.perClass.map((m) => m.precision), [1, 0.5, 0.5]);
  assert.deepEqual(r.perClass.map((m) => m.recall), [2 / 3, 0.5, 1]);
  const f1 = [0.8, 0.5, 2 / 3];
  r.perClass.forEach((m, i) => assert.ok(Math.abs(m.f1 - f1[i]) < 1e-12));
  assert.ok(Math.abs(r.macroF1 - (0.8 + 0.5 + 2 / 3) / 3) < 1e-12);
});

test('scores are arg-maxed row by row (first maximum on ties)', () => {
  const scores = new Float32Array([0.1, 0.9, 0.7, 0.3, 0.5, 0.5]);
  const r = classificationReport(scores, [1, 0, 1], 2);
  assert.deepEqual(r.confusion, [[1, 0], [1, 1]]);
});

test('absent classes give 0 (no NaN) and are left out of macro-F1', () => {
  const r = classificationReport([0, 0], [0, 0], 3);
  assert.equal(r.accuracy, 1);
  assert.equal(r.macroF1, 1);
  assert.deepEqual(r.perClass[2], { precision: 0, recall: 0, f1: 0, support: 0 });
});

test('rejects mismatched shapes and out-of-range labels', () => {
  assert.throws(() => classificationReport([0, 1, 0], [0, 1], 2), /expected 2 classes or 2×2 scores/);
  assert.throws(() => classificationReport([0, 1], [0, 3], 2), /label 1 is 3/);
});
