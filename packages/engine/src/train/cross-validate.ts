/**
 * k-fold cross-validation through `fit`: on a few hundred samples one 20% validation split is a few dozen
 * samples, and which of two configurations wins on it is mostly chance (bench/automl/RESULTS.md: the tables'
 * winners changed with one validation row). Averaging over k folds, where every sample is validated once, ranks
 * configurations by what they do on all the data.
 */
import type * as tf from '@tensorflow/tfjs';
import { createRandom } from '../util/random.ts';
import { predictSamples, type TrainingData } from './data.ts';
import { fit, type EpochMetrics, type FitOptions, type FitResult } from './fit.ts';
import { stratifiedFolds } from './split.ts';

export interface CrossValidatedFit extends FitResult {
  /** Every sample once, with the probabilities of the fold model that did not train on it. */
  outOfFold: { indices: number[]; probabilities: Float32Array };
  folds: number;
}

export type CrossValidateOptions = Omit<FitOptions, 'split' | 'validationSplit' | 'resumeFrom' | 'onCheckpoint' | 'pair' | 'initialWeights'> & {
  folds: number;
};

/**
 * Trains one model per fold, one after the other, each with an equal share of the budget that is left. Returns the
 * last fold's model and split (as `fit` would), the history averaged over folds (epochs that every fold reached;
 * validation figures weighted by fold size) and the out-of-fold predictions, whose accuracy is the cross-validated
 * score. No checkpoints: a promoted trial trains its folds again from the start.
 */
export async function crossValidate(data: TrainingData, buildModel: (seed: number) => tf.LayersModel, options: CrossValidateOptions): Promise<CrossValidatedFit> {
  const { folds, budgetSeconds, onProgress, ...rest } = options;
  const now = options.now ?? (() => performance.now());
  const started = now();
  const splits = stratifiedFolds(Array.from(data.targets), data.groups, folds, createRandom(options.seed ?? 0));
  const results: FitResult[] = [];
  const indices: number[] = [];
  const parts: Float32Array[] = [];
  try {
    for (const [i, split] of splits.entries()) {
      const left = budgetSeconds - (now() - started) / 1000;
      const result = await fit(data, buildModel, {
        ...rest, split, budgetSeconds: Math.max(0.05, left / (folds - i)),
        onProgress: onProgress && ((p) => onProgress({ ...p, fraction: (i + p.fraction) / folds })),
      });
      results.push(result);
      indices.push(...split.validationIndices);
      parts.push(await predictSamples(result.model, data, split.validationIndices));
      if (i < folds - 1) result.model.dispose();
    }
  } catch (error) {
    results.at(-1)?.model.dispose();
    throw error;
  }
  const probabilities = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((offset, p) => (probabilities.set(p, offset), offset + p.length), 0);
  const last = results.at(-1)!;
  const history = averageHistories(results.map((r) => r.history), splits.map((s) => s.validationIndices.length));
  const final = history.at(-1);
  return {
    ...last,
    epochs: history.length,
    history,
    metrics: { trainAccuracy: final?.accuracy, valAccuracy: final?.valAccuracy, valLoss: final?.valLoss, epochs: history.length },
    stoppedBy: results.some((r) => r.stoppedBy === 'budget') ? 'budget' : last.stoppedBy,
    outOfFold: { indices, probabilities },
    folds,
  };
}

/** Per epoch, over the folds that reached it all: training figures averaged, validation figures weighted by fold size. */
export function averageHistories(histories: EpochMetrics[][], validationSizes: number[]): EpochMetrics[] {
  const epochs = Math.min(...histories.map((h) => h.length));
  const total = validationSizes.reduce((a, b) => a + b, 0);
  const mean = (epoch: number, pick: (e: EpochMetrics) => number | undefined, weights?: number[]) => {
    const values = histories.map((h, f) => [pick(h[epoch]), weights ? weights[f] / total : 1 / histories.length] as const);
    return values.some(([v]) => v === undefined) ? undefined : values.reduce((s, [v, w]) => s + v! * w, 0);
  };
  return Array.from({ length: epochs }, (_, epoch): EpochMetrics => ({
    epoch: epoch + 1, loss: mean(epoch, (e) => e.loss)!, accuracy: mean(epoch, (e) => e.accuracy)!,
    valLoss: mean(epoch, (e) => e.valLoss, validationSizes), valAccuracy: mean(epoch, (e) => e.valAccuracy, validationSizes),
    learningRate: histories[0][epoch].learningRate, seconds: histories.reduce((s, h) => s + h[epoch].seconds, 0),
  }));
}
