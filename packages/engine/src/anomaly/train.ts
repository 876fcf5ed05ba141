/**
 * Anomaly detection from normal data only: a dense autoencoder trained with MSE reconstruction
 * loss on standardized feature vectors (Adam, seeded shuffles, strict budget, early stopping on
 * held-out normal reconstruction loss with the best weights restored, progress, abort), exported
 * as float32 and int8 TFLite models that output the anomaly score, each with its own threshold
 * calibrated through LiteRT.js on the held-out normal data for the chosen false-alarm rate.
 */
import { TrainingFailure } from '../failure.ts';
import * as tf from '@tensorflow/tfjs';
import { TfliteSession, MIN_CALIBRATION_SAMPLES, serializeModel } from '@offgrid/tflite';
import type { FeatureDescription } from '@offgrid/tflite';
import { createAdam } from '../train/adam.ts';
import { chunk } from '../train/batches.ts';
import { HARD_STOP_FACTOR, shouldStartEpoch } from '../train/budget.ts';
import { abortError, type TrainProgress } from '../train/progress.ts';
import { createRandom, shuffleInPlace, type Random } from '../util/random.ts';
import type { Config } from '../families/space.ts';
import { buildAutoencoder } from './autoencoder.ts';
import { quantizeScoreModel, scoreModel, withAnomalyMetadata, type Standardization } from './score-model.ts';
import { calibrateThreshold, scoreStats, type ScoreStats } from './threshold.ts';

export interface TrainAnomalyOptions {
  /** Normal samples back to back, each `shape` long (flattened to a feature vector). */
  x: Float32Array;
  shape: readonly number[];
  /** Fraction of held-out normal samples allowed to raise an alarm (e.g. 0.01). */
  falseAlarmRate: number;
  budgetSeconds: number;
  seed?: number;
  /** AUTOENCODER_SPACE values (layers, bottleneck, activation). */
  config?: Config;
  /** Maximum epochs (default 200; the budget and early stopping usually end training first). */
  epochs?: number;
  /** Held-out fraction of the normal data, for early stopping and the thresholds (default 0.25). */
  validationSplit?: number;
  /**
   * The held-out samples themselves (indices into x), instead of a random `validationSplit`: a caller whose
   * samples overlap (windows of one recording) holds out whole recordings so the threshold is not set on
   * near-copies of training samples.
   */
  heldOutIndices?: readonly number[];
  batchSize?: number;
  learningRate?: number;
  /** Epochs without a better held-out loss before stopping (default 10). */
  patience?: number;
  /** Names, units and ranges of the features, for the metadata (default f0, f1, … with the data's ranges). */
  features?: readonly FeatureDescription[];
  name?: string;
  onProgress?: (progress: TrainProgress) => void;
  signal?: AbortSignal;
}

export interface AnomalyDetector {
  float32: Uint8Array;
  int8: Uint8Array;
  /** Score above which the float32 model calls an input anomalous. */
  threshold: number;
  /** The same for the int8 model (its scores differ slightly). */
  thresholdInt8: number;
  falseAlarmRate: number;
  /** Scores of the held-out normal samples, through each exported model in LiteRT.js. */
  heldOutScores: { float32: ScoreStats; int8: ScoreStats };
  epochs: number;
  stoppedBy: 'epochs' | 'budget' | 'early-stopping';
  /** Held-out mean reconstruction loss of the returned weights (standardized units). */
  validationLoss: number;
  standardization: Standardization;
}

/** Fewer normal samples cannot both train a detector and leave a held-out set for its threshold. */
export const MIN_NORMAL_SAMPLES = 20;
/** Each feature's std is at least this share of the median feature's std (see `standardization`). */
const STD_FLOOR_SHARE = 0.05;

/** int8 calibration wants MIN_CALIBRATION_SAMPLES inputs; a small training set is repeated (ranges only need coverage). */
function calibrationSet(samples: Float32Array[]): Float32Array[] {
  const out = [...samples];
  for (let i = 0; out.length < MIN_CALIBRATION_SAMPLES; i++) out.push(samples[i % samples.length]);
  return out;
}

function standardization(x: Float32Array, features: number, indices: readonly number[]): Standardization {
  const mean = new Float32Array(features);
  const std = new Float32Array(features);
  for (const i of indices) for (let f = 0; f < features; f++) mean[f] += x[i * features + f] / indices.length;
  for (const i of indices) for (let f = 0; f < features; f++) std[f] += (x[i * features + f] - mean[f]) ** 2 / indices.length;
  for (let f = 0; f < features; f++) std[f] = Math.sqrt(std[f]);
  // A feature that barely moves in normal data (a gyro axis while a machine hums) would get a tiny std, and
  // then sensor noise alone would swing its standardized value, and the score, by orders of magnitude.
  // Floor each std at a share of the typical feature's spread.
  const typical = [...std].sort((a, b) => a - b)[Math.floor(features / 2)];
  const floor = Math.max(STD_FLOOR_SHARE * typical, 1e-6);
  for (let f = 0; f < features; f++) std[f] = Math.max(std[f], floor);
  return { mean, std };
}

const sample = (x: Float32Array, features: number, i: number) => x.subarray(i * features, (i + 1) * features);

/** Scores of `samples` through an exported model in LiteRT.js. */
export async function scoreWithTflite(bytes: Uint8Array, samples: readonly Float32Array[]): Promise<Float32Array> {
  const session = await TfliteSession.create(bytes);
  try {
    const scores = new Float32Array(samples.length);
    for (const [i, s] of samples.entries()) scores[i] = await session.runWith([s], ([out]) => out[0]);
    return scores;
  } finally {
    session.close();
  }
}

/** The held-out normal samples (early stopping and the threshold) and the training ones, in shuffled order. */
function splitNormal(count: number, random: Random, validationSplit: number, heldOutIndices: readonly number[] | undefined): { heldOut: number[]; train: number[] } {
  const order = shuffleInPlace(Array.from({ length: count }, (_, i) => i), random);
  const heldCount = Math.max(1, Math.round(count * validationSplit));
  const given = heldOutIndices && new Set(heldOutIndices);
  if (given && (given.size === 0 || given.size >= count || [...given].some((i) => !Number.isInteger(i) || i < 0 || i >= count))) {
    throw new Error(`heldOutIndices must name between 1 and ${count - 1} distinct samples in [0, ${count}).`);
  }
  return given
    ? { heldOut: order.filter((i) => given.has(i)), train: order.filter((i) => !given.has(i)) }
    : { heldOut: order.slice(0, heldCount), train: order.slice(heldCount) };
}

interface LoopInput {
  model: tf.LayersModel;
  batchOf: (indices: readonly number[]) => tf.Tensor2D;
  train: number[];
  heldOut: number[];
  random: Random;
  started: number;
}

async function heldOutLoss({ model, batchOf, heldOut }: LoopInput): Promise<number> {
  let sum = 0;
  for (const batch of chunk(heldOut, 256)) {
    const loss = tf.tidy(() => {
      const input = batchOf(batch);
      return tf.mul(tf.losses.meanSquaredError(input, model.predict(input) as tf.Tensor), batch.length);
    });
    sum += (await loss.data())[0];
    loss.dispose();
  }
  return sum / heldOut.length;
}

/**
 * Adam on the MSE reconstruction loss, epoch after epoch within the budget, stopping early on the held-out loss;
 * the best epoch's weights are put back. `best.weights` is the caller's to dispose.
 */
async function trainLoop(input: LoopInput, options: TrainAnomalyOptions): Promise<{ epoch: number; stoppedBy: AnomalyDetector['stoppedBy']; best: { loss: number; epoch: number; weights?: tf.Tensor[] } }> {
  const { model, batchOf, train, random, started } = input;
  const { budgetSeconds, signal, onProgress } = options;
  const { batchSize = 32, learningRate = 1e-3, patience = 10, epochs: maxEpochs = 200 } = options;
  const elapsed = () => (performance.now() - started) / 1000;
  const optimizer = createAdam(learningRate);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const best: { loss: number; epoch: number; weights?: tf.Tensor[] } = { loss: Infinity, epoch: 0 };
  let epoch = 0;
  try {
    while (epoch < maxEpochs) {
      if (!shouldStartEpoch(elapsed(), epoch ? elapsed() / epoch : 0, budgetSeconds, epoch)) return { epoch, stoppedBy: 'budget', best };
      epoch++;
      let lossSum = 0;
      for (const batch of chunk(shuffleInPlace([...train], random), batchSize)) {
        if (signal?.aborted) throw abortError(signal);
        const loss = tf.tidy(() => {
          const x = batchOf(batch);
          return optimizer.minimize(() => tf.losses.meanSquaredError(x, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true, variables) as tf.Scalar;
        });
        lossSum += (await loss.data())[0] * batch.length;
        loss.dispose();
        if (elapsed() > budgetSeconds * HARD_STOP_FACTOR) break;
      }
      const valLoss = await heldOutLoss(input);
      if (valLoss < best.loss) {
        tf.dispose(best.weights);
        Object.assign(best, { loss: valLoss, epoch, weights: model.weights.map((w) => tf.clone(w.read())) });
      }
      onProgress?.({ phase: 'training', epoch, epochs: maxEpochs, loss: lossSum / train.length, valLoss, fraction: Math.min(0.9, Math.max(epoch / maxEpochs, elapsed() / budgetSeconds) * 0.9) });
      if (elapsed() > budgetSeconds * HARD_STOP_FACTOR) return { epoch, stoppedBy: 'budget', best };
      if (epoch - best.epoch >= patience) return { epoch, stoppedBy: 'early-stopping', best };
    }
    return { epoch, stoppedBy: 'epochs', best };
  } catch (error) {
    tf.dispose(best.weights);
    throw error;
  } finally {
    optimizer.dispose();
  }
}

/** Feature names and ranges for the metadata: given, or f0, f1, … with the data's min and max. */
function featureInfo(x: Float32Array, features: number, count: number, given: TrainAnomalyOptions['features']) {
  return given ?? Array.from({ length: features }, (_, f) => {
    let [min, max] = [Infinity, -Infinity];
    for (let i = 0; i < count; i++) [min, max] = [Math.min(min, x[i * features + f]), Math.max(max, x[i * features + f])];
    return { name: `f${f}`, min, max };
  });
}

/** The score models (float32 and int8), each with the threshold calibrated on its own held-out scores. */
async function exportDetector(model: tf.LayersModel, norm: Standardization, split: { train: number[]; heldOut: number[] }, options: TrainAnomalyOptions) {
  const { x, shape, falseAlarmRate } = options;
  const features = shape.reduce((a, b) => a * b, 1);
  const count = x.length / features;
  const description = `Offgrid anomaly detector: mean squared reconstruction error of ${features} standardized features`;
  const { model: float, tailOperators } = scoreModel(model, norm, description);
  const all = Array.from({ length: count }, (_, i) => sample(x, features, i));
  const int8Model = quantizeScoreModel(float, tailOperators, { representativeData: calibrationSet(split.train.map((i) => all[i])) });
  const heldOutSamples = split.heldOut.map((i) => all[i]);
  const [floatScores, int8Scores] = [await scoreWithTflite(serializeModel(float), heldOutSamples), await scoreWithTflite(serializeModel(int8Model), heldOutSamples)];
  const threshold = calibrateThreshold(floatScores, falseAlarmRate);
  const thresholdInt8 = calibrateThreshold(int8Scores, falseAlarmRate);
  const meta = { name: options.name ?? 'Anomaly detector', features: featureInfo(x, features, count, options.features), falseAlarmRate };
  return {
    float32: withAnomalyMetadata(float, { ...meta, threshold }),
    int8: withAnomalyMetadata(int8Model, { ...meta, threshold: thresholdInt8 }),
    threshold, thresholdInt8, falseAlarmRate,
    heldOutScores: { float32: scoreStats(floatScores), int8: scoreStats(int8Scores) },
  };
}

export async function trainAnomalyDetector(options: TrainAnomalyOptions): Promise<AnomalyDetector> {
  const { x, shape, budgetSeconds, signal, onProgress } = options;
  const features = shape.reduce((a, b) => a * b, 1);
  const count = x.length / features;
  if (!Number.isInteger(count) || count === 0) throw new Error(`x has ${x.length} values; samples of shape [${shape}] need a multiple of ${features}.`);
  if (count < MIN_NORMAL_SAMPLES) throw new TrainingFailure('NOT_ENOUGH_DATA', `Anomaly detection needs at least ${MIN_NORMAL_SAMPLES} normal samples (got ${count}): some train the detector, the others set its threshold.`);
  if (!(budgetSeconds > 0)) throw new Error(`budgetSeconds must be > 0 (got ${budgetSeconds}).`);
  const started = performance.now();
  const random = createRandom(options.seed ?? 0);
  const split = splitNormal(count, random, options.validationSplit ?? 0.25, options.heldOutIndices);
  const norm = standardization(x, features, split.train);
  const standardized = Float32Array.from(x, (v, i) => (v - norm.mean[i % features]) / norm.std[i % features]);
  const batchOf = (indices: readonly number[]) => {
    const buffer = new Float32Array(indices.length * features);
    indices.forEach((index, k) => buffer.set(sample(standardized, features, index), k * features));
    return tf.tensor2d(buffer, [indices.length, features]);
  };

  const model = buildAutoencoder(options.config ?? {}, features, random.nextSeed());
  let bestWeights: tf.Tensor[] | undefined;
  try {
    const { epoch, stoppedBy, best } = await trainLoop({ model, batchOf, ...split, random, started }, options);
    bestWeights = best.weights;
    if (signal?.aborted) throw abortError(signal);
    if (best.weights) model.setWeights(best.weights);
    onProgress?.({ phase: 'exporting', epoch, epochs: epoch, valLoss: best.loss, fraction: 0.9 });
    const exported = await exportDetector(model, norm, split, options);
    const result: AnomalyDetector = { ...exported, epochs: epoch, stoppedBy, validationLoss: best.loss, standardization: norm };
    onProgress?.({ phase: 'done', epoch, epochs: epoch, valLoss: best.loss, fraction: 1, etaSeconds: 0 });
    return result;
  } finally {
    tf.dispose(bestWeights);
    model.dispose();
  }
}
