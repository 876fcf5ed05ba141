// Which audio spec applies: for capture, the project's clip length at the standard rate (the server resamples
// and fits every upload the same way, so a clip recorded here is exactly one training example); for prediction,
// the exact spec the model was trained with (`model.input.preprocessing.audio`, normalization included).
import { DEFAULT_AUDIO_SPEC, encodeWav, fitClip, resampleLinear, validateAudioSpec } from '@offgrid/features';
import type { AudioSpec } from '@offgrid/features';
import type { ModelVersion } from '@offgrid/sdk';
import { requirePreprocessing } from '../model-fields.ts';
import type { ModalProject } from '../project-fields.ts';

export interface CaptureSpec {
  sampleRate: number;
  clipSeconds: number;
}

/** The project's clip length (`settings.audio.clipSeconds`, default 1 s) at the default model rate. */
export function captureSpecOf(project: ModalProject): CaptureSpec {
  const clipSeconds = project.settings?.audio?.clipSeconds ?? DEFAULT_AUDIO_SPEC.clipSeconds;
  if (!(clipSeconds > 0 && clipSeconds <= 10)) throw new Error(`The project's audio clip length must be between 0 and 10 s, got ${clipSeconds}.`);
  return { sampleRate: DEFAULT_AUDIO_SPEC.sampleRate, clipSeconds };
}

/**
 * A clip recorded at the microphone's rate, as it is uploaded: resampled on the phone to the spec rate (never
 * 48 kHz uploads), fitted to the clip length, 16-bit PCM mono WAV.
 */
export function clipToWav(samples: Float32Array, deviceRate: number, spec: CaptureSpec): Uint8Array {
  return encodeWav(fitClip(resampleLinear(samples, deviceRate, spec.sampleRate), spec), spec.sampleRate);
}

/** The model's audio preprocessing, checked: a model without a valid one cannot be fed from the microphone. */
export function modelAudioSpec(model: ModelVersion): AudioSpec {
  const spec = requirePreprocessing(model, 'audio');
  validateAudioSpec(spec);
  return spec;
}
