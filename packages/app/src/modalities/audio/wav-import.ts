// Importing existing recordings (WAV files from the phone's storage) as training clips: each file is decoded with
// @offgrid/features' decodeWav (the server's decoder), resampled to the capture rate and cut into consecutive clips
// of the project's length, so a 5 s recording of a sound becomes five examples like five taps on its label.
import { decodeWav, encodeWav, fitClip, resampleLinear } from '@offgrid/features';
import type { CaptureSpec } from './audio-spec.ts';

/** Longer files are refused: a minute of one sound is plenty, and it keeps the outbox small. */
export const MAX_IMPORT_SECONDS = 60;

/** The WAV clips (at the capture rate, clip length each) a recording yields; an Error naming what is wrong otherwise. */
export function clipsFromWav(bytes: Uint8Array, spec: CaptureSpec): Uint8Array[] {
  const audio = decodeWav(bytes);
  const seconds = audio.samples.length / audio.sampleRate;
  if (audio.samples.length === 0) throw new Error('the recording is empty');
  if (seconds > MAX_IMPORT_SECONDS) throw new Error(`the recording is ${seconds.toFixed(0)} s long; import at most ${MAX_IMPORT_SECONDS} s per file`);
  const samples = resampleLinear(audio.samples, audio.sampleRate, spec.sampleRate);
  const clipLength = Math.round(spec.sampleRate * spec.clipSeconds);
  // Up to one and a half clips: one clip (centre part, or zero-padded), as the server would fit it.
  if (samples.length <= clipLength * 1.5) return [encodeWav(fitClip(samples, spec), spec.sampleRate)];
  const clips: Uint8Array[] = [];
  // Consecutive clips; a last piece shorter than half a clip is mostly padding and is dropped.
  for (let start = 0; samples.length - start >= clipLength / 2; start += clipLength) {
    clips.push(encodeWav(fitClip(samples.subarray(start, start + clipLength), spec), spec.sampleRate));
  }
  return clips;
}
