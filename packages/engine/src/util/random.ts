/**
 * Seeded pseudo-random numbers (mulberry32): splits, shuffles, augmentation and dropout masks all
 * derive from one seed, so a training run is reproducible.
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

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
