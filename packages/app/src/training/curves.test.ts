import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobProgress, LeaderboardRow, ModelReport } from '@offgrid/sdk';
import { cellColor, confusionGrid } from './confusion.ts';
import { LiveCurves, curvesFromReport } from './curves.ts';

function progress(fields: Partial<JobProgress>, leaderboard: LeaderboardRow[] = []): JobProgress {
  return { phase: 'searching', fraction: 0.5, elapsedSeconds: 5, etaSeconds: 5, epoch: 0, epochs: 4, trialsFinished: 0, leaderboard, ...fields };
}

test('live curves: a point per epoch end, not per batch report that repeats the last validation', () => {
  const curves = new LiveCurves();
  // Trial 0: batch reports of epoch 1 (no validation yet), the end of epoch 1, then batches of epoch 2 that repeat it.
  assert.equal(curves.add(progress({ trialNumber: 0, family: 'small-cnn', epoch: 1 })), false);
  assert.equal(curves.add(progress({ trialNumber: 0, family: 'small-cnn', epoch: 1, valAccuracy: 0.5, valLoss: 0.9 })), true);
  assert.equal(curves.add(progress({ trialNumber: 0, family: 'small-cnn', epoch: 2, valAccuracy: 0.5, valLoss: 0.9 })), false);
  // Trial 1 runs beside it (two workers): its reports interleave.
  curves.add(progress({ trialNumber: 1, family: 'mobilenet', epoch: 1, valAccuracy: 0.25, valLoss: 1.3 }));
  // Same accuracy as epoch 1 but another loss: a new epoch end all the same (tiny validation sets repeat accuracies).
  curves.add(progress({ trialNumber: 0, family: 'small-cnn', epoch: 2, valAccuracy: 0.5, valLoss: 0.7 }));
  // Retraining the winner (-1) is not a trial of the search.
  curves.add(progress({ trialNumber: -1, family: 'small-cnn', epoch: 1, valAccuracy: 0.9, valLoss: 0.1 }));
  assert.deepEqual(curves.curves(), [
    { trialNumber: 0, family: 'small-cnn', points: [{ epoch: 1, valAccuracy: 0.5 }, { epoch: 2, valAccuracy: 0.5 }] },
    { trialNumber: 1, family: 'mobilenet', points: [{ epoch: 1, valAccuracy: 0.25 }] },
  ]);
});

test('live curves: running leaderboard rows add or correct the epoch the search recorded; finished rows do not', () => {
  const curves = new LiveCurves();
  // A polled snapshot seen mid-epoch 3 carries epoch 2's validation: guessed as epoch 3 ...
  curves.add(progress({ trialNumber: 2, family: 'small-cnn', epoch: 3, valAccuracy: 0.6, valLoss: 0.8 }));
  // ... and the search's own records put 0.6 at epoch 2 and 0.7 at epoch 3.
  curves.add(progress({}, [{ trialNumber: 2, family: 'small-cnn', status: 'running', epochs: 2, valAccuracy: 0.6 }]));
  curves.add(progress({}, [
    { trialNumber: 2, family: 'small-cnn', status: 'running', epochs: 3, valAccuracy: 0.7 },
    { trialNumber: 4, family: 'mobilenet', status: 'completed', epochs: 5, valAccuracy: 0.99 },
  ]));
  assert.deepEqual(curves.curves(), [{ trialNumber: 2, family: 'small-cnn', points: [{ epoch: 2, valAccuracy: 0.6 }, { epoch: 3, valAccuracy: 0.7 }] }]);
});

test('report curves: every trial with a validation history, sorted by epoch', () => {
  const trial = (number: number, history: ModelReport['trials'][number]['history']) =>
    ({ number, family: number ? 'mobilenet' : 'small-cnn', config: {}, status: 'completed', startedAt: '', history });
  const report = { trials: [trial(1, [{ epoch: 2, valAccuracy: 0.8 }, { epoch: 1, valAccuracy: 0.4 }]), trial(0, [{ epoch: 1, loss: 2 }])] } as unknown as ModelReport;
  assert.deepEqual(curvesFromReport(report), [{ trialNumber: 1, family: 'mobilenet', points: [{ epoch: 1, valAccuracy: 0.4 }, { epoch: 2, valAccuracy: 0.8 }] }]);
});

test('confusion grid: totals per actual class, row shares, colours; a matrix that does not fit the labels is named', () => {
  const grid = confusionGrid(['cat', 'dog'], [[3, 1], [0, 0]]);
  assert.equal(grid.total, 4);
  assert.deepEqual(grid.rowTotals, [4, 0]);
  assert.deepEqual(grid.cells[0].map((c) => c.rowShare), [0.75, 0.25]);
  assert.equal(grid.cells[1][1].rowShare, 0, 'an empty row has no shares');
  assert.match(cellColor(grid.cells[0][0]), /^rgba\(21, 128, 61, 0\.79\)$/);
  assert.match(cellColor(grid.cells[0][1]), /^rgba\(220, 38, 38, 0\.36\)$/);
  assert.equal(cellColor(grid.cells[1][0]), 'transparent');
  assert.throws(() => confusionGrid(['cat', 'dog'], [[1, 2]]), /1 rows for 2 labels/);
  assert.throws(() => confusionGrid(['cat', 'dog'], [[1, 2], [3]]), /Row "dog" .* 1 columns for 2 labels/);
  assert.throws(() => confusionGrid(['cat', 'dog'], [[1, 2], [3, -1]]), /Row "dog" .* not a whole number/);
});
