import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSeconds, parseDuration, progressBar } from './progress-bar.ts';

test('durations', () => {
  assert.equal(parseDuration('10m'), 600);
  assert.equal(parseDuration('90s'), 90);
  assert.equal(parseDuration('45'), 45);
  assert.equal(parseDuration('1h30m'), 5400);
  assert.throws(() => parseDuration('ten minutes'), /not a duration; write e\.g\. 90s/);
  assert.throws(() => parseDuration(''), /not a duration/);
  assert.equal(formatSeconds(125), '2m05s');
  assert.equal(formatSeconds(9.6), '10s');
});

test('progress bar', () => {
  assert.equal(progressBar(0.5, 10), '[█████░░░░░]  50%');
  assert.equal(progressBar(2, 4), '[████] 100%');
});
