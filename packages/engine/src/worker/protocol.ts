import type { TrainProgress } from '../train/progress.ts';

/** What the server asks for; see trainImageClassifierInWorker. */
export interface TrainImageRequest {
  /** [height, width, channels] of every image. */
  inputShape: [number, number, number];
  /** Class names in model output order. */
  labels: string[];
  /** Each height·width·channels long, preprocessed by `@offgrid/features`. */
  images: Float32Array[];
  /** Class index per image. */
  targets: number[];
  /** Wall-clock budget for the whole job, worker start-up and export included. */
  budgetSeconds: number;
  epochs?: number;
  batchSize?: number;
  validationSplit?: number;
  seed?: number;
  /** How 0–255 pixels became `images` ((pixel - mean) / std); written to the TFLite Metadata. Default 127.5 / 127.5. */
  normalization?: { mean: number; std: number };
}

export interface TrainImageResult {
  /** float32 TFLite flatbuffer, with metadata (labels, normalization). */
  tflite: Uint8Array;
  /** Full-integer int8 (float32 I/O) calibrated on the training images, and float16 weights; both with metadata. */
  int8: Uint8Array;
  float16: Uint8Array;
  epochs: number;
  metrics: { trainAccuracy?: number; valAccuracy?: number; epochs: number };
}

/** Data the worker starts with. `startedAt` (epoch ms) lets it charge start-up time to the budget. */
export interface WorkerInput {
  request: TrainImageRequest;
  startedAt: number;
}

export type WorkerMessage =
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'result'; result: TrainImageResult }
  | { type: 'error'; name: string; message: string; stack?: string };
