/**
 * Seeded pseudo-random numbers (mulberry32): the one generator of the tree. Training (splits,
 * shuffles, augmentation, dropout masks), the search's samplers and the tests' and benches' seeded
 * inputs all draw from it, so a seed means the same numbers everywhere and a run is reproducible.
 * It lives here because this package depends on nothing and every other package may import it.
 * Not for cryptography.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, 2^31), for seeding tfjs ops. */
  nextSeed(): number;
  /** The generator's whole state (a uint32), for checkpoints; `createRandom(seed, state)` resumes from it. */
  state(): number;
}

export function createRandom(seed: number, resumeState?: number): Random {
  let state = (resumeState ?? seed) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, nextSeed: () => Math.floor(next() * 2147483648), state: () => state };
}
