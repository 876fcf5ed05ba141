// The microphone level meter: RMS of the latest chunk in dBFS, mapped onto a 0..1 bar (-60 dBFS and below = empty).

export const SILENCE_DB = -60;

/** Root-mean-square level of the samples in dB relative to full scale (±1); -Infinity for silence. */
export function rmsDecibels(samples: ArrayLike<number>): number {
  if (samples.length === 0) return -Infinity;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  return 10 * Math.log10(sum / samples.length);
}

/** 0 at SILENCE_DB or below, 1 at full scale. */
export function meterFraction(decibels: number): number {
  if (!(decibels > SILENCE_DB)) return 0;
  return Math.min(1, 1 - decibels / SILENCE_DB);
}
