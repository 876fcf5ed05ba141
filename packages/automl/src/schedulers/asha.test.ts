import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AshaScheduler, asha } from './asha.ts';
import { fullResource } from './scheduler.ts';

test('rungs grow by η from the minimum and end at the maximum', () => {
  assert.deepEqual(asha({ minResource: 1, maxResource: 27 }).rungResources, [1, 3, 9, 27]);
  assert.deepEqual(asha({ minResource: 1, maxResource: 20 }).rungResources, [1, 3, 9, 20]);
  assert.deepEqual(asha({ minResource: 2, maxResource: 16, reductionFactor: 2 }).rungResources, [2, 4, 8, 16]);
  assert.deepEqual(asha({ minResource: 5, maxResource: 5 }).rungResources, [5]);
  const fractions = asha({ minResource: 0.1, maxResource: 1 }).rungResources;
  assert.equal(fractions.length, 4);
  assert.ok(Math.abs(fractions[2] - 0.9) < 1e-12 && fractions[3] === 1);
  // Epoch rungs are integers even when η is not.
  assert.deepEqual(asha({ minResource: 1, maxResource: 10, reductionFactor: 2.5 }).rungResources, [1, 3, 7, 10]);
});

test('a trial is promoted when in the top 1/η of its rung, otherwise pruned', () => {
  const scheduler = new AshaScheduler({ minResource: 1, maxResource: 9, reductionFactor: 3 });
  // Fewer than η results: the best so far is promoted (there is no later chance without pausing).
  assert.equal(scheduler.recordRung(0, 0, 0.5), 'promote');
  assert.equal(scheduler.recordRung(1, 0, 0.7), 'prune');
  assert.equal(scheduler.recordRung(2, 0, 0.4), 'promote');
  // 4 results: top ⌊4/3⌋ = 1, the best is 0.4.
  assert.equal(scheduler.recordRung(3, 0, 0.45), 'prune');
  // 6 results: top 2 are {0.3, 0.35}.
  assert.equal(scheduler.recordRung(4, 0, 0.3), 'promote');
  assert.equal(scheduler.recordRung(5, 0, 0.35), 'promote');
  assert.equal(scheduler.recordRung(6, 0, 0.38), 'prune');
  // Ties with the cutoff are promoted.
  assert.equal(scheduler.recordRung(7, 0, 0.35), 'promote');
  // Rungs are judged separately, and the last rung completes the trial.
  assert.equal(scheduler.recordRung(4, 1, 0.2), 'promote');
  assert.equal(scheduler.recordRung(5, 1, 0.9), 'prune');
  assert.equal(scheduler.recordRung(4, 2, 0.1), 'complete');
  assert.deepEqual(scheduler.rungLosses(1).sort(), [0.2, 0.9]);
});

test('recording the same trial again replaces its result (idempotent replay)', () => {
  const scheduler = asha({ minResource: 1, maxResource: 9 });
  scheduler.recordRung(0, 0, 0.5);
  scheduler.recordRung(0, 0, 0.5);
  scheduler.recordRung(1, 0, 0.6);
  assert.deepEqual(scheduler.rungLosses(0), [0.5, 0.6]);
});

test('NaN losses are never promoted and do not raise the bar', () => {
  const scheduler = asha({ minResource: 1, maxResource: 9 });
  assert.equal(scheduler.recordRung(0, 0, NaN), 'prune');
  assert.equal(scheduler.recordRung(1, 0, 3), 'promote');
});

test('invalid settings and rungs are refused', () => {
  assert.throws(() => asha({ minResource: 0, maxResource: 9 }), /0 < minResource/);
  assert.throws(() => asha({ minResource: 1, maxResource: 9, reductionFactor: 1 }), /above 1/);
  assert.throws(() => asha({ minResource: 1, maxResource: 9 }).recordRung(0, 3, 1), /rungs 0\.\.2/);
  assert.equal(fullResource(10).recordRung(0, 0, 1), 'complete');
});
