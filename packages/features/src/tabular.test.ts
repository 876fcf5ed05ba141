import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitStandardScaler, scaleFeatures, splitCsvLine } from './index.ts';

test('fitStandardScaler: per-column mean and population std; constant columns get std 1', () => {
  const scaler = fitStandardScaler([[1, 10, 7], [3, 30, 7]]);
  assert.deepEqual(scaler, { mean: [2, 20, 7], std: [1, 10, 1] });
  assert.deepEqual([...scaleFeatures([3, 10, 8], scaler)], [1, -1, 1]);
  assert.throws(() => fitStandardScaler([]), /no rows/);
  assert.throws(() => fitStandardScaler([[1, 2], [3]]), /row 1 has 1 values, row 0 has 2/);
  assert.throws(() => scaleFeatures([1], scaler), /the row has 1 values, the scaler 3 columns/);
});

test('splitCsvLine: quotes, escaped quotes, trimmed cells', () => {
  assert.deepEqual(splitCsvLine('1,"a, b","say ""hi"""'), ['1', 'a, b', 'say "hi"']);
  assert.deepEqual(splitCsvLine(' x , ,y'), ['x', '', 'y']);
});
