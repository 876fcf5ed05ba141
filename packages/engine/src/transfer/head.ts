/**
 * The transfer head: a small classifier trained on frozen-backbone embeddings, as a model family (its
 * space is plain data like every family's), and `trainTransferHead`, which embeds (cached) and trains
 * it under one wall-clock budget, embedding time included.
 */
import * as tf from '@tensorflow/tfjs';
import { checkClasses, type ModelFamily } from '../families/family.ts';
import { num, resolveConfig, type Config, type SearchSpace } from '../families/space.ts';
import { fit, type FitOptions, type FitResult } from '../train/fit.ts';
import type { TrainingData } from '../train/data.ts';
import { createRandom } from '../util/random.ts';
import { embedSamples, type AnyBackbone, type EmbeddingCache } from './embed.ts';

const SPACE: SearchSpace = Object.freeze([
  { name: 'headUnits', type: 'categorical', choices: [0, 64, 128, 256, 512], default: 0, description: 'hidden dense units (ReLU) before the softmax; 0 = linear head, as Model Maker' },
  { name: 'dropout', type: 'float', low: 0, high: 0.5, default: 0.2, description: 'on the embedding (and after the hidden layer)' },
  { name: 'labelSmoothing', type: 'float', low: 0, high: 0.2, default: 0.1, description: 'trainer option (FitOptions.labelSmoothing); Model Maker uses 0.1' },
]);

/**
 * dropout → [dense(headUnits, relu) → dropout] → dense softmax over [featureSize] embeddings. Defaults follow
 * Model Maker's image classifier (linear head, dropout 0.2, label smoothing 0.1); Teachable Machine's head is
 * `headUnits: 128`-like (Dense(100) + softmax).
 */
export const transferHeadFamily = Object.freeze<ModelFamily>({
  name: 'transfer-head',
  description: 'Classifier head over frozen-backbone embeddings (train on embedSamples output; composeClassifier for export).',
  sampleKind: 'vector',
  space: SPACE,
  modelInputShape: (_config, dataShape) => [...dataShape],
  build(config, inputShape, numClasses, seed) {
    const c = resolveConfig(SPACE, config, 'transfer-head');
    checkClasses('transfer-head', numClasses);
    if (inputShape.length !== 1 || !Number.isInteger(inputShape[0]) || inputShape[0] < 1) {
      throw new Error(`transfer-head: inputShape must be [featureSize] (embeddings from embedSamples; got [${inputShape.join(', ')}]).`);
    }
    const random = createRandom(seed);
    const init = () => tf.initializers.glorotUniform({ seed: random.nextSeed() });
    const dropout = num(c, 'dropout');
    const units = num(c, 'headUnits');
    const model = tf.sequential({ name: 'transfer_head' });
    model.add(tf.layers.inputLayer({ inputShape: [...inputShape], name: 'embedding' }));
    if (dropout > 0) model.add(tf.layers.dropout({ name: 'dropout_embedding', rate: dropout, seed: random.nextSeed() }));
    if (units > 0) {
      model.add(tf.layers.dense({ name: 'hidden', units, activation: 'relu', kernelInitializer: init() }));
      if (dropout > 0) model.add(tf.layers.dropout({ name: 'dropout_hidden', rate: dropout, seed: random.nextSeed() }));
    }
    model.add(tf.layers.dense({ name: 'logits', units: numClasses, activation: 'softmax', kernelInitializer: init() }));
    return model;
  },
});

/** The trainer options a transfer-head config implies (label smoothing lives in the family's space). */
export function transferTrainerOptions(config: Config = {}): Pick<FitOptions, 'labelSmoothing'> {
  return { labelSmoothing: num(resolveConfig(SPACE, config, 'transfer-head'), 'labelSmoothing') };
}

export interface TrainTransferHeadOptions extends Omit<FitOptions, 'numClasses' | 'budgetSeconds'> {
  numClasses: number;
  /** Wall-clock budget for embedding and training together. */
  budgetSeconds: number;
  /** transfer-head hyperparameters (missing ones take the defaults). */
  config?: Config;
  /** Embeddings kept between calls (e.g. between trials of a search, or seeds of a benchmark). */
  cache?: EmbeddingCache;
  onEmbedProgress?: (done: number, total: number) => void;
}

export interface TransferHeadResult extends FitResult {
  /** The embedded training data the head was trained on ([featureSize] vectors). */
  embedded: TrainingData;
  seconds: { embedding: number; training: number };
}

/**
 * Embeds `data` with the frozen backbone (cache hits are free) and trains a transfer head on the embeddings in
 * what is left of `budgetSeconds` (label smoothing from `config`, unless `labelSmoothing` is given). Throws when embedding alone uses the whole budget (say how long it took, so
 * the caller can raise the budget or fill the cache first). Compose the result's `model` with the backbone
 * (`composeClassifier`) to export an image classifier.
 */
export async function trainTransferHead(backbone: AnyBackbone, data: TrainingData, options: TrainTransferHeadOptions): Promise<TransferHeadResult> {
  const { config = {}, cache, onEmbedProgress, budgetSeconds, ...fitOptions } = options;
  const trainer = transferTrainerOptions(config);
  transferHeadFamily.build(config, [backbone.info.featureSize], options.numClasses, 0).dispose(); // config errors before the slow part
  const started = performance.now();
  const embedded = await embedSamples(backbone, data, { cache, onProgress: onEmbedProgress, signal: options.signal });
  const embedding = (performance.now() - started) / 1000;
  const left = budgetSeconds - embedding;
  if (left <= 0) {
    throw new Error(`Embedding ${data.targets.length} samples with "${backbone.info.name}" took ${embedding.toFixed(1)} s, the whole ${budgetSeconds} s budget; raise the budget or embed into the cache first.`);
  }
  const result = await fit(embedded, (seed) => transferHeadFamily.build(config, [backbone.info.featureSize], options.numClasses, seed), {
    ...fitOptions, labelSmoothing: fitOptions.labelSmoothing ?? trainer.labelSmoothing, budgetSeconds: left,
  });
  return { ...result, embedded, seconds: { embedding, training: (performance.now() - started) / 1000 - embedding } };
}
