import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_MOTION_SPEC, motionWindowShape, motionWindows, parseMotionCsv, parseMotionRecording, resampleRecording,
  spectralFeatureCount, spectralFeatures, type MotionSpec,
} from './index.ts';

const recording = (rateHz: number, channels: string[], steps: number, value: (step: number, channel: number) => number) => ({
  format: 'offgrid.motion.v1', rateHz, channels,
  data: Array.from({ length: steps * channels.length }, (_, i) => value(Math.floor(i / channels.length), i % channels.length)),
});

test('parseMotionRecording accepts the upload format and names every problem', () => {
  const rec = parseMotionRecording(recording(50, ['ax', 'gz'], 3, (s, c) => s * 10 + c));
  assert.deepEqual(rec.channels, ['ax', 'gz']);
  assert.deepEqual([...rec.data], [0, 1, 10, 11, 20, 21]);
  const bad = (change: object) => parseMotionRecording({ ...recording(50, ['ax', 'ay'], 2, () => 0), ...change });
  assert.throws(() => parseMotionRecording([]), /must be a JSON object/);
  assert.throws(() => bad({ format: 'v0' }), /"format" must be "offgrid.motion.v1", got "v0"/);
  assert.throws(() => bad({ rateHz: 0.5 }), /"rateHz" must be a number from 1 to 1000, got 0.5/);
  assert.throws(() => bad({ rateHz: '50' }), /"rateHz" must be a number/);
  assert.throws(() => bad({ channels: ['ax', 'temp'] }), /unknown channel "temp"; known: ax, ay/);
  assert.throws(() => bad({ channels: ['ax', 'ax'] }), /lists channel "ax" twice/);
  assert.throws(() => bad({ data: [1, 2, 3] }), /3 values, not a multiple of its 2 channels/);
  assert.throws(() => bad({ data: [1, 2, null, 4] }), /"data"\[2\] \(step 1, channel ax\) is not a finite number: null/);
  assert.throws(() => bad({ data: [] }), /"data" is empty/);
  assert.throws(() => parseMotionRecording(recording(1, ['ax'], 601, () => 0)), /601 steps long; at most 600 s \(600 steps at 1 Hz\)/);
});

test('resampleRecording interpolates each channel', () => {
  const rec = parseMotionRecording(recording(2, ['ax', 'ay'], 3, (s, c) => (c === 0 ? s : 0 - 10 * s)));
  const up = resampleRecording(rec, 4);
  assert.equal(up.rateHz, 4);
  assert.deepEqual([...up.data], [0, 0, 0.5, -5, 1, -10, 1.5, -15, 2, -20, 2, -20]);
});

test('motionWindows: windows every stride, spec channel order, normalization, resampling', () => {
  const spec: MotionSpec = { rateHz: 10, channels: ['gx', 'ax'], windowSeconds: 0.4, strideSeconds: 0.2 };
  // Recorded at 20 Hz in another order with an extra channel: 1 s = 20 steps → 10 steps at 10 Hz.
  const rec = parseMotionRecording(recording(20, ['ax', 'ay', 'gx'], 20, (s, c) => [s, 100, 0 - s][c]));
  const windows = motionWindows(rec, spec);
  assert.deepEqual(motionWindowShape(spec), [4, 2]);
  assert.equal(windows.length, 4); // starts 0, 2, 4, 6 of 10 steps
  assert.deepEqual([...windows[1]], [-4, 4, -6, 6, -8, 8, -10, 10]);
  const normalized = motionWindows(rec, { ...spec, normalization: { mean: [0, 1], std: [2, 1] } });
  assert.deepEqual([...normalized[0]], [0, -1, -1, 1, -2, 3, -3, 5]);
  assert.equal(motionWindows(parseMotionRecording(recording(10, ['ax', 'gx'], 3, () => 0)), spec).length, 0);
  assert.throws(() => motionWindows(parseMotionRecording(recording(50, ['ax', 'ay', 'az'], 100, () => 0)), DEFAULT_MOTION_SPEC),
    /lacks channel\(s\) gx, gy, gz that the model needs \(it has ax, ay, az\); is the gyroscope available/);
});

test('spectralFeatures: mean, std and the band holding a sine', () => {
  const spec: MotionSpec = { ...DEFAULT_MOTION_SPEC, channels: ['ax', 'gx'], spectralBins: 5 }; // 100 steps → FFT 128, 64 bins up to 25 Hz
  const window = new Float32Array(200);
  for (let s = 0; s < 100; s++) { window[s * 2] = 3 + 2 * Math.sin((2 * Math.PI * 12 * s) / 50); window[s * 2 + 1] = -1; }
  const features = spectralFeatures(window, spec);
  assert.equal(features.length, spectralFeatureCount(spec));
  assert.equal(features.length, 2 * 7);
  assert.ok(Math.abs(features[0] - 3) < 1e-6);
  assert.ok(Math.abs(features[1] - Math.SQRT2) < 1e-3); // std of 2·sin over whole periods
  const bands = [...features.subarray(2, 7)];
  assert.equal(bands.indexOf(Math.max(...bands)), 2); // 12 Hz of 0–25 Hz in 5 bands: the third
  assert.deepEqual([...features.subarray(7)], [-1, 0, 0, 0, 0, 0, 0]); // constant channel: no spectrum
  assert.throws(() => spectralFeatures(new Float32Array(10), spec), /expected a window of 100x2 values, got 10/);
});

test('parseMotionCsv reads a header with a time column; rate from the timestamps', () => {
  const csv = 'timestamp,AX,ay,az,note\n1000,0.1,0.2,9.8,x\n1020,0.2,0.3,9.7,y\n1040,0.3,0.4,9.6,z\n';
  const rec = parseMotionCsv(csv);
  assert.equal(rec.rateHz, 50);
  assert.deepEqual(rec.channels, ['ax', 'ay', 'az']);
  assert.deepEqual([...rec.data], [0.1, 0.2, 9.8, 0.2, 0.3, 9.7, 0.3, 0.4, 9.6].map(Math.fround));
  assert.equal(parseMotionCsv('t,gx\n0,1\n0.5,2\n').rateHz, 2);
  assert.throws(() => parseMotionCsv('ax,ay\n1,2\n3,4\n'), /needs a "t" \(seconds\) or "timestamp" \(milliseconds\) column/);
  assert.throws(() => parseMotionCsv('t,temp\n0,1\n1,2\n'), /no channel columns/);
  assert.throws(() => parseMotionCsv('t,ax\n0,1\n1,oops\n'), /line 3: ax "oops" is not a number/);
  assert.throws(() => parseMotionCsv('t,ax\n1,1\n1,2\n'), /does not increase/);
});
