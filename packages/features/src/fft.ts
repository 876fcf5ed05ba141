/**
 * A small iterative radix-2 FFT over float64, shared by the audio spectrogram and the motion spectral
 * features. Plain JS arithmetic (no WebAudio AnalyserNode, no native FFT) so Node and the browser compute
 * the same numbers.
 */

interface FftPlan {
  size: number;
  bitReversed: Uint32Array;
  cos: Float64Array;
  sin: Float64Array;
}

// Plans are pure functions of the size: cache them so a spectrogram does not recompute twiddles per frame.
const plans = new Map<number, FftPlan>();

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

/** The smallest power of two ≥ n. */
export function nextPowerOfTwo(n: number): number {
  let size = 1;
  while (size < n) size *= 2;
  return size;
}

function planFor(size: number): FftPlan {
  let plan = plans.get(size);
  if (plan) return plan;
  if (!isPowerOfTwo(size)) throw new Error(`FFT size must be a power of two, got ${size}`);
  const bits = Math.round(Math.log2(size));
  const bitReversed = new Uint32Array(size);
  for (let i = 0; i < size; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    bitReversed[i] = r;
  }
  const cos = new Float64Array(size / 2);
  const sin = new Float64Array(size / 2);
  for (let k = 0; k < size / 2; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / size);
    sin[k] = -Math.sin((2 * Math.PI * k) / size);
  }
  plan = { size, bitReversed, cos, sin };
  plans.set(size, plan);
  return plan;
}

/** In-place forward DFT, X[k] = Σ x[n]·e^(−2πikn/N), of (re, im) whose length is a power of two. */
export function fft(re: Float64Array, im: Float64Array): void {
  if (re.length !== im.length) throw new Error(`fft: real and imaginary parts differ in length (${re.length} vs ${im.length})`);
  const { size, bitReversed, cos, sin } = planFor(re.length);
  for (let i = 0; i < size; i++) {
    const j = bitReversed[i];
    if (j > i) {
      let t = re[i]; re[i] = re[j]; re[j] = t;
      t = im[i]; im[i] = im[j]; im[j] = t;
    }
  }
  for (let half = 1; half < size; half *= 2) {
    const step = size / (2 * half);
    for (let start = 0; start < size; start += 2 * half) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step];
        const wi = sin[k * step];
        const a = start + k;
        const b = a + half;
        const tr = re[b] * wr - im[b] * wi;
        const ti = re[b] * wi + im[b] * wr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
}

/**
 * |X[k]|² for k = 0..size/2 of a real signal zero-padded to `size` (a power of two).
 * `scratch` lets a caller reuse buffers across frames.
 */
export function powerSpectrum(signal: ArrayLike<number>, size: number, scratch?: { re: Float64Array; im: Float64Array }): Float64Array {
  if (signal.length > size) throw new Error(`powerSpectrum: ${signal.length} samples do not fit an FFT of size ${size}`);
  const re = scratch?.re ?? new Float64Array(size);
  const im = scratch?.im ?? new Float64Array(size);
  re.fill(0);
  im.fill(0);
  for (let i = 0; i < signal.length; i++) re[i] = signal[i];
  fft(re, im);
  const power = new Float64Array(size / 2 + 1);
  for (let k = 0; k <= size / 2; k++) power[k] = re[k] * re[k] + im[k] * im[k];
  return power;
}
