import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_DEFAULT_EPOCHS, assumedEpochSeconds, defaultEpochs, shouldStartEpoch } from './budget.ts';

test('default epochs fill the budget within [1, 50]', () => {
  assert.equal(defaultEpochs(10, 1), 10);
  assert.equal(defaultEpochs(10, 30), 1);
  assert.equal(defaultEpochs(1000, 0.1), MAX_DEFAULT_EPOCHS);
});

test('an epoch starts only if it should end within the budget; the first always starts', () => {
  assert.equal(shouldStartEpoch(0, 0, 1, 0), true);
  assert.equal(shouldStartEpoch(5, 20, 1, 0), true);
  assert.equal(shouldStartEpoch(8, 2, 10, 4), true);
  assert.equal(shouldStartEpoch(8.5, 2, 10, 4), false);
});

test('assumed epoch time scales with images and pixels', () => {
  assert.ok(assumedEpochSeconds(1000, 0, 32 * 32 * 3) > assumedEpochSeconds(100, 0, 32 * 32 * 3));
  assert.ok(Math.abs(assumedEpochSeconds(100, 0, 64 * 64 * 3) - 4 * assumedEpochSeconds(100, 0, 32 * 32 * 3)) < 1e-9);
});
