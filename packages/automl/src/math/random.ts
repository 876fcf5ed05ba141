/**
 * Seeded pseudo-random numbers. Samplers derive one generator per (seed, trial number) so that a trial's
 * configuration does not depend on how many other trials ran before it in this process: a resumed search
 * proposes the same random configurations as an uninterrupted one.
 */
import { createRandom } from '@offgrid/features';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Index drawn with probability proportional to `weights` (non-negative, not all zero). */
  weighted(weights: readonly number[]): number;
}

/** Mixes any number of integers into one 32-bit seed (murmur3 finalizer per step). */
export function mixSeed(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h ^= Math.imul((part | 0) ^ Math.floor(part / 2 ** 32), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** The tree's seeded generator (mulberry32, `@offgrid/features`), with the draws samplers need. */
export function createRng(seed: number): Rng {
  const { next } = createRandom(seed);
  return {
    next,
    int: (n) => Math.min(n - 1, Math.floor(next() * n)),
    weighted(weights) {
      const total = weights.reduce((sum, w) => sum + w, 0);
      let target = next() * total;
      for (let i = 0; i < weights.length; i++) {
        target -= weights[i];
        if (target < 0) return i;
      }
      // Rounding can leave `target` a hair above zero: fall back to the last non-zero weight.
      for (let i = weights.length - 1; i >= 0; i--) if (weights[i] > 0) return i;
      return weights.length - 1;
    },
  };
}
