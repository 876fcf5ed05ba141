import type { Random } from '@offgrid/features';

// The seeded generator is shared with the search and the tests (one implementation, one sequence per seed).
export { createRandom, type Random } from '@offgrid/features';

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
