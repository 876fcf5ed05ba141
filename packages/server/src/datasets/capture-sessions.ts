/**
 * Capture sessions: photos or clips of one label taken in one go on a phone are near-duplicates (the same object,
 * light and background a second apart). A test split that puts some of a burst in training and the rest in test
 * flatters the model, so the split keeps each session on one side, as it keeps a motion recording's windows.
 */

/** A pause longer than this between two captures of a label starts a new session. */
export const SESSION_GAP_SECONDS = 120;
/** Grouping needs this many sessions of every label: test and validation then each get whole sessions of each. */
export const MIN_SESSIONS_PER_LABEL = 3;

/**
 * Each sample's session number (samples in any order; `createdAt` ISO times), or undefined when some label has
 * fewer than MIN_SESSIONS_PER_LABEL sessions: a split by session would then leave a label out of test or training,
 * and the split goes sample by sample (the report says no grouping was known).
 */
export function captureSessions(samples: readonly { label: string; createdAt: string }[], gapSeconds = SESSION_GAP_SECONDS): Int32Array | undefined {
  const sessions = new Int32Array(samples.length);
  const byLabel = new Map<string, number[]>();
  samples.forEach((sample, i) => byLabel.set(sample.label, [...(byLabel.get(sample.label) ?? []), i]));
  let next = 0;
  for (const indices of byLabel.values()) {
    const time = (i: number) => Date.parse(samples[i].createdAt);
    indices.sort((a, b) => time(a) - time(b));
    const first = next;
    indices.forEach((index, k) => {
      if (k > 0 && time(index) - time(indices[k - 1]) > gapSeconds * 1000) next++;
      sessions[index] = next;
    });
    next++;
    if (next - first < MIN_SESSIONS_PER_LABEL) return undefined;
  }
  return sessions;
}
