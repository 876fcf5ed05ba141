// The latest few seconds of microphone samples (mono, at the device's rate) in one preallocated buffer: the
// microphone pushes small chunks (128 samples per AudioWorklet quantum), recording and live prediction read
// clips out of it by absolute position, so nothing is allocated per chunk.

export class SampleRing {
  private readonly buffer: Float32Array;
  /** How many samples were ever pushed: the absolute position just past the newest sample. */
  private written = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`SampleRing capacity must be a positive integer, got ${capacity}.`);
    this.buffer = new Float32Array(capacity);
  }

  get total(): number {
    return this.written;
  }

  push(chunk: ArrayLike<number>): void {
    // A chunk longer than the ring: only its tail can be kept.
    const skip = Math.max(0, chunk.length - this.capacity);
    for (let i = skip; i < chunk.length; i++) this.buffer[(this.written + i) % this.capacity] = chunk[i];
    this.written += chunk.length;
  }

  /**
   * Copies the samples at absolute positions [start, start + out.length) into `out`. Throws when some of them
   * were not pushed yet or were already overwritten.
   */
  read(start: number, out: Float32Array): Float32Array {
    const end = start + out.length;
    if (start < 0 || end > this.written) throw new Error(`Samples ${start}..${end} are not in the ring yet (${this.written} pushed).`);
    if (start < this.written - this.capacity) throw new Error(`Samples from ${start} were overwritten (the ring keeps the last ${this.capacity}).`);
    for (let i = 0; i < out.length; i++) out[i] = this.buffer[(start + i) % this.capacity];
    return out;
  }

  /** The newest `out.length` samples, oldest first. */
  latest(out: Float32Array): Float32Array {
    return this.read(this.written - out.length, out);
  }
}
