/**
 * The anomaly threshold for a chosen false-alarm rate, from scores of held-out normal data: the
 * (1 - rate) quantile, so that at most ⌊rate · n⌋ of those scores lie above it (score > threshold
 * raises an alarm).
 */
export function calibrateThreshold(scores: ArrayLike<number>, falseAlarmRate: number): number {
  if (!(falseAlarmRate >= 0 && falseAlarmRate < 1)) throw new Error(`falseAlarmRate must be in [0, 1) (got ${falseAlarmRate}).`);
  if (scores.length === 0) throw new Error('calibrateThreshold needs at least one score of held-out normal data.');
  const sorted = Float64Array.from(scores).sort();
  if (sorted.some((s) => !Number.isFinite(s))) throw new Error('calibrateThreshold: scores must be finite numbers.');
  const allowed = Math.floor(falseAlarmRate * sorted.length);
  return sorted[sorted.length - 1 - allowed];
}

export interface ScoreStats {
  count: number;
  mean: number;
  min: number;
  max: number;
  /** Median and 99th percentile. */
  p50: number;
  p99: number;
}

export function scoreStats(scores: ArrayLike<number>): ScoreStats {
  const sorted = Float64Array.from(scores).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { count: sorted.length, mean, min: sorted[0], max: sorted[sorted.length - 1], p50: at(0.5), p99: at(0.99) };
}

/** Area under the ROC curve of scores where anomalies should score higher (ties count half). */
export function auroc(normalScores: ArrayLike<number>, anomalyScores: ArrayLike<number>): number {
  let wins = 0;
  for (let i = 0; i < anomalyScores.length; i++)
    for (let j = 0; j < normalScores.length; j++) wins += anomalyScores[i] > normalScores[j] ? 1 : anomalyScores[i] === normalScores[j] ? 0.5 : 0;
  return wins / (anomalyScores.length * normalScores.length);
}
