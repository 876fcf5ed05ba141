/** Uniform draws for single parameters: the random sampler, and TPE's startup trials. */
import type { Rng } from '../math/random.ts';
import type { LeafParam, Scalar } from './params.ts';

export function sampleUniform(def: LeafParam, rng: Rng): Scalar {
  switch (def.kind) {
    case 'categorical':
      return def.choices[rng.int(def.choices.length)];
    case 'float': {
      const value = def.log ? Math.exp(lerp(Math.log(def.low), Math.log(def.high), rng.next())) : lerp(def.low, def.high, rng.next());
      return Math.min(def.high, Math.max(def.low, value));
    }
    case 'int': {
      if (!def.log) return def.low + def.step * rng.int((def.high - def.low) / def.step + 1);
      // Each integer owns the log-interval [v - 0.5, v + 0.5], so the ends are not under-sampled.
      const value = Math.round(Math.exp(lerp(Math.log(def.low - 0.5), Math.log(def.high + 0.5), rng.next())));
      return Math.min(def.high, Math.max(def.low, value));
    }
  }
}

function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}
