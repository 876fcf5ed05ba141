import type * as tf from '@tensorflow/tfjs';
import { createSmallCnn } from '../models/small-cnn.ts';
import { fromSamples } from './data.ts';
import { fit, type EpochMetrics } from './fit.ts';
import type { TrainerProgress } from './progress.ts';

export type { EpochMetrics } from './fit.ts';

export interface ImageDataset {
  /** Preprocessed HWC float32 images (`@offgrid/features` normalises them). */
  images: readonly Float32Array[];
  /** Class index per image. */
  targets: readonly number[];
}

export interface TrainOptions {
  inputShape: [number, number, number];
  numClasses: number;
  /** Strict wall-clock budget for training, validation included. */
  budgetSeconds: number;
  /** Without it, as many epochs as the budget allows (at most 50). */
  epochs?: number;
  batchSize?: number;
  validationSplit?: number;
  seed?: number;
  /** Random horizontal flips of training images. */
  augmentFlip?: boolean;
  learningRate?: number;
  onProgress?: (progress: TrainerProgress) => void;
  signal?: AbortSignal;
}

export const TRAIN_DEFAULTS = { batchSize: 32, validationSplit: 0.2, seed: 0, augmentFlip: false, learningRate: 1e-3 } as const;

export interface TrainedImageClassifier {
  model: tf.Sequential;
  /** Epochs completed (a partial epoch cut by the hard stop counts). */
  epochs: number;
  history: EpochMetrics[];
  metrics: { trainAccuracy?: number; valAccuracy?: number; epochs: number };
  stoppedBy: 'epochs' | 'budget';
}

/**
 * Trains the product's small CNN (`createSmallCnn`) through `fit` on the active backend (call
 * `initWasmBackend()` first) with Adam and cross-entropy, under a strict time budget.
 */
export async function trainImageClassifier(data: ImageDataset, options: TrainOptions): Promise<TrainedImageClassifier> {
  const [h, w, c] = options.inputShape;
  if (data.images.length !== data.targets.length) throw new Error(`images (${data.images.length}) and targets (${data.targets.length}) differ in length.`);
  data.images.forEach((image, i) => {
    if (image.length !== h * w * c) throw new Error(`image ${i} has ${image.length} values; inputShape ${h}x${w}x${c} needs ${h * w * c}.`);
  });
  const result = await fit(
    fromSamples(data.images, data.targets, options.inputShape),
    (seed) => createSmallCnn({ numClasses: options.numClasses, inputShape: options.inputShape, seed }),
    {
      numClasses: options.numClasses, budgetSeconds: options.budgetSeconds, epochs: options.epochs, batchSize: options.batchSize,
      validationSplit: options.validationSplit, seed: options.seed, learningRate: options.learningRate,
      augment: options.augmentFlip ? { flip: true } : undefined, onProgress: options.onProgress, signal: options.signal,
    },
  );
  const { trainAccuracy, valAccuracy, epochs } = result.metrics;
  return {
    model: result.model as tf.Sequential,
    epochs: result.epochs,
    history: result.history,
    metrics: { trainAccuracy, valAccuracy, epochs },
    stoppedBy: result.stoppedBy === 'early-stopping' ? 'epochs' : result.stoppedBy,
  };
}
