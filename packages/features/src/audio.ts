/**
 * Audio preprocessing shared by the server (training) and the phone (prediction): resampling, fixed-length
 * clips and the log-mel spectrogram the audio models take. Pure float64 arithmetic, float32 output.
 *
 * Spectrogram conventions (the same as tf.signal's stft + linear_to_mel_weight_matrix, so a Python
 * re-implementation can match): frames without centre padding, periodic Hann window of `frameLength`
 * zero-padded to `fftSize`, power |X|² of the samples as they are (no 1/N scaling), HTK mel scale
 * (mel = 2595·log10(1 + f/700)) with triangles spaced evenly on the mel axis and measured in mel, the DC
 * bin left out, then ln(mel energy + logOffset).
 */
import { isPowerOfTwo, powerSpectrum } from './fft.ts';
import type { WireType } from './wire-type.ts';

export { decodeWav, encodeWav, type DecodedAudio } from './wav.ts';

/**
 * What a model's audio input is made with. As a JSON schema, the one spelling of the shape: the server's model and
 * report schemas (and through them the SDK's AudioPreprocessing) reuse it, and AudioSpec is derived from it.
 */
export const audioSpecSchema = {
  type: 'object', required: ['sampleRate', 'clipSeconds', 'frameLength', 'hopLength', 'fftSize', 'melBands', 'fMin', 'fMax', 'logOffset'],
  properties: {
    sampleRate: { type: 'integer', description: "The model's sample rate; clips are resampled to it." },
    clipSeconds: { type: 'number', description: 'Clip length: shorter clips are zero-padded at the end, longer ones centre-cropped.' },
    frameLength: { type: 'integer', description: 'Window length in samples (400 = 25 ms at 16 kHz).' },
    hopLength: { type: 'integer', description: 'Step between windows in samples (160 = 10 ms at 16 kHz).' },
    fftSize: { type: 'integer', description: 'FFT size (a power of two ≥ frameLength).' },
    melBands: { type: 'integer' },
    fMin: { type: 'number', description: 'Mel filterbank range in Hz (fMax ≤ sampleRate / 2).' }, fMax: { type: 'number' },
    logOffset: { type: 'number', description: 'Added before the natural log so silence stays finite.' },
    normalization: {
      type: 'object', required: ['mean', 'std'], properties: { mean: { type: 'number' }, std: { type: 'number' } },
      description: 'Applied last, (logMel - mean) / std, when present: computed on the training set, stored with the model.',
    },
  },
} as const;
export type AudioSpec = WireType<typeof audioSpecSchema>;

export const DEFAULT_AUDIO_SPEC: Readonly<AudioSpec> = Object.freeze({
  sampleRate: 16000, clipSeconds: 1, frameLength: 400, hopLength: 160, fftSize: 512, melBands: 40, fMin: 20, fMax: 8000, logOffset: 1e-6,
});

/** Throws an Error naming the first inconsistent field. */
export function validateAudioSpec(spec: AudioSpec): void {
  const positiveInteger = (name: keyof AudioSpec) => {
    const value = spec[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new Error(`AudioSpec.${name} must be a positive integer, got ${String(value)}`);
  };
  for (const name of ['sampleRate', 'frameLength', 'hopLength', 'fftSize', 'melBands'] as const) positiveInteger(name);
  if (!(spec.clipSeconds > 0)) throw new Error(`AudioSpec.clipSeconds must be > 0, got ${spec.clipSeconds}`);
  if (!isPowerOfTwo(spec.fftSize) || spec.fftSize < spec.frameLength) throw new Error(`AudioSpec.fftSize must be a power of two ≥ frameLength (${spec.frameLength}), got ${spec.fftSize}`);
  if (!(spec.fMin >= 0 && spec.fMin < spec.fMax && spec.fMax <= spec.sampleRate / 2)) throw new Error(`AudioSpec needs 0 ≤ fMin < fMax ≤ sampleRate/2, got fMin ${spec.fMin}, fMax ${spec.fMax}, sampleRate ${spec.sampleRate}`);
  if (!(spec.logOffset > 0)) throw new Error(`AudioSpec.logOffset must be > 0, got ${spec.logOffset}`);
  if (clipLength(spec) < spec.frameLength) throw new Error(`AudioSpec: a ${spec.clipSeconds} s clip is shorter than one frame (${spec.frameLength} samples)`);
  if (spec.normalization && !(spec.normalization.std > 0 && Number.isFinite(spec.normalization.mean))) throw new Error(`AudioSpec.normalization needs a finite mean and std > 0, got ${JSON.stringify(spec.normalization)}`);
}

function clipLength(spec: AudioSpec): number {
  return Math.round(spec.sampleRate * spec.clipSeconds);
}

/**
 * Linear interpolation between neighbouring samples (no anti-aliasing filter: content above the new
 * Nyquist folds back, the same way on both sides). Output length round(n · toRate / fromRate).
 */
export function resampleLinear(samples: ArrayLike<number>, fromRate: number, toRate: number): Float32Array {
  if (!(fromRate > 0) || !(toRate > 0)) throw new Error(`resampleLinear: rates must be > 0, got ${fromRate} → ${toRate}`);
  if (fromRate === toRate) return Float32Array.from(samples);
  const n = samples.length;
  const out = new Float32Array(n === 0 ? 0 : Math.max(1, Math.round((n * toRate) / fromRate)));
  const step = fromRate / toRate;
  for (let i = 0; i < out.length; i++) {
    const position = i * step;
    const left = Math.floor(position);
    if (left >= n - 1) { out[i] = samples[n - 1]; continue; }
    const fraction = position - left;
    out[i] = samples[left] + (samples[left + 1] - samples[left]) * fraction;
  }
  return out;
}

/** Exactly clipSeconds of samples: zero-padded at the end, or the centre part of a longer clip. */
export function fitClip(samples: ArrayLike<number>, spec: Pick<AudioSpec, 'sampleRate' | 'clipSeconds'>): Float32Array {
  const length = Math.round(spec.sampleRate * spec.clipSeconds);
  const out = new Float32Array(length);
  if (samples.length >= length) {
    const start = Math.floor((samples.length - length) / 2);
    for (let i = 0; i < length; i++) out[i] = samples[start + i];
  } else {
    for (let i = 0; i < samples.length; i++) out[i] = samples[i];
  }
  return out;
}

/** [frames, melBands] of the log-mel spectrogram of a clip of clipSeconds. */
export function spectrogramShape(spec: AudioSpec): [number, number] {
  validateAudioSpec(spec);
  return [framesIn(clipLength(spec), spec), spec.melBands];
}

function framesIn(samples: number, spec: AudioSpec): number {
  return samples < spec.frameLength ? 0 : 1 + Math.floor((samples - spec.frameLength) / spec.hopLength);
}

export function hzToMel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

export function melToHz(mel: number): number {
  return 700 * (10 ** (mel / 2595) - 1);
}

/** One triangle per band over the FFT bins: the first bin it touches and its weights from there. */
export interface MelBand {
  firstBin: number;
  weights: Float64Array;
}

const filterbanks = new Map<string, MelBand[]>();

/** The mel triangles for a spec (cached per sampleRate/fftSize/melBands/fMin/fMax). */
export function melFilterbank(spec: Pick<AudioSpec, 'sampleRate' | 'fftSize' | 'melBands' | 'fMin' | 'fMax'>): MelBand[] {
  const key = `${spec.sampleRate}/${spec.fftSize}/${spec.melBands}/${spec.fMin}/${spec.fMax}`;
  const cached = filterbanks.get(key);
  if (cached) return cached;
  const low = hzToMel(spec.fMin);
  const high = hzToMel(spec.fMax);
  const edges = Array.from({ length: spec.melBands + 2 }, (_, i) => low + ((high - low) * i) / (spec.melBands + 1));
  const binMels = Array.from({ length: spec.fftSize / 2 + 1 }, (_, k) => hzToMel((k * spec.sampleRate) / spec.fftSize));
  const bands: MelBand[] = [];
  for (let m = 0; m < spec.melBands; m++) {
    const [left, centre, right] = [edges[m], edges[m + 1], edges[m + 2]];
    const weights: number[] = [];
    let firstBin = -1;
    for (let k = 1; k < binMels.length; k++) { // k = 0 (DC) never contributes
      const up = (binMels[k] - left) / (centre - left);
      const down = (right - binMels[k]) / (right - centre);
      const weight = Math.max(0, Math.min(up, down));
      if (weight > 0) {
        if (firstBin < 0) firstBin = k;
        weights[k - firstBin] = weight;
      }
    }
    bands.push({ firstBin: Math.max(firstBin, 0), weights: Float64Array.from(weights, (w) => w ?? 0) });
  }
  filterbanks.set(key, bands);
  return bands;
}

const hannWindows = new Map<number, Float64Array>();

/** Periodic Hann window (the spectral-analysis variant, as tf.signal.hann_window's default). */
export function hannWindow(length: number): Float64Array {
  let window = hannWindows.get(length);
  if (!window) {
    window = Float64Array.from({ length }, (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / length));
    hannWindows.set(length, window);
  }
  return window;
}

/**
 * ln(mel energy + logOffset) of every frame, row-major [frames, melBands]. Takes the samples as they are
 * (call fitClip first for a fixed shape); the spec's normalization is not applied here (preprocessAudio does).
 */
export function logMelSpectrogram(samples: ArrayLike<number>, spec: AudioSpec): Float32Array {
  validateAudioSpec(spec);
  const frames = framesIn(samples.length, spec);
  const bands = melFilterbank(spec);
  const window = hannWindow(spec.frameLength);
  const out = new Float32Array(frames * spec.melBands);
  const frame = new Float64Array(spec.frameLength);
  const scratch = { re: new Float64Array(spec.fftSize), im: new Float64Array(spec.fftSize) };
  for (let f = 0; f < frames; f++) {
    const start = f * spec.hopLength;
    for (let n = 0; n < spec.frameLength; n++) frame[n] = samples[start + n] * window[n];
    const power = powerSpectrum(frame, spec.fftSize, scratch);
    for (let m = 0; m < bands.length; m++) {
      const { firstBin, weights } = bands[m];
      let energy = 0;
      for (let i = 0; i < weights.length; i++) energy += weights[i] * power[firstBin + i];
      out[f * spec.melBands + m] = Math.log(energy + spec.logOffset);
    }
  }
  return out;
}

/**
 * The model input for a clip at any sample rate: resample to spec.sampleRate, fit to clipSeconds,
 * log-mel, then the spec's normalization. What the phone calls before predicting and the loader per file.
 */
export function preprocessAudio(audio: { samples: ArrayLike<number>; sampleRate: number }, spec: AudioSpec): Float32Array {
  validateAudioSpec(spec);
  const clip = fitClip(resampleLinear(audio.samples, audio.sampleRate, spec.sampleRate), spec);
  const features = logMelSpectrogram(clip, spec);
  if (spec.normalization) {
    const { mean, std } = spec.normalization;
    for (let i = 0; i < features.length; i++) features[i] = (features[i] - mean) / std;
  }
  return features;
}
