/**
 * The two fixed recipes' heads (DESIGN.md §4), trained in TF.js on frozen-trunk embeddings. Fixed baselines, not
 * product code: no search, the peers' published settings.
 *  - Teachable Machine: Dense(100, relu) + Dense(K, softmax), Adam lr 0.001, batch 16, 50 epochs, cross-entropy.
 *  - Model Maker (image_classifier, frozen trunk): Dropout(0.2) + Dense(K, softmax), label smoothing 0.1,
 *    batch 32, 10 epochs; Adam lr 0.001 here (Model Maker's own default optimizer is SGD with momentum).
 */
import * as tf from '@tensorflow/tfjs';
import { createRandom } from '@offgrid/engine';
import { shuffleInPlace } from '../../packages/engine/src/util/random.ts';

export interface HeadRecipe {
  name: string;
  epochs: number;
  batchSize: number;
  build(featureSize: number, numClasses: number, seed: number): tf.LayersModel;
}

/** Cross-entropy against targets smoothed towards uniform: (1 − s)·onehot + s/K (Keras' label_smoothing). */
function smoothedCrossEntropy(smoothing: number) {
  return (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor => tf.tidy(() => {
    const classes = yTrue.shape[yTrue.rank - 1]!;
    const target = yTrue.mul(1 - smoothing).add(smoothing / classes);
    return target.mul(yPred.clipByValue(1e-7, 1).log()).sum(-1).neg().mean();
  });
}

export const TEACHABLE_MACHINE: HeadRecipe = {
  name: 'Teachable-Machine-style',
  epochs: 50,
  batchSize: 16,
  build(featureSize, numClasses, seed) {
    const model = tf.sequential({ name: 'teachable_head' });
    model.add(tf.layers.dense({ inputShape: [featureSize], units: 100, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }));
    model.add(tf.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
    model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy' });
    return model;
  },
};

export const MODEL_MAKER: HeadRecipe = {
  name: 'Model-Maker-style',
  epochs: 10,
  batchSize: 32,
  build(featureSize, numClasses, seed) {
    const model = tf.sequential({ name: 'model_maker_head' });
    model.add(tf.layers.dropout({ inputShape: [featureSize], rate: 0.2, seed }));
    model.add(tf.layers.dense({ units: numClasses, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
    model.compile({ optimizer: tf.train.adam(0.001), loss: smoothedCrossEntropy(0.1) });
    return model;
  },
};

export interface Embedded { x: Float32Array; targets: number[]; featureSize: number }

export interface TrainedHead { model: tf.LayersModel; epochs: number; seconds: number; finalLoss: number }

/**
 * Trains `recipe`'s head for its epochs, or fewer where the next epoch would end after `budgetSeconds` (the first
 * always runs). Each epoch sees the samples in a seeded shuffled order.
 */
export async function trainHead(recipe: HeadRecipe, data: Embedded, numClasses: number, budgetSeconds: number, seed: number, epochs = recipe.epochs): Promise<TrainedHead> {
  const started = performance.now();
  const count = data.targets.length;
  if (count === 0) throw new Error(`${recipe.name}: no embedded training samples to train the head on (the budget ran out while embedding).`);
  const model = recipe.build(data.featureSize, numClasses, seed);
  const random = createRandom(seed);
  const order = Array.from({ length: count }, (_, i) => i);
  let [done, finalLoss, slowestEpoch] = [0, NaN, 0];
  while (done < epochs) {
    const elapsed = (performance.now() - started) / 1000;
    if (done > 0 && elapsed + slowestEpoch > budgetSeconds) break;
    const epochStart = performance.now();
    shuffleInPlace(order, random);
    const x = new Float32Array(count * data.featureSize);
    order.forEach((index, i) => x.set(data.x.subarray(index * data.featureSize, (index + 1) * data.featureSize), i * data.featureSize));
    const xs = tf.tensor2d(x, [count, data.featureSize]);
    const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(order.map((i) => data.targets[i]), 'int32'), numClasses).toFloat());
    const history = await model.fit(xs, ys, { epochs: 1, batchSize: recipe.batchSize, shuffle: false, verbose: 0 });
    tf.dispose([xs, ys]);
    finalLoss = Number(history.history.loss.at(-1));
    done++;
    slowestEpoch = Math.max(slowestEpoch, (performance.now() - epochStart) / 1000);
  }
  return { model, epochs: done, seconds: (performance.now() - started) / 1000, finalLoss };
}

/** Measured seconds per sample per epoch of `recipe`'s head (synthetic features, after a warm-up epoch). */
export async function headSecondsPerSampleEpoch(recipe: HeadRecipe, featureSize: number, numClasses: number): Promise<number> {
  const random = createRandom(99);
  const samples = 512;
  const data: Embedded = { x: Float32Array.from({ length: samples * featureSize }, () => random.next()), targets: Array.from({ length: samples }, (_, i) => i % numClasses), featureSize };
  const warm = await trainHead(recipe, { ...data, x: data.x.subarray(0, 64 * featureSize), targets: data.targets.slice(0, 64) }, numClasses, Infinity, 0, 1);
  warm.model.dispose();
  const timed = await trainHead(recipe, data, numClasses, Infinity, 0, 1);
  timed.model.dispose();
  return timed.seconds / samples;
}
