import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meterFraction, rmsDecibels } from './level.ts';

test('a full-scale square wave is 0 dBFS, a full-scale sine about -3 dBFS, silence -Infinity', () => {
  assert.equal(rmsDecibels([1, -1, 1, -1]), 0);
  const sine = Float32Array.from({ length: 1600 }, (_, n) => Math.sin((2 * Math.PI * 440 * n) / 16000));
  assert.ok(Math.abs(rmsDecibels(sine) - -3.0103) < 0.01, `${rmsDecibels(sine)}`);
  assert.equal(rmsDecibels(new Float32Array(8)), -Infinity);
  assert.equal(rmsDecibels([]), -Infinity);
});

test('the meter maps -60..0 dBFS onto 0..1', () => {
  assert.equal(meterFraction(-Infinity), 0);
  assert.equal(meterFraction(-80), 0);
  assert.equal(meterFraction(-30), 0.5);
  assert.equal(meterFraction(0), 1);
  assert.equal(meterFraction(6), 1);
});
