import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMotionRecording } from '@offgrid/features';
import { MotionRecorder } from './recorder.ts';
import type { MotionEventLike } from './readings.ts';

/** Events at `rateHz` with ax = the time in seconds, gyro from alpha/beta/gamma = 3/1/2. */
function events(rateHz: number, seconds: number, gyro = true): MotionEventLike[] {
  return Array.from({ length: Math.round(rateHz * seconds) + 1 }, (_, i) => ({
    timeStamp: 1000 + (i * 1000) / rateHz,
    accelerationIncludingGravity: { x: i / rateHz, y: 9.81, z: -1 },
    rotationRate: gyro ? { alpha: 3, beta: 1, gamma: 2 } : null,
  }));
}

test('a 60 Hz session becomes a valid offgrid.motion.v1 recording at the chosen 50 Hz', () => {
  const recorder = new MotionRecorder();
  for (const event of events(60, 2)) assert.equal(recorder.add(event), true);
  assert.equal(recorder.steps, 121);
  assert.equal(recorder.seconds, 2);
  assert.ok(Math.abs(recorder.deviceRateHz - 60) < 1e-9);
  const json = recorder.build(50);
  const parsed = parseMotionRecording(JSON.parse(JSON.stringify(json)));
  assert.equal(parsed.rateHz, 50);
  assert.deepEqual(parsed.channels, ['ax', 'ay', 'az', 'gx', 'gy', 'gz']);
  const steps = parsed.data.length / 6;
  assert.equal(steps, Math.round((121 * 50) / 60));
  // rotationRate beta/gamma/alpha → gx/gy/gz; ax (the time) resampled linearly: step s is at s/50 seconds.
  assert.deepEqual([...parsed.data.slice(6 * 10, 6 * 11)].map((v) => Math.round(v * 1e4) / 1e4), [0.2, 9.81, -1, 1, 2, 3]);
});

test('without a gyroscope only accelerations are recorded; no events is a clear error', () => {
  const recorder = new MotionRecorder();
  for (const event of events(50, 1, false)) recorder.add(event);
  assert.deepEqual(recorder.build(50).channels, ['ax', 'ay', 'az']);
  assert.throws(() => new MotionRecorder().build(50), /No motion was recorded/);
  const none = new MotionRecorder();
  assert.equal(none.add({ timeStamp: 0, accelerationIncludingGravity: null, rotationRate: null }), false);
});

test('the recording stops taking events after maxSeconds', () => {
  const recorder = new MotionRecorder(1);
  const added = events(50, 2).filter((event) => recorder.add(event)).length;
  assert.equal(added, 51);
});
