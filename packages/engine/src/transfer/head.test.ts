import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initWasmBackend } from '../backend/init-wasm.ts';
import { defaultConfig } from '../families/space.ts';
import { fit, weightedCrossEntropy } from '../train/fit.ts';
import { createRandom } from '../util/random.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backbone } from './backbones.ts';
import { directoryEmbeddingCache, embedSamples } from './embed.ts';
import { trainTransferHead, transferHeadFamily, transferTrainerOptions } from './head.ts';

await initWasmBackend();

/** Two well-separated clusters of 16-d "embeddings". */
function clusters(count: number, seed = 2) {
  const random = createRandom(seed);
  const targets = Array.from({ length: count }, (_, i) => i % 2);
  const x = new Float32Array(count * 16);
  targets.forEach((t, i) => {
    for (let f = 0; f < 16; f++) x[i * 16 + f] = (t === 0 ? 1 : -1) * (f < 8 ? 1 : 0) + (random.next() - 0.5) * 0.5;
  });
  return { x, shape: [16], targets };
}

test('transfer-head family: Model Maker defaults, head width 0 = linear, a hidden layer otherwise, bad configs refused', () => {
  assert.deepEqual(defaultConfig(transferHeadFamily.space), { headUnits: 0, dropout: 0.2, labelSmoothing: 0.1 });
  const linear = transferHeadFamily.build({}, [1280], 5, 1);
  assert.deepEqual(linear.layers.map((l) => l.getClassName()), ['InputLayer', 'Dropout', 'Dense']);
  assert.equal(linear.countParams(), 1280 * 5 + 5);
  const hidden = transferHeadFamily.build({ headUnits: 128, dropout: 0 }, [1280], 5, 1);
  assert.deepEqual(hidden.layers.map((l) => l.name), ['embedding', 'hidden', 'logits']);
  assert.equal(hidden.countParams(), 1280 * 128 + 128 + 128 * 5 + 5);
  const [a, b] = [transferHeadFamily.build({ headUnits: 64 }, [8], 3, 7), transferHeadFamily.build({ headUnits: 64 }, [8], 3, 7)];
  assert.deepEqual(a.getWeights()[0].dataSync(), b.getWeights()[0].dataSync(), 'seeded');
  assert.throws(() => transferHeadFamily.build({ headUnits: 100 }, [8], 3, 1), /headUnits = 100 is not one of \[0,64,128,256,512\]/);
  assert.throws(() => transferHeadFamily.build({}, [7, 7, 3], 3, 1), /inputShape must be \[featureSize\]/);
  assert.deepEqual(transferTrainerOptions({ labelSmoothing: 0.05 }), { labelSmoothing: 0.05 });
  tf.dispose([linear, hidden, a, b].flatMap((m) => m.getWeights()));
});

test('label smoothing: the loss is cross-entropy against (1 − ε)·one-hot + ε/K, and it caps the trained confidence', async () => {
  const p = tf.tensor2d([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]);
  const labels = tf.tensor1d([0, 2], 'int32');
  const eps = 0.3;
  const expected = -[[0, 0.7], [1, 0.2], [2, 0.1]].map(([c, v]) => ((c === 0 ? 1 - eps : 0) + eps / 3) * Math.log(v)).reduce((s, v) => s + v, 0)
    - [[0, 0.1], [1, 0.3], [2, 0.6]].map(([c, v]) => ((c === 2 ? 1 - eps : 0) + eps / 3) * Math.log(v)).reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(weightedCrossEntropy(p, labels, undefined, eps).dataSync()[0] - expected / 2) < 1e-6);
  assert.ok(Math.abs(weightedCrossEntropy(p, labels).dataSync()[0] - -(Math.log(0.7) + Math.log(0.6)) / 2) < 1e-6, 'default: no smoothing');

  const data = clusters(64);
  const confidence = async (labelSmoothing: number) => {
    const result = await fit(data, (seed) => transferHeadFamily.build({ dropout: 0 }, [16], 2, seed), {
      numClasses: 2, budgetSeconds: 30, epochs: 40, learningRate: 0.05, seed: 1, labelSmoothing,
    });
    const probabilities = tf.tidy(() => (result.model.predict(tf.tensor2d(data.x, [64, 16])) as tf.Tensor).max(1).mean().dataSync()[0]);
    result.model.dispose();
    return probabilities;
  };
  const plain = await confidence(0);
  const smoothed = await confidence(0.2);
  // ε = 0.2, K = 2: the optimum puts 0.9 on the true class.
  assert.ok(plain > 0.98, `without smoothing the separable clusters get near-certain outputs (${plain})`);
  assert.ok(smoothed > 0.85 && smoothed < 0.93, `with ε = 0.2 the mean top probability settles near 0.9 (${smoothed})`);
  await assert.rejects(fit(data, (seed) => transferHeadFamily.build({}, [16], 2, seed), { numClasses: 2, budgetSeconds: 5, labelSmoothing: 1 }), /labelSmoothing must be in \[0, 1\) \(got 1\)/);
});

test('trainTransferHead charges embedding to the budget, caches embeddings on disk, and says so when embedding alone spends the budget', async () => {
  const input = tf.input({ shape: [8, 8, 3] });
  const trunk = tf.model({ inputs: input, outputs: tf.layers.globalAveragePooling2d({}).apply(input) as tf.SymbolicTensor });
  const backbone: Backbone = {
    model: trunk, pretrained: trunk,
    info: {
      name: 'mean-color', description: 'mean colour per channel', format: 'tfjs-layers', source: { package: 'none', version: '0', files: [] }, license: 'MIT',
      sha256: '0'.repeat(64), inputShape: [8, 8, 3], normalization: { mean: [0, 0, 0], std: [255, 255, 255] }, featureLayer: 'pool', featureSize: 3, parameters: 0, pretrainedLabels: [],
    },
  };
  const random = createRandom(4);
  const targets = Array.from({ length: 16 }, (_, i) => i % 2);
  const x = new Float32Array(16 * 192);
  targets.forEach((t, i) => {
    for (let p = 0; p < 64; p++) for (let c = 0; c < 3; c++) x[(i * 64 + p) * 3 + c] = (c === t ? 0.8 : 0.2) + (random.next() - 0.5) * 0.2;
  });
  const dir = await mkdtemp(join(tmpdir(), 'offgrid-embeddings-'));
  const cache = directoryEmbeddingCache(dir);
  const result = await trainTransferHead(backbone, { x, shape: [8, 8, 3], targets }, { numClasses: 2, budgetSeconds: 20, epochs: 30, learningRate: 0.05, config: { dropout: 0 }, cache });
  // A fresh cache over the same folder (a restarted server) has every embedding: nothing is computed again.
  const again = await embedSamples(backbone, { x, shape: [8, 8, 3], targets }, { cache: directoryEmbeddingCache(dir), onProgress: () => assert.fail('embedded again') });
  assert.deepEqual(again.x, result.embedded.x);
  await rm(dir, { recursive: true, force: true });
  assert.deepEqual(result.embedded.shape, [3]);
  assert.equal(result.metrics.valAccuracy, 1, 'red vs green images are told apart from their mean colours');
  assert.ok(result.seconds.embedding > 0 && result.seconds.training > 0);
  result.model.dispose();
  await assert.rejects(
    trainTransferHead(backbone, { x, shape: [8, 8, 3], targets }, { numClasses: 2, budgetSeconds: 1e-6 }),
    /Embedding 16 samples with "mean-color" took [0-9.]+ s, the whole 0.000001 s budget/,
  );
  await assert.rejects(trainTransferHead(backbone, { x, shape: [8, 8, 3], targets }, { numClasses: 2, budgetSeconds: 5, config: { width: 3 } }), /unknown hyperparameter "width"/);
});
