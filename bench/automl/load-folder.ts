/**
 * Loading a folder of images as `offgrid train` does (small pictures at their own size), decoded on this thread
 * against decoded by one worker per core, alternating.
 *   node --import tsx bench/automl/load-folder.ts [folder=/tmp/offgrid-fmnist-png] [rounds=2]
 * (the Fashion-MNIST PNG folder is written by bench/automl/fashion-mnist-folder.ts)
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { loadDataset } from '@offgrid/engine/data';
import { DEFAULT_IMAGE_SPEC } from '@offgrid/features';

const folder = process.argv[2] ?? '/tmp/offgrid-fmnist-png';
const rounds = Number(process.argv[3] ?? 2);
const workers = Math.min(availableParallelism(), 4);
console.log(`${cpus()[0]?.model}, ${cpus().length} cores, load ${loadavg()[0].toFixed(1)}; ${folder}`);
console.log('| round | decoded on | seconds | images |\n|---|---|---|---|');
for (let round = 1; round <= rounds; round++) {
  for (const decodeWorkers of [1, workers]) {
    const start = performance.now();
    const data = await loadDataset(folder, DEFAULT_IMAGE_SPEC, undefined, {}, { smallImagesNative: true, decodeWorkers });
    const where = decodeWorkers === 1 ? 'the loading thread' : `${decodeWorkers} worker threads`;
    console.log(`| ${round} | ${where} | ${((performance.now() - start) / 1000).toFixed(1)} | ${data.targets.length} |`);
  }
}
