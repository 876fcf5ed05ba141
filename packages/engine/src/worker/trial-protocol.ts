import type { MessagePort } from 'node:worker_threads';
import type { TrainingBackend } from '../accelerator/choose.ts';
import type { ClassificationReport } from '../eval/metrics.ts';
import type { Config } from '../families/space.ts';
import type { TrainingCheckpoint } from '../train/checkpoint.ts';
import type { EpochMetrics, FitOptions, FitResult } from '../train/fit.ts';
import type { TrainProgress } from '../train/progress.ts';

/** One trial: a family, its config, the data and the budget. Everything here is structured-cloneable. */
export interface TrialRequest {
  /** A key of MODEL_FAMILIES. */
  family: string;
  /** The family's hyperparameters (missing ones take the space's defaults). */
  config?: Config;
  /**
   * Trainer hyperparameters: a TRAINING_SPACE config (`learningRate`, `batchSize`, `lrSchedule`,
   * `augment`, `classWeights`) — or explicit trainer options in `trainer`, which win.
   */
  training?: Config;
  trainer?: Pick<FitOptions, 'learningRate' | 'batchSize' | 'lrSchedule' | 'augment' | 'classWeights' | 'earlyStopping' | 'validationSplit'>;
  /**
   * Samples back to back. Copied into the worker; back it with a SharedArrayBuffer to let
   * parallel trials share one copy.
   */
  data: { x: Float32Array; shape: number[]; targets: ArrayLike<number>; groups?: ArrayLike<number> };
  /** Class names in output order (their count is the number of classes). */
  labels: string[];
  /** Text families: token ids are in [0, vocabularySize) (the build context's vocabulary size). */
  vocabularySize?: number;
  /** Wall-clock budget for the whole trial, worker start-up and export included. */
  budgetSeconds: number;
  /** Total epochs (a resumed trial counts the checkpoint's). */
  epochs?: number;
  seed?: number;
  /** Resume from a checkpoint of the same trial (same family, config, data and seed). */
  checkpoint?: TrainingCheckpoint;
  /** Start from the weights of another run's checkpoint bytes (same family and config), e.g. the search's winning trial; see `FitOptions.initialWeights`. */
  initialWeights?: Uint8Array;
  /**
   * k ≥ 2: k-fold cross-validation (`crossValidate`): k models trained one after the other in this worker, the
   * history averaged over folds, `metrics.validation` over every sample's out-of-fold prediction; the result's model
   * and `validationIndices` are the last fold's. No checkpoints are sent (not with `checkpoint`, `initialWeights`
   * or `cores` 2). For small datasets, where one validation split is too few samples to rank configurations.
   */
  folds?: number;
  /**
   * 2: train data-parallel on two worker threads (two cores), each computing half of every batch; not with
   * `checkpoint`. Default 1.
   */
  cores?: 1 | 2;
  /** What trains: `wasm` (default) or `webgpu` (pick with chooseAccelerator; one GPU device per trial worker). */
  accelerator?: TrainingBackend;
}

/** A trial's progress: JobProgress plus the trainer's batch position and learning rate. */
export interface TrialProgress extends TrainProgress {
  batch?: number;
  batches?: number;
  learningRate?: number;
  /** The machine training it, where trials go through a queue (its worker name; the coordinator's own: "coordinator"). */
  machine?: string;
}

export interface TrialResult {
  /** float32 TFLite flatbuffer of the returned weights. */
  tflite: Uint8Array;
  /** Per-sample shape the model takes (differs from the data's when the config picks a resolution). */
  inputShape: number[];
  epochs: number;
  history: EpochMetrics[];
  stoppedBy: FitResult['stoppedBy'];
  /** The samples (indices into `request.data`) the trainer held out for validation. */
  validationIndices: number[];
  metrics: FitResult['metrics'] & {
    /** On the validation split, from the TF.js model (undefined without validation samples). */
    validation?: ClassificationReport;
    parameters: number;
    /** Wall-clock seconds of the whole trial inside the worker. */
    seconds: number;
  };
  /**
   * The thread that trained it: `trials` it has trained so far (over 1: a reused pooled worker) and the TF.js
   * tensors and bytes still allocated in it after this trial's clean-up (what the next trial there starts with).
   */
  worker?: { threadId: number; trials: number; tensors: number; bytes: number };
}

export interface TrialWorkerInput {
  entry: string;
  request: TrialRequest;
  startedAt: number;
  /** With `request.cores` 2: the leader trains and reports; the follower computes half of each batch. */
  role?: 'leader' | 'follower';
  pairPort?: MessagePort;
}

/** workerData of a pooled worker: it waits for `{ type: 'trial' }` commands instead of training at start. */
export interface TrialWorkerPoolInput {
  entry: string;
  pooled: true;
}

/** What the main thread posts to a trial worker: a trial (pooled workers only), or a graceful stop of the current one. */
export type TrialWorkerCommand = { type: 'trial'; input: TrialWorkerInput } | { type: 'stop' };

export type TrialWorkerMessage =
  | { type: 'progress'; progress: TrialProgress }
  | { type: 'checkpoint'; checkpoint: TrainingCheckpoint }
  | { type: 'result'; result: TrialResult }
  | { type: 'error'; name: string; message: string; stack?: string; code?: string };
