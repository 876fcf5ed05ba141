import * as tf from '@tensorflow/tfjs';
import { createSmallCnn, reseedDropout } from '../models/small-cnn.ts';
import { createRandom, shuffleInPlace } from '../util/random.ts';
import { chunk, imageBatch, labelBatch, type ImageGeometry } from './batches.ts';
import { HARD_STOP_FACTOR, assumedEpochSeconds, defaultEpochs, shouldStartEpoch } from './budget.ts';
import { correctCount, crossEntropy, evaluate } from './evaluate.ts';
import { abortError, type TrainerProgress } from './progress.ts';
import { stratifiedSplit } from './split.ts';

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

export interface EpochMetrics {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  seconds: number;
}

export interface TrainedImageClassifier {
  model: tf.Sequential;
  /** Epochs completed (a partial epoch cut by the hard stop counts). */
  epochs: number;
  history: EpochMetrics[];
  metrics: { trainAccuracy?: number; valAccuracy?: number; epochs: number };
  stoppedBy: 'epochs' | 'budget';
}

function validate(data: ImageDataset, options: TrainOptions): void {
  const [h, w, c] = options.inputShape;
  const size = h * w * c;
  if (data.images.length !== data.targets.length) throw new Error(`images (${data.images.length}) and targets (${data.targets.length}) differ in length.`);
  if (data.images.length < 2) throw new Error('Training needs at least 2 images.');
  data.images.forEach((image, i) => {
    if (image.length !== size) throw new Error(`image ${i} has ${image.length} values; inputShape ${h}x${w}x${c} needs ${size}.`);
  });
  data.targets.forEach((target, i) => {
    if (!Number.isInteger(target) || target < 0 || target >= options.numClasses) {
      throw new Error(`target ${i} is ${target}; expected an integer in [0, ${options.numClasses}).`);
    }
  });
  if (!(options.budgetSeconds > 0)) throw new Error(`budgetSeconds must be > 0 (got ${options.budgetSeconds}).`);
  if (options.epochs !== undefined && !(Number.isInteger(options.epochs) && options.epochs >= 1)) throw new Error(`epochs must be an integer ≥ 1 (got ${options.epochs}).`);
  if (options.batchSize !== undefined && !(Number.isInteger(options.batchSize) && options.batchSize >= 1)) throw new Error(`batchSize must be an integer ≥ 1 (got ${options.batchSize}).`);
}

/** Lets timers and abort events run between batches; wasm work is synchronous otherwise. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Trains the small CNN on the active backend (call `initWasmBackend()` first) with Adam and
 * cross-entropy, under a strict time budget. Deterministic for a seed.
 */
export async function trainImageClassifier(data: ImageDataset, options: TrainOptions): Promise<TrainedImageClassifier> {
  validate(data, options);
  const { batchSize, validationSplit, seed, augmentFlip, learningRate } = { ...TRAIN_DEFAULTS, ...withoutUndefined(options) };
  const { budgetSeconds, signal, onProgress } = options;
  const started = performance.now();
  const elapsed = (): number => (performance.now() - started) / 1000;
  const [height, width, channels] = options.inputShape;
  const geometry: ImageGeometry = { height, width, channels };

  const random = createRandom(seed);
  const split = stratifiedSplit(data.targets, validationSplit, random);
  const model = createSmallCnn({ numClasses: options.numClasses, inputShape: options.inputShape, seed: random.nextSeed() });
  const optimizer = tf.train.adam(learningRate);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const batchesPerEpoch = Math.ceil(split.trainIndices.length / batchSize);

  const userEpochs = options.epochs;
  let plannedEpochs = userEpochs ?? defaultEpochs(budgetSeconds, assumedEpochSeconds(split.trainIndices.length, split.validationIndices.length, height * width * channels));
  const history: EpochMetrics[] = [];
  let fraction = 0;
  let stoppedBy: TrainedImageClassifier['stoppedBy'] = 'epochs';
  let lastValidation: { loss: number; accuracy: number } | undefined;

  const report = (event: TrainerProgress['event'], epoch: number, loss: number, accuracy: number, batchesDone: number): void => {
    const totalBatches = plannedEpochs * batchesPerEpoch;
    const doneBatches = (epoch - 1) * batchesPerEpoch + batchesDone;
    const secondsPerBatch = elapsed() / Math.max(doneBatches, 1);
    const etaSeconds = Math.max(0, Math.min(budgetSeconds - elapsed(), (totalBatches - doneBatches) * secondsPerBatch));
    // Whichever runs out first, epochs or budget, decides how far along we are.
    fraction = Math.min(1, Math.max(fraction, doneBatches / totalBatches, elapsed() / budgetSeconds));
    onProgress?.({
      event, phase: 'training', epoch, epochs: plannedEpochs, loss, accuracy,
      valLoss: lastValidation?.loss, valAccuracy: lastValidation?.accuracy, fraction, etaSeconds,
    });
  };

  try {
    for (let epoch = 1; epoch <= plannedEpochs; epoch++) {
      const meanEpochSeconds = history.length ? elapsed() / history.length : 0;
      if (!shouldStartEpoch(elapsed(), meanEpochSeconds, budgetSeconds, history.length)) {
        stoppedBy = 'budget';
        break;
      }
      const epochStart = elapsed();
      const order = shuffleInPlace([...split.trainIndices], random);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let batchesDone = 0;
      let hardStopped = false;
      for (const batch of chunk(order, batchSize)) {
        if (signal?.aborted) throw abortError(signal);
        reseedDropout(model, random);
        const flipRandom = augmentFlip ? random : undefined;
        const [loss, hits] = tf.tidy(() => {
          const x = imageBatch(data.images, batch, geometry, flipRandom);
          const labels = labelBatch(data.targets, batch);
          let batchHits: tf.Scalar | undefined;
          const batchLoss = optimizer.minimize(() => {
            const probabilities = model.apply(x, { training: true }) as tf.Tensor2D;
            // The gradient scope disposes everything but the loss; keep the accuracy of this forward pass.
            batchHits = tf.keep(correctCount(probabilities, labels));
            return crossEntropy(probabilities, labels);
          }, true, variables)!;
          return [batchLoss, batchHits!];
        });
        lossSum += (await loss.data())[0] * batch.length;
        correct += (await hits.data())[0];
        tf.dispose([loss, hits]);
        seen += batch.length;
        batchesDone++;
        report('batch', epoch, lossSum / seen, correct / seen, batchesDone);
        await yieldToEventLoop();
        if (elapsed() > budgetSeconds * HARD_STOP_FACTOR && batchesDone < batchesPerEpoch) {
          hardStopped = true;
          break;
        }
      }
      if (signal?.aborted) throw abortError(signal);
      lastValidation = await evaluate(model, data.images, data.targets, split.validationIndices, geometry, Math.max(batchSize, 64));
      history.push({
        epoch, loss: lossSum / seen, accuracy: correct / seen,
        valLoss: lastValidation?.loss, valAccuracy: lastValidation?.accuracy, seconds: elapsed() - epochStart,
      });
      if (userEpochs === undefined) {
        // Re-plan with the measured epoch time now that the guess can be replaced.
        const measured = elapsed() / history.length;
        plannedEpochs = Math.max(epoch, defaultEpochs(budgetSeconds, measured));
      }
      report('epoch', epoch, lossSum / seen, correct / seen, batchesPerEpoch);
      if (hardStopped) {
        stoppedBy = 'budget';
        break;
      }
    }
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    optimizer.dispose();
  }
  const last = history.at(-1);
  return {
    model,
    epochs: history.length,
    history,
    metrics: { trainAccuracy: last?.accuracy, valAccuracy: last?.valAccuracy, epochs: history.length },
    stoppedBy,
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
