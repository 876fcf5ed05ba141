import * as tf from '@tensorflow/tfjs';
import { LOSE_DEVICE_ENV, WEBGPU_FAILURE } from './fallback.ts';

export interface GpuWatch {
  /** What went wrong on the GPU, once something did. */
  readonly failure: string | undefined;
  /** Aborts when the GPU fails: training stops at the next batch instead of computing on a dead device. */
  readonly signal: AbortSignal;
  /** Called after every training step (the test knob counts them). */
  step(): void;
}

/**
 * Watches the active tfjs webgpu backend's device: its loss and every error no kernel caught (Dawn reports
 * out-of-memory and validation errors there, and the tensors involved hold garbage). A failure may also surface
 * first as a rejected read; the caller then checks `failure` again before deciding what the error was.
 */
export function watchGpu(env: Record<string, string | undefined> = process.env): GpuWatch {
  const device = (tf.backend() as unknown as { device: GPUDevice }).device;
  const failed = new AbortController();
  let failure: string | undefined;
  const fail = (what: string): void => {
    failure ??= what;
    failed.abort(Object.assign(new Error(what), { name: WEBGPU_FAILURE }));
  };
  void device.lost.then((info) => fail(`the GPU device was lost (${info.reason}${info.message ? `: ${info.message}` : ''})`));
  device.onuncapturederror = (event) => fail(`WebGPU error: ${event.error.message}`);
  const loseAfter = Number(env[LOSE_DEVICE_ENV] ?? 0);
  let steps = 0;
  return {
    get failure() { return failure; },
    signal: failed.signal,
    step() {
      if (loseAfter > 0 && ++steps === loseAfter) device.destroy();
    },
  };
}
