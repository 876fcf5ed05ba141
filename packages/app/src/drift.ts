// Drift: a rolling window of top-1 confidences from live prediction. When the window is full and its mean
// falls under the threshold, the model is unsure about what the camera sees now: ask for data and a retrain.

export const DEFAULT_DRIFT_WINDOW = 30;
export const DEFAULT_DRIFT_THRESHOLD = 0.6;

export interface DriftState {
  /** Mean top-1 confidence over the window (NaN before the first frame). */
  mean: number;
  count: number;
  windowSize: number;
  threshold: number;
  drifting: boolean;
}

export class DriftMonitor {
  private readonly values: Float64Array;
  private next = 0;
  private count = 0;
  private sum = 0;

  constructor(
    readonly windowSize = DEFAULT_DRIFT_WINDOW,
    public threshold = DEFAULT_DRIFT_THRESHOLD,
  ) {
    this.values = new Float64Array(windowSize);
  }

  add(confidence: number): DriftState {
    if (this.count === this.windowSize) this.sum -= this.values[this.next];
    else this.count++;
    this.values[this.next] = confidence;
    this.sum += confidence;
    this.next = (this.next + 1) % this.windowSize;
    return this.state();
  }

  reset(): void {
    this.next = 0;
    this.count = 0;
    this.sum = 0;
  }

  state(): DriftState {
    const mean = this.count === 0 ? NaN : this.sum / this.count;
    return { mean, count: this.count, windowSize: this.windowSize, threshold: this.threshold, drifting: this.count === this.windowSize && mean < this.threshold };
  }
}
