// Anomaly alarm with hysteresis: one noisy window above the threshold is not an alarm; it is raised after
// `raiseAfter` consecutive windows above, and cleared after `clearAfter` consecutive windows back below.

export interface AlarmState {
  /** The last score was above the threshold. */
  above: boolean;
  alarm: boolean;
  /** Consecutive windows on the current side of the threshold. */
  run: number;
  /** The alarm was raised by this score (edge, for the vibration). */
  raised: boolean;
}

export class AnomalyAlarm {
  private alarm = false;
  private above = false;
  private run = 0;

  constructor(
    public threshold: number,
    readonly raiseAfter = 3,
    readonly clearAfter = 3,
  ) {
    if (!Number.isFinite(threshold)) throw new Error(`The anomaly threshold must be a number, got ${threshold}.`);
    if (!(raiseAfter >= 1 && clearAfter >= 1)) throw new Error('raiseAfter and clearAfter must be at least 1.');
  }

  add(score: number): AlarmState {
    // A NaN score (a broken model) counts as above: better a false alarm than a silent one.
    const above = !(score <= this.threshold);
    this.run = above === this.above ? this.run + 1 : 1;
    this.above = above;
    let raised = false;
    if (!this.alarm && above && this.run >= this.raiseAfter) this.alarm = raised = true;
    else if (this.alarm && !above && this.run >= this.clearAfter) this.alarm = false;
    return { above, alarm: this.alarm, run: this.run, raised };
  }

  reset(): void {
    this.alarm = false;
    this.above = false;
    this.run = 0;
  }
}
