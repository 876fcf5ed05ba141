/**
 * Motion-sensor preprocessing shared by the server (training) and the phone (prediction): the recording
 * format the phone uploads, resampling to the model's rate, fixed windows, and spectral features.
 */
import { fft, nextPowerOfTwo } from './fft.ts';
import { resampleLinear } from './audio.ts';
import type { WireType } from './wire-type.ts';

export const MOTION_FORMAT = 'offgrid.motion.v1';

/**
 * Channel names a recording may carry, and where the phone reads them from (DeviceMotionEvent):
 * a* = accelerationIncludingGravity x/y/z (m/s²), l* = acceleration without gravity x/y/z (m/s²),
 * g* = rotationRate around x/y/z = beta/gamma/alpha (deg/s).
 */
export const MOTION_CHANNELS = Object.freeze(['ax', 'ay', 'az', 'lx', 'ly', 'lz', 'gx', 'gy', 'gz'] as const);
export type MotionChannel = (typeof MOTION_CHANNELS)[number];

export const MOTION_LIMITS = Object.freeze({ minRateHz: 1, maxRateHz: 1000, maxSeconds: 600 });

/** One recording at a fixed rate; `data` interleaved row-major: step0 ch0..chN, step1 ch0..chN, … */
export interface MotionRecording {
  format: typeof MOTION_FORMAT;
  rateHz: number;
  channels: MotionChannel[];
  data: Float32Array;
}

/**
 * What a motion model's windows are made with. As a JSON schema, the one spelling of the shape: the server's model
 * and report schemas (and through them the SDK's MotionPreprocessing) reuse it, and MotionSpec is derived from it.
 */
export const motionSpecSchema = {
  type: 'object', required: ['rateHz', 'channels', 'windowSeconds', 'strideSeconds'],
  properties: {
    rateHz: { type: 'number', description: 'Recordings are resampled to this rate.' },
    channels: { type: 'array', items: { type: 'string', enum: [...MOTION_CHANNELS] }, description: 'Channels of a window, in this order.' },
    windowSeconds: { type: 'number' },
    strideSeconds: { type: 'number', description: 'Step between window starts (windows overlap when stride < window).' },
    normalization: {
      type: 'object', required: ['mean', 'std'], properties: { mean: { type: 'array', items: { type: 'number' } }, std: { type: 'array', items: { type: 'number' } } },
      description: 'Applied to each channel of a window when present, (value - mean[c]) / std[c]: fitted on the training set.',
    },
    spectralBins: { type: 'integer', description: 'Frequency bands per channel in spectralFeatures (8 when absent).' },
  },
} as const;
export type MotionSpec = WireType<typeof motionSpecSchema>;

export const DEFAULT_MOTION_SPEC: Readonly<MotionSpec> = Object.freeze<MotionSpec>({
  rateHz: 50, channels: ['ax', 'ay', 'az', 'gx', 'gy', 'gz'], windowSeconds: 2, strideSeconds: 1,
});

const DEFAULT_SPECTRAL_BINS = 8;

/** A value from a recording as a message shows it: JSON, at most 80 characters (an upload's 15 MiB string is not sent back). */
function shown(value: unknown): string {
  const json = typeof value === 'string' && value.length > 80 ? JSON.stringify(`${value.slice(0, 80)}…`) : JSON.stringify(value) ?? String(value);
  return json.length > 90 ? `${json.slice(0, 80)}…` : json;
}

/** Validates an uploaded recording (parsed JSON); throws an Error naming what is wrong. */
export function parseMotionRecording(json: unknown): MotionRecording {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('Motion recording must be a JSON object');
  const { format, rateHz, channels, data } = json as Record<string, unknown>;
  if (format !== MOTION_FORMAT) throw new Error(`Motion recording "format" must be "${MOTION_FORMAT}", got ${shown(format)}`);
  if (typeof rateHz !== 'number' || !Number.isFinite(rateHz) || rateHz < MOTION_LIMITS.minRateHz || rateHz > MOTION_LIMITS.maxRateHz) {
    throw new Error(`Motion recording "rateHz" must be a number from ${MOTION_LIMITS.minRateHz} to ${MOTION_LIMITS.maxRateHz}, got ${shown(rateHz)}`);
  }
  const names = checkChannels(channels);
  if (!Array.isArray(data)) throw new Error('Motion recording "data" must be an array of numbers');
  if (data.length === 0) throw new Error('Motion recording "data" is empty');
  if (data.length % names.length !== 0) throw new Error(`Motion recording "data" has ${data.length} values, not a multiple of its ${names.length} channels`);
  const steps = data.length / names.length;
  const maxSteps = Math.floor(MOTION_LIMITS.maxSeconds * rateHz);
  if (steps > maxSteps) throw new Error(`Motion recording is ${steps} steps long; at most ${MOTION_LIMITS.maxSeconds} s (${maxSteps} steps at ${rateHz} Hz) is accepted`);
  const values = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(`Motion recording "data"[${i}] (step ${Math.floor(i / names.length)}, channel ${names[i % names.length]}) is not a finite number: ${shown(value)}`);
    }
    values[i] = value;
  }
  return { format: MOTION_FORMAT, rateHz, channels: names, data: values };
}

function checkChannels(channels: unknown): MotionChannel[] {
  if (!Array.isArray(channels) || channels.length === 0) throw new Error(`Motion recording "channels" must be a non-empty array of names from ${MOTION_CHANNELS.join(', ')}`);
  const seen = new Set<string>();
  for (const name of channels) {
    if (!MOTION_CHANNELS.includes(name)) throw new Error(`Motion recording has an unknown channel ${shown(name)}; known: ${MOTION_CHANNELS.join(', ')}`);
    if (seen.has(name)) throw new Error(`Motion recording lists channel "${name}" twice`);
    seen.add(name);
  }
  return channels as MotionChannel[];
}

/** Number of time steps in a recording. */
export function recordingSteps(rec: MotionRecording): number {
  return rec.data.length / rec.channels.length;
}

/** The recording at another rate: each channel linearly interpolated (resampleLinear). */
export function resampleRecording(rec: MotionRecording, rateHz: number): MotionRecording {
  if (rec.rateHz === rateHz) return rec;
  const channels = rec.channels.length;
  const steps = recordingSteps(rec);
  let outSteps = 0;
  let out = new Float32Array(0);
  for (let c = 0; c < channels; c++) {
    const channel = new Float32Array(steps);
    for (let s = 0; s < steps; s++) channel[s] = rec.data[s * channels + c];
    const resampled = resampleLinear(channel, rec.rateHz, rateHz);
    if (c === 0) { outSteps = resampled.length; out = new Float32Array(outSteps * channels); }
    for (let s = 0; s < outSteps; s++) out[s * channels + c] = resampled[s];
  }
  return { ...rec, rateHz, data: out };
}

/** [steps, channels] of one window. */
export function motionWindowShape(spec: MotionSpec): [number, number] {
  return [windowSteps(spec), spec.channels.length];
}

function windowSteps(spec: MotionSpec): number {
  return Math.round(spec.windowSeconds * spec.rateHz);
}

/**
 * Fixed windows over a recording, each [steps, channels] row-major with the spec's channel order and
 * normalization: the recording is resampled to spec.rateHz, then windows start every strideSeconds.
 * A recording shorter than one window gives none. Missing channels throw.
 */
export function motionWindows(rec: MotionRecording, spec: MotionSpec): Float32Array[] {
  const length = windowSteps(spec);
  const stride = Math.round(spec.strideSeconds * spec.rateHz);
  if (length < 1 || stride < 1) throw new Error(`MotionSpec: window (${spec.windowSeconds} s) and stride (${spec.strideSeconds} s) must each be at least one step at ${spec.rateHz} Hz`);
  const missing = spec.channels.filter((name) => !rec.channels.includes(name));
  if (missing.length > 0) {
    throw new Error(`Motion recording lacks channel(s) ${missing.join(', ')} that the model needs (it has ${rec.channels.join(', ')})${missing.some((m) => m.startsWith('g')) ? '; is the gyroscope available on this device?' : ''}`);
  }
  const { normalization } = spec;
  if (normalization && (normalization.mean.length !== spec.channels.length || normalization.std.length !== spec.channels.length)) {
    throw new Error(`MotionSpec.normalization needs one mean and std per channel (${spec.channels.length})`);
  }
  const at = resampleRecording(rec, spec.rateHz);
  const source = spec.channels.map((name) => at.channels.indexOf(name));
  const width = at.channels.length;
  const steps = recordingSteps(at);
  const channels = spec.channels.length;
  const windows: Float32Array[] = [];
  for (let start = 0; start + length <= steps; start += stride) {
    const window = new Float32Array(length * channels);
    for (let s = 0; s < length; s++) {
      for (let c = 0; c < channels; c++) {
        const value = at.data[(start + s) * width + source[c]];
        window[s * channels + c] = normalization ? (value - normalization.mean[c]) / normalization.std[c] : value;
      }
    }
    windows.push(window);
  }
  return windows;
}

/** Length of spectralFeatures' output: per channel mean, std and spectralBins band magnitudes. */
export function spectralFeatureCount(spec: MotionSpec): number {
  return spec.channels.length * (2 + (spec.spectralBins ?? DEFAULT_SPECTRAL_BINS));
}

/**
 * A fixed-length vector for MLP-style models, per channel (in spec order): mean, standard deviation, then
 * the mean FFT magnitude of the de-meaned channel in spectralBins equal-width bands from just above 0 Hz
 * to rateHz/2 (zero-padded to a power of two, magnitudes divided by the window length).
 */
export function spectralFeatures(window: Float32Array, spec: MotionSpec): Float32Array {
  const [steps, channels] = motionWindowShape(spec);
  if (window.length !== steps * channels) throw new Error(`spectralFeatures: expected a window of ${steps}x${channels} values, got ${window.length}`);
  const bins = spec.spectralBins ?? DEFAULT_SPECTRAL_BINS;
  const size = nextPowerOfTwo(steps);
  const half = size / 2;
  if (!Number.isInteger(bins) || bins < 1 || bins > half) throw new Error(`MotionSpec.spectralBins must be an integer from 1 to ${half} for ${steps}-step windows, got ${bins}`);
  const out = new Float32Array(spectralFeatureCount(spec));
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  for (let c = 0; c < channels; c++) {
    let mean = 0;
    for (let s = 0; s < steps; s++) mean += window[s * channels + c];
    mean /= steps;
    let variance = 0;
    re.fill(0);
    im.fill(0);
    for (let s = 0; s < steps; s++) {
      const centred = window[s * channels + c] - mean;
      variance += centred * centred;
      re[s] = centred;
    }
    fft(re, im);
    const base = c * (2 + bins);
    out[base] = mean;
    out[base + 1] = Math.sqrt(variance / steps);
    // FFT bins 1..half split into `bins` contiguous bands of (nearly) equal width.
    for (let b = 0; b < bins; b++) {
      const from = 1 + Math.floor((b * half) / bins);
      const to = 1 + Math.floor(((b + 1) * half) / bins);
      let sum = 0;
      for (let k = from; k < to; k++) sum += Math.hypot(re[k], im[k]);
      out[base + 2 + b] = sum / (to - from) / steps;
    }
  }
  return out;
}
