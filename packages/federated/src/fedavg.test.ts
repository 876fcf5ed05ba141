import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRandom } from '@offgrid/features';
import { createHead } from './head.ts';
import { addGaussianNoise, checkUpdate, cryptoRandom, federatedAverage } from './fedavg.ts';
import { headDelta, l2Norm } from './update.ts';

// A 2×1 head: an update is [w0, w1, b0, b1].
const base = { inputSize: 1, numClasses: 2, weights: Float32Array.of(1, 2), bias: Float32Array.of(0, 0) };

test('checkUpdate rejects the wrong type, the wrong length, NaN, Infinity, and (optionally) a norm over the limit', () => {
  assert.deepEqual(checkUpdate(Float32Array.of(3, 4, 0, 0), 4), { ok: true, norm: 5 });
  const reason = (value: unknown, length = 4, maxNorm?: number) => {
    const check = checkUpdate(value, length, { maxNorm });
    return check.ok ? 'ok' : check.reason;
  };
  assert.equal(reason([1, 2, 3, 4]), 'type');
  assert.equal(reason(Float32Array.of(1, 2, 3)), 'length');
  assert.equal(reason(Float32Array.of(1, NaN, 3, 4)), 'not-finite');
  assert.equal(reason(Float32Array.of(1, 2, -Infinity, 4)), 'not-finite');
  assert.equal(reason(Float32Array.of(3e38, 3e38, 3e38, 3e38)), 'ok', 'huge but finite: clipping bounds it (its norm is summed in float64)');
  assert.equal(reason(Float32Array.of(3e38, 3e38, 3e38, 3e38), 4, 100), 'too-large');
  assert.equal(reason(Float32Array.of(3, 4, 0, 0), 4, 4.9), 'too-large');
  assert.equal(reason(Float32Array.of(3, 4, 0, 0), 4, 5), 'ok');
  const nan = checkUpdate(Float32Array.of(1, NaN, 3, 4), 4);
  assert.ok(!nan.ok && /holds NaN at index 1/.test(nan.message));
  const short = checkUpdate(Float32Array.of(1), 4);
  assert.ok(!short.ok && /1 values, the round's head needs 4/.test(short.message));
});

test('federatedAverage without noise: the sample-count-weighted mean of the updates, by hand', () => {
  const updates = [
    { delta: Float32Array.of(1, 0, 0.5, 0), sampleCount: 10 },
    { delta: Float32Array.of(0, 1, 0, -0.5), sampleCount: 30 },
  ];
  const result = federatedAverage(base, updates, { clipNorm: 10 });
  assert.deepEqual(result.weights, [0.25, 0.75]);
  assert.deepEqual([...result.head.weights], [1 + 0.25, 2 + 0.75]);
  assert.deepEqual([...result.head.bias], [0.125, -0.375]);
  assert.deepEqual(result.clipped, [false, false]);
  assert.equal(result.noiseStd, 0);
  assert.ok(Math.abs(result.norms[0] - Math.sqrt(1.25)) < 1e-7);
  assert.deepEqual(base.weights, Float32Array.of(1, 2), 'the base head is not modified');
});

test('federatedAverage: a huge update is clipped and cannot dominate', () => {
  const honest = Array.from({ length: 3 }, () => ({ delta: Float32Array.of(0.1, 0.1, 0, 0), sampleCount: 10 }));
  const poisoned = { delta: Float32Array.of(-1e6, -1e6, 1e6, 1e6), sampleCount: 10 };
  const result = federatedAverage(base, [...honest, poisoned], { clipNorm: 0.5 });
  assert.deepEqual(result.clipped, [false, false, false, true]);
  assert.equal(result.norms[3], 2e6);
  const move = headDelta(base, result.head);
  assert.ok(l2Norm(move) <= 0.5 + 1e-6, 'the mean of updates clipped to 0.5 has norm ≤ 0.5');
  assert.ok(Math.abs(move[2] - 0.25 * 0.25) < 1e-6, 'the poisoned update moves each coordinate by at most clipNorm/2 · its weight');
  assert.throws(() => federatedAverage(base, [{ delta: Float32Array.of(NaN, 0, 0, 0), sampleCount: 1 }], { clipNorm: 1 }), /update 0 rejected \(not-finite\)/);
  assert.throws(() => federatedAverage(base, [{ delta: Float32Array.of(0, 0, 0), sampleCount: 1 }], { clipNorm: 1 }), /update 0 rejected \(length\)/);
  assert.throws(() => federatedAverage(base, [{ delta: Float32Array.of(0, 0, 0, 0), sampleCount: 0 }], { clipNorm: 1 }), /sampleCount 0; it must be a positive number/);
  assert.throws(() => federatedAverage(base, [], { clipNorm: 1 }), /no updates to average/);
});

test('federatedAverage with noise: uniform weights and N(0, (z·C/m)²) per coordinate', () => {
  const big = createHead(500, 20); // 10,020 coordinates
  const m = 4;
  const updates = Array.from({ length: m }, (_, k) => {
    const delta = new Float32Array(500 * 20 + 20);
    delta[k] = 3; // norm 3 > clipNorm 1: clipped to 1
    return { delta, sampleCount: 10 * (k + 1) };
  });
  const z = 2;
  const clipNorm = 1;
  const result = federatedAverage(big, updates, { clipNorm, noiseMultiplier: z, random: createRandom(42) });
  assert.deepEqual(result.weights, [0.25, 0.25, 0.25, 0.25], 'sample counts are ignored under noise');
  assert.equal(result.noiseStd, (z * clipNorm) / m);
  const move = headDelta(big, result.head);
  let sum = 0;
  let squares = 0;
  const noiseOnly = move.length - m;
  for (let i = m; i < move.length; i++) {
    sum += move[i];
    squares += move[i] * move[i];
  }
  const mean = sum / noiseOnly;
  const std = Math.sqrt(squares / noiseOnly - mean * mean);
  assert.ok(Math.abs(mean) < 0.05, `mean ${mean}`); // std of the mean: 0.5/√10016 ≈ 0.005
  assert.ok(Math.abs(std / result.noiseStd - 1) < 0.05, `std ${std}, expected ${result.noiseStd}`); // ≈ 0.7 % standard error
  const again = federatedAverage(big, updates, { clipNorm, noiseMultiplier: z, random: createRandom(42) });
  assert.deepEqual(again.head, result.head, 'a seeded source gives the same noise');
  const secure = federatedAverage(big, updates, { clipNorm, noiseMultiplier: z });
  assert.notDeepEqual(secure.head.weights, result.head.weights, 'the default source is crypto, not the seed');
});

test('addGaussianNoise: Box–Muller gives a standard normal (mean, variance, tail)', () => {
  const values = new Float64Array(100_001);
  addGaussianNoise(values, 1, createRandom(3));
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / n;
  const beyond2 = values.filter((v) => Math.abs(v) > 2).length / n;
  assert.ok(Math.abs(mean) < 0.02 && Math.abs(variance - 1) < 0.03, `mean ${mean}, variance ${variance}`);
  assert.ok(Math.abs(beyond2 - 0.0455) < 0.005, `P(|x| > 2) = ${beyond2}`);
});

test('cryptoRandom: uniform in [0, 1) from Web Crypto', () => {
  const random = cryptoRandom();
  const draws = Array.from({ length: 5000 }, () => random.next());
  assert.ok(draws.every((u) => u >= 0 && u < 1));
  const mean = draws.reduce((s, u) => s + u, 0) / draws.length;
  assert.ok(Math.abs(mean - 0.5) < 0.03, `mean ${mean}`);
  assert.equal(new Set(draws).size, draws.length);
});
