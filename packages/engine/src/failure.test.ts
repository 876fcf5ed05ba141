import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainAnomalyInWorker } from './anomaly/train-in-worker.ts';
import { TrainingFailure, trainingFailureCode } from './failure.ts';

test('a failure keeps its code, also through a worker thread; memory and anything else get theirs', async () => {
  assert.equal(trainingFailureCode(new TrainingFailure('BUDGET_TOO_SMALL', 'no trial finished')), 'BUDGET_TOO_SMALL');
  assert.equal(trainingFailureCode(Object.assign(new Error('Worker terminated due to reaching memory limit'), { code: 'ERR_WORKER_OUT_OF_MEMORY' })), 'OUT_OF_MEMORY');
  assert.equal(trainingFailureCode(Object.assign(new Error('file missing'), { code: 'ENOENT' })), 'FAILED', 'a Node error code is not ours');
  assert.equal(trainingFailureCode('a string'), 'FAILED');
  // Thrown inside the anomaly worker, read on this side.
  const error = await trainAnomalyInWorker({ x: new Float32Array(6), shape: [2], falseAlarmRate: 0.05, budgetSeconds: 5, seed: 1 }).catch((e: unknown) => e);
  assert.match((error as Error).message, /needs at least 20 normal samples/);
  assert.equal(trainingFailureCode(error), 'NOT_ENOUGH_DATA');
});
