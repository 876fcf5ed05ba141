import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnomalyAlarm } from './alarm.ts';

test('the alarm rises after N windows above the threshold and clears after M below', () => {
  const alarm = new AnomalyAlarm(1, 3, 2);
  const states = [0.5, 2, 2, 0.5, 2, 2, 2, 2, 0.5, 2, 0.5, 0.5].map((score) => alarm.add(score));
  assert.deepEqual(states.map((s) => s.alarm), [false, false, false, false, false, false, true, true, true, true, true, false]);
  assert.deepEqual(states.map((s) => s.raised), [false, false, false, false, false, false, true, false, false, false, false, false]);
  assert.equal(states[7].run, 4);
});

test('a score equal to the threshold is normal, NaN counts as above', () => {
  const alarm = new AnomalyAlarm(1, 1, 1);
  assert.equal(alarm.add(1).above, false);
  assert.equal(alarm.add(Number.NaN).alarm, true);
  assert.throws(() => new AnomalyAlarm(Number.NaN), /threshold must be a number/);
});
