import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalCdf, normalMass, normalQuantile, sampleTruncatedNormal } from './gaussian.ts';
import { createRng } from './random.ts';

test('normalCdf matches known values', () => {
  assert.ok(Math.abs(normalCdf(0) - 0.5) < 1e-7);
  assert.ok(Math.abs(normalCdf(1.959963984540054) - 0.975) < 1e-7);
  assert.ok(Math.abs(normalCdf(-3) - 0.0013498980316301) < 1e-8);
});

test('normalQuantile inverts normalCdf', () => {
  for (const p of [1e-9, 0.001, 0.02, 0.3, 0.5, 0.77, 0.98, 0.999999]) {
    assert.ok(Math.abs(normalCdf(normalQuantile(p)) - p) < 1e-7 * Math.max(1, p * 10), `p=${p}`);
  }
});

test('normalMass keeps precision far in the upper tail', () => {
  assert.ok(normalMass(8, 9) > 0);
  assert.ok(Math.abs(normalMass(-1, 1) - 0.682689492) < 1e-7);
});

test('truncated normal draws stay inside the bounds, even when the mean is far outside', () => {
  const rng = createRng(7);
  for (const [mu, sigma, low, high] of [
    [0, 1, -0.5, 0.5],
    [10, 0.5, 0, 1],
    [-10, 0.5, 0, 1],
  ]) {
    for (let i = 0; i < 200; i++) {
      const x = sampleTruncatedNormal(rng, mu, sigma, low, high);
      assert.ok(x >= low && x <= high, `${x} outside ${low}..${high}`);
    }
  }
});
