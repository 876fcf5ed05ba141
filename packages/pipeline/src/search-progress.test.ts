import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SearchProgressTracker } from './search-progress.ts';
import type { PipelineEvent } from './train-pipeline.ts';

const started = (trialNumber: number, family: string): PipelineEvent => ({ type: 'search', event: { type: 'trialStarted', trialNumber, config: { family }, rung: 0, resource: 1, resumed: false } });
const epoch = (trialNumber: number, step: number, valAccuracy: number): PipelineEvent => ({ type: 'search', event: { type: 'epochReported', trialNumber, step, metrics: { valAccuracy } } });
const finished = (trialNumber: number, status: 'completed' | 'pruned' | 'failed', value?: number): PipelineEvent => ({ type: 'search', event: { type: 'trialFinished', trialNumber, status, ...(value !== undefined ? { value } : {}) } });

test('the tracker folds events into phase, budget fraction, current trial and a best-first leaderboard', () => {
  const t0 = 1_000_000;
  const tracker = new SearchProgressTracker(100, 2, t0);
  assert.deepEqual(tracker.snapshot(t0), { phase: 'preparing', fraction: 0, elapsedSeconds: 0, etaSeconds: 100, epoch: 0, epochs: 0, trialsFinished: 0, leaderboard: [] });
  // A search resumed from an earlier run: its finished trials count and rank at once.
  tracker.handle({ type: 'resumed', trials: [{ number: 0, family: 'small-cnn', config: { family: 'small-cnn' }, status: 'pruned', valAccuracy: 0.4, startedAt: '', history: [{ epoch: 1, valAccuracy: 0.4 }] }] }, t0);
  tracker.handle({ type: 'phase', phase: 'searching', detail: '' }, t0 + 1000);
  tracker.handle(started(1, 'mobilenet'), t0 + 2000);
  // Trials through a queue say which machine trains them; the row keeps it.
  tracker.handle({ type: 'trialProgress', trialNumber: 1, family: 'mobilenet', progress: { phase: 'training', epoch: 2, epochs: 3, fraction: 0.5, loss: 0.7, machine: 'lab-pc-2' } }, t0 + 3000);
  let p = tracker.handle(epoch(1, 2, 0.8), t0 + 10_000);
  assert.deepEqual([p.phase, p.fraction, p.etaSeconds, p.trialNumber, p.family, p.epoch, p.epochs, p.loss], ['searching', 0.1, 90, 1, 'mobilenet', 2, 3, 0.7]);
  assert.deepEqual(p.leaderboard, [
    { trialNumber: 1, family: 'mobilenet', status: 'running', epochs: 2, valAccuracy: 0.8, machine: 'lab-pc-2' },
    { trialNumber: 0, family: 'small-cnn', status: 'pruned', epochs: 1, valAccuracy: 0.4 },
  ]);
  assert.equal(p.trialsFinished, 1);
  tracker.handle(started(2, 'small-cnn'), t0 + 11_000);
  p = tracker.handle(finished(1, 'completed', 0.85), t0 + 12_000);
  assert.deepEqual(p.leaderboard.map((row) => [row.trialNumber, row.status, row.valAccuracy]), [[1, 'completed', 0.85], [0, 'pruned', 0.4]], 'top 2 only; the running trial without a result ranks last');
  assert.equal(p.trialsFinished, 2);

  // Past the budget (the last phases) the fraction stays below 1 and the ETA at 0, until done.
  assert.deepEqual([tracker.snapshot(t0 + 150_000).fraction, tracker.snapshot(t0 + 150_000).etaSeconds], [0.99, 0]);
  assert.equal(tracker.snapshot(t0 + 20_000).fraction, 0.99, 'never goes backwards, even with an earlier clock');
  const done = tracker.done(t0 + 151_000);
  assert.deepEqual([done.phase, done.fraction, done.etaSeconds], ['done', 1, 0]);
});
