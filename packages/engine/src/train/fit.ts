/**
 * The trainer every model family goes through: Adam and (optionally class-weighted) cross-entropy
 * on the active backend, seeded split/shuffles/augmentation/dropout, a strict time budget, LR
 * schedules, early stopping, per-epoch checkpoints with exact resume, progress and cancellation.
 */
import * as tf from '@tensorflow/tfjs';
import { reseedDropout } from './dropout.ts';
import { createRandom, shuffleInPlace, type Random } from '../util/random.ts';
import { hasAugmentation, type ImageAugmentation } from './augment.ts';
import { createAdam } from './adam.ts';
import { chunk } from './batches.ts';
import { HARD_STOP_FACTOR, assumedEpochSeconds, defaultEpochs, lastEpochBatches, plannedEpochsWithin, shouldStartEpoch } from './budget.ts';
import {
  adamArrays, adamStep, decodeCheckpoint, encodeCheckpoint, restoreAdam, takeArrays, tensorArrays, type TrainingCheckpoint,
} from './checkpoint.ts';
import { checkData, sampleBatch, sampleSize, targetBatch, type TrainingData } from './data.ts';
import { correctCount } from './evaluate.ts';
import { abortError, type TrainerProgress } from './progress.ts';
import { afterEpoch, initialScheduleState, rateForEpoch, type LrSchedule, type ScheduleState } from './schedule.ts';
import { regularizationLoss } from './regularization.ts';
import { groupedStratifiedSplit, type TrainValidationSplit } from './split.ts';
import type { GradientPairLeader, HalfBatch } from './gradient-pair.ts';

export interface EarlyStopping {
  /** Epochs without improvement of the monitored loss (validation loss, else training loss) before stopping. */
  patience: number;
  /** Smallest decrease that counts as an improvement (default 0). */
  minDelta?: number;
  /** Put back the weights of the best epoch when training ends (default true). */
  restoreBestWeights?: boolean;
}

export interface FitOptions {
  numClasses: number;
  /** Strict wall-clock budget for this call (training and validation). */
  budgetSeconds: number;
  /** Total epochs (a resumed run counts the checkpoint's); without it, as many as the budget allows (≤ 50 more). */
  epochs?: number;
  /** Upper bound: tiny training sets get smaller batches (see `effectiveBatchSize`). */
  batchSize?: number;
  validationSplit?: number;
  /**
   * Explicit training and validation samples (indices into the data) instead of a seeded `validationSplit`:
   * one fold of a k-fold cross-validation (`stratifiedFolds`).
   */
  split?: TrainValidationSplit;
  seed?: number;
  learningRate?: number;
  lrSchedule?: LrSchedule;
  earlyStopping?: EarlyStopping;
  /** Loss weight per class, or 'balanced' (n / (classes · count), from the training split). */
  classWeights?: readonly number[] | 'balanced';
  /**
   * Training targets become (1 − ε)·one-hot + ε/classes (Model Maker uses 0.1); default 0. Validation
   * loss, which early stopping and plateau schedules monitor, stays plain cross-entropy.
   */
  labelSmoothing?: number;
  /** Image augmentation (samples must be [H, W, C]). */
  augment?: ImageAugmentation;
  onProgress?: (progress: TrainerProgress) => void;
  /** Called after every epoch; training waits for it (persist the bytes there). */
  onCheckpoint?: (checkpoint: TrainingCheckpoint) => void | Promise<void>;
  /** Continue from a checkpoint of a run with the same data, model and options. */
  resumeFrom?: TrainingCheckpoint;
  /**
   * Start from the weights in these checkpoint bytes (its best weights when it kept them) instead of
   * the initializers, with a fresh optimizer, history and epoch count: a model trained on a sample of
   * the data continues on all of it. Same family, config and input shape as the checkpoint's run.
   */
  initialWeights?: Uint8Array;
  signal?: AbortSignal;
  /** Milliseconds since any fixed point; default performance.now. Tests pass their own to make time exact. */
  now?: () => number;
  /**
   * Train on two cores: a follower replica (another worker, see gradient-pair.ts) computes half of every batch.
   * Not with `resumeFrom` (the follower cannot restore the optimizer's state).
   */
  pair?: GradientPairLeader;
}

export const FIT_DEFAULTS = { batchSize: 32, validationSplit: 0.2, seed: 0, learningRate: 1e-3 } as const;

/**
 * A tiny training set (a phone's first few samples, a cross-validation fold of a 150-row table)
 * fits in one batch of 32, so an epoch would be a single optimizer step and a 27-epoch trial only
 * 27 steps: undertrained. Smaller batches give every epoch at least this many steps at nearly the
 * same compute (the samples seen per epoch do not change); never below 4 samples, so batch norm
 * still sees a batch.
 */
export const MIN_STEPS_PER_EPOCH = 8;
const MIN_BATCH_SIZE = 4;

export function effectiveBatchSize(trainSamples: number, batchSize: number): number {
  return Math.min(batchSize, Math.max(MIN_BATCH_SIZE, Math.ceil(trainSamples / MIN_STEPS_PER_EPOCH)));
}

export interface EpochMetrics {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  learningRate?: number;
  seconds: number;
  /** Share of the epoch's batches that ran, when the budget left room for only part of a last epoch. */
  share?: number;
}

export interface FitResult {
  model: tf.LayersModel;
  /** Epochs completed in total (a partial epoch cut by the hard stop counts). */
  epochs: number;
  history: EpochMetrics[];
  /** Of the weights returned: the best epoch's when early stopping restored them, else the last. */
  metrics: { trainAccuracy?: number; valAccuracy?: number; valLoss?: number; epochs: number; bestEpoch?: number };
  stoppedBy: 'epochs' | 'budget' | 'early-stopping';
  split: TrainValidationSplit;
}

/** Small state carried in checkpoints (tensors travel beside it). */
interface ResumeState {
  epoch: number;
  random: number;
  schedule: ScheduleState;
  early: { best: number; badEpochs: number; bestEpoch: number };
  history: EpochMetrics[];
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function validate(data: TrainingData, options: FitOptions): void {
  checkData(data, options.numClasses);
  if (data.targets.length < 2) throw new Error('Training needs at least 2 samples.');
  if (!(options.budgetSeconds > 0)) throw new Error(`budgetSeconds must be > 0 (got ${options.budgetSeconds}).`);
  if (options.epochs !== undefined && !(Number.isInteger(options.epochs) && options.epochs >= 1)) throw new Error(`epochs must be an integer ≥ 1 (got ${options.epochs}).`);
  if (options.batchSize !== undefined && !(Number.isInteger(options.batchSize) && options.batchSize >= 1)) throw new Error(`batchSize must be an integer ≥ 1 (got ${options.batchSize}).`);
  if (hasAugmentation(options.augment) && data.shape.length !== 3) throw new Error(`augment needs image samples [height, width, channels] (got [${data.shape.join(', ')}]).`);
  if (Array.isArray(options.classWeights) && options.classWeights.length !== options.numClasses) {
    throw new Error(`classWeights has ${options.classWeights.length} entries; numClasses is ${options.numClasses}.`);
  }
  if (options.split) {
    const n = data.targets.length;
    const outside = [...options.split.trainIndices, ...options.split.validationIndices].find((i) => !(Number.isInteger(i) && i >= 0 && i < n));
    if (outside !== undefined) throw new Error(`split holds index ${outside}; the data has ${n} samples.`);
    if (options.split.trainIndices.length === 0) throw new Error('split has no training samples.');
  }
  if (options.pair && options.resumeFrom) throw new Error('Data-parallel training (pair) cannot resume from a checkpoint: train on one worker to resume.');
  if (options.labelSmoothing !== undefined && !(options.labelSmoothing >= 0 && options.labelSmoothing < 1)) {
    throw new Error(`labelSmoothing must be in [0, 1) (got ${options.labelSmoothing}).`);
  }
}

function resolveClassWeights(option: FitOptions['classWeights'], targets: ArrayLike<number>, indices: readonly number[], numClasses: number): number[] | undefined {
  if (option === undefined) return undefined;
  if (option !== 'balanced') return [...option];
  const counts = new Array<number>(numClasses).fill(0);
  for (const i of indices) counts[targets[i]]++;
  return counts.map((n) => (n === 0 ? 0 : indices.length / (numClasses * n)));
}

/**
 * Mean over the batch of weight[label] · cross-entropy (Keras' sample-weight semantics); plain mean without
 * weights. `labelSmoothing` ε mixes the one-hot target with the uniform distribution, as Keras' `label_smoothing`.
 */
export function weightedCrossEntropy(probabilities: tf.Tensor2D, labels: tf.Tensor1D, classWeights?: tf.Tensor1D, labelSmoothing = 0): tf.Scalar {
  return tf.tidy(() => {
    const classes = probabilities.shape[1];
    let target: tf.Tensor = tf.oneHot(labels, classes);
    if (labelSmoothing > 0) target = tf.add(tf.mul(target, 1 - labelSmoothing), labelSmoothing / classes);
    const perSample = tf.neg(tf.sum(tf.mul(target, tf.log(tf.clipByValue(probabilities, 1e-7, 1 - 1e-7))), -1));
    return tf.mean<tf.Scalar>(classWeights ? tf.mul(perSample, tf.gather(classWeights, labels)) : perSample);
  });
}

/** The training objective: cross-entropy plus the model's weight penalties (see regularizationLoss). */
function withPenalties(model: tf.LayersModel, loss: tf.Scalar): tf.Scalar {
  const penalty = regularizationLoss(model);
  return penalty ? tf.add(loss, penalty) : loss;
}

/**
 * Gradients (nothing applied), mean loss and correct predictions of one batch in training mode. The data-parallel
 * follower computes its half of every batch with this; `hits` is kept out of the caller's tidy: dispose it.
 */
export function batchGradients(model: tf.LayersModel, data: TrainingData, indices: readonly number[], variables: tf.Variable[], options: { augment?: { options: ImageAugmentation; random: Random }; classWeights?: tf.Tensor1D; labelSmoothing?: number }): HalfBatch {
  const x = sampleBatch(data, indices, options.augment);
  const labels = targetBatch(data.targets, indices);
  let hits: tf.Scalar | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const probabilities = model.apply(x, { training: true }) as tf.Tensor2D;
    hits = tf.keep(correctCount(probabilities, labels));
    return withPenalties(model, weightedCrossEntropy(probabilities, labels, options.classWeights, options.labelSmoothing));
  }, variables);
  return { grads, loss: value, hits: hits! };
}

/** Loss and accuracy in inference mode over `indices`. */
async function validationMetrics(model: tf.LayersModel, data: TrainingData, indices: readonly number[], batchSize: number): Promise<{ loss: number; accuracy: number } | undefined> {
  if (indices.length === 0) return undefined;
  let lossSum = 0;
  let correct = 0;
  for (const batch of chunk(indices, batchSize)) {
    const [loss, hits] = tf.tidy(() => {
      const probabilities = model.predict(sampleBatch(data, batch)) as tf.Tensor2D;
      const labels = targetBatch(data.targets, batch);
      return [tf.mul(weightedCrossEntropy(probabilities, labels), batch.length), correctCount(probabilities, labels)];
    });
    lossSum += (await loss.data())[0];
    correct += (await hits.data())[0];
    tf.dispose([loss, hits]);
  }
  return { loss: lossSum / indices.length, accuracy: correct / indices.length };
}

function loadWeights(model: tf.LayersModel, checkpointBytes: Uint8Array): void {
  const { arrays } = decodeCheckpoint<unknown>(checkpointBytes);
  const best = takeArrays(arrays, 'best');
  const saved = best.length ? best : takeArrays(arrays, 'model');
  if (saved.length !== model.weights.length) throw new Error(`initialWeights hold ${saved.length} weights; the model has ${model.weights.length}. Start from a checkpoint of the same family and config.`);
  const tensors = saved.map((a) => tf.tensor(a.values, a.shape));
  try {
    model.setWeights(tensors);
  } finally {
    tf.dispose(tensors);
  }
}

/**
 * Trains the model `buildModel(seed)` returns (the seed comes from the run's generator, after the
 * split) on the active backend; call `initWasmBackend()` first. Deterministic for a seed.
 */
export async function fit(data: TrainingData, buildModel: (seed: number) => tf.LayersModel, options: FitOptions): Promise<FitResult> {
  validate(data, options);
  const { batchSize: maxBatchSize, validationSplit, seed, learningRate } = { ...FIT_DEFAULTS, ...withoutUndefined(options) };
  const { budgetSeconds, signal, onProgress, lrSchedule, earlyStopping } = options;
  const now = options.now ?? (() => performance.now());
  const started = now();
  const elapsed = (): number => (now() - started) / 1000;

  let random: Random = createRandom(seed);
  const split = options.split ?? groupedStratifiedSplit(Array.from(data.targets), data.groups, validationSplit, random);
  const model = buildModel(random.nextSeed());
  const optimizer = createAdam(learningRate);
  const setRate = (rate: number): void => {
    (optimizer as unknown as { learningRate: number }).learningRate = rate;
  };
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const weights = resolveClassWeights(options.classWeights, data.targets, split.trainIndices, options.numClasses);
  const classWeights = weights ? tf.tensor1d(weights) : undefined;
  const augment = hasAugmentation(options.augment) ? options.augment : undefined;
  const batchSize = effectiveBatchSize(split.trainIndices.length, maxBatchSize);
  const batchesPerEpoch = Math.ceil(split.trainIndices.length / batchSize);

  let history: EpochMetrics[] = [];
  let schedule = initialScheduleState(learningRate);
  let early = { best: Infinity, badEpochs: 0, bestEpoch: 0 };
  let bestWeights: tf.Tensor[] | undefined;
  let startEpoch = 0;
  if (options.initialWeights && !options.resumeFrom) {
    try {
      loadWeights(model, options.initialWeights);
    } catch (error) {
      model.dispose();
      optimizer.dispose();
      tf.dispose(classWeights);
      throw error;
    }
  }
  if (options.resumeFrom) {
    try {
      const { state, arrays } = decodeCheckpoint<ResumeState>(options.resumeFrom.bytes);
      const modelArrays = takeArrays(arrays, 'model');
      if (modelArrays.length !== model.weights.length) throw new Error(`Checkpoint holds ${modelArrays.length} weights; the model has ${model.weights.length}. Resume with the same family, config and data shape.`);
      const restored = modelArrays.map((a) => tf.tensor(a.values, a.shape));
      model.setWeights(restored);
      tf.dispose(restored);
      restoreAdam(optimizer, options.resumeFrom.optimizerStep, arrays, variables);
      const best = takeArrays(arrays, 'best');
      if (best.length) bestWeights = best.map((a) => tf.tensor(a.values, a.shape));
      random = createRandom(seed, state.random);
      ({ schedule, early, history } = state);
      startEpoch = state.epoch;
    } catch (error) {
      model.dispose();
      optimizer.dispose();
      tf.dispose([classWeights, bestWeights]);
      throw error;
    }
  }

  const userEpochs = options.epochs;
  const pixels = sampleSize(data.shape);
  let plannedEpochs = userEpochs ?? startEpoch + defaultEpochs(budgetSeconds, assumedEpochSeconds(split.trainIndices.length, split.validationIndices.length, pixels));
  let fraction = 0;
  let sessionEpochs = 0;
  let stoppedBy: FitResult['stoppedBy'] = 'epochs';
  let lastValidation: { loss: number; accuracy: number } | undefined;
  let rate = learningRate;

  const report = (event: TrainerProgress['event'], epoch: number, loss: number, accuracy: number, batchesDone: number): void => {
    const totalBatches = (plannedEpochs - startEpoch) * batchesPerEpoch;
    const doneBatches = (epoch - 1 - startEpoch) * batchesPerEpoch + batchesDone;
    const secondsPerBatch = elapsed() / Math.max(doneBatches, 1);
    const etaSeconds = Math.max(0, Math.min(budgetSeconds - elapsed(), (totalBatches - doneBatches) * secondsPerBatch));
    fraction = Math.min(1, Math.max(fraction, doneBatches / Math.max(totalBatches, 1), elapsed() / budgetSeconds));
    onProgress?.({
      event, phase: 'training', epoch, epochs: plannedEpochs, batch: batchesDone, batches: batchesPerEpoch, loss, accuracy,
      valLoss: lastValidation?.loss, valAccuracy: lastValidation?.accuracy, learningRate: rate, fraction, etaSeconds,
    });
  };

  const checkpoint = async (epoch: number): Promise<void> => {
    if (!options.onCheckpoint) return;
    const state: ResumeState = { epoch, random: random.state(), schedule, early, history };
    const bytes = encodeCheckpoint(state, [
      ...(await tensorArrays('model', model.weights.map((w) => w.read()))),
      ...(await adamArrays(optimizer)),
      ...(bestWeights ? await tensorArrays('best', bestWeights) : []),
    ]);
    await options.onCheckpoint({ epoch, optimizerStep: adamStep(optimizer), bytes });
  };

  const pair = options.pair;
  try {
    if (pair) await pair.connect(model, variables, batchSize, weights);
    for (let epoch = startEpoch + 1; epoch <= plannedEpochs; epoch++) {
      const meanEpochSeconds = sessionEpochs ? elapsed() / sessionEpochs : 0;
      // Budget-driven training spends what is left on part of a last epoch rather than leaving it unused.
      let batchLimit = batchesPerEpoch;
      if (!shouldStartEpoch(elapsed(), meanEpochSeconds, budgetSeconds, sessionEpochs)) {
        batchLimit = userEpochs === undefined ? lastEpochBatches(budgetSeconds - elapsed(), meanEpochSeconds, batchesPerEpoch) : 0;
        if (batchLimit === 0) {
          stoppedBy = 'budget';
          break;
        }
      }
      const epochStart = elapsed();
      rate = rateForEpoch(lrSchedule, learningRate, epoch, plannedEpochs, schedule);
      setRate(rate);
      const order = shuffleInPlace([...split.trainIndices], random);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let batchesDone = 0;
      let hardStopped = false;
      for (const batch of chunk(order, batchSize)) {
        if (signal?.aborted) throw abortError(signal);
        if (batchesDone === batchLimit) break;
        reseedDropout(model, random);
        if (pair && batch.length > 1) {
          // Half the batch here, half on the follower's core; both apply the averaged gradients.
          const split = Math.ceil(batch.length / 2);
          const seeds = { dropout: random.nextSeed(), augment: random.nextSeed() };
          const both = pair.run(optimizer, variables, batch.slice(0, split), batch.slice(split), rate, seeds,
            (mine) => batchGradients(model, data, mine, variables, { augment: augment && { options: augment, random }, classWeights, labelSmoothing: options.labelSmoothing }));
          lossSum += both.loss * batch.length;
          correct += both.hits;
        } else {
          const [loss, hits] = tf.tidy(() => {
            const x = sampleBatch(data, batch, augment && { options: augment, random });
            const labels = targetBatch(data.targets, batch);
            let batchHits: tf.Scalar | undefined;
            const batchLoss = optimizer.minimize(() => {
              const probabilities = model.apply(x, { training: true }) as tf.Tensor2D;
              batchHits = tf.keep(correctCount(probabilities, labels));
              return withPenalties(model, weightedCrossEntropy(probabilities, labels, classWeights, options.labelSmoothing));
            }, true, variables)!;
            return [batchLoss, batchHits!];
          });
          lossSum += (await loss.data())[0] * batch.length;
          correct += (await hits.data())[0];
          tf.dispose([loss, hits]);
        }
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
      lastValidation = await validationMetrics(model, data, split.validationIndices, Math.max(batchSize, 64));
      const metrics: EpochMetrics = {
        epoch, loss: lossSum / seen, accuracy: correct / seen,
        valLoss: lastValidation?.loss, valAccuracy: lastValidation?.accuracy, learningRate: rate, seconds: elapsed() - epochStart,
        ...(batchesDone < batchesPerEpoch ? { share: batchesDone / batchesPerEpoch } : {}),
      };
      history = [...history, metrics];
      sessionEpochs++;
      const monitored = metrics.valLoss ?? metrics.loss;
      schedule = afterEpoch(lrSchedule, schedule, monitored);
      let stopEarly = false;
      if (earlyStopping) {
        if (monitored < early.best - (earlyStopping.minDelta ?? 0)) {
          early = { best: monitored, badEpochs: 0, bestEpoch: epoch };
          if (earlyStopping.restoreBestWeights !== false) {
            tf.dispose(bestWeights);
            bestWeights = model.weights.map((w) => tf.clone(w.read()));
          }
        } else {
          early = { ...early, badEpochs: early.badEpochs + 1 };
          stopEarly = early.badEpochs >= earlyStopping.patience;
        }
      }
      if (userEpochs === undefined) plannedEpochs = Math.max(epoch, startEpoch + plannedEpochsWithin(budgetSeconds, elapsed() / sessionEpochs));
      report('epoch', epoch, metrics.loss, metrics.accuracy, batchesPerEpoch);
      await checkpoint(epoch);
      if (hardStopped) {
        stoppedBy = 'budget';
        break;
      }
      if (stopEarly) {
        stoppedBy = 'early-stopping';
        break;
      }
    }
    let reported = history.at(-1);
    if (earlyStopping && earlyStopping.restoreBestWeights !== false && bestWeights && early.bestEpoch !== history.at(-1)?.epoch) {
      model.setWeights(bestWeights);
      reported = history.find((h) => h.epoch === early.bestEpoch);
    }
    return {
      model,
      epochs: history.length,
      history,
      metrics: {
        trainAccuracy: reported?.accuracy, valAccuracy: reported?.valAccuracy, valLoss: reported?.valLoss, epochs: history.length,
        bestEpoch: earlyStopping ? early.bestEpoch || undefined : undefined,
      },
      stoppedBy,
      split,
    };
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    pair?.stop();
    optimizer.dispose();
    tf.dispose(bestWeights);
    classWeights?.dispose();
  }
}
