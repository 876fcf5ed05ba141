// One labelled recording session: DeviceMotionEvents as they come (at the device's rate), then an
// `offgrid.motion.v1` recording at the rate the user chose, resampled with @offgrid/features' resampleRecording
// (the server resamples training data with the same code).
import { MOTION_FORMAT, resampleRecording } from '@offgrid/features';
import type { MotionChannel, MotionRecording } from '@offgrid/features';
import { channelsOf, measuredRateHz, readMotionEvent } from './readings.ts';
import type { MotionEventLike } from './readings.ts';

/** The upload body (JSON), `data` interleaved row-major. */
export interface MotionRecordingJson {
  format: typeof MOTION_FORMAT;
  rateHz: number;
  channels: MotionChannel[];
  data: number[];
}

/** Stored values are rounded to this many decimals: sensor noise is far larger, and the JSON stays small. */
const DECIMALS = 4;
const ROUND = 10 ** DECIMALS;

export class MotionRecorder {
  private channelNames: readonly MotionChannel[] | undefined;
  private row = new Float32Array(0);
  private values: number[] = [];
  private firstMs = 0;
  private lastMs = 0;
  private count = 0;

  constructor(
    /** Recording stops taking events after this long (the server accepts up to 10 minutes). */
    readonly maxSeconds = 300,
  ) {}

  /** Adds one event; false when it is ignored (no acceleration, or the recording is full). */
  add(event: MotionEventLike): boolean {
    if (!this.channelNames) {
      const channels = channelsOf(event);
      if (!channels) return false;
      this.channelNames = channels;
      this.row = new Float32Array(channels.length);
      this.firstMs = event.timeStamp;
    }
    if (this.count > 0 && event.timeStamp - this.firstMs > this.maxSeconds * 1000) return false;
    if (!readMotionEvent(event, this.row)) return false;
    for (const value of this.row) this.values.push(value);
    this.lastMs = event.timeStamp;
    this.count++;
    return true;
  }

  get steps(): number {
    return this.count;
  }

  get seconds(): number {
    return this.count < 2 ? 0 : (this.lastMs - this.firstMs) / 1000;
  }

  get channels(): readonly MotionChannel[] {
    return this.channelNames ?? [];
  }

  /** The rate the device delivered events at, measured over the whole session. */
  get deviceRateHz(): number {
    return measuredRateHz(this.firstMs, this.lastMs, this.count);
  }

  /** The session at `rateHz`, ready to upload; throws when too little was recorded. */
  build(rateHz: number): MotionRecordingJson {
    if (!this.channelNames || this.count < 2) throw new Error('No motion was recorded: this device sent no accelerometer readings.');
    const raw: MotionRecording = { format: MOTION_FORMAT, rateHz: this.deviceRateHz, channels: [...this.channelNames], data: Float32Array.from(this.values) };
    const resampled = resampleRecording(raw, rateHz);
    return {
      format: MOTION_FORMAT,
      rateHz,
      channels: resampled.channels,
      data: Array.from(resampled.data, (v) => Math.round(v * ROUND) / ROUND),
    };
  }
}
