import type { TrainingCheckpoint } from '../train/checkpoint.ts';
import type { TrialHandlers } from '../worker/trial.ts';
import type { TrialExecutor } from '../worker/trial-executor.ts';
import type { TrialRequest, TrialResult } from '../worker/trial-protocol.ts';
import type { TrainingBackend } from './choose.ts';

/** The error name of a trial that failed because of the GPU (device lost, out of memory, a kernel WebGPU refused). */
export const WEBGPU_FAILURE = 'WebGpuFailure';
/**
 * Test-only: after this many training steps, a WebGPU trial's worker destroys its GPU device: a genuine device loss
 * in Dawn (what a driver reset or an unplugged eGPU does), which the fallback to wasm must survive.
 */
export const LOSE_DEVICE_ENV = 'OFFGRID_TEST_LOSE_GPU_AFTER_STEPS';

/** When and why a search stopped training on WebGPU. */
export interface AcceleratorFallback {
  /** ISO time of the failure. */
  at: string;
  /** What was training: e.g. "trial 3" or "the winner's retraining". */
  during: string;
  /** What failed on the GPU (device lost, out of memory, a kernel error). */
  error: string;
  /** The epoch of the checkpoint the rerun on wasm resumed from (absent: it started over). */
  resumedFromEpoch?: number;
}

/**
 * Trains on `backend` until WebGPU fails once (device lost, out of memory, any WebGPU error in a kernel); the trial
 * that failed is trained again on wasm from its newest checkpoint, and everything after it trains on wasm: a GPU that
 * failed once (a driver reset, a card that runs out of memory on this search's nets) is not trusted again. Other errors
 * are the trial's own and pass through unchanged.
 */
export class WasmFallbackTrials implements TrialExecutor {
  private failed?: AcceleratorFallback;

  constructor(
    private readonly executor: TrialExecutor,
    private readonly chosen: TrainingBackend,
    private readonly onFallback: (fallback: AcceleratorFallback) => void = () => {},
  ) {}

  /** What the next trial trains on. */
  get backend(): TrainingBackend {
    return this.failed ? 'wasm' : this.chosen;
  }

  get fallback(): AcceleratorFallback | undefined {
    return this.failed;
  }

  /** `during` names what trains, for the report ("trial 3"). */
  async train(request: TrialRequest, handlers: TrialHandlers = {}, during = 'a trial'): Promise<TrialResult> {
    if (this.backend === 'wasm' || request.accelerator !== 'webgpu') return this.executor.train({ ...request, accelerator: 'wasm' }, handlers);
    const started = Date.now();
    let newest = request.checkpoint;
    try {
      return await this.executor.train(request, {
        ...handlers,
        onCheckpoint: (checkpoint: TrainingCheckpoint) => {
          newest = checkpoint;
          handlers.onCheckpoint?.(checkpoint);
        },
      });
    } catch (error) {
      if ((error as Error).name !== WEBGPU_FAILURE || handlers.signal?.aborted) throw error;
      // Trials running side by side may all fail with the device: the first failure is the one reported.
      if (!this.failed) {
        this.failed = {
          at: new Date().toISOString(), during, error: (error as Error).message.replace(/^Training worker failed: /, ''),
          ...(newest ? { resumedFromEpoch: newest.epoch } : {}),
        };
        this.onFallback(this.failed);
      }
      const budgetSeconds = Math.max(1, request.budgetSeconds - (Date.now() - started) / 1000);
      return this.executor.train({ ...request, accelerator: 'wasm', budgetSeconds, ...(newest ? { checkpoint: newest } : {}) }, handlers);
    }
  }
}
