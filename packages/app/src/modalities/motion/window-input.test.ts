import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_MOTION_SPEC, MOTION_FORMAT, motionWindows, spectralFeatureCount, spectralFeatures } from '@offgrid/features';
import type { MotionSpec } from '@offgrid/features';
import { MotionRing } from './ring.ts';
import { MotionWindowInput, motionFeaturesFor } from './window-input.ts';

const spec: MotionSpec = { ...DEFAULT_MOTION_SPEC, rateHz: 25, windowSeconds: 1, strideSeconds: 0.5, channels: ['gx', 'ax', 'ay', 'az'], normalization: { mean: [1, 0, 9, 0], std: [2, 1, 1, 1] } };
const device = ['ax', 'ay', 'az', 'gx', 'gy', 'gz'] as const;

/** 3 s at 40 Hz of a recognisable signal per channel. */
function fillRing(ring: MotionRing): number[] {
  const data: number[] = [];
  for (let i = 0; i < 120; i++) {
    const row = [Math.sin(i / 5), 9 + Math.cos(i / 7), i / 100, i % 3, 0.5, -i];
    ring.push(row, i * 25);
    data.push(...row);
  }
  return data;
}

test('the live window equals the last training window of the same readings (features motionWindows)', () => {
  const ring = new MotionRing(400, 6);
  const data = fillRing(ring);
  const input = new MotionWindowInput(spec, device, 400, 25 * 4);
  const target = new Float32Array(100);
  assert.equal(input.fill(ring, target), true);
  // What the server computes from the same tail of readings (resampled to 25 Hz, reordered, normalized).
  const rows = input.rowsNeeded(40);
  const tail = Float32Array.from(data.slice(-rows * 6));
  const windows = motionWindows({ format: MOTION_FORMAT, rateHz: 40, channels: [...device], data: tail }, { ...spec, strideSeconds: 1 / 25 });
  assert.deepEqual([...target], [...windows[windows.length - 1]]);
  // Channel order and normalization: gx is first, (value - 1) / 2, and the newest row's gx is 119 % 3 = 2.
  assert.ok(Math.abs(target[96] - (2 - 1) / 2) < 1e-6);
});

test('spectral-feature models get spectralFeatures of the window; wrong sizes and missing channels are named', () => {
  const ring = new MotionRing(400, 6);
  fillRing(ring);
  const size = spectralFeatureCount(spec);
  const spectral = new MotionWindowInput(spec, device, 400, size);
  assert.equal(spectral.features, 'spectral');
  const raw = new Float32Array(100);
  new MotionWindowInput(spec, device, 400, 100).fill(ring, raw);
  const target = new Float32Array(size);
  spectral.fill(ring, target);
  assert.deepEqual([...target], [...spectralFeatures(raw, spec)]);
  assert.throws(() => motionFeaturesFor(spec, 7), /takes 7 values, but a 1 s window of 4 channels at 25 Hz gives 100 \(raw\)/);
  assert.throws(() => new MotionWindowInput(spec, ['ax', 'ay', 'az'], 400, 100), /needs gx, which this device does not report \(no gyroscope\?\)/);
});

test('no input until the ring holds one window', () => {
  const ring = new MotionRing(400, 6);
  for (let i = 0; i < 30; i++) ring.push([0, 0, 0, 0, 0, 0], i * 25);
  assert.equal(new MotionWindowInput(spec, device, 400, 100).fill(ring, new Float32Array(100)), false);
});
