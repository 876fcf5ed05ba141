// The model input for the newest motion window: the ring's latest rows at the device's rate become a short
// recording, and @offgrid/features' motionWindows (resampling, channel order, normalization, as in training)
// cuts the window; `spectralFeatures` on top when the model takes those.
import { MOTION_FORMAT, motionWindowShape, motionWindows, spectralFeatureCount, spectralFeatures } from '@offgrid/features';
import type { MotionChannel, MotionSpec } from '@offgrid/features';
import type { MotionRing } from './ring.ts';

export type MotionFeatures = 'raw' | 'spectral';

/** Which input the model takes: declared in the spec, else told by the input size. Throws when neither fits. */
export function motionFeaturesFor(spec: MotionSpec & { features?: MotionFeatures }, inputSize: number): MotionFeatures {
  const [steps, channels] = motionWindowShape(spec);
  const expected = { raw: steps * channels, spectral: spectralFeatureCount(spec) };
  const features = spec.features ?? (inputSize === expected.raw ? 'raw' : inputSize === expected.spectral ? 'spectral' : undefined);
  if (!features || expected[features] !== inputSize) {
    throw new Error(`The model takes ${inputSize} values, but a ${spec.windowSeconds} s window of ${channels} channels at ${spec.rateHz} Hz gives ${expected.raw} (raw) or ${expected.spectral} (spectral features).`);
  }
  return features;
}

export class MotionWindowInput {
  private readonly scratch: Float32Array;
  readonly features: MotionFeatures;

  constructor(
    readonly spec: MotionSpec & { features?: MotionFeatures },
    readonly deviceChannels: readonly MotionChannel[],
    /** The most rows the ring holds. */
    maxRows: number,
    inputSize: number,
  ) {
    const missing = spec.channels.filter((c) => !deviceChannels.includes(c));
    if (missing.length > 0) throw new Error(`The model needs ${missing.join(', ')}, which this device does not report${missing.some((c) => c.startsWith('g')) ? ' (no gyroscope?)' : ''}.`);
    this.features = motionFeaturesFor(spec, inputSize);
    this.scratch = new Float32Array(maxRows * deviceChannels.length);
  }

  /** Rows needed at `deviceRateHz` so that, resampled, they hold one full window. */
  rowsNeeded(deviceRateHz: number): number {
    return Math.ceil(this.spec.windowSeconds * deviceRateHz) + 1;
  }

  /** Writes the newest window's model input into `target`; false while the ring holds less than one window. */
  fill(ring: MotionRing, target: Float32Array): boolean {
    const rate = ring.rateHz;
    if (!Number.isFinite(rate)) return false;
    const rows = this.rowsNeeded(rate);
    if (ring.size < rows || rows * this.deviceChannels.length > this.scratch.length) return false;
    const data = ring.latest(rows, this.scratch).subarray(0, rows * this.deviceChannels.length);
    // Windows one step apart: the last one ends at the newest reading.
    const spec = { ...this.spec, strideSeconds: 1 / this.spec.rateHz };
    const windows = motionWindows({ format: MOTION_FORMAT, rateHz: rate, channels: [...this.deviceChannels], data }, spec);
    const window = windows[windows.length - 1];
    if (!window) return false;
    target.set(this.features === 'spectral' ? spectralFeatures(window, this.spec) : window);
    return true;
  }
}
