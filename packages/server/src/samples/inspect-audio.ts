import { decodeWav, DEFAULT_AUDIO_SPEC } from '@offgrid/features';
import { OffgridError } from '../errors.ts';

/** One spectrogram frame (400 samples at 16 kHz = 25 ms): a shorter clip gives the model nothing to look at. */
const FRAME_SECONDS = DEFAULT_AUDIO_SPEC.frameLength / DEFAULT_AUDIO_SPEC.sampleRate;

export const AUDIO_LIMITS = {
  minSampleRate: 8000, maxSampleRate: 48000, maxSeconds: 10, minSeconds: FRAME_SECONDS,
  /** 7.1 surround; files declaring more (up to 65,535) are damaged or hostile. */
  maxChannels: 8,
} as const;

/**
 * Checks that bytes are a WAV clip the audio pipeline can use (decodable, 8–48 kHz, 1–8 channels, one
 * spectrogram frame to 10 s), before anything is stored.
 */
export function inspectAudio(bytes: Uint8Array): { sampleRate: number; durationSeconds: number } {
  let audio: ReturnType<typeof decodeWav>;
  try {
    audio = decodeWav(bytes);
  } catch (error) {
    throw new OffgridError('BAD_AUDIO', `The file is not a readable WAV clip: ${(error as Error).message}. Export it as a PCM or float WAV file.`);
  }
  const { sampleRate, samples, channels } = audio;
  if (channels > AUDIO_LIMITS.maxChannels) {
    throw new OffgridError('BAD_AUDIO', `The clip has ${channels} channels; at most ${AUDIO_LIMITS.maxChannels} are accepted. Export it as mono or stereo.`);
  }
  if (sampleRate < AUDIO_LIMITS.minSampleRate || sampleRate > AUDIO_LIMITS.maxSampleRate) {
    throw new OffgridError('BAD_AUDIO', `The clip is sampled at ${sampleRate} Hz; ${AUDIO_LIMITS.minSampleRate / 1000}–${AUDIO_LIMITS.maxSampleRate / 1000} kHz is accepted. Record or export it at 16 kHz (or 44.1/48 kHz).`);
  }
  const durationSeconds = samples.length / sampleRate;
  if (samples.length === 0) throw new OffgridError('BAD_AUDIO', 'The clip has no samples (0 s); record it again.');
  if (durationSeconds < AUDIO_LIMITS.minSeconds) {
    throw new OffgridError('BAD_AUDIO', `The clip is ${round(durationSeconds)} s long; at least ${AUDIO_LIMITS.minSeconds} s (one ${AUDIO_LIMITS.minSeconds * 1000} ms spectrogram frame) is needed. Record a longer clip.`);
  }
  if (durationSeconds > AUDIO_LIMITS.maxSeconds) {
    throw new OffgridError('BAD_AUDIO', `The clip is ${durationSeconds.toFixed(1)} s long; at most ${AUDIO_LIMITS.maxSeconds} s is accepted. Cut it into shorter clips.`);
  }
  // Float WAVs can carry NaN/Infinity, which would poison every spectrogram they touch.
  const bad = samples.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) throw new OffgridError('BAD_AUDIO', `Sample ${bad} of the clip is not a finite number (${samples[bad]}); the file is damaged. Record or export it again.`);
  return { sampleRate, durationSeconds: round(durationSeconds) };
}

/** Seconds to the millisecond, as meta stores them. */
function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
