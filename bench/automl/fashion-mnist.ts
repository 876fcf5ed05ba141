/**
 * Fashion-MNIST through the whole `offgrid train` pipeline: search within the budget on the 60k training
 * images, retrain, int8, then accuracy on the official 10k test set through LiteRT.js.
 *   node --import tsx bench/automl/fashion-mnist.ts --budget 5m [--train 60000]
 * Needs Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist).
 */
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { trainPipeline } from '@offgrid/pipeline';
import { parseDuration } from '../../packages/cli/src/terminal/progress-bar.ts';
import { FASHION_MNIST_DIR, loadFashionMnist } from './fashion-mnist-data.ts';

const { values } = parseArgs({ options: { budget: { type: 'string', default: '5m' }, train: { type: 'string', default: '60000' }, seed: { type: 'string', default: '0' } } });
const budgetSeconds = parseDuration(values.budget);
const train = loadFashionMnist('train', Number(values.train));
const test = loadFashionMnist('t10k', 10_000);
const started = Date.now();
let lastLine = 0;
const { report } = await trainPipeline(train, {
  budgetSeconds, seed: Number(values.seed), concurrency: 2, workDir: mkdtempSync(join(tmpdir(), 'offgrid-fmnist-')),
  name: 'fashion-mnist', source: FASHION_MNIST_DIR, testData: test,
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
