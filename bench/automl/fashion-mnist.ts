/**
 * Fashion-MNIST through the whole `offgrid train` pipeline: search within the budget on the 60k training
 * images, retrain, int8, then accuracy on the official 10k test set through LiteRT.js.
 *   node --import tsx bench/automl/fashion-mnist.ts --budget 5m [--train 60000]
 * Needs Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import type { LoadedDataset } from '@offgrid/engine/data';
import { trainPipeline } from '@offgrid/pipeline';
import { parseDuration } from '../../packages/cli/src/terminal/progress-bar.ts';

const DIR = '/usr/share/datasets/fashion-mnist';
const LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** IDX images (28x28 gray) as RGB model inputs: MediaPipe's ImageClassifier wants [1, H, W, 3]. */
function loadIdx(split: 'train' | 't10k', limit: number): LoadedDataset {
  const images = gunzipSync(readFileSync(join(DIR, `${split}-images-idx3-ubyte.gz`)));
  const labels = gunzipSync(readFileSync(join(DIR, `${split}-labels-idx1-ubyte.gz`)));
  const count = Math.min(limit, images.readUInt32BE(4));
  const [rows, cols] = [images.readUInt32BE(8), images.readUInt32BE(12)];
  const size = rows * cols;
  const x = new Float32Array(count * size * 3);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < size; p++) {
      const value = (images[16 + i * size + p] - 127.5) / 127.5;
      x[(i * size + p) * 3] = value;
      x[(i * size + p) * 3 + 1] = value;
      x[(i * size + p) * 3 + 2] = value;
    }
  }
  return {
    kind: 'image', labels: LABELS, shape: [rows, cols, 3], x, targets: Int32Array.from(labels.subarray(8, 8 + count)),
    sources: [], imageNormalization: { mean: 127.5, std: 127.5 }, skipped: [],
  };
}

const { values } = parseArgs({ options: { budget: { type: 'string', default: '5m' }, train: { type: 'string', default: '60000' }, seed: { type: 'string', default: '0' } } });
const budgetSeconds = parseDuration(values.budget);
const train = loadIdx('train', Number(values.train));
const test = loadIdx('t10k', 10_000);
const started = Date.now();
let lastLine = 0;
const { report } = await trainPipeline(train, {
  budgetSeconds, seed: Number(values.seed), concurrency: 2, workDir: mkdtempSync(join(tmpdir(), 'offgrid-fmnist-')),
  name: 'fashion-mnist', source: DIR, testData: test,
  onEvent: (event) => {
    if (event.type === 'phase') console.error(`${event.phase}: ${event.detail}`);
    else if (event.type === 'search' && event.event.type === 'trialFinished') console.error(`trial ${event.event.trialNumber} ${event.event.status} ${event.event.value ?? ''}`);
    else if (event.type === 'trialProgress' && Date.now() - lastLine > 30_000) {
      lastLine = Date.now();
      console.error(`  #${event.trialNumber} ${event.family} epoch ${event.progress.epoch}/${event.progress.epochs} ${(event.progress.fraction * 100).toFixed(0)}%`);
    }
  },
});
const row = {
  budget: values.budget, trainImages: train.targets.length, testImages: test.targets.length,
  int8: report.metrics.test.int8.accuracy, float32: report.metrics.test.float32.accuracy, agreement: report.metrics.int8AgreementWithFloat32,
  int8KiB: report.sizes.int8Bytes / 1024, ratio: report.sizes.int8Ratio, trials: report.trials.length,
  winner: `${report.winner.family} ${report.winner.epochs} ep${report.winner.retrained ? ' (retrained)' : ''}`,
  wallSeconds: (Date.now() - started) / 1000, cpu: cpus()[0]?.model, cores: cpus().length,
};
console.log(JSON.stringify(row));
