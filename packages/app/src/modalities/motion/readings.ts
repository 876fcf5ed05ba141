// DeviceMotionEvent → one row of motion channels, in the names of `offgrid.motion.v1` (@offgrid/features):
// accelerationIncludingGravity x/y/z → ax/ay/az (m/s²); rotationRate beta/gamma/alpha (rotation around the
// device's x/y/z axes, deg/s) → gx/gy/gz, the mapping MOTION_CHANNELS documents.
import type { MotionChannel } from '@offgrid/features';

export const ACCELERATION_CHANNELS: readonly MotionChannel[] = ['ax', 'ay', 'az'];
export const ALL_CHANNELS: readonly MotionChannel[] = ['ax', 'ay', 'az', 'gx', 'gy', 'gz'];

/** The parts of a DeviceMotionEvent we read (so tests can pass plain objects). */
export interface MotionEventLike {
  timeStamp: number;
  accelerationIncludingGravity: { x: number | null; y: number | null; z: number | null } | null;
  rotationRate: { alpha: number | null; beta: number | null; gamma: number | null } | null;
}

/** Which channels the device delivers: gyroscope channels only when the first event carries a rotation rate. */
export function channelsOf(event: MotionEventLike): readonly MotionChannel[] | undefined {
  const a = event.accelerationIncludingGravity;
  if (!a || a.x === null || a.y === null || a.z === null) return undefined;
  const r = event.rotationRate;
  return r && r.alpha !== null && r.beta !== null && r.gamma !== null ? ALL_CHANNELS : ACCELERATION_CHANNELS;
}

/**
 * Writes the event's values into `row` (length 3 or 6, per `channelsOf`). A missing value (some devices drop
 * the gyroscope now and then) keeps what `row` held, i.e. the previous reading. Returns false without acceleration.
 */
export function readMotionEvent(event: MotionEventLike, row: Float32Array): boolean {
  const a = event.accelerationIncludingGravity;
  if (!a || a.x === null || a.y === null || a.z === null) return false;
  row[0] = a.x;
  row[1] = a.y;
  row[2] = a.z;
  const r = event.rotationRate;
  if (row.length === 6 && r) {
    if (r.beta !== null) row[3] = r.beta;
    if (r.gamma !== null) row[4] = r.gamma;
    if (r.alpha !== null) row[5] = r.alpha;
  }
  return true;
}

/** Steps per second over a run of event times (ms); events fire at the device's own, not quite regular, rate. */
export function measuredRateHz(firstMs: number, lastMs: number, steps: number): number {
  if (steps < 2 || !(lastMs > firstMs)) return Number.NaN;
  return ((steps - 1) * 1000) / (lastMs - firstMs);
}
