import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gaussianEpsilon, gaussianRdp, noiseMultiplierFor } from './accountant.ts';

// Independent check: minimise T·α/(2z²) + ln(1/δ)/(α − 1) over a fine grid of orders by brute force.
function bruteForceEpsilon(z: number, rounds: number, delta: number): { epsilon: number; order: number } {
  let best = { epsilon: Infinity, order: NaN };
  for (let order = 1.0001; order <= 2000; order *= 1.0001) {
    const epsilon = (rounds * order) / (2 * z * z) + Math.log(1 / delta) / (order - 1);
    if (epsilon < best.epsilon) best = { epsilon, order };
  }
  return best;
}

test('gaussianEpsilon: one case by hand (z = 1.1, 10 rounds, δ = 1e-5)', () => {
  // a = 10 / (2·1.21) = 4.1322…, L = ln(1e5) = 11.5129…; ε = a + 2√(aL) = 4.1322 + 2·√47.574 = 17.927…
  const { epsilon, order } = gaussianEpsilon({ noiseMultiplier: 1.1, rounds: 10, delta: 1e-5 });
  assert.ok(Math.abs(epsilon - 17.9271) < 1e-3, `ε = ${epsilon}`);
  assert.ok(Math.abs(order - 2.6692) < 1e-3, `α = ${order}`);
  const brute = bruteForceEpsilon(1.1, 10, 1e-5);
  assert.ok(Math.abs(epsilon - brute.epsilon) < 1e-6 && epsilon <= brute.epsilon + 1e-12);
  assert.ok(Math.abs(order - brute.order) < 1e-3);
  assert.equal(gaussianRdp(1.1, 10, order) + Math.log(1e5) / (order - 1), epsilon);
});

test('gaussianEpsilon equals the brute-force minimum over orders across settings', () => {
  for (const z of [0.5, 1, 2, 5]) {
    for (const rounds of [1, 5, 50]) {
      for (const delta of [1e-3, 1e-6]) {
        const { epsilon } = gaussianEpsilon({ noiseMultiplier: z, rounds, delta });
        const brute = bruteForceEpsilon(z, rounds, delta);
        assert.ok(Math.abs(epsilon - brute.epsilon) < 1e-4 * brute.epsilon, `z ${z}, T ${rounds}, δ ${delta}: ${epsilon} vs ${brute.epsilon}`);
      }
    }
  }
});

test('gaussianEpsilon falls as the noise grows and rises with rounds', () => {
  const eps = (noiseMultiplier: number, rounds: number) => gaussianEpsilon({ noiseMultiplier, rounds, delta: 1e-5 }).epsilon;
  const byNoise = [0.5, 1, 2, 4, 8].map((z) => eps(z, 10));
  const byRounds = [1, 2, 5, 10, 100].map((t) => eps(1, t));
  for (let i = 1; i < 5; i++) {
    assert.ok(byNoise[i] < byNoise[i - 1], `noise: ${byNoise}`);
    assert.ok(byRounds[i] > byRounds[i - 1], `rounds: ${byRounds}`);
  }
  assert.equal(eps(0, 10), Infinity, 'no noise, no guarantee');
  assert.equal(eps(1, 0), 0);
});

test('noiseMultiplierFor inverts gaussianEpsilon', () => {
  for (const [epsilon, rounds] of [[1, 1], [8, 10], [3, 50]]) {
    const z = noiseMultiplierFor({ epsilon, rounds, delta: 1e-5 });
    assert.ok(Math.abs(gaussianEpsilon({ noiseMultiplier: z, rounds, delta: 1e-5 }).epsilon - epsilon) < 1e-9 * epsilon);
  }
  assert.throws(() => noiseMultiplierFor({ epsilon: 0, rounds: 1, delta: 1e-5 }), /epsilon must be a positive finite number/);
  assert.throws(() => gaussianEpsilon({ noiseMultiplier: 1, rounds: 1, delta: 1 }), /delta must be in \(0, 1\)/);
  assert.throws(() => gaussianEpsilon({ noiseMultiplier: 1, rounds: 1.5, delta: 1e-5 }), /rounds must be a whole number/);
});
