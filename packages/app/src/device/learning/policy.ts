// When the phone may learn: battery-aware (only while charging, or above the level the user chose; the same
// Battery Status API reading as battery.ts) and only while the app is visible (hidden → the run is cancelled
// cleanly after the current batch; trainHead returns what it had, which is then thrown away).
import type { BatteryState } from '../../battery.ts';
import { getItem, setItem } from '../../storage.ts';

/** The default lowest battery level for learning when not charging. */
export const DEFAULT_LEARNING_MIN_LEVEL = 0.5;
const SETTING = 'learning-min-battery';

export type LearningVerdict = { ok: true; note?: string } | { ok: false; reason: string };

/** Whether learning may start (or go on) now. */
export function learningAllowed(battery: BatteryState, minLevel: number): LearningVerdict {
  if (!battery.supported || battery.level === undefined) return { ok: true, note: 'This browser does not report the battery; keep the phone charging while it learns.' };
  if (battery.charging) return { ok: true };
  if (battery.level >= minLevel) return { ok: true };
  return { ok: false, reason: `Battery at ${Math.round(battery.level * 100)} %: the phone learns only while charging or above ${Math.round(minLevel * 100)} %.` };
}

export async function learningMinLevel(): Promise<number> {
  const stored = await getItem<number>('settings', SETTING).catch(() => undefined);
  return typeof stored === 'number' && stored >= 0 && stored <= 1 ? stored : DEFAULT_LEARNING_MIN_LEVEL;
}

export async function setLearningMinLevel(level: number): Promise<void> {
  if (!(level >= 0 && level <= 1)) throw new Error(`The battery level is a share between 0 and 1, got ${level}.`);
  await setItem('settings', SETTING, level);
}

/** The reason a learning run stopped without failing. */
export class LearningStopped extends Error {
  override readonly name = 'LearningStopped';
}

/**
 * An AbortController for one learning run: aborted by the user, when the page is hidden, or when the battery
 * falls below the policy. `release()` removes its listeners.
 */
export function learningRun(battery: { state: BatteryState; subscribe(listener: (state: BatteryState) => void): () => void }, minLevel: number, doc: Pick<Document, 'hidden' | 'addEventListener' | 'removeEventListener'> = document): { controller: AbortController; release(): void } {
  const controller = new AbortController();
  const stop = (reason: string) => {
    if (!controller.signal.aborted) controller.abort(new LearningStopped(reason));
  };
  const onVisibility = () => {
    if (doc.hidden) stop('The app was hidden, so learning stopped. Open it and start again.');
  };
  doc.addEventListener('visibilitychange', onVisibility);
  onVisibility(); // started from a page already in the background: stopped at once
  const unsubscribe = battery.subscribe((state) => {
    const verdict = learningAllowed(state, minLevel);
    if (!verdict.ok) stop(verdict.reason);
  });
  return {
    controller,
    release() {
      doc.removeEventListener('visibilitychange', onVisibility);
      unsubscribe();
    },
  };
}
