import { decodeWav } from '@offgrid/features';
import { OffgridError } from '../errors.ts';

export const AUDIO_LIMITS = { minSampleRate: 8000, maxSampleRate: 48000, maxSeconds: 10 } as const;

/** Checks that bytes are a WAV clip the audio pipeline can use (decodable, 8–48 kHz, at most 10 s), before anything is stored. */
export function inspectAudio(bytes: Uint8Array): { sampleRate: number; durationSeconds: number } {
  let audio: ReturnType<typeof decodeWav>;
  try {
    audio = decodeWav(bytes);
  } catch (error) {
    throw new OffgridError('BAD_AUDIO', `The file is not a readable WAV clip: ${(error as Error).message}.`);
  }
  const { sampleRate, samples } = audio;
  if (sampleRate < AUDIO_LIMITS.minSampleRate || sampleRate > AUDIO_LIMITS.maxSampleRate) {
    throw new OffgridError('BAD_AUDIO', `The clip is sampled at ${sampleRate} Hz; ${AUDIO_LIMITS.minSampleRate / 1000}–${AUDIO_LIMITS.maxSampleRate / 1000} kHz is accepted. Record or export it at 16 kHz (or 44.1/48 kHz).`);
  }
  const durationSeconds = samples.length / sampleRate;
  if (samples.length === 0) throw new OffgridError('BAD_AUDIO', 'The clip has no samples (0 s); record it again.');
  if (durationSeconds > AUDIO_LIMITS.maxSeconds) {
    throw new OffgridError('BAD_AUDIO', `The clip is ${durationSeconds.toFixed(1)} s long; at most ${AUDIO_LIMITS.maxSeconds} s is accepted. Cut it into shorter clips.`);
  }
  // Float WAVs can carry NaN/Infinity, which would poison every spectrogram they touch.
  const bad = samples.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) throw new OffgridError('BAD_AUDIO', `Sample ${bad} of the clip is not a finite number (${samples[bad]}); the file is damaged.`);
  return { sampleRate, durationSeconds: Math.round(durationSeconds * 1000) / 1000 };
}
