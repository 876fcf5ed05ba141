// Accuracies always come with how many samples they were measured on: "100% of 9" is not "100%".
import { percent } from '../dom.ts';

/** Below this many samples a measured accuracy is rough: one sample moves it by 2 points or more. */
export const ROUGH_BELOW = 50;

/** "96.0% of 25", or just the percentage when the count is unknown (versions trained before counts were kept). */
export function accuracyOf(accuracy: number | undefined, samples: number | undefined): string {
  return samples === undefined || accuracy === undefined ? percent(accuracy) : `${percent(accuracy)} of ${samples}`;
}

/** A plain warning when a figure rests on fewer than ROUGH_BELOW samples, else undefined. */
export function roughNote(samples: number | undefined, what = 'This accuracy'): string | undefined {
  if (samples === undefined || samples >= ROUGH_BELOW) return undefined;
  const one = samples > 0 ? ` (one sample moves it by ${Math.round(100 / samples)} points)` : '';
  return `${what} is a rough figure: it was measured on only ${samples} sample${samples === 1 ? '' : 's'}${one}. Capture more data for a number you can trust.`;
}
