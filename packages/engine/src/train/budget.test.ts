import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_DEFAULT_EPOCHS, assumedEpochSeconds, defaultEpochs, lastEpochBatches, plannedEpochsWithin, shouldStartEpoch } from './budget.ts';

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

test('what is left of the budget goes to part of a last epoch when at least a fifth of one fits', () => {
  assert.equal(plannedEpochsWithin(100, 60), 2, '1.58 epochs fit: one whole and a partial one');
  assert.equal(plannedEpochsWithin(100, 90), 1, '1.06 fit: the rest is too little for another');
  assert.equal(plannedEpochsWithin(100, 200), 1, 'the first epoch always runs');
  assert.equal(plannedEpochsWithin(1e6, 1), MAX_DEFAULT_EPOCHS);
  assert.equal(lastEpochBatches(40, 60, 100), 63, '40 s of a 60 s epoch, with a 5% margin');
  assert.equal(lastEpochBatches(10, 60, 100), 0, 'a sixth of an epoch is not started');
  assert.equal(lastEpochBatches(80, 60, 100), 100, 'never more than an epoch');
  assert.equal(lastEpochBatches(40, 0, 100), 0, 'nothing measured yet');
});
