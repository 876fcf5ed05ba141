import * as tf from '@tensorflow/tfjs';
import { createRandom } from '../util/random.ts';
import { EmbeddingBag } from './embedding-bag.ts';
import { checkClasses, checkRank, type ModelFamily } from './family.ts';
import { num, resolveConfig, type SearchSpace } from './space.ts';

const SPACE: SearchSpace = [
  { name: 'embeddingDim', type: 'int', low: 8, high: 64, log: true, default: 16, description: 'embedding size per token' },
  { name: 'conv', type: 'categorical', choices: ['none', 'k3', 'k5'], default: 'none', description: 'optional Conv1D (relu, same padding, embeddingDim filters) over the embedded tokens' },
  { name: 'pooling', type: 'categorical', choices: ['avg', 'max'], default: 'avg', description: 'global pooling over the sequence; avg without conv leaves <PAD> out (EmbeddingBag, fastText)' },
  { name: 'hiddenUnits', type: 'categorical', choices: [0, 16, 32, 64, 128], default: 0, description: 'optional dense relu layer before the classifier (0: none)' },
  { name: 'dropout', type: 'float', low: 0, high: 0.5, default: 0.2 },
];

/**
 * Text classifier over token ids [seqLength]: Embedding(vocabularySize, embeddingDim) → optional
 * Conv1D → global average/max pooling → optional dense → dropout → softmax. Without conv, average pooling is an
 * EmbeddingBag: the mean over the ids that are not <PAD>, which with word + character n-gram ids (features'
 * charNgrams) is fastText. The id count comes from the build context (`{ vocabularySize }`: words and n-gram
 * buckets); ids ≥ it are refused by the lookup at run time (TF.js) and by GATHER in the exported model. Exports with
 * int32 ids as the input.
 */
export const textFamily = Object.freeze<ModelFamily>({
  name: 'text',
  description: 'Text classifier: token embedding, optional 1-D convolution, global pooling, dense softmax.',
  sampleKind: 'tokens',
  space: SPACE,
  modelInputShape: (_config, dataShape) => [...dataShape],
  build(config, inputShape, numClasses, seed, context = {}) {
    const c = resolveConfig(SPACE, config, 'text');
    checkClasses('text', numClasses);
    checkRank('text', inputShape, 1, '[seqLength] token ids');
    const vocabularySize = context.vocabularySize;
    if (vocabularySize === undefined || !Number.isInteger(vocabularySize) || vocabularySize < 3) {
      throw new Error(`text: needs the vocabulary size at build time: pass { vocabularySize } (an integer ≥ 3, special tokens included; got ${vocabularySize}).`);
    }
    const random = createRandom(seed);
    const init = () => tf.initializers.glorotUniform({ seed: random.nextSeed() });
    const dim = num(c, 'embeddingDim');
    const model = tf.sequential({ name: 'text' });
    const embedding = {
      name: 'embedding', inputShape: [...inputShape], inputDim: vocabularySize, outputDim: dim,
      embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: random.nextSeed() }),
    };
    if (c.conv === 'none' && c.pooling === 'avg') {
      model.add(new EmbeddingBag(embedding));
    } else {
      model.add(tf.layers.embedding(embedding));
      if (c.conv !== 'none') {
        model.add(tf.layers.conv1d({ name: 'conv', filters: dim, kernelSize: c.conv === 'k3' ? 3 : 5, padding: 'same', activation: 'relu', kernelInitializer: init() }));
      }
      model.add(c.pooling === 'max' ? tf.layers.globalMaxPooling1d({ name: 'pool' }) : tf.layers.globalAveragePooling1d({ name: 'pool' }));
    }
    if (num(c, 'hiddenUnits') > 0) model.add(tf.layers.dense({ name: 'hidden', units: num(c, 'hiddenUnits'), activation: 'relu', kernelInitializer: init() }));
    model.add(tf.layers.dropout({ name: 'dropout', rate: num(c, 'dropout'), seed: random.nextSeed() }));
    model.add(tf.layers.dense({ name: 'logits', units: numClasses, activation: 'softmax', kernelInitializer: init() }));
    return model;
  },
});
