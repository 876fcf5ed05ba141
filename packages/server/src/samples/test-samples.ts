import { encodeWav, MOTION_FORMAT } from '@offgrid/features';

/** Generated samples for tests (clearly synthetic: tones, sine motions, short sentences). */

/** A WAV clip of a sine tone with a little seeded noise (a new seed gives new bytes). */
export function wavTone(hz: number, seconds: number, sampleRate = 16000, seed = 1): Uint8Array {
  const samples = new Float32Array(Math.round(seconds * sampleRate));
  let state = seed;
  for (let i = 0; i < samples.length; i++) {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    samples[i] = 0.5 * Math.sin((2 * Math.PI * hz * i) / sampleRate) + 0.01 * (state / 2 ** 32 - 0.5);
  }
  return encodeWav(samples, sampleRate);
}

/** An offgrid.motion.v1 recording: a sine of `hz` on every channel (phase per channel), as the phone sends it. */
export function motionRecording(hz: number, seconds: number, options: { rateHz?: number; channels?: string[]; seed?: number } = {}): Record<string, unknown> & { data: number[] } {
  const { rateHz = 50, channels = ['ax', 'ay', 'az', 'gx', 'gy', 'gz'], seed = 1 } = options;
  const data: number[] = [];
  for (let step = 0; step < Math.round(seconds * rateHz); step++) {
    for (let c = 0; c < channels.length; c++) data.push(Math.round(1000 * Math.sin((2 * Math.PI * hz * step) / rateHz + c + seed)) / 100);
  }
  return { format: MOTION_FORMAT, rateHz, channels, data };
}

export const motionBytes = (recording: unknown) => new TextEncoder().encode(JSON.stringify(recording));
