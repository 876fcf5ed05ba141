/**
 * Fixed text recipes (no search) on the folds sklearn_baselines.py wrote: the `text` family trained with `fit` for a
 * fixed number of epochs, float32 accuracy on the test fold, one thread. What it is for: choosing the tokenization
 * (character n-grams, buckets, seqLength) and the trainer settings the search starts from, by measurement.
 *   node --import tsx bench/automl/baselines/text-grid.ts --dataset debian-descriptions --fold 0 \
 *     --recipes 'seq=256,buckets=16384,lr=0.01,dim=32,epochs=20;seq=64,buckets=0,lr=0.001,dim=16,epochs=20'
 * Recipe keys: seq, buckets (0: words only), minN, maxN, lr, dim, epochs, batch, pooling (avg|max), hidden.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { exportTflite, fit, initWasmBackend, MODEL_FAMILIES } from '@offgrid/engine';
import { loadDataset } from '@offgrid/engine/data';
import { DEFAULT_IMAGE_SPEC, textIdCount } from '@offgrid/features';

const { values } = parseArgs({
  options: {
    splits: { type: 'string', default: '/tmp/offgrid-baselines' },
    dataset: { type: 'string', default: 'debian-descriptions' },
    fold: { type: 'string', default: '0' },
    recipes: { type: 'string', default: 'seq=256,buckets=16384,lr=0.01,dim=32,epochs=20' },
  },
});

await initWasmBackend();
const dir = join(values.splits!, values.dataset!, `fold-${values.fold}`);
for (const text of values.recipes!.split(';')) {
  const r = Object.fromEntries(text.split(',').map((kv) => kv.split('=')).map(([k, v]) => [k, Number.isNaN(Number(v)) ? v : Number(v)])) as Record<string, number | string>;
  const n = (key: string, fallback: number) => Number(r[key] ?? fallback);
  const buckets = n('buckets', 16384);
  const charNgrams = buckets > 0 ? { minN: n('minN', 2), maxN: n('maxN', 5), buckets } : undefined;
  const spec = { seqLength: n('seq', 256), maxTokens: n('maxTokens', 10000), ...(charNgrams ? { charNgrams } : {}) };
  const train = await loadDataset(join(dir, 'train.csv'), DEFAULT_IMAGE_SPEC, undefined, { text: spec });
  const trainSpec = train.preprocessing!.text!;
  // A spec with a vocabulary is applied as stored: no charNgrams in it means words only.
  const test = await loadDataset(join(dir, 'test.csv'), DEFAULT_IMAGE_SPEC, undefined, { text: trainSpec });
  const vocabularySize = textIdCount(trainSpec.vocabulary.length, trainSpec.charNgrams);
  const config = { embeddingDim: n('dim', 32), pooling: String(r.pooling ?? 'avg'), hiddenUnits: n('hidden', 0), dropout: n('dropout', 0.2) };
  const started = performance.now();
  const result = await fit(train, (seed) => MODEL_FAMILIES.text.build(config, train.shape, train.labels.length, seed, { vocabularySize }), {
    numClasses: train.labels.length, budgetSeconds: 600, epochs: n('epochs', 20), batchSize: n('batch', 32), learningRate: n('lr', 0.01), seed: 0,
  });
  const seconds = (performance.now() - started) / 1000;
  const correct = tf.tidy(() => {
    const predicted = (result.model.predict(tf.tensor2d(test.x, [test.targets.length, test.shape[0]])) as tf.Tensor).argMax(-1).dataSync();
    return predicted.filter((p, i) => p === test.targets[i]).length;
  });
  const used = (() => {
    let filled = 0;
    for (let i = 0; i < train.targets.length; i++) for (let j = 0; j < train.shape[0]; j++) if (train.x[i * train.shape[0] + j] !== 0) filled++;
    return filled / train.targets.length;
  })();
  const size = train.shape[0];
  const representativeData = Array.from({ length: 100 }, (_, i) => train.x.slice(i * size, (i + 1) * size));
  const [float32, int8] = [await exportTflite(result.model), await exportTflite(result.model, { quantize: 'int8', representativeData })];
  console.log(`${text}: test ${((correct / test.targets.length) * 100).toFixed(1)}% · val ${(result.history.at(-1)?.valAccuracy ?? NaN).toFixed(3)} · ${seconds.toFixed(0)} s · ids/sample ${used.toFixed(0)} · ids ${vocabularySize} · int8 ${(int8.length / 1024).toFixed(0)} KiB, float32 ${(float32.length / 1024).toFixed(0)} KiB`);
  result.model.dispose();
}
