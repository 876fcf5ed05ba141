/// <reference types="node" />
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { DriftMonitor } from './drift.ts';

it('flags drift only once the window is full and its mean is under the threshold', () => {
  const drift = new DriftMonitor(4, 0.6);
  for (const c of [0.2, 0.2, 0.2]) assert.equal(drift.add(c).drifting, false, 'window not full yet');
  assert.equal(drift.add(0.2).drifting, true);
  assert.ok(Math.abs(drift.state().mean - 0.2) < 1e-12);
  for (const c of [0.9, 0.9, 0.9]) drift.add(c);
  assert.equal(drift.state().drifting, false, '0.2 + 3×0.9 = mean 0.725');
  drift.threshold = 0.8;
  assert.equal(drift.state().drifting, true);
  drift.reset();
  assert.equal(drift.state().count, 0);
});
