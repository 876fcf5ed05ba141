import { motionWindowShape, parseMotionRecording, recordingSteps, type MotionChannel, type MotionSpec } from '@offgrid/features';
import { OffgridError } from '../errors.ts';
import { decodeUtf8 } from './inspect-text.ts';

/**
 * Checks that bytes are an offgrid.motion.v1 recording (parseMotionRecording's limits: 1–1000 Hz, known
 * channels, finite numbers, at most 10 minutes) that the project can train on: it has the channels the
 * model takes and is at least one window long.
 */
export function inspectMotion(bytes: Uint8Array, spec: MotionSpec): { rateHz: number; steps: number; channels: MotionChannel[] } {
  const bad = (message: string) => new OffgridError('BAD_MOTION', message);
  let json: unknown;
  try {
    json = JSON.parse(decodeUtf8(bytes, 'The recording'));
  } catch (error) {
    throw bad(`The recording is not valid JSON (${(error as Error).message}); send an ${'offgrid.motion.v1'} object.`);
  }
  let recording: ReturnType<typeof parseMotionRecording>;
  try {
    recording = parseMotionRecording(json);
  } catch (error) {
    throw bad(`${(error as Error).message}.`);
  }
  const missing = spec.channels.filter((name) => !recording.channels.includes(name));
  if (missing.length > 0) {
    throw bad(`The recording lacks channel(s) ${missing.join(', ')}; this project's models take ${spec.channels.join(', ')}${missing.some((m) => m.startsWith('g')) ? ' (is the gyroscope available on this device?)' : ''}.`);
  }
  const steps = recordingSteps(recording);
  const seconds = steps / recording.rateHz;
  const [windowSteps] = motionWindowShape(spec);
  if (Math.round(seconds * spec.rateHz) < windowSteps) {
    throw bad(`The recording is ${seconds.toFixed(2)} s long, shorter than one ${spec.windowSeconds} s window; record for longer.`);
  }
  return { rateHz: recording.rateHz, steps, channels: recording.channels };
}
