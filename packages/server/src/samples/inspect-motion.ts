import { motionWindowShape, parseMotionRecording, recordingSteps, type MotionChannel, type MotionSpec } from '@offgrid/features';
import { OffgridError } from '../errors.ts';
import { decodeUtf8 } from './inspect-text.ts';

/**
 * The largest reading accepted, in either direction. Phone accelerometers saturate near ±160 m/s² (16 g) and
 * gyroscopes near ±35 rad/s (2000 °/s); a bound far above both still refuses 1e308, which float32 storage
 * turns into Infinity and training into NaN.
 */
export const MAX_MOTION_VALUE = 1e4;

/**
 * Checks that bytes are an offgrid.motion.v1 recording (parseMotionRecording's limits: 1–1000 Hz, known
 * channels, finite numbers, at most 10 minutes) that the project can train on: readings a sensor can give
 * (|value| ≤ MAX_MOTION_VALUE), the channels the model takes, at least one window long.
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
  const beyond = recording.data.findIndex((value) => Math.abs(value) > MAX_MOTION_VALUE);
  if (beyond >= 0) {
    // The value as sent: float32 storage already made 1e308 Infinity.
    const sent = (json as { data: number[] }).data[beyond];
    const where = `[${beyond}] (step ${Math.floor(beyond / recording.channels.length)}, channel ${recording.channels[beyond % recording.channels.length]})`;
    throw bad(`Motion recording "data"${where} is ${sent}, beyond ±${MAX_MOTION_VALUE}: accelerometer (m/s²) and gyroscope (rad/s) readings are far smaller. Check the sensor's units.`);
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
