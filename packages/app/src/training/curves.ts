// Learning curves (validation accuracy per epoch, one curve per trial), collected live from job progress or read
// from a model's report. No DOM here: the chart draws what these return.
import type { JobProgress, ModelReport } from '@offgrid/sdk';

export interface CurvePoint {
  epoch: number;
  valAccuracy: number;
}

export interface TrialCurve {
  trialNumber: number;
  family: string;
  /** Sorted by epoch, one point per epoch. */
  points: CurvePoint[];
}

/**
 * Builds the curves from the progress snapshots a job streams. Two sources, because a snapshot names no epoch
 * for its validation numbers:
 * - the current trial's fields: the trainer repeats the last validation result in every batch report of the next
 *   epoch, so a point is taken only when (valAccuracy, valLoss) changes, i.e. at the end of an epoch;
 * - leaderboard rows of running trials: `epochs` and `valAccuracy` are the epoch the search just recorded, which
 *   corrects a point guessed from a polled snapshot (polling can miss the epoch's end).
 * Finished rows carry the trial's final score, not an epoch's, so they add nothing.
 */
export class LiveCurves {
  private readonly trials = new Map<number, { family: string; points: Map<number, number> }>();
  private readonly lastValidation = new Map<number, string>();

  /** Returns whether a curve changed. */
  add(progress: JobProgress): boolean {
    let changed = false;
    const { trialNumber, family, epoch, valAccuracy, valLoss } = progress;
    if (trialNumber !== undefined && trialNumber >= 0 && family && epoch > 0 && valAccuracy !== undefined) {
      const validation = `${valAccuracy}/${valLoss}`;
      if (this.lastValidation.get(trialNumber) !== validation) {
        this.lastValidation.set(trialNumber, validation);
        changed = this.set(trialNumber, family, epoch, valAccuracy) || changed;
      }
    }
    for (const row of progress.leaderboard) {
      if (row.status === 'running' && row.epochs > 0 && row.valAccuracy !== undefined) {
        changed = this.set(row.trialNumber, row.family, row.epochs, row.valAccuracy) || changed;
      }
    }
    return changed;
  }

  curves(): TrialCurve[] {
    return [...this.trials.entries()]
      .map(([trialNumber, { family, points }]) => ({
        trialNumber, family,
        points: [...points.entries()].map(([epoch, valAccuracy]) => ({ epoch, valAccuracy })).sort((a, b) => a.epoch - b.epoch),
      }))
      .sort((a, b) => a.trialNumber - b.trialNumber);
  }

  private set(trialNumber: number, family: string, epoch: number, valAccuracy: number): boolean {
    let trial = this.trials.get(trialNumber);
    if (!trial) this.trials.set(trialNumber, (trial = { family, points: new Map() }));
    if (trial.points.get(epoch) === valAccuracy) return false;
    trial.points.set(epoch, valAccuracy);
    return true;
  }
}

/** Every trial's recorded history from a report (exact: the search's own per-epoch records). */
export function curvesFromReport(report: ModelReport): TrialCurve[] {
  return report.trials
    .map((trial) => ({
      trialNumber: trial.number,
      family: trial.family,
      points: trial.history
        .filter((h): h is typeof h & { valAccuracy: number } => h.valAccuracy !== undefined)
        .map((h) => ({ epoch: h.epoch, valAccuracy: h.valAccuracy }))
        .sort((a, b) => a.epoch - b.epoch),
    }))
    .filter((curve) => curve.points.length > 0)
    .sort((a, b) => a.trialNumber - b.trialNumber);
}
