// The latest few seconds of motion readings at the device's rate, in buffers allocated once: live prediction
// takes its window from here every stride.

export class MotionRing {
  private readonly values: Float32Array;
  private readonly times: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(
    /** Rows kept: enough for one window at the fastest device rate. */
    readonly capacity: number,
    readonly width: number,
  ) {
    if (!(capacity >= 2) || !(width >= 1)) throw new Error(`MotionRing needs capacity ≥ 2 and width ≥ 1, got ${capacity} and ${width}.`);
    this.values = new Float32Array(capacity * width);
    this.times = new Float64Array(capacity);
  }

  push(row: ArrayLike<number>, timeMs: number): void {
    if (row.length !== this.width) throw new Error(`MotionRing: expected ${this.width} values per row, got ${row.length}.`);
    this.values.set(row, this.next * this.width);
    this.times[this.next] = timeMs;
    this.next = (this.next + 1) % this.capacity;
    this.filled = Math.min(this.filled + 1, this.capacity);
  }

  get size(): number {
    return this.filled;
  }

  /** Time (ms) of the n-th newest row (0 = newest). */
  timeAgo(n: number): number {
    if (n < 0 || n >= this.filled) throw new Error(`MotionRing: row ${n} back is not there (${this.filled} held).`);
    return this.times[(this.next - 1 - n + this.capacity) % this.capacity];
  }

  /** Seconds covered by the rows held. */
  get seconds(): number {
    return this.filled < 2 ? 0 : (this.timeAgo(0) - this.timeAgo(this.filled - 1)) / 1000;
  }

  /** Event rate over the rows held. */
  get rateHz(): number {
    return this.filled < 2 ? Number.NaN : ((this.filled - 1) * 1000) / (this.timeAgo(0) - this.timeAgo(this.filled - 1));
  }

  /** Copies the newest `steps` rows, oldest first, into `out` (steps × width values). */
  latest(steps: number, out: Float32Array): Float32Array {
    if (steps > this.filled) throw new Error(`MotionRing: ${steps} rows asked, ${this.filled} held.`);
    if (out.length < steps * this.width) throw new Error(`MotionRing: the output holds ${out.length} values, ${steps * this.width} needed.`);
    const start = (this.next - steps + this.capacity) % this.capacity;
    const firstPart = Math.min(steps, this.capacity - start);
    out.set(this.values.subarray(start * this.width, (start + firstPart) * this.width), 0);
    if (firstPart < steps) out.set(this.values.subarray(0, (steps - firstPart) * this.width), firstPart * this.width);
    return out;
  }

  clear(): void {
    this.next = 0;
    this.filled = 0;
  }
}
